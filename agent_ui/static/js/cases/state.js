/* The cases page's state and what its panels share: labels, times, how the user stands to a case and which
 * actions the page offers. The server decides (cases/access.py, cases/service.py); the page only hides the
 * buttons a user would be refused, with the same rule: WHO below is access.py's table, STATES_FOR the states
 * service.py's TRANSITIONS start each action from. */

import { $, showStatus } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { pad2, parseServerTime, serverNow } from "../core/time.js";
import { hasRole } from "../core/auth.js";

export const TYPES = ["complaint", "suggestion", "fault", "service_request"];
export const STATES = ["accepted", "dispatched", "investigating", "reported", "resolved", "informed", "closed",
                       "cancelled"];
export const OPEN_STATES = STATES.slice(0, 6);

export const C = {
  user: null,
  departments: [], // GET /api/departments items
  mine: {}, // department id → my role there (handler | head)
  cases: [],
  total: 0,
  limit: 100, // how many the list asks for ("show more" adds a hundred)
  detail: null, // GET /api/cases/{number}
  action: null, // the action whose form is open in the detail
  loadSeq: 0,
  notices: [], // case_notice messages of /ws/cases, newest first
  socket: null, // the liveSocket() of /ws/cases
  wsState: "connecting",
};

export function say(message, kind) {
  showStatus($("cases-status"), message, kind);
}

export function me() {
  return C.user ? C.user.username : "";
}

export function isLead() {
  return hasRole(C.user, "supervisor", "admin");
}

/* My department memberships from the directory (a head named on a department counts as head). */
export function setDepartments(items) {
  C.departments = items || [];
  C.mine = {};
  for (const d of C.departments) {
    for (const m of d.members || []) if (m.username === me()) C.mine[d.id] = m.role;
    if (d.head && d.head === me()) C.mine[d.id] = "head";
  }
}

export function department(id) {
  return C.departments.find((d) => d.id === id) || null;
}

export function departmentName(id) {
  if (id === null || id === undefined) return "";
  const d = department(id);
  return d ? d.name : `#${id}`;
}

export const typeLabel = (v) => (v ? tOr(`cases.type.${v}`, v) : "");
export const stateLabel = (v) => (v ? tOr(`cases.state.${v}`, v) : "");
export const severityLabel = (v) => (v ? tOr(`cases.severity.${v}`, v) : "");
export const howLabel = (v) => (v ? tOr(`cases.how.${v}`, v) : "");

