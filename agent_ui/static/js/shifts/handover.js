/* The handover log: write, read, acknowledge; the latest one read-only on "My shifts". */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { S, fresh, me, showProblem, showOk } from "./state.js";
import { fmtAt, isDay } from "./dates.js";

const HANDOVER_FIELDS = ["equipment", "difficult_cases", "staffing", "notices"];

export async function loadHandovers() {
  const ok = fresh("handovers");
  const from = $("shifts-handover-from").value;
  const to = $("shifts-handover-to").value;
  const [r, latest] = await Promise.all([
    call("GET", `/api/shifts/handovers${qs({ from, to })}`),
    call("GET", "/api/shifts/handovers/latest"),
  ]);
  if (!ok()) return;
  if (!r.ok) {
    showProblem($("shifts-handover-status"), r);
    return;
  }
  S.handovers = Array.isArray(r.data) ? r.data : [];
  S.latestHandover = latest.ok ? latest.data : null;
  renderHandovers();
}

export function renderHandovers() {
  const box = $("shifts-handovers");
  box.textContent = "";
  const list = [...S.handovers];
  const latest = S.latestHandover;
  if (latest && !list.some((h) => h.id === latest.id)) list.unshift(latest); // what the incoming shift reads first
  if (!list.length) {
    box.appendChild(el("p", { class: "muted", "data-testid": "shifts-handovers-none", text: t("shifts.handovers_none") }));
    return;
  }
  for (const h of list) box.appendChild(handoverCard(h, latest && latest.id === h.id));
}

function handoverCard(h, isLatest) {
  const key = `${h.day}-${h.template_id}`;
  const acked = Boolean(h.acknowledged_at);
  const card = el("article", { class: `shifts-handover${isLatest ? " latest" : ""}`, "data-testid": `shifts-handover-${key}`,
                               "data-acknowledged": acked ? "true" : "false", "data-author": h.author },
    el("h3", {}, `${h.day} ${h.shift || ""}`, " ",
       isLatest ? el("span", { class: "badge shifts-latest", text: t("shifts.ho_latest") }) : null, " ",
       el("span", { class: `badge ${acked ? "shifts-st-approved" : "shifts-st-pending"}`,
                    "data-testid": `shifts-handover-state-${key}`,
                    text: acked ? t("shifts.ho_state_acked") : t("shifts.ho_state_waiting") })),
    el("p", { class: "muted small", "data-testid": `shifts-handover-written-${key}`,
              text: t("shifts.ho_written", { by: h.author, at: fmtAt(h.written_at) })
                + (h.updated_at ? ` · ${t("shifts.ho_updated", { at: fmtAt(h.updated_at) })}` : "") }),
    el("dl", { class: "shifts-ho-fields" }, HANDOVER_FIELDS.flatMap((f) => [
      el("dt", { text: t(`shifts.ho.${f}`) }),
      el("dd", { class: h[f] ? null : "muted", "data-field": f, text: h[f] || "—" }),
    ])));
  // who has read it (every incoming agent reads the latest notices)
  const reads = Array.isArray(h.reads) ? h.reads : [];
  card.appendChild(el("p", { class: "muted small", "data-testid": `shifts-handover-reads-${key}`,
                             "data-count": reads.length },
    reads.length ? t("shifts.ho_reads", { who: reads.map((r) => `${r.username} (${fmtAt(r.read_at)})`).join(", ") })
                 : t("shifts.ho_reads_none")));
  // the notices published since the previous handover (docs/notices.md), read-only
  const notices = Array.isArray(h.published_notices) ? h.published_notices : [];
  card.appendChild(el("div", { class: "shifts-ho-notices", "data-testid": `shifts-handover-notices-${key}`,
                               "data-count": notices.length },
    el("strong", { text: t("shifts.ho_notices") }),
    notices.length ? el("ul", {}, notices.map((n) => el("li", { "data-state": n.state },
      el("span", { class: "shifts-ho-notice-title", text: n.title }),
      ` · ${n.published_by} · ${fmtAt(n.published_at)}`,
      n.state !== "active" ? ` · ${t(`shifts.ho_notice_state.${n.state}`)}` : "")))
      : el("span", { class: "muted", text: ` ${t("shifts.ho_notices_none")}` })));
  const flags = Array.isArray(h.left_before_relief) ? h.left_before_relief : [];
  if (flags.length) {
    card.appendChild(el("ul", { class: "shifts-ho-flags", "data-testid": `shifts-handover-flags-${key}` }, flags.map((f) =>
      el("li", { text: t("shifts.ho_flag", { agent: f.username, at: fmtAt(f.at), seat: f.seat || "—",
                                            relief: (f.detail && f.detail.relief) || "?" }) }))));
  }
  if (acked) {
    card.appendChild(el("p", { class: "shifts-ho-ack", "data-testid": `shifts-handover-ack-${key}` },
      t("shifts.ho_acked", { by: h.acknowledged_by, at: fmtAt(h.acknowledged_at) }),
      h.ack_note ? el("span", { class: "shifts-ho-note", text: ` — ${h.ack_note}` }) : null));
  } else if (h.author === me()) {
    card.appendChild(el("p", { class: "muted" }, t("shifts.ho_wait_ack"), " ",
      el("button", { type: "button", class: "small secondary", "data-testid": `shifts-handover-edit-${key}`,
                     text: t("shifts.edit"), onclick: () => editHandover(h) })));
  } else {
    const note = el("input", { "data-testid": `shifts-handover-ack-note-${key}`, maxlength: 2000, autocomplete: "off",
                               placeholder: t("shifts.ho_ack_note") });
    const status = el("p", { class: "status", role: "status", "data-testid": `shifts-handover-ack-status-${key}` });
    const form = el("form", { class: "row shifts-ho-ackform" },
      el("label", { class: "shifts-wide" }, el("span", { text: t("shifts.ho_ack_note") }), note),
      el("button", { type: "submit", class: "small", "data-testid": `shifts-handover-ack-btn-${key}`,
                     text: t("shifts.ho_ack") }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      acknowledgeHandover(h, note.value.trim(), status);
    });
    card.append(form, status);
  }
  return card;
}

