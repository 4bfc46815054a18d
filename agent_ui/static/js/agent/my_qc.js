/* My QC scores: the agent's own scored calls, opened to read, replay and acknowledge or dispute. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t, tOr, getLang } from "../core/i18n.js";
import { parseServerTime } from "../core/time.js";
import { ccPlayer, playerClock } from "../player.js";
import { gradeOf, fmtNum } from "../qc/scoring.js";
import { fmtShort, failText } from "./state.js";

/* The agent's own scored calls (GET /api/qc/mine): the total and grade of each, opened to see the scores per
 * criterion, the comments, the inspector's timeline notes and the recording (js/player.js), and acknowledged or
 * disputed with a comment. Loaded when the page opens and after every (re)connect of the websocket. */
export const MYQC = { items: [], open: null, detail: null, player: null, seq: 0 };

/* The latest version of an evaluation (its scores), whatever shape the answer has. */
function myQcLatest(ev) {
  const v = ev && Array.isArray(ev.versions) ? ev.versions : [];
  if (!v.length) return ev || {};
  return [...v].sort((a, b) => Number(a.version || 0) - Number(b.version || 0))[v.length - 1];
}

export async function loadMyQc() {
  const seq = ++MYQC.seq;
  const r = await call("GET", "/api/qc/mine");
  if (seq !== MYQC.seq) return;
  if (!r.ok) {
    if (r.status !== 404) showStatus($("my-qc-status"), () => failText(r), "error");
    return;
  }
  MYQC.items = Array.isArray(r.data) ? r.data : (r.data && (r.data.items || r.data.evaluations)) || [];
  renderMyQc();
  if (MYQC.open !== null) {
    const again = MYQC.items.find((x) => x.id === MYQC.open);
    if (again) openMyQc(again.id, true);
  }
}

function myQcCall(e) {
  return e.call || e.sample || {};
}

export function renderMyQc() {
  const box = $("my-qc-list");
  box.textContent = "";
  const items = [...MYQC.items].sort((a, b) => (parseServerTime(myQcCall(b).answered_at || b.answered_at || b.created_at) || 0)
                                             - (parseServerTime(myQcCall(a).answered_at || a.answered_at || a.created_at) || 0));
  const waiting = items.filter((e) => !e.agent_response).length;
  $("my-qc-count").textContent = items.length ? t("qc.my_count", { n: items.length, waiting }) : "";
  if (!items.length) {
    box.appendChild(el("p", { class: "muted", text: t("qc.my_none") }));
    return;
  }
  const tbody = el("tbody");
  for (const e of items) {
    const c = myQcCall(e);
    const last = myQcLatest(e);
    const total = e.total !== undefined ? e.total : last.total;
    const grade = e.grade || last.grade || gradeOf(total);
    const resp = e.agent_response || "";
    tbody.appendChild(el("tr", { "data-testid": "my-qc-item", "data-id": e.id, "data-response": resp,
                                 class: MYQC.open === e.id ? "in-progress" : "" },
      el("td", { class: "time", text: fmtShort(c.answered_at || e.answered_at) }),
      el("td", { text: c.queue || e.queue || "—" }),
      el("td", { text: c.caller_number || e.caller_number || "" }),
      el("td", { class: "num", "data-testid": "my-qc-total", text: fmtNum(total) }),
      el("td", {}, el("span", { class: "qc-grade", "data-grade": grade, "data-testid": "my-qc-grade",
                                text: grade ? tOr(`qc.grade.${grade}`, grade) : "" })),
      el("td", {}, el("span", { class: `badge qc-resp-${resp || "none"}`,
                                text: resp ? tOr(`qc.response.${resp}`, resp) : t("qc.my_to_read") })),
      el("td", {}, el("button", { type: "button", class: "small secondary", "data-testid": `my-qc-open-${e.id}`,
                                  text: MYQC.open === e.id ? t("qc.close") : t("qc.open"),
                                  onclick: () => (MYQC.open === e.id ? closeMyQc() : openMyQc(e.id)) }))));
  }
  box.appendChild(el("table", { class: "grid" },
    el("thead", {}, el("tr", {},
      el("th", { text: t("agent.col_time") }), el("th", { text: t("agent.col_queue") }),
      el("th", { text: t("agent.col_caller") }), el("th", { class: "num", text: t("qc.total") }),
      el("th", { text: t("qc.grade_heading") }), el("th", { text: t("qc.agent_response") }), el("th"))),
    tbody));
}

