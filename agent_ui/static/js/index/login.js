/* index.html's login form. */
import { api, errorText } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";

/* Wire the form; ``onSignedIn(user)`` after a successful login. */
export function initLogin(onSignedIn) {
  $("login-form").addEventListener("submit", (ev) => onLogin(ev, onSignedIn));
}

async function onLogin(ev, onSignedIn) {
  ev.preventDefault();
  const err = $("login-error");
  const btn = $("login-submit");
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  if (!username || !password) {
    showStatus(err, () => t("login.missing"), "error");
    return;
  }
  showStatus(err, "");
  btn.disabled = true;
  btn.textContent = t("login.busy");
  const r = await api("POST", "/api/auth/login", { username, password });
  btn.disabled = false;
  btn.textContent = t("login.submit");
  if (r.ok) {
    $("login-password").value = "";
    onSignedIn(r.data.user);
  } else if (r.status === 401) {
    showStatus(err, () => t("login.wrong"), "error");
  } else if (r.status === 429) {
    const wait = r.data && r.data.details && r.data.details.retry_after_seconds;
    showStatus(err, () => (wait ? t("login.too_many_wait", { seconds: Math.ceil(wait) }) : t("login.too_many")),
               "error");
  } else if (r.status === 400) {
    showStatus(err, () => t("login.missing"), "error");
  } else {
    showStatus(err, () => errorText(r), "error");
  }
}
