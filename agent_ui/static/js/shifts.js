/* shifts.html: shifts, attendance, handover log, swaps and leave (班次、考勤、交接、换班、请假).
 *
 * Supervisors and admins: the roster (a week of dates × shift templates, add/remove assignments), shift templates
 * and public holidays, the daily attendance sheet (CSV, recompute), the monthly violations report (CSV), the
 * handover log (write, acknowledge), pending swap and leave requests (approve/reject with a note) and the leave
 * approver positions (admins change them). Everyone: their own roster for the coming four weeks, leave and swap
 * requests (the API's refusals shown with the rule named), their requests and their attendance findings.
 *
 * Everything comes from /api/shifts/* (docs/shifts.md); dates and times are the centre's (the timezone from
 * /api/auth/me), not the browser's. Nothing is polled: a list is reloaded when its tab opens, after each action
 * and by its refresh button. Every load carries a sequence number; an answer overtaken by a newer load is dropped.
 */
"use strict";

const LEAD_ROLES = ["supervisor", "admin"];
const LEAD_TABS = ["roster", "templates", "attendance", "report", "handover", "requests", "approvers"];
const OWN_TABS = ["mine", "myatt"];
const POSITIONS = ["team_lead", "department_head", "centre_director"];
const HANDOVER_FIELDS = ["equipment", "difficult_cases", "staffing", "notices"];
const KINDS = ["late", "absence", "early_leave", "left_before_relief", "early_arrival"];
const MY_WEEKS = 4; // "My shifts" shows today and the next four weeks

const S = {
  user: null,
  clockOffset: 0,
  tz: undefined,
  tab: null,
  templates: [],
  holidays: [], // every public holiday (the week view marks them)
  weekStart: "",
  roster: [],
  weekLeave: [], // pending and approved leave touching the week
  usernames: new Set(),
  holidayYear: 0,
  yearHolidays: [],
  editTemplate: null, // the template the form edits (null: a new one)
  attDay: "",
  sheet: null,
  month: "",
  report: null,
  handovers: [],
  latestHandover: null,
  leave: [],
  swaps: [],
  approvers: [],
  my: { roster: [], leave: [], swaps: [] },
  myattMonth: "",
  myatt: [],
  seq: {},
};

const $ = (id) => document.getElementById(id);
const pad2 = (n) => String(n).padStart(2, "0");

/* ---- helpers ------------------------------------------------------------------------------------------- */

async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

/* A new load of ``name``: returns a check that is true while no newer load of it has started. */
function fresh(name) {
  const n = (S.seq[name] || 0) + 1;
  S.seq[name] = n;
  return () => S.seq[name] === n;
}

function hasKey(key) {
  return t(key) !== key;
}

function tOr(key, fallback) {
  return hasKey(key) ? t(key) : fallback;
}

function hasRole(...roles) {
  const mine = (S.user && S.user.roles) || [];
  return roles.some((r) => mine.includes(r));
}

function me() {
  return S.user ? S.user.username : "";
}

function isLead() {
  return hasRole(...LEAD_ROLES);
}

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}

function say(message, kind) {
  showStatus($("shifts-status"), message, kind);
}

/* What to show for a failed call: a house rule by its name in words (docs/shifts.md lists them), the approver
 * level in words, otherwise the server's own message. */
function problem(r) {
  if (r.status === 0) return t("common.network_error");
  const d = r.data || {};
  const details = d.details || {};
  const rule = details.rule || (typeof d.error === "string" && hasKey(`shifts.rule.${d.error}`) ? d.error : "");
  let msg = d.message || d.detail || `HTTP ${r.status}`;
  if (typeof msg !== "string") msg = JSON.stringify(msg);
  if (rule === "leave_approver_level") {
    return t("shifts.refused_level", {
      required: positionLabel(details.required_level),
      position: details.position ? positionLabel(details.position) : t("shifts.position.none"),
    });
  }
  if (rule && hasKey(`shifts.rule.${rule}`)) return t("shifts.refused", { rule: t(`shifts.rule.${rule}`), message: msg });
  return t("shifts.error", { status: r.status, message: msg });
}

