/* The wallboard model both wallboard pages share (board.html, tv.html).
 *
 * All live data arrives over the websocket /ws/board (docs/wallboard.md): a "snapshot" when it connects (and so
 * after every reconnect) rebuilds everything, "delta" replaces the queues / agents it names and raises or
 * clears alerts, "point" adds a chart point, "notice" is an action another supervisor took. wbApply() folds a
 * message into WB and says what changed; the pages redraw that. The server's clock is core/time.js's (set from
 * the HTTP Date header, then from each snapshot's time).
 */
import { chartTimeFormatter, createBoardChart } from "../chart.js";
import { getLang, t, tOr } from "../core/i18n.js";
import { liveSocket, showLiveStatus } from "../core/socket.js";
import { fmtClock, pad2, parseServerTime, secondsSince, serverNow, setClockOffset } from "../core/time.js";

export const WB = {
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
  socket: null, // the liveSocket() of /ws/board
  hooks: null, // wbConnect()'s
  wsState: "connecting", // connecting | open | reconnecting | refused
  wsEverOpened: false,
  reconnectAt: 0, // when the next connection attempt is due (ms)
};

/* mm:ss, or h:mm:ss from an hour on; "—" for no value. */
export function wbClock(seconds) {
  return fmtClock(seconds, "—");
}

export function wbPct(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return `${Number.isInteger(n) || n >= 99.95 ? n.toFixed(0) : n.toFixed(1)}%`;
}

export function wbSecs(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return "—";
  return wbClock(Number(v));
}

export function wbNum(v) {
  return v === null || v === undefined ? "—" : String(v);
}

/* "HH:MM" of ``iso`` in the centre's timezone. */
export function wbTimeOfDay(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return "";
  return chartTimeFormatter(WB.timezone, getLang()).format(new Date(ms));
}

export function wbReasonLabel(code) {
  if (!code) return "";
  const r = WB.reasons.find((x) => x.code === code);
  if (r) return getLang() === "en" ? r.label_en || r.code : r.label_zh || r.label_en || r.code;
  return tOr(`agent.reason.${code}`, code);
}

export function wbAgentName(username) {
  const a = WB.agents[username];
  return (a && (a.display_name || a.username)) || username || "";
}

/* A queue as people read it: its display name in the page's language (`labels`, from a display name written
   "English / 中文"), else the display name, else the id. Ids stay the keys everywhere. */
export function wbQueueName(name) {
  const q = WB.queues[name];
  const lang = getLang().startsWith("zh") ? "zh" : "en";
  return (q && ((q.labels && q.labels[lang]) || q.display_name)) || name || "";
}

/* The away level now: from the thresholds and away_since by this browser's clock, never lower than the
 * server's own level while the agent is away (the server's level alone when the browser cannot work it out).
 * An approved absence (away_approved_until) moves the violation to its end when that is later, and the warning
 * the same distance before it (docs/seat-discipline.md). */
export function wbAwayLevel(a) {
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
  const now = serverNow();
  const mine = now >= limit ? "violation" : now >= warnAt ? "warning" : "ok";
  return order[mine] >= order[server] ? mine : server;
}

/* Minutes as the settings give them (0.05, 20, 12.5): at most two decimals, no trailing zeros. */
export function wbMinutes(v) {
  const n = Number(v);
  if (v === null || v === undefined || Number.isNaN(n)) return "?";
  return String(Math.round(n * 100) / 100);
}

/* Why an agent counts as away, in words: the sources ("pause", "no_answer", "phone") with the pause reason
 * and, when known, how the phone is gone (reason "phone_unreachable" / "phone_unregistered" / ...). */
