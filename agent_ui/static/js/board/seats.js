/* The supervisor's own seat for listening in: the seats list, the ones taken by someone else disabled. */
import { call, errorText } from "../core/api.js";
import { $, el, storageGet } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { WB } from "../wallboard/model.js";
import { B, BOARD_SEAT_KEY, say } from "./state.js";

export async function loadSeats() {
  const r = await call("GET", "/api/board/seats");
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  B.seats = Array.isArray(r.data) ? r.data : (r.data && r.data.seats) || [];
  renderSeats();
}

/* Who holds a seat, whatever the field is called. */
export function seatHolder(s) {
  return s.taken_by || s.in_use_by || s.agent || s.username || s.logged_in || null;
}

export function renderSeats() {
  const sel = $("board-seat");
  const keep = sel.value || storageGet(BOARD_SEAT_KEY);
  sel.textContent = "";
  sel.appendChild(el("option", { value: "", text: t("board.seat_choose") }));
  for (const s of B.seats) {
    const holder = seatHolder(s);
    let held = holder && typeof holder === "object" ? holder.username || holder.display_name : holder;
    if (held && WB.user && held === WB.user.username) held = null; // a supervisor who is also seated there
    const text = `${s.extension}${s.name ? " — " + s.name : ""}` + (held ? " " + t("board.seat_taken", { who: held }) : "");
    sel.appendChild(el("option", { value: s.extension, disabled: Boolean(held), text }));
  }
  if (keep && B.seats.some((s) => s.extension === keep)) sel.value = keep;
}
