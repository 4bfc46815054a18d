/* The responsibility review page's drawing: the month (its deadline clock, counted down on the server's clock),
 * its closed complaints reviewed or pending, and the flagged employees. State in R; the server decides who may
 * record (the button is offered to the reviewer, the leads when no reviewer is set, and the department heads). */
import { el, $ } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime, parseServerTime, serverNow, pad2 } from "../core/time.js";

export const R = { user: null, month: null, flags: null, departments: new Map(), open: null };

export function fmtSpan(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const hms = `${pad2(Math.floor((s % 86400) / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return days ? t("review.days_span", { days, hms }) : hms;
}

function departmentName(id) {
  if (id === null || id === undefined) return "";
  const d = R.departments.get(id);
  return d ? d.name : `#${id}`;
}

/* May this user record a case's review? (as the server's rule: review.py is_reviewer, or the case's head) */
export function mayReview(item) {
  const u = R.user;
  if (!u || !R.month) return false;
  const reviewer = R.month.reviewer;
  if (reviewer ? u.username === reviewer : (u.roles || []).some((r) => r === "supervisor" || r === "admin")) {
    return true;
  }
  const d = R.departments.get(item.department_id);
  return Boolean(d && (d.head === u.username
    || (d.members || []).some((m) => m.username === u.username && m.role === "head")));
}

/* The deadline clock: time left, or how long overdue, by the server's clock (each second). */
export function tickClock() {
  const m = R.month;
  if (!m) return;
  const left = (parseServerTime(m.deadline) - serverNow()) / 1000;
  const node = $("review-clock");
  if (m.pending === 0) node.textContent = "—";
  else node.textContent = left > 0 ? t("review.left", { span: fmtSpan(left) }) : t("review.over", { span: fmtSpan(-left) });
  node.dataset.overdue = String(left <= 0 && m.pending > 0);
}

function reviewText(r) {
  return t("review.done_by", { responsibility: t(`review.resp.${r.responsibility}`),
                               employee: r.employee || t("review.no_one"), outcome: r.outcome || "—",
                               by: r.reviewed_by, at: fmtTime(r.reviewed_at) });
}

export function renderMonth(onRecord) {
  const m = R.month;
  if (!m) return;
  $("review-month").value = m.month;
  const state = $("review-state");
  state.textContent = t(`review.state.${m.state}`);
  state.className = `badge${m.state === "overdue" || m.state === "reminder" ? " warn" : m.state === "done" ? " live" : ""}`;
  state.dataset.state = m.state;
  $("review-deadline").textContent = t("review.due_day", { day: m.due_day });
  $("review-deadline").title = fmtTime(m.deadline);
  $("review-counts").textContent = t("review.counts", { total: m.total, done: m.done, pending: m.pending });
  $("review-reviewer").textContent = m.reviewer ? t("review.reviewer", { who: m.reviewer }) : t("review.reviewer_leads");
  const rows = m.items.map((i) => el("tr", { "data-testid": "review-row", "data-number": i.number,
                                             "data-reviewed": String(Boolean(i.review)) },
    el("td", {}, el("a", { href: `cases.html#case-${i.number}`, text: i.number })),
    el("td", { text: fmtTime(i.closed_at) }),
    el("td", { text: departmentName(i.department_id) }),
    el("td", { text: i.employee || "" }),
    el("td", { text: i.description }),
    el("td", { "data-testid": "review-cell" },
      i.review ? reviewText(i.review) : t(i.overdue ? "review.pending_overdue" : "review.pending"),
      i.review && i.late ? el("span", { class: "badge warn", text: ` ${t("review.late")}` }) : null),
    el("td", {}, !i.review && mayReview(i)
      ? el("button", { type: "button", class: "small", "data-testid": "review-record", text: t("review.record"),
                       onclick: () => onRecord(i) }) : null)));
  $("review-rows").replaceChildren(...rows);
  $("review-none").hidden = m.items.length > 0;
  tickClock();
}

export function renderFlags() {
  const f = R.flags;
  if (!f) return;
  $("review-flags-rule").textContent = t("review.flags_rule", { threshold: f.threshold, months: f.window_months,
                                                                since: fmtTime(f.since) });
  $("review-flag-rows").replaceChildren(...f.items.map((x) => el("tr", { "data-testid": "review-flag",
                                                                          "data-employee": x.employee },
    el("td", { text: x.employee }),
    el("td", { text: String(x.upheld) }),
    el("td", {}, x.cases.flatMap((c, k) => [k ? ", " : "", el("a", { href: `cases.html#case-${c.number}`,
                                                                     text: c.number })])),
    el("td", { text: x.heads.join(", ") || t("review.no_one") }))));
  $("review-flags-none").hidden = f.items.length > 0;
}
