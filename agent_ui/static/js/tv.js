/* tv.html: the wallboard on a big screen. No controls at all: the totals of today in very large type, one line
 * per queue, the current alerts and the chart. Uses the wallboard model and its websocket (wallboard/model.js,
 * /ws/board) and reconnects forever, except when the session is gone (4401: a "log in" message) or refused (4403).
 *
 * ?lang=en (or zh-CN) in the address picks the language for this screen without changing the stored choice.
 */
import "./i18n/common.js";
import "./i18n/agent.js";
import "./i18n/board.js";
import "./i18n/seat.js";
import "./i18n/tv.js";
import { chartTimeFormatter } from "./chart.js";
import { errorText } from "./core/api.js";
import { whoAmIWithClock } from "./core/auth.js";
import { $, el } from "./core/dom.js";
import { applyI18n, getLang, t, usePageLanguage } from "./core/i18n.js";
import { pad2, secondsSince, serverNow } from "./core/time.js";
import { WB, wbAlertList, wbAlertText, wbApply, wbBelowTarget, wbChart, wbChartData, wbChartLive, wbConnect, wbMayUse, wbNum, wbPct, wbQueueName, wbShowWs, wbTarget, wbWaitLevel, wbWindow } from "./wallboard/model.js";

const TV = { chart: null, queueTimers: [] };

const addressLang = new URLSearchParams(window.location.search).get("lang");
if (addressLang) usePageLanguage(addressLang);

/* A message instead of the board (not logged in, no role, refused): the badge says refused, no banner. */
function tvMessage(key, withLink) {
  wbShowWs($("ws-status"), $("ws-banner"), "refused");
  $("ws-banner").hidden = true;
  const p = $("tv-message");
  p.textContent = t(key);
  if (withLink) {
    p.append(" ", el("a", { href: "index.html", "data-testid": "tv-login-link", text: t("tv.login_link") }));
  }
  p.hidden = false;
}

