/* Leave and swap requests waiting for a lead's decision (approve / reject with a note). */

import { call } from "../core/api.js";
import { $, el, qs } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { S, fresh, me, showProblem, showOk, positionLabel, statusBadge, leaveDays, decisionText } from "./state.js";
import { fmtAt, weekday } from "./dates.js";

export async function loadRequests() {
  const ok = fresh("requests");
  const status = $("shifts-requests-filter").value;
  const [l, w, a] = await Promise.all([
    call("GET", `/api/shifts/leave${qs({ status })}`),
    call("GET", `/api/shifts/swaps${qs({ status })}`),
    call("GET", "/api/shifts/approvers"),
  ]);
  if (!ok()) return;
  if (a.ok && Array.isArray(a.data)) S.approvers = a.data;
  if (!l.ok || !w.ok) {
    showProblem($("shifts-requests-status"), l.ok ? w : l);
    return;
  }
  S.leave = Array.isArray(l.data) ? l.data : [];
  S.swaps = Array.isArray(w.data) ? w.data : [];
  renderRequests();
}

function myPosition() {
  const a = S.approvers.find((x) => x.username === me());
  return a ? a.position : null;
}

export function renderRequests() {
  const pos = myPosition();
  $("shifts-my-position").textContent = pos ? t("shifts.my_position", { position: positionLabel(pos) })
    : t("shifts.my_position_none");
  $("shifts-my-position").dataset.position = pos || "";
  renderLeaveRequests();
  renderSwapRequests();
}

