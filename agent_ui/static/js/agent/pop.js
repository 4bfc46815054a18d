/* The screen pop: the caller, the wait, the IVR path, and the caller's recent calls, while the phone rings and
 * during the call; its forms are reset when a new call pops. */

import { $, el, showStatus } from "../core/dom.js";
import { t, tOr, getLang } from "../core/i18n.js";
import { parseServerTime, fmtClock, serverNow } from "../core/time.js";
import { S, fmtShort, st } from "./state.js";
import { titleText, tick } from "./status_bar.js";
import { renderCustomer, fillCustomerForm } from "./customer.js";
import { renderFollowUps, renderRecords, outcomeLabel, directionLabel, categoryFor } from "./records.js";
import { renderPopCases, resetCaseForm } from "./case_form.js";

export function renderPop() {
  const p = S.pop;
  $("pop-card").hidden = !p;
  $("pop-empty").hidden = Boolean(p);
  document.body.classList.toggle("has-pop", Boolean(p));
  if (!p) {
    $("pop-empty-text").textContent = st() === "logged_out" ? t("agent.pop_none_logged_out") : t("agent.pop_none");
    const last = S.lastCleared;
    $("pop-last").textContent = last
      ? t("agent.pop_last", { number: last.number || t("agent.unknown_number"),
                              why: tOr(`agent.why.${last.why}`, last.why || "") })
      : "";
    document.title = titleText();
    return;
  }
  const phase = p.phase || "ringing";
  $("pop-card").dataset.phase = phase;
  const ph = $("pop-phase");
  ph.dataset.phase = phase;
  ph.textContent = tOr(`agent.phase.${phase}`, phase);
  $("pop-caller-number").textContent = p.caller_number || t("agent.unknown_number");
  $("pop-caller-name").textContent = p.caller_name && p.caller_name !== p.caller_number ? p.caller_name : "";
  $("pop-queue").textContent = p.queue || "—";
  $("pop-dialled").textContent = p.dialled_number || "";
  $("pop-dialled-wrap").hidden = !p.dialled_number;
  renderIvrPath(p);
  showStatus($("pop-error"), p.error ? () => t("agent.pop_error", { message: p.error }) : "", "warn");
  renderCustomer(p);
  renderFollowUps(p);
  renderPopCases(p);
  renderRecentCalls(p);
  renderRecords(p);
  tick();
  document.title = titleText();
}

/* The wait so far: live from queued_at while ringing, then frozen at the answer. */
export function popWait(p) {
  const queued = parseServerTime(p.queued_at);
  if (p.phase === "ringing" || !p.phase) {
    if (queued !== null) return (serverNow() - queued) / 1000;
    return p.wait_seconds;
  }
  const answered = parseServerTime(p.active_at);
  if (queued !== null && answered !== null) return (answered - queued) / 1000;
  return p.wait_seconds;
}

function ivrStepText(s) {
  const node = s.node || "?";
  let extra = "";
  if (s.kind === "menu") {
    if (s.result === "option" && s.digits) extra = t("agent.ivr_pressed", { digits: s.digits });
    else if (s.result === "invalid") extra = t("agent.ivr_invalid", { digits: s.digits || "" });
    else if (s.result === "timeout") extra = t("agent.ivr_timeout");
    else if (s.digits) extra = t("agent.ivr_pressed", { digits: s.digits });
  } else if (s.kind === "queue") {
    extra = t("agent.ivr_queue", { queue: s.queue || "" });
  } else if (s.kind === "lookup" || s.kind === "hours") {
    extra = tOr(`agent.ivr_result.${s.result}`, s.result || "");
  } else if (s.kind === "language" && s.language) {
    extra = s.language;
  } else if (s.kind === "transfer" && s.target) {
    extra = s.target;
  }
  if (s.result === "caller_hangup") extra = t("agent.ivr_result.caller_hangup");
  return { node, extra };
}

function renderIvrPath(p) {
  const ol = $("pop-ivr-path");
  ol.textContent = "";
  const steps = p.ivr_path.filter((s) => s && s.kind !== "play");
  if (!steps.length) {
    ol.appendChild(el("li", { class: "muted", text: t("agent.ivr_none") }));
    return;
  }
  // the flow's own label of each node (人工服务 / Human service) in the page's language; the node id otherwise
  const labels = p.ivr_labels && typeof p.ivr_labels === "object" ? p.ivr_labels : {};
  const lang = getLang().startsWith("zh") ? "zh" : "en";
  for (const s of steps) {
    const { node, extra } = ivrStepText(s);
    const label = labels[node] && labels[node][lang];
    ol.appendChild(el("li", { "data-node": node, "data-kind": s.kind || "" },
      el("span", { class: "crumb-node", title: label ? node : "", text: label || node }),
      extra ? el("span", { class: "crumb-extra" + (s.digits && s.result === "option" ? " digits" : ""), text: extra })
        : null));
  }
}

function renderRecentCalls(p) {
  const box = $("pop-recent-calls");
  box.textContent = "";
  const calls = p.recent_calls.filter((c) => c.uniqueid !== p.call_uniqueid).slice(0, 5);
  if (!calls.length) {
    box.appendChild(el("p", { class: "muted", text: t("agent.no_calls") }));
    return;
  }
  const tbody = el("tbody");
  for (const c of calls) {
    tbody.appendChild(el("tr", { "data-uniqueid": c.uniqueid },
      el("td", { class: "time", text: fmtShort(c.arrived_at || c.answered_at) }),
      el("td", { class: "direction", text: directionLabel(c.direction) }),
      el("td", { text: c.queue || "—" }),
      el("td", { class: "outcome", text: outcomeLabel(c.outcome) }),
      el("td", { class: "num", text: c.talk_seconds ? fmtClock(c.talk_seconds) : "" }),
      el("td", { class: "muted", text: c.agent_name || c.agent_extension || "" })));
  }
  box.appendChild(el("table", { class: "grid" },
    el("thead", {}, el("tr", {},
      el("th", { text: t("agent.col_time") }), el("th", { text: t("agent.col_direction") }),
      el("th", { text: t("agent.col_queue") }), el("th", { text: t("agent.col_outcome") }), el("th", { class: "num", text: t("agent.col_talk") }),
      el("th", { text: t("agent.col_agent") }))),
    tbody));
}

export function resetPopForms() {
  const p = S.pop;
  S.formsFor = p ? p.call_uniqueid : null;
  S.customerMode = null;
  S.doneArmedUntil = 0;
  fillCustomerForm({ numbers: p && p.caller_number ? [p.caller_number] : [] });
  showStatus($("customer-status"), "");
  $("record-category").value = categoryFor(p && p.queue);
  $("record-text").value = "";
  $("record-outcome").value = "";
  $("record-follow-up").checked = false;
  $("record-follow-up-due").value = "";
  $("record-follow-up-due").disabled = true;
  $("record-text").dataset.saved = "";
  showStatus($("record-status"), "");
  showStatus($("transfer-status"), "");
  $("transfer-target").value = "";
  resetCaseForm();
}
