"""The search's query handling, ranking and highlights, the same on both databases (the SQL that finds the
candidates is in ``repository.py``, per database).

A query is cut into terms at white space (a Chinese phrase is one term: matched as a substring, so 宽带 finds
宽带套餐); every term must occur in the title, the tags or the wording. Terms of three or more characters are
looked up in the trigram index (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``); shorter ones (宽, 宽带, "5G")
cannot be, since a trigram needs three characters, and are matched by a plain substring test over the visible
rows (``instr`` / ``strpos``), which stays fast at the catalogue's size (``docs/knowledge.md`` has the figures).

Ranking: a hit in the title counts most (and a title that starts with or is the term more), then the tags, then
the wording (each repeat a little more, up to five). Highlights are spans of the original texts ``[start, end)``
and the same texts as HTML with every character escaped and the hits in ``<mark>``.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

MAX_QUERY = 200  # characters of a query looked at; the rest is ignored
MAX_TERMS = 8
TRIGRAM = 3  # the shortest term the trigram index can answer
SNIPPET = 160  # characters of the wording around its first hit


@dataclass(frozen=True)
class Query:
    terms: tuple[str, ...]  # lower-cased, deduplicated, in the order typed

    @property
    def long(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if len(t) >= TRIGRAM)

    @property
    def short(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if len(t) < TRIGRAM)


def fold(text: str) -> str:
    """How texts and queries are compared: lower case (``str.lower``, any script)."""
    return text.lower()


def search_text(title: str, tags: list[str], body: str) -> str:
    """The one string a revision is matched on (stored in ``knowledge_revisions.search_text``)."""
    return fold(f"{title}\n{' '.join(tags)}\n{body}")


def parse(raw: str) -> Query:
    """Any text: control characters dropped, at most :data:`MAX_QUERY` characters and :data:`MAX_TERMS` terms."""
    clean = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in raw[:MAX_QUERY * 4])[:MAX_QUERY]
    terms: list[str] = []
    for t in fold(clean).split():
        if t not in terms:
            terms.append(t)
    return Query(tuple(terms[:MAX_TERMS]))


def fts_phrase(term: str) -> str:
    """A term as one FTS5 string (its quotes doubled): no FTS syntax of the user's (``NEAR(``, ``*``, ``OR``, a
    column filter) is ever read as syntax."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """A term as a LIKE ``%...%`` pattern with ``\\`` escaping its ``%``, ``_`` and ``\\``."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text`` (case-folded), merged, in order."""
    low = fold(text)
    if len(low) != len(text):  # a character whose lower case is longer (rare): compare as typed
        low = text
    found: list[tuple[int, int]] = []
    for t in terms:
        start = low.find(t)
        while start != -1:
            found.append((start, start + len(t)))
            start = low.find(t, start + len(t))
    found.sort()
    merged: list[tuple[int, int]] = []
    for a, b in found:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def marked(text: str, marks: list[tuple[int, int]]) -> str:
    """``text`` escaped, its marks in ``<mark>``."""
    out, at = [], 0
    for a, b in marks:
        out.append(html.escape(text[at:a]))
        out.append("<mark>" + html.escape(text[a:b]) + "</mark>")
        at = b
    out.append(html.escape(text[at:]))
    return "".join(out)


def snippet(body: str, terms: tuple[str, ...]) -> tuple[str, list[tuple[int, int]]]:
    """About :data:`SNIPPET` characters of the wording around its first hit (its start when none), with the hits'
    spans within it; "…" where it was cut."""
    flat = " ".join(body.split())
    marks = spans(flat, terms)
    start = max(0, marks[0][0] - SNIPPET // 4) if marks else 0
    end = min(len(flat), start + SNIPPET)
    cut = flat[start:end]
    inner = [(max(a, start) - start, min(b, end) - start) for a, b in marks if b > start and a < end]
    if start > 0:
        cut = "…" + cut
        inner = [(a + 1, b + 1) for a, b in inner]
    if end < len(flat):
        cut += "…"
    return cut, inner


def score(q: Query, title: str, tags: list[str], body: str) -> float:
    """Higher is better: a title hit above a tag hit above a wording hit."""
    t, g, b = fold(title), [fold(x) for x in tags], fold(body)
    total = 0.0
    for term in q.terms:
        if t == term:
            total += 60
        elif t.startswith(term):
            total += 30
        total += 20 * min(t.count(term), 3)
        total += 12 if term in g else 6 if any(term in x for x in g) else 0
        total += min(b.count(term), 5)
    return total
