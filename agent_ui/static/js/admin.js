/* admin.html: users (roles, active, password reset, skills), seats (SIP phones), queues and pause reasons.
 *
 * Every change goes to /api/admin (admin role); the server checks everything and names the field it refuses,
 * which is then marked here (aria-invalid) and focused, with the message next to the form that caused it.
 * Seat passwords are never sent back by the server: the edit form only sets a new one.
 */
import "./i18n/common.js";
import "./i18n/admin.js";
import { buildQueueCreate, renderQueues } from "./admin/queues.js";
import { buildReasonCreate, renderReasons } from "./admin/reasons.js";
import { buildSeatCreate, renderSeats } from "./admin/seats.js";
import { load, S } from "./admin/state.js";
import { initTabs, selectTab } from "./admin/tabs.js";
import { buildUserCreate, renderUsers } from "./admin/users.js";
import { call, errorText } from "./core/api.js";
import { pageUser } from "./core/auth.js";
import { $, showStatus } from "./core/dom.js";
import { renderHeader } from "./core/header.js";
import { applyI18n } from "./core/i18n.js";

function rerenderTables() {
  renderUsers();
  renderSeats();
  renderQueues();
  renderReasons();
}

renderHeader({ title: "admin.title" });
S.user = await pageUser($("page-status"));
if (S.user) await start();

async function start() {
  if (!S.user.roles.includes("admin")) {
    $("no-access").hidden = false;
    return;
  }
  const meta = await call("GET", "/api/admin/meta");
  if (!meta.ok) {
    showStatus($("page-status"), () => errorText(meta), "error");
    return;
  }
  S.meta = meta.data;
  $("admin").hidden = false;
  initTabs();
  selectTab(window.location.hash.slice(1) || "users");
  await load("queues"); // first: the skills editor lists them
  await Promise.all([load("users"), load("seats"), load("reasons")]);
  buildUserCreate();
  buildSeatCreate();
  buildQueueCreate();
  buildReasonCreate();
  applyI18n();
  document.addEventListener("cc:langchange", rerenderTables);
}