function editHandover(h) {
  $("shifts-handover-day").value = h.day;
  $("shifts-handover-template").value = String(h.template_id);
  for (const f of HANDOVER_FIELDS) $(`shifts-handover-${f}`).value = h[f] || "";
  $("shifts-handover-form").scrollIntoView({ block: "start" });
  $("shifts-handover-equipment").focus();
}

export async function saveHandover(ev) {
  ev.preventDefault();
  const status = $("shifts-handover-form-status");
  const day = $("shifts-handover-day").value;
  const templateId = Number($("shifts-handover-template").value);
  if (!isDay(day) || !templateId) {
    showStatus(status, () => t("shifts.fill_required"), "error");
    return;
  }
  const body = {};
  for (const f of HANDOVER_FIELDS) body[f] = $(`shifts-handover-${f}`).value.trim();
  if (!HANDOVER_FIELDS.some((f) => body[f])) {
    showStatus(status, () => t("shifts.handover_empty"), "error");
    return;
  }
  $("shifts-handover-save").disabled = true;
  const r = await call("PUT", `/api/shifts/handovers/${day}/${templateId}`, body);
  $("shifts-handover-save").disabled = false;
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk(status, () => t("shifts.handover_saved", { day, shift: r.data.shift || "" }));
  for (const f of HANDOVER_FIELDS) $(`shifts-handover-${f}`).value = "";
  loadHandovers();
}

async function acknowledgeHandover(h, note, status) {
  const r = await call("POST", `/api/shifts/handovers/${h.day}/${h.template_id}/acknowledge`, { note });
  if (!r.ok) {
    showProblem(status, r);
    return;
  }
  showOk($("shifts-handover-status"), () => t("shifts.handover_acked", { day: h.day, shift: h.shift || "" }));
  loadHandovers();
}

/* The latest handover, read-only, on "My shifts" (every incoming agent reads the latest notices). */
export function renderMyHandover(h) {
  const box = $("shifts-my-handover");
  box.textContent = "";
  if (!h) {
    box.appendChild(el("p", { class: "muted", "data-testid": "shifts-my-handover-none", text: t("shifts.handovers_none") }));
    return;
  }
  box.appendChild(el("article", { class: "shifts-handover latest", "data-testid": "shifts-my-handover-entry",
                                  "data-id": h.id },
    el("h3", {}, `${h.day} ${h.shift || ""}`),
    el("p", { class: "muted small", text: t("shifts.ho_written", { by: h.author, at: fmtAt(h.written_at) }) }),
    el("dl", { class: "shifts-ho-fields" }, HANDOVER_FIELDS.flatMap((f) => [
      el("dt", { text: t(`shifts.ho.${f}`) }),
      el("dd", { class: h[f] ? null : "muted", "data-field": f, text: h[f] || "—" }),
    ])),
    h.read_at ? el("p", { class: "muted small", "data-testid": "shifts-my-handover-read",
                          text: t("shifts.ho_read_at", { at: fmtAt(h.read_at) }) }) : null));
}