export function wbAwaySources(sources, reason, pauseReason) {
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
export const WB_VIOLATION_KINDS = ["shift_late", "shift_absence", "shift_early_leave", "shift_left_before_relief"];

export function wbAlertIsViolation(a) {
  if (!a) return false;
  if (a.kind === "away") return !a.detail || a.detail.violation !== false;
  return WB_VIOLATION_KINDS.includes(a.kind);
}

/* A shift's name as the board shows it ("day" → 白班). */
export function wbShiftName(name) {
  return name ? tOr(`board.shift_name.${name}`, name) : "—";
}

/* How bad a wait of ``seconds`` is for a queue: "" (fine), "warn" (past the service-level threshold), "bad"
 * (past the queue's maximum wait). For the totals: the worst of the queues. */
export function wbWaitLevel(q) {
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
  const w = secondsSince(q.oldest_queued_at);
  if (w === null || !q.waiting) return "";
  if (q.max_wait_seconds && w > q.max_wait_seconds) return "bad";
  if (q.service_level_seconds && w > q.service_level_seconds) return "warn";
  return "";
}

/* The service-level target of a queue; for the totals (no target of their own) the queues' common target, or
 * when they differ the lowest one (so "below target" on the totals means below every queue's target). */
export function wbTarget(q) {
  if (!q) return null;
  if (q.service_level_target !== null && q.service_level_target !== undefined) return q.service_level_target;
  const targets = Object.values(WB.queues).map((x) => x.service_level_target)
    .filter((x) => x !== null && x !== undefined);
  return targets.length ? Math.min(...targets) : null;
}

export function wbBelowTarget(sl, target) {
  return sl !== null && sl !== undefined && target !== null && target !== undefined && Number(sl) < Number(target);
}

export function wbWindow(q, win) {
  return (q && q.windows && q.windows[win]) || {};
}

/* An alert in words: {title, detail} in the current language (waits and away times counted live). */
export function wbAlertText(a) {
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
    const wait = secondsSince(d.queued_at || a.since);
    return {
      title: t("board.alert.long_wait", { queue }),
      detail: t("board.alert.long_wait_detail", { number: d.caller_number || t("board.unknown_number"),
                                                  wait: wbClock(wait), max: wbClock(d.max_wait_seconds) })
        + (d.callback ? ` · ${t("board.callback_place")}` : ""),
    };
  }
  if (a.kind === "away") {
    const ag = WB.agents[a.username];
    let minutes = d.minutes;
    const live = ag && ag.away ? secondsSince(ag.away_since) : null;
    if (live !== null) minutes = Math.floor(live / 60);
    if (d.violation === undefined) { // a board without seat discipline: the pause alone
      return {
        title: t("board.alert.away", { agent: wbAgentName(a.username) }),
        detail: t("board.alert.away_detail", { reason: wbReasonLabel(d.reason || (ag && ag.reason)) || "—",
                                               minutes: minutes === undefined || minutes === null ? "?" : Math.floor(minutes) }),
        violation: true,
      };
    }
    const secs = live !== null ? live : secondsSince(d.since);
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
  if (WB_CASE_KINDS.includes(a.kind)) return wbCaseAlertText(a.kind, d);
  if (a.kind === "help_request") { // an agent asks the lead for help on a call: its wait counted live
    const wait = secondsSince(d.raised_at || a.since);
    return {
      title: t("board.alert.help_request", { agent: wbAgentName(a.username) }),
      detail: t("board.alert.help_request_detail", { number: d.caller_number || t("board.unknown_number"),
                                                     queue: queue || "—", wait: wbClock(wait),
                                                     note: d.note || "—" }),
      violation: true,
    };
  }
  if (a.kind === "incident") {
    const numbers = (d.numbers || []).join(", ");
    return {
      title: t("board.alert.incident", { count: d.count || (d.numbers || []).length }),
      detail: t("board.alert.incident_detail", { cause: tOr(`board.case_cause.${d.cause}`, d.cause || "—"),
                                                 minutes: wbNum(d.window_minutes), numbers: numbers || "—" }),
    };
  }
  return { title: tOr(`board.alert.${a.kind}`, a.kind || "?"), detail: (a.queue && wbQueueName(a.queue)) || a.username || "" };
}

/* A case's clock alert (the cases' clock checker: case_warning, case_breach, case_escalated; detail: number, type,
 * clock, due_at, level, to): the case number in the title, the clock and its deadline, and the time left or
 * overdue counted live from due_at on the server's clock. */
const WB_CASE_KINDS = ["case_warning", "case_breach", "case_escalated"];

function wbCaseAlertText(kind, d) {
  const due = parseServerTime(d.due_at);
  const left = due === null ? null : (due - serverNow()) / 1000;
  const vars = {
    number: d.number || "?",
    type: tOr(`board.case_type.${d.type}`, d.type || ""),
    clock: tOr(`board.case_clock.${d.clock}`, d.clock || ""),
    due: due === null ? "—" : wbDayTime(due),
    time: left === null ? "—" : wbClock(Math.abs(left)),
    level: d.level || "",
    to: tOr(`board.case_to.${d.to}`, d.to || "—"),
  };
  // a warning whose deadline has passed meanwhile reads as overdue until the breach's alert replaces it
  const key = kind === "case_warning" && left !== null && left <= 0 ? "board.alert.case_breach" : `board.alert.${kind}`;
  const detailKey = key === "board.alert.case_warning" ? "board.alert.case_warning_detail"
    : kind === "case_escalated" ? "board.alert.case_escalated_detail" : "board.alert.case_breach_detail";
  return { title: t(key, vars), detail: t(detailKey, vars) };
}

function wbDayTime(ms) {
  const x = new Date(ms);
  return `${pad2(x.getMonth() + 1)}-${pad2(x.getDate())} ${pad2(x.getHours())}:${pad2(x.getMinutes())}`;
}

export function wbAlertTestId(id) {
  return `board-alert-${String(id).replace(/:/g, "-")}`;
}

/* Newest first. */
export function wbAlertList() {
  return [...WB.alerts.values()].sort((a, b) => (parseServerTime(b.since) || 0) - (parseServerTime(a.since) || 0));
}

/* Set the clock offset from a server time stamp (only when this browser's clock is more than 2 s off). */
export function wbClockFrom(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return;
  const offset = ms - Date.now();
  setClockOffset(Math.abs(offset) > 2000 ? offset : 0);
}

export function wbMayUse(user) {
  const roles = (user && user.roles) || [];
  return roles.includes("supervisor") || roles.includes("admin");
}

/* Fold one message into WB. Returns what changed, for the page to redraw: {kind, queues: [...], totals,
 * agents: [...], gone: [...], raised: [...], cleared: [...], requests (leave-seat requests changed), point,
 * notice}. */
export function wbApply(m) {
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
      const keepFrom = (parseServerTime(m.point.at) || serverNow()) - ((WB.settings.chart_hours || 4) * 3600 + 300) * 1000;
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

/* The websocket /ws/board (core/socket.js: reconnect 1 s doubling to 10 s, keep-alive ping, the dead-socket check,
 * close codes; a user without the supervisor or admin role is refused).
 * hooks: onMessage(msg), onWs(state) (connecting | open | reconnecting | refused), onLoggedOut(). */
export function wbConnect(hooks) {
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
export function wbShowWs(badge, banner, state) {
  showLiveStatus(badge, banner, state, WB.reconnectAt, "board");
}

/* The chart of calls waiting + service level (all queues), for both pages. */
export function wbChart(container, height) {
  return createBoardChart(container, {
    height,
    lang: () => getLang(),
    labels: () => ({ waiting: t("board.chart.waiting"), sl: t("board.chart.sl"), target: t("board.chart.target"),
                     empty: t("board.chart.empty") }),
    pick: (p) => ({ waiting: p.waiting, sl: p.service_level }),
  });
}

export function wbChartData(chart) {
  chart.setData({ points: WB.series, timezone: WB.timezone, hours: WB.settings.chart_hours || 4,
                  stepSeconds: WB.settings.chart_step_seconds || 60, target: wbTarget(WB.totals), now: serverNow });
  wbChartLive(chart);
}

/* The waiting count now, at the chart's right edge (the service level only comes with the minute points). */
export function wbChartLive(chart) {
  chart.setTarget(wbTarget(WB.totals));
  chart.setLive(WB.totals ? { waiting: WB.totals.waiting, service_level: null } : null);
}
