/* board.html: the supervisor board, and the wallboard model both wallboard pages share (tv.html loads this file
 * too, before js/tv.js; the board page itself only starts on <body data-page="board">).
 *
 * All live data arrives over the websocket /ws/board (docs/wallboard.md): a "snapshot" when it connects (and so
 * after every reconnect) rebuilds everything, "delta" replaces the queues / agents it names and raises or
 * clears alerts, "point" adds a chart point, "notice" is an action another supervisor took. HTTP is only used
 * for the seats list and for the actions (listen / whisper / barge, force pause, log out). The only timers are
 * the one-second clock (waits, time in state, away time), the 25 s keep-alive ping and the reconnect back-off:
 * nothing is polled.
 */
"use strict";

/* ==== the shared wallboard model ========================================================================= */

const WB = {
  user: null,
  ready: false, // a snapshot has arrived
  at: null, // server time of the last message
  timezone: null,
  settings: {},
  queues: {}, // name → QUEUE
  totals: null,
  agents: {}, // username → AGENT
  alerts: new Map(), // id → ALERT
  leaveRequests: {}, // "<id>" → REQUEST: leave-seat requests waiting for a team lead (seat discipline)
  series: [],
  reasons: [],
  clockOffset: 0, // server clock minus this browser's clock, in ms (0 unless more than 2 s off)
  socket: null, // the liveSocket() of /ws/board
  hooks: null, // wbConnect()'s
  wsState: "connecting", // connecting | open | reconnecting | refused
  wsEverOpened: false,
  reconnectAt: 0, // when the next connection attempt is due (ms)
};

const wbPad2 = (n) => String(n).padStart(2, "0");

function wbNow() {
  return Date.now() + WB.clockOffset;
}

/* Seconds since ``iso`` by the server's clock (null without a time). */
function wbSince(iso) {
  const ms = parseServerTime(iso);
  return ms === null ? null : Math.max(0, (wbNow() - ms) / 1000);
}

