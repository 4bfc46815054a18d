/* Shift templates (every tab uses them) and public holidays: the "templates" tab. */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { S, fresh, say, problem, showProblem, showOk, markField, levelLabel } from "./state.js";
import { weekday, isDay } from "./dates.js";

export function holidayOn(day) {
  return S.holidays.find((h) => h.day === day) || null;
}

function shiftLabel(x) {
  if (!x) return "";
  return `${x.name} ${x.start}–${x.end}${x.night ? ` (${t("shifts.night")})` : ""}`;
}

export async function loadTemplates() {
  const ok = fresh("templates");
  const r = await call("GET", "/api/shifts/templates");
  if (!ok()) return false;
  if (!r.ok) {
    say(() => problem(r), "error");
    return false;
  }
  S.templates = Array.isArray(r.data) ? r.data : [];
  renderTemplateSelects();
  if (S.tab === "templates") renderTemplates();
  return true;
}

/* Fill a <select> of templates, keeping its choice. ``blank``: the label of an empty first option. */
function fillTemplateSelect(select, list, blank) {
  const keep = select.value;
  select.textContent = "";
  if (blank) select.appendChild(el("option", { value: "", text: blank }));
  for (const x of list) select.appendChild(el("option", { value: String(x.id), text: shiftLabel(x) }));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

export function renderTemplateSelects() {
  const active = S.templates.filter((x) => x.active);
  fillTemplateSelect($("shifts-roster-template"), active);
  fillTemplateSelect($("shifts-handover-template"), S.templates);
  fillTemplateSelect($("shifts-leave-template"), S.templates, t("shifts.all_shifts"));
}

export function renderTemplates() {
  const head = $("shifts-templates-head");
  head.textContent = "";
  for (const c of ["name", "start", "end", "kind", "job", "level", "active", "actions"]) {
    head.appendChild(el("th", { scope: "col", text: c === "actions" ? "" : t(`shifts.tcol.${c}`) }));
  }
  const body = $("shifts-templates-rows");
  body.textContent = "";
  for (const x of S.templates) {
    body.appendChild(el("tr", { "data-testid": `shifts-template-row-${x.id}`, "data-name": x.name,
                                class: x.active ? null : "inactive" },
      el("td", {}, el("strong", { text: x.name })),
      el("td", { class: "mono", text: x.start }),
      el("td", { class: "mono", text: x.end }),
      el("td", { text: x.night ? t("shifts.night_crossing") : t("shifts.day_shift") }),
      el("td", { text: x.job || "—" }),
      el("td", { text: x.skill_level ? levelLabel(x.skill_level) : "—" }),
      el("td", { text: x.active ? t("common.yes") : t("common.no") }),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "small secondary", "data-testid": `shifts-template-edit-${x.id}`,
                       text: t("shifts.edit"), onclick: () => editTemplate(x) }),
        el("button", { type: "button", class: "small secondary", "data-testid": `shifts-template-toggle-${x.id}`,
                       text: x.active ? t("shifts.deactivate") : t("shifts.activate"), onclick: () => toggleTemplate(x) }),
        el("button", { type: "button", class: "small danger", "data-testid": `shifts-template-delete-${x.id}`,
                       text: t("common.remove"), onclick: () => deleteTemplate(x) }))));
  }
  $("shifts-templates-none").hidden = S.templates.length > 0;
  renderTemplateForm();
}

export function renderTemplateForm() {
  const x = S.editTemplate;
  $("shifts-template-form-title").textContent = x ? t("shifts.template_edit_heading", { name: x.name })
    : t("shifts.template_add_heading");
  $("shifts-template-save").textContent = x ? t("shifts.save") : t("shifts.template_add");
  $("shifts-template-cancel").hidden = !x;
  $("shifts-template-active-box").hidden = !x;
}

export function editTemplate(x) {
  S.editTemplate = x;
  $("shifts-template-name").value = x.name;
  $("shifts-template-start").value = x.start;
  $("shifts-template-end").value = x.end;
  $("shifts-template-job").value = x.job || "";
  $("shifts-template-level").value = x.skill_level || "";
  $("shifts-template-active").checked = Boolean(x.active);
  showStatus($("shifts-template-status"), "");
  renderTemplateForm();
  $("shifts-template-name").focus();
}

export function resetTemplateForm() {
  S.editTemplate = null;
  $("shifts-template-form").reset();
  markField($("shifts-template-form"), null);
  renderTemplateForm();
}