export function fmtDateTime(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "—";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/* A length of time: "2d 3:04:05", "3:04:05", "04:05" (the days word in the page's language). */
export function fmtSpan(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const rest = s % 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const hms = h || days ? `${h}:${pad2(m)}:${pad2(rest % 60)}` : `${pad2(m)}:${pad2(rest % 60)}`;
  return days ? t("cases.days_span", { days, hms }) : hms;
}

export function isOpen(c) {
  return OPEN_STATES.includes(c.state);
}

/* The case's age by the server's clock: from acceptance to its end (closed / cancelled) or now. */
export function ageSeconds(c) {
  const from = parseServerTime(c.accepted_at);
  if (from === null) return null;
  const end = parseServerTime(c.closed_at || c.cancelled_at) || serverNow();
  return Math.max(0, (end - from) / 1000);
}

// who besides supervisors and admins may do what (cases/access.py WHO)
const WHO = {
  dispatch: ["head"],
  investigate: ["member", "head"],
  report: ["member", "head"],
  classify: ["member", "head"],
  resolve: ["head"],
  inform: ["member", "head", "agent"],
  close: ["head", "agent"],
  cancel: ["head"],
  pause: ["member", "head", "agent"],
  resume: ["member", "head", "agent"],
  reraise: ["head", "agent"],
  add_file: ["member", "head", "agent"],
};

// the states each action starts from (cases/service.py TRANSITIONS)
const STATES_FOR = {
  dispatch: ["accepted", "dispatched", "investigating"],
  investigate: ["dispatched"],
  report: ["investigating"],
  review: ["reported"],
  resolve: ["reported"],
  inform: ["resolved"],
  close: ["informed"],
  cancel: OPEN_STATES,
  pause: OPEN_STATES,
  resume: OPEN_STATES,
  reraise: ["closed"],
  classify: OPEN_STATES,
  add_file: OPEN_STATES,
};

/* How the user stands to case ``c`` (a detail, with its calls). */
export function relation(c) {
  const role = c.department_id !== null && c.department_id !== undefined ? C.mine[c.department_id] : undefined;
  const agent = hasRole(C.user, "agent")
    && (c.accepted_by === me() || (c.calls || []).some((x) => x.linked_by === me()));
  return { lead: isLead(), member: Boolean(role) || c.handler === me(), head: role === "head", agent };
}

/* May the user do ``action`` to case ``c`` now (its state, its pause, their relation)? */
export function mayAct(c, action) {
  if (!STATES_FOR[action] || !STATES_FOR[action].includes(c.state)) return false;
  if (action === "pause" && c.paused) return false;
  if (action === "resume" && !c.paused) return false;
  if (action === "review") {
    // a serious complaint not yet reviewed; the reviewer's position is the server's to check
    return c.type === "complaint" && c.severity === "serious" && !c.reviewed_at && isLead();
  }
  const rel = relation(c);
  if (rel.lead) return true;
  const who = WHO[action] || [];
  return (who.includes("member") && rel.member) || (who.includes("head") && rel.head)
    || (who.includes("agent") && rel.agent);
}

/* The actions in the order the workflow goes. */
export const ACTIONS = ["dispatch", "investigate", "report", "review", "resolve", "inform", "close", "classify",
                        "pause", "resume", "reraise", "cancel"];

/* ---- the clocks (dispatch, report, close): the server computes them (cases/clocks.py CaseClocks.states); the
 * page only lets the time left run on between two answers. Each case in an answer carries ``clocks`` and
 * ``clocks_at`` (the server's now when it computed them); the page stamps the case with the moment it received
 * it (``performance.now()``, a monotonic clock) and counts the seconds since then, so neither the browser's own
 * clock nor its offset from the server's enters: time left now = remaining_seconds − seconds since received. */

export const CLOCKS = ["dispatch", "report", "close"];
export const CLOCK_STATUSES = ["running", "warning", "breached", "paused", "met", "met_late"];
const TICKING = new Set(["running", "warning", "breached"]);
// the most pressing first (the list shows one clock per case)
const PRESSING = ["breached", "warning", "running", "paused", "met_late", "met"];

/* Mark cases (a list's items, a detail, a pushed case) as received now. */
export function stampClocks(...cases) {
  const rx = performance.now();
  for (const c of cases) if (c) c.clocksRx = rx;
}

/* One clock as it stands now: {clock, status, remaining (s, negative: overdue by), due_at, level, to, ...}.
 * A running clock whose time runs out turns "breached" here; one that reaches its warning instant "warning"
 * (the server records the events; the next answer confirms). Paused and stopped clocks stand still. */
export function liveClock(c, k) {
  const base = Number(k.remaining_seconds);
  // a breached clock stays breached while the case waits for the customer, but stands still if it is one of
  // cases.paused_clocks (the server says so: paused)
  const still = k.status === "breached" && k.paused === true;
  const elapsed = TICKING.has(k.status) && !still && c.clocksRx !== undefined
    ? (performance.now() - c.clocksRx) / 1000 : 0;
  const remaining = Number.isFinite(base) ? base - elapsed : null;
  let status = k.status;
  if ((status === "running" || status === "warning") && remaining !== null && remaining <= 0) status = "breached";
  else if (status === "running" && remaining !== null && k.warning_at && k.due_at) {
    const lead = (parseServerTime(k.due_at) - parseServerTime(k.warning_at)) / 1000;
    if (lead > 0 && remaining <= lead) status = "warning";
  }
  return { ...k, status, remaining, level: Number(k.escalation_level) || 0, to: k.escalated_to || null };
}

/* The case's clocks that exist for its type (not "off"), as they stand now, in the order dispatch, report, close. */
export function liveClocks(c) {
  const list = (c && c.clocks) || [];
  return CLOCKS.map((name) => list.find((k) => k.clock === name))
    .filter((k) => k && k.status !== "off")
    .map((k) => liveClock(c, k));
}

/* The one clock the list shows: the most pressing (breached, then warning, running, ...; the least time left). */
export function pressingClock(c) {
  const live = liveClocks(c);
  if (!live.length) return null;
  live.sort((a, b) => (PRESSING.indexOf(a.status) - PRESSING.indexOf(b.status))
    || ((a.remaining ?? 0) - (b.remaining ?? 0)));
  return live[0];
}

export const clockLabel = (v) => (v ? tOr(`cases.clock.${v}`, v) : "");
export const clockStatusLabel = (v) => (v ? tOr(`cases.clock_status.${v}`, v) : "");
export const escalatedToLabel = (v) => (v ? tOr(`cases.escalated_to.${v}`, v) : "");

/* A clock's state in words: "12:04 left", "overdue by 3:10", "waiting for the customer (2d 4:00:00 left)",
 * "met", "met late" (the page's language). */
export function clockText(k) {
  const left = k.remaining === null ? "—" : fmtSpan(Math.abs(k.remaining));
  if (k.status === "running") return t("cases.clock_text.running", { time: left });
  if (k.status === "warning") return t("cases.clock_text.warning", { time: left });
  if (k.status === "breached") return t("cases.clock_text.breached", { time: left });
  if (k.status === "paused") {
    return k.remaining !== null && k.remaining < 0 ? t("cases.clock_text.paused_overdue", { time: left })
      : t("cases.clock_text.paused", { time: left });
  }
  if (k.status === "met") return t("cases.clock_text.met");
  if (k.status === "met_late") return t("cases.clock_text.met_late");
  return clockStatusLabel(k.status);
}

/* The escalation reached, in words ("escalated to the department head (level 2)"), or "". */
export function escalationText(k) {
  if (!k.level) return "";
  return t("cases.clock_escalated", { level: k.level, to: escalatedToLabel(k.to) || "—" });
}
