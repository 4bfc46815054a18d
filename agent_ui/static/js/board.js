/* board.html: the supervisor board. The live data is the wallboard model's (wallboard/model.js, /ws/board); HTTP
 * is only used for the seats list and for the actions (listen / whisper / barge, force pause, log out, leave-seat
 * decisions). The only timers are the one-second clock (waits, time in state, away time), the 25 s keep-alive
 * ping and the reconnect back-off: nothing is polled. One module per panel under board/.
 */
import "./i18n/common.js";
import "./i18n/agent.js";
import "./i18n/board.js";
import "./i18n/seat.js";
import { closeAction } from "./board/actions.js";
import { renderAgentHead, renderAgents, tickAgents } from "./board/agents.js";
import { renderAlerts, renderNotifyButton, tickAlerts, toast } from "./board/alerts.js";
import { applyCampaigns, renderCampaignHead, renderCampaigns } from "./board/campaigns.js";
import { renderLeave, tickLeave } from "./board/leave.js";
import { renderQueueHead, renderQueues, tickQueues } from "./board/queues.js";
import { loadSeats, renderSeats } from "./board/seats.js";
import { B, BOARD_SEAT_KEY, BOARD_WINDOW_KEY, say } from "./board/state.js";
import { openPageFor, whoAmIWithClock } from "./core/auth.js";
import { $, storageGet, storageSet } from "./core/dom.js";
import { renderHeader } from "./core/header.js";
import { t, tOr } from "./core/i18n.js";
import {
  WB, wbAgentName, wbApply, wbChart, wbChartData, wbChartLive, wbConnect, wbMayUse, wbShowWs, wbTimeOfDay,
} from "./wallboard/model.js";

function renderAll() {
  renderQueueHead();
  renderAgentHead();
  renderQueues();
  renderAgents();
  renderAlerts();
  renderLeave();
  renderCampaignHead();
  renderCampaigns();
  renderSeats();
  if (B.chart) wbChartData(B.chart);
  wbShowWs($("ws-status"), $("ws-banner"), WB.wsState);
  renderUpdated();
}

function renderUpdated() {
  $("board-updated").textContent = WB.at ? t("board.updated", { time: wbTimeOfDay(WB.at) }) : "";
}

function onBoardMessage(m) {
  const ch = wbApply(m);
  if (!ch) return;
  if (applyCampaigns(m)) renderCampaigns();
  if (ch.kind === "snapshot") {
    if (B.action && !WB.agents[B.action.username]) closeAction();
    renderQueues();
    renderAgents();
    renderAlerts();
    renderLeave();
    wbChartData(B.chart);
    renderUpdated();
    if (ch.raised.length) toast(ch.raised);
    return;
  }
  if (ch.kind === "delta") {
    if (ch.queues.length || ch.totals) {
      renderQueues();
      wbChartLive(B.chart);
    }
    if (ch.agents.length || ch.gone.length) renderAgents(ch.agents);
    if (ch.raised.length || ch.cleared.length || ch.agents.length) renderAlerts();
    if (ch.requests || ch.agents.length) renderLeave();
    if (ch.raised.length) toast(ch.raised);
    renderUpdated();
    return;
  }
  if (ch.kind === "point") {
    B.chart.addPoint(ch.point);
    renderUpdated();
    return;
  }
  if (ch.kind === "notice") {
    const n = ch.notice;
    if (WB.user && n.by === WB.user.username) return; // our own action: its answer is already shown
    const kind = String(n.action || "").replace(/^board\./, "");
    const vars = { time: wbTimeOfDay(n.at), by: n.by || "?", agent: wbAgentName(n.agent), text: n.text || "" };
    say(() => (n.agent && tOr(`board.notice_${kind}`, null) ? t(`board.notice_${kind}`, vars) : t("board.notice", vars)),
        "warn");
  }
}

async function startBoard() {
  renderHeader({ title: "board.title", live: true,
                 links: [{ href: "tv.html", key: "board.tv_link", testid: "board-tv-link" }] });
  WB.user = await openPageFor(whoAmIWithClock, wbMayUse, "board");
  if (!WB.user) return;
  const savedWindow = storageGet(BOARD_WINDOW_KEY);
  if (["today", "hour", "shift"].includes(savedWindow)) B.window = savedWindow;
  $("board-window").value = B.window;
  $("board-window").addEventListener("change", () => {
    B.window = $("board-window").value;
    storageSet(BOARD_WINDOW_KEY, B.window);
    renderQueues();
  });
  $("board-seat").addEventListener("change", () => storageSet(BOARD_SEAT_KEY, $("board-seat").value));
  $("board-notify").addEventListener("click", async () => {
    try { await Notification.requestPermission(); } catch { /* not supported */ }
    renderNotifyButton();
  });
  renderNotifyButton();
  B.chart = wbChart($("board-chart"));
  document.addEventListener("cc:langchange", renderAll);
  renderAll();
  loadSeats();
  setInterval(() => {
    tickQueues();
    tickAgents();
    tickAlerts();
    tickLeave();
    if (WB.wsState === "reconnecting") wbShowWs($("ws-status"), $("ws-banner"), "reconnecting"); // the countdown
  }, 1000);
  wbConnect({
    onMessage: onBoardMessage,
    onWs: (state) => {
      wbShowWs($("ws-status"), $("ws-banner"), state);
      $("board").classList.toggle("stale", state !== "open" && WB.wsEverOpened);
      if (state === "open") loadSeats(); // who holds which seat may have changed while we were away
    },
    onLoggedOut: () => window.location.replace("index.html"),
  });
}

/* For tests and debugging: feed a message to the page without a server (window.ccBoard.message(msg)). */
window.ccBoard = {
  state: WB,
  page: B,
  message: (msg) => {
    const m = typeof msg === "string" ? JSON.parse(msg) : msg;
    if (WB.hooks && WB.hooks.onMessage) WB.hooks.onMessage(m);
  },
};

startBoard();
