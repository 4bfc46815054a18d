/* The notices the lead manages (GET /api/notices?state=: newest first, with "read / reached"), one notice open
 * with its text, its file, who has not read it yet and who has (GET /api/notices/{id}/readers), the withdrawal with
 * a reason (POST /api/notices/{id}/withdraw), and the latest shift handover's notices (GET /api/notices/handover). */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { P, audienceText, fmt, fmtSize, refusal } from "./state.js";

function readCell(n) {
  return n.recipients === null ? "" : t("notices.read_count", { read: n.read, recipients: n.recipients });
}

export function renderList() {
  const items = P.list ? P.list.items : [];
  $("nt-count").textContent = P.list ? `(${P.list.total})` : "";
  $("nt-none").hidden = items.length > 0;
  $("nt-rows").replaceChildren(...items.map((n) => el("tr", {
    class: `nt-row${n.id === P.openId ? " nt-selected" : ""}`, "data-testid": "nt-row", "data-notice-id": n.id,
    "data-state": n.state, onclick: () => openNotice(n.id) },
    el("td", {}, el("a", { href: `#notice-${n.id}`, "data-testid": "nt-row-title", text: n.title })),
    el("td", { text: audienceText(n.audience) }),
    el("td", { class: "nowrap", text: t("notices.by", { by: n.published_by, at: fmt(n.published_at) }) }),
    el("td", { class: "nowrap", text: n.valid_until ? fmt(n.valid_until) : t("notices.no_limit") }),
    el("td", {}, el("span", { class: `badge nt-state-${n.state}`, text: t(`notices.state.${n.state}`) })),
    el("td", { class: "nowrap", "data-testid": "nt-row-read", text: readCell(n) }))));
}

export async function loadList() {
  const asked = ++P.asked;
  const r = await call("GET", `/api/notices${qs({ state: $("nt-filter-state").value, limit: 200 })}`);
  if (asked !== P.asked) return;
  if (!r.ok) {
    showStatus($("nt-status"), () => refusal(r), "error");
    return;
  }
  P.list = r.data;
  renderList();
}

function readerList(rows, testid, empty) {
  if (!rows.length) return el("p", { class: "muted", text: t(empty) });
  return el("ul", { class: "nt-readers", "data-testid": testid }, rows.map((x) => el("li", {
    "data-username": x.username },
    x.display_name && x.display_name !== x.username ? `${x.display_name} (${x.username})` : x.username,
    x.acknowledged_at ? el("span", { class: "muted small", text: ` ${fmt(x.acknowledged_at)}` }) : null)));
}

export function renderDetail() {
  const box = $("nt-detail");
  const n = P.detail;
  box.hidden = !n;
  if (!n) return;
  const rd = P.readers;
  box.replaceChildren(...[
    el("div", { class: "nt-detail-head" },
      el("h3", { "data-testid": "nt-detail-title", text: n.title }),
      el("span", { class: `badge nt-state-${n.state}`, "data-testid": "nt-detail-state",
                   text: t(`notices.state.${n.state}`) }),
      el("button", { type: "button", class: "secondary small", "data-testid": "nt-detail-close",
                     onclick: () => { P.openId = null; P.detail = null; renderDetail(); renderList(); },
                     text: t("notices.close") })),
    el("p", { class: "muted small", text: `${t("notices.by", { by: n.published_by, at: fmt(n.published_at) })} · `
      + `${audienceText(n.audience)} · ${n.valid_until ? fmt(n.valid_until) : t("notices.no_limit")}` }),
    el("div", { class: "notice-text", "data-testid": "nt-detail-text", text: n.text }),
    n.file ? el("p", {}, el("a", { href: `/api/notices/${n.id}/file`, download: n.file.name,
                                   "data-testid": "nt-detail-file",
                                   text: t("notices.download", { name: n.file.name, size: fmtSize(n.file.size) }) }),
                el("span", { class: "muted small mono", text: ` sha256 ${n.file.sha256}` })) : null,
    n.state === "withdrawn" ? el("p", { class: "status warn", text: t("notices.withdrawn_by", {
      by: n.withdrawn_by, at: fmt(n.withdrawn_at), reason: n.withdraw_reason }) }) : null,
    rd ? el("div", { class: "nt-reader-cols" },
      el("div", {}, el("h4", { text: t("notices.unread_heading", { count: rd.unread.length }) }),
         readerList(rd.unread, "nt-unread", "notices.all_read")),
      el("div", {}, el("h4", { text: t("notices.read_heading", { count: rd.read_by.length }) }),
         readerList(rd.read_by, "nt-read", "notices.nobody_read"))) : null,
    n.state === "withdrawn" ? null : el("form", { class: "row nt-withdraw", "data-testid": "nt-withdraw-form",
                                                 novalidate: true, onsubmit: withdraw },
      el("label", {}, el("span", { text: t("notices.withdraw_reason") }),
         el("input", { id: "nt-withdraw-reason", "data-testid": "nt-withdraw-reason", maxlength: 2000 })),
      el("button", { type: "submit", class: "danger", "data-testid": "nt-withdraw", text: t("notices.withdraw") })),
    el("p", { id: "nt-detail-status", class: "status", "data-testid": "nt-detail-status", role: "status" }),
  ].filter(Boolean)); // (replaceChildren would write a null as the text "null")
}

export async function openNotice(id) {
  P.openId = id;
  renderList();
  const [n, rd] = await Promise.all([call("GET", `/api/notices/${id}`), call("GET", `/api/notices/${id}/readers`)]);
  if (P.openId !== id) return;
  if (!n.ok) {
    showStatus($("nt-status"), () => refusal(n), "error");
    return;
  }
  P.detail = n.data;
  P.readers = rd.ok ? rd.data : null;
  renderDetail();
}

async function withdraw(ev) {
  ev.preventDefault();
  const reason = $("nt-withdraw-reason").value.trim();
  if (!reason) {
    showStatus($("nt-detail-status"), () => t("notices.need_reason"), "error");
    return;
  }
  const id = P.openId;
  const r = await call("POST", `/api/notices/${id}/withdraw`, { reason });
  if (!r.ok) {
    showStatus($("nt-detail-status"), () => refusal(r), "error");
    return;
  }
  await Promise.all([loadList(), openNotice(id)]);
  showStatus($("nt-detail-status"), () => t("notices.withdrawn_ok", { id }), "ok");
}

export function renderHandover() {
  const box = $("nt-handover");
  const h = P.handover;
  if (!h || !h.handover) {
    box.replaceChildren(el("p", { class: "muted", text: t("notices.handover_none") }));
    return;
  }
  const w = h.handover;
  box.replaceChildren(
    el("p", { class: "muted small", text: t("notices.handover_of", { day: w.day, shift: w.shift || "",
                                                                    author: w.author }) }),
    h.items.length ? el("ul", { class: "nt-readers", "data-testid": "nt-handover-items" }, h.items.map((n) => el("li", {},
      el("a", { href: `#notice-${n.id}`, onclick: () => openNotice(n.id), text: n.title }), " ",
      el("span", { class: `badge nt-state-${n.state}`, text: t(`notices.state.${n.state}`) }), " ",
      el("span", { class: "muted small", text: readCell(n) }))))
      : el("p", { class: "muted", text: t("notices.handover_empty") }));
}

export async function loadHandover() {
  const r = await call("GET", "/api/notices/handover");
  if (r.ok) P.handover = r.data;
  renderHandover();
}
