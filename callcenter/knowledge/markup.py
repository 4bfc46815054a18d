"""The agreed wording's format: plain text with a small Markdown subset, stored as typed and rendered here with
everything escaped first, so no markup of the author's reaches a page (no HTML, no links, no images: nothing a
browser would run).

What it renders: paragraphs (blank lines), line breaks, ``#``/``##``/``###`` headings, ``- ``/``* `` bullet lists,
``1. `` numbered lists (steps) and ``**bold**``. The page shows ``body_html``; the desktop may show ``body`` as text.
"""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)、]\s*(.*)$")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=True))


def render(body: str) -> str:
    """``body`` as safe HTML (every character of the author's escaped; only the tags written here)."""
    out: list[str] = []
    para: list[str] = []
    lst: tuple[str, list[str]] | None = None

    def flush() -> None:
        nonlocal lst
        if para:
            out.append("<p>" + "<br>".join(_inline(p) for p in para) + "</p>")
            para.clear()
        if lst is not None:
            tag, items = lst
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{tag}>")
            lst = None

    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            flush()
            continue
        if m := _HEADING.match(line):
            flush()
            level = len(m.group(1)) + 2  # h3..h5: under the page's own headings
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            continue
        kind, m = ("ul", _BULLET.match(line)) if _BULLET.match(line) else ("ol", _NUMBERED.match(line))
        if m:
            if para:
                flush()
            if lst is None or lst[0] != kind:
                flush()
                lst = (kind, [])
            lst[1].append(m.group(1))
            continue
        if lst is not None:
            flush()
        para.append(line.strip())
    flush()
    return "".join(out)
