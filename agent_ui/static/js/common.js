/* Shared by every page: calling the API, building DOM, the header (language switch, logout), the live websocket. */
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
  // A refusal carries its text in both UI languages ({"messages": {"en": ..., "zh-CN": ...}}): show the page's.
  const own = r.data && r.data.messages && r.data.messages[getLang()];
  const msg = own || (r.data && (r.data.message || r.data.detail)) || `HTTP ${r.status}`;
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

/* A server time in ms since the epoch, or null. Server times come as ISO strings
 * ("2026-01-01T08:00:00.123456+00:00") or, over the websockets, Python's str() ("2026-01-01 08:00:00.123456+00:00");
 * a time without an offset is UTC; a bare date ("2026-01-01") is local midnight. */
function parseServerTime(v) {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number") return v;
  let s = String(v).trim().replace(" ", "T");
  s = s.replace(/(\.\d{3})\d+/, "$1");
  if (/^\d{4}-\d\d-\d\d$/.test(s)) s += "T00:00:00";
  else if (!/(Z|[+-]\d\d:?\d\d)$/i.test(s)) s += "Z";
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
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

/* ---- the live websocket (agent desktop, supervisor board, TV) ------------------------------------------ */

const LIVE_PING_MS = 25000;
const LIVE_DEAD_MS = 70000; // nothing received for this long (not even a pong): the socket is dead, reconnect
const LIVE_BACKOFF_MIN = 1000;
const LIVE_BACKOFF_MAX = 10000;

/* A websocket message as an object, or null (not JSON, or not an object). */
function parseLiveMessage(text) {
  let m;
  try { m = JSON.parse(text); } catch (e) { return null; }
  return m && typeof m === "object" ? m : null;
}

/* The websocket ws(s)://<this host><path>, kept alive: a "ping" every 25 s, dead after 70 s without anything
 * received, reconnect after 1 s doubling to 10 s. Close 4401 → stop, onLoggedOut(); 4403 → stop, "refused";
 * any other close → reconnect, and GET /api/auth/me (a refused handshake does not always pass its close code
 * on): 401 → stop, onLoggedOut(); a user mayUse(user) turns down (when given) → stop, "refused".
 * Callbacks: onMessage(msg) for each message that is a JSON object; onState(state, sock) on every change of
 * state (connecting | open | reconnecting | refused; the first call comes before liveSocket returns). Returns
 * sock: {state, everOpened (it was open at least once), reconnectAt (ms of the next attempt), stop()}. */
function liveSocket(path, { onMessage, onState, onLoggedOut, mayUse }) {
  const sock = { state: "connecting", everOpened: false, reconnectAt: 0, stop };
  let ws = null;
  let stopped = false;
  let backoff = LIVE_BACKOFF_MIN;
  let reconnectTimer = null;
  let pingTimer = null;
  let lastRx = 0;

  function setState(state) {
    sock.state = state;
    if (onState) onState(state, sock);
  }

  function stop() {
    stopped = true;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    clearInterval(pingTimer);
    const open = ws;
    ws = null;
    if (open) {
      try { open.close(); } catch (e) { /* closing anyway */ }
    }
  }

  function connect() {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    const proto = window.location.protocol === "https:" ? "wss" : "ws";
    let w;
    try {
      w = new WebSocket(`${proto}://${window.location.host}${path}`);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = w;
    if (sock.state !== "reconnecting") setState("connecting");
    w.onopen = () => {
      if (ws !== w) return;
      sock.everOpened = true;
      backoff = LIVE_BACKOFF_MIN;
      lastRx = Date.now();
      setState("open");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (ws !== w) return;
        if (Date.now() - lastRx > LIVE_DEAD_MS) { // no answer to our pings: the connection is gone
          try { w.close(4000, "no pong"); } catch (e) { /* closing anyway */ }
          onClose(w, { code: 1006 });
          return;
        }
        try { w.send("ping"); } catch (e) { /* onclose follows */ }
      }, LIVE_PING_MS);
    };
    w.onmessage = (ev) => {
      if (ws !== w) return;
      lastRx = Date.now();
      const m = parseLiveMessage(ev.data);
      if (m && onMessage) onMessage(m);
    };
    w.onclose = (ev) => onClose(w, ev);
    w.onerror = () => { /* onclose follows */ };
  }

  async function onClose(w, ev) {
    if (ws !== w) return;
    ws = null;
    clearInterval(pingTimer);
    if (stopped) return;
    if (ev.code === 4401) {
      stop();
      onLoggedOut();
      return;
    }
    if (ev.code === 4403) {
      stop();
      setState("refused");
      return;
    }
    scheduleReconnect();
    // refused before the socket opened (close codes are not always passed on then): is the session still valid?
    const r = await api("GET", "/api/auth/me");
    if (stopped) return;
    if (r.status === 401) {
      stop();
      onLoggedOut();
    } else if (r.ok && mayUse && !mayUse(r.data)) {
      stop();
      setState("refused");
    }
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer) return;
    const delay = backoff;
    backoff = Math.min(LIVE_BACKOFF_MAX, backoff * 2);
    sock.reconnectAt = Date.now() + delay;
    setState("reconnecting");
    reconnectTimer = setTimeout(() => { reconnectTimer = null; connect(); }, delay);
  }

  connect();
  return sock;
}

