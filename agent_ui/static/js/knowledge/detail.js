/* One entry: GET /api/knowledge/entries/{id} (the published version agents find, and for editors the draft or
 * reviewed one being worked on), its versions (editors), its uses per month (leads, QC), the source document as a
 * download (GET /api/knowledge/documents/{id}: always an attachment), and the workflow's steps, each shown only to
 * who may take it now: review (supervisor, not the version's author), publish (supervisor/admin, a reviewed
 * version), confirm (the issuing department's head, a published version not yet confirmed), withdraw (with a
 * reason). Every step sends the entry's version; a stale one (409) shows the server's message and reads the entry
 * again. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import {
  K, categoryName, departmentName, entryStateLabel, fmtAt, isEditor, isHeadOf, mayPublish, mayReadUsage,
  mayReview, mayWrite, refusal, revisionStateLabel, validityText,
} from "./state.js";
import { wording } from "./render.js";

let hooks = { changed: () => {}, edit: () => {} };

export function initDetail(h) {
  hooks = { ...hooks, ...h };
  $("kb-detail-close").addEventListener("click", closeDetail);
  $("kb-edit").addEventListener("click", () => { if (K.detail) hooks.edit(K.detail); });
  $("kb-review").addEventListener("click", () => step("review", { note: $("kb-review-note").value }));
  $("kb-publish").addEventListener("click", () => step("publish", {}));
  $("kb-confirm").addEventListener("click", () => step("confirm", {}));
  $("kb-withdraw").addEventListener("click", () => {
    const reason = $("kb-withdraw-reason").value.trim();
    if (!reason) {
      showStatus($("kb-action-status"), () => t("knowledge.reason_needed"), "error");
      $("kb-withdraw-reason").focus();
      return;
    }
    step("withdraw", { reason });
  });
}

export function closeDetail() {
  K.openId = null;
  K.detail = null;
  $("kb-detail").hidden = true;
  if (window.location.hash.startsWith("#entry-")) history.replaceState(null, "", window.location.pathname);
  hooks.changed(false);
}

async function loadDocument(id) {
  if (id === null || id === undefined || K.documents.has(id)) return;
  const r = await call("GET", `/api/knowledge/documents/${id}/meta`);
  if (r.ok) K.documents.set(id, r.data);
}

/* Open entry ``id``: read it (and its versions and uses when the user may), then show it. */
export async function openDetail(id, { keepStatus = false } = {}) {
  K.openId = id;
  if (!keepStatus) {
    showStatus($("kb-detail-status"), "");
    showStatus($("kb-action-status"), "");
  }
  const r = await call("GET", `/api/knowledge/entries/${id}`);
  if (K.openId !== id) return;
  if (!r.ok) {
    K.detail = null;
    $("kb-detail").hidden = false;
    $("kb-detail-title").textContent = t("knowledge.entry_heading", { id });
    for (const x of ["kb-published", "kb-open", "kb-history"]) $(x).textContent = "";
    $("kb-open").hidden = true;
    $("kb-actions").hidden = true;
    $("kb-usage-box").hidden = true;
    $("kb-history-box").hidden = true;
    showStatus($("kb-detail-status"), () => refusal(r), "error");
    return;
  }
  const [versions, usage] = await Promise.all([
    isEditor(K.user) ? call("GET", `/api/knowledge/entries/${id}/versions`) : null,
    mayReadUsage(K.user) ? call("GET", `/api/knowledge/entries/${id}/usage`) : null,
  ]);
  const docs = [r.data.published, r.data.open].filter(Boolean).map((x) => x.document_id);
  await Promise.all(docs.map(loadDocument));
  if (K.openId !== id) return;
  K.detail = r.data;
  K.versions = versions && versions.ok ? versions.data : null;
  K.usage = usage && usage.ok ? usage.data : null;
  if (window.location.hash !== `#entry-${id}`) history.replaceState(null, "", `#entry-${id}`);
  renderDetail();
  hooks.changed(true);
}

function fact(label, value, testid) {
  return [el("dt", { text: label }), el("dd", { "data-testid": testid }, value)];
}

function documentLink(id) {
  if (id === null || id === undefined) return t("knowledge.no_document");
  const d = K.documents.get(id);
  const name = d ? d.name : `#${id}`;
  return el("span", {},
    el("a", { href: `/api/knowledge/documents/${id}`, download: d ? d.name : "", "data-testid": "kb-document-link",
              text: name }),
    d ? el("span", { class: "muted", text: ` (${t("knowledge.document_size", { kb: Math.max(1, Math.round(d.size / 1024)) })}, SHA-256 ${d.sha256.slice(0, 12)}…)` })
      : null);
}