export async function saveTemplate(ev) {
  ev.preventDefault();
  const form = $("shifts-template-form");
  const status = $("shifts-template-status");
  const v = {
    name: $("shifts-template-name").value.trim(),
    start: $("shifts-template-start").value,
    end: $("shifts-template-end").value,
    job: $("shifts-template-job").value.trim(),
    skill_level: $("shifts-template-level").value || null,
  };
  if (!v.name || !/^\d\d:\d\d$/.test(v.start) || !/^\d\d:\d\d$/.test(v.end)) {
    showStatus(status, () => t("shifts.fill_required"), "error");
    return;
  }
  const x = S.editTemplate;
  let r;
  if (x) {
    const changes = {};
    for (const k of ["name", "start", "end", "job"]) if (v[k] !== (x[k] || "")) changes[k] = v[k];
    if (v.skill_level !== (x.skill_level || null)) changes.skill_level = v.skill_level;
    const active = $("shifts-template-active").checked;
    if (active !== Boolean(x.active)) changes.active = active;
    if (!Object.keys(changes).length) {
      showStatus(status, () => t("shifts.nothing_changed"), "warn");
      return;
    }
    r = await call("PATCH", `/api/shifts/templates/${x.id}`, changes);
  } else {
    r = await call("POST", "/api/shifts/templates", v);
  }
  markField(form, r.ok ? null : r);
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  const name = r.data.name;
  showOk(status, () => t(x ? "shifts.template_saved" : "shifts.template_added", { name }));
  resetTemplateForm();
  loadTemplates();
}

async function toggleTemplate(x) {
  const r = await call("PATCH", `/api/shifts/templates/${x.id}`, { active: !x.active });
  if (!r.ok) {
    showProblem($("shifts-template-status"), r);
    return;
  }
  showOk($("shifts-template-status"), () => t(x.active ? "shifts.template_deactivated" : "shifts.template_activated",
                                               { name: x.name }));
  loadTemplates();
}

async function deleteTemplate(x) {
  if (!window.confirm(t("shifts.template_delete_confirm", { name: x.name }))) return;
  const r = await call("DELETE", `/api/shifts/templates/${x.id}`);
  if (!r.ok) {
    showProblem($("shifts-template-status"), r);
    return;
  }
  if (S.editTemplate && S.editTemplate.id === x.id) resetTemplateForm();
  showOk($("shifts-template-status"), () => t("shifts.template_deleted", { name: x.name }));
  loadTemplates();
}

export async function loadYearHolidays() {
  const ok = fresh("holidays");
  const year = S.holidayYear;
  const r = await call("GET", `/api/shifts/holidays${qs({ year })}`);
  if (!ok()) return;
  if (!r.ok) {
    showProblem($("shifts-holiday-status"), r);
    return;
  }
  S.yearHolidays = Array.isArray(r.data) ? r.data : [];
  renderHolidays();
}

export function renderHolidays() {
  const body = $("shifts-holidays-rows");
  body.textContent = "";
  for (const h of S.yearHolidays) {
    body.appendChild(el("tr", { "data-testid": `shifts-holiday-row-${h.day}`, "data-day": h.day },
      el("td", { class: "mono" }, h.day, el("span", { class: "muted small", text: ` ${weekday(h.day)}` })),
      el("td", { text: h.name }),
      el("td", { class: "muted small", text: h.created_by || "" }),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "small danger", "data-testid": `shifts-holiday-delete-${h.day}`,
                       text: t("common.remove"), onclick: () => deleteHoliday(h) }))));
  }
  const none = $("shifts-holidays-none");
  none.hidden = S.yearHolidays.length > 0;
  none.textContent = t("shifts.holidays_none", { year: S.holidayYear });
}

export async function addHoliday(ev) {
  ev.preventDefault();
  const status = $("shifts-holiday-status");
  const day = $("shifts-holiday-day").value;
  const name = $("shifts-holiday-name").value.trim();
  if (!isDay(day) || !name) {
    showStatus(status, () => t("shifts.fill_required"), "error");
    return;
  }
  const r = await call("POST", "/api/shifts/holidays", { day, name });
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk(status, () => t("shifts.holiday_added", { day, name }));
  $("shifts-holiday-form").reset();
  S.holidayYear = Number(day.slice(0, 4));
  $("shifts-holiday-year").value = String(S.holidayYear);
  loadYearHolidays();
}

async function deleteHoliday(h) {
  if (!window.confirm(t("shifts.holiday_delete_confirm", { day: h.day, name: h.name }))) return;
  const r = await call("DELETE", `/api/shifts/holidays/${h.day}`);
  if (!r.ok) {
    showProblem($("shifts-holiday-status"), r);
    return;
  }
  showOk($("shifts-holiday-status"), () => t("shifts.holiday_deleted", { day: h.day, name: h.name }));
  loadYearHolidays();
}
