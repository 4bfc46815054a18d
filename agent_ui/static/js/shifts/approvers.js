/* The leave approver positions (admins change them). */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { hasRole } from "../core/auth.js";
import { S, fresh, showProblem, showOk, positionLabel } from "./state.js";
import { fmtAt } from "./dates.js";

export async function loadApprovers() {
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

export function renderApprovers() {
  const admin = hasRole(S.user, "admin");
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

export async function setApprover(ev) {
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
