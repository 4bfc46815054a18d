"""Notice storage: each method is one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import rows_affected
from callcenter.notices.models import Notice, NoticeAck, NoticeFile, NoticeRecipient

StateFilter = Literal["active", "expired", "withdrawn", "all"]


@dataclass(frozen=True)
class LeadScope:
    """Which notices a publisher manages: every one (``everything``), else those they published or of the
    departments they head."""

    everything: bool
    username: str
    departments: frozenset[int]


def active_at(now: datetime) -> ColumnElement[bool]:
    return and_(Notice.withdrawn_at.is_(None), or_(Notice.valid_until.is_(None), Notice.valid_until > now))


class NoticeRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # files ----------------------------------------------------------------------------------------------------
    async def add_file(self, values: dict[str, Any]) -> NoticeFile:
        async with self.sessions() as s:
            f = NoticeFile(**values)
            s.add(f)
            await s.commit()
            return f

    async def file(self, file_id: int) -> NoticeFile | None:
        async with self.sessions() as s:
            return await s.get(NoticeFile, file_id)

    # notices --------------------------------------------------------------------------------------------------
    async def publish(self, values: dict[str, Any], recipients: Iterable[str]) -> Notice:
        """The notice and the agents it reaches, in one transaction."""
        async with self.sessions() as s:
            n = Notice(**values)
            s.add(n)
            await s.flush()
            s.add_all(NoticeRecipient(notice_id=n.id, username=u) for u in sorted(set(recipients)))
            await s.commit()
            return n

    async def notice(self, notice_id: int) -> Notice | None:
        async with self.sessions() as s:
            return await s.get(Notice, notice_id)

    async def withdraw(self, notice_id: int, by: str, at: datetime, reason: str) -> Notice | None:
        """Withdrawn now, unless it already was (then None)."""
        async with self.sessions() as s:
            res = await s.execute(update(Notice).where(Notice.id == notice_id, Notice.withdrawn_at.is_(None))
                                  .values(withdrawn_by=by, withdrawn_at=at, withdraw_reason=reason))
            await s.commit()
            if not rows_affected(res):
                return None
            return await s.get(Notice, notice_id)

    async def is_recipient(self, notice_id: int, username: str) -> bool:
        async with self.sessions() as s:
            return (await s.get(NoticeRecipient, (notice_id, username))) is not None

    async def recipients(self, notice_id: int) -> list[str]:
        async with self.sessions() as s:
            return list((await s.execute(select(NoticeRecipient.username).where(
                NoticeRecipient.notice_id == notice_id).order_by(NoticeRecipient.username))).scalars())

    async def acks(self, notice_id: int) -> dict[str, datetime]:
        """username → when they acknowledged, first first."""
        async with self.sessions() as s:
            rows = (await s.execute(select(NoticeAck.username, NoticeAck.at).where(NoticeAck.notice_id == notice_id)
                                    .order_by(NoticeAck.at, NoticeAck.username))).all()
        return {u: at for u, at in rows}

    async def acked_at(self, username: str, notice_ids: Iterable[int]) -> dict[int, datetime]:
        ids = list(set(notice_ids))
        if not ids:
            return {}
        async with self.sessions() as s:
            rows = (await s.execute(select(NoticeAck.notice_id, NoticeAck.at).where(
                NoticeAck.username == username, NoticeAck.notice_id.in_(ids)))).all()
        return {i: at for i, at in rows}

    async def ack(self, notice_id: int, username: str, at: datetime) -> tuple[datetime, bool]:
        """Append the acknowledgement; a second one adds nothing. Returns (its time, whether it is new)."""
        for _ in range(2):  # two at once: the second finds the row the first one made
            async with self.sessions() as s:
                found = (await s.execute(select(NoticeAck.at).where(NoticeAck.notice_id == notice_id,
                                                                   NoticeAck.username == username))).scalar()
                if found is not None:
                    return found, False
                s.add(NoticeAck(notice_id=notice_id, username=username, at=at))
                try:
                    await s.commit()
                    return at, True
                except IntegrityError:
                    await s.rollback()
        raise RuntimeError("acknowledgement neither stored nor found")  # pragma: no cover

    async def counts(self, notice_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """notice id → (agents it reached, how many acknowledged)."""
        ids = list(set(notice_ids))
        out = {i: (0, 0) for i in ids}
        if not ids:
            return out
        async with self.sessions() as s:
            rec = {i: n for i, n in (await s.execute(select(NoticeRecipient.notice_id, func.count()).where(
                NoticeRecipient.notice_id.in_(ids)).group_by(NoticeRecipient.notice_id))).all()}
            ack = {i: n for i, n in (await s.execute(select(NoticeAck.notice_id, func.count()).where(
                NoticeAck.notice_id.in_(ids)).group_by(NoticeAck.notice_id))).all()}
        return {i: (int(rec.get(i, 0)), int(ack.get(i, 0))) for i in ids}

    async def for_agent(self, username: str, now: datetime, unread_only: bool) -> list[tuple[Notice, datetime | None]]:
        """The notices addressed to ``username`` that are valid now: unread first, each group newest first."""
        async with self.sessions() as s:
            q = (select(Notice, NoticeAck.at)
                 .join(NoticeRecipient, and_(NoticeRecipient.notice_id == Notice.id,
                                             NoticeRecipient.username == username))
                 .outerjoin(NoticeAck, and_(NoticeAck.notice_id == Notice.id, NoticeAck.username == username))
                 .where(active_at(now)))
            if unread_only:
                q = q.where(NoticeAck.id.is_(None))
            rows = (await s.execute(q.order_by(NoticeAck.id.is_not(None), Notice.published_at.desc(),
                                               Notice.id.desc()))).all()
        return [(n, at) for n, at in rows]

    @staticmethod
    def _scoped(scope: LeadScope) -> ColumnElement[bool] | None:
        if scope.everything:
            return None
        cond: ColumnElement[bool] = Notice.published_by == scope.username
        if scope.departments:
            cond = or_(cond, Notice.department_id.in_(sorted(scope.departments)))
        return cond

    async def for_lead(self, scope: LeadScope, state: StateFilter, now: datetime, limit: int, offset: int
                       ) -> tuple[list[Notice], int]:
        conds: list[ColumnElement[bool]] = []
        scoped = self._scoped(scope)
        if scoped is not None:
            conds.append(scoped)
        if state == "active":
            conds.append(active_at(now))
        elif state == "withdrawn":
            conds.append(Notice.withdrawn_at.is_not(None))
        elif state == "expired":
            conds.append(and_(Notice.withdrawn_at.is_(None), Notice.valid_until.is_not(None),
                              Notice.valid_until <= now))
        async with self.sessions() as s:
            total = int((await s.execute(select(func.count()).select_from(Notice).where(*conds))).scalar_one())
            rows = list((await s.execute(select(Notice).where(*conds).order_by(
                Notice.published_at.desc(), Notice.id.desc()).limit(limit).offset(offset))).scalars())
        return rows, total

    def in_scope(self, scope: LeadScope, n: Notice) -> bool:
        return (scope.everything or n.published_by == scope.username
                or (n.department_id is not None and n.department_id in scope.departments))

    async def published_between(self, since: datetime | None, until: datetime, username: str | None = None
                                ) -> list[Notice]:
        """The notices published in (``since``, ``until``], oldest first; with ``username``, only those addressed
        to them."""
        async with self.sessions() as s:
            q = select(Notice).where(Notice.published_at <= until)
            if since is not None:
                q = q.where(Notice.published_at > since)
            if username is not None:
                q = q.join(NoticeRecipient, and_(NoticeRecipient.notice_id == Notice.id,
                                                 NoticeRecipient.username == username))
            return list((await s.execute(q.order_by(Notice.published_at, Notice.id))).scalars())

    async def files(self, file_ids: Iterable[int]) -> dict[int, NoticeFile]:
        ids = list(set(file_ids))
        if not ids:
            return {}
        async with self.sessions() as s:
            return {f.id: f for f in (await s.execute(select(NoticeFile).where(NoticeFile.id.in_(ids)))).scalars()}