/* Show a failed call in a status line; its data-rule names the refused rule (empty for other errors). */
function showProblem(node, r) {
  const d = (r && r.data) || {};
  node.dataset.rule = (d.details && d.details.rule) || "";
  showStatus(node, () => problem(r), "error");
}

function showOk(node, message) {
  node.dataset.rule = "";
  showStatus(node, message, "ok");
}

/* Mark the field the API named as invalid (details.field), clear the others of the form. */
function markField(form, r) {
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  const field = r && r.data && r.data.details && r.data.details.field;
  if (!field) return;
  const node = form.querySelector(`[data-field="${field}"]`);
  if (node) node.setAttribute("aria-invalid", "true");
}

function levelLabel(v) {
  return v ? tOr(`shifts.level.${v}`, v) : "";
}

function positionLabel(v) {
  return v ? tOr(`shifts.position.${v}`, v) : t("shifts.position.none");
}

function statusBadge(status, testid) {
  return el("span", { class: `badge shifts-st shifts-st-${status || ""}`, "data-testid": testid || null,
                      "data-status": status || "", text: status ? tOr(`shifts.status.${status}`, status) : "" });
}

function fmtMin(v) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/* ---- dates and times in the centre's timezone ------------------------------------------------------------ */

function nowMs() {
  return Date.now() + (S.clockOffset || 0);
}

let localFormat = null;

function localParts(ms) {
  if (!localFormat) {
    const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
                   hourCycle: "h23" };
    try {
      localFormat = new Intl.DateTimeFormat("en-CA", { ...opts, timeZone: S.tz });
    } catch (e) { // an unknown timezone name: the browser's
      localFormat = new Intl.DateTimeFormat("en-CA", opts);
    }
  }
  const p = {};
  for (const x of localFormat.formatToParts(new Date(ms))) p[x.type] = x.value;
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour === "24" ? "00" : p.hour}:${p.minute}` };
}

function centreToday() {
  return localParts(nowMs()).day;
}

function parseTs(v) {
  if (!v) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/* "YYYY-MM-DD HH:MM" (centre time) of an ISO timestamp; with ``day``, only "HH:MM" when it is on that date. */
function fmtAt(v, day) {
  const ms = parseTs(v);
  if (ms === null) return v ? String(v) : "—";
  const p = localParts(ms);
  if (day && p.day === day) return p.time;
  return `${p.day} ${p.time}`;
}

function dayParts(day) {
  const [y, m, d] = day.split("-").map(Number);
  return [y, m, d];
}

function addDays(day, n) {
  const [y, m, d] = dayParts(day);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function mondayOf(day) {
  const [y, m, d] = dayParts(day);
  const back = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(day, -back);
}

function weekday(day) {
  const [y, m, d] = dayParts(day);
  return new Intl.DateTimeFormat(getLang(), { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

function monthBounds(month) {
  const [y, m] = month.split("-").map(Number);
  const first = `${y}-${pad2(m)}-01`;
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${pad2(m + 1)}-01`;
  return [first, addDays(next, -1)];
}

const isDay = (v) => /^\d{4}-\d\d-\d\d$/.test(v || "");
const isMonth = (v) => /^\d{4}-\d\d$/.test(v || "");

function started(entry) {
  const ms = parseTs(entry.starts_at);
  return ms !== null && ms <= nowMs();
}

function holidayOn(day) {
  return S.holidays.find((h) => h.day === day) || null;
}

function templateById(id) {
  return S.templates.find((x) => x.id === id) || null;
}

function shiftLabel(x) {
  if (!x) return "";
  return `${x.name} ${x.start}–${x.end}${x.night ? ` (${t("shifts.night")})` : ""}`;
}

/* ---- shift templates (every tab uses them) -------------------------------------------------------------- */