/* The header badge (its data-ws is the state) and the yellow banner for a liveSocket's state; the texts are
 * the i18n keys <prefix>.ws.<state>, <prefix>.ws_banner and <prefix>.ws_refused. */
function showLiveStatus(badge, banner, state, reconnectAt, prefix) {
  badge.dataset.ws = state;
  const label = t(`${prefix}.ws.${state}`);
  badge.textContent = label === `${prefix}.ws.${state}` ? state : label;
  if (state === "reconnecting") {
    const seconds = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
    banner.textContent = t(`${prefix}.ws_banner`, { seconds });
    banner.hidden = false;
  } else if (state === "refused") {
    banner.textContent = t(`${prefix}.ws_refused`);
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}

/* GET /api/auth/me, also reading the server's clock from the HTTP Date header (1 s resolution). Resolves to
 * {ok, status, data, clockOffset} like api(); clockOffset (ms to add to Date.now()) is 0 unless this browser's
 * clock is more than 2 s off, and null when the server sent no date. */
async function whoAmIWithClock() {
  const t0 = Date.now();
  let resp;
  try {
    resp = await fetch("/api/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch (e) {
    return { ok: false, status: 0, data: { message: t("common.network_error") }, clockOffset: null };
  }
  const t1 = Date.now();
  const date = Date.parse(resp.headers.get("Date") || "");
  let clockOffset = null;
  if (!Number.isNaN(date)) {
    const offset = date + 500 - (t0 + t1) / 2;
    clockOffset = Math.abs(offset) > 2000 ? offset : 0;
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  return { ok: resp.ok, status: resp.status, data, clockOffset };
}

/* Start of a page for some roles only: ``whoAmI()`` (resolves like api()), back to the login page on 401, the
 * ``no-access`` note (with the error from ``errText(r)`` if the check failed) when the user may not use the page;
 * otherwise shows the header's name and ``contentId`` and resolves to the user. Resolves to null when not. */
async function openPageFor(whoAmI, mayUse, contentId, errText) {
  const byId = (id) => document.getElementById(id);
  const who = await whoAmI();
  byId("page-loading").hidden = true;
  if (who.status === 401) {
    window.location.replace("index.html");
    return null;
  }
  if (!who.ok) {
    showStatus(byId("no-access"), () => errText(who), "error");
    byId("no-access").hidden = false;
    return null;
  }
  byId("user-name").textContent = who.data.display_name || who.data.username;
  if (!mayUse(who.data)) {
    byId("no-access").hidden = false;
    return null;
  }
  byId(contentId).hidden = false;
  return who.data;
}
