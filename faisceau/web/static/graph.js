// The graph page: pan (drag), zoom (wheel), select a person to list their messages.
// Labels and subjects are put in the page with textContent only.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("graph-box");
  const svg = document.getElementById("graph-svg");
  if (!box || !svg) return;
  let view = svg.viewBox.baseVal;
  let vb = { x: view.x, y: view.y, w: view.width, h: view.height };
  const apply = () => svg.setAttribute("viewBox", vb.x + " " + vb.y + " " + vb.w + " " + vb.h);

  box.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    const fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    const k = ev.deltaY < 0 ? 0.85 : 1 / 0.85;
    const w = Math.min(Math.max(vb.w * k, 50), 5000), h = vb.h * (w / vb.w);
    vb = { x: vb.x + (vb.w - w) * fx, y: vb.y + (vb.h - h) * fy, w: w, h: h };
    apply();
  }, { passive: false });

  let drag = null;
  box.addEventListener("pointerdown", (ev) => {
    if (ev.target.closest(".node")) return;
    drag = { x: ev.clientX, y: ev.clientY, vb: Object.assign({}, vb) };
    box.setPointerCapture(ev.pointerId);
  });
  box.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const s = Math.max(drag.vb.w / r.width, drag.vb.h / r.height);
    vb = { x: drag.vb.x - (ev.clientX - drag.x) * s, y: drag.vb.y - (ev.clientY - drag.y) * s, w: vb.w, h: vb.h };
    apply();
  });
  box.addEventListener("pointerup", () => { drag = null; });

  async function select(node) {
    for (const n of svg.querySelectorAll(".node.selected, line.selected")) n.classList.remove("selected");
    node.classList.add("selected");
    const id = node.dataset.id;
    for (const l of svg.querySelectorAll("line")) {
      if (l.dataset.source === id || l.dataset.target === id) l.classList.add("selected");
    }
    const label = node.querySelector("text");
    const name = document.getElementById("node-name");
    name.textContent = (label ? label.textContent : id) + " <" + id + "> · ";
    const page = document.createElement("a");   // the person's page: sent, received, correspondents, threads
    page.id = "node-page";
    page.href = BASE + "/people/" + encodeURIComponent(id);
    page.textContent = name.dataset.page || "page";
    name.append(page);
    const params = new URLSearchParams(box.dataset.query || "");
    params.set("node", id);
    const resp = await fetch(BASE + "/api/graph/messages?" + params.toString(), { headers: { "Accept": "application/json" } });
    const list = document.getElementById("node-messages");
    list.replaceChildren();
    if (!resp.ok) { list.append(document.createTextNode("HTTP " + resp.status)); return; }
    for (const m of await resp.json()) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = BASE + "/documents/" + encodeURIComponent(m.id);
      a.textContent = (m.date || "").slice(0, 10) + " · " + (m.subject || "(no subject)");
      li.append(a, document.createTextNode(" (" + m.role + (m.copies ? ", +" + m.copies + " copies" : "") + ")"));
      list.append(li);
    }
    list.dataset.loaded = "true";
  }
  svg.addEventListener("click", (ev) => {
    const node = ev.target.closest(".node");
    if (node) select(node);
  });
  svg.addEventListener("keydown", (ev) => {
    const node = ev.target.closest(".node");
    if (node && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); select(node); }
  });
  box.dataset.ready = "true";
});
