/* The roster tab: a week of dates × shift templates; add and remove assignments. */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { hasRole } from "../core/auth.js";
import { S, fresh, say, problem, showProblem, showOk, markField, levelLabel, leaveCovering } from "./state.js";
import { centreToday, addDays, mondayOf, weekday, isDay, started } from "./dates.js";
import { holidayOn } from "./templates.js";

export function setWeek(day) {
  S.weekStart = mondayOf(day);
  $("shifts-week-day").value = day;
  loadWeek();
}

export async function loadWeek() {
  const ok = fresh("week");
  const from = S.weekStart;
  const to = addDays(from, 6);
  const [r, h, l] = await Promise.all([
    call("GET", `/api/shifts/roster${qs({ from, to })}`),
    call("GET", "/api/shifts/holidays"),
    call("GET", `/api/shifts/leave${qs({ from, to })}`),
  ]);
  if (!ok()) return;
  if (h.ok && Array.isArray(h.data)) S.holidays = h.data;
  if (l.ok && Array.isArray(l.data)) S.weekLeave = l.data.filter((x) => ["pending", "approved"].includes(x.status));
  if (!r.ok) {
    say(() => problem(r), "error");
    return;
  }
  S.roster = Array.isArray(r.data) ? r.data : [];
  for (const e of S.roster) S.usernames.add(e.username);
  renderUsers();
  renderWeek();
}

export function renderWeek() {
  const days = [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(S.weekStart, i));
  const today = centreToday();
  $("shifts-week-title").textContent = t("shifts.week_title", { from: days[0], to: days[6] });
  const head = $("shifts-week-head");
  head.textContent = "";
  head.appendChild(el("th", { scope: "col", text: t("shifts.col.shift") }));
  for (const d of days) {
    const hol = holidayOn(d);
    head.appendChild(el("th", { scope: "col", class: [hol ? "shifts-holiday" : "", d === today ? "shifts-today" : ""].join(" ").trim() || null,
                                "data-day": d },
      el("span", { class: "shifts-wd", text: weekday(d) }), " ", el("span", { text: d.slice(5) }),
      hol ? el("span", { class: "shifts-holiday-name", "data-testid": `shifts-week-holiday-${d}`, text: hol.name }) : null));
  }
  const used = new Set(S.roster.map((e) => e.template_id));
  const rows = S.templates.filter((x) => x.active || used.has(x.id));
  const body = $("shifts-week-rows");
  body.textContent = "";
  for (const tpl of rows) {
    const tr = el("tr", { "data-template": tpl.id, class: tpl.active ? null : "inactive" },
      el("th", { scope: "row", class: "shifts-week-shift" },
        el("strong", { text: tpl.name }), el("span", { class: "muted small", text: ` ${tpl.start}–${tpl.end}` }),
        tpl.night ? el("span", { class: "badge shifts-night", text: t("shifts.night") }) : null));
    for (const d of days) {
      const entries = S.roster.filter((e) => e.day === d && e.template_id === tpl.id);
      const ul = el("ul", { class: "shifts-chips" }, entries.map(entryChip));
      const add = tpl.active && d >= today ? el("button", { type: "button", class: "small secondary shifts-cell-add",
                                              "data-testid": `shifts-cell-add-${d}-${tpl.id}`,
                                              title: t("shifts.cell_add"), "aria-label": t("shifts.cell_add"), text: "+",
                                              onclick: () => prefillRoster(d, tpl.id) }) : null;
      tr.appendChild(el("td", { class: holidayOn(d) ? "shifts-holiday" : null, "data-testid": `shifts-cell-${d}-${tpl.id}`,
                                "data-day": d }, ul, add));
    }
    body.appendChild(tr);
  }
  $("shifts-week-none").hidden = rows.length > 0;
}