/* One version: its facts and its wording. */
function revisionBlock(rev, testid) {
  const confirmed = rev.confirmed
    ? t("knowledge.confirmed_by", { by: rev.confirmed_by || "", at: fmtAt(rev.confirmed_at) })
    : t("knowledge.not_confirmed");
  const facts = el("dl", { class: "kb-facts" },
    fact(t("knowledge.field.category"), categoryName(rev.category), `${testid}-category`),
    fact(t("knowledge.field.department"), departmentName(rev.department_id), `${testid}-department`),
    fact(t("knowledge.field.validity"), validityText(rev), `${testid}-validity`),
    rev.tags.length ? fact(t("knowledge.fact.tags"), rev.tags.join(", "), `${testid}-tags`) : null,
    rev.queues.length ? fact(t("knowledge.fact.queues"), rev.queues.join(", "), `${testid}-queues`) : null,
    rev.ivr_choices.length ? fact(t("knowledge.fact.ivr"), rev.ivr_choices.join(", "), `${testid}-ivr`) : null,
    fact(t("knowledge.field.document"), documentLink(rev.document_id), `${testid}-document`),
    fact(t("knowledge.field.written"), t("knowledge.by_at", { by: rev.created_by, at: fmtAt(rev.created_at) }),
      `${testid}-written`),
    rev.reviewed_by ? fact(t("knowledge.field.reviewed"),
      t("knowledge.by_at", { by: rev.reviewed_by, at: fmtAt(rev.reviewed_at) })
        + (rev.review_note ? ` — ${rev.review_note}` : ""), `${testid}-reviewed`) : null,
    rev.published_by ? fact(t("knowledge.field.published"),
      t("knowledge.by_at", { by: rev.published_by, at: fmtAt(rev.published_at) }), `${testid}-published`) : null,
    rev.state === "published" ? fact(t("knowledge.field.confirmed"), confirmed, `${testid}-confirmed`) : null,
    rev.note ? fact(t("knowledge.field.note"), rev.note, `${testid}-note`) : null);
  return el("div", { class: "kb-revision" },
    facts,
    el("div", { class: "kb-body", "data-testid": `${testid}-body` }, wording(rev.body_html)));
}

export function renderDetail() {
  const e = K.detail;
  if (!e) return;
  $("kb-detail").hidden = false;
  const shown = e.published || e.open;
  $("kb-detail-title").textContent = shown ? shown.title : t("knowledge.entry_heading", { id: e.id });
  $("kb-detail").dataset.entry = String(e.id);
  $("kb-detail").dataset.version = String(e.version);
  const stateBadge = $("kb-detail-state");
  stateBadge.textContent = entryStateLabel(e.state);
  stateBadge.dataset.state = e.state;
  const valid = $("kb-detail-valid");
  valid.textContent = e.valid_now ? t("knowledge.valid_now") : t("knowledge.not_valid_now");
  valid.className = e.valid_now ? "badge live" : "badge";
  valid.dataset.valid = String(e.valid_now);
  const conf = $("kb-detail-confirmed");
  conf.hidden = !e.published;
  if (e.published) {
    conf.textContent = e.published.confirmed ? t("knowledge.confirmed") : t("knowledge.not_confirmed");
    conf.className = e.published.confirmed ? "badge live" : "badge warn";
    conf.dataset.confirmed = String(e.published.confirmed);
  }

  const pub = $("kb-published");
  pub.textContent = "";
  if (e.published) {
    pub.append(el("h3", { text: t("knowledge.published_heading", { n: e.published.number }) }),
      revisionBlock(e.published, "kb-pub"));
  } else if (e.state === "withdrawn") {
    pub.append(el("p", { class: "status warn", "data-testid": "kb-withdrawn-note",
                         text: t("knowledge.withdrawn_note", { by: e.withdrawn_by || "", at: fmtAt(e.withdrawn_at),
                                                               reason: e.withdraw_reason }) }));
  }
  const open = $("kb-open");
  open.textContent = "";
  open.hidden = !e.open;
  if (e.open) {
    open.append(el("h3", {}, t("knowledge.open_heading", { n: e.open.number }), " ",
      el("span", { class: "badge warn", "data-testid": "kb-open-state", "data-state": e.open.state,
                   text: revisionStateLabel(e.open.state) })));
    if (e.published) open.append(el("p", { class: "muted", text: t("knowledge.open_while_published") }));
    open.append(el("p", { class: "kb-open-title", "data-testid": "kb-open-title", text: e.open.title }),
      revisionBlock(e.open, "kb-open"));
  }
  renderActions();
  renderUsage();
  renderHistory();
}