async function loadTemplates() {
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

function renderTemplateSelects() {
  const active = S.templates.filter((x) => x.active);
  fillTemplateSelect($("shifts-roster-template"), active);
  fillTemplateSelect($("shifts-handover-template"), S.templates);
  fillTemplateSelect($("shifts-leave-template"), S.templates, t("shifts.all_shifts"));
}

/* ---- roster: the week view ------------------------------------------------------------------------------ */

function setWeek(day) {
  S.weekStart = mondayOf(day);
  $("shifts-week-day").value = day;
  loadWeek();
}

async function loadWeek() {
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

function renderWeek() {
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

/* A pending or approved leave request in ``list`` covering roster entry ``e``. */
function leaveCovering(list, e) {
  return list.find((x) => x.username === e.username && ["pending", "approved"].includes(x.status)
                          && x.start_day <= e.day && x.end_day >= e.day
                          && (x.template_id === null || x.template_id === e.template_id)) || null;
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
async function loadPickLists() {
  const [seats, users] = await Promise.all([
    call("GET", "/api/board/seats"),
    hasRole("admin") ? call("GET", "/api/admin/users") : Promise.resolve(null),
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

async function addEntry(ev) {
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

/* ---- templates and holidays ----------------------------------------------------------------------------- */

function renderTemplates() {
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

function renderTemplateForm() {
  const x = S.editTemplate;
  $("shifts-template-form-title").textContent = x ? t("shifts.template_edit_heading", { name: x.name })
    : t("shifts.template_add_heading");
  $("shifts-template-save").textContent = x ? t("shifts.save") : t("shifts.template_add");
  $("shifts-template-cancel").hidden = !x;
  $("shifts-template-active-box").hidden = !x;
}

function editTemplate(x) {
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

function resetTemplateForm() {
  S.editTemplate = null;
  $("shifts-template-form").reset();
  markField($("shifts-template-form"), null);
  renderTemplateForm();
}

async function saveTemplate(ev) {
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

async function loadYearHolidays() {
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

function renderHolidays() {
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

async function addHoliday(ev) {
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

/* ---- the daily attendance sheet ------------------------------------------------------------------------- */

async function loadSheet() {
  const ok = fresh("sheet");
  const day = S.attDay;
  $("shifts-att-csv").href = `/api/shifts/attendance${qs({ day, format: "csv" })}`;
  const r = await call("GET", `/api/shifts/attendance${qs({ day })}`);
  if (!ok()) return;
  if (!r.ok) {
    S.sheet = null;
    renderSheet();
    showProblem($("shifts-att-status"), r);
    return;
  }
  S.sheet = r.data;
  renderSheet();
}

function marker(kind, text, cls) {
  return el("span", { class: `badge shifts-m shifts-m-${cls || kind}`, "data-kind": kind, text });
}

function sheetMarkers(x) {
  const out = [];
  if (x.early_arrival_minutes !== null && x.early_arrival_minutes !== undefined) {
    out.push(marker("early_arrival", t("shifts.m.early_arrival", { minutes: fmtMin(x.early_arrival_minutes) })));
  }
  if (x.late_minutes !== null && x.late_minutes !== undefined) {
    out.push(marker("late", t(x.late_open ? "shifts.m.late_open" : "shifts.m.late", { minutes: fmtMin(x.late_minutes) })));
  }
  if (x.absent) out.push(marker("absence", t("shifts.m.absence")));
  if (x.sick_leave) out.push(marker("sick_leave", t("shifts.kind.sick_leave"), "info"));
  if (x.early_leave_minutes !== null && x.early_leave_minutes !== undefined) {
    out.push(marker("early_leave", t("shifts.m.early_leave", { minutes: fmtMin(x.early_leave_minutes) })));
  }
  if (x.left_before_relief) out.push(marker("left_before_relief", t("shifts.m.left_before_relief", { relief: x.left_before_relief })));
  if (x.carried_over) out.push(marker("carried_over", t("shifts.m.carried_over"), "info"));
  if (x.logged_in) out.push(marker("logged_in", t("shifts.m.logged_in"), "ok"));
  return out;
}

function leaveMarker(leave) {
  if (!leave) return "";
  return el("span", { class: `badge shifts-st shifts-st-${leave.status}`, "data-kind": "leave", "data-status": leave.status,
                      text: t("shifts.m.leave", { status: tOr(`shifts.status.${leave.status}`, leave.status),
                                                  id: leave.id, level: positionLabel(leave.required_level) }) });
}

function renderSheet() {
  const rep = S.sheet;
  $("shifts-att-title").textContent = t("shifts.att_title", { day: S.attDay })
    + (rep && rep.as_of ? ` · ${t("shifts.as_of", { at: fmtAt(rep.as_of) })}` : "");
  const head = $("shifts-att-head");
  head.textContent = "";
  for (const c of ["agent", "shift", "seat", "first_login", "last_logout", "markers", "leave"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.acol.${c}`) }));
  }
  const body = $("shifts-att-rows");
  body.textContent = "";
  const rows = rep && Array.isArray(rep.rows) ? rep.rows : [];
  for (const x of rows) {
    const marks = sheetMarkers(x);
    body.appendChild(el("tr", { "data-testid": `shifts-att-row-${x.roster_id}`, "data-username": x.username,
                                "data-roster": x.roster_id },
      el("td", {}, el("strong", { text: x.username }),
         el("span", { class: "muted small", text: ` ${[x.job, levelLabel(x.skill_level)].filter(Boolean).join(" · ")}` })),
      el("td", { text: `${x.shift} ${x.local_start}–${x.local_end}` }),
      el("td", { class: "mono", text: x.seat || "—" }),
      el("td", { class: "mono", text: x.first_login ? fmtAt(x.first_login, x.day) : "—" }),
      el("td", { class: "mono", text: x.last_logout ? fmtAt(x.last_logout, x.day) : "—" }),
      el("td", { class: "shifts-markers", "data-testid": `shifts-att-markers-${x.roster_id}` },
         marks.length ? marks : el("span", { class: "muted", text: "—" })),
      el("td", {}, leaveMarker(x.leave))));
  }
  const none = $("shifts-att-none");
  none.hidden = !rep || rows.length > 0;
  none.textContent = t("shifts.att_none", { day: S.attDay });
}

async function recompute() {
  const status = $("shifts-att-status");
  const day = S.attDay;
  $("shifts-att-recompute").disabled = true;
  const r = await call("POST", "/api/shifts/attendance/recompute", { day });
  $("shifts-att-recompute").disabled = false;
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  const rows = Array.isArray(r.data.rows) ? r.data.rows.length : 0;
  const changes = Array.isArray(r.data.changes) ? r.data.changes.length : 0;
  showOk(status, () => t("shifts.recomputed", { day, rows, changes }));
  loadSheet();
}

/* ---- the monthly violations report ---------------------------------------------------------------------- */

const REPORT_COLS = [
  ["username", false], ["shifts", true], ["late_count", true], ["late_minutes", true], ["away_count", true],
  ["away_minutes", true], ["absence_count", true], ["early_leave_count", true], ["early_leave_minutes", true],
  ["left_before_relief_count", true], ["early_arrival_count", true], ["violations", true],
  ["unapproved_absence_count", true], ["sick_leave_count", true],
];

async function loadReport() {
  const ok = fresh("report");
  const month = S.month;
  $("shifts-report-csv").href = `/api/shifts/reports/violations${qs({ month, format: "csv" })}`;
  const r = await call("GET", `/api/shifts/reports/violations${qs({ month })}`);
  if (!ok()) return;
  if (!r.ok) {
    S.report = null;
    renderReport();
    showProblem($("shifts-report-status"), r);
    return;
  }
  showStatus($("shifts-report-status"), "");
  S.report = r.data;
  renderReport();
}

function renderReport() {
  const rep = S.report;
  $("shifts-report-title").textContent = t("shifts.report_title", { month: S.month })
    + (rep && rep.as_of ? ` · ${t("shifts.as_of", { at: fmtAt(rep.as_of) })}` : "");
  const head = $("shifts-report-head");
  head.textContent = "";
  for (const [c, num] of REPORT_COLS) {
    head.appendChild(el("th", { scope: "col", class: num ? "num" : null, text: t(`shifts.rcol.${c}`) }));
  }
  const body = $("shifts-report-rows");
  body.textContent = "";
  const agents = rep && Array.isArray(rep.agents) ? rep.agents : [];
  for (const a of agents) {
    const tr = el("tr", { "data-testid": `shifts-report-row-${a.username}`, "data-username": a.username,
                          "data-violations": a.violations, class: a.violations ? "shifts-has-violations" : null });
    for (const [c, num] of REPORT_COLS) {
      const v = a[c];
      const text = c === "username" ? v : c.endsWith("_minutes") ? fmtMin(v) : String(v === null || v === undefined ? "—" : v);
      tr.appendChild(el("td", { class: [num ? "num" : "", c === "violations" ? "shifts-total" : ""].join(" ").trim() || null,
                                "data-col": c, text }));
    }
    body.appendChild(tr);
  }
  const none = $("shifts-report-none");
  none.hidden = !rep || agents.length > 0;
  none.textContent = t("shifts.report_none", { month: S.month });
}

/* ---- the handover log ----------------------------------------------------------------------------------- */

async function loadHandovers() {
  const ok = fresh("handovers");
  const from = $("shifts-handover-from").value;
  const to = $("shifts-handover-to").value;
  const [r, latest] = await Promise.all([
    call("GET", `/api/shifts/handovers${qs({ from, to })}`),
    call("GET", "/api/shifts/handovers/latest"),
  ]);
  if (!ok()) return;
  if (!r.ok) {
    showProblem($("shifts-handover-status"), r);
    return;
  }
  S.handovers = Array.isArray(r.data) ? r.data : [];
  S.latestHandover = latest.ok ? latest.data : null;
  renderHandovers();
}

function renderHandovers() {
  const box = $("shifts-handovers");
  box.textContent = "";
  const list = [...S.handovers];
  const latest = S.latestHandover;
  if (latest && !list.some((h) => h.id === latest.id)) list.unshift(latest); // what the incoming shift reads first
  if (!list.length) {
    box.appendChild(el("p", { class: "muted", "data-testid": "shifts-handovers-none", text: t("shifts.handovers_none") }));
    return;
  }
  for (const h of list) box.appendChild(handoverCard(h, latest && latest.id === h.id));
}

function handoverCard(h, isLatest) {
  const key = `${h.day}-${h.template_id}`;
  const acked = Boolean(h.acknowledged_at);
  const card = el("article", { class: `shifts-handover${isLatest ? " latest" : ""}`, "data-testid": `shifts-handover-${key}`,
                               "data-acknowledged": acked ? "true" : "false", "data-author": h.author },
    el("h3", {}, `${h.day} ${h.shift || ""}`, " ",
       isLatest ? el("span", { class: "badge shifts-latest", text: t("shifts.ho_latest") }) : null, " ",
       el("span", { class: `badge ${acked ? "shifts-st-approved" : "shifts-st-pending"}`,
                    "data-testid": `shifts-handover-state-${key}`,
                    text: acked ? t("shifts.ho_state_acked") : t("shifts.ho_state_waiting") })),
    el("p", { class: "muted small", "data-testid": `shifts-handover-written-${key}`,
              text: t("shifts.ho_written", { by: h.author, at: fmtAt(h.written_at) })
                + (h.updated_at ? ` · ${t("shifts.ho_updated", { at: fmtAt(h.updated_at) })}` : "") }),
    el("dl", { class: "shifts-ho-fields" }, HANDOVER_FIELDS.flatMap((f) => [
      el("dt", { text: t(`shifts.ho.${f}`) }),
      el("dd", { class: h[f] ? null : "muted", "data-field": f, text: h[f] || "—" }),
    ])));
  // who has read it (every incoming agent reads the latest notices)
  const reads = Array.isArray(h.reads) ? h.reads : [];
  card.appendChild(el("p", { class: "muted small", "data-testid": `shifts-handover-reads-${key}`,
                             "data-count": reads.length },
    reads.length ? t("shifts.ho_reads", { who: reads.map((r) => `${r.username} (${fmtAt(r.read_at)})`).join(", ") })
                 : t("shifts.ho_reads_none")));
  const flags = Array.isArray(h.left_before_relief) ? h.left_before_relief : [];
  if (flags.length) {
    card.appendChild(el("ul", { class: "shifts-ho-flags", "data-testid": `shifts-handover-flags-${key}` }, flags.map((f) =>
      el("li", { text: t("shifts.ho_flag", { agent: f.username, at: fmtAt(f.at), seat: f.seat || "—",
                                            relief: (f.detail && f.detail.relief) || "?" }) }))));
  }
  if (acked) {
    card.appendChild(el("p", { class: "shifts-ho-ack", "data-testid": `shifts-handover-ack-${key}` },
      t("shifts.ho_acked", { by: h.acknowledged_by, at: fmtAt(h.acknowledged_at) }),
      h.ack_note ? el("span", { class: "shifts-ho-note", text: ` — ${h.ack_note}` }) : null));
  } else if (h.author === me()) {
    card.appendChild(el("p", { class: "muted" }, t("shifts.ho_wait_ack"), " ",
      el("button", { type: "button", class: "small secondary", "data-testid": `shifts-handover-edit-${key}`,
                     text: t("shifts.edit"), onclick: () => editHandover(h) })));
  } else {
    const note = el("input", { "data-testid": `shifts-handover-ack-note-${key}`, maxlength: 2000, autocomplete: "off",
                               placeholder: t("shifts.ho_ack_note") });
    const status = el("p", { class: "status", role: "status", "data-testid": `shifts-handover-ack-status-${key}` });
    const form = el("form", { class: "row shifts-ho-ackform" },
      el("label", { class: "shifts-wide" }, el("span", { text: t("shifts.ho_ack_note") }), note),
      el("button", { type: "submit", class: "small", "data-testid": `shifts-handover-ack-btn-${key}`,
                     text: t("shifts.ho_ack") }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      acknowledgeHandover(h, note.value.trim(), status);
    });
    card.append(form, status);
  }
  return card;
}

function editHandover(h) {
  $("shifts-handover-day").value = h.day;
  $("shifts-handover-template").value = String(h.template_id);
  for (const f of HANDOVER_FIELDS) $(`shifts-handover-${f}`).value = h[f] || "";
  $("shifts-handover-form").scrollIntoView({ block: "start" });
  $("shifts-handover-equipment").focus();
}

async function saveHandover(ev) {
  ev.preventDefault();
  const status = $("shifts-handover-form-status");
  const day = $("shifts-handover-day").value;
  const templateId = Number($("shifts-handover-template").value);
  if (!isDay(day) || !templateId) {
    showStatus(status, () => t("shifts.fill_required"), "error");
    return;
  }
  const body = {};
  for (const f of HANDOVER_FIELDS) body[f] = $(`shifts-handover-${f}`).value.trim();
  if (!HANDOVER_FIELDS.some((f) => body[f])) {
    showStatus(status, () => t("shifts.handover_empty"), "error");
    return;
  }
  $("shifts-handover-save").disabled = true;
  const r = await call("PUT", `/api/shifts/handovers/${day}/${templateId}`, body);
  $("shifts-handover-save").disabled = false;
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk(status, () => t("shifts.handover_saved", { day, shift: r.data.shift || "" }));
  for (const f of HANDOVER_FIELDS) $(`shifts-handover-${f}`).value = "";
  loadHandovers();
}

async function acknowledgeHandover(h, note, status) {
  const r = await call("POST", `/api/shifts/handovers/${h.day}/${h.template_id}/acknowledge`, { note });
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk($("shifts-handover-status"), () => t("shifts.handover_acked", { day: h.day, shift: h.shift || "" }));
  loadHandovers();
}

/* ---- requests: leave and swaps waiting for a decision ---------------------------------------------------- */

async function loadRequests() {
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

function leaveDays(x) {
  return x.start_day === x.end_day ? x.start_day : `${x.start_day} – ${x.end_day}`;
}

function decisionText(x) {
  if (!x.decided_by) return "";
  return t("shifts.decided", { by: x.decided_by, at: fmtAt(x.decided_at) }) + (x.decision_note ? ` — ${x.decision_note}` : "");
}

function renderRequests() {
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

/* ---- approver positions --------------------------------------------------------------------------------- */

async function loadApprovers() {
  const ok = fresh("approvers");
  const r = await call("GET", "/api/shifts/approvers");
  if (!ok()) return;
  if (!r.ok) {
    showProblem($("shifts-approver-status"), r);
    return;
  }
  S.approvers = Array.isArray(r.data) ? r.data : [];
  renderApprovers();
}

function renderApprovers() {
  const admin = hasRole("admin");
  const body = $("shifts-approvers-rows");
  body.textContent = "";
  for (const a of S.approvers) {
    body.appendChild(el("tr", { "data-testid": `shifts-approver-row-${a.username}`, "data-position": a.position },
      el("td", {}, el("strong", { text: a.username })),
      el("td", { text: positionLabel(a.position) }),
      el("td", { class: "small", text: a.set_by || "" }),
      el("td", { class: "small", text: fmtAt(a.set_at) }),
      el("td", { class: "actions" }, admin ? el("button", { type: "button", class: "small danger",
                                                           "data-testid": `shifts-approver-remove-${a.username}`,
                                                           text: t("common.remove"), onclick: () => removeApprover(a) }) : null)));
  }
  $("shifts-approvers-none").hidden = S.approvers.length > 0;
  $("shifts-approver-form").hidden = !admin;
  $("shifts-approvers-readonly").hidden = admin;
}

async function setApprover(ev) {
  ev.preventDefault();
  const status = $("shifts-approver-status");
  const username = $("shifts-approver-username").value.trim();
  const position = $("shifts-approver-position").value;
  if (!username) {
    showStatus(status, () => t("shifts.fill_required"), "error");
    return;
  }
  const r = await call("PUT", `/api/shifts/approvers/${encodeURIComponent(username)}`, { position });
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk(status, () => t("shifts.approver_set", { username, position: positionLabel(position) }));
  $("shifts-approver-username").value = "";
  loadApprovers();
}

async function removeApprover(a) {
  if (!window.confirm(t("shifts.approver_remove_confirm", { username: a.username }))) return;
  const r = await call("DELETE", `/api/shifts/approvers/${encodeURIComponent(a.username)}`);
  if (!r.ok) {
    showProblem($("shifts-approver-status"), r);
    return;
  }
  showOk($("shifts-approver-status"), () => t("shifts.approver_removed", { username: a.username }));
  loadApprovers();
}

/* ---- mine: my roster, leave and swap requests ----------------------------------------------------------- */

async function loadMine() {
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

function renderMine() {
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

/* The latest handover, read-only, on "My shifts" (every incoming agent reads the latest notices). */
function renderMyHandover(h) {
  const box = $("shifts-my-handover");
  box.textContent = "";
  if (!h) {
    box.appendChild(el("p", { class: "muted", "data-testid": "shifts-my-handover-none", text: t("shifts.handovers_none") }));
    return;
  }
  box.appendChild(el("article", { class: "shifts-handover latest", "data-testid": "shifts-my-handover-entry",
                                  "data-id": h.id },
    el("h3", {}, `${h.day} ${h.shift || ""}`),
    el("p", { class: "muted small", text: t("shifts.ho_written", { by: h.author, at: fmtAt(h.written_at) }) }),
    el("dl", { class: "shifts-ho-fields" }, HANDOVER_FIELDS.flatMap((f) => [
      el("dt", { text: t(`shifts.ho.${f}`) }),
      el("dd", { class: h[f] ? null : "muted", "data-field": f, text: h[f] || "—" }),
    ])),
    h.read_at ? el("p", { class: "muted small", "data-testid": "shifts-my-handover-read",
                          text: t("shifts.ho_read_at", { at: fmtAt(h.read_at) }) }) : null));
}

/* ISO timestamp of "HH:MM" on ``day`` in the centre's timezone (the offset found from the formatter). */
function centreIso(day, hhmm) {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = hhmm.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const p = localParts(guess);
  const [py, pm, pd] = p.day.split("-").map(Number);
  const [ph, pmin] = p.time.split(":").map(Number);
  const shift = Date.UTC(py, pm - 1, pd, ph, pmin) - guess; // the centre's offset from UTC then
  return new Date(guess - shift).toISOString();
}

async function requestLeave(ev) {
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

async function requestSwap(ev) {
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

/* ---- my attendance findings ----------------------------------------------------------------------------- */

async function loadMyAttendance() {
  const ok = fresh("myatt");
  const [from, to] = monthBounds(S.myattMonth);
  const r = await call("GET", `/api/shifts/attendance/mine${qs({ from, to })}`);
  if (!ok()) return;
  if (!r.ok) {
    S.myatt = [];
    renderMyAttendance();
    say(() => problem(r), "error");
    return;
  }
  S.myatt = Array.isArray(r.data) ? r.data : [];
  renderMyAttendance();
}

function renderMyAttendance() {
  $("shifts-myatt-title").textContent = t("shifts.myatt_title", { month: S.myattMonth });
  const head = $("shifts-myatt-head");
  head.textContent = "";
  for (const c of ["day", "shift", "kind", "minutes", "at", "seat", "detail"]) {
    head.appendChild(el("th", { scope: "col", class: c === "minutes" ? "num" : null, text: t(`shifts.ycol.${c}`) }));
  }
  const body = $("shifts-myatt-rows");
  body.textContent = "";
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const list = [...S.myatt].sort((a, b) => (a.day + a.at).localeCompare(b.day + b.at));
  for (const x of list) {
    if (x.kind in counts) counts[x.kind] += 1;
    const detail = x.kind === "left_before_relief" && x.detail && x.detail.relief ? t("shifts.relief_was", { relief: x.detail.relief }) : "";
    body.appendChild(el("tr", { "data-testid": `shifts-myatt-row-${x.id}`, "data-kind": x.kind },
      el("td", { class: "mono" }, x.day, el("span", { class: "muted small", text: ` ${weekday(x.day)}` })),
      el("td", { text: x.shift }),
      el("td", {}, marker(x.kind, x.kind === "late" && x.open ? t("shifts.kind.late_open") : tOr(`shifts.kind.${x.kind}`, x.kind))),
      el("td", { class: "num", text: x.kind === "left_before_relief" ? "—" : fmtMin(x.minutes) }),
      el("td", { class: "mono", text: fmtAt(x.at) }),
      el("td", { class: "mono", text: x.seat || "—" }),
      el("td", { class: "small", text: detail })));
  }
  $("shifts-myatt-summary").textContent = t("shifts.myatt_summary", {
    late: counts.late, absence: counts.absence, early_leave: counts.early_leave, relief: counts.left_before_relief,
    early: counts.early_arrival });
  const none = $("shifts-myatt-none");
  none.hidden = list.length > 0;
  none.textContent = t("shifts.myatt_none", { month: S.myattMonth });
}

/* ---- tabs and start ------------------------------------------------------------------------------------- */

function tabsFor() {
  const tabs = [];
  if (isLead()) tabs.push(...LEAD_TABS);
  if (hasRole("agent", "supervisor") || !isLead()) tabs.push(...OWN_TABS);
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
  initHeader();
  let clockOffset = 0;
  const who = async () => {
    const r = await whoAmIWithClock();
    clockOffset = r.clockOffset || 0;
    return r;
  };
  S.user = await openPageFor(who, () => true, "shifts", problem);
  if (!S.user) return;
  S.clockOffset = clockOffset;
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
