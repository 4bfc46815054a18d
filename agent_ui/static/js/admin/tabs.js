/* The admin page's tabs (users, seats, queues, pause reasons): arrow keys, and the address's #tab. */
import { $ } from "../core/dom.js";
import { S, TABS } from "./state.js";

export function selectTab(tab, focus) {
  if (!TABS.includes(tab)) tab = "users";
  S.tab = tab;
  for (const name of TABS) {
    const btn = $(`tab-${name}`);
    const on = name === tab;
    btn.setAttribute("aria-selected", on ? "true" : "false");
    btn.tabIndex = on ? 0 : -1;
    $(`panel-${name}`).hidden = !on;
  }
  if (focus) $(`tab-${tab}`).focus();
  if (window.location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
}

export function initTabs() {
  for (const name of TABS) {
    const btn = $(`tab-${name}`);
    btn.addEventListener("click", () => selectTab(name));
    btn.addEventListener("keydown", (ev) => {
      const i = TABS.indexOf(name);
      let next = null;
      if (ev.key === "ArrowRight") next = TABS[(i + 1) % TABS.length];
      else if (ev.key === "ArrowLeft") next = TABS[(i + TABS.length - 1) % TABS.length];
      else if (ev.key === "Home") next = TABS[0];
      else if (ev.key === "End") next = TABS[TABS.length - 1];
      if (next) {
        ev.preventDefault();
        selectTab(next, true);
      }
    });
  }
  window.addEventListener("hashchange", () => selectTab(window.location.hash.slice(1)));
}
