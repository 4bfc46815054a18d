/* The seat card: choose a seat and log in there, the seat's phone, queues and skill levels, leave the seat. */

import { call } from "../core/api.js";
import { $, el, showStatus, storageGet, storageSet } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { S, failText, st, canLeave } from "./state.js";
import { renderAgent, stateAction } from "./status_bar.js";
import { fillTransferTargets } from "./phone.js";

const SEAT_KEY = "cc.agent.seat";

export function renderQueues() {
  const dd = $("seat-queues");
  dd.textContent = "";
  const queues = S.agent && S.agent.queues ? Object.keys(S.agent.queues) : [];
  const levels = Object.fromEntries(S.skills.map((s) => [s.queue, s.level]));
  const names = [...new Set([...queues, ...Object.keys(levels)])].sort();
  if (!names.length) {
    dd.textContent = t("agent.no_queues");
    return;
  }
  const ul = el("ul", { class: "queue-list" });
  for (const q of names) {
    const lvl = levels[q];
    const member = queues.includes(q);
    ul.appendChild(el("li", { "data-testid": `seat-queue-${q}`, class: member ? "" : "muted" },
      el("strong", { text: q }),
      lvl ? el("span", { class: "badge", text: tOr(`agent.level.${lvl}`, lvl) }) : null,
      member ? null : el("span", { class: "muted", text: " " + t("agent.not_member") })));
  }
  dd.appendChild(ul);
}

export function renderSeats() {
  const sel = $("seat-select");
  const keep = sel.value || storageGet(SEAT_KEY);
  sel.textContent = "";
  let firstFree = null;
  for (const s of S.seats) {
    const mine = s.taken_by && S.user && s.taken_by === S.user.username;
    const taken = s.taken_by && !mine;
    const text = `${s.extension}${s.name ? " — " + s.name : ""}` + (taken ? " " + t("agent.seat_taken", { who: s.taken_by }) : "");
    sel.appendChild(el("option", { value: s.extension, disabled: taken, text }));
    if (!taken && firstFree === null) firstFree = s.extension;
  }
  const keepOk = S.seats.some((s) => s.extension === keep && (!s.taken_by || (S.user && s.taken_by === S.user.username)));
  if (keepOk) sel.value = keep;
  else if (firstFree !== null) sel.value = firstFree;
  if (!S.seats.length) {
    showStatus($("seat-status"), () => t("agent.no_seats"), "warn");
  } else if (firstFree === null) {
    showStatus($("seat-status"), () => t("agent.all_seats_taken"), "warn");
  } else if ($("seat-status").classList.contains("warn")) {
    showStatus($("seat-status"), "");
  }
  $("seat-login").disabled = S.busy || firstFree === null;
}

export async function seatLogin(ev) {
  ev.preventDefault();
  const ext = $("seat-select").value;
  if (!ext) return;
  showStatus($("seat-status"), "");
  const r = await stateAction("/api/agent/login", { extension: ext });
  if (r && r.ok) {
    storageSet(SEAT_KEY, ext);
  } else if (r) {
    showStatus($("seat-status"), () => failText(r), "error");
    loadSeats();
  }
}

export async function seatLogout() {
  if (!canLeave()) return;
  await stateAction("/api/agent/logout");
}

export async function loadSeats() {
  const r = await call("GET", "/api/agent/seats");
  if (r.ok && Array.isArray(r.data)) {
    S.seats = r.data;
    if (st() === "logged_out") renderSeats();
    else renderAgent();
  }
}

export async function loadSkills() {
  const r = await call("GET", "/api/agent/skills");
  if (r.ok && Array.isArray(r.data)) {
    S.skills = r.data;
    if (st() !== "logged_out") renderQueues();
    fillTransferTargets();
  }
}
