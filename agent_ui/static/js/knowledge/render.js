/* Showing the knowledge base's texts safely, on the knowledge page and the agent desktop's panel.
 *
 * - A highlight is built from the server's spans (HitOut.title_marks / snippet_marks: [start, end) in code
 *   points of the plain text) as text nodes and <mark> elements: the text itself never goes through innerHTML.
 * - The wording is the server's body_html (callcenter/knowledge/markup.py render(): every character of the
 *   author's is escaped first, then only its own tags are written: p, br, h3-h5, ul, ol, li, strong). It is parsed
 *   by DOMParser (an inert document: nothing runs, nothing loads) and only those elements, without any attribute,
 *   and their text are copied onto the page; anything else is kept as its text. */

import { el } from "../core/dom.js";

const ALLOWED = new Set(["P", "BR", "H3", "H4", "H5", "UL", "OL", "LI", "STRONG"]);

/* ``text`` with the spans in <mark>: a DocumentFragment. Spans count code points (Python's str indices). */
export function marked(text, spans) {
  const frag = document.createDocumentFragment();
  const chars = Array.from(String(text || ""));
  let at = 0;
  for (const [a, b] of Array.isArray(spans) ? spans : []) {
    const start = Math.max(at, Math.min(a, chars.length));
    const end = Math.max(start, Math.min(b, chars.length));
    if (start > at) frag.append(chars.slice(at, start).join(""));
    if (end > start) frag.append(el("mark", {}, chars.slice(start, end).join("")));
    at = end;
  }
  if (at < chars.length) frag.append(chars.slice(at).join(""));
  return frag;
}

function copySafe(node, into) {
  for (const c of Array.from(node.childNodes)) {
    if (c.nodeType === Node.TEXT_NODE) {
      into.append(c.textContent);
    } else if (c.nodeType === Node.ELEMENT_NODE) {
      if (ALLOWED.has(c.tagName)) {
        const mine = document.createElement(c.tagName.toLowerCase());
        copySafe(c, mine);
        into.append(mine);
      } else {
        copySafe(c, into); // an unexpected element: its text only
      }
    }
  }
}

/* The server's rendered wording (body_html) as a DocumentFragment of the allowed elements only. */
export function wording(bodyHtml) {
  const frag = document.createDocumentFragment();
  const doc = new DOMParser().parseFromString(`<body>${String(bodyHtml || "")}</body>`, "text/html");
  copySafe(doc.body, frag);
  return frag;
}

/* Replace the children of ``node`` by ``frag``. */
export function fill(node, frag) {
  node.textContent = "";
  node.append(frag);
  return node;
}
