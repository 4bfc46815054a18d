/* Building and finding DOM, status lines, query strings, localStorage that may be disabled. */

export const $ = (id) => document.getElementById(id);

/* el("div", {class: "x", "data-testid": "y", onclick: fn}, child, "text", ...) */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k === "value") e.value = v;
    else if (k === "checked" || k === "disabled" || k === "selected" || k === "hidden") e[k] = Boolean(v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

/* "?a=1&b=x" of the params that have a value ("" when none has). */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}

/* A status line: kind is "ok", "warn", "error" or "" (neutral). ``message`` is a function returning the text
 * (called again when the language changes) or a plain string. */
export function showStatus(node, message, kind) {
  node._message = typeof message === "function" ? message : null;
  node.textContent = (typeof message === "function" ? message() : message) || "";
  node.classList.remove("ok", "error", "warn");
  if (kind) node.classList.add(kind);
}

document.addEventListener("cc:langchange", () => {
  document.querySelectorAll(".status").forEach((node) => {
    if (node._message) node.textContent = node._message();
  });
});

export function storageGet(key) {
  try { return localStorage.getItem(key) || ""; } catch { return ""; }
}

export function storageSet(key, value) {
  try { localStorage.setItem(key, value); } catch { /* storage disabled */ }
}
