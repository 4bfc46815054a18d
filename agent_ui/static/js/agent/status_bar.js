/* The state bar: the agent's state (big, with the time in it and the pause reason), the ready / pause buttons
 * and every control that depends on the state; one state action at a time. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { parseServerTime, fmtClock, serverNow } from "../core/time.js";
import { S, fmtShort, reasonLabel, showError, clearError, st, canReady, canPause, canLeave, canDial } from "./state.js";
import { renderQueues, renderSeats } from "./seat.js";
import { renderPop, popWait } from "./pop.js";
import { recordUnsaved } from "./records.js";
import { renderRecording, fillTransferTargets } from "./phone.js";
import { renderConference } from "./conference.js";
import { renderHelp, tickHelp } from "./help.js";
import { renderSeatDiscipline, renderAwayBanner } from "./discipline.js";
import { applyAgent } from "./live.js";

const CONFIRM_MS = 8000; // "press again to confirm" window

export function renderAgent() {
  const a = S.agent || { state: "logged_out" };
  const state = a.state;
  $("state-bar").dataset.state = state;
  const label = $("agent-state");
  label.dataset.state = state;
  label.dataset.reason = a.reason || "";
  label.textContent = "";
  label.appendChild(el("span", { class: "state-name", text: tOr(`agent.state.${state}`, state) }));
  if (state === "paused" && a.reason) {
    label.appendChild(el("span", { class: "state-reason", "data-testid": "agent-state-reason",
                                   text: " · " + reasonLabel(a.reason) }));
  }
  const sub = [];
  if (a.extension) sub.push(t("agent.sub_seat", { ext: a.extension }));
  if (state === "ringing" || state === "on_call") {
    const q = a.call_queue || (S.pop && S.pop.queue);
    if (q) sub.push(t("agent.sub_queue", { queue: q }));
  }
  if (a.extension && a.device) sub.push(t("agent.sub_phone", { device: deviceLabel(a.device) }));
  $("state-sub").textContent = sub.join(" · ");
  renderSeatDiscipline();
  tick();

  // seat card
  const out = state === "logged_out";
  $("seat-form").hidden = !out;
  $("seat-info").hidden = out;
  if (!out) {
    $("seat-ext").textContent = a.extension || "";
    const seat = S.seats.find((x) => x.extension === a.extension);
    if (seat && seat.name) $("seat-ext").textContent = `${a.extension} — ${seat.name}`;
    const dev = $("seat-device");
    dev.textContent = deviceLabel(a.device);
    dev.className = ["unavailable", "invalid", "unknown", ""].includes(a.device || "") ? "warn-text" : "";
    if (a.missed_rings) dev.textContent += " · " + t("agent.missed_rings", { n: a.missed_rings });
    $("seat-since").textContent = fmtShort(a.logged_in_at);
    renderQueues();
  } else {
    renderSeats();
  }
  renderControls();
  if (!S.pop) renderPop(); // the empty pop area's hint depends on the state
  document.title = titleText();
}

function deviceLabel(d) {
  if (!d) return t("agent.device.unknown");
  return tOr(`agent.device.${d}`, d);
}

export function titleText() {
  const base = t("agent.title");
  if (st() === "ringing") {
    const n = (S.pop && S.pop.caller_number) || t("agent.unknown_number");
    return `☎ ${n} — ${base}`;
  }
  return `${tOr(`agent.state.${st()}`, st())} — ${base}`;
}

export function renderReasons() {
  const sel = $("pause-reason");
  const keep = sel.value;
  sel.textContent = "";
  for (const r of S.reasons.filter((x) => !x.system)) {
    sel.appendChild(el("option", { value: r.code, text: reasonLabel(r.code) }));
  }
  if (keep && S.reasons.some((x) => x.code === keep && !x.system)) sel.value = keep;
}

/* Enable / disable / show / hide every control for the current state and pop. */
export function renderControls() {
  const state = st();
  const busy = S.busy;
  $("btn-ready").disabled = busy || !canReady();
  $("btn-pause").disabled = busy || !canPause() || !$("pause-reason").options.length;
  $("pause-reason").disabled = state === "logged_out";
  $("seat-logout").disabled = busy || !canLeave();
  $("dial-submit").disabled = !canDial();
  $("dial-number").disabled = state === "logged_out";
  document.querySelectorAll("button.dial-this").forEach((b) => { b.disabled = !canDial(); });
  $("transfer-card").hidden = state !== "on_call";
  renderHelp();
  renderRecording();
  renderConference();
  const p = S.pop;
  const recordOpen = Boolean(p && p.phase !== "ringing" && p.call_uniqueid);
  $("record-card").hidden = !recordOpen;
  $("record-wait").hidden = !p || recordOpen;
  $("desk").classList.toggle("no-pop", !p);
  $("record-done").disabled = busy || !canReady();
  fillTransferTargets();
}

/* One state action at a time; a key pressed while one is in flight (F2 then F3 quickly) runs right after it. */
export async function stateAction(path, body) {
  if (S.busy) {
    S.pending = () => stateAction(path, body);
    return null;
  }
  S.busy = true;
  renderControls();
  renderSeats();
  const r = await call("POST", path, body);
  S.busy = false;
  if (r.ok && r.data && r.data.agent) {
    clearError();
    if (Array.isArray(r.data.pause_reasons) && r.data.pause_reasons.length) {
      S.reasons = r.data.pause_reasons;
      renderReasons();
    }
    applyAgent(r.data.agent, false);
  } else if (!r.ok) {
    showError(r);
  }
  renderControls();
  if (st() === "logged_out") renderSeats();
  const next = S.pending;
  S.pending = null;
  if (next) next();
  return r;
}

export async function goReady() {
  if (!canReady() && !S.busy) return;
  // wrap-up with a record typed but not saved: the first press warns, the second goes ready
  if (S.pop && S.pop.phase !== "ringing" && recordUnsaved() && Date.now() > S.doneArmedUntil) {
    S.doneArmedUntil = Date.now() + CONFIRM_MS;
    showStatus($("record-status"), () => t("agent.record_unsaved"), "warn");
    $("record-text").focus();
    return;
  }
  S.doneArmedUntil = 0;
  await stateAction("/api/agent/ready");
}

export async function goPause(ev) {
  if (ev) ev.preventDefault();
  if (!canPause() && !S.busy) return;
  const reason = $("pause-reason").value;
  if (!reason) return;
  await stateAction("/api/agent/pause", { reason });
}

export function tick() {
  const a = S.agent;
  const since = a ? parseServerTime(a.since) : null;
  $("agent-state-timer").textContent = since !== null && a.state !== "logged_out"
    ? fmtClock((serverNow() - since) / 1000) : "--:--";
  if (S.pop) {
    const w = popWait(S.pop);
    $("pop-wait").textContent = w === null || w === undefined ? "—" : fmtClock(w);
  }
  renderAwayBanner();
  tickHelp();
}