function closeMyQc() {
  if (MYQC.player) MYQC.player.destroy();
  MYQC.player = null;
  MYQC.open = null;
  MYQC.detail = null;
  $("my-qc-detail").hidden = true;
  $("my-qc-detail").textContent = "";
  renderMyQc();
}

/* The evaluation in full: the list item when it carries the scores, else GET /api/qc/evaluations/{id}. */
async function openMyQc(id, quiet) {
  const item = MYQC.items.find((x) => x.id === id);
  if (!item) return;
  let detail = item;
  if (!item.template && !item.criteria) {
    const r = await call("GET", `/api/qc/evaluations/${id}`);
    if (r.ok && r.data) detail = { ...item, ...r.data };
  }
  const same = MYQC.open === id;
  MYQC.open = id;
  MYQC.detail = detail;
  renderMyQc();
  renderMyQcDetail(!same);
  if (!quiet) $("my-qc-detail").scrollIntoView({ block: "nearest" });
}

export function renderMyQcDetail(newPlayer) {
  const e = MYQC.detail;
  const box = $("my-qc-detail");
  if (!e) return;
  const keepPlayer = !newPlayer && MYQC.player ? MYQC.player : null;
  const playerBox = keepPlayer ? keepPlayer.element.parentNode : el("div", { class: "my-qc-player", "data-testid": "my-qc-player" });
  if (keepPlayer) playerBox.remove();
  box.textContent = "";
  box.hidden = false;
  const c = myQcCall(e);
  const last = myQcLatest(e);
  const scores = last.scores || e.scores || {};
  const comments = last.comments || e.comments || {};
  const tpl = e.template || {};
  const crit = Array.isArray(tpl.criteria) ? tpl.criteria : Array.isArray(e.criteria) ? e.criteria
    : Object.keys(scores).map((key) => ({ key }));
  const total = e.total !== undefined ? e.total : last.total;
  const grade = e.grade || last.grade || gradeOf(total);
  const label = (k) => (getLang() === "en" ? k.label_en || k.label_zh || k.key : k.label_zh || k.label_en || k.key);

  box.appendChild(el("h3", {}, t("qc.my_detail", { date: fmtShort(c.answered_at || e.answered_at), queue: c.queue || e.queue || "—" }),
    " ", el("span", { class: "muted small", text: t("qc.version", { version: last.version || 1 }) })));
  const rows = crit.map((k) => el("tr", {},
    el("td", { text: label(k) }),
    el("td", { class: "num", "data-testid": `my-qc-score-${k.key}`,
               text: scores[k.key] === undefined ? "—" : `${scores[k.key]}${k.scale_max !== undefined ? ` / ${k.scale_max}` : ""}` }),
    el("td", { text: comments[k.key] || "" })));
  box.appendChild(el("table", { class: "grid my-qc-scores" },
    el("thead", {}, el("tr", {}, el("th", { text: t("qc.col_criterion") }), el("th", { class: "num", text: t("qc.col_score") }),
                    el("th", { text: t("qc.col_comment") }))),
    el("tbody", {}, rows),
    el("tfoot", {}, el("tr", {}, el("th", { text: t("qc.total") }),
      el("td", { class: "num" }, el("strong", { "data-testid": "my-qc-detail-total", text: fmtNum(total) })),
      el("td", {}, el("span", { class: "qc-grade", "data-grade": grade, text: grade ? tOr(`qc.grade.${grade}`, grade) : "" }))))));
  const summary = last.summary || e.summary;
  if (summary) box.appendChild(el("p", { class: "my-qc-summary" }, el("strong", { text: `${t("qc.summary")}: ` }), summary));

  const recording = e.recording || (e.recording_id ? { id: e.recording_id } : null);
  const notes = [...(e.notes || [])].sort((a, b) => Number(a.at_seconds) - Number(b.at_seconds));
  if (recording && recording.id !== undefined && recording.id !== null) {
    box.appendChild(el("h4", { text: t("qc.recording") }));
    box.appendChild(playerBox);
    if (!keepPlayer) {
      if (MYQC.player) MYQC.player.destroy();
      MYQC.player = ccPlayer(playerBox, { recordingId: recording.id, duration: recording.duration_seconds,
                                          marks: notes.map((n) => ({ at: n.at_seconds, label: n.text })) });
    }
  } else if (MYQC.player) {
    MYQC.player.destroy();
    MYQC.player = null;
  }
  if (notes.length) {
    box.appendChild(el("h4", { text: t("qc.notes") }));
    box.appendChild(el("ol", { class: "qc-notes" }, notes.map((n) => el("li", {},
      el("button", { type: "button", class: "qc-note", "data-testid": "note-item", "data-at": n.at_seconds,
                     onclick: () => { if (MYQC.player) MYQC.player.seek(Number(n.at_seconds)); } },
        el("span", { class: "qc-note-at mono", text: playerClock(Number(n.at_seconds)) }),
        el("span", { class: "qc-note-text", text: n.text }))))));
  }

  const resp = e.agent_response || "";
  const respBox = el("div", { class: "qc-response", "data-testid": "my-qc-response", "data-response": resp });
  if (resp) {
    respBox.append(el("strong", { text: t("qc.agent_response") }), " ",
                   el("span", { class: `badge qc-resp-${resp}`, text: tOr(`qc.response.${resp}`, resp) }));
    if (e.agent_comment) respBox.append(el("p", { class: "qc-agent-comment", text: e.agent_comment }));
    box.appendChild(respBox);
    return;
  }
  const comment = el("textarea", { id: "qc-ack-comment", "data-testid": "qc-ack-comment", rows: 2, maxlength: 2000,
                                   placeholder: t("qc.my_comment_hint") });
  const ack = el("button", { type: "button", class: "go", "data-testid": "qc-ack", text: t("qc.acknowledge") });
  const dispute = el("button", { type: "button", class: "danger", "data-testid": "qc-dispute", text: t("qc.dispute") });
  ack.addEventListener("click", () => respondMyQc(e.id, "acknowledge", comment, [ack, dispute]));
  dispute.addEventListener("click", () => respondMyQc(e.id, "dispute", comment, [ack, dispute]));
  respBox.append(el("label", { for: "qc-ack-comment", text: t("qc.my_comment") }), comment,
                 el("div", { class: "form-buttons" }, ack, dispute));
  box.appendChild(respBox);
}

