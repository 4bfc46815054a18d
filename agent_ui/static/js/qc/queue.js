/* The work queue: the month's samples (filters, claim, release, assign). */

import { call, errorText } from "../core/api.js";
import { $, el, qs } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parseServerTime } from "../core/time.js";
import { hasRole } from "../core/auth.js";
import { Q, say, me, fmtDateTime, fmtSecs, weekLabel, gradeLabel, statusLabel, sAgent, sAssignee, mayClaim } from "./state.js";
import { fmtNum, gradeOf } from "./scoring.js";
import { openDetail } from "./detail.js";

/* Release: the holder, or a supervisor / admin; not once scored. */
function mayRelease(s) {
  return Boolean(sAssignee(s)) && s.status !== "scored" && (sAssignee(s) === me() || hasRole(Q.user, "supervisor", "admin"));
}

function sScored(s) {
  return s.status === "scored" || Boolean(s.evaluation_id);
}

const SAMPLE_COLS = ["agent", "queue", "date", "talk", "week", "picked", "status", "assignee", "score", "actions"];

export function renderSamplesHead() {
  const tr = $("qc-samples-head");
  tr.textContent = "";
  for (const c of SAMPLE_COLS) {
    tr.appendChild(el("th", { scope: "col", class: ["talk", "week", "score"].includes(c) ? "num" : null,
                              text: t(`qc.col.${c}`) }));
  }
}

export async function loadSamples() {
  const seq = ++Q.loadSeq;
  const params = { month: Q.month, status: $("qc-filter-status").value, agent: $("qc-filter-agent").value.trim() };
  if ($("qc-filter-mine").checked) params.assignee = me();
  const r = await call("GET", `/api/qc/samples${qs(params)}`);
  if (seq !== Q.loadSeq) return;
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  Q.samples = (r.data && r.data.items) || [];
  renderSamples();
}

function sampleRow(s) {
  const scored = sScored(s);
  const actions = el("td", { class: "actions" });
  if (mayClaim(s)) {
    actions.appendChild(el("button", { type: "button", class: "small", "data-testid": `qc-claim-${s.id}`,
                                       text: t("qc.claim"), onclick: () => claim(s.id, "claim") }));
  }
  if (mayRelease(s)) {
    actions.appendChild(el("button", { type: "button", class: "small secondary", "data-testid": `qc-release-${s.id}`,
                                       text: t("qc.release"), onclick: () => claim(s.id, "release") }));
  }
  actions.appendChild(el("button", { type: "button", class: "small secondary", "data-testid": `qc-open-${s.id}`,
                                     text: t("qc.open"), onclick: () => openDetail(s.id) }));
  if (hasRole(Q.user, "supervisor", "admin") && s.status !== "scored") {
    actions.appendChild(el("button", { type: "button", class: "small secondary", "data-testid": `qc-assign-${s.id}`,
                                       text: t("qc.assign"), onclick: () => toggleAssign(s.id) }));
  }
  const who = sAssignee(s) || "";
  const ev = s.evaluation; // once scored: {id, status, total, grade} of the current version
  const grade = ev ? ev.grade || gradeOf(ev.total) : "";
  const tr = el("tr", { "data-testid": `qc-sample-${s.id}`, "data-id": s.id, "data-status": s.status || "",
                        "data-call": s.call_uniqueid || "", "data-agent": sAgent(s),
                        class: Q.detail && Q.detail.id === s.id ? "qc-selected" : null },
    el("td", { text: sAgent(s) || "—" }),
    el("td", { text: s.queue || "—" }),
    el("td", { class: "mono", text: fmtDateTime(s.answered_at) }),
    el("td", { class: "num mono", text: fmtSecs(s.talk_seconds) }),
    el("td", { class: "num", title: t("qc.week_title"), text: weekLabel(s.week) }),
    el("td", { class: "qc-picked", title: s.hand_picked ? t("qc.hand_picked") : null,
               text: s.hand_picked ? `★ ${t("qc.hand_picked_short")}` : "" }),
    el("td", {}, el("span", { class: `badge qc-st qc-st-${s.status || ""}`, "data-testid": `qc-sample-status-${s.id}`,
                              text: statusLabel(s.status) })),
    el("td", { class: "small", text: who || "—" }),
    el("td", { class: "num", "data-testid": `qc-sample-score-${s.id}` },
       ev && ev.total !== null && ev.total !== undefined ? `${fmtNum(ev.total)} ` : scored ? "✓" : "",
       grade ? el("span", { class: `qc-grade small`, "data-grade": grade, text: gradeLabel(grade) }) : ""),
    actions);
  return tr;
}

function assignRow(s) {
  const input = el("input", { "data-testid": "qc-assign-user", maxlength: 64, autocomplete: "off",
                              value: sAssignee(s) || "", placeholder: t("qc.assign_placeholder") });
  const form = el("form", { class: "row qc-assign-form", "data-testid": "qc-assign-form" },
    el("label", { class: "inline" }, el("span", { text: t("qc.assign_to") }), input),
    el("button", { type: "submit", class: "small", "data-testid": "qc-assign-submit", text: t("qc.assign") }),
    el("button", { type: "button", class: "small secondary", text: t("qc.cancel"),
                   onclick: () => { Q.assignFor = null; renderSamples(); } }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const username = input.value.trim();
    if (!username) { input.focus(); return; }
    const r = await call("POST", `/api/qc/samples/${s.id}/assign`, { username });
    if (!r.ok) { say(() => errorText(r), "error"); return; }
    say(() => t("qc.assigned", { who: username }), "ok");
    Q.assignFor = null;
    loadSamples();
  });
  return el("tr", { class: "qc-assign-row" }, el("td", { colspan: SAMPLE_COLS.length }, form));
}

function toggleAssign(id) {
  Q.assignFor = Q.assignFor === id ? null : id;
  renderSamples();
  const input = document.querySelector("[data-testid=qc-assign-user]");
  if (input) input.focus();
}

export function renderSamples() {
  const body = $("qc-samples-rows");
  body.textContent = "";
  const list = [...Q.samples].sort((a, b) => sAgent(a).localeCompare(sAgent(b))
                                             || (parseServerTime(a.answered_at) || 0) - (parseServerTime(b.answered_at) || 0));
  for (const s of list) {
    body.appendChild(sampleRow(s));
    if (Q.assignFor === s.id) body.appendChild(assignRow(s));
  }
  const none = $("qc-samples-none");
  none.hidden = list.length > 0;
  none.textContent = t("qc.samples_none", { month: Q.month });
  const done = list.filter(sScored).length;
  $("qc-count").textContent = list.length ? t("qc.count", { n: list.length, done }) : "";
}

export async function claim(id, action) {
  const r = await call("POST", `/api/qc/samples/${id}/${action}`);
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  say(() => t(action === "claim" ? "qc.claimed" : "qc.released"), "ok");
  await loadSamples();
  if (Q.detail && Q.detail.id === id) await openDetail(id, true);
}
