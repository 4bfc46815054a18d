/* review.html: the monthly responsibility review of last month's closed complaints (issue 14, "6.
 * Responsibility"; docs/cases.md "Responsibility review"). The month's complaints reviewed or pending with the
 * deadline counted down each second on the server's clock, the form that records a review (who is responsible,
 * the administrative outcome), and the flagged employees. Everything comes from /api/cases/review/... and
 * /api/departments; a quiet reload every 30 s.
 */

import "./i18n/common.js";
import "./i18n/review.js";
import { call, errorText } from "./core/api.js";
import { $, showStatus } from "./core/dom.js";
import { whoAmIWithClock, openPageFor } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { t } from "./core/i18n.js";
import { R, renderMonth, renderFlags, tickClock } from "./review/view.js";

const RELOAD_MS = 30000;

const say = (message, kind) => showStatus($("review-status"), message, kind);

/* Each load is numbered: an answer to an older one (the first load of the default month, still on its way when the
 * user picked another month) is dropped, so the month shown is always the one asked for last. */
let monthLoads = 0;

async function loadMonth() {
  const month = $("review-month").value;
  const mine = ++monthLoads;
  const r = await call("GET", `/api/cases/review/month${month ? `?month=${encodeURIComponent(month)}` : ""}`);
  if (mine !== monthLoads) return;
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  R.month = r.data;
  renderMonth(openForm);
}

async function loadFlags() {
  const r = await call("GET", "/api/cases/review/flags");
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  R.flags = r.data;
  renderFlags();
}

async function loadDepartments() {
  const r = await call("GET", "/api/departments");
  if (r.ok) R.departments = new Map(r.data.items.map((d) => [d.id, d]));
}

function openForm(item) {
  R.open = item;
  $("review-form-number").textContent = item.number;
  $("review-responsibility").value = "upheld";
  $("review-employee").value = item.employee || "";
  $("review-outcome").value = "";
  $("review-note").value = "";
  showStatus($("review-form-status"), "", "");
  $("review-form").hidden = false;
  $("review-responsibility").focus();
}

function closeForm() {
  R.open = null;
  $("review-form").hidden = true;
}

async function submit(ev) {
  ev.preventDefault();
  const item = R.open;
  if (!item) return;
  const body = { responsibility: $("review-responsibility").value, outcome: $("review-outcome").value,
                 note: $("review-note").value };
  const employee = $("review-employee").value.trim();
  if (employee) body.employee = employee;
  $("review-submit").disabled = true;
  const r = await call("POST", `/api/cases/${encodeURIComponent(item.number)}/responsibility`, body);
  $("review-submit").disabled = false;
  if (!r.ok) {
    showStatus($("review-form-status"), () => errorText(r), "error");
    if (r.status === 409) await loadMonth();
    return;
  }
  const { number, flagged } = r.data;
  const who = r.data.review.employee;
  say(() => t(flagged ? "review.recorded_flagged" : "review.recorded", { number, employee: who }), "ok");
  closeForm();
  await Promise.all([loadMonth(), loadFlags()]);
}

async function startReview() {
  renderHeader({ title: "review.title", links: [{ href: "cases.html", key: "review.cases_link", testid: "nav-cases" }] });
  R.user = await openPageFor(whoAmIWithClock, () => true, "review", errorText);
  if (!R.user) return;
  const p = new URLSearchParams(window.location.search);
  if (/^\d{4}-\d\d$/.test(p.get("month") || "")) $("review-month").value = p.get("month");
  await loadDepartments();
  $("review-month").addEventListener("change", () => {
    const m = $("review-month").value;
    history.replaceState(null, "", `${window.location.pathname}${m ? `?month=${m}` : ""}`);
    loadMonth();
  });
  $("review-refresh").addEventListener("click", () => Promise.all([loadDepartments(), loadMonth(), loadFlags()]));
  $("review-form").addEventListener("submit", submit);
  $("review-cancel").addEventListener("click", closeForm);
  document.addEventListener("cc:langchange", () => { renderMonth(openForm); renderFlags(); });
  setInterval(tickClock, 1000);
  setInterval(() => { if (!document.hidden && !R.open) { loadMonth(); loadFlags(); } }, RELOAD_MS);
  await Promise.all([loadMonth(), loadFlags()]);
}

document.addEventListener("DOMContentLoaded", startReview);

/* For tests and debugging. */
window.ccReview = { state: R };
