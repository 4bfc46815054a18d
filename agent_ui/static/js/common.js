/* Shared by every page: calling the API, building DOM, the header (language switch, logout). */
"use strict";

/* Call the API with the session cookie. Resolves to {ok, status, data}; data is the parsed JSON body (or
 * null). A network failure resolves to {ok: false, status: 0, data: {message: ...}}. */
async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    return { ok: false, status: 0, data: { message: t("common.network_error") } };
  }
  let data = null;
  const text = await resp.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = { message: text.slice(0, 300) }; }
  }
  return { ok: resp.ok, status: resp.status, data };
}

/* The message to show for a failed call. */
function errorText(r) {
  if (r.status === 0) return t("common.network_error");
  if (r.status === 403) return t("common.forbidden");
  const msg = (r.data && (r.data.message || r.data.detail)) || `HTTP ${r.status}`;
  return t("common.error", { message: typeof msg === "string" ? msg : JSON.stringify(msg) });
}

/* el("div", {class: "x", "data-testid": "y", onclick: fn}, child, "text", ...) */
function el(tag, attrs, ...children) {
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

function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(getLang());
}

/* A status line: kind is "ok", "warn", "error" or "" (neutral). ``message`` is a function returning the text
 * (called again when the language changes) or a plain string. */
function showStatus(node, message, kind) {
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

async function logout() {
  await api("POST", "/api/auth/logout");
  window.location.href = "index.html";
}

function initHeader() {
  const sw = document.getElementById("lang-switch");
  if (sw) initLangSwitch(sw);
  const out = document.getElementById("logout");
  if (out) out.addEventListener("click", logout);
  applyI18n();
}

/* Start of a page that needs a login: the header, then who is logged in. Not logged in → the login page
 * (returns null); another failure is shown in ``statusNode`` (returns null). Otherwise the user, whose name is
 * shown in the header. */
async function pageUser(statusNode) {
  initHeader();
  const me = await api("GET", "/api/auth/me");
  if (me.status === 401) {
    window.location.replace("index.html");
    return null;
  }
  if (!me.ok) {
    showStatus(statusNode, () => errorText(me), "error");
    return null;
  }
  const name = document.getElementById("user-name");
  if (name) name.textContent = me.data.username;
  return me.data;
}
