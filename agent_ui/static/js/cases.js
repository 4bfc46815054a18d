/* cases.html: complaints, suggestions, fault reports and service requests (工单, issue 14). The list the user may
 * see (agents: their cases; department members: their department's; QC: all, read only; supervisors and
 * admins: all) with its filters and CSV export, each case's age ticking by the server's clock; one case's facts,
 * report and files, linked calls, timeline and the actions the user's role and the case's state allow; a new
 * case without a call for supervisors and admins.
 *
 * The entry module: the start, the filters, the one-second tick (ages and clocks), the cases socket (cases/live.js)
 * and a quiet reload of the list every 20 s besides (the clocks' next answer, and the page without the socket).
 * Everything comes from /api/cases, /api/departments, /ws/cases and, for a linked call, /api/recordings.
 */

import "./i18n/common.js";
import "./i18n/cases.js";
import "./i18n/review.js";
import "./i18n/player.js";
import { call, errorText } from "./core/api.js";
import { $ } from "./core/dom.js";
import { whoAmIWithClock, openPageFor } from "./core/auth.js";
import { loadCauses } from "./core/causes.js";
import { renderHeader } from "./core/header.js";
import { C, say, setDepartments } from "./cases/state.js";
import { filterParams, loadList, renderList, renderListHead, renderDepartmentFilter, tickList, showMore,
         resetPage } from "./cases/list.js";
import { openDetail, closeDetail, renderDetail, tickDetail } from "./cases/detail.js";
import { uploadFromBox } from "./cases/actions.js";
import { initCreate } from "./cases/create.js";
import { startLive } from "./cases/live.js";

const RELOAD_MS = 20000;

async function loadDepartments() {
  const r = await call("GET", "/api/departments");
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  setDepartments(r.data.items);
  renderDepartmentFilter();
}

function rerenderAll() {
  renderListHead();
  renderDepartmentFilter();
  renderList();
  delete $("cases-action-form").dataset.action; // an open action's form is drawn again in the new language
  if (C.detail) renderDetail();
}

/* The filters from the address (?type=complaint&state=...), so a filtered list can be linked to. */
function filtersFromUrl() {
  const p = new URLSearchParams(window.location.search);
  const set = (id, key) => { if (p.get(key)) $(id).value = p.get(key); };
  set("cases-filter-type", "type");
  set("cases-filter-state", "state");
  set("cases-filter-department", "department_id");
  set("cases-filter-handler", "handler");
  set("cases-filter-q", "q");
  set("cases-filter-clock", "clock");
  if (p.get("sort") === "accepted_at") $("cases-sort").value = "accepted_at";
  if (p.get("open") === "true") $("cases-filter-open").value = "open";
  if (p.get("open") === "false") $("cases-filter-open").value = "done";
}

function onFilter() {
  const all = { ...filterParams(), sort: $("cases-sort").value };
  const params = new URLSearchParams(Object.entries(all).filter(([, v]) => v !== ""));
  const q = params.toString();
  history.replaceState(null, "", `${window.location.pathname}${q ? `?${q}` : ""}${window.location.hash}`);
  resetPage();
  loadList();
}

async function startCases() {
  renderHeader({ title: "cases.title", live: true, links: [{ href: "review.html", key: "review.link", testid: "nav-review" }] });
  C.user = await openPageFor(whoAmIWithClock, () => true, "cases", errorText);
  if (!C.user) return;
  renderListHead();
  // the configured causes' words, for a cause the page's catalogue does not know (core/causes.js)
  loadCauses().then(() => { if (C.detail) renderDetail(); });
  await loadDepartments();
  filtersFromUrl();
  for (const id of ["cases-filter-type", "cases-filter-state", "cases-filter-open", "cases-filter-department",
                    "cases-filter-clock", "cases-sort"]) {
    $(id).addEventListener("change", onFilter);
  }
  let timer = null;
  for (const id of ["cases-filter-handler", "cases-filter-q"]) {
    $(id).addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(onFilter, 300);
    });
  }
  $("cases-refresh").addEventListener("click", async () => {
    await Promise.all([loadDepartments(), loadList()]);
    if (C.detail) await openDetail(C.detail.number, true);
  });
  $("cases-more").addEventListener("click", showMore);
  $("cases-close").addEventListener("click", closeDetail);
  $("cases-upload").addEventListener("submit", uploadFromBox);
  initCreate();
  document.addEventListener("cc:langchange", rerenderAll);
  setInterval(() => { tickList(); tickDetail(); }, 1000);
  setInterval(() => { if (!document.hidden) loadList(); }, RELOAD_MS);
  await loadList();
  startLive();
  const m = /^#case-([A-Z]{2}-\d{8}-\d{5,9})$/.exec(window.location.hash);
  if (m) openDetail(m[1]);
}

document.addEventListener("DOMContentLoaded", startCases);

/* For tests and debugging. */
window.ccCases = { state: C };