function entryChip(e) {
  const past = started(e);
  const leave = leaveCovering(S.weekLeave, e);
  const extra = [e.job, levelLabel(e.skill_level)].filter(Boolean).join(" · ");
  return el("li", { class: `shifts-chip${past ? " past" : ""}`, "data-testid": `shifts-entry-${e.id}`, "data-id": e.id,
                    "data-username": e.username, "data-day": e.day, "data-template": e.template_id,
                    title: t("shifts.entry_title", { id: e.id }) },
    el("strong", { text: e.username }),
    e.seat ? el("span", { class: "shifts-seat", text: t("shifts.seat_short", { seat: e.seat }) }) : null,
    el("span", { class: "muted small shifts-chip-extra", text: extra }),
    e.swap_id ? el("span", { class: "badge shifts-swapped", text: t("shifts.swapped", { id: e.swap_id }) }) : null,
    leave ? el("span", { class: `badge shifts-st shifts-st-${leave.status}`, "data-kind": "leave", "data-status": leave.status,
                         title: `#${leave.id} ${leave.reason || ""}`.trim(),
                         text: t("shifts.leave_badge", { status: tOr(`shifts.status.${leave.status}`, leave.status) }) }) : null,
    past ? null : el("button", { type: "button", class: "small danger shifts-chip-remove",
                                 "data-testid": `shifts-entry-remove-${e.id}`, title: t("shifts.remove_entry"),
                                 "aria-label": t("shifts.remove_entry"), text: "×", onclick: () => removeEntry(e) }));
}

function prefillRoster(day, templateId) {
  $("shifts-roster-day").value = day;
  $("shifts-roster-template").value = String(templateId);
  $("shifts-roster-username").focus();
}

function renderUsers() {
  const list = $("shifts-users");
  const have = new Set([...list.options].map((o) => o.value));
  for (const u of [...S.usernames].sort()) if (!have.has(u)) list.appendChild(el("option", { value: u }));
}

/* Helpers for the roster form: who can be rostered (admins can list users), and the seats. */
export async function loadPickLists() {
  const [seats, users] = await Promise.all([
    call("GET", "/api/board/seats"),
    hasRole(S.user, "admin") ? call("GET", "/api/admin/users") : Promise.resolve(null),
  ]);
  if (seats.ok && Array.isArray(seats.data)) {
    const list = $("shifts-seats");
    list.textContent = "";
    for (const s of seats.data) list.appendChild(el("option", { value: s.extension, label: s.name || s.extension }));
  }
  if (users && users.ok && Array.isArray(users.data)) {
    for (const u of users.data) {
      if (u.active !== false && (u.roles || []).some((r) => r === "agent" || r === "supervisor")) S.usernames.add(u.username);
    }
    renderUsers();
  }
}

export async function addEntry(ev) {
  ev.preventDefault();
  const form = $("shifts-roster-form");
  const status = $("shifts-roster-form-status");
  const day = $("shifts-roster-day").value;
  const templateId = Number($("shifts-roster-template").value);
  const username = $("shifts-roster-username").value.trim();
  if (!isDay(day) || !templateId || !username) {
    showStatus(status, () => t("shifts.fill_required"), "error");
    return;
  }
  const body = { day, template_id: templateId, username };
  const job = $("shifts-roster-job").value.trim();
  const level = $("shifts-roster-level").value;
  const seat = $("shifts-roster-seat").value.trim();
  if (job) body.job = job;
  if (level) body.skill_level = level;
  if (seat) body.seat = seat;
  $("shifts-roster-add").disabled = true;
  const r = await call("POST", "/api/shifts/roster", body);
  $("shifts-roster-add").disabled = false;
  markField(form, r.ok ? null : r);
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  const e = r.data;
  showOk(status, () => t("shifts.roster_added", { agent: e.username, day: e.day, shift: e.shift || "", id: e.id }));
  $("shifts-roster-username").value = "";
  $("shifts-roster-seat").value = "";
  S.usernames.add(e.username);
  if (mondayOf(e.day) !== S.weekStart) setWeek(e.day); // show the week it went into
  else loadWeek();
}

async function removeEntry(e) {
  if (!window.confirm(t("shifts.remove_confirm", { agent: e.username, day: e.day, shift: e.shift || "" }))) return;
  const status = $("shifts-roster-form-status");
  const r = await call("DELETE", `/api/shifts/roster/${e.id}`);
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk(status, () => t("shifts.roster_removed", { agent: e.username, day: e.day, shift: e.shift || "" }));
  loadWeek();
}