function renderLeaveRequests() {
  const head = $("shifts-leave-head");
  head.textContent = "";
  for (const c of ["id", "agent", "days", "shift", "reason", "level", "status", "requested", "actions"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.lcol.${c}`) }));
  }
  const body = $("shifts-leave-rows");
  body.textContent = "";
  for (const x of S.leave) {
    const actions = el("td", { class: "actions shifts-decide" });
    if (x.status === "pending" && x.username !== me()) {
      const note = el("input", { "data-testid": `shifts-leave-note-${x.id}`, maxlength: 2000, autocomplete: "off",
                                 placeholder: t("shifts.note"), "aria-label": t("shifts.note") });
      const err = el("p", { class: "status", role: "status", "data-testid": `shifts-leave-error-${x.id}` });
      actions.append(note,
        el("button", { type: "button", class: "small", "data-testid": `shifts-leave-approve-${x.id}`, text: t("shifts.approve"),
                       onclick: () => decideLeave(x, true, note.value.trim(), err) }),
        el("button", { type: "button", class: "small danger", "data-testid": `shifts-leave-reject-${x.id}`, text: t("shifts.reject"),
                       onclick: () => decideLeave(x, false, note.value.trim(), err) }),
        err);
    } else if (x.status === "pending") {
      actions.appendChild(el("span", { class: "muted small", text: t("shifts.own_request") }));
    } else {
      actions.appendChild(el("span", { class: "small", text: decisionText(x) }));
    }
    body.appendChild(el("tr", { "data-testid": `shifts-leave-row-${x.id}`, "data-id": x.id, "data-status": x.status,
                                "data-username": x.username },
      el("td", { class: "mono", text: String(x.id) }),
      el("td", {}, el("strong", { text: x.username })),
      el("td", { class: "mono" }, leaveDays(x), el("span", { class: "muted small", text: ` (${t("shifts.n_days", { n: x.days })})` })),
      el("td", { text: x.shift || t("shifts.all_shifts") }),
      el("td", { class: "shifts-reason" }, x.exceptional ? el("span", { class: "badge shifts-exceptional", text: t("shifts.exceptional") }) : null,
         x.exceptional ? " " : null, x.reason || (x.exceptional ? "" : "—")),
      el("td", { "data-level": x.required_level, text: positionLabel(x.required_level) }),
      el("td", {}, statusBadge(x.status)),
      el("td", { class: "small", text: fmtAt(x.requested_at) }),
      actions));
  }
  const none = $("shifts-leave-none");
  none.hidden = S.leave.length > 0;
  none.textContent = t("shifts.requests_none");
}

function approvalText(a) {
  return t("shifts.swap_approval", { side: tOr(`shifts.side.${a.side}`, a.side), by: a.by, at: fmtAt(a.at) })
    + (a.note ? ` — ${a.note}` : "");
}

function swapSide(s) {
  return `${s.username} · ${s.day} ${weekday(s.day)} ${s.shift || ""} · #${s.roster_id}`;
}

function renderSwapRequests() {
  const head = $("shifts-swaps-head");
  head.textContent = "";
  for (const c of ["id", "requester", "counterpart", "reason", "approvals", "status", "requested", "actions"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.scol.${c}`) }));
  }
  const body = $("shifts-swaps-rows");
  body.textContent = "";
  for (const x of S.swaps) {
    const approvals = Array.isArray(x.approvals) ? x.approvals : [];
    const actions = el("td", { class: "actions shifts-decide" });
    const mine = [x.requester.username, x.counterpart.username].includes(me());
    if (x.status === "pending" && !mine) {
      const note = el("input", { "data-testid": `shifts-swap-note-${x.id}`, maxlength: 2000, autocomplete: "off",
                                 placeholder: t("shifts.note"), "aria-label": t("shifts.note") });
      const err = el("p", { class: "status", role: "status", "data-testid": `shifts-swap-error-${x.id}` });
      const done = approvals.some((a) => a.by === me());
      actions.append(note,
        done ? el("span", { class: "muted small", text: ` ${t("shifts.swap_you_approved")} ` })
          : el("button", { type: "button", class: "small", "data-testid": `shifts-swap-approve-${x.id}`, text: t("shifts.approve"),
                           onclick: () => decideSwap(x, "approve", note.value.trim(), err) }),
        el("button", { type: "button", class: "small danger", "data-testid": `shifts-swap-reject-${x.id}`, text: t("shifts.reject"),
                       onclick: () => decideSwap(x, "reject", note.value.trim(), err) }),
        err);
    } else if (x.status === "pending") {
      actions.appendChild(el("span", { class: "muted small", text: t("shifts.own_request") }));
    } else {
      actions.appendChild(el("span", { class: "small", text: decisionText(x) }));
    }
    body.appendChild(el("tr", { "data-testid": `shifts-swap-row-${x.id}`, "data-id": x.id, "data-status": x.status },
      el("td", { class: "mono", text: String(x.id) }),
      el("td", { text: swapSide(x.requester) }),
      el("td", { text: swapSide(x.counterpart) }),
      el("td", { class: "shifts-reason", text: x.reason || "—" }),
      el("td", { class: "small" }, el("div", { text: t("shifts.n_of_two", { n: approvals.length }) }),
         approvals.map((a) => el("div", { class: "muted", text: approvalText(a) }))),
      el("td", {}, statusBadge(x.status)),
      el("td", { class: "small", text: fmtAt(x.requested_at) }),
      actions));
  }
  const none = $("shifts-swaps-none");
  none.hidden = S.swaps.length > 0;
  none.textContent = t("shifts.requests_none");
}

async function decideLeave(x, approve, note, err) {
  const r = await call("POST", `/api/shifts/leave/${x.id}/${approve ? "approve" : "reject"}`, { note });
  const status = $("shifts-requests-status");
  if (!r.ok) {
    showProblem(err, r);
    showProblem(status, r);
    return;
  }
  showOk(status, () => t(approve ? "shifts.leave_approved" : "shifts.leave_rejected", { id: x.id, agent: x.username }));
  loadRequests();
}

async function decideSwap(x, action, note, err) {
  const r = await call("POST", `/api/shifts/swaps/${x.id}/${action}`, { note });
  const status = $("shifts-requests-status");
  if (!r.ok) {
    showProblem(err, r);
    showProblem(status, r);
    return;
  }
  let key = "shifts.swap_rejected";
  if (action === "approve") key = r.data.status === "approved" ? "shifts.swap_done" : "shifts.swap_half";
  showOk(status, () => t(key, { id: x.id, a: x.requester.username, b: x.counterpart.username }));
  loadRequests();
}