async function respondMyQc(id, action, comment, buttons) {
  const text = comment.value.trim();
  if (action === "dispute" && !text) {
    showStatus($("my-qc-status"), () => t("qc.dispute_needs_comment"), "error");
    comment.focus();
    return;
  }
  for (const b of buttons) b.disabled = true;
  const r = await call("POST", `/api/qc/evaluations/${id}/${action}`, { comment: text });
  for (const b of buttons) b.disabled = false;
  if (!r.ok) {
    showStatus($("my-qc-status"), () => failText(r), "error");
    return;
  }
  showStatus($("my-qc-status"), () => t(action === "acknowledge" ? "qc.acknowledged" : "qc.disputed_done"), "ok");
  const i = MYQC.items.findIndex((x) => x.id === id);
  if (i >= 0) {
    const resp = action === "acknowledge" ? "acknowledged" : "disputed";
    MYQC.items[i] = { ...MYQC.items[i], agent_response: resp, agent_comment: text,
                      ...(r.data && r.data.agent_response ? { agent_response: r.data.agent_response } : {}) };
    if (MYQC.detail && MYQC.detail.id === id) MYQC.detail = { ...MYQC.detail, agent_response: MYQC.items[i].agent_response, agent_comment: text };
  }
  renderMyQc();
  renderMyQcDetail(false);
}
