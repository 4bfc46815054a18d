/* The new-case form for supervisors and admins: a letter, a walk-in, a call to link now or later (agents open
 * cases from the desktop, from their call); a complaint's cause from the configured list (core/causes.js).
 * POST /api/cases; the new case is then opened. */

import { call, errorText } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { bindCauseSelects, causeValues, setCause } from "../core/causes.js";
import { isLead } from "./state.js";
import { openDetail } from "./detail.js";
import { loadList } from "./list.js";

function status(message, kind) {
  showStatus($("cases-new-status"), message, kind);
}

export function initCreate() {
  $("cases-new-toggle").hidden = !isLead();
  $("cases-new-toggle").addEventListener("click", () => {
    const form = $("cases-new");
    form.hidden = !form.hidden;
    $("cases-new-toggle").setAttribute("aria-expanded", form.hidden ? "false" : "true");
    if (!form.hidden) $("cases-new-description").focus();
  });
  $("cases-new-type").addEventListener("change", showComplaintFields);
  $("cases-new-cancel").addEventListener("click", () => {
    $("cases-new").hidden = true;
    $("cases-new-toggle").setAttribute("aria-expanded", "false");
  });
  $("cases-new").addEventListener("submit", create);
  if (isLead()) bindCauseSelects($("cases-new-cause-class"), $("cases-new-cause"));
  showComplaintFields();
}

function showComplaintFields() {
  $("cases-new-complaint").hidden = $("cases-new-type").value !== "complaint";
}

function value(id) {
  return $(id).value.trim();
}

async function create(ev) {
  ev.preventDefault();
  const description = value("cases-new-description");
  if (!description) {
    status(() => t("cases.new_needs_description"), "error");
    $("cases-new-description").focus();
    return;
  }
  const type = $("cases-new-type").value;
  const body = { type, description, demand: value("cases-new-demand"), severity: $("cases-new-severity").value };
  const customer = value("cases-new-customer");
  if (customer) body.customer_id = Number(customer);
  const callId = value("cases-new-call");
  if (callId) body.call_uniqueid = callId;
  if (type === "complaint") {
    const { cause_class: causeClass, cause } = causeValues($("cases-new-cause-class"), $("cases-new-cause"));
    if (causeClass) body.cause_class = causeClass;
    if (cause) body.cause = cause;
    if (value("cases-new-employee")) body.employee = value("cases-new-employee");
  }
  const button = $("cases-new-submit");
  button.disabled = true;
  const r = await call("POST", "/api/cases", body);
  button.disabled = false;
  if (!r.ok) {
    status(() => errorText(r), "error");
    return;
  }
  const number = r.data.number;
  status(() => t("cases.created", { number }), "ok");
  $("cases-new").reset();
  setCause($("cases-new-cause-class"), $("cases-new-cause"), null, null);
  showComplaintFields();
  $("cases-new").hidden = true;
  $("cases-new-toggle").setAttribute("aria-expanded", "false");
  await loadList();
  await openDetail(number);
}
