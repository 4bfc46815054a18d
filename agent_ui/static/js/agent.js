/* agent.html: the agent desktop. Log in at a seat, go ready / pause with a reason, see the caller's record pop
 * up while the phone rings, write the service record, transfer, a conference on the call, click-to-call, today's
 * calls.
 *
 * The entry module: wires the panels (one module each, in js/agent/) to the page and starts the live socket.
 * Everything live arrives over the websocket /ws/agent (live.js); HTTP is only used for actions and for lists that
 * change when a call ends (and /api/seat/me after a "discipline" push). The only timers are the one-second clock
 * (time in state, wait so far), the 25 s keep-alive ping and the reconnect back-off: no data is polled.
 */

import "./i18n/common.js";
import "./i18n/agent.js";
import "./i18n/seat.js";
import "./i18n/qc.js";
import "./i18n/player.js";
import "./i18n/cases.js";
import { call } from "./core/api.js";
import { $ } from "./core/dom.js";
import { whoAmIWithClock, hasRole, openPageFor } from "./core/auth.js";
import { parseLiveMessage } from "./core/socket.js";
import { renderHeader } from "./core/header.js";
import { S, failText, showError } from "./agent/state.js";
import { renderAgent, renderReasons, goReady, goPause, tick } from "./agent/status_bar.js";
import { seatLogin, seatLogout, loadSeats } from "./agent/seat.js";
import { renderPop } from "./agent/pop.js";
import { closeCustomerForm, saveCustomer } from "./agent/customer.js";
import { fillCategories, recordUnsaved, saveRecord, onFollowUpToggle } from "./agent/records.js";
import { dial, adoptRecording, toggleRecording, transfer, fillTransferTargets, loadOutsideNumbers }
  from "./agent/phone.js";
import { loadToday, renderToday } from "./agent/today.js";
import { initConference } from "./agent/conference.js";
import { initHelp } from "./agent/help.js";
import { MYQC, loadMyQc, renderMyQc, renderMyQcDetail } from "./agent/my_qc.js";
import { refreshSeat, askLeave, cancelLeave } from "./agent/discipline.js";
import { applyAgent, applyPop, setWs, connect, onMessage } from "./agent/live.js";
import { openCaseForm, closeCaseForm, saveCase, onCaseType, tickPopCases } from "./agent/case_form.js";
import { initKnowledgePanel } from "./agent/knowledge.js";
import { initNoticesPanel } from "./agent/notices.js";

function onKey(ev) {
  if (ev.altKey || ev.metaKey) return;
  if (ev.key === "F2") {
    ev.preventDefault();
    goReady();
  } else if (ev.key === "F3") {
    ev.preventDefault();
    goPause();
  } else if (ev.key === "F4") {
    ev.preventDefault();
    goReady();
  } else if (ev.key === "Escape" && S.customerMode === "edit") {
    closeCustomerForm();
  }
}

function rerenderAll() {
  renderReasons();
  fillCategories();
  renderAgent();
  renderPop();
  renderToday();
  renderMyQc();
  if (MYQC.detail) renderMyQcDetail(false);
  setWs(S.wsState);
}

document.addEventListener("DOMContentLoaded", async () => {
  renderHeader({ title: "agent.title", live: true });
  // whoAmIWithClock also sets the server's clock (the time in state, the wait so far)
  S.user = await openPageFor(whoAmIWithClock, (u) => hasRole(u, "agent"), "desk", failText);
  if (!S.user) return;
  fillCategories();
  document.addEventListener("cc:langchange", rerenderAll);
  document.addEventListener("keydown", onKey);
  $("btn-ready").addEventListener("click", goReady);
  $("pause-form").addEventListener("submit", goPause);
  $("seat-form").addEventListener("submit", seatLogin);
  $("seat-logout").addEventListener("click", seatLogout);
  $("dial-form").addEventListener("submit", (ev) => { ev.preventDefault(); dial($("dial-number").value); });
  $("transfer-form").addEventListener("submit", transfer);
  $("recording-toggle").addEventListener("click", toggleRecording);
  $("transfer-type").addEventListener("change", () => { $("transfer-target").value = ""; fillTransferTargets(); });
  $("customer-form").addEventListener("submit", saveCustomer);
  $("customer-cancel").addEventListener("click", closeCustomerForm);
  $("record-form").addEventListener("submit", saveRecord);
  $("case-new").addEventListener("click", openCaseForm);
  $("case-cancel").addEventListener("click", closeCaseForm);
  $("case-form").addEventListener("submit", saveCase);
  $("case-type").addEventListener("change", onCaseType);
  $("record-text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) saveRecord(ev);
  });
  $("record-follow-up").addEventListener("change", onFollowUpToggle);
  $("record-done").addEventListener("click", goReady);
  $("leave-form").addEventListener("submit", askLeave);
  $("leave-cancel").addEventListener("click", cancelLeave);
  initConference();
  initHelp();
  initKnowledgePanel();
  initNoticesPanel(); // the unread notices, shown first
  window.addEventListener("beforeunload", (ev) => { // a record typed but not saved: let the browser ask
    if (S.pop && recordUnsaved()) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });

  const [mine] = await Promise.all([call("GET", "/api/agent/me"), loadSeats()]);
  if (mine.ok && mine.data) {
    S.reasons = Array.isArray(mine.data.pause_reasons) ? mine.data.pause_reasons : [];
    renderReasons();
    applyAgent(mine.data.agent, true);
    applyPop(mine.data.pop || null);
    adoptRecording(mine.data.recording_muted);
  } else {
    showError(mine);
    renderAgent();
    renderPop();
  }
  loadToday();
  loadOutsideNumbers();
  loadMyQc();
  refreshSeat();
  setInterval(() => {
    tick();
    tickPopCases();
    if (S.wsState === "reconnecting") setWs("reconnecting"); // the countdown in the banner
  }, 1000);
  connect();
});

/* For tests and debugging: render a sample pop without a call (window.ccAgent.renderPop(samplePop)). */
window.ccAgent = {
  state: S,
  renderPop: (pop) => applyPop(pop),
  applyAgent: (agent) => applyAgent(agent, true),
  message: (msg) => {
    const m = parseLiveMessage(typeof msg === "string" ? msg : JSON.stringify(msg));
    if (m) onMessage(m);
  },
};
