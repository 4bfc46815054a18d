/* A task: its facts, its due time with the "bring forward" control (PATCH .../due; the server refuses a time later
 * than latest_due_at and says why), the Call button (POST .../call: the agent's phone rings, then the customer's
 * number; the next attempt's earliest time when spacing applies, the button disabled until then), the attempts,
 * and — while an attempt waits for its outcome — the outcome form (outcome.js). While the attempt's call is on,
 * the task is polled every 2 s until the call has ended or the outcome is recorded. A 409 (the task changed
 * meanwhile) reloads the task and says so. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import {
  R, callOutcomeLabel, centreIso, countdown, departmentName, fmtAt, localInput, mayCall, mayWork, openAttempt,
  outcomeLabel, recordsForOthers, secondsUntil, stampNow, stateLabel,
} from "./state.js";
import { replaceInList } from "./list.js";
import { resetOutcome, showOutcome } from "./outcome.js";

const POLL_MS = 2000;

export async function openDetail(id, { keepStatus = false } = {}) {
  const changed = R.openId !== id;
  R.openId = id;
  const r = await call("GET", `/api/callbacks/${id}`);
  if (R.openId !== id) return;
  if (!r.ok) {
    showStatus($("cb-status"), () => errorText(r), "error");
    return;
  }
  if (changed) {
    resetOutcome();
    if (!keepStatus) {
      for (const s of ["cb-detail-status", "cb-due-status", "cb-call-status"]) showStatus($(s), "", "");
    }
    $("cb-due-input").value = "";
  }
  setDetail(r.data);
  history.replaceState(null, "", `${window.location.pathname}${window.location.search}#task-${id}`);
  for (const row of $("cb-rows").children) row.classList.toggle("cb-selected", row.dataset.id === String(id));
}

export function closeDetail() {
  R.openId = null;
  R.detail = null;
  stopWatching();
  $("cb-detail").hidden = true;
  history.replaceState(null, "", `${window.location.pathname}${window.location.search}`);
  for (const row of $("cb-rows").children) row.classList.remove("cb-selected");
}

/* A detail answer (GET, or the outcome's answer): shown, its row updated, the poll started or stopped. */
export function setDetail(d) {
  stampNow(d.now);
  R.detail = d;
  replaceInList(d.task);
  renderDetail();
  watch(d);
}

/* The task as changed by an action without its attempts (PATCH .../due, POST .../call). */
function setTask(task) {
  R.detail = { ...R.detail, task };
  replaceInList(task);
  renderDetail();
}

export function renderDetail() {
  const d = R.detail;
  if (!d) return;
  const task = d.task;
  $("cb-detail").hidden = false;
  $("cb-detail").dataset.id = String(task.id);
  $("cb-detail-heading").textContent = t("callbacks.detail_heading", { id: task.id });
  const state = $("cb-detail-state");
  state.textContent = stateLabel(task.state);
  state.dataset.state = task.state;
  state.className = `badge${task.state === "open" ? "" : " live"}`;
  $("cb-detail-case").replaceChildren(task.case_number
    ? el("a", { href: `cases.html#case-${task.case_number}`, text: task.case_number }) : "—");
  $("cb-detail-number").textContent = task.number || t("callbacks.no_number");
  $("cb-detail-agent").textContent = task.rated_agent || "—";
  $("cb-detail-queue").textContent = task.queue || "—";
  $("cb-detail-department").textContent = departmentName(task.department_id);
  $("cb-detail-created").textContent = fmtAt(task.created_at);
  $("cb-detail-due").textContent = fmtAt(task.due_at);
  $("cb-detail-latest").textContent = t("callbacks.field.latest", { at: fmtAt(task.latest_due_at) });
  const closed = task.state !== "open" && task.closed_at;
  $("cb-detail-closed").textContent = closed ? t("callbacks.closed_by", { at: fmtAt(task.closed_at),
                                                                        by: task.closed_by || "—" }) : "";
  $("cb-detail-closed").hidden = $("cb-detail-closed-label").hidden = !closed;
  $("cb-detail-note").textContent = task.note || "";
  $("cb-detail-note").hidden = $("cb-detail-note-label").hidden = !task.note;
  const open = task.state === "open";
  $("cb-due-form").hidden = !(open && mayWork(R.user));
  if (!$("cb-due-input").value) $("cb-due-input").value = localInput(task.due_at);
  $("cb-call-box").hidden = !(open && mayCall(R.user));
  renderAttempts(d);
  const a = openAttempt(d);
  showOutcome(Boolean(a && mayWork(R.user) && (a.agent_username === R.user.username || recordsForOthers(R.user))));
  tickDetail();
}

