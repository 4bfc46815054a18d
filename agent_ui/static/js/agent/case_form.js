/* Cases from the call (docs/cases.md "From the call"): the caller's open cases in the pop, with their clocks, and
 * the "New case" form during the call or in wrap-up, prefilled with the call, the pop's customer and the type the
 * call's queue starts as (the pop's case_type); a complaint may be given its cause class and cause from the
 * configured list (core/causes.js, read when the form first opens). It POSTs /api/cases and shows the new case's
 * number; a refusal shows the server's message in the page's language. */

import { call } from "../core/api.js";
import { bindCauseSelects, causeValues, renderCauseSelects, setCause } from "../core/causes.js";
import { $, el, showStatus } from "../core/dom.js";
import { t, tOr, getLang } from "../core/i18n.js";
import { fmtClock, parseServerTime, serverNow } from "../core/time.js";
import { S, failText, fmtShort } from "./state.js";

const TYPES = ["complaint", "suggestion", "fault", "service_request"];
const SEVERITIES = ["ordinary", "serious"];
const OPENED = {}; // call_uniqueid → the cases opened here for that call (newest first), until its pop goes

/* The form may be opened while the agent handles the call: on it, in wrap-up (and after-call work). */
function mayOpen(p) {
  return Boolean(p) && (p.phase === "active" || p.phase === "wrapup");
}

const COUNTING = ["running", "warning", "breached"]; // the clocks whose time left goes on from open_cases_at

function clockText(k, at) {
  if (!k || k.status === "off") return "";
  let left = Number(k.remaining_seconds);
  if (COUNTING.includes(k.status) && at !== null) left -= (serverNow() - at) / 1000;
  const name = tOr(`cases.clock.${k.clock}`, k.clock);
  // a running clock whose time has run out since the server said so is shown overdue (the deadline's instant
  // belongs to the breach); the server's next answer says so too
  const shown = COUNTING.includes(k.status) && left <= 0 ? "breached" : k.status;
  const status = tOr(`cases.clock_status.${shown}`, shown);
  if (k.status === "met" || k.status === "met_late") return `${name}: ${status}`;
  const time = fmtClock(Math.abs(Math.round(left)));
  return left < 0 ? `${name}: ${status} ${t("agent.case_overdue_by", { time })}`
    : `${name}: ${status} ${t("agent.case_left", { time })}`;
}

function caseRow(c, popAt) {
  const at = parseServerTime(c.clocks_at) ?? popAt;
  const clocks = (Array.isArray(c.clocks) ? c.clocks : []).filter((k) => k.status !== "off");
  return el("li", { class: "record open", "data-case": c.number, "data-testid": "pop-case" },
    el("div", { class: "record-meta" },
      // a case opened here is the agent's: it links to the cases page (others are shown, not opened: docs/cases.md)
      c.mine ? el("a", { href: `cases.html#case-${encodeURIComponent(c.number)}`, target: "_blank", rel: "noopener",
                         "data-testid": "pop-case-number" }, el("strong", { text: c.number }))
        : el("strong", { "data-testid": "pop-case-number", text: c.number }),
      el("span", { class: "badge cat", text: tOr(`cases.type.${c.type}`, c.type) }),
      el("span", { "data-testid": "pop-case-state", text: tOr(`cases.state.${c.state}`, c.state) }),
      c.severity === "serious" ? el("span", { class: "badge warn", text: tOr("cases.severity.serious", "serious") }) : null,
      c.paused ? el("span", { class: "badge", text: t("agent.case_waiting") }) : null,
      el("span", { class: "muted", text: fmtShort(c.accepted_at) })),
    clocks.length ? el("div", { class: "case-clocks" }, clocks.map((k) => {
      const badge = el("span", {
        class: "badge" + (k.status === "breached" ? " overdue warn" : k.status === "warning" ? " warn" : ""),
        "data-clock": k.clock, "data-status": k.status, text: clockText(k, at) });
      badge._clock = { k, at };
      return badge;
    })) : null);
}

/* Every second: the time left (or overdue by) of the pop's cases' clocks, counted on from when it was computed. */
export function tickPopCases() {
  for (const badge of document.querySelectorAll("#pop-cases [data-clock]")) {
    if (badge._clock && COUNTING.includes(badge._clock.k.status)) {
      badge.textContent = clockText(badge._clock.k, badge._clock.at);
    }
  }
}

/* The caller's open cases (the pop's, and those opened here for this call). */
export function renderPopCases(p) {
  const box = $("pop-cases");
  box.textContent = "";
  const mine = OPENED[p.call_uniqueid] || [];
  const known = Array.isArray(p.open_cases) ? p.open_cases : [];
  const list = [...mine, ...known.filter((c) => !mine.some((m) => m.number === c.number))];
  box.hidden = !list.length;
  if (list.length) {
    const total = Math.max(Number(p.open_cases_total) || 0, known.length) + mine.filter((m) =>
      !known.some((c) => c.number === m.number)).length;
    const at = parseServerTime(p.open_cases_at);
    box.appendChild(el("h3", { text: t("agent.case_open_heading", { n: total }) }));
    box.appendChild(el("ul", { class: "records", "data-testid": "pop-cases-list" }, list.map((c) => caseRow(c, at))));
  }
  const btn = $("case-new");
  btn.hidden = !mayOpen(p) || !$("case-form").hidden;
  if (!mayOpen(p) && !$("case-form").hidden) closeCaseForm();
  if (!$("case-form").hidden) renderCaseFacts();
}

