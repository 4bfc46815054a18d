/* The live websocket (agent desktop, supervisor board, TV): kept alive, reconnected, its state shown. */
import { api } from "./api.js";
import { t } from "./i18n.js";

const LIVE_PING_MS = 25000;
const LIVE_DEAD_MS = 70000; // nothing received for this long (not even a pong): the socket is dead, reconnect
const LIVE_BACKOFF_MIN = 1000;
const LIVE_BACKOFF_MAX = 10000;

/* A websocket message as an object, or null (not JSON, or not an object). */
export function parseLiveMessage(text) {
  let m;
  try { m = JSON.parse(text); } catch { return null; }
  return m && typeof m === "object" ? m : null;
}

/* The websocket ws(s)://<this host><path>, kept alive: a "ping" every 25 s, dead after 70 s without anything
 * received, reconnect after 1 s doubling to 10 s. Close 4401 → stop, onLoggedOut(); 4403 → stop, "refused";
 * any other close → reconnect, and GET /api/auth/me (a refused handshake does not always pass its close code
 * on): 401 → stop, onLoggedOut(); a user mayUse(user) turns down (when given) → stop, "refused".
 * Callbacks: onMessage(msg) for each message that is a JSON object; onState(state, sock) on every change of
 * state (connecting | open | reconnecting | refused; the first call comes before liveSocket returns). Returns
 * sock: {state, everOpened (it was open at least once), reconnectAt (ms of the next attempt), stop()}. */
export function liveSocket(path, { onMessage, onState, onLoggedOut, mayUse }) {
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
      try { open.close(); } catch { /* closing anyway */ }
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
    } catch {
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
          try { w.close(4000, "no pong"); } catch { /* closing anyway */ }
          onClose(w, { code: 1006 });
          return;
        }
        try { w.send("ping"); } catch { /* onclose follows */ }
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
      if (document.documentElement.dataset.loggingOut !== "true") onLoggedOut(); // not our own logout()
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
      if (document.documentElement.dataset.loggingOut !== "true") onLoggedOut();
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
export function showLiveStatus(badge, banner, state, reconnectAt, prefix) {
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
