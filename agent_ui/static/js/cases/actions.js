/* The actions on the open case that the user's role and the case's state allow (state.js mayAct): each one
 * POST /api/cases/{number}/{action} with the case's version. A refusal shows the server's message; a 409 (the
 * case moved on meanwhile, or its state does not allow it) also reloads the case, so what is shown is current. */

import { api, call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { bindCauseSelects, causeValues } from "../core/causes.js";
import { C, ACTIONS, mayAct, department, severityLabel } from "./state.js";
import { openDetail } from "./detail.js";
import { loadList } from "./list.js";

// actions sent at once (nothing to fill in)
const DIRECT = new Set(["investigate", "resume"]);
const SEVERITIES = ["ordinary", "serious"];

function status(message, kind) {
  showStatus($("cases-action-status"), message, kind);
}

/* The buttons, and the open action's form (kept while it is still allowed, so what was typed stays). */
export function renderActions() {
  const d = C.detail;
  const bar = $("cases-actions");
  bar.textContent = "";
  const allowed = ACTIONS.filter((a) => mayAct(d, a));
  for (const a of allowed) {
    bar.appendChild(el("button", {
      type: "button", "data-testid": `case-action-${a}`, "data-action": a,
      class: a === "cancel" ? "danger" : C.action === a ? "" : "secondary",
      "aria-pressed": C.action === a ? "true" : "false", text: t(`cases.action.${a}`),
      onclick: () => (DIRECT.has(a) ? send(a, {}) : toggle(a)),
    }));
  }
  $("cases-actions-none").hidden = allowed.length > 0;
  const box = $("cases-action-form");
  if (C.action && !allowed.includes(C.action)) C.action = null;
  if (!C.action) {
    box.textContent = "";
    box.hidden = true;
    delete box.dataset.action;
    delete box.dataset.number;
  } else if (box.dataset.action !== C.action || box.dataset.number !== d.number) {
    box.textContent = "";
    box.appendChild(formFor(C.action));
    box.dataset.action = C.action;
    box.dataset.number = d.number;
    box.hidden = false;
  }
  renderUpload();
}

function toggle(action) {
  C.action = C.action === action ? null : action;
  status("");
  renderActions();
  const first = document.querySelector("#cases-action-form input, #cases-action-form select, #cases-action-form textarea");
  if (first) first.focus();
}

function field(key, control) {
  return el("label", { class: "cases-field" }, el("span", { text: t(`cases.field.${key}`) }), control);
}

function handlerOptions(sel, deptId) {
  sel.textContent = "";
  sel.appendChild(el("option", { value: "", text: t("cases.handler_none") }));
  const d = department(Number(deptId));
  if (!d) return;
  const names = new Set((d.members || []).map((m) => m.username));
  if (d.head) names.add(d.head);
  for (const u of [...names].sort()) sel.appendChild(el("option", { value: u, text: u }));
}

/* The form of ``action``: its fields, and the submit that sends them. */
function formFor(action) {
  const d = C.detail;
  const fields = [];
  let body = () => ({});
  if (action === "dispatch") {
    const dept = el("select", { "data-testid": "case-dispatch-department", required: true });
    dept.appendChild(el("option", { value: "", text: t("cases.choose") }));
    for (const x of C.departments.filter((y) => y.active)) {
      dept.appendChild(el("option", { value: String(x.id), text: x.name }));
    }
    if (d.department_id) dept.value = String(d.department_id);
    const handler = el("select", { "data-testid": "case-dispatch-handler" });
    handlerOptions(handler, dept.value);
    if (d.handler) handler.value = d.handler;
    dept.addEventListener("change", () => handlerOptions(handler, dept.value));
    fields.push(field("department", dept), field("handler", handler));
    body = () => (dept.value ? { department_id: Number(dept.value), handler: handler.value || null } : null);
  } else if (action === "report") {
    const text = el("textarea", { "data-testid": "case-report-text", rows: 5, maxlength: 50000, required: true });
    const files = el("input", { type: "file", multiple: true, "data-testid": "case-report-files" });
    fields.push(field("report", text), field("files", files));
    body = () => (text.value.trim() ? { text: text.value } : null);
    return form(action, fields, body, () => uploadAll(files));
  } else if (action === "resolve") {
    const decision = el("textarea", { "data-testid": "case-resolve-decision", rows: 3, maxlength: 10000, required: true });
    const amount = el("input", { type: "number", min: "0", step: "0.01", "data-testid": "case-resolve-amount" });
    fields.push(field("decision", decision), field("amount", amount));
    body = () => (decision.value.trim()
      ? { decision: decision.value, settlement_amount: amount.value === "" ? null : amount.value } : null);
  } else if (action === "inform") {
    const how = el("select", { "data-testid": "case-inform-how" },
      el("option", { value: "phone", text: t("cases.how.phone") }),
      el("option", { value: "writing", text: t("cases.how.writing") }));
    const note = el("input", { "data-testid": "case-inform-note", maxlength: 2000, autocomplete: "off" });
    fields.push(field("how", how), field("note", note));
    body = () => ({ how: how.value, note: note.value });
  } else if (action === "classify") { // severity; a complaint's cause (the configured list) and employee too
    const severity = el("select", { "data-testid": "case-classify-severity" },
      SEVERITIES.map((v) => el("option", { value: v, text: severityLabel(v) })));
    severity.value = d.severity;
    fields.push(field("severity", severity));
    if (d.type === "complaint") {
      const cls = el("select", { "data-testid": "case-classify-cause-class" });
      const cause = el("select", { "data-testid": "case-classify-cause" });
      bindCauseSelects(cls, cause, { cause_class: d.cause_class, cause: d.cause });
      const employee = el("input", { "data-testid": "case-classify-employee", maxlength: 64, autocomplete: "off",
                                     value: d.employee || "" });
      fields.push(field("cause_class", cls), field("cause", cause), field("employee", employee));
      body = () => ({ severity: severity.value, ...causeValues(cls, cause), employee: employee.value.trim() });
    } else {
      body = () => ({ severity: severity.value });
    }
  } else if (action === "cancel" || action === "reraise") {
    const reason = el("input", { "data-testid": `case-${action}-reason`, maxlength: 2000, autocomplete: "off",
                                 required: true });
    fields.push(field(action === "reraise" ? "reraise_reason" : "reason", reason));
    body = () => (reason.value.trim() ? { reason: reason.value } : null);
  } else { // review, close, pause: a note
    const note = el("input", { "data-testid": `case-${action}-note`, maxlength: 2000, autocomplete: "off" });
    fields.push(field("note", note));
    body = () => ({ note: note.value });
  }
  return form(action, fields, body);
}

function form(action, fields, body, before) {
  const f = el("form", { class: "cases-action-form", "data-testid": `case-form-${action}`, novalidate: true },
    el("h3", { text: t(`cases.action.${action}`) }),
    el("div", { class: "row" }, ...fields),
    el("div", { class: "form-buttons" },
      el("button", { type: "submit", "data-testid": `case-submit-${action}`, text: t(`cases.submit.${action}`) }),
      el("button", { type: "button", class: "secondary", text: t("cases.cancel_form"),
                     onclick: () => { C.action = null; status(""); renderActions(); } })));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const b = body();
    if (!b) {
      status(() => t("cases.fill_in"), "error");
      return;
    }
    const button = f.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      if (before && !(await before())) return;
      await send(action, b);
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

/* POST the action with the case's version; then the case and the list again. */
async function send(action, body) {
  const d = C.detail;
  const r = await call("POST", `/api/cases/${encodeURIComponent(d.number)}/${action}`, { ...body, version: d.version });
  if (!r.ok) {
    status(() => errorText(r), "error");
    if (r.status === 409) await openDetail(d.number, true);
    return;
  }
  C.action = null;
  const shown = r.data.number;
  status(() => t(`cases.done.${action}`, { number: shown }), "ok");
  await Promise.all([openDetail(shown, true), loadList()]);
}

/* Upload the chosen files to the case (files do not change its version). True when all went in. */
async function uploadAll(input) {
  for (const file of input.files || []) {
    const fd = new FormData();
    fd.append("number", C.detail.number);
    fd.append("file", file, file.name);
    const r = await api("POST", "/api/cases/files", fd);
    if (!r.ok) {
      status(() => `${file.name}: ${errorText(r)}`, "error");
      await openDetail(C.detail.number, true);
      return false;
    }
  }
  return true;
}

/* The "add a file" line under the files (who may add files to an open case). */
function renderUpload() {
  const box = $("cases-upload");
  box.hidden = !mayAct(C.detail, "add_file");
}

export async function uploadFromBox(ev) {
  ev.preventDefault();
  const input = $("cases-upload-file");
  if (!input.files || !input.files.length) return;
  if (await uploadAll(input)) {
    input.value = "";
    status(() => t("cases.file_added"), "ok");
    await openDetail(C.detail.number, true);
  }
}
