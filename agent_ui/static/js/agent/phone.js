/* The phone: click-to-call, the current call's recording (muted for a stretch, resumed) and the transfer. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { S, failText, clearError, st, canDial } from "./state.js";

export async function dial(number, customerId) {
  const status = $("dial-status");
  const n = String(number || "").trim();
  if (!n) {
    $("dial-number").focus();
    return;
  }
  if (!canDial()) return;
  const body = { number: n };
  if (customerId) body.customer_id = customerId;
  showStatus(status, () => t("agent.dialling", { number: n }));
  const r = await call("POST", "/api/agent/call", body);
  if (r.ok) {
    showStatus(status, () => t("agent.dialled", { number: (r.data && r.data.number) || n }), "ok");
    clearError();
  } else {
    showStatus(status, () => failText(r), "error");
  }
}

/* The recording of the current call: muted for a stretch (a card number) and resumed; the server keeps the times. */
export function renderRecording() {
  const a = S.agent || {};
  const onCall = st() === "on_call";
  if (!onCall || S.recording.call !== a.call_uniqueid) {
    S.recording = { call: onCall ? a.call_uniqueid : null, muted: false };
  }
  $("recording-card").hidden = !onCall;
  const muted = S.recording.muted;
  $("recording-state").textContent = t(muted ? "agent.recording_muted" : "agent.recording_on");
  $("recording-state").classList.toggle("warn", muted);
  $("recording-toggle").textContent = t(muted ? "agent.recording_resume" : "agent.recording_pause");
  $("recording-toggle").dataset.muted = muted ? "1" : "0";
}

/* The server says whether the current call's recording is muted (a reload or reconnect mid-call). */
export function adoptRecording(muted) {
  const a = S.agent || {};
  if (st() === "on_call" && typeof muted === "boolean") S.recording = { call: a.call_uniqueid, muted };
  renderRecording();
}

export async function toggleRecording() {
  const btn = $("recording-toggle");
  const want = !S.recording.muted;
  btn.disabled = true;
  const r = await call("POST", "/api/agent/recording", { muted: want });
  btn.disabled = false;
  if (r.ok) {
    S.recording.muted = Boolean(r.data.muted);
    showStatus($("recording-status"), "");
  } else {
    showStatus($("recording-status"), () => failText(r), "error");
  }
  renderRecording();
}

export async function transfer(ev) {
  ev.preventDefault();
  const status = $("transfer-status");
  const type = $("transfer-type").value;
  const survey = type === "survey"; // the caller answers the survey alone: blind, no target
  const target = survey ? "" : $("transfer-target").value.trim();
  const mode = survey ? "blind" : $("transfer-mode").value;
  if (!target && !survey) {
    showStatus(status, () => t("agent.transfer_no_target"), "error");
    $("transfer-target").focus();
    return;
  }
  const btn = $("transfer-submit");
  btn.disabled = true;
  showStatus(status, () => t("agent.transferring", { target: survey ? t("agent.transfer_survey") : target }));
  const r = await call("POST", "/api/agent/transfer", { target_type: type, target, mode });
  btn.disabled = false;
  if (r.ok) {
    showStatus(status, () => (survey ? t("agent.transferred_survey")
      : mode === "attended" ? t("agent.transferred_attended", { target })
        : t("agent.transferred", { target })), "ok");
  } else {
    showStatus(status, () => failText(r), "error");
  }
}

/* The outside numbers the admin allows for transfers (settings outside_numbers.transfer), read once. */
export async function loadOutsideNumbers() {
  const r = await call("GET", "/api/agent/outside-numbers");
  if (r.ok && r.data && Array.isArray(r.data.allowed)) {
    S.outside = r.data.allowed;
    fillTransferTargets();
  }
}

export function fillTransferTargets() {
  const dl = $("transfer-targets");
  const type = $("transfer-type").value;
  // the survey: the caller goes alone (blind), to no target
  $("transfer-target").disabled = type === "survey";
  $("transfer-mode").disabled = type === "survey";
  const opts = [];
  const hint = $("transfer-hint");
  hint.hidden = type !== "outside";
  hint.textContent = S.outside.length ? t("agent.transfer_outside_hint", { allowed: S.outside.join(", ") })
    : t("agent.transfer_outside_none");
  if (type === "outside") {
    // exact numbers can be picked; a pattern (138XXXXXXXX) is shown in the hint, the number typed
    S.outside.filter((n) => !n.includes("X")).forEach((n) => opts.push([n, ""]));
  } else if (type === "queue") {
    const qs = new Set(Object.keys((S.agent && S.agent.queues) || {}));
    S.skills.forEach((s) => qs.add(s.queue));
    if (S.pop && S.pop.queue) qs.add(S.pop.queue);
    [...qs].sort().forEach((q) => opts.push([q, q]));
  } else {
    for (const s of S.seats) {
      if (S.agent && s.extension === S.agent.extension) continue;
      opts.push([s.extension, [s.name, s.taken_by].filter(Boolean).join(" · ")]);
    }
  }
  const key = JSON.stringify(opts);
  if (dl.dataset.key === key) return;
  dl.dataset.key = key;
  dl.textContent = "";
  opts.forEach(([v, label]) => dl.appendChild(el("option", { value: v, label: label || null })));
}
