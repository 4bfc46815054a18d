/* The daily attendance sheet (CSV, recompute). */

import { call } from "../core/api.js";
import { $, el, qs } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { S, fresh, showProblem, showOk, levelLabel, positionLabel, fmtMin, marker } from "./state.js";
import { fmtAt } from "./dates.js";

export async function loadSheet() {
  const ok = fresh("sheet");
  const day = S.attDay;
  $("shifts-att-csv").href = `/api/shifts/attendance${qs({ day, format: "csv" })}`;
  const r = await call("GET", `/api/shifts/attendance${qs({ day })}`);
  if (!ok()) return;
  if (!r.ok) {
    S.sheet = null;
    renderSheet();
    showProblem($("shifts-att-status"), r);
    return;
  }
  S.sheet = r.data;
  renderSheet();
}

function sheetMarkers(x) {
  const out = [];
  if (x.early_arrival_minutes !== null && x.early_arrival_minutes !== undefined) {
    out.push(marker("early_arrival", t("shifts.m.early_arrival", { minutes: fmtMin(x.early_arrival_minutes) })));
  }
  if (x.late_minutes !== null && x.late_minutes !== undefined) {
    out.push(marker("late", t(x.late_open ? "shifts.m.late_open" : "shifts.m.late", { minutes: fmtMin(x.late_minutes) })));
  }
  if (x.absent) out.push(marker("absence", t("shifts.m.absence")));
  if (x.sick_leave) out.push(marker("sick_leave", t("shifts.kind.sick_leave"), "info"));
  if (x.early_leave_minutes !== null && x.early_leave_minutes !== undefined) {
    out.push(marker("early_leave", t("shifts.m.early_leave", { minutes: fmtMin(x.early_leave_minutes) })));
  }
  if (x.left_before_relief) out.push(marker("left_before_relief", t("shifts.m.left_before_relief", { relief: x.left_before_relief })));
  if (x.carried_over) out.push(marker("carried_over", t("shifts.m.carried_over"), "info"));
  if (x.logged_in) out.push(marker("logged_in", t("shifts.m.logged_in"), "ok"));
  return out;
}

function leaveMarker(leave) {
  if (!leave) return "";
  return el("span", { class: `badge shifts-st shifts-st-${leave.status}`, "data-kind": "leave", "data-status": leave.status,
                      text: t("shifts.m.leave", { status: tOr(`shifts.status.${leave.status}`, leave.status),
                                                  id: leave.id, level: positionLabel(leave.required_level) }) });
}

export function renderSheet() {
  const rep = S.sheet;
  $("shifts-att-title").textContent = t("shifts.att_title", { day: S.attDay })
    + (rep && rep.as_of ? ` · ${t("shifts.as_of", { at: fmtAt(rep.as_of) })}` : "");
  const head = $("shifts-att-head");
  head.textContent = "";
  for (const c of ["agent", "shift", "seat", "first_login", "last_logout", "markers", "leave"]) {
    head.appendChild(el("th", { scope: "col", text: t(`shifts.acol.${c}`) }));
  }
  const body = $("shifts-att-rows");
  body.textContent = "";
  const rows = rep && Array.isArray(rep.rows) ? rep.rows : [];
  for (const x of rows) {
    const marks = sheetMarkers(x);
    body.appendChild(el("tr", { "data-testid": `shifts-att-row-${x.roster_id}`, "data-username": x.username,
                                "data-roster": x.roster_id },
      el("td", {}, el("strong", { text: x.username }),
         el("span", { class: "muted small", text: ` ${[x.job, levelLabel(x.skill_level)].filter(Boolean).join(" · ")}` })),
      el("td", { text: `${x.shift} ${x.local_start}–${x.local_end}` }),
      el("td", { class: "mono", text: x.seat || "—" }),
      el("td", { class: "mono", text: x.first_login ? fmtAt(x.first_login, x.day) : "—" }),
      el("td", { class: "mono", text: x.last_logout ? fmtAt(x.last_logout, x.day) : "—" }),
      el("td", { class: "shifts-markers", "data-testid": `shifts-att-markers-${x.roster_id}` },
         marks.length ? marks : el("span", { class: "muted", text: "—" })),
      el("td", {}, leaveMarker(x.leave))));
  }
  const none = $("shifts-att-none");
  none.hidden = !rep || rows.length > 0;
  none.textContent = t("shifts.att_none", { day: S.attDay });
}

export async function recompute() {
  const status = $("shifts-att-status");
  const day = S.attDay;
  $("shifts-att-recompute").disabled = true;
  const r = await call("POST", "/api/shifts/attendance/recompute", { day });
  $("shifts-att-recompute").disabled = false;
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  const rows = Array.isArray(r.data.rows) ? r.data.rows.length : 0;
  const changes = Array.isArray(r.data.changes) ? r.data.changes.length : 0;
  showOk(status, () => t("shifts.recomputed", { day, rows, changes }));
  loadSheet();
}
