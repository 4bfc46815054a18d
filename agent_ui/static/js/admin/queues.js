/* Queues: create, edit, enable / disable, delete. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { badge, buildForm, openEditCard, showRefusal } from "./forms.js";
import { load, onLoaded, S } from "./state.js";

export const QUEUE_FIELDS = [
  { key: "display_name", label: "admin.queues.display_name", maxlength: 128 },
  { key: "strategy", label: "admin.queues.strategy", type: "select",
    options: () => S.meta.strategies.map((s) => ({ value: s, label: `admin.strategy.${s}` })) },
  { key: "routing", label: "admin.queues.routing", type: "select",
    options: () => S.meta.routings.map((s) => ({ value: s, label: `admin.routing.${s}` })) },
  { key: "ring_timeout_seconds", label: "admin.queues.ring_timeout_seconds", type: "number", min: 1, max: 300 },
  { key: "retry_seconds", label: "admin.queues.retry_seconds", type: "number", min: 0, max: 60 },
  { key: "wrapup_seconds", label: "admin.queues.wrapup_seconds", type: "number", min: 0, max: 3600 },
  { key: "max_wait_seconds", label: "admin.queues.max_wait_seconds", type: "number", min: 1, max: 86400 },
  { key: "service_level_seconds", label: "admin.queues.service_level_seconds", type: "number", min: 1, max: 3600 },
  { key: "service_level_target", label: "admin.queues.service_level_target", type: "number", min: 1, max: 100 },
  { key: "recording_retention_days", label: "admin.queues.recording_retention_days", type: "number", min: 0,
    max: 3650 },
  { key: "announce", label: "admin.queues.announce", maxlength: 80, hint: "admin.queues.announce_hint" },
  { key: "active", label: "admin.col.active", type: "checkbox" },
];
export const QUEUE_CREATE = [
  { key: "name", label: "admin.queues.name", maxlength: 64, required: true, hint: "admin.queues.name_hint" },
  ...QUEUE_FIELDS,
];
export const QUEUE_DEFAULTS = { strategy: "rrmemory", routing: "equal", ring_timeout_seconds: 15, retry_seconds: 2,
                         wrapup_seconds: 30, max_wait_seconds: 300, service_level_seconds: 20,
                         service_level_target: 80, recording_retention_days: 0, announce: "",
                         active: true };

export function renderQueues() {
  const body = $("admin-queue-rows");
  body.textContent = "";
  for (const q of S.queues) {
    body.appendChild(el("tr", { "data-testid": `admin-queue-row-${q.name}`, class: q.active ? "" : "inactive" },
      el("td", { class: "mono", text: q.name }),
      el("td", { text: q.display_name }),
      el("td", { text: t(`admin.strategy.${q.strategy}`) }),
      el("td", { text: t(`admin.routing.${q.routing}`) }),
      el("td", { text: t("admin.queues.timers_value", { ring: q.ring_timeout_seconds, wrapup: q.wrapup_seconds,
                                                        sl: q.service_level_seconds, wait: q.max_wait_seconds }) }),
      el("td", { text: String(q.agents) }),
      el("td", {}, q.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "secondary small", id: `admin-queue-action-edit-${q.name}`,
                       "data-testid": `admin-queue-action-edit-${q.name}`, text: t("admin.edit"),
                       "aria-label": `${t("admin.edit")} ${q.name}`, onclick: () => editQueue(q.name) }),
        el("button", { type: "button", class: "secondary small", id: `admin-queue-action-toggle-${q.name}`,
                       "data-testid": `admin-queue-action-toggle-${q.name}`,
                       text: t(q.active ? "admin.deactivate" : "admin.activate"),
                       "aria-label": `${t(q.active ? "admin.deactivate" : "admin.activate")} ${q.name}`,
                       onclick: () => toggleQueue(q) }),
        el("button", { type: "button", class: "danger small", id: `admin-queue-action-delete-${q.name}`,
                       "data-testid": `admin-queue-action-delete-${q.name}`, text: t("admin.delete"),
                       "aria-label": `${t("admin.delete")} ${q.name}`, onclick: () => deleteQueue(q.name) }))));
  }
}

export function buildQueueCreate() {
  buildForm($("admin-queue-create"), "admin-queue-create", QUEUE_CREATE, QUEUE_DEFAULTS, "admin.create",
    async (v) => {
      const r = await call("POST", "/api/admin/queues", v);
      if (!r.ok) return showRefusal("admin-queue-create", r);
      buildQueueCreate();
      showStatus($("admin-queue-create-status"), () => t("admin.queues.created", { name: r.data.name }), "ok");
      await load("queues");
      await load("users"); // the skills editor offers the new queue
    });
}

export function editQueue(name) {
  const q = S.queues.find((x) => x.name === name);
  if (!q) return;
  S.editing.queue = name;
  openEditCard($("admin-queue-edit"), "admin.queues.edit_heading", name, (card) => {
    const form = el("form", { id: "admin-queue-edit-form", class: "admin-form",
                              "data-testid": "admin-queue-edit-form", novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-queue-edit", QUEUE_FIELDS, q, "admin.save", async (v) => {
      const r = await call("PATCH", `/api/admin/queues/${encodeURIComponent(name)}`, v);
      if (!r.ok) return showRefusal("admin-queue-edit", r);
      await load("queues");
      await load("users");
      showStatus($("admin-queue-edit-status"), () => t("admin.saved"), "ok");
    });
  }, `admin-queue-action-edit-${name}`, () => { S.editing.queue = null; });
}

export async function toggleQueue(q) {
  const status = $("admin-queue-list-status");
  const r = await call("PATCH", `/api/admin/queues/${encodeURIComponent(q.name)}`, { active: !q.active });
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t(r.data.active ? "admin.queues.activated" : "admin.queues.deactivated",
                             { name: q.name }), "ok");
  await load("queues");
  await load("users");
  if (S.editing.queue === q.name) editQueue(q.name);
  $(`admin-queue-action-toggle-${q.name}`).focus();
}

export async function deleteQueue(name) {
  const status = $("admin-queue-list-status");
  if (!window.confirm(t("admin.queues.confirm_delete", { name }))) return;
  const r = await call("DELETE", `/api/admin/queues/${encodeURIComponent(name)}`);
  if (!r.ok) {
    showStatus(status, () => (r.status === 409 ? `${errorText(r)} ${t("admin.queues.deactivate_instead")}`
      : errorText(r)), "error");
    return;
  }
  if (S.editing.queue === name) $("admin-queue-edit").hidden = true;
  showStatus(status, () => t("admin.queues.deleted", { name }), "ok");
  await load("queues");
  await load("users");
}

onLoaded("queues", renderQueues);
