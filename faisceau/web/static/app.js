// faisceau workbench: small enhancements over server-rendered pages.
// Data from documents is only ever put in the page with textContent, never as HTML.
"use strict";

function flash(message) {
  const p = document.getElementById("flash");
  if (!p) return;
  p.textContent = message;
  p.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { p.hidden = true; }, 4000);
}

// Where this project is served: "" locally, "/p/<name>" on a server (every path below is under it).
const BASE = (document.querySelector('meta[name="faisceau-base"]') || {}).content || "";
// The session's CSRF token on a server (sent with every request that changes something).
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

async function call(method, url, body) {
  const opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (CSRF && method !== "GET") opts.headers["X-CSRF-Token"] = CSRF;
  if (url.startsWith("/")) url = BASE + url;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(url, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const message = (data && (data.error || data.detail)) || ("HTTP " + resp.status);
    flash(String(message));
    throw new Error(String(message));
  }
  return data;
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

function searchOf(form) {
  return {
    q: form.dataset.q || "",
    sort: form.dataset.sort || "relevance",
    include: JSON.parse(form.dataset.include || "[]"),
    exclude: JSON.parse(form.dataset.exclude || "[]"),
  };
}

// -- document page: tags, star, notes ---------------------------------------------------------
function renderTags(box, id, tags) {
  const list = document.getElementById("tag-list");
  list.replaceChildren();
  for (const tag of tags) {
    const span = el("span", null, { class: "tag" });
    span.append(el("a", tag, { href: BASE + "/search?q=" + encodeURIComponent("tag:" + tag) }), " ");
    const x = el("button", "×", { type: "button", class: "untag link-button", "data-tag": tag, "aria-label": "remove" });
    span.append(x);
    list.append(span, " ");
  }
}

function setupDocument() {
  const box = document.getElementById("annotations");
  if (!box) return;
  const id = box.dataset.id;
  const base = "/api/documents/" + encodeURIComponent(id);
  document.getElementById("tag-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = ev.target.elements.tag;
    const data = await call("POST", base + "/tags", { tag: input.value });
    renderTags(box, id, data.tags);
    input.value = "";
  });
  box.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.untag");
    if (!b) return;
    const data = await call("DELETE", base + "/tags/" + encodeURIComponent(b.dataset.tag));
    renderTags(box, id, data.tags);
  });
  const star = document.getElementById("star");
  star.addEventListener("click", async () => {
    const on = star.getAttribute("aria-pressed") !== "true";
    await call("PUT", base + "/star", { starred: on });
    star.setAttribute("aria-pressed", on ? "true" : "false");
    star.textContent = on ? star.dataset.on : star.dataset.off;
  });
  document.getElementById("note-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = ev.target.elements.text;
    await call("POST", base + "/notes", { text: input.value });
    document.getElementById("note-list").append(el("li", input.value));
    input.value = "";
  });
}

// -- search page: bulk tag, saved searches ------------------------------------------------------
function setupSearch() {
  const bulk = document.getElementById("bulk-tag");
  if (!bulk) return;
  bulk.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = Object.assign(searchOf(bulk), { tag: bulk.elements.tag.value });
    const data = await call("POST", "/api/search/tag", body);
    flash(data.tag + ": " + data.documents);
    bulk.elements.tag.value = "";
  });
  const save = document.getElementById("save-search");
  save.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = Object.assign(searchOf(save), { name: save.elements.name.value });
    renderSaved(await call("POST", "/api/saved-searches", body));
    save.elements.name.value = "";
  });
  document.getElementById("saved-list").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.unsave");
    if (!b) return;
    renderSaved(await call("DELETE", "/api/saved-searches/" + encodeURIComponent(b.dataset.name)));
  });
}

function renderSaved(items) {
  const list = document.getElementById("saved-list");
  const label = list.dataset.delete || "×";
  list.replaceChildren();
  for (const s of items) {
    const li = el("li");
    li.append(el("a", s.name, { href: BASE + s.url }), " ",
              el("button", label, { type: "button", class: "link-button unsave", "data-name": s.name }));
    list.append(li);
  }
}

// -- status page: retry, progress of a running ingest --------------------------------------------
function setupStatus() {
  const retry = document.getElementById("retry");
  if (!retry) return;
  const running = document.getElementById("running");
  retry.addEventListener("click", async () => {
    retry.disabled = true;
    const data = await call("POST", "/api/status/retry");
    flash("retry: " + data.items);
    running.hidden = false;
    running.dataset.running = "true";
    poll();
  });
  async function poll() {
    const s = await call("GET", "/api/status");
    document.getElementById("pending-count").textContent = String(s.documents.pending);
    document.getElementById("doc-total").textContent = s.total.toLocaleString();
    document.getElementById("frontiers").textContent = s.frontiers_line;
    for (const cell of document.querySelectorAll("#by-status td[data-status]")) {
      cell.textContent = String(s.documents[cell.dataset.status] || 0);
    }
    running.hidden = !s.running;
    running.dataset.running = s.running ? "true" : "false";
    retry.disabled = s.running;
    if (s.running) setTimeout(poll, 2000);
  }
  if (running.dataset.running === "true") setTimeout(poll, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  setupDocument();
  setupSearch();
  setupStatus();
  document.body.dataset.ready = "true";
});
