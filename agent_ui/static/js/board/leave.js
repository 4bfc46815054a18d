/* Leave-seat requests (seat discipline: an agent asks, a team lead approves or rejects). */
import { call, errorText, serverMessage } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parseServerTime, secondsSince } from "../core/time.js";
import { WB, wbAgentName, wbClock, wbNum, wbTimeOfDay } from "../wallboard/model.js";
import { B, say } from "./state.js";

export const LEAVE_MIN = 1;
export const LEAVE_MAX = 120;

/* The pending requests, oldest first (the one waiting longest on top). */
export function leaveList() {
  return Object.values(WB.leaveRequests).filter((r) => r && r.id !== undefined && (!r.status || r.status === "pending"))
    .sort((a, b) => (parseServerTime(a.created_at) || 0) - (parseServerTime(b.created_at) || 0) || a.id - b.id);
}

/* errorText(), with the server's reason for a refusal (a team lead deciding their own request, ...). */
function failText(r) {
  const d = (r && r.data) || {};
  const hasReason = typeof d.message === "string" || (d.messages && typeof d.messages === "object");
  if ((r.status === 403 || r.status === 409) && hasReason) return t("common.error", { message: serverMessage(r) });
  return errorText(r);
}

export function makeLeaveItem(r) {
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

export function updateLeaveItem(it, r) {
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

export function tickLeaveItem(it, r) {
  const wait = secondsSince(r.created_at);
  const text = t("seat.asked", { minutes: wbNum(r.minutes), time: wbTimeOfDay(r.created_at), wait: wbClock(wait) });
  if (it.asked.textContent !== text) it.asked.textContent = text;
}

export function renderLeave() {
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

export function tickLeave() {
  for (const [id, it] of B.leave) {
    const r = WB.leaveRequests[id];
    if (r) tickLeaveItem(it, r);
  }
}

/* Approve (for the minutes in the box: the asked ones unless the team lead changed them) or reject (a note is
 * required: the agent is told why). */
export async function decideLeave(it, kind) {
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
