"""The campaigns' storage: each method one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.campaigns.models import Campaign, CampaignNumber, DncNumber


class CampaignRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # campaigns ------------------------------------------------------------------------------------------------
    async def add(self, values: dict[str, Any]) -> Campaign | None:
        """None: the name is taken."""
        async with self.sessions() as s:
            c = Campaign(**values)
            s.add(c)
            try:
                await s.commit()
            except IntegrityError:
                await s.rollback()
                return None
            await s.refresh(c)
            return c

    async def get(self, campaign_id: int) -> Campaign | None:
        async with self.sessions() as s:
            return await s.get(Campaign, campaign_id)

    async def all(self) -> list[Campaign]:
        async with self.sessions() as s:
            return list((await s.execute(select(Campaign).order_by(Campaign.id))).scalars())

    async def running(self, mode: str | None = None) -> list[Campaign]:
        async with self.sessions() as s:
            q = select(Campaign).where(Campaign.state == "running")
            if mode is not None:
                q = q.where(Campaign.mode == mode)
            return list((await s.execute(q.order_by(Campaign.id))).scalars())

    async def change(self, campaign_id: int, values: dict[str, Any], states: Sequence[str] | None = None
                     ) -> Campaign | None:
        async with self.sessions() as s:
            q = update(Campaign).where(Campaign.id == campaign_id).values(**values)
            if states is not None:
                q = q.where(Campaign.state.in_(states))
            try:
                n = (await s.execute(q)).rowcount  # type: ignore[attr-defined]
                await s.commit()
            except IntegrityError:
                await s.rollback()
                return None
            return await s.get(Campaign, campaign_id) if n == 1 else None

    # numbers ---------------------------------------------------------------------------------------------------
    async def add_numbers(self, campaign_id: int, rows: list[dict[str, Any]]) -> tuple[int, int]:
        """Add the numbers not in the campaign yet, in one transaction: (added, already there — in the campaign, or
        earlier in ``rows``: the first row of a number wins)."""
        async with self.sessions() as s:
            have = set((await s.execute(select(CampaignNumber.number)
                                        .where(CampaignNumber.campaign_id == campaign_id))).scalars())
            new = []
            for r in rows:
                if r["number"] not in have:
                    have.add(r["number"])
                    new.append(r)
            s.add_all([CampaignNumber(campaign_id=campaign_id, state="pending", attempts=0, **r) for r in new])
            await s.commit()
            return len(new), len(rows) - len(new)

    async def numbers(self, campaign_id: int, state: str | None, limit: int, offset: int
                      ) -> tuple[list[CampaignNumber], int]:
        q = select(CampaignNumber).where(CampaignNumber.campaign_id == campaign_id)
        if state is not None:
            q = q.where(CampaignNumber.state == state)
        async with self.sessions() as s:
            total = int((await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one())
            rows = (await s.execute(q.order_by(CampaignNumber.id).limit(limit).offset(offset))).scalars()
            return list(rows), total

    async def number(self, number_id: int) -> CampaignNumber | None:
        async with self.sessions() as s:
            return await s.get(CampaignNumber, number_id)

    async def by_call(self, uniqueid: str) -> CampaignNumber | None:
        async with self.sessions() as s:
            return (await s.execute(select(CampaignNumber).where(CampaignNumber.call_uniqueid == uniqueid)
                                    .limit(1))).scalar_one_or_none()

    async def due(self, campaign_id: int, now: datetime, limit: int) -> list[CampaignNumber]:
        """Pending numbers whose time has come — those whose retry is due first (by when; a customer who was busy
        is tried again on time), then those never tried, in list order — and reserved ones whose hold ran out."""
        async with self.sessions() as s:
            q = (select(CampaignNumber)
                 .where(CampaignNumber.campaign_id == campaign_id,
                        or_((CampaignNumber.state == "pending")
                            & (CampaignNumber.next_at.is_(None) | (CampaignNumber.next_at <= now)),
                            (CampaignNumber.state == "reserved") & (CampaignNumber.reserved_until <= now)))
                 .order_by(CampaignNumber.next_at.is_(None), CampaignNumber.next_at, CampaignNumber.id)
                 .limit(limit))
            return list((await s.execute(q)).scalars())

    async def claim(self, number_id: int, from_states: Sequence[str], values: dict[str, Any]) -> bool:
        """Move a number on if it is still in one of ``from_states`` (one pacer or agent wins)."""
        async with self.sessions() as s:
            n = (await s.execute(update(CampaignNumber)
                                 .where(CampaignNumber.id == number_id, CampaignNumber.state.in_(from_states))
                                 .values(**values))).rowcount  # type: ignore[attr-defined]
            await s.commit()
            return bool(n == 1)

    async def set_number(self, number_id: int, values: dict[str, Any]) -> None:
        async with self.sessions() as s:
            await s.execute(update(CampaignNumber).where(CampaignNumber.id == number_id).values(**values))
            await s.commit()

    async def dialling(self) -> list[CampaignNumber]:
        async with self.sessions() as s:
            return list((await s.execute(select(CampaignNumber).where(CampaignNumber.state == "dialling")))
                        .scalars())

    async def counts(self, campaign_id: int) -> tuple[dict[str, int], dict[str, int], int]:
        """(numbers by state, last outcomes, attempts made in all)."""
        async with self.sessions() as s:
            by_state: dict[Any, Any] = dict((await s.execute(
                select(CampaignNumber.state, func.count()).where(CampaignNumber.campaign_id == campaign_id)
                .group_by(CampaignNumber.state))).all())
            by_outcome: dict[Any, Any] = dict((await s.execute(
                select(CampaignNumber.last_outcome, func.count())
                .where(CampaignNumber.campaign_id == campaign_id, CampaignNumber.last_outcome.is_not(None))
                .group_by(CampaignNumber.last_outcome))).all())
            attempts = int((await s.execute(select(func.coalesce(func.sum(CampaignNumber.attempts), 0))
                                            .where(CampaignNumber.campaign_id == campaign_id))).scalar_one())
            return ({str(k): int(v) for k, v in by_state.items()},
                    {str(k): int(v) for k, v in by_outcome.items()}, attempts)

    # the do-not-call list ------------------------------------------------------------------------------------
    async def dnc_of(self, numbers: Iterable[str]) -> set[str]:
        wanted = list(set(numbers))
        out: set[str] = set()
        async with self.sessions() as s:
            for i in range(0, len(wanted), 500):
                out |= set((await s.execute(select(DncNumber.number)
                                            .where(DncNumber.number.in_(wanted[i:i + 500])))).scalars())
        return out

    async def dnc_add(self, number: str, reason: str, by: str, at: datetime) -> bool:
        async with self.sessions() as s:
            s.add(DncNumber(number=number, reason=reason, added_by=by, added_at=at))
            try:
                await s.commit()
                return True
            except IntegrityError:
                await s.rollback()
                return False

    async def dnc_get(self, number: str) -> DncNumber | None:
        async with self.sessions() as s:
            return (await s.execute(select(DncNumber).where(DncNumber.number == number))).scalar_one_or_none()

    async def dnc_remove(self, number: str) -> bool:
        async with self.sessions() as s:
            n = (await s.execute(delete(DncNumber).where(DncNumber.number == number))).rowcount  # type: ignore[attr-defined]
            await s.commit()
            return bool(n)

    async def dnc_list(self, limit: int, offset: int) -> tuple[list[DncNumber], int]:
        async with self.sessions() as s:
            total = int((await s.execute(select(func.count()).select_from(DncNumber))).scalar_one())
            rows = (await s.execute(select(DncNumber).order_by(DncNumber.number).limit(limit).offset(offset)))
            return list(rows.scalars()), total
