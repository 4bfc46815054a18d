/* Pause reasons: create, edit (a system reason keeps its code and kind). */
import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { badge, buildForm, openEditCard, showRefusal, yesNo } from "./forms.js";
import { load, onLoaded, S } from "./state.js";

export const REASON_CREATE = [
  { key: "code", label: "admin.reasons.code", maxlength: 32, required: true, hint: "admin.reasons.code_hint" },
  { key: "label_zh", label: "admin.reasons.label_zh", maxlength: 64, required: true },
  { key: "label_en", label: "admin.reasons.label_en", maxlength: 64, required: true },
  { key: "away", label: "admin.reasons.away", type: "checkbox", hint: "admin.reasons.away_hint" },
];

export function reasonEditSpecs(system) {
  return [
    { key: "label_zh", label: "admin.reasons.label_zh", maxlength: 64, required: true },
    { key: "label_en", label: "admin.reasons.label_en", maxlength: 64, required: true },
    { key: "away", label: "admin.reasons.away", type: "checkbox", hint: "admin.reasons.away_hint" },
    { key: "active", label: "admin.col.active", type: "checkbox", disabled: system,
      hint: system ? "admin.reasons.system_hint" : undefined },
  ];
}

export function renderReasons() {
  const body = $("admin-reason-rows");
  body.textContent = "";
  for (const p of S.reasons) {
    body.appendChild(el("tr", { "data-testid": `admin-reason-row-${p.code}`, class: p.active ? "" : "inactive" },
      el("td", { class: "mono", text: p.code }),
      el("td", { text: p.label_zh }),
      el("td", { text: p.label_en }),
      el("td", { text: yesNo(p.away) }),
      el("td", { text: yesNo(p.system) }),
      el("td", {}, p.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", {}, el("button", { type: "button", class: "secondary small", id: `admin-reason-action-edit-${p.code}`,
                                  "data-testid": `admin-reason-action-edit-${p.code}`, text: t("admin.edit"),
                                  "aria-label": `${t("admin.edit")} ${p.code}`, onclick: () => editReason(p.code) }))));
  }
}

export function buildReasonCreate() {
  // a new reason counts as away unless the admin unticks it (every non-working state counts, docs/seat-discipline.md)
  buildForm($("admin-reason-create"), "admin-reason-create", REASON_CREATE, { away: true }, "admin.create", async (v) => {
    const r = await call("POST", "/api/admin/pause-reasons", v);
    if (!r.ok) return showRefusal("admin-reason-create", r);
    buildReasonCreate();
    showStatus($("admin-reason-create-status"), () => t("admin.reasons.created", { code: r.data.code }), "ok");
    await load("reasons");
  });
}

export function editReason(code) {
  const p = S.reasons.find((x) => x.code === code);
  if (!p) return;
  S.editing.reason = code;
  openEditCard($("admin-reason-edit"), "admin.reasons.edit_heading", code, (card) => {
    const form = el("form", { id: "admin-reason-edit-form", class: "admin-form",
                              "data-testid": "admin-reason-edit-form", novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-reason-edit", reasonEditSpecs(p.system), p, "admin.save", async (v) => {
      const r = await call("PATCH", `/api/admin/pause-reasons/${encodeURIComponent(code)}`, v);
      if (!r.ok) return showRefusal("admin-reason-edit", r);
      await load("reasons");
      showStatus($("admin-reason-edit-status"), () => t("admin.saved"), "ok");
    });
  }, `admin-reason-action-edit-${code}`, () => { S.editing.reason = null; });
}

onLoaded("reasons", renderReasons);