function renderAttempts(d) {
  $("cb-attempt-rows").replaceChildren(...d.attempts.map((a) => el("tr", {
    "data-testid": "cb-attempt", "data-id": String(a.id), "data-call-outcome": a.call_outcome || "",
    "data-outcome": a.outcome || "" },
  el("td", { text: fmtAt(a.started_at) }),
  el("td", { text: a.agent_username }),
  el("td", { "data-testid": "cb-attempt-call", text: callOutcomeLabel(a.call_outcome) }),
  el("td", { "data-testid": "cb-attempt-outcome", text: a.outcome ? outcomeLabel(a.outcome) : "—" }),
  el("td", { "data-testid": "cb-attempt-note", text: a.note || "" }))));
  $("cb-attempts-none").hidden = d.attempts.length > 0;
}

/* Each second: the countdown, the next attempt's time and the Call button. */
export function tickDetail() {
  const d = R.detail;
  if (!d) return;
  const c = countdown(d.task);
  const left = $("cb-detail-left");
  left.textContent = c.text;
  left.dataset.overdue = String(c.overdue);
  left.classList.toggle("cb-overdue", c.overdue);
  const waitS = d.next_attempt_at ? secondsUntil(d.next_attempt_at) : null;
  const waiting = waitS !== null && waitS > 0;
  const next = $("cb-next-attempt");
  next.hidden = !waiting;
  next.textContent = waiting ? t("callbacks.next_attempt", { at: fmtAt(d.next_attempt_at) }) : "";
  const pending = openAttempt(d);
  const btn = $("cb-call");
  btn.disabled = d.task.state !== "open" || !d.task.number || waiting || Boolean(pending) || R.calling === true;
  btn.title = pending ? t("callbacks.pending_outcome") : "";
  btn.dataset.waiting = String(waiting);
}

/* The call's words while and after it is on (an attempt of this page's task). */
function callStatus(d, attemptId) {
  const a = d.attempts.find((x) => x.id === attemptId);
  if (!a) return;
  const node = $("cb-call-status");
  let phase = "done";
  const me = R.deskAgent;
  if (a.outcome === null && a.call_outcome === null && me && me.state === "on_call"
      && me.call_uniqueid === a.call_uniqueid) {
    phase = "on_call";
    showStatus(node, () => t("callbacks.call_live", { number: d.task.number || "" }), "ok");
  } else if (a.outcome === null && a.call_outcome === null) {
    phase = "ringing";
    showStatus(node, () => t("callbacks.call_ringing", { number: d.task.number || "" }), "warn");
  } else if (a.call_outcome === "failed") {
    phase = "not_counted";
    showStatus(node, () => t("callbacks.call_not_counted", { outcome: callOutcomeLabel(a.call_outcome) }), "error");
  } else if (a.outcome === null) {
    phase = "ended";
    showStatus(node, () => t("callbacks.call_ended", { outcome: callOutcomeLabel(a.call_outcome) }), "ok");
  } else if (UNANSWERED.has(a.call_outcome)) { // the call record closed it by itself (no answer, busy)
    phase = "recorded";
    showStatus(node, () => t("callbacks.call_recorded", { outcome: callOutcomeLabel(a.call_outcome),
                                                          result: outcomeLabel(a.outcome) }), "");
  } else {
    showStatus(node, "", "");
  }
  node.dataset.phase = phase;
}

/* ---- the poll while an attempt's call is on ----
 * Until the call has ended (the attempt's call_outcome), or the outcome is recorded. A call the customer did not
 * answer (no answer, busy) gets its outcome from the call record a moment after it ended: a few polls more. */
