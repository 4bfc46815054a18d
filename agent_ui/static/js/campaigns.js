/* campaigns.html: outbound campaigns (外呼活动; issue 15, "4. Campaigns"; docs/outbound.md "The campaigns page").
 * For the leads (supervisors, admins): the campaigns with their state and live figures, refreshed every few seconds
 * (campaigns/list.js), start / pause / resume / stop, a campaign's settings and the import of its numbers from a
 * CSV file read in the browser (campaigns/detail.js) or from a customer tag filter and the open call-back tasks
 * (campaigns/sources.js), a new campaign (campaigns/create.js) and the do-not-call list (campaigns/dnc.js). For the agents of a running preview campaign: the next number, its customer and the script,
 * and dial (campaigns/work.js). QC may read the list. Everything comes from /api/campaigns and /api/dnc. */

import "./i18n/common.js";
import "./i18n/campaigns.js";
import { errorText } from "./core/api.js";
import { openPageFor, whoAmIWithClock } from "./core/auth.js";
import { $ } from "./core/dom.js";
import { renderHeader } from "./core/header.js";
import { initCreate, loadAgents, renderCreate } from "./campaigns/create.js";
import { initDetail, renderDetail, selectCampaign } from "./campaigns/detail.js";
import { initDnc, loadDnc, renderDnc } from "./campaigns/dnc.js";
import { loadList, onSelected, renderList } from "./campaigns/list.js";
import { C, isLead, mayRead } from "./campaigns/state.js";
import { findHeld, initWork, renderWork } from "./campaigns/work.js";

const REFRESH_MS = 4000;

async function reload() {
  await loadList();
  renderDetail();
  renderWork();
}

async function startCampaigns() {
  renderHeader({ title: "campaigns.title",
                 links: [{ href: "board.html", key: "campaigns.board_link", testid: "nav-board" }] });
  C.user = await openPageFor(whoAmIWithClock, mayRead, "campaigns", errorText);
  if (!C.user) return;
  const lead = isLead(C.user);
  $("camp-create").hidden = !lead;
  $("camp-dnc").hidden = !lead;
  onSelected((id, opts) => {
    selectCampaign(id, opts);
    renderList();
  });
  initDetail(reload);
  initWork();
  if (lead) {
    initCreate(async (c) => {
      await reload();
      selectCampaign(c.id);
      renderList();
    });
    initDnc();
  }
  $("camp-refresh").addEventListener("click", () => {
    reload();
    if (lead) loadDnc();
  });
  document.addEventListener("cc:langchange", () => {
    renderList();
    renderDetail();
    renderWork();
    if (lead) {
      renderCreate();
      renderDnc();
    }
  });
  await reload();
  const first = C.campaigns.find((c) => c.state === "running") || C.campaigns[0];
  if (lead && first) {
    selectCampaign(first.id);
    renderList();
  }
  renderWork();
  await findHeld();
  if (lead) await Promise.all([loadAgents(), loadDnc()]);
  setInterval(() => { if (!document.hidden) reload(); }, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", startCampaigns);

/* For tests and debugging. */
window.ccCampaigns = { state: C };