/* mm:ss, or h:mm:ss from an hour on. */
function wbClock(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${wbPad2(m)}:${wbPad2(s % 60)}` : `${wbPad2(m)}:${wbPad2(s % 60)}`;
}

function wbPct(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return `${Number.isInteger(n) || n >= 99.95 ? n.toFixed(0) : n.toFixed(1)}%`;
}

function wbSecs(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return "—";
  return wbClock(Number(v));
}

function wbNum(v) {
  return v === null || v === undefined ? "—" : String(v);
}

function tOr(key, fallback) {
  const s = t(key);
  return s === key ? fallback : s;
}

/* "HH:MM" of ``iso`` in the centre's timezone. */
function wbTimeOfDay(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return "";
  return chartTimeFormatter(WB.timezone, getLang()).format(new Date(ms));
}

function wbReasonLabel(code) {
  if (!code) return "";
  const r = WB.reasons.find((x) => x.code === code);
  if (r) return getLang() === "en" ? r.label_en || r.code : r.label_zh || r.label_en || r.code;
  return tOr(`agent.reason.${code}`, code);
}

function wbAgentName(username) {
  const a = WB.agents[username];
  return (a && (a.display_name || a.username)) || username || "";
}

/* A queue as people read it: its display name in the page's language (`labels`, from a display name written
   "English / 中文"), else the display name, else the id. Ids stay the keys everywhere. */
function wbQueueName(name) {
  const q = WB.queues[name];
  const lang = getLang().startsWith("zh") ? "zh" : "en";
  return (q && ((q.labels && q.labels[lang]) || q.display_name)) || name || "";
}

/* The away level now: from the thresholds and away_since by this browser's clock, never lower than the
 * server's own level while the agent is away (the server's level alone when the browser cannot work it out).
 * An approved absence (away_approved_until) moves the violation to its end when that is later, and the warning
 * the same distance before it (docs/seat-discipline.md). */
function wbAwayLevel(a) {
  if (!a || !a.away) return "ok";
  const order = { ok: 0, warning: 1, violation: 2 };
  const server = order[a.away_level] !== undefined ? a.away_level : "ok";
  const since = parseServerTime(a.away_since);
  const warn = Number(WB.settings.away_warning_minutes);
  const viol = Number(WB.settings.away_violation_minutes);
  if (since === null || !(warn > 0) || !(viol > 0)) return server;
  let limit = since + viol * 60000;
  const until = parseServerTime(a.away_approved_until);
  if (until !== null && until > limit) limit = until;
  const warnAt = limit - (viol - warn) * 60000;
  const now = wbNow();
  const mine = now >= limit ? "violation" : now >= warnAt ? "warning" : "ok";
  return order[mine] >= order[server] ? mine : server;
}

/* Minutes as the settings give them (0.05, 20, 12.5): at most two decimals, no trailing zeros. */
function wbMinutes(v) {
  const n = Number(v);
  if (v === null || v === undefined || Number.isNaN(n)) return "?";
  return String(Math.round(n * 100) / 100);
}

/* Why an agent counts as away, in words: the sources ("pause", "no_answer", "phone") with the pause reason
 * and, when known, how the phone is gone (reason "phone_unreachable" / "phone_unregistered" / ...). */
function wbAwaySources(sources, reason, pauseReason) {
  const list = Array.isArray(sources) ? sources : [];
  const why = String(reason || "");
  const out = [];
  for (const s of list) {
    if (s === "pause") {
      const code = pauseReason || (why.startsWith("phone_") ? "" : why);
      out.push(t("seat.source.pause", { reason: wbReasonLabel(code) || "—" }));
    } else if (s === "phone") {
      out.push(why.startsWith("phone_") ? tOr(`seat.source.${why}`, t("seat.source.phone")) : t("seat.source.phone"));
    } else {
      out.push(tOr(`seat.source.${s}`, s));
    }
  }
  return out.join(t("seat.source.sep"));
}

/* Alert kinds that are disciplinary violations (marked as such on the board). */
const WB_VIOLATION_KINDS = ["shift_late", "shift_absence", "shift_early_leave", "shift_left_before_relief"];

function wbAlertIsViolation(a) {
  if (!a) return false;
  if (a.kind === "away") return !a.detail || a.detail.violation !== false;
  return WB_VIOLATION_KINDS.includes(a.kind);
}

/* A shift's name as the board shows it ("day" → 白班). */
function wbShiftName(name) {
  return name ? tOr(`board.shift_name.${name}`, name) : "—";
}

/* How bad a wait of ``seconds`` is for a queue: "" (fine), "warn" (past the service-level threshold), "bad"
 * (past the queue's maximum wait). For the totals: the worst of the queues. */
function wbWaitLevel(q) {
  if (!q) return "";
  if (q.name === "*" || q === WB.totals) {
    let worst = "";
    for (const qq of Object.values(WB.queues)) {
      const l = wbWaitLevel(qq);
      if (l === "bad") return "bad";
      if (l === "warn") worst = "warn";
    }
    return worst;
  }
  const w = wbSince(q.oldest_queued_at);
  if (w === null || !q.waiting) return "";
  if (q.max_wait_seconds && w > q.max_wait_seconds) return "bad";
  if (q.service_level_seconds && w > q.service_level_seconds) return "warn";
  return "";
}

/* The service-level target of a queue; for the totals (no target of their own) the queues' common target, or
 * when they differ the lowest one (so "below target" on the totals means below every queue's target). */
function wbTarget(q) {
  if (!q) return null;
  if (q.service_level_target !== null && q.service_level_target !== undefined) return q.service_level_target;
  const targets = Object.values(WB.queues).map((x) => x.service_level_target)
    .filter((x) => x !== null && x !== undefined);
  return targets.length ? Math.min(...targets) : null;
}

function wbBelowTarget(sl, target) {
  return sl !== null && sl !== undefined && target !== null && target !== undefined && Number(sl) < Number(target);
}

function wbWindow(q, win) {
  return (q && q.windows && q.windows[win]) || {};
}

/* An alert in words: {title, detail} in the current language (waits and away times counted live). */
function wbAlertText(a) {
  const d = a.detail || {};
  const queue = a.queue ? wbQueueName(a.queue) : "";
  if (a.kind === "service_level") {
    return {
      title: t("board.alert.service_level", { queue }),
      detail: t("board.alert.service_level_detail", { sl: wbPct(d.service_level), target: wbPct(d.target),
                                                      minutes: d.minutes === undefined ? "" : d.minutes }),
    };
  }
  if (a.kind === "long_wait") {
    const wait = wbSince(d.queued_at || a.since);
    return {
      title: t("board.alert.long_wait", { queue }),
      detail: t("board.alert.long_wait_detail", { number: d.caller_number || t("board.unknown_number"),
                                                  wait: wbClock(wait), max: wbClock(d.max_wait_seconds) }),
    };
  }
  if (a.kind === "away") {
    const ag = WB.agents[a.username];
    let minutes = d.minutes;
    const live = ag && ag.away ? wbSince(ag.away_since) : null;
    if (live !== null) minutes = Math.floor(live / 60);
    if (d.violation === undefined) { // a board without seat discipline: the pause alone
      return {
        title: t("board.alert.away", { agent: wbAgentName(a.username) }),
        detail: t("board.alert.away_detail", { reason: wbReasonLabel(d.reason || (ag && ag.reason)) || "—",
                                               minutes: minutes === undefined || minutes === null ? "?" : Math.floor(minutes) }),
        violation: true,
      };
    }
    const secs = live !== null ? live : wbSince(d.since);
    const time = secs !== null ? wbClock(secs) : t("board.alert.away_minutes", { minutes: wbNum(d.minutes) });
    const pauseReason = ag && ag.state === "paused" ? ag.reason : "";
    const sources = wbAwaySources(d.sources, d.reason, pauseReason) || wbReasonLabel(d.reason) || "—";
    let detail = t("board.alert.away_violation_detail", { time, limit: wbMinutes(d.limit_minutes), sources });
    if (d.approved_request_id) detail += ` · ${t("board.alert.away_beyond_leave")}`;
    return { title: t("board.alert.away_violation", { agent: wbAgentName(a.username) }), detail, violation: true };
  }
  if (a.kind === "leave_request") {
    return {
      title: t("board.alert.leave_request", { agent: wbAgentName(a.username) }),
      detail: t("board.alert.leave_request_detail", { minutes: wbNum(d.minutes), reason: d.reason || "—" }),
    };
  }
  if (WB_VIOLATION_KINDS.includes(a.kind)) {
    const dd = d.detail || {};
    const vars = { agent: wbAgentName(a.username || d.username), shift: wbShiftName(d.shift), day: d.day || "",
                   minutes: wbMinutes(d.minutes), seat: d.seat || "—", relief: dd.relief ? wbAgentName(dd.relief) : "—" };
    const key = a.kind === "shift_late" && d.open ? "board.alert.shift_late_open" : `board.alert.${a.kind}_detail`;
    return { title: t(`board.alert.${a.kind}`, vars), detail: t(key, vars), violation: true };
  }
  if (a.kind === "recording") {
    return {
      title: t(d.status === "empty" ? "board.alert.recording_empty" : "board.alert.recording_missing",
               { agent: a.username ? wbAgentName(a.username) : "—" }),
      detail: t("board.alert.recording_detail", { queue: queue || "—", problem: d.problem || "" }),
    };
  }
  return { title: tOr(`board.alert.${a.kind}`, a.kind || "?"), detail: (a.queue && wbQueueName(a.queue)) || a.username || "" };
}

function wbAlertTestId(id) {
  return `board-alert-${String(id).replace(/:/g, "-")}`;
}

/* Newest first. */
function wbAlertList() {
  return [...WB.alerts.values()].sort((a, b) => (parseServerTime(b.since) || 0) - (parseServerTime(a.since) || 0));
}

/* Set the clock offset from a server time stamp (only when this browser's clock is more than 2 s off). */
function wbClockFrom(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return;
  const offset = ms - Date.now();
  WB.clockOffset = Math.abs(offset) > 2000 ? offset : 0;
}

/* GET /api/auth/me; also corrects the clock offset when this browser's clock is more than 2 s off. */
async function wbWhoAmI() {
  const r = await whoAmIWithClock();
  if (r.clockOffset !== null) WB.clockOffset = r.clockOffset;
  return r;
}

function wbMayUse(user) {
  const roles = (user && user.roles) || [];
  return roles.includes("supervisor") || roles.includes("admin");
}

/* Fold one message into WB. Returns what changed, for the page to redraw: {kind, queues: [...], totals,
 * agents: [...], gone: [...], raised: [...], cleared: [...], requests (leave-seat requests changed), point,
 * notice}. */
function wbApply(m) {
  const ch = { kind: m.type, queues: [], totals: false, agents: [], gone: [], raised: [], cleared: [],
               requests: false };
  if (m.type === "snapshot") {
    if (WB.ready) { // a reconnect: alerts raised while the socket was down count as new
      ch.raised = (m.alerts || []).filter((a) => a && a.id && !WB.alerts.has(a.id));
    }
    WB.ready = true;
    WB.at = m.at || null;
    wbClockFrom(m.at);
    WB.timezone = m.timezone || null;
    WB.settings = m.settings || {};
    WB.queues = m.queues || {};
    WB.totals = m.totals || null;
    WB.agents = m.agents || {};
    WB.alerts = new Map((m.alerts || []).map((a) => [a.id, a]));
    WB.leaveRequests = m.leave_requests && typeof m.leave_requests === "object" ? { ...m.leave_requests } : {};
    ch.requests = true;
    WB.series = Array.isArray(m.series) ? m.series : [];
    WB.reasons = Array.isArray(m.pause_reasons) ? m.pause_reasons : WB.reasons;
    return ch;
  }
  if (!WB.ready) return null; // nothing to apply a delta to before the snapshot
  if (m.type === "delta") {
    WB.at = m.at || WB.at;
    for (const [name, q] of Object.entries(m.queues || {})) {
      WB.queues[name] = q;
      ch.queues.push(name);
    }
    for (const name of m.queues_gone || []) { // an admin disabled the queue
      if (name in WB.queues) {
        delete WB.queues[name];
        ch.queues.push(name);
      }
    }
    if (m.totals) {
      WB.totals = m.totals;
      ch.totals = true;
    }
    for (const [name, a] of Object.entries(m.agents || {})) {
      WB.agents[name] = a;
      ch.agents.push(name);
    }
    for (const name of m.agents_gone || []) {
      if (name in WB.agents) {
        delete WB.agents[name];
        ch.gone.push(name);
      }
    }
    for (const id of m.alerts_cleared || []) {
      if (WB.alerts.delete(id)) ch.cleared.push(id);
    }
    for (const a of m.alerts_raised || []) {
      if (!a || !a.id) continue;
      const isNew = !WB.alerts.has(a.id);
      WB.alerts.set(a.id, a);
      if (isNew) ch.raised.push(a);
    }
    for (const [id, r] of Object.entries(m.leave_requests || {})) {
      WB.leaveRequests[id] = r;
      ch.requests = true;
    }
    for (const id of m.leave_requests_gone || []) {
      if (String(id) in WB.leaveRequests) {
        delete WB.leaveRequests[String(id)];
        ch.requests = true;
      }
    }
    return ch;
  }
  if (m.type === "point") {
    if (m.point) {
      WB.at = m.point.at || WB.at;
      WB.series.push(m.point);
      const keepFrom = (parseServerTime(m.point.at) || wbNow()) - ((WB.settings.chart_hours || 4) * 3600 + 300) * 1000;
      while (WB.series.length && (parseServerTime(WB.series[0].at) || 0) < keepFrom) WB.series.shift();
    }
    ch.point = m.point;
    return ch;
  }
  if (m.type === "notice") {
    ch.notice = m;
    return ch;
  }
  return null; // pong, and anything newer than this page
}

/* The websocket /ws/board (common.js: reconnect 1 s doubling to 10 s, keep-alive ping, the dead-socket check,
 * close codes; a user without the supervisor or admin role is refused).
 * hooks: onMessage(msg), onWs(state) (connecting | open | reconnecting | refused), onLoggedOut(). */
function wbConnect(hooks) {
  WB.hooks = hooks;
  WB.socket = liveSocket("/ws/board", {
    onMessage: (m) => {
      if (WB.hooks.onMessage) WB.hooks.onMessage(m);
    },
    onState: (state, sock) => {
      WB.wsState = state;
      WB.wsEverOpened = sock.everOpened;
      WB.reconnectAt = sock.reconnectAt;
      if (WB.hooks.onWs) WB.hooks.onWs(state);
    },
    onLoggedOut: () => WB.hooks.onLoggedOut(),
    mayUse: wbMayUse,
  });
}

/* The header badge and the yellow banner, for both pages. */
function wbShowWs(badge, banner, state) {
  showLiveStatus(badge, banner, state, WB.reconnectAt, "board");
}

/* The chart of calls waiting + service level (all queues), for both pages. */
function wbChart(container, height) {
  return createBoardChart(container, {
    height,
    lang: () => getLang(),
    labels: () => ({ waiting: t("board.chart.waiting"), sl: t("board.chart.sl"), target: t("board.chart.target"),
                     empty: t("board.chart.empty") }),
    pick: (p) => ({ waiting: p.waiting, sl: p.service_level }),
  });
}

function wbChartData(chart) {
  chart.setData({ points: WB.series, timezone: WB.timezone, hours: WB.settings.chart_hours || 4,
                  stepSeconds: WB.settings.chart_step_seconds || 60, target: wbTarget(WB.totals), now: wbNow });
  wbChartLive(chart);
}

/* The waiting count now, at the chart's right edge (the service level only comes with the minute points). */
function wbChartLive(chart) {
  chart.setTarget(wbTarget(WB.totals));
  chart.setLive(WB.totals ? { waiting: WB.totals.waiting, service_level: null } : null);
}

/* ==== the board page ====================================================================================== */

const BOARD_SEAT_KEY = "cc.board.seat";
const BOARD_WINDOW_KEY = "cc.board.window";
const TOAST_MS = 8000;
const $ = (id) => document.getElementById(id);

const B = {
  window: "today",
  seats: [],
  rows: new Map(), // username → {tr, cells...}
  queueTimers: [], // [{node, queue}] longest-wait cells
  action: null, // {username, kind: "pause" | "logout"} the open action form
  leave: new Map(), // "<request id>" → the leave-seat request's item in the panel (its inputs kept while typing)
  toastTimer: null,
  chart: null,
};

function storageGet(key) {
  try { return localStorage.getItem(key) || ""; } catch (e) { return ""; }
}

function storageSet(key, value) {
  try { localStorage.setItem(key, value); } catch (e) { /* storage disabled */ }
}

/* api() that sends the user back to the login page when the session has ended. */
async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

function say(message, kind) {
  showStatus($("board-status"), message, kind);
}

/* ---- queues -------------------------------------------------------------------------------------------- */

/* The queue table's columns: key (also the i18n keys board.col.<key> and board.def.<key>), the value. */
const QUEUE_COLS = [
  { key: "queue" },
  { key: "waiting", num: true, id: "waiting", get: (q) => wbNum(q.waiting) },
  { key: "longest_wait", num: true, live: true },
  { key: "offered", num: true, get: (q, w) => wbNum(w.offered) },
  { key: "answered", num: true, id: "answered", get: (q, w) => wbNum(w.answered) },
  { key: "abandoned", num: true, id: "abandoned", get: (q, w) => wbNum(w.abandoned) },
  { key: "abandon_rate", num: true, get: (q, w) => wbPct(w.abandon_rate) },
  { key: "service_level", num: true, id: "sl", get: (q, w) => wbPct(w.service_level) },
  { key: "asa", num: true, get: (q, w) => wbSecs(w.asa) },
  { key: "aht", num: true, get: (q, w) => wbSecs(w.aht) },
  { key: "logged_in", num: true, group: true, get: (q) => wbNum((q.agents || {}).logged_in) },
  { key: "ready", num: true, get: (q) => wbNum((q.agents || {}).ready) },
  { key: "on_call", num: true, get: (q) => wbNum((q.agents || {}).on_call) },
  { key: "paused", num: true, get: (q) => wbNum((q.agents || {}).paused) },
];

function renderQueueHead() {
  const tr = $("board-queue-head");
  tr.textContent = "";
  for (const c of QUEUE_COLS) {
    tr.appendChild(el("th", { class: [c.num ? "num" : "", c.group ? "group" : ""].join(" ").trim() || null,
                              scope: "col", title: t(`board.def.${c.key}`), text: t(`board.col.${c.key}`) }));
  }
}

function queueRow(q, id) {
  const w = wbWindow(q, B.window);
  const tr = el("tr", { "data-testid": `board-queue-row-${id}`, "data-queue": id, class: id === "all" ? "total" : null });
  for (const c of QUEUE_COLS) {
    const cls = [c.num ? "num" : "", c.group ? "group" : ""];
    let td;
    if (c.key === "queue") {
      const label = id === "all" ? t("board.all_queues") : wbQueueName(id);
      td = el("th", { scope: "row", class: "wb-qname" }, label,
              id !== "all" && label !== q.name ? el("span", { class: "muted small", text: ` ${q.name}` }) : null);
      tr.appendChild(td);
      continue;
    }
    if (c.live) {
      td = el("td", { class: cls.join(" "), "data-testid": `board-longest-${id}` });
      B.queueTimers.push({ node: td, queue: q });
    } else {
      td = el("td", { class: cls.join(" "), text: c.get(q, w) });
    }
    if (c.id) td.setAttribute("data-testid", `board-${c.id}-${id}`);
    if (c.key === "waiting" && q.waiting > 0) td.classList.add("wb-hot");
    if (c.key === "service_level") {
      const target = wbTarget(q);
      const below = wbBelowTarget(w.service_level, target);
      td.classList.toggle("wb-bad", below);
      td.classList.toggle("wb-good", !below && w.service_level !== null && w.service_level !== undefined && target !== null);
      td.dataset.below = below ? "true" : "false";
      if (target !== null) td.title = t("board.sl_target", { target: wbPct(target) });
    }
    if (c.key === "abandoned" && w.abandoned > 0) td.classList.add("wb-warn-text");
    tr.appendChild(td);
  }
  return tr;
}

function renderQueues() {
  const body = $("board-queue-rows");
  body.textContent = "";
  B.queueTimers = [];
  const names = Object.keys(WB.queues).sort();
  for (const name of names) body.appendChild(queueRow(WB.queues[name], name));
  if (!names.length) {
    body.appendChild(el("tr", {}, el("td", { colspan: QUEUE_COLS.length, class: "muted",
                                             text: t(WB.ready ? "board.queues_none" : "common.loading") })));
  }
  if (WB.totals) body.appendChild(queueRow(WB.totals, "all"));
  renderWindowInfo();
  tickQueues();
}

function renderWindowInfo() {
  const shift = wbWindow(WB.totals, "shift");
  const opt = $("board-window").querySelector('option[value="shift"]');
  const shiftName = shift.name ? tOr(`board.shift_name.${shift.name}`, shift.name) : "";
  opt.textContent = shiftName ? t("board.window.shift_named", { name: shiftName }) : t("board.window.shift");
  const w = wbWindow(WB.totals, B.window);
  $("board-window-since").textContent = w.start ? t("board.window_since", { time: wbTimeOfDay(w.start) }) : "";
}

function tickQueues() {
  for (const { node, queue } of B.queueTimers) {
    const secs = queue.waiting ? wbSince(queue.oldest_queued_at) : null;
    node.textContent = secs === null ? (queue.waiting ? wbSecs(queue.longest_wait) : "—") : wbClock(secs);
    const level = wbWaitLevel(queue);
    node.classList.toggle("wb-bad", level === "bad");
    node.classList.toggle("wb-warn-text", level === "warn");
  }
}

/* ---- agents -------------------------------------------------------------------------------------------- */

const AGENT_COLS = ["name", "seat", "state", "time_in_state", "away", "calls_today", "current_call", "phone",
                    "actions"];

function renderAgentHead() {
  const tr = $("board-agent-head");
  tr.textContent = "";
  for (const k of AGENT_COLS) {
    tr.appendChild(el("th", { scope: "col", class: ["time_in_state", "away", "calls_today"].includes(k) ? "num" : null,
                              title: tOr(`board.def.agent_${k}`, null), text: t(`board.agent_col.${k}`) }));
  }
}

function agentSortKey(a) {
  const out = a.state === "logged_out" ? 1 : 0;
  return [out, (a.display_name || a.username || "").toLowerCase(), a.username];
}

function compareAgents(x, y) {
  const a = agentSortKey(x);
  const b = agentSortKey(y);
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function makeAgentRow(username) {
  const u = username;
  const r = { username: u };
  r.tr = el("tr", { "data-testid": `board-agent-row-${u}`, "data-username": u });
  r.name = el("td", { class: "wb-aname" });
  r.seat = el("td", { class: "mono" });
  r.state = el("span", { class: "wb-state", "data-testid": `board-agent-state-${u}` });
  r.time = el("td", { class: "num mono", "data-testid": `board-agent-time-${u}` });
  r.away = el("td", { class: "num", "data-testid": `board-agent-away-${u}` });
  r.awayTime = el("span", { class: "wb-away-time" });
  r.awayNote = el("span", { class: "wb-away-note", "data-testid": `board-agent-away-note-${u}` });
  r.away.append(r.awayTime, r.awayNote);
  r.calls = el("td", { class: "num", "data-testid": `board-agent-calls-${u}` });
  r.call = el("td", { "data-testid": `board-agent-call-${u}` });
  r.phone = el("td", { class: "wb-phone", "data-testid": `board-agent-phone-${u}` });
  const btn = (kind, cls, onclick) => el("button", { type: "button", class: `small ${cls}`,
                                                     "data-testid": `board-${kind}-${u}`, onclick });
  r.listen = btn("listen", "secondary", () => spy(u, "listen"));
  r.whisper = btn("whisper", "secondary", () => spy(u, "whisper"));
  r.barge = btn("barge", "secondary", () => spy(u, "barge"));
  r.pause = btn("pause", "secondary", () => openAction(u, "pause"));
  r.logout = btn("logout", "danger", () => openAction(u, "logout"));
  r.actions = el("div", { class: "wb-actions" }, el("div", {}, r.listen, r.whisper, r.barge),
                 el("div", {}, r.pause, r.logout));
  r.tr.append(r.name, r.seat, el("td", {}, r.state), r.time, r.away, r.calls, r.call, r.phone,
              el("td", { class: "actions" }, r.actions));
  return r;
}

function deviceLabel(d) {
  if (!d) return "—";
  return tOr(`agent.device.${String(d).toLowerCase()}`, d);
}

function updateAgentRow(r, a) {
  const u = r.username;
  const state = a.state || "logged_out";
  r.tr.dataset.state = state;
  r.name.textContent = "";
  r.name.append(el("strong", { text: a.display_name || u }),
                a.display_name && a.display_name !== u ? el("span", { class: "muted small", text: ` ${u}` }) : "");
  r.seat.textContent = a.extension || "—";
  r.state.dataset.state = state;
  r.state.dataset.reason = a.reason || "";
  r.state.textContent = tOr(`agent.state.${state}`, state);
  if (state === "paused" && a.reason) {
    r.state.appendChild(el("span", { class: "wb-reason", text: wbReasonLabel(a.reason) }));
  }
  r.calls.textContent = wbNum(a.calls_today);
  r.call.textContent = a.caller_number || a.call_queue
    ? [a.caller_number || t("board.unknown_number"), a.call_queue ? wbQueueName(a.call_queue) : ""].filter(Boolean).join(" · ")
    : "";
  r.phone.textContent = state === "logged_out" ? "" : deviceLabel(a.device);
  r.phone.classList.toggle("wb-warn-text", state !== "logged_out" && String(a.device || "").toLowerCase() === "unavailable");
  const loggedIn = state !== "logged_out";
  r.actions.hidden = !loggedIn;
  const onCall = state === "on_call";
  for (const [b, kind] of [[r.listen, "listen"], [r.whisper, "whisper"], [r.barge, "barge"]]) {
    b.textContent = t(`board.action.${kind}`);
    b.disabled = !onCall;
    b.title = onCall ? t(`board.action.${kind}_title`) : t("board.action.spy_needs_call");
  }
  const busy = state === "ringing" || state === "on_call";
  r.pause.textContent = t("board.action.pause");
  r.pause.disabled = busy;
  r.pause.title = busy ? t("board.action.not_while_busy") : t("board.action.pause_title");
  r.logout.textContent = t("board.action.logout");
  r.logout.disabled = busy;
  r.logout.title = busy ? t("board.action.not_while_busy") : t("board.action.logout_title");
  if (!loggedIn && B.action && B.action.username === u) closeAction();
  tickAgent(r, a);
}

function tickAgent(r, a) {
  const state = a.state || "logged_out";
  const inState = state === "logged_out" ? null : wbSince(a.since);
  const text = inState === null ? "" : wbClock(inState);
  if (r.time.textContent !== text) r.time.textContent = text;
  const level = wbAwayLevel(a);
  let away = "";
  let note = "";
  if (a.away) {
    const secs = wbSince(a.away_since);
    away = secs === null ? "" : wbClock(secs);
    if (level === "violation") away = `${away} ${t("board.violation")}`.trim();
    // on approved leave: until when; away for another cause than the pause shown in the state column: why
    if (a.away_approved_until) note = t("seat.approved_until_row", { time: wbTimeOfDay(a.away_approved_until) });
    const other = (a.away_sources || []).filter((x) => x !== "pause");
    if (other.length) {
      const why = wbAwaySources(other, "", "");
      note = note ? `${note} · ${why}` : why;
    }
  }
  if (r.awayTime.textContent !== away) r.awayTime.textContent = away;
  if (r.awayNote.textContent !== note) r.awayNote.textContent = note;
  r.away.dataset.approved = a.away && a.away_approved_until ? "true" : "false";
  if (r.away.dataset.level !== level) {
    r.away.dataset.level = level;
    r.tr.dataset.away = level;
  }
}

function renderAgents(changed) {
  const body = $("board-agent-rows");
  const names = changed || Object.keys(WB.agents);
  for (const u of names) {
    const a = WB.agents[u];
    if (!a) continue;
    let r = B.rows.get(u);
    if (!r) {
      r = makeAgentRow(u);
      B.rows.set(u, r);
    }
    updateAgentRow(r, a);
  }
  for (const [u, r] of B.rows) {
    if (!WB.agents[u]) {
      r.tr.remove();
      B.rows.delete(u);
      if (B.action && B.action.username === u) closeAction();
    }
  }
  // the order: logged-in agents by name, then logged-out ones; only touch the DOM when it changed
  const order = Object.values(WB.agents).sort(compareAgents).map((a) => a.username);
  const current = [...body.children].filter((n) => n.dataset.username && !n.classList.contains("wb-action-row"))
    .map((n) => n.dataset.username);
  if (order.join("\n") !== current.join("\n")) {
    for (const u of order) {
      const r = B.rows.get(u);
      if (!r) continue;
      body.appendChild(r.tr);
      if (B.action && B.action.username === u && B.action.tr) body.appendChild(B.action.tr);
    }
  }
  const all = Object.values(WB.agents);
  const inn = all.filter((a) => a.state && a.state !== "logged_out").length;
  $("board-agent-count").textContent = all.length ? t("board.agent_count", { n: inn, total: all.length }) : "";
  $("board-agents-none").hidden = all.length > 0 || !WB.ready;
}

function tickAgents() {
  for (const [u, r] of B.rows) {
    const a = WB.agents[u];
    if (a) tickAgent(r, a);
  }
}

/* ---- actions ------------------------------------------------------------------------------------------- */

async function spy(username, mode) {
  const seat = $("board-seat").value;
  const who = wbAgentName(username);
  if (!seat) {
    say(() => t("board.seat_needed"), "error");
    $("board-seat").focus();
    return;
  }
  say(() => t("board.spy_sending", { agent: who }));
  const r = await call("POST", `/api/board/agents/${encodeURIComponent(username)}/spy`, { mode, seat });
  if (r.ok) say(() => t(`board.spy_ok.${mode}`, { agent: who, seat }), "ok");
  else say(() => errorText(r), "error");
}

function closeAction() {
  if (B.action && B.action.tr) B.action.tr.remove();
  const back = B.action && B.rows.get(B.action.username);
  const kind = B.action && B.action.kind;
  B.action = null;
  if (back && kind && document.activeElement === document.body) back[kind].focus();
}

/* The force-pause / log-out form, in a row under the agent's row (one open at a time). */
function openAction(username, kind) {
  if (B.action && B.action.username === username && B.action.kind === kind) {
    closeAction();
    return;
  }
  if (B.action) closeAction();
  const r = B.rows.get(username);
  if (!r) return;
  const who = wbAgentName(username);
  const note = el("input", { id: "board-action-note", "data-testid": "board-action-note", maxlength: 500,
                             autocomplete: "off", placeholder: t("board.action.note_placeholder") });
  const form = el("form", { class: "wb-action-form", "data-testid": "board-action-form", "data-kind": kind });
  const parts = [el("strong", { text: t(`board.action.${kind}_heading`, { agent: who }) })];
  let reason = null;
  if (kind === "pause") {
    reason = el("select", { id: "board-action-reason", "data-testid": "board-action-reason" });
    for (const p of WB.reasons.filter((x) => !x.system)) {
      reason.appendChild(el("option", { value: p.code, text: wbReasonLabel(p.code) }));
    }
    parts.push(el("label", { class: "inline" }, el("span", { text: t("board.action.reason") }), reason));
  }
  parts.push(el("label", { class: "inline grow" }, el("span", { text: t("board.action.note") }), note));
  const submit = el("button", { type: "submit", class: kind === "logout" ? "danger" : null,
                                "data-testid": "board-action-submit",
                                text: t(kind === "pause" ? "board.action.pause_confirm" : "board.action.logout_confirm") });
  const cancel = el("button", { type: "button", class: "secondary", "data-testid": "board-action-cancel",
                                text: t("board.action.cancel"), onclick: closeAction });
  form.append(...parts, submit, cancel);
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      closeAction();
    }
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    const body = { note: note.value.trim() };
    if (reason) body.reason = reason.value;
    const path = `/api/board/agents/${encodeURIComponent(username)}/${kind}`;
    const res = await call("POST", path, body);
    submit.disabled = false;
    if (res.ok) {
      const label = reason ? wbReasonLabel(reason.value) : "";
      say(() => t(`board.action.${kind}_done`, { agent: who, reason: label }), "ok");
      closeAction();
    } else {
      say(() => errorText(res), "error");
    }
  });
  const tr = el("tr", { class: "wb-action-row", "data-username": username },
    el("td", { colspan: AGENT_COLS.length }, form));
  r.tr.after(tr);
  B.action = { username, kind, tr };
  (reason || note).focus();
}

/* ---- seats --------------------------------------------------------------------------------------------- */

async function loadSeats() {
  const r = await call("GET", "/api/board/seats");
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  B.seats = Array.isArray(r.data) ? r.data : (r.data && r.data.seats) || [];
  renderSeats();
}

/* Who holds a seat, whatever the field is called. */
function seatHolder(s) {
  return s.taken_by || s.in_use_by || s.agent || s.username || s.logged_in || null;
}

function renderSeats() {
  const sel = $("board-seat");
  const keep = sel.value || storageGet(BOARD_SEAT_KEY);
  sel.textContent = "";
  sel.appendChild(el("option", { value: "", text: t("board.seat_choose") }));
  for (const s of B.seats) {
    const holder = seatHolder(s);
    let held = holder && typeof holder === "object" ? holder.username || holder.display_name : holder;
    if (held && WB.user && held === WB.user.username) held = null; // a supervisor who is also seated there
    const text = `${s.extension}${s.name ? " — " + s.name : ""}` + (held ? " " + t("board.seat_taken", { who: held }) : "");
    sel.appendChild(el("option", { value: s.extension, disabled: Boolean(held), text }));
  }
  if (keep && B.seats.some((s) => s.extension === keep)) sel.value = keep;
}

/* ---- alerts -------------------------------------------------------------------------------------------- */

function renderAlerts() {
  const ul = $("board-alerts");
  ul.textContent = "";
  const list = wbAlertList();
  for (const a of list) {
    const txt = wbAlertText(a);
    const violation = wbAlertIsViolation(a);
    ul.appendChild(el("li", { class: "wb-alert", "data-testid": wbAlertTestId(a.id), "data-kind": a.kind, "data-id": a.id,
                              "data-violation": violation ? "true" : "false" },
      el("span", { class: "wb-alert-time", text: wbTimeOfDay(a.since) }),
      el("strong", { class: "wb-alert-title" },
         violation ? el("span", { class: "wb-alert-badge", "data-testid": `${wbAlertTestId(a.id)}-violation`,
                                  text: t("board.alert.violation_badge") }) : null,
         el("span", { class: "wb-alert-title-text", text: txt.title })),
      el("span", { class: "wb-alert-detail", text: txt.detail })));
  }
  $("board-alerts-none").hidden = list.length > 0;
  const count = $("board-alert-count");
  count.textContent = list.length ? String(list.length) : "";
  count.hidden = !list.length;
  count.classList.toggle("wb-badge-bad", list.length > 0);
}

function tickAlerts() {
  for (const li of $("board-alerts").children) {
    const a = WB.alerts.get(li.dataset.id);
    if (!a || a.kind === "service_level") continue;
    const detail = li.querySelector(".wb-alert-detail");
    const text = wbAlertText(a).detail;
    if (detail.textContent !== text) detail.textContent = text;
  }
}

function toast(alerts) {
  const box = $("board-toast");
  box.textContent = "";
  for (const a of alerts.slice(0, 3)) {
    const txt = wbAlertText(a);
    box.appendChild(el("div", {}, el("strong", { text: txt.title }), " ", txt.detail));
  }
  box.hidden = false;
  clearTimeout(B.toastTimer);
  B.toastTimer = setTimeout(() => { box.hidden = true; }, TOAST_MS);
  if ("Notification" in window && Notification.permission === "granted") {
    for (const a of alerts.slice(0, 3)) {
      const txt = wbAlertText(a);
      try {
        new Notification(txt.title, { body: txt.detail, tag: a.id }); // eslint-disable-line no-new
      } catch (e) { /* not allowed in this context */ }
    }
  }
}

/* ---- leave-seat requests (seat discipline: an agent asks, a team lead approves or rejects) --------------- */

const LEAVE_MIN = 1;
const LEAVE_MAX = 120;

/* The pending requests, oldest first (the one waiting longest on top). */
function leaveList() {
  return Object.values(WB.leaveRequests).filter((r) => r && r.id !== undefined && (!r.status || r.status === "pending"))
    .sort((a, b) => (parseServerTime(a.created_at) || 0) - (parseServerTime(b.created_at) || 0) || a.id - b.id);
}

/* errorText(), with the server's reason for a refusal (a team lead deciding their own request, ...). */
function failText(r) {
  const msg = r && r.data && typeof r.data.message === "string" ? r.data.message : "";
  if (r && (r.status === 403 || r.status === 409) && msg) return t("common.error", { message: msg });
  return errorText(r);
}

function makeLeaveItem(r) {
  const id = String(r.id);
  const it = { id, busy: false };
  it.li = el("li", { class: "wb-leave", "data-testid": `board-leave-${id}`, "data-id": id, "data-username": r.username });
  it.who = el("strong", { class: "wb-leave-who", "data-testid": `board-leave-agent-${id}` });
  it.asked = el("span", { class: "wb-leave-asked", "data-testid": `board-leave-asked-${id}` });
  it.reason = el("p", { class: "wb-leave-reason", "data-testid": `board-leave-reason-${id}` });
  it.minutesLabel = el("span");
  it.minutes = el("input", { type: "number", min: LEAVE_MIN, max: LEAVE_MAX, step: 1, value: r.minutes, inputmode: "numeric",
                             id: `board-leave-minutes-${id}`, "data-testid": `board-leave-minutes-${id}` });
  it.noteLabel = el("span");
  it.note = el("input", { maxlength: 500, autocomplete: "off", id: `board-leave-note-${id}`,
                          "data-testid": `board-leave-note-${id}` });
  it.approve = el("button", { type: "submit", class: "small go", "data-testid": `board-leave-approve-${id}` });
  it.reject = el("button", { type: "button", class: "small danger", "data-testid": `board-leave-reject-${id}` });
  it.form = el("form", { class: "wb-leave-form", novalidate: true },
    el("label", { class: "wb-leave-minutes" }, it.minutesLabel, it.minutes),
    el("label", { class: "wb-leave-note" }, it.noteLabel, it.note),
    el("div", { class: "wb-leave-buttons" }, it.approve, it.reject));
  it.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    decideLeave(it, "approve");
  });
  it.reject.addEventListener("click", () => decideLeave(it, "reject"));
  it.minutes.addEventListener("input", () => it.minutes.removeAttribute("aria-invalid"));
  it.note.addEventListener("input", () => it.note.removeAttribute("aria-invalid"));
  it.li.append(el("div", { class: "wb-leave-head" }, it.who, it.asked), it.reason, it.form);
  return it;
}

function updateLeaveItem(it, r) {
  const a = WB.agents[r.username];
  const name = wbAgentName(r.username);
  const ext = r.extension || (a && a.extension) || "";
  it.who.textContent = ext ? t("seat.request_who", { agent: name, seat: ext }) : name;
  it.reason.textContent = r.reason || "";
  it.minutesLabel.textContent = t("seat.approve_minutes");
  it.minutes.title = t("seat.asked_minutes", { minutes: r.minutes });
  it.noteLabel.textContent = t("seat.note");
  it.note.placeholder = t("seat.note_placeholder");
  it.approve.textContent = t("seat.approve");
  it.reject.textContent = t("seat.reject");
  it.approve.disabled = it.busy;
  it.reject.disabled = it.busy;
  tickLeaveItem(it, r);
}

function tickLeaveItem(it, r) {
  const wait = wbSince(r.created_at);
  const text = t("seat.asked", { minutes: wbNum(r.minutes), time: wbTimeOfDay(r.created_at), wait: wbClock(wait) });
  if (it.asked.textContent !== text) it.asked.textContent = text;
}

function renderLeave() {
  const ul = $("board-leave-requests");
  const list = leaveList();
  const ids = new Set(list.map((r) => String(r.id)));
  for (const [id, it] of B.leave) {
    if (!ids.has(id)) {
      it.li.remove();
      B.leave.delete(id);
    }
  }
  for (const r of list) {
    let it = B.leave.get(String(r.id));
    if (!it) {
      it = makeLeaveItem(r);
      B.leave.set(String(r.id), it);
    }
    updateLeaveItem(it, r);
  }
  // keep the order without moving nodes that did not change place (moving one would lose a focused input)
  const order = list.map((r) => String(r.id));
  const current = [...ul.children].map((n) => n.dataset.id);
  if (order.join(",") !== current.join(",")) {
    for (const id of order) ul.appendChild(B.leave.get(id).li);
  }
  $("board-leave-none").hidden = list.length > 0;
  const count = $("board-leave-count");
  count.textContent = list.length ? String(list.length) : "";
  count.hidden = !list.length;
}

function tickLeave() {
  for (const [id, it] of B.leave) {
    const r = WB.leaveRequests[id];
    if (r) tickLeaveItem(it, r);
  }
}

/* Approve (for the minutes in the box: the asked ones unless the team lead changed them) or reject (a note is
 * required: the agent is told why). */
async function decideLeave(it, kind) {
  const r = WB.leaveRequests[it.id];
  if (!r || it.busy) return;
  const who = wbAgentName(r.username);
  const note = it.note.value.trim();
  const body = { note };
  if (kind === "approve") {
    const raw = String(it.minutes.value || "").trim();
    const n = Number(raw);
    if (!raw || !Number.isInteger(n) || n < LEAVE_MIN || n > LEAVE_MAX) {
      it.minutes.setAttribute("aria-invalid", "true");
      say(() => t("seat.minutes_invalid", { min: LEAVE_MIN, max: LEAVE_MAX }), "error");
      it.minutes.focus();
      return;
    }
    body.minutes = n;
  } else if (!note) {
    it.note.setAttribute("aria-invalid", "true");
    say(() => t("seat.note_required", { agent: who }), "error");
    it.note.focus();
    return;
  }
  it.busy = true;
  updateLeaveItem(it, r);
  const res = await call("POST", `/api/seat/leave-requests/${encodeURIComponent(it.id)}/${kind}`, body);
  it.busy = false;
  if (res.ok) {
    const minutes = (res.data && res.data.approved_minutes) || body.minutes || r.minutes;
    say(() => t(kind === "approve" ? "seat.approved_done" : "seat.rejected_done", { agent: who, minutes }), "ok");
    delete WB.leaveRequests[it.id]; // the board's delta says so too (leave_requests_gone)
    renderLeave();
  } else {
    say(() => failText(res), "error");
    if (res.status === 404 || res.status === 409) { // decided by someone else, cancelled, lapsed: gone
      delete WB.leaveRequests[it.id];
      renderLeave();
    } else {
      updateLeaveItem(it, r);
    }
  }
}

function renderNotifyButton() {
  const btn = $("board-notify");
  btn.hidden = !("Notification" in window) || Notification.permission !== "default";
}

/* ---- putting it together ------------------------------------------------------------------------------- */

function renderAll() {
  renderQueueHead();
  renderAgentHead();
  renderQueues();
  renderAgents();
  renderAlerts();
  renderLeave();
  renderSeats();
  if (B.chart) wbChartData(B.chart);
  wbShowWs($("ws-status"), $("ws-banner"), WB.wsState);
  renderUpdated();
}

function renderUpdated() {
  $("board-updated").textContent = WB.at ? t("board.updated", { time: wbTimeOfDay(WB.at) }) : "";
}

function onBoardMessage(m) {
  const ch = wbApply(m);
  if (!ch) return;
  if (ch.kind === "snapshot") {
    if (B.action && !WB.agents[B.action.username]) closeAction();
    renderQueues();
    renderAgents();
    renderAlerts();
    renderLeave();
    wbChartData(B.chart);
    renderUpdated();
    if (ch.raised.length) toast(ch.raised);
    return;
  }
  if (ch.kind === "delta") {
    if (ch.queues.length || ch.totals) {
      renderQueues();
      wbChartLive(B.chart);
    }
    if (ch.agents.length || ch.gone.length) renderAgents(ch.agents);
    if (ch.raised.length || ch.cleared.length || ch.agents.length) renderAlerts();
    if (ch.requests || ch.agents.length) renderLeave();
    if (ch.raised.length) toast(ch.raised);
    renderUpdated();
    return;
  }
  if (ch.kind === "point") {
    B.chart.addPoint(ch.point);
    renderUpdated();
    return;
  }
  if (ch.kind === "notice") {
    const n = ch.notice;
    if (WB.user && n.by === WB.user.username) return; // our own action: its answer is already shown
    const kind = String(n.action || "").replace(/^board\./, "");
    const vars = { time: wbTimeOfDay(n.at), by: n.by || "?", agent: wbAgentName(n.agent), text: n.text || "" };
    say(() => (n.agent && tOr(`board.notice_${kind}`, null) ? t(`board.notice_${kind}`, vars) : t("board.notice", vars)),
        "warn");
  }
}

async function startBoard() {
  initHeader();
  WB.user = await openPageFor(wbWhoAmI, wbMayUse, "board", errorText);
  if (!WB.user) return;
  const savedWindow = storageGet(BOARD_WINDOW_KEY);
  if (["today", "hour", "shift"].includes(savedWindow)) B.window = savedWindow;
  $("board-window").value = B.window;
  $("board-window").addEventListener("change", () => {
    B.window = $("board-window").value;
    storageSet(BOARD_WINDOW_KEY, B.window);
    renderQueues();
  });
  $("board-seat").addEventListener("change", () => storageSet(BOARD_SEAT_KEY, $("board-seat").value));
  $("board-notify").addEventListener("click", async () => {
    try { await Notification.requestPermission(); } catch (e) { /* not supported */ }
    renderNotifyButton();
  });
  renderNotifyButton();
  B.chart = wbChart($("board-chart"));
  document.addEventListener("cc:langchange", renderAll);
  renderAll();
  loadSeats();
  setInterval(() => {
    tickQueues();
    tickAgents();
    tickAlerts();
    tickLeave();
    if (WB.wsState === "reconnecting") wbShowWs($("ws-status"), $("ws-banner"), "reconnecting"); // the countdown
  }, 1000);
  wbConnect({
    onMessage: onBoardMessage,
    onWs: (state) => {
      wbShowWs($("ws-status"), $("ws-banner"), state);
      $("board").classList.toggle("stale", state !== "open" && WB.wsEverOpened);
      if (state === "open") loadSeats(); // who holds which seat may have changed while we were away
    },
    onLoggedOut: () => window.location.replace("index.html"),
  });
}

if (document.body && document.body.dataset.page === "board") {
  document.addEventListener("DOMContentLoaded", startBoard);
} else if (!document.body) {
  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.page === "board") startBoard();
  });
}

/* For tests and debugging: feed a message to the page without a server (window.ccBoard.message(msg)). */
window.ccBoard = {
  state: WB,
  page: B,
  message: (msg) => {
    const m = typeof msg === "string" ? JSON.parse(msg) : msg;
    if (WB.hooks && WB.hooks.onMessage) WB.hooks.onMessage(m);
  },
};
