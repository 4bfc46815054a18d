/* Seats (SIP phones): create, edit, delete; passwords are only ever set, never shown. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { badge, buildForm, openEditCard, showRefusal } from "./forms.js";
import { load, onLoaded, S } from "./state.js";

export const SEAT_CREATE = [
  { key: "extension", label: "admin.seats.extension", maxlength: 16, inputmode: "numeric", required: true,
    hint: "admin.seats.extension_hint" },
  { key: "name", label: "admin.seats.name", maxlength: 128, required: true },
  { key: "password", label: "admin.seats.password", type: "password", maxlength: 128, required: true,
    hint: "admin.seats.password_hint" },
  { key: "static_contact", label: "admin.seats.static_contact", maxlength: 200,
    placeholder: "admin.seats.static_contact_placeholder", hint: "admin.seats.static_contact_hint" },
];
export const SEAT_EDIT = [
  { key: "name", label: "admin.seats.name", maxlength: 128, required: true },
  { key: "password", label: "admin.seats.new_password", type: "password", maxlength: 128,
    hint: "admin.seats.new_password_hint" },
  { key: "static_contact", label: "admin.seats.static_contact", maxlength: 200,
    placeholder: "admin.seats.static_contact_placeholder" },
  { key: "active", label: "admin.col.active", type: "checkbox" },
];

export function renderSeats() {
  const body = $("admin-seat-rows");
  body.textContent = "";
  for (const s of S.seats) {
    body.appendChild(el("tr", { "data-testid": `admin-seat-row-${s.extension}`, class: s.active ? "" : "inactive" },
      el("td", { class: "mono", text: s.extension }),
      el("td", { text: s.name }),
      el("td", { class: "mono", text: s.static_contact || "—" }),
      el("td", { text: s.in_use_by || "—" }),
      el("td", {}, s.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "secondary small", id: `admin-seat-action-edit-${s.extension}`,
                       "data-testid": `admin-seat-action-edit-${s.extension}`, text: t("admin.edit"),
                       "aria-label": `${t("admin.edit")} ${s.extension}`, onclick: () => editSeat(s.extension) }),
        el("button", { type: "button", class: "danger small", id: `admin-seat-action-delete-${s.extension}`,
                       "data-testid": `admin-seat-action-delete-${s.extension}`, text: t("admin.delete"),
                       "aria-label": `${t("admin.delete")} ${s.extension}`,
                       onclick: () => deleteSeat(s.extension) }))));
  }
}

export function buildSeatCreate() {
  buildForm($("admin-seat-create"), "admin-seat-create", SEAT_CREATE, {}, "admin.create", async (v) => {
    const r = await call("POST", "/api/admin/seats", v);
    if (!r.ok) return showRefusal("admin-seat-create", r);
    buildSeatCreate();
    showStatus($("admin-seat-create-status"), () => t("admin.seats.created", { ext: r.data.extension }), "ok");
    await load("seats");
  });
}

export function editSeat(ext) {
  const s = S.seats.find((x) => x.extension === ext);
  if (!s) return;
  S.editing.seat = ext;
  openEditCard($("admin-seat-edit"), "admin.seats.edit_heading", ext, (card) => {
    const form = el("form", { id: "admin-seat-edit-form", class: "admin-form", "data-testid": "admin-seat-edit-form",
                              novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-seat-edit", SEAT_EDIT, { ...s, password: "" }, "admin.save", async (v) => {
      if (!v.password) delete v.password;
      const r = await call("PATCH", `/api/admin/seats/${encodeURIComponent(ext)}`, v);
      if (!r.ok) return showRefusal("admin-seat-edit", r);
      $("admin-seat-edit-password").value = "";
      await load("seats");
      showStatus($("admin-seat-edit-status"), () => t("admin.saved"), "ok");
    });
  }, `admin-seat-action-edit-${ext}`, () => { S.editing.seat = null; });
}

export async function deleteSeat(ext) {
  const status = $("admin-seat-list-status");
  if (!window.confirm(t("admin.seats.confirm_delete", { ext }))) return;
  const r = await call("DELETE", `/api/admin/seats/${encodeURIComponent(ext)}`);
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  if (S.editing.seat === ext) $("admin-seat-edit").hidden = true;
  showStatus(status, () => t("admin.seats.deleted", { ext }), "ok");
  await load("seats");
}

onLoaded("seats", renderSeats);
