/* Who is logged in: the session's user, its roles, the start of a page that needs a login. */
import { api, errorText } from "./api.js";
import { $, showStatus } from "./dom.js";
import { t } from "./i18n.js";
import { setClockOffset } from "./time.js";

export function whoAmI() {
  return api("GET", "/api/auth/me");
}

/* GET /api/auth/me, also reading the server's clock from the HTTP Date header (1 s resolution). Resolves to
 * {ok, status, data, clockOffset} like api(); clockOffset (ms to add to Date.now()) is 0 unless this browser's
 * clock is more than 2 s off, and null when the server sent no date. A clockOffset is also set as time.js's. */
export async function whoAmIWithClock() {
  const t0 = Date.now();
  let resp;
  try {
    resp = await fetch("/api/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch {
    return { ok: false, status: 0, data: { message: t("common.network_error") }, clockOffset: null };
  }
  const t1 = Date.now();
  const date = Date.parse(resp.headers.get("Date") || "");
  let clockOffset = null;
  if (!Number.isNaN(date)) {
    const offset = date + 500 - (t0 + t1) / 2;
    clockOffset = Math.abs(offset) > 2000 ? offset : 0;
    setClockOffset(clockOffset);
  }
  let data = null;
  try { data = await resp.json(); } catch { data = null; }
  return { ok: resp.ok, status: resp.status, data, clockOffset };
}

/* True when ``user`` has one of ``roles``. */
export function hasRole(user, ...roles) {
  const mine = (user && user.roles) || [];
  return roles.some((r) => mine.includes(r));
}

export async function logout() {
  // this page goes to the login page itself: a live socket closed by the logout (4401) must not navigate too, or
  // the second navigation aborts the first
  document.documentElement.dataset.loggingOut = "true";
  await api("POST", "/api/auth/logout");
  window.location.href = "index.html";
}

function showUserName(user) {
  const name = $("user-name");
  if (name) name.textContent = user.display_name || user.username;
}

/* Start of a page that needs a login (after renderHeader()): who is logged in. Not logged in → the login page
 * (returns null); another failure is shown in ``statusNode`` (returns null). Otherwise the user, whose username
 * is shown in the header. */
export async function pageUser(statusNode) {
  const me = await whoAmI();
  if (me.status === 401) {
    window.location.replace("index.html");
    return null;
  }
  if (!me.ok) {
    showStatus(statusNode, () => errorText(me), "error");
    return null;
  }
  const name = $("user-name");
  if (name) name.textContent = me.data.username;
  return me.data;
}

/* Start of a page for some roles only: ``who()`` (resolves like api(); default whoAmI), back to the login page on
 * 401, the ``no-access`` note (with the error from ``errText(r)`` if the check failed) when the user may not use
 * the page; otherwise shows the header's name and ``contentId`` and resolves to the user. Resolves to null when
 * not. Needs the page's #page-loading and #no-access notes. */
export async function openPageFor(who, mayUse, contentId, errText = errorText) {
  const r = await (who || whoAmI)();
  $("page-loading").hidden = true;
  if (r.status === 401) {
    window.location.replace("index.html");
    return null;
  }
  if (!r.ok) {
    showStatus($("no-access"), () => errText(r), "error");
    $("no-access").hidden = false;
    return null;
  }
  showUserName(r.data);
  if (!mayUse(r.data)) {
    $("no-access").hidden = false;
    return null;
  }
  $(contentId).hidden = false;
  return r.data;
}
