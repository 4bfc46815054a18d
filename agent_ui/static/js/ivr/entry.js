/* Entry points: which dialled number (DID) goes to which flow. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { loadFlows } from "./flows.js";
import { S } from "./state.js";

export async function loadEntryPoints() {
  const r = await call("GET", "/api/ivr/entry-points");
  if (r.ok) S.entryPoints = r.data;
  if (S.flow) renderEntryPoints();
}

export function renderEntryPoints() {
  $("entry-not-live").hidden = Boolean(S.flow.live_version);
  const ul = $("entry-list");
  ul.textContent = "";
  const dids = Object.keys(S.entryPoints).sort((a, b) => (a === "*") - (b === "*") || a.localeCompare(b));
  if (!dids.length) ul.appendChild(el("li", { class: "muted", text: t("entry.none") }));
  for (const did of dids) {
    const fid = S.entryPoints[did];
    const mine = S.flow && fid === S.flow.id;
    const f = S.flows.find((x) => x.id === fid);
    ul.appendChild(el("li", { "data-testid": `entry-${did}`, class: mine ? "mine" : "" },
      el("strong", { text: did === "*" ? t("entry.default") : did }), " → ",
      mine ? el("span", { class: "badge live", text: t("entry.this_flow") }) : (f ? f.name : `#${fid}`)));
  }
}

export async function assignEntryPoint(ev) {
  ev.preventDefault();
  const did = $("entry-did").value.trim();
  if (!did) return;
  const status = $("entry-status");
  const r = await call("PUT", `/api/ivr/entry-points/${encodeURIComponent(did)}`, { flow_id: S.flow.id });
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  S.entryPoints = r.data;
  $("entry-did").value = "";
  showStatus(status, () => t("entry.assigned", { did }), "ok");
  await loadFlows();
  renderEntryPoints();
}
