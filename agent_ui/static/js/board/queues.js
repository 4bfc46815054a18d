/* The board's queue table: one row per queue and the totals, for the chosen window (today, last hour, shift). */
import { $, el } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { secondsSince } from "../core/time.js";
import { WB, wbBelowTarget, wbClock, wbNum, wbPct, wbQueueName, wbSecs, wbTarget, wbTimeOfDay, wbWaitLevel, wbWindow } from "../wallboard/model.js";
import { B } from "./state.js";

/* The queue table's columns: key (also the i18n keys board.col.<key> and board.def.<key>), the value. */
export const QUEUE_COLS = [
  { key: "queue" },
  { key: "waiting", num: true, id: "waiting", get: (q) => wbNum(q.waiting) },
  { key: "longest_wait", num: true, live: true },
  { key: "offered", num: true, get: (q, w) => wbNum(w.offered) },
  { key: "answered", num: true, id: "answered", get: (q, w) => wbNum(w.answered) },
  { key: "abandoned", num: true, id: "abandoned", get: (q, w) => wbNum(w.abandoned) },
  { key: "abandon_rate", num: true, get: (q, w) => wbPct(w.abandon_rate) },
  { key: "service_level", num: true, id: "sl", get: (q, w) => wbPct(w.service_level) },
  { key: "asa", num: true, get: (q, w) => wbSecs(w.asa) },
  { key: "aht", num: true, get: (q, w) => wbSecs(w.aht) },
  { key: "logged_in", num: true, group: true, get: (q) => wbNum((q.agents || {}).logged_in) },
  { key: "ready", num: true, get: (q) => wbNum((q.agents || {}).ready) },
  { key: "on_call", num: true, get: (q) => wbNum((q.agents || {}).on_call) },
  { key: "paused", num: true, get: (q) => wbNum((q.agents || {}).paused) },
];

export function renderQueueHead() {
  const tr = $("board-queue-head");
  tr.textContent = "";
  for (const c of QUEUE_COLS) {
    tr.appendChild(el("th", { class: [c.num ? "num" : "", c.group ? "group" : ""].join(" ").trim() || null,
                              scope: "col", title: t(`board.def.${c.key}`), text: t(`board.col.${c.key}`) }));
  }
}

export function queueRow(q, id) {
  const w = wbWindow(q, B.window);
  const tr = el("tr", { "data-testid": `board-queue-row-${id}`, "data-queue": id, class: id === "all" ? "total" : null });
  for (const c of QUEUE_COLS) {
    const cls = [c.num ? "num" : "", c.group ? "group" : ""];
    let td;
    if (c.key === "queue") {
      const label = id === "all" ? t("board.all_queues") : wbQueueName(id);
      td = el("th", { scope: "row", class: "wb-qname" }, label,
              id !== "all" && label !== q.name ? el("span", { class: "muted small", text: ` ${q.name}` }) : null);
      tr.appendChild(td);
      continue;
    }
    if (c.live) {
      td = el("td", { class: cls.join(" "), "data-testid": `board-longest-${id}` });
      B.queueTimers.push({ node: td, queue: q });
    } else {
      td = el("td", { class: cls.join(" "), text: c.get(q, w) });
    }
    if (c.id) td.setAttribute("data-testid", `board-${c.id}-${id}`);
    if (c.key === "waiting" && q.waiting > 0) td.classList.add("wb-hot");
    if (c.key === "waiting" && q.callbacks_waiting > 0) { // of the waiting, call-backs' places (their caller hung up)
      td.appendChild(el("span", { class: "muted small", "data-testid": `board-callbacks-${id}`,
                                  title: t("board.callback_places_title", { n: q.callbacks_waiting }),
                                  text: ` ${t("board.callback_places", { n: q.callbacks_waiting })}` }));
    }
    if (c.key === "service_level") {
      const target = wbTarget(q);
      const below = wbBelowTarget(w.service_level, target);
      td.classList.toggle("wb-bad", below);
      td.classList.toggle("wb-good", !below && w.service_level !== null && w.service_level !== undefined && target !== null);
      td.dataset.below = below ? "true" : "false";
      if (target !== null) td.title = t("board.sl_target", { target: wbPct(target) });
    }
    if (c.key === "abandoned" && w.abandoned > 0) td.classList.add("wb-warn-text");
    tr.appendChild(td);
  }
  return tr;
}

export function renderQueues() {
  const body = $("board-queue-rows");
  body.textContent = "";
  B.queueTimers = [];
  const names = Object.keys(WB.queues).sort();
  for (const name of names) body.appendChild(queueRow(WB.queues[name], name));
  if (!names.length) {
    body.appendChild(el("tr", {}, el("td", { colspan: QUEUE_COLS.length, class: "muted",
                                             text: t(WB.ready ? "board.queues_none" : "common.loading") })));
  }
  if (WB.totals) body.appendChild(queueRow(WB.totals, "all"));
  renderWindowInfo();
  tickQueues();
}

export function renderWindowInfo() {
  const shift = wbWindow(WB.totals, "shift");
  const opt = $("board-window").querySelector('option[value="shift"]');
  const shiftName = shift.name ? tOr(`board.shift_name.${shift.name}`, shift.name) : "";
  opt.textContent = shiftName ? t("board.window.shift_named", { name: shiftName }) : t("board.window.shift");
  const w = wbWindow(WB.totals, B.window);
  $("board-window-since").textContent = w.start ? t("board.window_since", { time: wbTimeOfDay(w.start) }) : "";
}

export function tickQueues() {
  for (const { node, queue } of B.queueTimers) {
    const secs = queue.waiting ? secondsSince(queue.oldest_queued_at) : null;
    node.textContent = secs === null ? (queue.waiting ? wbSecs(queue.longest_wait) : "—") : wbClock(secs);
    const level = wbWaitLevel(queue);
    node.classList.toggle("wb-bad", level === "bad");
    node.classList.toggle("wb-warn-text", level === "warn");
  }
}
