/* index.html: log in, then the links the user's roles allow. */
"use strict";

let currentUser = null;

function roleNames(roles) {
  return roles.map((r) => t(`role.${r}`)).join(", ");
}

function renderHome() {
  const u = currentUser;
  document.getElementById("home-heading").textContent = t("home.heading", { name: u.display_name || u.username });
  document.getElementById("home-roles").textContent = t("home.roles", { roles: roleNames(u.roles) });
  const name = document.getElementById("user-name");
  name.textContent = u.username;
  name.hidden = false;
  document.getElementById("logout").hidden = false;

  const links = [];
  const has = (...roles) => roles.some((r) => u.roles.includes(r));
  if (has("agent")) links.push({ href: "agent.html", key: "home.agent", desc: "home.agent_desc", id: "link-agent" });
  if (has("admin")) links.push({ href: "ivr.html", key: "home.ivr", desc: "home.ivr_desc", id: "link-ivr" });
  if (has("admin")) links.push({ href: "admin.html", key: "home.admin", desc: "home.admin_desc", id: "link-admin" });
  if (has("admin", "supervisor")) {
    links.push({ href: "board.html", key: "home.board", desc: "home.board_desc", id: "link-board" });
    links.push({ href: "tv.html", key: "home.tv", desc: "home.tv_desc", id: "link-tv" });
  }
  if (has("admin", "supervisor", "qc")) {
    links.push({ href: "qc.html", key: "home.qc", desc: "home.qc_desc", id: "link-qc" });
  }
  // every role: supervisors and admins manage shifts; everyone sees their own roster, leave and swaps
  links.push({ href: "shifts.html", key: "home.shifts", id: "link-shifts",
               desc: has("admin", "supervisor") ? "home.shifts_desc" : "home.shifts_desc_mine" });
  if (has("admin", "supervisor")) {
    links.push({ href: "ivr.html#voicemail", key: "home.voicemail", desc: "home.voicemail_desc", id: "link-voicemail" });
  }
  if (has("admin", "supervisor")) links.push({ href: "/docs", key: "home.api", desc: "home.api_desc", id: "link-api" });
  const ul = document.getElementById("home-links");
  ul.textContent = "";
  if (!links.length) ul.appendChild(el("li", { class: "muted", text: t("home.nothing") }));
  for (const l of links) {
    ul.appendChild(el("li", {},
      el("a", { href: l.href, id: l.id, "data-testid": l.id, text: t(l.key) }),
      el("span", { class: "muted", text: " — " + t(l.desc) })));
  }
}

function show(section) {
  document.getElementById("loading").hidden = true;
  document.getElementById("login-section").hidden = section !== "login";
  document.getElementById("home-section").hidden = section !== "home";
  if (section === "home") renderHome();
  if (section === "login") document.getElementById("login-username").focus();
}

async function onLogin(ev) {
  ev.preventDefault();
  const err = document.getElementById("login-error");
  const btn = document.getElementById("login-submit");
  const username = document.getElementById("login-username").value.trim();
  const password = document.getElementById("login-password").value;
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
    currentUser = r.data.user;
    document.getElementById("login-password").value = "";
    show("home");
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

document.addEventListener("DOMContentLoaded", async () => {
  initHeader();
  document.getElementById("login-form").addEventListener("submit", onLogin);
  document.addEventListener("cc:langchange", () => { if (currentUser) renderHome(); });
  const r = await api("GET", "/api/auth/me");
  if (r.ok) {
    currentUser = r.data;
    show("home");
  } else {
    show("login");
  }
});
