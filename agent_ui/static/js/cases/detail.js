/* One case: its facts, the report and files, the linked calls, the timeline (who, when, what) and the actions
 * (js/cases/actions.js). */

import { call, errorText } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { causeClassLabel, causeLabel, causeText } from "../core/causes.js";
import { C, say, typeLabel, stateLabel, severityLabel, howLabel, departmentName, fmtDateTime,
         fmtSpan, ageSeconds, isOpen, stampClocks, liveClocks, clockLabel, clockText, escalationText,
         clockStatusLabel, escalatedToLabel } from "./state.js";
import { renderList, replaceInList } from "./list.js";
import { renderCalls, closePlayer } from "./calls.js";
import { renderActions } from "./actions.js";

export async function openDetail(number, quiet) {
  const r = await call("GET", `/api/cases/${encodeURIComponent(number)}`);
  if (!r.ok) {
    say(() => errorText(r), "error");
    return false;
  }
  const same = C.detail && C.detail.number === r.data.number;
  C.detail = r.data;
  stampClocks(C.detail);
  if (!same) {
    C.action = null;
    closePlayer();
  }
  replaceInList(listItem(C.detail)); // the list's row shows what the detail shows
  if (window.location.hash !== `#case-${number}`) history.replaceState(null, "", `#case-${number}`);
  $("cases-detail").hidden = false;
  renderDetail();
  renderList();
  if (!same && !quiet) $("cases-detail").scrollIntoView({ block: "nearest" });
  return true;
}

/* The list's fields of a detail (without its calls, timeline, files, pauses). */
function listItem(d) {
  const { calls, timeline, files, pauses, ...item } = d; // eslint-disable-line no-unused-vars
  return item;
}

export function closeDetail() {
  closePlayer();
  C.detail = null;
  C.action = null;
  $("cases-detail").hidden = true;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  renderList();
}

function fact(dl, key, value, testid) {
  dl.appendChild(el("dt", { text: t(`cases.fact.${key}`) }));
  dl.appendChild(el("dd", { "data-testid": testid || null,
                            text: value === null || value === undefined || value === "" ? "—" : String(value) }));
}

/* The number of the case this one was re-raised from (its first timeline row says), or "". */
function reraisedFrom(d) {
  const first = (d.timeline || []).find((e) => e.action === "created");
  return (first && first.detail && first.detail.reraised_from) || "";
}

function renderFacts() {
  const d = C.detail;
  $("cases-detail-title").textContent = `${d.number} · ${typeLabel(d.type)}`;
  const st = $("cases-detail-state");
  st.className = `badge cases-st cases-st-${d.state}`;
  st.textContent = stateLabel(d.state) + (d.paused ? ` · ${t("cases.paused")}` : "");
  st.dataset.state = d.state;
  const dl = $("cases-facts");
  dl.textContent = "";
  fact(dl, "accepted", `${fmtDateTime(d.accepted_at)} · ${d.accepted_by}`);
  fact(dl, "age", fmtSpan(ageSeconds(d) || 0), "cases-detail-age");
  fact(dl, "severity", severityLabel(d.severity));
  fact(dl, "customer", d.customer_id);
  fact(dl, "department", departmentName(d.department_id));
  fact(dl, "handler", d.handler, "cases-detail-handler");
  if (d.type === "complaint") {
    fact(dl, "cause", causeText(d.cause_class, d.cause), "cases-detail-cause");
    fact(dl, "employee", d.employee);
  }
  const from = reraisedFrom(d);
  if (from) { // the original, one click away (its record is also in this case's first timeline row)
    fact(dl, "reraised_from", "", "cases-detail-reraised-from");
    dl.lastChild.textContent = "";
    dl.lastChild.appendChild(el("a", { href: `#case-${from}`, class: "mono", text: from,
                                       onclick: (ev) => { ev.preventDefault(); openDetail(from); } }));
  }
  fact(dl, "version", d.version, "cases-detail-version");

  $("cases-description").textContent = d.description;
  $("cases-demand").textContent = d.demand || "—";

  // the milestones as the server stamped them
  const ms = $("cases-milestones");
  ms.textContent = "";
  for (const k of ["dispatched_at", "reported_at", "reviewed_at", "resolved_at", "informed_at", "closed_at",
                   "cancelled_at"]) {
    if (!d[k]) continue;
    ms.appendChild(el("li", { "data-milestone": k },
      el("span", { class: "muted", text: t(`cases.milestone.${k}`) }), " ",
      el("span", { class: "mono", text: fmtDateTime(d[k]) })));
  }
  if (d.paused && d.paused_since) {
    ms.appendChild(el("li", { class: "cases-paused-since" },
      el("span", { class: "muted", text: t("cases.paused_since") }), " ",
      el("span", { class: "mono", text: fmtDateTime(d.paused_since) })));
  }
}

function renderOutcome() {
  const d = C.detail;
  $("cases-report-box").hidden = !d.report_text;
  $("cases-report-text").textContent = d.report_text || "";
  $("cases-decision-box").hidden = !d.decision;
  const amount = d.settlement_amount !== null && d.settlement_amount !== undefined && Number(d.settlement_amount) > 0
    ? ` (${t("cases.settlement", { amount: d.settlement_amount })})` : "";
  $("cases-decision-text").textContent = d.decision ? d.decision + amount : "";
  $("cases-informed").hidden = !d.informed_how;
  $("cases-informed").textContent = d.informed_how ? t("cases.informed_how", { how: howLabel(d.informed_how) }) : "";
  $("cases-cancel-reason").hidden = !d.cancel_reason;
  $("cases-cancel-reason").textContent = d.cancel_reason ? t("cases.cancelled_because", { reason: d.cancel_reason }) : "";

  const files = $("cases-files");
  files.textContent = "";
  for (const f of d.files || []) {
    files.appendChild(el("li", { "data-testid": "cases-file" },
      el("a", { href: `/api/cases/${encodeURIComponent(d.number)}/files/${f.id}`, download: f.name, text: f.name }),
      el("span", { class: "muted small", text: ` ${fmtSize(f.size)} · ${f.uploaded_by} · ${fmtDateTime(f.uploaded_at)}` })));
  }
  $("cases-files-none").hidden = (d.files || []).length > 0;

  renderCalls();
}

