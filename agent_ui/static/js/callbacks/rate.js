/* The call-back rate for the leads (supervisors, admins, QC): GET /api/callbacks/rate?since&until&period — the
 * tasks due in the days chosen (this week by default, Monday to Sunday in the centre's timezone) closed by their
 * due time ÷ the tasks due, in all against the 100 % target, per day / week / month and per agent. */
import { call, errorText } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { R, addDays, centreIso, centreToday, pct, weekOf } from "./state.js";

export function defaultWeek() {
  const [monday, sunday] = weekOf(centreToday());
  $("cb-rate-from").value = monday;
  $("cb-rate-to").value = sunday;
}

export async function loadRate() {
  const from = $("cb-rate-from").value;
  const to = $("cb-rate-to").value;
  const status = $("cb-rate-status");
  if (!from || !to) {
    defaultWeek();
    return loadRate();
  }
  const since = centreIso(from);
  const until = centreIso(addDays(to, 1));
  const r = await call("GET", `/api/callbacks/rate${qs({ since, until, period: $("cb-rate-period").value })}`);
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, "", "");
  R.rate = r.data;
  renderRate();
}

function rateRow(row, testid, key) {
  return el("tr", { "data-testid": testid, "data-key": row.key, "data-rate": row.rate === null ? "" : String(row.rate) },
    el("td", { text: key }),
    el("td", { text: String(row.due) }),
    el("td", { text: String(row.closed_in_time) }),
    el("td", { text: String(row.closed_late) }),
    el("td", { text: String(row.open) }),
    el("td", { text: pct(row.rate) }));
}

export function renderRate() {
  const r = R.rate;
  if (!r) return;
  const total = r.total;
  const node = $("cb-rate-total");
  const target = pct(r.target);
  node.textContent = total.due
    ? t("callbacks.rate.total", { rate: pct(total.rate), due: total.due, in_time: total.closed_in_time,
                                  late: total.closed_late, open: total.open, target })
    : t("callbacks.rate.nothing_due", { target });
  node.dataset.rate = total.rate === null ? "" : String(total.rate);
  node.dataset.due = String(total.due);
  node.classList.toggle("cb-below", total.rate !== null && total.rate < r.target);
  const none = () => el("tr", {}, el("td", { colspan: "6", class: "muted", text: t("callbacks.rate.none") }));
  $("cb-rate-period-rows").replaceChildren(...(r.periods.length
    ? r.periods.map((p) => rateRow(p, "cb-rate-period", p.key)) : [none()]));
  $("cb-rate-agent-rows").replaceChildren(...(r.agents.length
    ? r.agents.map((a) => rateRow(a, "cb-rate-agent", a.key || t("callbacks.rate.no_agent"))) : [none()]));
}

export function initRate() {
  defaultWeek();
  $("cb-rate-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadRate(); });
  $("cb-rate-period").addEventListener("change", loadRate);
}
