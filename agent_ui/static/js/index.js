/* index.html: log in (index/login.js), then the links the user's roles allow. */
import "./i18n/common.js";
import "./i18n/audit.js";
import "./i18n/index.js";
import "./i18n/knowledge.js";
import "./i18n/notices.js";
import "./i18n/reports.js";
import "./i18n/seeds_reports.js";
import { whoAmI } from "./core/auth.js";
import { $, el } from "./core/dom.js";
import { renderHeader } from "./core/header.js";
import { t } from "./core/i18n.js";
import { initLogin } from "./index/login.js";

let currentUser = null;

function roleNames(roles) {
  return roles.map((r) => t(`role.${r}`)).join(", ");
}

function renderHome() {
  const u = currentUser;
  $("home-heading").textContent = t("home.heading", { name: u.display_name || u.username });
  $("home-roles").textContent = t("home.roles", { roles: roleNames(u.roles) });
  const name = $("user-name");
  name.textContent = u.username;
  name.hidden = false;
  $("logout").hidden = false;

  const links = [];
  const has = (...roles) => roles.some((r) => u.roles.includes(r));
  if (has("agent")) links.push({ href: "agent.html", key: "home.agent", desc: "home.agent_desc", id: "link-agent" });
  if (has("admin")) links.push({ href: "ivr.html", key: "home.ivr", desc: "home.ivr_desc", id: "link-ivr" });
  if (has("admin")) links.push({ href: "admin.html", key: "home.admin", desc: "home.admin_desc", id: "link-admin" });
  // the audit log: admins (a role the centre grants reads it too: the page asks the API)
  if (has("admin")) links.push({ href: "audit.html", key: "audit.link", desc: "audit.link_desc", id: "link-audit" });
  if (has("admin", "supervisor")) {
    links.push({ href: "board.html", key: "home.board", desc: "home.board_desc", id: "link-board" });
    links.push({ href: "tv.html", key: "home.tv", desc: "home.tv_desc", id: "link-tv" });
  }
  if (has("admin", "supervisor", "qc")) {
    links.push({ href: "qc.html", key: "home.qc", desc: "home.qc_desc", id: "link-qc" });
  }
  // every role: cases show each user the ones they may see (their calls, their department's, all)
  links.push({ href: "cases.html", key: "home.cases", desc: "home.cases_desc", id: "link-cases" });
  // every role: agents read what they can use now, leads and admins write, review and publish
  links.push({ href: "knowledge.html", key: "knowledge.link", desc: "knowledge.link_desc", id: "link-knowledge" });
  // every role: supervisors and admins manage shifts; everyone sees their own roster, leave and swaps
  links.push({ href: "shifts.html", key: "home.shifts", id: "link-shifts",
               desc: has("admin", "supervisor") ? "home.shifts_desc" : "home.shifts_desc_mine" });
  // leads and admins publish notices (a department's head too: the page itself asks the API)
  if (has("admin", "supervisor")) {
    links.push({ href: "notices.html", key: "notices.link", desc: "notices.link_desc", id: "link-notices" });
  }
  // interval statistics: leads and QC every queue and agent, an agent their own rows
  if (has("admin", "supervisor", "qc")) {
    links.push({ href: "reports.html", key: "reports.link", desc: "reports.link_desc", id: "link-reports" });
  }
  // the seeds' reports: leads and QC read them all, an agent their own monthly appraisal
  if (has("admin", "supervisor", "qc")) {
    links.push({ href: "seeds_reports.html", key: "seeds.link", desc: "seeds.link_desc", id: "link-seeds-reports" });
  } else if (has("agent")) {
    links.push({ href: "seeds_reports.html?report=appraisal", key: "seeds.link_mine", desc: "seeds.link_mine_desc",
                 id: "link-seeds-reports" });
  }
  if (has("admin", "supervisor")) {
    links.push({ href: "ivr.html#voicemail", key: "home.voicemail", desc: "home.voicemail_desc", id: "link-voicemail" });
  }
  if (has("admin", "supervisor")) links.push({ href: "/docs", key: "home.api", desc: "home.api_desc", id: "link-api" });
  const ul = $("home-links");
  ul.textContent = "";
  if (!links.length) ul.appendChild(el("li", { class: "muted", text: t("home.nothing") }));
  for (const l of links) {
    ul.appendChild(el("li", {},
      el("a", { href: l.href, id: l.id, "data-testid": l.id, text: t(l.key) }),
      el("span", { class: "muted", text: " — " + t(l.desc) })));
  }
}

function show(section) {
  $("loading").hidden = true;
  $("login-section").hidden = section !== "login";
  $("home-section").hidden = section !== "home";
  if (section === "home") renderHome();
  if (section === "login") $("login-username").focus();
}

function signedIn(user) {
  currentUser = user;
  show("home");
}

// the home page's header: no title, no home link, no user until someone logs in
renderHeader({ home: false, signedOut: true });
initLogin(signedIn);
document.addEventListener("cc:langchange", () => { if (currentUser) renderHome(); });
const r = await whoAmI();
if (r.ok) signedIn(r.data);
else show("login");
