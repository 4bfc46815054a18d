/* The IVR page's state (the flows, the selected flow and its working draft, prompts, entry points) and the flow
 * document's shape: node kinds, the server's defaults (ivr/flowdef.py), the edges leaving a node. */
import { $ } from "../core/dom.js";
import { t } from "../core/i18n.js";

export const KINDS = ["menu", "play", "queue", "voicemail", "transfer", "hours", "language", "lookup", "hangup"];
export const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const NODE_ID = /^[a-z0-9_]{1,40}$/;
export const OTHER = "\u0000other"; // the "type it yourself" entry of a select

/* A new node of each kind, with the server's defaults written out (ivr/flowdef.py). */
export const DEFAULTS = {
  menu: { prompt: "", options: [], timeout_seconds: 5, max_retries: 2, invalid_prompt: "invalid",
          timeout_prompt: null, default: null },
  play: { prompt: "", next: "", interruptible: true },
  queue: { queue: "", priority: 0, max_wait_seconds: 300, fallback: null },
  voicemail: { mailbox: "general", prompt: "vm-intro", max_seconds: 120 },
  transfer: { target_type: "extension", target: "" },
  hours: { schedule: { timezone: "Asia/Shanghai", weekly: {}, holidays: [] }, open: "", closed: "" },
  language: { language: "zh", next: "" },
  lookup: { found: "", not_found: "", vip: null, vip_priority: 10 },
  hangup: { prompt: null },
};
export const STARTER = { start: "main", language: "en", nodes: { main: { kind: "menu", label: "", ...DEFAULTS.menu } } };

export const S = {
  user: null,
  flows: [],
  flow: null, // the selected flow as the server last returned it
  draft: null, // the working copy of its draft
  dirty: false,
  problems: [],
  problemsFrom: null, // "check" (the server's check of the saved draft) or "publish" (a refused publish)
  prompts: [],
  entryPoints: {},
};

export const clone = (x) => JSON.parse(JSON.stringify(x));

export function newNode(kind) {
  return { kind, label: "", ...clone(DEFAULTS[kind]) };
}

/* A field's value, or the server's default when the document leaves it out. */
export function val(node, key) {
  if (key in node) return node[key];
  const d = DEFAULTS[node.kind];
  return d && key in d ? clone(d[key]) : undefined;
}

/* Every edge leaving a node, as ivr/flowdef.py targets() sees them. */
export function targets(node) {
  switch (node.kind) {
    case "menu": {
      const out = (node.options || []).map((o) => ({ what: t("edge.option", { digit: o.digit }), id: o.target }));
      if (node.default) out.push({ what: t("edge.default"), id: node.default });
      return out;
    }
    case "play":
    case "language":
      return [{ what: t("edge.next"), id: node.next }];
    case "queue":
      return node.fallback ? [{ what: t("edge.fallback"), id: node.fallback }] : [];
    case "hours":
      return [{ what: t("edge.open"), id: node.open }, { what: t("edge.closed"), id: node.closed }];
    case "lookup": {
      const out = [{ what: t("edge.found"), id: node.found }, { what: t("edge.not_found"), id: node.not_found }];
      if (node.vip) out.push({ what: t("edge.vip"), id: node.vip });
      return out;
    }
    default:
      return [];
  }
}

export function markDirty() {
  S.dirty = true;
  $("dirty").hidden = false;
}
