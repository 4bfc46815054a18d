/* The board's alert list, the toast of new alerts and the desktop notifications; an agent's help request carries
 * the lead's actions (listen / whisper / barge from the board's seat, or a transfer to a senior's seat). */
import { call, errorText } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { WB, wbAgentName, wbAlertIsViolation, wbAlertList, wbAlertTestId, wbAlertText, wbTimeOfDay }
  from "../wallboard/model.js";
import { B, say } from "./state.js";

/* Take an agent's help request (POST /api/help/{id}/take): the first lead to take it has it. */
async function takeHelp(a, how, target) {
  const body = { how };
  if (how === "transfer") {
    if (!target) {
      say(() => t("board.help.target_needed"), "error");
      return;
    }
    Object.assign(body, { target_type: "extension", target });
  } else {
    body.seat = $("board-seat").value;
    if (!body.seat) {
      say(() => t("board.seat_needed"), "error");
      $("board-seat").focus();
      return;
    }
  }
  const r = await call("POST", `/api/help/${encodeURIComponent(a.detail.request_id)}/take`, body);
  const who = wbAgentName(a.username);
  if (r.ok) say(() => t("board.help.taken", { agent: who, how: t(`board.help.${how}`) }), "ok");
  else say(() => errorText(r), "error");
}

function helpActions(a) {
  const tid = wbAlertTestId(a.id);
  const target = el("input", { class: "wb-help-target", "data-testid": `${tid}-target`, maxlength: 16,
                               inputmode: "numeric", autocomplete: "off", placeholder: t("board.help.transfer_target") });
  const btn = (how) => el("button", { type: "button", class: "secondary", "data-testid": `${tid}-${how}`,
                                      text: t(`board.help.${how}`),
                                      onclick: () => takeHelp(a, how, target.value.trim()) });
  return el("div", { class: "wb-help-actions" }, btn("listen"), btn("whisper"), btn("barge"), target,
            btn("transfer"));
}

const TOAST_MS = 8000;

export function renderAlerts() {
  const ul = $("board-alerts");
  ul.textContent = "";
  const list = wbAlertList();
  for (const a of list) {
    const txt = wbAlertText(a);
    const violation = wbAlertIsViolation(a);
    ul.appendChild(el("li", { class: "wb-alert", "data-testid": wbAlertTestId(a.id), "data-kind": a.kind, "data-id": a.id,
                              "data-violation": violation ? "true" : "false" },
      el("span", { class: "wb-alert-time", text: wbTimeOfDay(a.since) }),
      el("strong", { class: "wb-alert-title" },
         violation ? el("span", { class: "wb-alert-badge", "data-testid": `${wbAlertTestId(a.id)}-violation`,
                                  text: t("board.alert.violation_badge") }) : null,
         el("span", { class: "wb-alert-title-text", text: txt.title })),
      el("span", { class: "wb-alert-detail", text: txt.detail }),
      a.kind === "help_request" && a.detail && a.detail.request_id ? helpActions(a) : null));
  }
  $("board-alerts-none").hidden = list.length > 0;
  const count = $("board-alert-count");
  count.textContent = list.length ? String(list.length) : "";
  count.hidden = !list.length;
  count.classList.toggle("wb-badge-bad", list.length > 0);
}

export function tickAlerts() {
  for (const li of $("board-alerts").children) {
    const a = WB.alerts.get(li.dataset.id);
    if (!a || a.kind === "service_level") continue;
    const detail = li.querySelector(".wb-alert-detail");
    const text = wbAlertText(a).detail;
    if (detail.textContent !== text) detail.textContent = text;
  }
}

export function toast(alerts) {
  const box = $("board-toast");
  box.textContent = "";
  for (const a of alerts.slice(0, 3)) {
    const txt = wbAlertText(a);
    box.appendChild(el("div", {}, el("strong", { text: txt.title }), " ", txt.detail));
  }
  box.hidden = false;
  clearTimeout(B.toastTimer);
  B.toastTimer = setTimeout(() => { box.hidden = true; }, TOAST_MS);
  if ("Notification" in window && Notification.permission === "granted") {
    for (const a of alerts.slice(0, 3)) {
      const txt = wbAlertText(a);
      try {
        new Notification(txt.title, { body: txt.detail, tag: a.id });
      } catch { /* not allowed in this context */ }
    }
  }
}

/* The button asking for desktop notifications, while the browser has not been asked yet. */
export function renderNotifyButton() {
  const btn = $("board-notify");
  btn.hidden = !("Notification" in window) || Notification.permission !== "default";
}