function fillSelect(sel, values, prefix, placeholder) {
  const keep = sel.value;
  sel.textContent = "";
  if (placeholder) sel.appendChild(el("option", { value: "", text: t(placeholder) }));
  for (const v of values) sel.appendChild(el("option", { value: v, text: tOr(`${prefix}.${v}`, v) }));
  if (keep) sel.value = keep;
}

function renderCaseFacts() {
  const p = S.pop;
  if (!p) return;
  $("case-call").textContent = p.call_uniqueid;
  // the caller's IVR choice that gave the type: the chosen options' labels in the page's language, else digits
  const zh = getLang().startsWith("zh");
  const choices = (Array.isArray(p.ivr_choices) ? p.ivr_choices : []).filter((c) => c && c.digits)
    .map((c) => t("agent.case_ivr_choice", { digits: c.digits, label: (zh ? c.label_zh : c.label_en) || c.target || "" }));
  $("case-ivr").textContent = choices.join(" › ") || "—";
  const c = p.customer;
  $("case-customer").textContent = c ? `${c.name || ""} (#${c.id})` : t("agent.case_no_customer");
  $("case-customer").dataset.customerId = c ? String(c.id) : "";
  fillSelect($("case-type"), TYPES, "cases.type", "agent.case_type_choose");
  fillSelect($("case-severity"), SEVERITIES, "cases.severity");
  renderCauseSelects($("case-cause-class"), $("case-cause"));
  showComplaintFields();
}

/* The cause and the employee complained about: for a complaint only. */
function showComplaintFields() {
  const complaint = $("case-type").value === "complaint";
  for (const id of ["case-cause-class-wrap", "case-cause-wrap", "case-employee-wrap"]) $(id).hidden = !complaint;
}

function clearCause() {
  setCause($("case-cause-class"), $("case-cause"), null, null);
}

let causesBound = false;

export function openCaseForm() {
  const p = S.pop;
  if (!mayOpen(p)) return;
  const form = $("case-form");
  if (!causesBound) { // the first opening reads the configured causes (core/causes.js), once
    causesBound = true;
    bindCauseSelects($("case-cause-class"), $("case-cause"));
  }
  if (form.hidden) {
    $("case-type").value = "";
    renderCaseFacts();
    $("case-type").value = TYPES.includes(p.case_type) ? p.case_type : "";
    $("case-severity").value = "ordinary";
    renderCaseFacts();
  }
  form.hidden = false;
  $("case-new").hidden = true;
  showStatus($("case-status"), "");
  $("case-description").focus();
}

export function onCaseType() {
  showComplaintFields();
}

export function closeCaseForm() {
  $("case-form").hidden = true;
  $("case-new").hidden = !mayOpen(S.pop);
}

/* A new call's pop: the form closed and emptied (a number shown for the last call goes too). */
export function resetCaseForm() {
  $("case-form").hidden = true;
  $("case-type").value = "";
  $("case-description").value = "";
  $("case-demand").value = "";
  $("case-employee").value = "";
  clearCause();
  showStatus($("case-status"), "");
  showStatus($("case-created"), "");
  for (const uid of Object.keys(OPENED)) if (!S.pop || uid !== S.pop.call_uniqueid) delete OPENED[uid];
}

export async function saveCase(ev) {
  ev.preventDefault();
  const p = S.pop;
  const status = $("case-status");
  if (!p) return;
  const type = $("case-type").value;
  const description = $("case-description").value.trim();
  if (!type) {
    showStatus(status, () => t("agent.case_type_missing"), "error");
    $("case-type").focus();
    return;
  }
  if (!description) {
    showStatus(status, () => t("agent.case_description_missing"), "error");
    $("case-description").focus();
    return;
  }
  const body = { type, description, demand: $("case-demand").value.trim(), severity: $("case-severity").value,
                 call_uniqueid: p.call_uniqueid };
  if (p.customer && p.customer.id) body.customer_id = p.customer.id;
  const employee = $("case-employee").value.trim();
  if (type === "complaint" && employee) body.employee = employee;
  if (type === "complaint") {
    const { cause_class: causeClass, cause } = causeValues($("case-cause-class"), $("case-cause"));
    if (causeClass) body.cause_class = causeClass;
    if (cause) body.cause = cause;
  }
  const btn = $("case-save");
  btn.disabled = true;
  showStatus(status, () => t("agent.saving"));
  const r = await call("POST", "/api/cases", body);
  btn.disabled = false;
  if (!r.ok || !r.data || typeof r.data !== "object") {
    showStatus(status, () => failText(r), "error");
    return;
  }
  const c = r.data;
  const uid = p.call_uniqueid;
  OPENED[uid] = [{ mine: true, number: c.number, type: c.type, state: c.state, severity: c.severity, paused: c.paused,
                   accepted_at: c.accepted_at, clocks: c.clocks, clocks_at: c.clocks_at }, ...(OPENED[uid] || [])];
  $("case-description").value = "";
  $("case-demand").value = "";
  $("case-employee").value = "";
  clearCause();
  closeCaseForm();
  if (S.pop && S.pop.call_uniqueid === uid) renderPopCases(S.pop);
  showStatus($("case-created"), () => t("agent.case_created", { number: c.number }), "ok");
  $("case-created").dataset.number = c.number;
}
