/* My attendance findings for a month. */

import { call } from "../core/api.js";
import { $, el, qs } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { S, fresh, say, problem, fmtMin, marker } from "./state.js";
import { fmtAt, weekday, monthBounds } from "./dates.js";

const KINDS = ["late", "absence", "early_leave", "left_before_relief", "early_arrival"];

export async function loadMyAttendance() {
  const ok = fresh("myatt");
  const [from, to] = monthBounds(S.myattMonth);
  const r = await call("GET", `/api/shifts/attendance/mine${qs({ from, to })}`);
  if (!ok()) return;
  if (!r.ok) {
    S.myatt = [];
    renderMyAttendance();
    say(() => problem(r), "error");
    return;
  }
  S.myatt = Array.isArray(r.data) ? r.data : [];
  renderMyAttendance();
}

export function renderMyAttendance() {
  $("shifts-myatt-title").textContent = t("shifts.myatt_title", { month: S.myattMonth });
  const head = $("shifts-myatt-head");
  head.textContent = "";
  for (const c of ["day", "shift", "kind", "minutes", "at", "seat", "detail"]) {
    head.appendChild(el("th", { scope: "col", class: c === "minutes" ? "num" : null, text: t(`shifts.ycol.${c}`) }));
  }
  const body = $("shifts-myatt-rows");
  body.textContent = "";
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const list = [...S.myatt].sort((a, b) => (a.day + a.at).localeCompare(b.day + b.at));
  for (const x of list) {
    if (x.kind in counts) counts[x.kind] += 1;
    const detail = x.kind === "left_before_relief" && x.detail && x.detail.relief ? t("shifts.relief_was", { relief: x.detail.relief }) : "";
    body.appendChild(el("tr", { "data-testid": `shifts-myatt-row-${x.id}`, "data-kind": x.kind },
      el("td", { class: "mono" }, x.day, el("span", { class: "muted small", text: ` ${weekday(x.day)}` })),
      el("td", { text: x.shift }),
      el("td", {}, marker(x.kind, x.kind === "late" && x.open ? t("shifts.kind.late_open") : tOr(`shifts.kind.${x.kind}`, x.kind))),
      el("td", { class: "num", text: x.kind === "left_before_relief" ? "—" : fmtMin(x.minutes) }),
      el("td", { class: "mono", text: fmtAt(x.at) }),
      el("td", { class: "mono", text: x.seat || "—" }),
      el("td", { class: "small", text: detail })));
  }
  $("shifts-myatt-summary").textContent = t("shifts.myatt_summary", {
    late: counts.late, absence: counts.absence, early_leave: counts.early_leave, relief: counts.left_before_relief,
    early: counts.early_arrival });
  const none = $("shifts-myatt-none");
  none.hidden = list.length > 0;
  none.textContent = t("shifts.myatt_none", { month: S.myattMonth });
}
