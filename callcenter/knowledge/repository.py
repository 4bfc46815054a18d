"""The knowledge base's storage: each method one transaction. Every change of an entry is guarded by its
``version`` (``UPDATE ... WHERE version = :given``): a change that lost a race changes nothing and the service
answers 409. The search's candidate queries are per database (``search.py`` has the rules)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import rows_affected
from callcenter.knowledge.models import (
    KnowledgeDocument,
    KnowledgeEntry,
    KnowledgeRevision,
    KnowledgeTarget,
    KnowledgeUse,
)
from callcenter.knowledge.search import TRIGRAM, Query, fts_phrase, like_pattern

R = KnowledgeRevision
_FTS = sa.table("knowledge_fts", sa.column("rowid"))
CANDIDATES = 200  # rows a search ranks at most
_RANKED = (R.id, R.entry_id, R.title, R.tags, R.body, R.published_at, R.updated_at)


@dataclass(frozen=True)
class Candidate:
    """What the ranking reads of a revision a search found."""

    id: int
    entry_id: int
    title: str
    tags: list[str]
    body: str
    published_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Visibility:
    """Which revisions a reader finds: ``now`` set: the published ones valid at ``now`` (an agent); None: every
    revision but the superseded (an editor)."""

    now: datetime | None
    confirmed_only: bool = False


@dataclass
class Change:
    """One change of an entry, applied only if its version is still ``version``."""

    entry: dict[str, Any] = field(default_factory=dict)
    revisions: dict[int, dict[str, Any]] = field(default_factory=dict)  # revision id → new values
    new_revision: dict[str, Any] | None = None
    targets: tuple[list[str], list[str]] | None = None  # (queues, IVR choices) of the new or edited open revision


class KnowledgeRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @property
    def dialect(self) -> str:
        bind = self.sessions.kw.get("bind")
        return str(bind.dialect.name) if bind is not None else "sqlite"

    # entries and revisions -------------------------------------------------------------------------------
    @staticmethod
    async def _set_targets(s: AsyncSession, revision_id: int, queues: list[str], ivr: list[str]) -> None:
        await s.execute(delete(KnowledgeTarget).where(KnowledgeTarget.revision_id == revision_id))
        for kind, values in (("queue", queues), ("ivr", ivr)):
            for v in dict.fromkeys(values):
                s.add(KnowledgeTarget(revision_id=revision_id, kind=kind, value=v))

    async def create(self, revision: dict[str, Any], by: str, now: datetime) -> tuple[KnowledgeEntry,
                                                                                       KnowledgeRevision]:
        async with self.sessions() as s:
            e = KnowledgeEntry(version=1, state="new", revisions=1, created_by=by, created_at=now, updated_at=now,
                               withdraw_reason="")
            s.add(e)
            await s.flush()
            r = R(entry_id=e.id, number=1, state="draft", created_by=by, created_at=now, updated_at=now,
                  **revision)
            s.add(r)
            await s.flush()
            e.open_revision_id = r.id
            await self._set_targets(s, r.id, r.queues, r.ivr_choices)
            await s.commit()
            return e, r

    async def entry(self, entry_id: int) -> KnowledgeEntry | None:
        async with self.sessions() as s:
            return await s.get(KnowledgeEntry, entry_id)

    async def entries(self, ids: Iterable[int]) -> dict[int, KnowledgeEntry]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        async with self.sessions() as s:
            rows = (await s.execute(select(KnowledgeEntry).where(KnowledgeEntry.id.in_(wanted)))).scalars()
            return {e.id: e for e in rows}

    async def revision(self, revision_id: int | None) -> KnowledgeRevision | None:
        if revision_id is None:
            return None
        async with self.sessions() as s:
            return await s.get(R, revision_id)

    async def revisions_of(self, entry_id: int) -> list[KnowledgeRevision]:
        async with self.sessions() as s:
            return list((await s.execute(select(R).where(R.entry_id == entry_id).order_by(R.number))).scalars())

    async def revisions(self, ids: Iterable[int]) -> dict[int, KnowledgeRevision]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        async with self.sessions() as s:
            return {r.id: r for r in (await s.execute(select(R).where(R.id.in_(wanted)))).scalars()}

    async def change(self, entry_id: int, version: int, change: Change, now: datetime
                     ) -> tuple[KnowledgeEntry, KnowledgeRevision | None] | None:
        """Apply ``change`` if the entry is still at ``version`` (its version goes up by one); None if it is not.
        Returns the entry and the new revision (if one was made)."""
        async with self.sessions() as s:
            values = {**change.entry, "version": KnowledgeEntry.version + 1, "updated_at": now}
            if change.new_revision is not None:
                values["revisions"] = KnowledgeEntry.revisions + 1
            done = await s.execute(update(KnowledgeEntry).where(KnowledgeEntry.id == entry_id,
                                                                KnowledgeEntry.version == version).values(**values))
            if rows_affected(done) != 1:
                await s.rollback()
                return None
            for rid, rv in change.revisions.items():
                await s.execute(update(R).where(R.id == rid).values(**rv, updated_at=now))
            made = None
            e = await s.get(KnowledgeEntry, entry_id, populate_existing=True)
            assert e is not None
            if change.new_revision is not None:
                made = R(entry_id=entry_id, number=e.revisions, state="draft", created_at=now, updated_at=now,
                         **change.new_revision)
                s.add(made)
                await s.flush()
                e.open_revision_id = made.id
            if change.targets is not None:
                target = made.id if made is not None else e.open_revision_id
                if target is not None:
                    await self._set_targets(s, target, *change.targets)
            await s.commit()
            return e, made

    async def catalogue(self, vis: Visibility, category: str | None, department_id: int | None,
                        state: str | None, limit: int, offset: int) -> tuple[list[KnowledgeRevision], int]:
        """The revisions a reader sees (an editor: each entry's newest revision), last changed first."""
        async with self.sessions() as s:
            if vis.now is not None:
                q = select(R).where(*self._visible(vis))
            else:
                # each entry's newest revision: its open one if it has one, else its published (or withdrawn) one
                q = select(R).where(R.id.in_(select(func.max(R.id)).group_by(R.entry_id)))
                if state is not None:
                    q = q.join(KnowledgeEntry, KnowledgeEntry.id == R.entry_id).where(KnowledgeEntry.state == state)
            if category is not None:
                q = q.where(R.category == category)
            if department_id is not None:
                q = q.where(R.department_id == department_id)
            total = int((await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one())
            rows = (await s.execute(q.order_by(R.updated_at.desc(), R.id.desc()).limit(limit).offset(offset)))
            return list(rows.scalars()), total

    # search ----------------------------------------------------------------------------------------------
    @staticmethod
    def _visible(vis: Visibility) -> list[ColumnElement[bool]]:
        if vis.now is None:
            return [R.state != "superseded"]
        out = [R.state == "published", or_(R.valid_from.is_(None), R.valid_from <= vis.now),
               or_(R.valid_to.is_(None), R.valid_to > vis.now)]
        if vis.confirmed_only:
            out.append(R.confirmed.is_(True))
        return out

    async def search(self, q: Query, vis: Visibility, category: str | None, want: int = CANDIDATES
                     ) -> list[Candidate]:
        """Up to ``want`` visible revisions holding every term, for ``search.score``: first those with the first
        term in the title (the best ranked), then any others, each query stopping at its limit (so a common term
        does not sort the whole catalogue). Only the columns the ranking reads are loaded."""
        if not q.terms:
            return []
        sqlite = self.dialect == "sqlite"
        first = q.terms[0]
        found: list[Candidate] = []
        for in_title in (True, False):
            stmt = select(*_RANKED)
            conds: list[ColumnElement[bool]] = []
            long = list(q.long)
            short = list(q.short)
            if in_title:  # first, so the database tests it first (SQLite keeps the order of the terms)
                title = R.title if first == first.upper() else func.lower(R.title)  # nothing to fold: no lower()
                if len(first) >= TRIGRAM and sqlite:
                    long.remove(first)  # in the title's column of the index instead
                elif len(first) >= TRIGRAM:
                    conds.append(func.lower(R.title).like(like_pattern(first), escape="\\"))
                else:
                    short.remove(first)  # in the title means in the search text too
                    conds.append((func.instr(title, first) if sqlite else func.strpos(title, first)) > 0)
            for t in short:
                conds.append((func.instr(R.search_text, t) if sqlite else func.strpos(R.search_text, t)) > 0)
            conds += self._visible(vis)
            if category is not None:
                conds.append(R.category == category)
            if found:
                conds.append(R.id.not_in([c.id for c in found]))
            if sqlite and (long or (in_title and len(first) >= TRIGRAM)):
                match = [fts_phrase(t) for t in long]
                if in_title and len(first) >= TRIGRAM:
                    match.insert(0, "{title} : " + fts_phrase(first))
                stmt = stmt.join(_FTS, _FTS.c.rowid == R.id).where(
                    sa.text("knowledge_fts MATCH :match").bindparams(match=" AND ".join(match)))
            elif not sqlite:
                for t in long:  # the GIN trigram index answers LIKE '%term%'
                    conds.append(R.search_text.like(like_pattern(t), escape="\\"))
            async with self.sessions() as s:
                rows = (await s.execute(stmt.where(*conds).limit(want - len(found)))).all()
            found += [Candidate(*row) for row in rows]
            if len(found) >= want:
                break
        return found

    async def suggest(self, vis: Visibility, queue: str | None, ivr: str | None, limit: int
                      ) -> list[tuple[KnowledgeRevision, int]]:
        """Visible revisions applying to ``queue`` or ``ivr``, with how many of the two they match."""
        wanted = [(k, v) for k, v in (("queue", queue), ("ivr", ivr)) if v]
        if not wanted:
            return []
        match = or_(*(and_(KnowledgeTarget.kind == k, KnowledgeTarget.value == v) for k, v in wanted))
        hits = (select(KnowledgeTarget.revision_id, func.count().label("n")).where(match)
                .group_by(KnowledgeTarget.revision_id).subquery())
        stmt = (select(R, hits.c.n).join(hits, hits.c.revision_id == R.id).where(*self._visible(vis))
                .order_by(hits.c.n.desc(), R.published_at.desc(), R.id.desc()).limit(limit))
        async with self.sessions() as s:
            return [(r, int(n)) for r, n in (await s.execute(stmt)).all()]

    # documents -------------------------------------------------------------------------------------------
    async def add_document(self, values: dict[str, Any]) -> KnowledgeDocument:
        async with self.sessions() as s:
            d = KnowledgeDocument(**values)
            s.add(d)
            await s.commit()
            return d

    async def document(self, document_id: int) -> KnowledgeDocument | None:
        async with self.sessions() as s:
            return await s.get(KnowledgeDocument, document_id)

    async def document_visible(self, document_id: int, vis: Visibility) -> bool:
        async with self.sessions() as s:
            row = (await s.execute(select(R.id).where(R.document_id == document_id, *self._visible(vis))
                                   .limit(1))).first()
            return row is not None

    # uses ------------------------------------------------------------------------------------------------
    async def add_use(self, values: dict[str, Any]) -> tuple[KnowledgeUse, bool]:
        """The use (once per entry, call and user): (it, whether it is new)."""
        async with self.sessions() as s:
            u = KnowledgeUse(**values)
            s.add(u)
            try:
                await s.commit()
                return u, True
            except IntegrityError:
                await s.rollback()
        async with self.sessions() as s:
            old = (await s.execute(select(KnowledgeUse).where(
                KnowledgeUse.entry_id == values["entry_id"], KnowledgeUse.call_uniqueid == values["call_uniqueid"],
                KnowledgeUse.username == values["username"]))).scalar_one()
            return old, False

    async def uses_in_month(self, month: str) -> list[tuple[int, int, int]]:
        """(entry id, uses, calls) of the month, most used first."""
        async with self.sessions() as s:
            rows = await s.execute(select(KnowledgeUse.entry_id, func.count(),
                                          func.count(sa.distinct(KnowledgeUse.call_uniqueid)))
                                   .where(KnowledgeUse.month == month).group_by(KnowledgeUse.entry_id)
                                   .order_by(func.count().desc(), KnowledgeUse.entry_id))
            return [(int(a), int(b), int(c)) for a, b, c in rows.all()]

    async def uses_of(self, entry_id: int) -> list[tuple[str, int]]:
        """(month, uses) of one entry, newest month first."""
        async with self.sessions() as s:
            rows = await s.execute(select(KnowledgeUse.month, func.count()).where(KnowledgeUse.entry_id == entry_id)
                                   .group_by(KnowledgeUse.month).order_by(KnowledgeUse.month.desc()))
            return [(str(m), int(n)) for m, n in rows.all()]

    async def uses_of_call(self, call_uniqueid: str) -> list[KnowledgeUse]:
        async with self.sessions() as s:
            return list((await s.execute(select(KnowledgeUse).where(KnowledgeUse.call_uniqueid == call_uniqueid)
                                         .order_by(KnowledgeUse.id))).scalars())
