/* The campaign chosen in the list: its settings, its script and its numbers by state, and (leads) the import of
 * numbers from a CSV file read in the browser and sent as {csv}; a refused file is the server's message naming
 * the row, in the page's language (nothing of that file is stored). The other sources, a customer filter and the
 * open call-back tasks, are sources.js. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime } from "../core/time.js";
import { clearSources, initSources, renderSources } from "./sources.js";
import { C, hoursText, isLead, modeLabel, outcomeLabel, stateLabel } from "./state.js";

const MAX_BYTES = 2_000_000; // ImportIn.csv's max_length
const NUMBER_STATES = ["pending", "reserved", "dialling", "done", "exhausted", "dnc"];

let reload = async () => {};

function fact(dl, key, value, testid) {
  dl.append(el("dt", { text: t(`campaigns.field.${key}`) }), el("dd", { "data-testid": testid, text: value }));
}

export function renderDetail() {
  const c = C.campaigns.find((x) => x.id === C.selected);
  $("camp-detail").hidden = !c;
  renderSources(c);
  if (!c) return;
  const f = C.figures.get(c.id);
  $("camp-detail-name").textContent = c.name;
  const dl = $("camp-detail-facts");
  dl.replaceChildren();
  fact(dl, "mode", modeLabel(c.mode), "camp-detail-mode");
  fact(dl, "state", stateLabel(c.state), "camp-detail-state");
  fact(dl, "agents", c.agents.join(t("campaigns.list_sep")), "camp-detail-agents");
  fact(dl, "hours", hoursText(c), "camp-detail-hours");
  fact(dl, "retry", ["busy", "no_answer", "failed"].map((o) => t("campaigns.retry_text", {
    outcome: outcomeLabel(o), minutes: (c.retry || {})[o] ?? "—" })).join(t("campaigns.list_sep")), "camp-detail-retry");
  fact(dl, "max_attempts", String(c.max_attempts), "camp-detail-max-attempts");
  if (f) {
    fact(dl, "by_state", NUMBER_STATES.map((s) => `${t(`campaigns.number_state.${s}`)} ${f.by_state[s] || 0}`)
      .join(" · "), "camp-detail-by-state");
  }
  fact(dl, "created", t("campaigns.created_text", { by: c.created_by, at: fmtTime(c.created_at) }), "camp-detail-created");
  $("camp-detail-script").textContent = c.script || t("campaigns.no_script");
  $("camp-import").hidden = !isLead(C.user) || ["stopped", "done"].includes(c.state);
}

/* Choosing another campaign clears what the import said about the last one. */
export function selectCampaign(id, { keep = false } = {}) {
  if (id !== C.selected && !keep) {
    showStatus($("camp-import-status"), "", "");
    clearSources();
  }
  C.selected = id;
  renderDetail();
}

async function importFile(ev) {
  ev.preventDefault();
  const c = C.campaigns.find((x) => x.id === C.selected);
  const status = $("camp-import-status");
  const file = $("camp-import-file").files[0];
  if (!c) return;
  if (!file) {
    showStatus(status, () => t("campaigns.import_choose"), "error");
    return;
  }
  if (file.size > MAX_BYTES) {
    showStatus(status, () => t("campaigns.import_too_big", { mb: MAX_BYTES / 1_000_000 }), "error");
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch {
    showStatus(status, () => t("campaigns.import_unreadable"), "error");
    return;
  }
  if (!text.trim()) {
    showStatus(status, () => t("campaigns.import_empty"), "error");
    return;
  }
  $("camp-import-submit").disabled = true;
  showStatus(status, () => t("campaigns.importing", { file: file.name }), "");
  const r = await call("POST", `/api/campaigns/${c.id}/numbers`, { csv: text });
  $("camp-import-submit").disabled = false;
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  const { added, already_there: known } = r.data;
  showStatus(status, () => t("campaigns.imported", { file: file.name, added, known }), "ok");
  $("camp-import-file").value = "";
  await reload();
}

export function initDetail(reloadList) {
  reload = reloadList;
  $("camp-import").addEventListener("submit", importFile);
  initSources(reloadList);
}
