/* The board's actions on an agent: listen / whisper / barge and joining their conference (from the supervisor's
 * seat), force pause, log out. */
import { call, errorText } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { WB, wbAgentName, wbReasonLabel } from "../wallboard/model.js";
import { B, say } from "./state.js";

export async function spy(username, mode) {
  const seat = $("board-seat").value;
  const who = wbAgentName(username);
  if (!seat) {
    say(() => t("board.seat_needed"), "error");
    $("board-seat").focus();
    return;
  }
  say(() => t("board.spy_sending", { agent: who }));
  const r = await call("POST", `/api/board/agents/${encodeURIComponent(username)}/spy`, { mode, seat });
  if (r.ok) say(() => t(`board.spy_ok.${mode}`, { agent: who, seat }), "ok");
  else say(() => errorText(r), "error");
}

/* Join the agent's conference from my seat: listening (muted) or talking; a call that is no conference is refused. */
export async function joinConference(username, mode) {
  const seat = $("board-seat").value;
  const who = wbAgentName(username);
  if (!seat) {
    say(() => t("board.seat_needed"), "error");
    $("board-seat").focus();
    return;
  }
  say(() => t("board.spy_sending", { agent: who }));
  const r = await call("POST", `/api/board/agents/${encodeURIComponent(username)}/join`, { mode, seat });
  if (r.ok) say(() => t(`board.join_ok.${mode}`, { agent: who, seat }), "ok");
  else say(() => errorText(r), "error");
}

export function closeAction() {
  if (B.action && B.action.tr) B.action.tr.remove();
  const back = B.action && B.rows.get(B.action.username);
  const kind = B.action && B.action.kind;
  B.action = null;
  if (back && kind && document.activeElement === document.body) back[kind].focus();
}

/* The force-pause / log-out form, in a row under the agent's row (one open at a time). */
export function openAction(username, kind) {
  if (B.action && B.action.username === username && B.action.kind === kind) {
    closeAction();
    return;
  }
  if (B.action) closeAction();
  const r = B.rows.get(username);
  if (!r) return;
  const who = wbAgentName(username);
  const note = el("input", { id: "board-action-note", "data-testid": "board-action-note", maxlength: 500,
                             autocomplete: "off", placeholder: t("board.action.note_placeholder") });
  const form = el("form", { class: "wb-action-form", "data-testid": "board-action-form", "data-kind": kind });
  const parts = [el("strong", { text: t(`board.action.${kind}_heading`, { agent: who }) })];
  let reason = null;
  if (kind === "pause") {
    reason = el("select", { id: "board-action-reason", "data-testid": "board-action-reason" });
    for (const p of WB.reasons.filter((x) => !x.system)) {
      reason.appendChild(el("option", { value: p.code, text: wbReasonLabel(p.code) }));
    }
    parts.push(el("label", { class: "inline" }, el("span", { text: t("board.action.reason") }), reason));
  }
  parts.push(el("label", { class: "inline grow" }, el("span", { text: t("board.action.note") }), note));
  const submit = el("button", { type: "submit", class: kind === "logout" ? "danger" : null,
                                "data-testid": "board-action-submit",
                                text: t(kind === "pause" ? "board.action.pause_confirm" : "board.action.logout_confirm") });
  const cancel = el("button", { type: "button", class: "secondary", "data-testid": "board-action-cancel",
                                text: t("board.action.cancel"), onclick: closeAction });
  form.append(...parts, submit, cancel);
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      closeAction();
    }
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    const body = { note: note.value.trim() };
    if (reason) body.reason = reason.value;
    const path = `/api/board/agents/${encodeURIComponent(username)}/${kind}`;
    const res = await call("POST", path, body);
    submit.disabled = false;
    if (res.ok) {
      const label = reason ? wbReasonLabel(reason.value) : "";
      say(() => t(`board.action.${kind}_done`, { agent: who, reason: label }), "ok");
      closeAction();
    } else {
      say(() => errorText(res), "error");
    }
  });
  const tr = el("tr", { class: "wb-action-row", "data-username": username },
    el("td", { colspan: r.tr.children.length }, form));
  r.tr.after(tr);
  B.action = { username, kind, tr };
  (reason || note).focus();
}