function fmtSize(n) {
  if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

// what a timeline row says besides its action: these detail keys, in this order
const SHOWN = ["department", "handler", "text", "decision", "amount", "approved_as", "how", "position", "note",
               "reason", "reraised_from", "new_case", "call", "name", "due_at", "to", "set",
               "responsibility", "employee", "outcome"]; // (the last three: the responsibility review)

function eventWhat(e) {
  const d = e.detail || {};
  const parts = [];
  if (d.from && d.to) parts.push(`${stateLabel(d.from)} → ${stateLabel(d.to)}`);
  for (const k of SHOWN) {
    const v = d[k];
    if (v === null || v === undefined || v === "" || (k === "to" && d.from)) continue;
    let text;
    if (k === "how") text = howLabel(v);
    else if (k === "responsibility") text = tOr(`review.resp.${v}`, v);
    else if (k === "to" && e.action.startsWith("clock.")) text = escalatedToLabel(v);
    else if (k === "due_at") text = fmtDateTime(v);
    else if (k === "set") text = Object.entries(v).map(([a, b]) => `${tOr(`cases.field.${a}`, a)}=${setValue(a, b)}`).join(", ");
    else text = String(v);
    if (text) parts.push(`${tOr(`cases.detail_key.${k}`, k)}: ${text}`);
  }
  return parts.join(" · ");
}

/* A value a classification set, in words where it is a code (cause, cause class, severity). */
function setValue(key, v) {
  if (v === null || v === undefined || v === "") return "—";
  if (key === "cause") return causeLabel(v);
  if (key === "cause_class") return causeClassLabel(v);
  if (key === "severity") return severityLabel(v);
  return String(v);
}

function actionLabel(action) {
  if (action.startsWith("clock.")) { // clock.<clock>.warning | .breach | .escalate.<level>
    const [, clock, what, level] = action.split(".");
    const vars = { clock: clockLabel(clock), level: level || "" };
    if (what === "warning" || what === "breach" || what === "escalate") return t(`cases.event.clock_${what}`, vars);
    return t("cases.event.clock", { kind: action.slice(6) });
  }
  return tOr(`cases.event.${action}`, action);
}

function renderTimeline() {
  const ol = $("cases-timeline");
  ol.textContent = "";
  for (const e of C.detail.timeline || []) {
    ol.appendChild(el("li", { "data-testid": "cases-event", "data-action": e.action },
      el("span", { class: "mono cases-ev-at", text: fmtDateTime(e.at) }),
      el("span", { class: "cases-ev-by", text: e.by }),
      el("strong", { class: "cases-ev-action", text: actionLabel(e.action) }),
      el("span", { class: "cases-ev-what", text: eventWhat(e) })));
  }
}

/* The case's clocks: one row each (dispatch, report, close) with its state, time left or overdue by, deadline and
 * escalation; redrawn in place every second. */
function renderClocks() {
  const body = $("cases-clocks");
  const live = liveClocks(C.detail);
  $("cases-clocks-none").hidden = live.length > 0;
  body.parentElement.hidden = live.length === 0;
  const names = live.map((k) => k.clock).join(",");
  if (body.dataset.clocks !== names) {
    body.textContent = "";
    for (const k of live) {
      body.appendChild(el("tr", { "data-testid": `case-clock-row-${k.clock}`, "data-clock": k.clock },
        el("th", { scope: "row", class: "cases-clock-name" }),
        el("td", { class: "cases-clock-status" }, el("span", { class: "badge" })),
        el("td", { class: "mono cases-clock-left", "data-testid": `case-clock-left-${k.clock}` }),
        el("td", { class: "muted small cases-clock-due" }),
        el("td", { class: "small cases-clock-esc", "data-testid": `case-clock-esc-${k.clock}` })));
    }
    body.dataset.clocks = names;
  }
  for (const k of live) {
    const tr = body.querySelector(`tr[data-clock="${k.clock}"]`);
    tr.dataset.status = k.status;
    tr.className = `cases-clock-row cases-clock-${k.status}`;
    setText(tr.children[0], clockLabel(k.clock));
    const badge = tr.children[1].firstChild;
    badge.className = `badge cases-clock-badge cases-clock-badge-${k.status}`;
    setText(badge, clockStatusLabel(k.status));
    setText(tr.children[2], clockText(k));
    let due = "";
    if (k.status === "met" || k.status === "met_late") {
      due = k.stopped_at ? t("cases.clock_stopped_at", { at: fmtDateTime(k.stopped_at) }) : "";
    } else if (k.due_at) {
      due = t("cases.clock_due_at", { at: fmtDateTime(k.due_at) });
    }
    setText(tr.children[3], due);
    setText(tr.children[4], escalationText(k));
  }
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function renderDetail() {
  if (!C.detail) return;
  renderFacts();
  renderClocks();
  renderOutcome();
  renderTimeline();
  renderActions();
}

/* Called every second: the open case's age moves on. */
export function tickDetail() {
  if (!C.detail) return;
  renderClocks();
  if (!isOpen(C.detail)) return;
  const dd = document.querySelector("[data-testid=cases-detail-age]");
  if (dd) dd.textContent = fmtSpan(ageSeconds(C.detail) || 0);
}
