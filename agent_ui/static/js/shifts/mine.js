/* "My shifts": my roster for the coming weeks, my leave and swap requests and the forms to ask. */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { S, fresh, me, showProblem, showOk, levelLabel, positionLabel, statusBadge, leaveDays, decisionText,
  leaveCovering } from "./state.js";
import { centreToday, addDays, weekday, isDay, started, centreIso } from "./dates.js";
import { holidayOn } from "./templates.js";
import { renderMyHandover } from "./handover.js";

const MY_WEEKS = 4; // "My shifts" shows today and the next four weeks

export async function loadMine() {
  const ok = fresh("mine");
  const from = centreToday();
  const to = addDays(from, MY_WEEKS * 7);
  const [r, l, w, h, ho] = await Promise.all([
    call("GET", `/api/shifts/roster/mine${qs({ from, to })}`),
    call("GET", "/api/shifts/leave/mine"),
    call("GET", "/api/shifts/swaps/mine"),
    call("GET", "/api/shifts/holidays"),
    call("GET", "/api/shifts/handovers/latest"), // reading it is recorded: the leads see who has read it
  ]);
  if (!ok()) return;
  if (h.ok && Array.isArray(h.data)) S.holidays = h.data;
  renderMyHandover(ho.ok ? ho.data : null);
  const failed = [r, l, w].find((x) => !x.ok);
  if (failed) showProblem($("shifts-my-requests-status"), failed);
  if (r.ok) S.my.roster = Array.isArray(r.data) ? r.data : [];
  if (l.ok) S.my.leave = Array.isArray(l.data) ? l.data : [];
  if (w.ok) S.my.swaps = Array.isArray(w.data) ? w.data : [];
  renderMine();
}

/* My active (pending/approved) leave covering a roster entry. */
function leaveFor(e) {
  return leaveCovering(S.my.leave, e);
}

function swapFor(e) {
  return S.my.swaps.find((x) => x.status === "pending"
                               && (x.requester.roster_id === e.id || x.counterpart.roster_id === e.id)) || null;
}

export function renderMine() {
  const from = centreToday();
  $("shifts-my-title").textContent = t("shifts.my_title", { from, to: addDays(from, MY_WEEKS * 7) });
  renderMyRoster();
  renderMyLeave();
  renderMySwaps();
  renderSwapSelect();
}

function renderMyRoster() {
  const head = $("shifts-my-roster-head");
  head.textContent = "";
  for (const c of ["id", "day", "shift", "seat", "job", "notes", "actions"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.mcol.${c}`) }));
  }
  const body = $("shifts-my-roster-rows");
  body.textContent = "";
  for (const e of S.my.roster) {
    const hol = holidayOn(e.day);
    const leave = leaveFor(e);
    const swap = swapFor(e);
    const notes = [
      hol ? el("span", { class: "badge shifts-holiday-badge", text: t("shifts.holiday_badge", { name: hol.name }) }) : null,
      leave ? el("span", { class: `badge shifts-st shifts-st-${leave.status}`,
                           text: t("shifts.leave_badge", { status: tOr(`shifts.status.${leave.status}`, leave.status) }) }) : null,
      swap ? el("span", { class: "badge shifts-st shifts-st-pending", text: t("shifts.swap_badge", { id: swap.id }) }) : null,
      e.swap_id ? el("span", { class: "badge shifts-swapped", text: t("shifts.swapped", { id: e.swap_id }) }) : null,
    ].filter(Boolean);
    const past = started(e);
    body.appendChild(el("tr", { "data-testid": `shifts-my-entry-${e.id}`, "data-id": e.id, "data-day": e.day,
                                "data-template": e.template_id, class: past ? "inactive" : null },
      el("td", { class: "mono", title: t("shifts.entry_no_help"), text: `#${e.id}` }),
      el("td", { class: "mono" }, e.day, el("span", { class: "muted small", text: ` ${weekday(e.day)}` })),
      el("td", { text: `${e.shift || ""} ${e.local_start || ""}–${e.local_end || ""}${e.night ? ` (${t("shifts.night")})` : ""}` }),
      el("td", { class: "mono", text: e.seat || "—" }),
      el("td", { text: [e.job, levelLabel(e.skill_level)].filter(Boolean).join(" · ") }),
      el("td", { class: "shifts-notes" }, notes.length ? notes : ""),
      el("td", { class: "actions" }, past ? el("span", { class: "muted small", text: t("shifts.started") }) : [
        el("button", { type: "button", class: "small secondary", "data-testid": `shifts-my-leave-btn-${e.id}`,
                       text: t("shifts.ask_leave"), onclick: () => prefillLeave(e) }),
        el("button", { type: "button", class: "small secondary", "data-testid": `shifts-my-swap-btn-${e.id}`,
                       text: t("shifts.ask_swap"), onclick: () => prefillSwap(e) }),
      ])));
  }
  $("shifts-my-roster-none").hidden = S.my.roster.length > 0;
}