const UNANSWERED = new Set(["no_answer", "busy", "rejected"]);
const POLLS_AFTER_END = 5;

function watched(d) {
  const a = openAttempt(d);
  if (!a) return null;
  return a.call_outcome === null || UNANSWERED.has(a.call_outcome) ? a : null;
}

function watch(d) {
  const a = watched(d);
  const w = R.watching;
  if (w && w.id === d.task.id) {
    if (a && a.call_outcome !== null) w.after += 1;
    callStatus(d, w.attempt);
    if (!a || w.after > POLLS_AFTER_END) stopWatching();
    return;
  }
  stopWatching();
  if (!a) return;
  R.watching = { id: d.task.id, attempt: a.id, after: 0, timer: setInterval(() => poll(d.task.id), POLL_MS) };
  callStatus(d, a.id);
}

function stopWatching() {
  if (!R.watching) return;
  clearInterval(R.watching.timer);
  R.watching = null;
}

/* One poll: the task, and — the attempt being this agent's own — the agent's state (GET /api/agent/me: ringing,
 * then on_call with the attempt's call), so the page can say which. */
async function poll(id) {
  if (R.openId !== id || R.polling) return;
  R.polling = true;
  try {
    const a = openAttempt(R.detail);
    const mine = a && mayCall(R.user) && a.agent_username === R.user.username;
    const [r, me] = await Promise.all([call("GET", `/api/callbacks/${id}`),
                                       mine ? call("GET", "/api/agent/me") : Promise.resolve(null)]);
    R.deskAgent = me && me.ok && me.data ? me.data.agent : null;
    if (r.ok && R.openId === id) setDetail(r.data);
  } finally {
    R.polling = false;
  }
}

/* ---- the actions ---- */
export async function refused(r, statusId) {
  const reload = r.status === 409 && R.openId !== null;
  if (reload) {
    // read again first, then say so: a "reloaded" shown before the new version is in would let the next save
    // send the old version and be refused again
    $("cb-due-input").value = "";
    await openDetail(R.openId, { keepStatus: true });
  }
  showStatus($(statusId), () => `${errorText(r)}${reload ? ` ${t("callbacks.reloaded")}` : ""}`, "error");
}

async function bringForward(ev) {
  ev.preventDefault();
  const d = R.detail;
  if (!d) return;
  const due = centreIso($("cb-due-input").value);
  if (!due) {
    showStatus($("cb-due-status"), () => t("callbacks.due_pick"), "error");
    return;
  }
  $("cb-due-save").disabled = true;
  const r = await call("PATCH", `/api/callbacks/${d.task.id}/due`, { version: d.task.version, due_at: due });
  $("cb-due-save").disabled = false;
  if (!r.ok) {
    await refused(r, "cb-due-status");
    return;
  }
  $("cb-due-input").value = "";
  setTask(r.data);
  showStatus($("cb-due-status"), () => t("callbacks.due_saved", { at: fmtAt(r.data.due_at) }), "ok");
}

async function placeCall() {
  const d = R.detail;
  if (!d) return;
  R.calling = true;
  tickDetail();
  showStatus($("cb-call-status"), "", "");
  const r = await call("POST", `/api/callbacks/${d.task.id}/call`, { version: d.task.version });
  R.calling = false;
  if (!r.ok) {
    // a call the ACD refused (not logged in at a seat, already on a call) still moved the task's version on:
    // the task is read again whatever the refusal
    showStatus($("cb-call-status"), () => errorText(r), "error");
    $("cb-call-status").dataset.phase = "refused";
    if (R.openId === d.task.id) await openDetail(d.task.id, { keepStatus: true });
    return;
  }
  // the call's answer has no ``now``: the page's clock runs on from the last one
  setDetail({ ...R.detail, now: null, task: r.data.task, attempts: [...R.detail.attempts, r.data.attempt] });
}

export function initDetail() {
  $("cb-due-form").addEventListener("submit", bringForward);
  $("cb-call").addEventListener("click", placeCall);
  $("cb-detail-close").addEventListener("click", closeDetail);
}
