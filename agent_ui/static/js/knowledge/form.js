/* Writing an entry (supervisors and admins by default): a new draft (POST /api/knowledge/entries) or an edit of
 * one (PATCH, with the version read: a published entry gets a new version to review, the published one stays
 * what agents find until then). The source document, when a file is chosen, is uploaded first
 * (POST /api/knowledge/documents: kept unchanged with its SHA-256) and named by its id. Validity times are read
 * in the centre's timezone. A refusal shows the server's message (a stale version: "changed meanwhile"). */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { K, categoryName, centreIso, localInput, refusal, splitList } from "./state.js";

let hooks = { saved: () => {} };
let documentId = null; // the document the entry names now (before a new upload)

export function initForm(h) {
  hooks = { ...hooks, ...h };
  $("kb-form").addEventListener("submit", save);
  $("kb-f-cancel").addEventListener("click", closeForm);
}

function fillSelects(rev) {
  const cat = $("kb-f-category");
  cat.textContent = "";
  for (const c of K.categories) cat.append(el("option", { value: c.code, text: categoryName(c.code) }));
  cat.value = rev ? rev.category : (K.categories[0] || {}).code || "";
  const dep = $("kb-f-department");
  dep.textContent = "";
  dep.append(el("option", { value: "", text: t("knowledge.department_choose") }));
  for (const d of K.departments.values()) dep.append(el("option", { value: String(d.id), text: d.name }));
  dep.value = rev && rev.department_id ? String(rev.department_id) : "";
}

function documentText() {
  if (documentId === null) return t("knowledge.no_document");
  const d = K.documents.get(documentId);
  return d ? d.name : `#${documentId}`;
}

/* The form for a new entry (``entry`` null) or to edit ``entry`` (EntryOut). */
export function openForm(entry) {
  K.editing = entry || "new";
  const rev = entry ? entry.open || entry.published
    || (K.versions && K.versions.entry_id === entry.id ? K.versions.items[K.versions.items.length - 1] : null) : null;
  $("kb-form-heading").textContent = entry ? t("knowledge.form_edit", { id: entry.id }) : t("knowledge.form_new");
  fillSelects(rev);
  $("kb-f-title").value = rev ? rev.title : "";
  $("kb-f-body").value = rev ? rev.body : "";
  $("kb-f-tags").value = rev ? rev.tags.join(", ") : "";
  $("kb-f-queues").value = rev ? rev.queues.join(", ") : "";
  $("kb-f-ivr").value = rev ? rev.ivr_choices.join(", ") : "";
  $("kb-f-valid-from").value = rev ? localInput(rev.valid_from) : "";
  $("kb-f-valid-to").value = rev ? localInput(rev.valid_to) : "";
  $("kb-f-note").value = "";
  $("kb-f-file").value = "";
  $("kb-f-document-clear").checked = false;
  documentId = rev ? rev.document_id : null;
  $("kb-f-document").textContent = documentText();
  $("kb-f-document-clear").parentElement.hidden = documentId === null;
  showStatus($("kb-form-status"), "");
  $("kb-form").hidden = false;
  $("kb-form").scrollIntoView({ block: "nearest" });
  $("kb-f-title").focus();
}

export function closeForm() {
  K.editing = null;
  $("kb-form").hidden = true;
}

export function renderForm() {
  if (!K.editing) return;
  $("kb-form-heading").textContent = K.editing === "new" ? t("knowledge.form_new")
    : t("knowledge.form_edit", { id: K.editing.id });
  $("kb-f-document").textContent = documentText();
  const cat = $("kb-f-category");
  for (const o of cat.options) o.textContent = categoryName(o.value);
  const dep = $("kb-f-department");
  if (dep.options.length) dep.options[0].textContent = t("knowledge.department_choose");
}

async function upload(file) {
  const body = new FormData();
  body.append("file", file, file.name);
  return call("POST", "/api/knowledge/documents", body);
}

async function save(ev) {
  ev.preventDefault();
  const status = $("kb-form-status");
  const title = $("kb-f-title").value.trim();
  const text = $("kb-f-body").value.trim();
  if (!title || !text) {
    showStatus(status, () => t("knowledge.title_body_needed"), "error");
    return;
  }
  const from = $("kb-f-valid-from").value;
  const to = $("kb-f-valid-to").value;
  const validFrom = from ? centreIso(from) : null;
  const validTo = to ? centreIso(to) : null;
  if ((from && !validFrom) || (to && !validTo)) {
    showStatus(status, () => t("knowledge.bad_time"), "error");
    return;
  }
  const button = $("kb-f-save");
  button.disabled = true;
  try {
    let doc = $("kb-f-document-clear").checked ? null : documentId;
    const file = $("kb-f-file").files[0];
    if (file) {
      const up = await upload(file);
      if (!up.ok) {
        showStatus(status, () => t("knowledge.upload_failed", { message: refusal(up) }), "error");
        return;
      }
      K.documents.set(up.data.id, up.data);
      doc = up.data.id;
    }
    const dep = $("kb-f-department").value;
    const values = {
      title, body: text, category: $("kb-f-category").value, tags: splitList($("kb-f-tags").value),
      queues: splitList($("kb-f-queues").value), ivr_choices: splitList($("kb-f-ivr").value),
      valid_from: validFrom, valid_to: validTo, department_id: dep ? Number(dep) : null, document_id: doc,
    };
    const note = $("kb-f-note").value.trim();
    const editing = K.editing;
    let r;
    if (editing === "new") {
      r = await call("POST", "/api/knowledge/entries", { ...values, note });
    } else {
      r = await call("PATCH", `/api/knowledge/entries/${editing.id}`,
        { ...values, version: editing.version, ...(note ? { note } : {}) });
    }
    if (!r.ok) {
      showStatus(status, () => refusal(r), "error");
      return;
    }
    closeForm();
    hooks.saved(r.data, editing === "new");
  } finally {
    button.disabled = false;
  }
}
