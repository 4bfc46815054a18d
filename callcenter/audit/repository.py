"""Reading ``audit_log`` (the auth domain's table; ``AuthService.audit`` writes it): a search page newest first by
keyset on ``(at, id)``, the count and largest id of a search, and its rows a chunk at a time oldest first (the
export). Every read is one short transaction of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import AuditEntry


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``\\`` as the escape: its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class AuditFilter:
    """What a search asks for; every part given must hold (None: any)."""

    username: str | None = None
    targets: tuple[str, ...] | None = None  # the target is one of these
    action: str | None = None  # exactly
    action_prefix: str | None = None  # starts with
    actions: tuple[str, ...] | None = None  # one of these
    start: datetime | None = None  # at or after
    end: datetime | None = None  # before

    def conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.username is not None:
            out.append(AuditEntry.username == self.username)
        if self.targets is not None:
            out.append(AuditEntry.target.in_(self.targets))
        if self.action is not None:
            out.append(AuditEntry.action == self.action)
        if self.action_prefix is not None:
            out.append(AuditEntry.action.like(like_escaped(self.action_prefix) + "%", escape="\\"))
        if self.actions is not None:
            out.append(AuditEntry.action.in_(self.actions))
        if self.start is not None:
            out.append(AuditEntry.at >= self.start)
        if self.end is not None:
            out.append(AuditEntry.at < self.end)
        return out


class AuditTrail:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(self, f: AuditFilter, limit: int, before: tuple[datetime, int] | None = None
                   ) -> list[AuditEntry]:
        """At most ``limit`` entries, newest first, older than ``before`` (the last entry of the page before)."""
        where = f.conditions()
        if before is not None:
            at, entry_id = before
            where += [AuditEntry.at <= at, or_(AuditEntry.at < at, and_(AuditEntry.at == at,
                                                                       AuditEntry.id < entry_id))]
        stmt = (select(AuditEntry).where(*where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit))
        async with self.sessions() as s:
            return list((await s.execute(stmt)).scalars())

    async def count(self, f: AuditFilter) -> tuple[int, int]:
        """How many entries match, and the largest id among them (0 when none)."""
        async with self.sessions() as s:
            n, top = (await s.execute(select(func.count(AuditEntry.id), func.max(AuditEntry.id))
                                      .where(*f.conditions()))).one()
        return int(n or 0), int(top or 0)

    async def chunks(self, f: AuditFilter, max_id: int, size: int) -> AsyncIterator[list[AuditEntry]]:
        """The matching entries with ids up to ``max_id``, oldest first, ``size`` at a time (one keyset read
        each)."""
        base = [*f.conditions(), AuditEntry.id <= max_id]
        after: tuple[datetime, int] | None = None
        while True:
            where = list(base)
            if after is not None:
                at, entry_id = after
                where += [AuditEntry.at >= at, or_(AuditEntry.at > at, and_(AuditEntry.at == at,
                                                                           AuditEntry.id > entry_id))]
            stmt = select(AuditEntry).where(*where).order_by(AuditEntry.at, AuditEntry.id).limit(size)
            async with self.sessions() as s:
                rows = list((await s.execute(stmt)).scalars())
            if not rows:
                return
            after = (rows[-1].at, rows[-1].id)
            yield rows
            if len(rows) < size:
                return
