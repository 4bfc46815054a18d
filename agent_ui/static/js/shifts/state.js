/* The shifts page's state and the helpers its tabs share: who is logged in, the refusals in words, labels. */

import { $, el, showStatus } from "../core/dom.js";
import { serverMessage } from "../core/api.js";
import { t, tOr, hasKey } from "../core/i18n.js";
import { hasRole } from "../core/auth.js";
import { fmtAt } from "./dates.js";

const LEAD_ROLES = ["supervisor", "admin"];

export const S = {
  user: null,
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

/* A new load of ``name``: returns a check that is true while no newer load of it has started. */
export function fresh(name) {
  const n = (S.seq[name] || 0) + 1;
  S.seq[name] = n;
  return () => S.seq[name] === n;
}

export function me() {
  return S.user ? S.user.username : "";
}

export function isLead() {
  return hasRole(S.user, ...LEAD_ROLES);
}

export function say(message, kind) {
  showStatus($("shifts-status"), message, kind);
}

/* What to show for a failed call: a house rule by its name in words (docs/shifts.md lists them), the approver
 * level in words, otherwise the server's own message. */
export function problem(r) {
  if (r.status === 0) return t("common.network_error");
  const d = r.data || {};
  const details = d.details || {};
  const rule = details.rule || (typeof d.error === "string" && hasKey(`shifts.rule.${d.error}`) ? d.error : "");
  const msg = serverMessage(r); // in the page's language when the server sent both
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
export function showProblem(node, r) {
  const d = (r && r.data) || {};
  node.dataset.rule = (d.details && d.details.rule) || "";
  showStatus(node, () => problem(r), "error");
}

export function showOk(node, message) {
  node.dataset.rule = "";
  showStatus(node, message, "ok");
}

/* Mark the field the API named as invalid (details.field), clear the others of the form. */
export function markField(form, r) {
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  const field = r && r.data && r.data.details && r.data.details.field;
  if (!field) return;
  const node = form.querySelector(`[data-field="${field}"]`);
  if (node) node.setAttribute("aria-invalid", "true");
}

export function levelLabel(v) {
  return v ? tOr(`shifts.level.${v}`, v) : "";
}

export function positionLabel(v) {
  return v ? tOr(`shifts.position.${v}`, v) : t("shifts.position.none");
}

export function statusBadge(status, testid) {
  return el("span", { class: `badge shifts-st shifts-st-${status || ""}`, "data-testid": testid || null,
                      "data-status": status || "", text: status ? tOr(`shifts.status.${status}`, status) : "" });
}

export function fmtMin(v) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function marker(kind, text, cls) {
  return el("span", { class: `badge shifts-m shifts-m-${cls || kind}`, "data-kind": kind, text });
}

export function leaveDays(x) {
  return x.start_day === x.end_day ? x.start_day : `${x.start_day} – ${x.end_day}`;
}

export function decisionText(x) {
  if (!x.decided_by) return "";
  return t("shifts.decided", { by: x.decided_by, at: fmtAt(x.decided_at) }) + (x.decision_note ? ` — ${x.decision_note}` : "");
}

/* A pending or approved leave request in ``list`` covering roster entry ``e``. */
export function leaveCovering(list, e) {
  return list.find((x) => x.username === e.username && ["pending", "approved"].includes(x.status)
                          && x.start_day <= e.day && x.end_day >= e.day
                          && (x.template_id === null || x.template_id === e.template_id)) || null;
}