/* m:ss (h:mm:ss from an hour): one digit less than the board's mm:ss, for the big tiles. */
function tvClock(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${m}:${pad2(s % 60)}`;
}

/* A whole percentage: a TV is read from across the room. */
function tvPct(v) {
  return v === null || v === undefined || Number.isNaN(Number(v)) ? "—" : `${Math.round(Number(v))}%`;
}

function setTile(id, text) {
  const n = $(id);
  if (n.textContent !== text) n.textContent = text;
}

function renderTotals() {
  const q = WB.totals || {};
  const w = wbWindow(q, "today");
  const agents = q.agents || {};
  setTile("tv-waiting", wbNum(q.waiting));
  $("tv-tile-waiting").classList.toggle("tv-hot", q.waiting > 0);
  const target = wbTarget(q);
  setTile("tv-sl", tvPct(w.service_level));
  setTile("tv-sl-target", target === null ? "" : t("tv.target", { target: wbPct(target) }));
  const below = wbBelowTarget(w.service_level, target);
  const tile = $("tv-tile-sl");
  tile.classList.toggle("tv-bad", below);
  tile.classList.toggle("tv-good", !below && w.service_level !== null && w.service_level !== undefined && target !== null);
  $("tv-sl").dataset.below = below ? "true" : "false";
  setTile("tv-answered", wbNum(w.answered));
  setTile("tv-offered", w.offered === undefined ? "" : t("tv.offered", { n: w.offered }));
  setTile("tv-abandoned", wbNum(w.abandoned));
  setTile("tv-abandon-rate", w.abandon_rate === null || w.abandon_rate === undefined ? ""
    : t("tv.abandon_rate", { rate: wbPct(w.abandon_rate) }));
  setTile("tv-ready", wbNum(agents.ready));
  setTile("tv-on-call", wbNum(agents.on_call));
  setTile("tv-paused", wbNum(agents.paused));
}

function renderQueueLines() {
  const ul = $("tv-queues");
  ul.textContent = "";
  TV.queueTimers = [];
  ul.appendChild(el("li", { class: "tv-qhead", "aria-hidden": "true" },
    el("span", { text: "" }), el("span", { text: t("tv.q.waiting") }), el("span", { text: t("tv.q.longest") }),
    el("span", { text: t("tv.q.sl") }), el("span", { text: t("tv.q.ready") })));
  for (const name of Object.keys(WB.queues).sort()) {
    const q = WB.queues[name];
    const w = wbWindow(q, "today");
    const below = wbBelowTarget(w.service_level, wbTarget(q));
    const longest = el("span");
    TV.queueTimers.push({ node: longest, queue: q });
    const agents = q.agents || {};
    ul.appendChild(el("li", { class: "tv-qline", "data-testid": `tv-queue-${name}` },
      el("span", { class: "tv-qname", text: wbQueueName(name) }),
      el("span", { class: q.waiting > 0 ? "tv-qwaiting tv-hot-text" : "tv-qwaiting", text: wbNum(q.waiting) }),
      longest,
      el("span", { class: below ? "tv-bad-text" : "", text: tvPct(w.service_level) }),
      el("span", { text: `${wbNum(agents.ready)}/${wbNum(agents.logged_in)}` })));
  }
  tickQueueLines();
}

function tickQueueLines() {
  for (const { node, queue } of TV.queueTimers) {
    const secs = queue.waiting ? secondsSince(queue.oldest_queued_at) : null;
    const text = tvClock(secs);
    if (node.textContent !== text) node.textContent = text;
    const level = wbWaitLevel(queue);
    node.classList.toggle("tv-bad-text", level === "bad");
    node.classList.toggle("tv-warn-text", level === "warn");
  }
  const q = WB.totals;
  const secs = q && q.waiting ? secondsSince(q.oldest_queued_at) : null;
  setTile("tv-longest", tvClock(secs));
  const level = wbWaitLevel(q);
  $("tv-tile-longest").classList.toggle("tv-bad", level === "bad");
  $("tv-tile-longest").classList.toggle("tv-warn", level === "warn");
}

function renderTvAlerts() {
  const ul = $("tv-alerts");
  ul.textContent = "";
  const list = wbAlertList();
  for (const a of list) {
    const txt = wbAlertText(a);
    ul.appendChild(el("li", { class: "tv-alert", "data-id": a.id, "data-kind": a.kind,
                              "data-testid": `tv-alert-${String(a.id).replace(/:/g, "-")}` },
      el("strong", { text: txt.title }), " ", el("span", { class: "tv-alert-detail", text: txt.detail })));
  }
  $("tv-alerts-none").hidden = list.length > 0;
}

function tickTvAlerts() {
  for (const li of $("tv-alerts").children) {
    const a = WB.alerts.get(li.dataset.id);
    if (!a || a.kind === "service_level") continue;
    const node = li.querySelector(".tv-alert-detail");
    const text = wbAlertText(a).detail;
    if (node.textContent !== text) node.textContent = text;
  }
}

function tickClock() {
  const fmt = chartTimeFormatter(WB.timezone, getLang());
  setTile("tv-clock", fmt.format(new Date(serverNow())));
}

function renderTv() {
  applyI18n();
  renderTotals();
  renderQueueLines();
  renderTvAlerts();
  if (TV.chart) wbChartData(TV.chart);
  wbShowWs($("ws-status"), $("ws-banner"), WB.wsState);
  tickClock();
}

function onTvMessage(m) {
  const ch = wbApply(m);
  if (!ch) return;
  if (ch.kind === "snapshot") {
    renderTv();
    return;
  }
  if (ch.kind === "delta") {
    if (ch.queues.length || ch.totals) {
      renderTotals();
      renderQueueLines();
      wbChartLive(TV.chart);
    }
    if (ch.raised.length || ch.cleared.length || ch.agents.length) renderTvAlerts();
    return;
  }
  if (ch.kind === "point") TV.chart.addPoint(ch.point);
}

async function startTv() {
  applyI18n();
  const who = await whoAmIWithClock();
  if (who.status === 401) {
    tvMessage("tv.login_needed", true);
    return;
  }
  if (!who.ok) {
    $("tv-message").textContent = errorText(who);
    $("tv-message").hidden = false;
    setTimeout(() => window.location.reload(), 30000); // a TV has nobody to press reload: try again later
    return;
  }
  WB.user = who.data;
  if (!wbMayUse(WB.user)) {
    tvMessage("tv.no_access", true);
    return;
  }
  $("tv").hidden = false;
  TV.chart = wbChart($("tv-chart"));
  renderTv();
  setInterval(() => {
    tickQueueLines();
    tickTvAlerts();
    tickClock();
    if (WB.wsState === "reconnecting") wbShowWs($("ws-status"), $("ws-banner"), "reconnecting");
  }, 1000);
  wbConnect({
    onMessage: onTvMessage,
    onWs: (state) => {
      if (state === "refused") {
        tvMessage("tv.refused", false);
      } else {
        wbShowWs($("ws-status"), $("ws-banner"), state);
      }
      $("tv").classList.toggle("stale", state !== "open" && WB.wsEverOpened);
    },
    onLoggedOut: () => {
      tvMessage("tv.login_needed", true);
      $("tv").classList.add("stale");
    },
  });
}

startTv();
