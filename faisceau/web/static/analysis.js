// faisceau workbench: entity curation (evidence, confirm, undo) and citations on the document page.
// Uses call(), el() and flash() of app.js. Data from documents goes in the page with textContent only.
"use strict";

// -- citations: a selection in the text → stored offsets (code points, not UTF-16 units) ---------

function codePoints(s) {
  let n = 0;
  for (const _ of s) n++;  // a string iterates by code point: an astral character counts once
  return n;
}

// The offset in the stored text of a selection boundary, or null outside the document's text.
// Every piece of the text carries its own offset (data-o), so the count restarts at each piece
// and markup or characters the HTML parser changed elsewhere cannot shift it.
function storedOffset(node, offset) {
  const elem = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  const pre = elem && elem.closest("pre.text");
  if (!pre) return null;
  const piece = elem.closest("[data-o]");
  if (piece && pre.contains(piece)) {
    const r = document.createRange();
    r.setStart(piece, 0);
    r.setEnd(node, offset);
    return Number(piece.dataset.o) + codePoints(r.toString());
  }
  // a boundary between pieces: the start of the next one, or the end of the one before
  const next = pre.childNodes[offset];
  if (next && next.dataset && next.dataset.o !== undefined) return Number(next.dataset.o);
  const prev = pre.childNodes[offset - 1];
  if (prev && prev.dataset && prev.dataset.o !== undefined) return Number(prev.dataset.o) + codePoints(prev.textContent);
  return Number(pre.dataset.start || 0);
}

function renderCitations(box, items) {
  const list = document.getElementById("citation-list");
  list.replaceChildren();
  if (!items.length) list.append(el("li", box.dataset.empty, { class: "empty" }));
  for (const c of items) {
    const li = el("li", null, { "data-citation": c.id, "data-start": c.start, "data-end": c.end });
    const text = c.text.length > 300 ? c.text.slice(0, 300) + "…" : c.text;
    li.append(el("a", "«" + text + "»", { href: "#o" + c.start, class: "cited" }));
    if (c.page) li.append(" ", el("span", "p." + c.page, { class: "hint" }));
    if (c.note) li.append(el("br"), el("span", c.note, { class: "cite-note" }));
    li.append(" ", el("button", box.dataset.delete, { type: "button", class: "uncite link-button", "data-citation": c.id }));
    list.append(li);
  }
}

function setupCitations() {
  const box = document.getElementById("citations");
  if (!box) return;
  const form = document.getElementById("cite-form");
  const base = "/api/documents/" + encodeURIComponent(box.dataset.id) + "/citations";
  document.addEventListener("selectionchange", () => {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;  // keep the last passage while the note is typed
    const r = sel.getRangeAt(0);
    const start = storedOffset(r.startContainer, r.startOffset);
    const end = storedOffset(r.endContainer, r.endOffset);
    if (start === null || end === null || end <= start) return;
    form.dataset.start = String(start);
    form.dataset.end = String(end);
    const shown = sel.toString();
    document.getElementById("cite-preview").textContent = shown.length > 400 ? shown.slice(0, 400) + "…" : shown;
    form.hidden = false;
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { start: Number(form.dataset.start), end: Number(form.dataset.end), note: form.elements.note.value || null };
    const data = await call("POST", base, body);
    renderCitations(box, data.citations);
    form.hidden = true;
    form.elements.note.value = "";
    form.dataset.saved = String(data.id);
  });
  document.getElementById("citation-list").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.uncite");
    if (!b) return;
    const data = await call("DELETE", base + "/" + encodeURIComponent(b.dataset.citation));
    renderCitations(box, data.citations);
  });
}

// -- entity curation: evidence first, then the decision, which can be undone ---------------------

function renderSide(box, side) {
  const div = el("div", null, { class: "side-evidence" });
  div.append(el("strong", side.name), " ", el("span", side.type, { class: "etype" }));
  div.append(el("p", side.mentions + " " + box.dataset.mentions + " · " + side.documents + " " + box.dataset.documents, { class: "hint" }));
  div.append(el("p", side.variants.join(", "), { class: "variants" }));
  const ul = el("ul", null, { class: "contexts" });
  for (const c of side.contexts) ul.append(el("li", "… " + c.split(/\s+/).join(" ") + " …"));
  div.append(ul);
  return div;
}

function afterDecision(data, result) {
  if (data.applied) {
    const target = BASE + (data.entity ? data.entity.url : "/entities");
    location.assign(target + (data.decision ? "?decided=" + encodeURIComponent(data.decision) : ""));
    return;
  }
  result.textContent = data.note || "";
  result.dataset.state = "pending";
}

function setupCuration() {
  const decisions = document.getElementById("decisions");
  const result = document.getElementById("curate-result");
  if (decisions) {
    decisions.addEventListener("click", async (ev) => {
      const b = ev.target.closest("button.undo");
      if (!b) return;
      b.disabled = true;
      const data = await call("POST", "/api/entities/decisions/" + encodeURIComponent(b.dataset.decision) + "/undo");
      if (data.applied) location.assign(data.entity ? BASE + data.entity.url : location.pathname);
      else if (result) { result.textContent = data.note || ""; result.dataset.state = "pending"; }
    });
  }
  const box = document.getElementById("curate");
  if (!box) return;
  const form = document.getElementById("curate-form");
  const evidence = document.getElementById("evidence");
  const other = document.getElementById("curate-b");
  const names = document.getElementById("entity-names");
  const variants = Array.from(names.options).map((o) => o.value);
  let pending = null;
  let timer = null;
  const fill = (values) => {
    names.replaceChildren(...values.map((v) => el("option", null, { value: v })));
  };
  form.elements.action.addEventListener("change", () => {
    const action = form.elements.action.value;
    other.hidden = action === "ignore";
    other.value = "";
    fill(action === "split" ? variants : []);
  });
  other.addEventListener("input", () => {
    if (form.elements.action.value !== "merge" || other.value.length < 2) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const data = await call("GET", "/api/entities?" + new URLSearchParams({ q: other.value, limit: "10" }));
      fill(data.entities.filter((e) => e.id !== box.dataset.id).map((e) => e.name));
    }, 200);
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const action = form.elements.action.value;
    const b = action === "ignore" ? null : other.value.trim();
    if (action !== "ignore" && !b) { other.focus(); return; }
    const q = new URLSearchParams({ a: box.dataset.name });
    if (action === "merge" || action === "split") q.set("b", b);
    const data = await call("GET", "/api/entities/evidence?" + q.toString());
    const sides = document.getElementById("evidence-sides");
    sides.replaceChildren(renderSide(evidence, data.a));
    if (data.b) sides.append(renderSide(evidence, data.b));
    document.getElementById("evidence-shared").textContent =
      data.b ? data.shared_documents + " " + evidence.dataset.shared : "";
    pending = { action: action, a: box.dataset.name, b: b };
    evidence.hidden = false;
    evidence.dataset.action = action;
  });
  document.getElementById("curate-cancel").addEventListener("click", () => { evidence.hidden = true; pending = null; });
  document.getElementById("curate-confirm").addEventListener("click", async () => {
    if (!pending) return;
    const data = await call("POST", "/api/entities/decisions", pending);
    pending = null;
    evidence.hidden = true;
    afterDecision(data, result);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupCitations();
  setupCuration();
});
