/* The board page's own state (the shared live model is wallboard/model.js's WB), and its status line. */
import { $, showStatus } from "../core/dom.js";

export const BOARD_SEAT_KEY = "cc.board.seat";
export const BOARD_WINDOW_KEY = "cc.board.window";

export const B = {
  window: "today",
  seats: [],
  rows: new Map(), // username → {tr, cells...}
  queueTimers: [], // [{node, queue}] longest-wait cells
  action: null, // {username, kind: "pause" | "logout"} the open action form
  leave: new Map(), // "<request id>" → the leave-seat request's item in the panel (its inputs kept while typing)
  toastTimer: null,
  chart: null,
  campaigns: {}, // "<campaign id>" → a running campaign's totals (board/campaigns.js)
};

export function say(message, kind) {
  showStatus($("board-status"), message, kind);
}
