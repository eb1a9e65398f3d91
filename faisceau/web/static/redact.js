// The redaction review page: boxes over the page images, accept/reject one or all of a kind, draw a box,
// select a passage of the document's text and redact it.
// Text from documents is only ever put in the page with textContent.
"use strict";

(function () {
  const root = document.getElementById("redact");
  if (!root) return;
  const doc = root.dataset.doc;
  const api = "/api/redact/" + encodeURIComponent(doc);

  function ground() { return document.getElementById("ground").value; }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function drawBoxes(data) {
    document.querySelectorAll(".redact-box").forEach((b) => b.remove());
    for (const r of data.redactions) {
      const holder = root.querySelector('.redact-page[data-page="' + r.page + '"]');
      if (!holder) continue;
      const w = parseFloat(holder.dataset.w), h = parseFloat(holder.dataset.h);
      for (const b of r.boxes) {
        const box = el("div", "redact-box " + r.status);
        box.dataset.id = String(r.id);
        box.style.left = (100 * b[0] / w) + "%";
        box.style.top = (100 * b[1] / h) + "%";
        box.style.width = (100 * (b[2] - b[0]) / w) + "%";
        box.style.height = (100 * (b[3] - b[1]) / h) + "%";
        box.title = r.kind + (r.ground ? " — " + r.ground : "");
        holder.appendChild(box);
      }
    }
  }

  function button(label, cls, onclick) {
    const b = el("button", cls, label);
    b.type = "button";
    b.addEventListener("click", onclick);
    return b;
  }

  function drawList(data) {
    const body = document.querySelector("#proposals tbody");
    body.replaceChildren();
    const kinds = {};
    for (const r of data.redactions) {
      const tr = el("tr", r.status);
      tr.dataset.id = String(r.id);
      tr.dataset.kind = r.kind;
      tr.append(el("td", "", String(r.id)), el("td", "kind", r.kind), el("td", "text", r.text || "▭"),
                el("td", "", String(r.page)), el("td", "status", r.status + (r.ground ? " (" + r.ground + ")" : "")));
      const act = el("td");
      act.append(button("✓", "accept", () => decide({ status: "accepted", ids: [r.id], ground: ground() })),
                 button("✗", "reject", () => decide({ status: "rejected", ids: [r.id] })));
      tr.appendChild(act);
      body.appendChild(tr);
      if (r.status === "proposed") kinds[r.kind] = (kinds[r.kind] || 0) + 1;
    }
    const box = document.getElementById("kinds");
    box.replaceChildren();
    for (const k of Object.keys(kinds).sort()) {
      const p = el("p", "kind-actions");
      p.dataset.kind = k;
      p.append(el("span", "", k + " (" + kinds[k] + ")"),
               button("✓ all", "accept-kind", () => decide({ status: "accepted", kind: k, ground: ground() })),
               button("✗ all", "reject-kind", () => decide({ status: "rejected", kind: k })));
      box.appendChild(p);
    }
  }

  function show(data) {
    drawBoxes(data);
    drawList(data);
    document.body.dataset.ready = "true";
  }

  async function load() { show(await call("GET", api)); }

  async function decide(body) {
    document.body.dataset.ready = "false";
    show(await call("POST", api + "/decide", body));
  }

  // draw a box: press, drag, release on a page image; coordinates sent in PDF points
  for (const holder of root.querySelectorAll(".redact-page")) {
    let start = null, ghost = null;
    const point = (ev) => {
      const r = holder.getBoundingClientRect();
      return [(ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height];
    };
    holder.addEventListener("mousedown", (ev) => {
      if (ev.button !== 0) return;
      ev.preventDefault();
      start = point(ev);
      ghost = el("div", "redact-box drawing");
      holder.appendChild(ghost);
    });
    holder.addEventListener("mousemove", (ev) => {
      if (!start) return;
      const p = point(ev);
      ghost.style.left = (100 * Math.min(start[0], p[0])) + "%";
      ghost.style.top = (100 * Math.min(start[1], p[1])) + "%";
      ghost.style.width = (100 * Math.abs(p[0] - start[0])) + "%";
      ghost.style.height = (100 * Math.abs(p[1] - start[1])) + "%";
    });
    holder.addEventListener("mouseup", async (ev) => {
      if (!start) return;
      const p = point(ev), s = start;
      start = null;
      ghost.remove();
      const w = parseFloat(holder.dataset.w), h = parseFloat(holder.dataset.h);
      const rect = [Math.min(s[0], p[0]) * w, Math.min(s[1], p[1]) * h, Math.max(s[0], p[0]) * w, Math.max(s[1], p[1]) * h];
      if (rect[2] - rect[0] < 2 || rect[3] - rect[1] < 2) return;  // a click, not a box
      document.body.dataset.ready = "false";
      show(await call("POST", api + "/boxes", { page: parseInt(holder.dataset.page, 10), rect: rect, ground: ground() }));
    });
  }

  // select a passage of the stored text: its offsets are sent in code points (the store's unit), not the
  // UTF-16 units of the DOM, so a character outside the BMP before it does not shift the span
  const textBox = document.getElementById("doc-text");
  textBox.textContent = JSON.parse(textBox.dataset.text);
  const codePoints = (s) => Array.from(s).length;
  document.getElementById("redact-span").addEventListener("click", async () => {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { flash("select a passage of the text first"); return; }
    const range = sel.getRangeAt(0);
    const node = textBox.firstChild;
    if (!node || range.startContainer !== node || range.endContainer !== node) {
      flash("select a passage of the document's text");
      return;
    }
    const text = node.data;
    const start = codePoints(text.slice(0, range.startOffset));
    const end = start + codePoints(text.slice(range.startOffset, range.endOffset));
    document.body.dataset.ready = "false";
    try {
      show(await call("POST", api + "/spans", { start: start, end: end, ground: ground() }));
      sel.removeAllRanges();
    } finally {
      document.body.dataset.ready = "true";
    }
  });

  document.addEventListener("DOMContentLoaded", load);
})();
