/* Service records: the caller's records and open follow-ups in the pop, and the form to write one for the call. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { pad2, parseServerTime, serverNow } from "../core/time.js";
import { S, fmtShort, failText } from "./state.js";
import { renderPop } from "./pop.js";
import { localFor } from "./live.js";

function fmtDate(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

const CATEGORIES = ["consultation", "query", "business", "complaint", "suggestion", "other"];

export function renderFollowUps(p) {
  const box = $("pop-follow-ups");
  box.textContent = "";
  const open = p.open_follow_ups;
  box.hidden = !open.length;
  if (!open.length) return;
  box.appendChild(el("h3", { text: t("agent.follow_ups", { n: open.length }) }));
  const ul = el("ul", { class: "records" });
  open.forEach((r) => ul.appendChild(recordItem(r, true)));
  box.appendChild(ul);
}

function recordItem(r, open) {
  const due = r.follow_up_due ? t("agent.due", { date: fmtDate(r.follow_up_due) }) : "";
  const overdue = open && r.follow_up_due && parseServerTime(r.follow_up_due) < serverNow();
  return el("li", { class: "record" + (open ? " open" : ""), "data-record-id": r.id },
    el("div", { class: "record-meta" },
      el("span", { class: "badge cat", "data-category": r.category, text: tOr(`agent.cat.${r.category}`, r.category || "") }),
      el("span", { text: fmtShort(r.created_at) }),
      r.agent_username ? el("span", { class: "muted", text: r.agent_username }) : null,
      r.follow_up_needed && !r.follow_up_done_at
        ? el("span", { class: "badge warn" + (overdue ? " overdue" : ""), text: t("agent.follow_up_open") + (due ? " · " + due : "") })
        : null,
      r.follow_up_done_at ? el("span", { class: "badge live", text: t("agent.follow_up_done") }) : null),
    el("div", { class: "record-text", text: r.text || "" }),
    r.outcome ? el("div", { class: "record-outcome" }, el("span", { class: "muted", text: t("agent.outcome_label") }),
                   r.outcome) : null);
}

export function renderRecords(p) {
  const box = $("pop-service-records");
  box.textContent = "";
  if (!p.service_records.length) {
    box.appendChild(el("p", { class: "muted", text: t("agent.no_records") }));
    return;
  }
  const openIds = new Set(p.open_follow_ups.map((r) => r.id));
  const ul = el("ul", { class: "records" });
  p.service_records.forEach((r) => ul.appendChild(recordItem(r, openIds.has(r.id) || (r.follow_up_needed && !r.follow_up_done_at))));
  box.appendChild(ul);
}

export function outcomeLabel(o) {
  return o ? tOr(`agent.outcome.${o}`, o) : "";
}

/* A call's direction in words (the calls lists and the customer's history show outbound calls too). */
export function directionLabel(d) {
  return t(d === "outbound" ? "agent.dir_outbound" : "agent.dir_inbound");
}

/* The category a call from this queue most likely is (the agent can change it). */
export function categoryFor(queue) {
  const q = String(queue || "").toLowerCase();
  const found = CATEGORIES.find((c) => c !== "other" && (q === c || q === `${c}s` || q.startsWith(c)));
  return found || "consultation";
}

export function fillCategories() {
  const sel = $("record-category");
  const keep = sel.value || "consultation";
  sel.textContent = "";
  CATEGORIES.forEach((c) => sel.appendChild(el("option", { value: c, text: t(`agent.cat.${c}`) })));
  sel.value = keep;
  const dl = $("record-outcomes");
  dl.textContent = "";
  for (const k of ["answered", "handled", "escalated", "callback", "unresolved"]) {
    dl.appendChild(el("option", { value: t(`agent.record_outcome_hint.${k}`) }));
  }
}

export function recordUnsaved() {
  const text = $("record-text").value.trim();
  return Boolean(text) && text !== $("record-text").dataset.saved;
}

export async function saveRecord(ev) {
  if (ev) ev.preventDefault();
  const p = S.pop;
  const status = $("record-status");
  if (!p) return;
  const text = $("record-text").value;
  if (!text.trim()) {
    showStatus(status, () => t("agent.record_text_missing"), "error");
    $("record-text").focus();
    return;
  }
  const followUp = $("record-follow-up").checked;
  const body = {
    call_uniqueid: p.call_uniqueid,
    category: $("record-category").value,
    text,
    outcome: $("record-outcome").value.trim(),
    follow_up_needed: followUp,
  };
  if (p.customer && p.customer.id) body.customer_id = p.customer.id;
  if (p.caller_number) body.caller_number = p.caller_number;
  const due = $("record-follow-up-due").value;
  if (followUp && due) body.follow_up_due = new Date(due).toISOString(); // the local date and time chosen
  const btn = $("record-save");
  btn.disabled = true;
  showStatus(status, () => t("agent.saving"));
  const r = await call("POST", "/api/service-records", body);
  btn.disabled = false;
  if (!r.ok || !r.data || typeof r.data !== "object") {
    showStatus(status, () => failText(r), "error");
    return;
  }
  const rec = r.data;
  localFor(p.call_uniqueid).records.push(rec);
  if (S.pop && S.pop.call_uniqueid === p.call_uniqueid) {
    S.pop.service_records = [rec, ...S.pop.service_records.filter((x) => x.id !== rec.id)];
    if (rec.follow_up_needed && !rec.follow_up_done_at) S.pop.open_follow_ups = [rec, ...S.pop.open_follow_ups];
    renderPop();
  }
  // cleared for the next record of the same call; category and outcome stay
  $("record-text").value = "";
  $("record-text").dataset.saved = "";
  $("record-follow-up").checked = false;
  $("record-follow-up-due").value = "";
  $("record-follow-up-due").disabled = true;
  S.doneArmedUntil = 0;
  showStatus(status, () => t("agent.record_saved", { time: fmtShort(rec.created_at) || "" }), "ok");
}

const FOLLOW_UP_MS = 72 * 3600 * 1000;

/* A datetime-local input's value: the local date and time to the minute (seconds dropped: never later). */
function localMinute(d) {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export function onFollowUpToggle() {
  const on = $("record-follow-up").checked;
  const due = $("record-follow-up-due");
  due.disabled = !on;
  if (on && !due.value) { // the centre's rule: call-backs within 72 hours (the server refuses a later time)
    due.value = localMinute(new Date(serverNow() + FOLLOW_UP_MS));
  }
}
