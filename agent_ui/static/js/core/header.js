/* The page header, one definition for every page but the TV: the centre's name (a link home), the page's title,
 * the live-socket badge, the page's own links, the home link, the user, the language switch and logout. */
import "../i18n/callbacks.js";
import { logout } from "./auth.js";
import { el } from "./dom.js";
import { applyI18n, initLangSwitch, t } from "./i18n.js";

/* A text that follows the language: the data-i18n key, the current text now (applyI18n() redraws it). */
const tx = (tag, key, attrs) => el(tag, { ...attrs, "data-i18n": key, text: t(key) });

/* Render the header at the top of <body> (replacing a <header class="topbar"> already there), then apply the
 * page's texts. Options:
 *   title: the i18n key of the page's title (none on the home page);
 *   live: a badge for the page's websocket (#ws-status, see socket.js showLiveStatus);
 *   links: [{href, key, testid}] links of the page, before the home link;
 *   home: the home link (default true), after the call-back desk's (every signed-in role may use it);
 *   signedOut: the home page's case: the user's name and logout start hidden until someone logs in. */
export function renderHeader({ title, live = false, links = [], home = true, signedOut = false } = {}) {
  const brand = el("h1", { class: "brand" }, tx("a", "app.title", { href: "index.html" }));
  if (title) brand.append(" ", el("span", { class: "sep", text: "/" }), " ", tx("span", title));
  const right = el("div", { class: "topbar-right" },
    live ? el("span", { id: "ws-status", class: "ws-status", "data-testid": "ws-status", "data-ws": "connecting",
                        role: "status" }) : null,
    links.map((l) => tx("a", l.key, { href: l.href, "data-testid": l.testid })),
    home ? tx("a", "callbacks.link", { href: "callbacks.html", "data-testid": "nav-callbacks" }) : null,
    home ? tx("a", "common.home", { href: "index.html" }) : null,
    el("span", { id: "user-name", class: "muted", "data-testid": "user-name", hidden: signedOut }),
    el("label", { class: "lang" }, tx("span", "lang.label"),
      el("select", { id: "lang-switch", "data-testid": "lang-switch" })),
    tx("button", "common.logout", { type: "button", id: "logout", "data-testid": "logout", class: "secondary",
                                    hidden: signedOut, onclick: logout }));
  const header = el("header", { class: "topbar" }, brand, right);
  const old = document.querySelector("body > header.topbar");
  if (old) old.replaceWith(header);
  else document.body.prepend(header);
  initLangSwitch(document.getElementById("lang-switch"));
  applyI18n();
  return header;
}
