/* shifts.html: shifts, attendance, handover log, swaps and leave (班次、考勤、交接、换班、请假).
 *
 * Supervisors and admins: the roster (a week of dates × shift templates, add/remove assignments), shift templates
 * and public holidays, the daily attendance sheet (CSV, recompute), the monthly violations report (CSV), the
 * handover log (write, acknowledge), pending swap and leave requests (approve/reject with a note) and the leave
 * approver positions (admins change them). Everyone: their own roster for the coming four weeks, leave and swap
 * requests (the API's refusals shown with the rule named), their requests and their attendance findings.
 *
 * The entry module: the tabs (one module each, in js/shifts/) and the start. Everything comes from /api/shifts/*
 * (docs/shifts.md); dates and times are the centre's (the timezone from /api/auth/me), not the browser's. Nothing
 * is polled: a list is reloaded when its tab opens, after each action and by its refresh button. Every load
 * carries a sequence number; an answer overtaken by a newer load is dropped.
 */

import "./i18n/common.js";
import "./i18n/shifts.js";
import { $, showStatus } from "./core/dom.js";
import { whoAmIWithClock, hasRole, openPageFor } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { S, isLead, say, problem } from "./shifts/state.js";
import { centreToday, addDays, mondayOf, monthBounds, isDay, isMonth } from "./shifts/dates.js";
import { loadTemplates, renderTemplateSelects, renderTemplates, renderTemplateForm, resetTemplateForm, saveTemplate,
  loadYearHolidays, renderHolidays, addHoliday } from "./shifts/templates.js";
import { setWeek, loadWeek, renderWeek, loadPickLists, addEntry } from "./shifts/roster.js";
import { loadSheet, renderSheet, recompute } from "./shifts/attendance.js";
import { loadReport, renderReport } from "./shifts/report.js";
import { loadHandovers, renderHandovers, saveHandover } from "./shifts/handover.js";
import { loadRequests, renderRequests } from "./shifts/requests.js";
import { loadApprovers, renderApprovers, setApprover } from "./shifts/approvers.js";
import { loadMine, renderMine, requestLeave, requestSwap } from "./shifts/mine.js";
import { loadMyAttendance, renderMyAttendance } from "./shifts/myatt.js";

const LEAD_TABS = ["roster", "templates", "attendance", "report", "handover", "requests", "approvers"];
const OWN_TABS = ["mine", "myatt"];

function tabsFor() {
  const tabs = [];
  if (isLead()) tabs.push(...LEAD_TABS);
  if (hasRole(S.user, "agent", "supervisor") || !isLead()) tabs.push(...OWN_TABS);
  return tabs;
}

