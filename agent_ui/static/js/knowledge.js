/* knowledge.html: the knowledge base (知识库; issue 16, parts 2 and 5; docs/knowledge.md "Pages"). Everyone
 * signed in browses the catalogue (each entry's category, validity, state and issuing department; agents see
 * what they can use now) and searches it as they type (knowledge/list.js); an entry shows its agreed wording, its
 * source document as a download, and for editors the version being worked on and every version kept
 * (knowledge/detail.js); editors write drafts (knowledge/form.js); the workflow's steps — review, publish, the
 * issuing department's confirmation, withdrawal with a reason — are offered to who may take them; leads and QC
 * see the uses on calls per month (knowledge/usage.js). An entry opens from the address as #entry-<id>. */

import "./i18n/common.js";
import "./i18n/knowledge.js";
import { call } from "./core/api.js";
import { $, showStatus } from "./core/dom.js";
import { openPageFor, whoAmI } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { t } from "./core/i18n.js";
import { K, mayRead, mayReadUsage, mayWrite, refusal } from "./knowledge/state.js";
import { fillFilters, initList, loadList, renderList } from "./knowledge/list.js";
import { initDetail, openDetail, renderDetail } from "./knowledge/detail.js";
import { closeForm, initForm, openForm, renderForm } from "./knowledge/form.js";
import { initUsage, loadUsage, renderUsage } from "./knowledge/usage.js";

function entryInAddress() {
  const m = /^#entry-(\d+)$/.exec(window.location.hash || "");
  return m ? Number(m[1]) : null;
}

async function loadReference() {
  const [cats, deps] = await Promise.all([call("GET", "/api/knowledge/categories"), call("GET", "/api/departments")]);
  if (cats.ok) K.categories = cats.data.items;
  else showStatus($("kb-status"), () => refusal(cats), "error");
  if (deps.ok) K.departments = new Map(deps.data.items.map((d) => [d.id, d]));
  fillFilters();
}

async function startKnowledge() {
  renderHeader({ title: "knowledge.title" });
  K.user = await openPageFor(whoAmI, mayRead, "knowledge");
  if (!K.user) return;
  K.tz = K.user.timezone || undefined;
  const open = (id) => openDetail(id);
  initList(open);
  initDetail({
    changed: (opened, reload) => {
      if (reload) loadList();
      else renderList();
    },
    edit: (entry) => openForm(entry),
  });
  initForm({
    saved: async (entry, created) => {
      showStatus($("kb-status"), () => (created ? t("knowledge.created", { id: entry.id })
        : t("knowledge.saved", { id: entry.id })), "ok");
      await loadList();
      await openDetail(entry.id);
    },
  });
  $("kb-new").addEventListener("click", () => openForm(null));
  $("kb-month").hidden = !mayReadUsage(K.user);
  if (mayReadUsage(K.user)) initUsage(open);
  window.addEventListener("hashchange", () => {
    const id = entryInAddress();
    if (id !== null && id !== K.openId) openDetail(id);
  });
  document.addEventListener("cc:langchange", () => {
    fillFilters();
    renderList();
    renderDetail();
    renderForm();
    renderUsage();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && K.editing) closeForm();
  });
  await loadReference();
  $("kb-new").hidden = !mayWrite(K.user); // once the categories and departments are there for its form
  await loadList();
  const id = entryInAddress();
  if (id !== null) await openDetail(id);
  if (mayReadUsage(K.user)) await loadUsage();
}

document.addEventListener("DOMContentLoaded", startKnowledge);

/* For tests and debugging. */
window.ccKnowledge = { state: K };