function renderActions() {
  const e = K.detail;
  const me = K.user.username;
  const canEdit = mayWrite(K.user);
  const canReview = Boolean(e.open && e.open.state === "draft" && mayReview(K.user) && e.open.created_by !== me);
  const canPublish = Boolean(e.open && e.open.state === "reviewed" && mayPublish(K.user));
  const canConfirm = Boolean(e.published && !e.published.confirmed && isHeadOf(me, e.published.department_id));
  const canWithdraw = Boolean(e.published && mayPublish(K.user));
  $("kb-edit").hidden = !canEdit;
  $("kb-review-box").hidden = !canReview;
  $("kb-publish").hidden = !canPublish;
  $("kb-confirm").hidden = !canConfirm;
  $("kb-withdraw-box").hidden = !canWithdraw;
  $("kb-actions").hidden = !(canEdit || canReview || canPublish || canConfirm || canWithdraw);
  const own = e.open && e.open.state === "draft" && mayReview(K.user) && e.open.created_by === me;
  if (own && !$("kb-action-status").textContent) {
    showStatus($("kb-action-status"), () => t("knowledge.own_draft"), "");
  }
}

function renderUsage() {
  const box = $("kb-usage-box");
  box.hidden = !K.usage;
  if (!K.usage) return;
  const rows = $("kb-usage-rows");
  rows.textContent = "";
  for (const m of K.usage.months) {
    rows.append(el("tr", { "data-testid": "kb-usage-row", "data-month": m.month },
      el("td", { text: m.month }), el("td", { "data-testid": "kb-usage-uses", text: String(m.uses) })));
  }
  $("kb-usage-none").hidden = K.usage.months.length > 0;
}

function renderHistory() {
  const box = $("kb-history-box");
  box.hidden = !K.versions;
  if (!K.versions) return;
  const list = $("kb-history");
  list.textContent = "";
  for (const rev of [...K.versions.items].reverse()) {
    const when = [t("knowledge.by_at", { by: rev.created_by, at: fmtAt(rev.created_at) })];
    if (rev.published_at) when.push(t("knowledge.published_at", { at: fmtAt(rev.published_at) }));
    if (rev.ended_at) when.push(t("knowledge.ended_at", { at: fmtAt(rev.ended_at) }));
    list.append(el("li", { "data-testid": "kb-version", "data-number": String(rev.number), "data-state": rev.state },
      el("details", {},
        el("summary", {},
          el("strong", { text: t("knowledge.version_n", { n: rev.number }) }), " ",
          el("span", { class: "badge", "data-testid": "kb-version-state", text: revisionStateLabel(rev.state) }), " ",
          el("span", { "data-testid": "kb-version-title", text: rev.title }), " ",
          el("span", { class: "muted", text: when.join(" · ") }),
          rev.note ? el("span", { class: "muted", text: ` — ${rev.note}` }) : null),
        revisionBlock(rev, "kb-ver"))));
  }
}

const DONE = { review: "knowledge.done.review", publish: "knowledge.done.publish", confirm: "knowledge.done.confirm",
               withdraw: "knowledge.done.withdraw" };

/* One step of the workflow on the open entry, with the version shown. */
async function step(name, body) {
  const e = K.detail;
  if (!e) return;
  const buttons = ["kb-review", "kb-publish", "kb-confirm", "kb-withdraw", "kb-edit"].map($);
  buttons.forEach((b) => { b.disabled = true; });
  const r = await call("POST", `/api/knowledge/entries/${e.id}/${name}`, { version: e.version, ...body });
  buttons.forEach((b) => { b.disabled = false; });
  if (!r.ok) {
    showStatus($("kb-action-status"), () => refusal(r), "error");
    if (r.status === 409) { // changed meanwhile (or no longer at that step): read it again, say so
      const why = () => `${refusal(r)} ${t("knowledge.reloaded")}`;
      await openDetail(e.id, { keepStatus: true });
      showStatus($("kb-action-status"), why, "error");
      hooks.changed(true, true);
    }
    return;
  }
  $("kb-review-note").value = "";
  $("kb-withdraw-reason").value = "";
  showStatus($("kb-action-status"), () => t(DONE[name]), "ok");
  await openDetail(e.id, { keepStatus: true });
  hooks.changed(true, true);
}