function showTab(tab) {
  S.tab = tab;
  for (const b of document.querySelectorAll("#shifts-tabs [role=tab]")) {
    const on = b.dataset.tab === tab;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    $(`shifts-${b.dataset.tab}-panel`).hidden = !on;
  }
  if (window.location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
  say("");
  loadTab(tab);
}

function loadTab(tab) {
  if (tab === "roster") loadTemplates().then(loadWeek);
  else if (tab === "templates") { loadTemplates(); loadYearHolidays(); }
  else if (tab === "attendance") loadSheet();
  else if (tab === "report") loadReport();
  else if (tab === "handover") { loadTemplates(); loadHandovers(); }
  else if (tab === "requests") loadRequests();
  else if (tab === "approvers") loadApprovers();
  else if (tab === "mine") { loadTemplates(); loadMine(); }
  else if (tab === "myatt") loadMyAttendance();
}

function rerenderAll() {
  renderTemplateSelects();
  const tab = S.tab;
  if (tab === "roster") renderWeek();
  else if (tab === "templates") { renderTemplates(); renderHolidays(); }
  else if (tab === "attendance") renderSheet();
  else if (tab === "report") renderReport();
  else if (tab === "handover") renderHandovers();
  else if (tab === "requests") renderRequests();
  else if (tab === "approvers") renderApprovers();
  else if (tab === "mine") renderMine();
  else if (tab === "myatt") renderMyAttendance();
}

function wire() {
  for (const b of document.querySelectorAll("#shifts-tabs [role=tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  // roster
  $("shifts-week-prev").addEventListener("click", () => setWeek(addDays(S.weekStart, -7)));
  $("shifts-week-next").addEventListener("click", () => setWeek(addDays(S.weekStart, 7)));
  $("shifts-week-this").addEventListener("click", () => setWeek(centreToday()));
  $("shifts-week-day").addEventListener("change", () => { if (isDay($("shifts-week-day").value)) setWeek($("shifts-week-day").value); });
  $("shifts-roster-form").addEventListener("submit", addEntry);
  for (const [id, field] of [["shifts-roster-day", "day"], ["shifts-roster-template", "template_id"],
                             ["shifts-roster-username", "username"], ["shifts-roster-job", "job"],
                             ["shifts-roster-level", "skill_level"], ["shifts-roster-seat", "seat"],
                             ["shifts-template-name", "name"], ["shifts-template-start", "start"],
                             ["shifts-template-end", "end"], ["shifts-template-job", "job"],
                             ["shifts-template-level", "skill_level"]]) {
    $(id).dataset.field = field;
  }
  // templates and holidays
  $("shifts-template-form").addEventListener("submit", saveTemplate);
  $("shifts-template-cancel").addEventListener("click", resetTemplateForm);
  $("shifts-holiday-form").addEventListener("submit", addHoliday);
  $("shifts-holiday-year").addEventListener("change", () => {
    const y = Number($("shifts-holiday-year").value);
    if (Number.isInteger(y) && y >= 2000 && y <= 2100) { S.holidayYear = y; loadYearHolidays(); }
  });
  // attendance and report
  $("shifts-att-day").addEventListener("change", () => {
    if (isDay($("shifts-att-day").value)) { S.attDay = $("shifts-att-day").value; showStatus($("shifts-att-status"), ""); loadSheet(); }
  });
  $("shifts-att-reload").addEventListener("click", loadSheet);
  $("shifts-att-recompute").addEventListener("click", recompute);
  $("shifts-report-month").addEventListener("change", () => {
    if (isMonth($("shifts-report-month").value)) { S.month = $("shifts-report-month").value; loadReport(); }
  });
  $("shifts-report-reload").addEventListener("click", loadReport);
  // handover
  $("shifts-handover-form").addEventListener("submit", saveHandover);
  $("shifts-handover-reload").addEventListener("click", loadHandovers);
  $("shifts-handover-from").addEventListener("change", loadHandovers);
  $("shifts-handover-to").addEventListener("change", loadHandovers);
  // requests and approvers
  $("shifts-requests-filter").addEventListener("change", () => { showStatus($("shifts-requests-status"), ""); loadRequests(); });
  $("shifts-requests-reload").addEventListener("click", loadRequests);
  $("shifts-approver-form").addEventListener("submit", setApprover);
  // mine
  $("shifts-my-refresh").addEventListener("click", loadMine);
  $("shifts-leave-form").addEventListener("submit", requestLeave);
  $("shifts-swap-form").addEventListener("submit", requestSwap);
  $("shifts-myatt-month").addEventListener("change", () => {
    if (isMonth($("shifts-myatt-month").value)) { S.myattMonth = $("shifts-myatt-month").value; loadMyAttendance(); }
  });
  document.addEventListener("cc:langchange", rerenderAll);
}

async function startShifts() {
  renderHeader({ title: "shifts.title" });
  S.user = await openPageFor(whoAmIWithClock, () => true, "shifts", problem); // also sets the server's clock
  if (!S.user) return;
  S.tz = S.user.timezone || undefined;
  const today = centreToday();
  S.weekStart = mondayOf(today);
  S.attDay = today;
  S.month = today.slice(0, 7);
  S.myattMonth = S.month;
  S.holidayYear = Number(today.slice(0, 4));
  $("shifts-week-day").value = today;
  $("shifts-roster-day").value = addDays(today, 1);
  $("shifts-att-day").value = today;
  $("shifts-report-month").value = S.month;
  $("shifts-myatt-month").value = S.month;
  $("shifts-holiday-year").value = String(S.holidayYear);
  $("shifts-handover-day").value = today;
  $("shifts-handover-from").value = addDays(today, -6);
  $("shifts-handover-to").value = today;
  const tabs = tabsFor();
  for (const b of document.querySelectorAll("#shifts-tabs [role=tab]")) b.hidden = !tabs.includes(b.dataset.tab);
  renderTemplateForm();
  wire();
  if (isLead()) loadPickLists();
  const fromHash = window.location.hash.slice(1);
  showTab(tabs.includes(fromHash) ? fromHash : tabs[0]);
}

document.addEventListener("DOMContentLoaded", startShifts);

/* For tests and debugging. */
window.ccShifts = { state: S, addDays, mondayOf, monthBounds, problem };