function renderSwapSelect() {
  const select = $("shifts-swap-mine");
  const keep = select.value;
  select.textContent = "";
  const future = S.my.roster.filter((e) => !started(e));
  if (!future.length) select.appendChild(el("option", { value: "", text: t("shifts.no_future_shifts") }));
  for (const e of future) {
    select.appendChild(el("option", { value: String(e.id),
                                      text: `#${e.id} · ${e.day} ${weekday(e.day)} · ${e.shift || ""} ${e.local_start || ""}–${e.local_end || ""}` }));
  }
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

function prefillLeave(e) {
  $("shifts-leave-start").value = e.day;
  $("shifts-leave-end").value = "";
  $("shifts-leave-template").value = String(e.template_id);
  $("shifts-leave-exceptional").checked = Boolean(holidayOn(e.day));
  $("shifts-leave-reason").focus();
}

function prefillSwap(e) {
  $("shifts-swap-mine").value = String(e.id);
  $("shifts-swap-with").focus();
}

export async function requestLeave(ev) {
  ev.preventDefault();
  const status = $("shifts-leave-form-status");
  const start = $("shifts-leave-start").value;
  const end = $("shifts-leave-end").value;
  if (!isDay(start)) {
    showStatus(status, () => t("shifts.leave_start_missing"), "error");
    $("shifts-leave-start").focus();
    return;
  }
  const body = { start_day: start, reason: $("shifts-leave-reason").value.trim(),
                 exceptional: $("shifts-leave-exceptional").checked, kind: $("shifts-leave-kind").value };
  if (body.kind === "sick") {
    // sick leave may be recorded after the fact: when it was phoned in, and the certificate handed in on return
    const phoned = $("shifts-leave-phoned").value;
    if (/^\d{2}:\d{2}$/.test(phoned)) body.phoned_in_at = centreIso(start, phoned);
    body.certificate = $("shifts-leave-certificate").checked;
  }
  if (isDay(end)) body.end_day = end;
  const tid = $("shifts-leave-template").value;
  if (tid) body.template_id = Number(tid);
  $("shifts-leave-submit").disabled = true;
  const r = await call("POST", "/api/shifts/leave", body);
  $("shifts-leave-submit").disabled = false;
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  const x = r.data;
  showOk(status, () => t("shifts.leave_sent", { id: x.id, days: leaveDays(x), level: positionLabel(x.required_level) }));
  $("shifts-leave-form").reset();
  loadMine();
}

export async function requestSwap(ev) {
  ev.preventDefault();
  const status = $("shifts-swap-form-status");
  const mine = Number($("shifts-swap-mine").value);
  const other = Number($("shifts-swap-with").value);
  if (!mine || !Number.isInteger(other) || other < 1) {
    showStatus(status, () => t("shifts.swap_missing"), "error");
    return;
  }
  $("shifts-swap-submit").disabled = true;
  const r = await call("POST", "/api/shifts/swaps", { roster_id: mine, with_roster_id: other,
                                                      reason: $("shifts-swap-reason").value.trim() });
  $("shifts-swap-submit").disabled = false;
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  const x = r.data;
  showOk(status, () => t("shifts.swap_sent", { id: x.id, who: x.counterpart.username, day: x.counterpart.day,
                                               shift: x.counterpart.shift || "" }));
  $("shifts-swap-with").value = "";
  $("shifts-swap-reason").value = "";
  loadMine();
}

function renderMyLeave() {
  const head = $("shifts-my-leave-head");
  head.textContent = "";
  for (const c of ["id", "days", "shift", "reason", "level", "status", "decision", "actions"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.lcol.${c}`) }));
  }
  const body = $("shifts-my-leave-rows");
  body.textContent = "";
  for (const x of S.my.leave) {
    body.appendChild(el("tr", { "data-testid": `shifts-my-leave-row-${x.id}`, "data-id": x.id, "data-status": x.status,
                                "data-start": x.start_day },
      el("td", { class: "mono", text: String(x.id) }),
      el("td", { class: "mono", text: leaveDays(x) }),
      el("td", { text: x.shift || t("shifts.all_shifts") }),
      el("td", { class: "shifts-reason" }, x.exceptional ? el("span", { class: "badge shifts-exceptional", text: t("shifts.exceptional") }) : null,
         x.exceptional ? " " : null, x.reason || (x.exceptional ? "" : "—")),
      el("td", { text: positionLabel(x.required_level) }),
      el("td", {}, statusBadge(x.status, `shifts-my-leave-status-${x.id}`)),
      el("td", { class: "small", text: decisionText(x) || "—" }),
      el("td", { class: "actions" }, x.status === "pending" ? el("button", {
        type: "button", class: "small secondary", "data-testid": `shifts-my-leave-cancel-${x.id}`, text: t("shifts.withdraw"),
        onclick: () => cancelMine("leave", x.id) }) : null)));
  }
  $("shifts-my-leave-none").hidden = S.my.leave.length > 0;
}

function renderMySwaps() {
  const head = $("shifts-my-swaps-head");
  head.textContent = "";
  for (const c of ["id", "mine", "theirs", "reason", "approvals", "status", "actions"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.wcol.${c}`) }));
  }
  const body = $("shifts-my-swaps-rows");
  body.textContent = "";
  for (const x of S.my.swaps) {
    const asked = x.requester.username === me();
    const mine = asked ? x.requester : x.counterpart;
    const theirs = asked ? x.counterpart : x.requester;
    const approvals = Array.isArray(x.approvals) ? x.approvals : [];
    body.appendChild(el("tr", { "data-testid": `shifts-my-swap-row-${x.id}`, "data-id": x.id, "data-status": x.status },
      el("td", { class: "mono", text: String(x.id) }),
      el("td", { text: `${mine.day} ${weekday(mine.day)} ${mine.shift || ""} · #${mine.roster_id}` }),
      el("td", { text: `${theirs.username} · ${theirs.day} ${weekday(theirs.day)} ${theirs.shift || ""} · #${theirs.roster_id}` }),
      el("td", { class: "shifts-reason" }, el("span", { class: "muted small", text: asked ? t("shifts.swap_i_asked") : t("shifts.swap_asked_me") }),
         " ", x.reason || ""),
      el("td", { class: "small" }, t("shifts.n_of_two", { n: approvals.length })),
      el("td", {}, statusBadge(x.status, `shifts-my-swap-status-${x.id}`)),
      el("td", { class: "actions" }, x.status === "pending" ? el("button", {
        type: "button", class: "small secondary", "data-testid": `shifts-my-swap-cancel-${x.id}`,
        text: asked ? t("shifts.withdraw") : t("shifts.decline"), onclick: () => cancelMine("swaps", x.id) })
        : el("span", { class: "small", text: decisionText(x) }))));
  }
  $("shifts-my-swaps-none").hidden = S.my.swaps.length > 0;
}

async function cancelMine(kind, id) {
  const status = $("shifts-my-requests-status");
  const r = await call("POST", `/api/shifts/${kind}/${id}/cancel`);
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk(status, () => t(kind === "leave" ? "shifts.leave_withdrawn" : "shifts.swap_withdrawn", { id }));
  loadMine();
}
