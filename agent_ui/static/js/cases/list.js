/* The list: the filters (type, state, open/closed, department, handler, text), the cases newest first, their
 * ages ticking every second by the server's clock, and the CSV export of the list as filtered. */

import { call, errorText } from "../core/api.js";
import { $, el, qs } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { C, say, typeLabel, stateLabel, severityLabel, departmentName, fmtDateTime, fmtSpan, ageSeconds,
         isOpen, stampClocks, pressingClock, clockLabel, clockText, escalationText } from "./state.js";
import { openDetail } from "./detail.js";

const PAGE = 100;
const MAX_LIMIT = 500; // the API's largest page
const COLS = ["number", "type", "state", "clock", "age", "department", "handler", "severity", "accepted_at", "description"];

/* The filters as the API's query parameters (the same for the list and its CSV). */
export function filterParams() {
  const open = $("cases-filter-open").value;
  return {
    type: $("cases-filter-type").value,
    state: $("cases-filter-state").value,
    open: open === "open" ? "true" : open === "done" ? "false" : "",
    department_id: $("cases-filter-department").value,
    handler: $("cases-filter-handler").value.trim(),
    q: $("cases-filter-q").value.trim(),
    clock: $("cases-filter-clock").value,
  };
}

export function renderListHead() {
  const tr = $("cases-head");
  tr.textContent = "";
  for (const c of COLS) tr.appendChild(el("th", { scope: "col", text: t(`cases.col.${c}`) }));
}

/* The department filter's options (and the new-case / dispatch forms read C.departments). */
export function renderDepartmentFilter() {
  const sel = $("cases-filter-department");
  const keep = sel.value;
  sel.textContent = "";
  sel.appendChild(el("option", { value: "", text: t("cases.filter_all") }));
  for (const d of C.departments) {
    sel.appendChild(el("option", { value: String(d.id), text: d.active ? d.name : `${d.name} (${t("cases.inactive")})` }));
  }
  sel.value = keep;
}

export async function loadList() {
  const seq = ++C.loadSeq;
  const params = filterParams();
  $("cases-csv").href = `/api/cases/export.csv${qs(params)}`;
  const sort = $("cases-sort").value; // "accepted_at": oldest first, the dispatch list
  const r = await call("GET", `/api/cases${qs({ ...params, sort, limit: C.limit })}`);
  if (seq !== C.loadSeq) return;
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  C.cases = r.data.items || [];
  stampClocks(...C.cases);
  C.total = r.data.total || 0;
  renderList();
}

function row(c) {
  const parent = c.parent_case_id ? C.cases.find((x) => x.id === c.parent_case_id) : null;
  const number = el("td", { class: "mono" },
    el("a", { href: `#case-${c.number}`, "data-testid": `case-link-${c.number}`, text: c.number,
              onclick: (ev) => { ev.preventDefault(); openDetail(c.number); } }),
    c.parent_case_id ? el("span", { class: "cases-reraised small", "data-testid": `case-reraised-${c.number}`,
                                     title: t("cases.reraised_title"),
                                     text: ` ↺ ${parent ? parent.number : t("cases.reraised_short")}` }) : null);
  const age = el("td", { class: "mono cases-age", "data-age-of": c.number });
  const clock = el("td", { class: "cases-clock-cell", "data-clock-of": c.number,
                           "data-testid": `case-clock-${c.number}` });
  const tr = el("tr", { "data-testid": `case-row-${c.number}`, "data-number": c.number, "data-state": c.state,
                        class: [C.detail && C.detail.number === c.number ? "cases-selected" : "",
                                isOpen(c) ? "" : "cases-done"].join(" ").trim() || null },
    number,
    el("td", { text: typeLabel(c.type) }),
    el("td", {}, el("span", { class: `badge cases-st cases-st-${c.state}`, "data-testid": `case-state-${c.number}`,
                              text: stateLabel(c.state) }),
       c.paused ? el("span", { class: "badge warn cases-paused", text: t("cases.paused") }) : null),
    clock,
    age,
    el("td", { text: departmentName(c.department_id) || "—" }),
    el("td", { text: c.handler || "—" }),
    el("td", { class: c.severity === "serious" ? "cases-serious" : null, text: severityLabel(c.severity) }),
    el("td", { class: "mono", text: fmtDateTime(c.accepted_at) }),
    el("td", { class: "cases-desc", title: c.description, text: c.description }));
  tickAge(age, c);
  tickClock(clock, c);
  return tr;
}

/* The list's clock cell: the case's most pressing clock, its state and time left (or overdue by), the
 * escalation level reached. data-status is the state as it stands now (it turns "breached" when the time runs
 * out, without waiting for the next answer). */
function tickClock(td, c) {
  const k = pressingClock(c);
  if (!k) {
    if (td.dataset.status !== "none") {
      td.textContent = "—";
      td.dataset.status = "none";
      delete td.dataset.clock;
    }
    return;
  }
  const text = `${clockLabel(k.clock)}: ${clockText(k)}`;
  const esc = escalationText(k);
  if (td.dataset.status === k.status && td.dataset.clock === k.clock && td.dataset.text === text + esc) return;
  td.dataset.status = k.status;
  td.dataset.clock = k.clock;
  td.dataset.text = text + esc;
  td.textContent = "";
  td.appendChild(el("span", { class: `cases-clock cases-clock-${k.status}`, text }));
  if (esc) td.appendChild(el("span", { class: "badge cases-clock-level", title: esc, text: `↑${k.level}` }));
}

function tickAge(td, c) {
  const s = ageSeconds(c);
  td.textContent = s === null ? "—" : fmtSpan(s);
}

/* Called every second: the ages of the open cases shown move on. */
export function tickList() {
  for (const td of document.querySelectorAll("#cases-rows [data-age-of]")) {
    const c = C.cases.find((x) => x.number === td.dataset.ageOf);
    if (c && isOpen(c)) tickAge(td, c);
  }
  for (const td of document.querySelectorAll("#cases-rows [data-clock-of]")) {
    const c = C.cases.find((x) => x.number === td.dataset.clockOf);
    if (c) tickClock(td, c);
  }
}

/* A case pushed over /ws/cases (or answered to an action): its row redrawn in place. False when the list does
 * not hold it (the caller reloads the list: it may now match the filters, or no longer). */
export function replaceInList(c) {
  const i = C.cases.findIndex((x) => x.number === c.number);
  if (i < 0) return false;
  C.cases[i] = c;
  const old = document.querySelector(`#cases-rows tr[data-number="${c.number}"]`);
  if (old) old.replaceWith(row(c));
  return true;
}

export function renderList() {
  const body = $("cases-rows");
  body.textContent = "";
  for (const c of C.cases) body.appendChild(row(c));
  $("cases-none").hidden = C.cases.length > 0;
  $("cases-more").hidden = !(C.cases.length < C.total && C.limit < MAX_LIMIT);
  $("cases-count").textContent = C.cases.length < C.total
    ? t("cases.count_of", { n: C.cases.length, total: C.total })
    : t("cases.count", { n: C.total });
}

/* "Show more": the next hundred (up to the API's page of 500; the filters narrow the rest). */
export function showMore() {
  C.limit = Math.min(MAX_LIMIT, C.limit + PAGE);
  loadList();
}

/* A filter changed: the first hundred again. */
export function resetPage() {
  C.limit = PAGE;
}
