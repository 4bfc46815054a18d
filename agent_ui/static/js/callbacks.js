/* callbacks.html: the call-back desk (回访工作台; issue 15, "2. The call-back desk"; docs/outbound.md). For the
 * call-back agents and the leads: the worklist of call-back tasks in due order with each task's time left counted
 * each second on the server's clock (callbacks/list.js), a task with its attempts, its due time brought forward,
 * the Call button and the outcome with the four-point survey (callbacks/detail.js, callbacks/outcome.js), and for
 * the leads the call-back rate against its 100 % target (callbacks/rate.js). Everything comes from
 * /api/callbacks/... and /api/departments; a quiet reload of the list every 25 s. A task opens from the address
 * as #task-<id>. */

import "./i18n/common.js";
import "./i18n/cases.js";
import "./i18n/callbacks.js";
import { call, errorText } from "./core/api.js";
import { $, showStatus } from "./core/dom.js";
import { openPageFor, whoAmIWithClock } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { R, isLead, mayRead } from "./callbacks/state.js";
import { fillDepartments, loadList, onOpen, renderList, tickList } from "./callbacks/list.js";
import { initDetail, openDetail, refused, renderDetail, setDetail, tickDetail } from "./callbacks/detail.js";
import { initOutcome } from "./callbacks/outcome.js";
import { initRate, loadRate, renderRate } from "./callbacks/rate.js";

const RELOAD_MS = 25000;

async function loadDepartments() {
  const r = await call("GET", "/api/departments");
  if (r.ok) {
    R.departments = new Map(r.data.items.map((d) => [d.id, d]));
    fillDepartments();
  }
}

function taskInAddress() {
  const m = /^#task-(\d+)$/.exec(window.location.hash || "");
  return m ? Number(m[1]) : null;
}

async function startCallbacks() {
  renderHeader({ title: "callbacks.title",
                 links: [{ href: "cases.html", key: "callbacks.cases_link", testid: "nav-cases" }] });
  R.user = await openPageFor(whoAmIWithClock, mayRead, "callbacks", errorText);
  if (!R.user) return;
  R.tz = R.user.timezone || undefined;
  onOpen((id) => openDetail(id));
  initDetail();
  initOutcome({
    saved: (detail, message) => {
      setDetail(detail);
      showStatus($("cb-call-status"), "", "");
      showStatus($("cb-detail-status"), message, "ok");
      loadList();
    },
    refused: (r) => refused(r, "cb-detail-status"),
  });
  for (const id of ["cb-filter-state", "cb-filter-department", "cb-filter-type"]) {
    $(id).addEventListener("change", loadList);
  }
  $("cb-filter-queue").addEventListener("change", loadList);
  $("cb-refresh").addEventListener("click", () => {
    loadList();
    if (R.openId !== null) openDetail(R.openId, { keepStatus: true });
  });
  window.addEventListener("hashchange", () => {
    const id = taskInAddress();
    if (id !== null && id !== R.openId) openDetail(id);
  });
  document.addEventListener("cc:langchange", () => { renderList(); renderDetail(); renderRate(); });
  const lead = isLead(R.user);
  $("cb-rate").hidden = !lead;
  if (lead) initRate();
  await loadDepartments();
  await loadList();
  const id = taskInAddress();
  if (id !== null) await openDetail(id);
  if (lead) await loadRate();
  setInterval(() => { tickList(); tickDetail(); }, 1000);
  setInterval(() => { if (!document.hidden) loadList(); }, RELOAD_MS);
}

document.addEventListener("DOMContentLoaded", startCallbacks);

/* For tests and debugging. */
window.ccCallbacks = { state: R };
