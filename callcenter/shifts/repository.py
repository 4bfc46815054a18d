"""Storage for the shifts package: shift templates, public holidays, the roster, and the rows of other domains the
rules read (users, skills, seats).

The services hold the rules and open the session (their transaction: a roster entry is checked against the
others between reading and writing it); every method here takes that session, runs its statements and never
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.models import AgentStateLog
from callcenter.auth.models import User
from callcenter.directory.models import AgentSkill, Seat
from callcenter.seat.models import AwayEpisode
from callcenter.shifts.models import (
    ApproverPosition,
    AttendanceRecord,
    Handover,
    HandoverRead,
    PublicHoliday,
    RosterEntry,
    ShiftLeave,
    ShiftTemplate,
    SwapRequest,
)


def _entries() -> Select[RosterEntry, ShiftTemplate]:
    """Roster entries with their templates."""
    return select(RosterEntry, ShiftTemplate).join(ShiftTemplate, ShiftTemplate.id == RosterEntry.template_id)


class ShiftRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def session(self) -> AsyncSession:
        """A new session: the service's unit of work (``async with repo.session() as s``)."""
        return self.sessions()

    # shift templates -------------------------------------------------------------------------------------------
    @staticmethod
    async def templates(s: AsyncSession) -> list[ShiftTemplate]:
        """Every template, by local start time and name."""
        return list((await s.execute(select(ShiftTemplate).order_by(ShiftTemplate.start, ShiftTemplate.name)))
                    .scalars())

    @staticmethod
    async def template(s: AsyncSession, template_id: int) -> ShiftTemplate | None:
        return await s.get(ShiftTemplate, template_id)

    @staticmethod
    async def template_names(s: AsyncSession) -> dict[int, str]:
        """Template id → name, for every template."""
        return {i: n for i, n in (await s.execute(select(ShiftTemplate.id, ShiftTemplate.name))).all()}

    @staticmethod
    async def template_name_taken(s: AsyncSession, name: str, but: int | None = None) -> bool:
        """Is ``name`` the name of a template (other than template ``but``)?"""
        q = select(ShiftTemplate.id).where(ShiftTemplate.name == name)
        if but is not None:
            q = q.where(ShiftTemplate.id != but)
        return (await s.execute(q)).first() is not None

    @staticmethod
    async def template_on_roster(s: AsyncSession, template_id: int) -> bool:
        return (await s.execute(select(RosterEntry.id).where(RosterEntry.template_id == template_id).limit(1))
                ).first() is not None

    @staticmethod
    async def template_on_leave(s: AsyncSession, template_id: int) -> bool:
        return (await s.execute(select(ShiftLeave.id).where(ShiftLeave.template_id == template_id).limit(1))
                ).first() is not None

    # public holidays -------------------------------------------------------------------------------------------
    @staticmethod
    async def holidays(s: AsyncSession, year: int | None = None) -> list[PublicHoliday]:
        """The holidays (of ``year``), by day."""
        q = select(PublicHoliday).order_by(PublicHoliday.day)
        if year is not None:
            q = q.where(PublicHoliday.day >= date(year, 1, 1), PublicHoliday.day <= date(year, 12, 31))
        return list((await s.execute(q)).scalars())

    @staticmethod
    async def holiday(s: AsyncSession, day: date) -> PublicHoliday | None:
        return (await s.execute(select(PublicHoliday).where(PublicHoliday.day == day))).scalar_one_or_none()

    @staticmethod
    async def holiday_days(s: AsyncSession, start: date, end: date) -> dict[date, str]:
        """Day → holiday name for ``start <= day <= end``."""
        rows = (await s.execute(select(PublicHoliday.day, PublicHoliday.name).where(
            PublicHoliday.day >= start, PublicHoliday.day <= end))).all()
        return {d: n for d, n in rows}

    # the roster ------------------------------------------------------------------------------------------------
    @staticmethod
    async def entry(s: AsyncSession, roster_id: int) -> RosterEntry | None:
        return await s.get(RosterEntry, roster_id)

    @staticmethod
    async def entries(s: AsyncSession, start: date, end: date, username: str | None = None,
                      template_id: int | None = None) -> list[tuple[RosterEntry, ShiftTemplate]]:
        """Entries of the days ``start..end`` with their templates, by start time and username."""
        q = _entries().where(RosterEntry.day >= start, RosterEntry.day <= end)
        if username:
            q = q.where(RosterEntry.username == username)
        if template_id:
            q = q.where(RosterEntry.template_id == template_id)
        rows = (await s.execute(q.order_by(RosterEntry.starts_at, RosterEntry.username))).all()
        return [(e, t) for e, t in rows]

    @staticmethod
    async def overlapping(s: AsyncSession, starts_at: datetime, ends_at: datetime, but: int | None, *,
                          username: str | None = None, seat: str | None = None
                          ) -> list[tuple[RosterEntry, ShiftTemplate]]:
        """Entries (other than ``but``) of ``username`` or at ``seat`` whose shift overlaps ``starts_at..ends_at``,
        with their templates."""
        q = _entries().where(RosterEntry.starts_at < ends_at, RosterEntry.ends_at > starts_at)
        if but is not None:
            q = q.where(RosterEntry.id != but)
        if username is not None:
            q = q.where(RosterEntry.username == username)
        if seat is not None:
            q = q.where(RosterEntry.seat == seat)
        return [(o, ot) for o, ot in (await s.execute(q)).all()]

    @staticmethod
    async def pending_swap_of(s: AsyncSession, *roster_ids: int) -> int | None:
        """The id of a pending swap request that names one of the entries, if any."""
        row = (await s.execute(select(SwapRequest.id).where(
            SwapRequest.status == "pending",
            SwapRequest.requester_roster_id.in_(roster_ids) | SwapRequest.counterpart_roster_id.in_(roster_ids)))
               ).first()
        return None if row is None else int(row[0])

    @staticmethod
    async def swaps_naming(s: AsyncSession, roster_id: int) -> int:
        """How many swap requests (any status) name the entry."""
        return int((await s.execute(select(func.count(SwapRequest.id)).where(
            (SwapRequest.requester_roster_id == roster_id) | (SwapRequest.counterpart_roster_id == roster_id)))
                    ).scalar_one())

    @staticmethod
    async def clash(s: AsyncSession, username: str, but: int, starts_at: datetime, ends_at: datetime
                    ) -> RosterEntry | None:
        """An entry of ``username`` (other than ``but``) whose shift overlaps ``starts_at..ends_at``."""
        return (await s.execute(select(RosterEntry).where(
            RosterEntry.username == username, RosterEntry.id != but,
            RosterEntry.starts_at < ends_at, RosterEntry.ends_at > starts_at).limit(1))).scalar_one_or_none()

    @staticmethod
    async def touching(s: AsyncSession, username: str, but: int, starts_at: datetime, ends_at: datetime
                       ) -> RosterEntry | None:
        """An entry of ``username`` (other than ``but``) that ends at ``starts_at`` or starts at ``ends_at``."""
        return (await s.execute(select(RosterEntry).where(
            RosterEntry.username == username, RosterEntry.id != but,
            or_(RosterEntry.starts_at == ends_at, RosterEntry.ends_at == starts_at)).limit(1))).scalar_one_or_none()

    # swap requests ---------------------------------------------------------------------------------------------
    @staticmethod
    async def swap(s: AsyncSession, swap_id: int) -> SwapRequest | None:
        return await s.get(SwapRequest, swap_id)

    @staticmethod
    async def swaps_of(s: AsyncSession, usernames: Sequence[str], statuses: Sequence[str], but: int | None = None
                       ) -> list[SwapRequest]:
        """Swap requests in ``statuses`` (other than ``but``) with one of ``usernames`` on either side."""
        q = select(SwapRequest).where(SwapRequest.status.in_(statuses), or_(
            SwapRequest.requester.in_(usernames), SwapRequest.counterpart.in_(usernames)))
        if but is not None:
            q = q.where(SwapRequest.id != but)
        return list((await s.execute(q)).scalars().all())

    @staticmethod
    async def swaps(s: AsyncSession, *, status: str | None, username: str | None, start: date | None,
                    end: date | None) -> list[SwapRequest]:
        """Swap requests newest first; ``username`` on either side; a side's day on or after ``start``, and one on
        or before ``end``."""
        q = select(SwapRequest)
        if status:
            q = q.where(SwapRequest.status == status)
        if username:
            q = q.where(or_(SwapRequest.requester == username, SwapRequest.counterpart == username))
        if start is not None:
            q = q.where(or_(SwapRequest.requester_day >= start, SwapRequest.counterpart_day >= start))
        if end is not None:
            q = q.where(or_(SwapRequest.requester_day <= end, SwapRequest.counterpart_day <= end))
        return list((await s.execute(q.order_by(SwapRequest.id.desc()))).scalars())

    # leave -----------------------------------------------------------------------------------------------------
    @staticmethod
    async def leaves_of(s: AsyncSession, usernames: Sequence[str], statuses: Sequence[str], start: date, end: date
                        ) -> list[ShiftLeave]:
        """Leave of ``usernames`` in ``statuses`` whose days meet ``start..end``."""
        return list((await s.execute(select(ShiftLeave).where(
            ShiftLeave.username.in_(usernames), ShiftLeave.status.in_(statuses),
            ShiftLeave.start_day <= end, ShiftLeave.end_day >= start))).scalars().all())

    @staticmethod
    async def leave(s: AsyncSession, leave_id: int) -> ShiftLeave | None:
        return await s.get(ShiftLeave, leave_id)

    @staticmethod
    async def leaves(s: AsyncSession, *, status: str | None, username: str | None, start: date | None,
                     end: date | None) -> list[ShiftLeave]:
        """Leave newest first; its days meeting ``start..end``."""
        q = select(ShiftLeave)
        if status:
            q = q.where(ShiftLeave.status == status)
        if username:
            q = q.where(ShiftLeave.username == username)
        if start is not None:
            q = q.where(ShiftLeave.end_day >= start)
        if end is not None:
            q = q.where(ShiftLeave.start_day <= end)
        return list((await s.execute(q.order_by(ShiftLeave.id.desc()))).scalars())

    @staticmethod
    async def first_shift_start(s: AsyncSession, username: str, start: date, end: date,
                                template_id: int | None = None) -> datetime | None:
        """When the first rostered shift of ``username`` on the days ``start..end`` (of that template) starts."""
        return (await s.execute(select(RosterEntry.starts_at).where(
            RosterEntry.username == username, RosterEntry.day >= start,
            RosterEntry.day <= end, *([RosterEntry.template_id == template_id] if template_id else [])
        ).order_by(RosterEntry.starts_at).limit(1))).scalar_one_or_none()

    @staticmethod
    async def shift_times(s: AsyncSession, username: str, start: date, end: date) -> list[tuple[date, str, str]]:
        """(day, local start, local end) of each shift of ``username`` rostered on the days ``start..end``."""
        rows = (await s.execute(select(RosterEntry.day, ShiftTemplate.start, ShiftTemplate.end).join(
            ShiftTemplate, ShiftTemplate.id == RosterEntry.template_id).where(
            RosterEntry.username == username, RosterEntry.day >= start, RosterEntry.day <= end))).all()
        return [(d, st, en) for d, st, en in rows]

    # approver positions ----------------------------------------------------------------------------------------
    @staticmethod
    async def approver(s: AsyncSession, username: str) -> ApproverPosition | None:
        return await s.get(ApproverPosition, username)

    @staticmethod
    async def approvers(s: AsyncSession) -> list[ApproverPosition]:
        """Every approver position, by username."""
        return list((await s.execute(select(ApproverPosition).order_by(ApproverPosition.username))).scalars())

    # attendance ------------------------------------------------------------------------------------------------
    @staticmethod
    async def shifts_starting(s: AsyncSession, lo: datetime, hi: datetime) -> list[tuple[RosterEntry, ShiftTemplate]]:
        """Entries (with their templates) whose shift starts in ``lo..hi``."""
        return [(e, t) for e, t in (await s.execute(_entries().where(
            RosterEntry.starts_at >= lo, RosterEntry.starts_at <= hi))).all()]

    @staticmethod
    async def shifts_around(s: AsyncSession, starts_by: datetime, ends_from: datetime
                            ) -> list[tuple[RosterEntry, ShiftTemplate]]:
        """Entries (with their templates) starting by ``starts_by`` and ending at ``ends_from`` or later."""
        return [(e, t) for e, t in (await s.execute(_entries().where(
            RosterEntry.starts_at <= starts_by, RosterEntry.ends_at >= ends_from))).all()]

    @staticmethod
    async def shifts_on(s: AsyncSession, days: Sequence[date], starts_by: datetime | None = None,
                        by_start: bool = False) -> list[tuple[RosterEntry, ShiftTemplate]]:
        """Entries (with their templates) of ``days`` (starting by ``starts_by``); ``by_start``: by start time and
        username."""
        q = _entries().where(RosterEntry.day.in_(days))
        if starts_by is not None:
            q = q.where(RosterEntry.starts_at <= starts_by)
        if by_start:
            q = q.order_by(RosterEntry.starts_at, RosterEntry.username)
        return [(e, t) for e, t in (await s.execute(q)).all()]

    @staticmethod
    async def login_rows(s: AsyncSession, usernames: Sequence[str], since: datetime, until: datetime
                         ) -> list[tuple[str, str, str | None, datetime, str | None, str | None]]:
        """(username, state, reason, at, extension, previous state) of the state-log rows of ``usernames`` in
        ``since..until`` where an agent logs in or out: the ``logged_out`` rows, and the first row after one (or an
        agent's first row in the span), in log order."""
        prev = func.lag(AgentStateLog.state).over(partition_by=AgentStateLog.user_id,
                                                  order_by=AgentStateLog.id).label("prev")
        inner = select(AgentStateLog.id, AgentStateLog.username, AgentStateLog.state, AgentStateLog.reason,
                       AgentStateLog.extension, AgentStateLog.at, prev).where(
            AgentStateLog.username.in_(usernames), AgentStateLog.at >= since,
            AgentStateLog.at <= until).subquery()
        rows = (await s.execute(
            select(inner.c.username, inner.c.state, inner.c.reason, inner.c.at, inner.c.extension, inner.c.prev)
            .where(or_(inner.c.state == "logged_out", inner.c.prev.is_(None), inner.c.prev == "logged_out"))
            .order_by(inner.c.id))).all()
        return [(u, st, r, at, ext, before) for u, st, r, at, ext, before in rows]

    @staticmethod
    async def records_of(s: AsyncSession, roster_ids: Sequence[int]) -> list[AttendanceRecord]:
        """The stored findings of these entries (asked in chunks of 500 ids)."""
        out: list[AttendanceRecord] = []
        for i in range(0, len(roster_ids), 500):
            out.extend((await s.execute(select(AttendanceRecord).where(
                AttendanceRecord.roster_id.in_(roster_ids[i:i + 500])))).scalars())
        return out

    @staticmethod
    async def records(s: AsyncSession, *, day: date | None, start: date | None, end: date | None,
                      username: str | None, kind: str | None) -> list[AttendanceRecord]:
        """Stored findings by day, roster entry and kind."""
        q = select(AttendanceRecord)
        if day is not None:
            q = q.where(AttendanceRecord.day == day)
        if start is not None:
            q = q.where(AttendanceRecord.day >= start)
        if end is not None:
            q = q.where(AttendanceRecord.day <= end)
        if username:
            q = q.where(AttendanceRecord.username == username)
        if kind:
            q = q.where(AttendanceRecord.kind == kind)
        return list((await s.execute(q.order_by(AttendanceRecord.day, AttendanceRecord.roster_id,
                                                AttendanceRecord.kind))).scalars())

    # reports ---------------------------------------------------------------------------------------------------
    @staticmethod
    async def rostered(s: AsyncSession, start: date, end: date) -> list[str]:
        """The username of every entry of the days ``start..end`` (one per entry)."""
        return list((await s.execute(select(RosterEntry.username).where(
            RosterEntry.day >= start, RosterEntry.day <= end))).scalars())

    @staticmethod
    async def away_findings(s: AsyncSession, since: datetime, before: datetime) -> list[AwayEpisode]:
        """Seat discipline's away episodes started in ``since..before`` that are a violation or an unapproved
        absence."""
        return list((await s.execute(select(AwayEpisode).where(
            or_(AwayEpisode.violation_at.is_not(None), AwayEpisode.finding == "unapproved_absence"),
            AwayEpisode.started_at >= since, AwayEpisode.started_at < before))).scalars())

    # what the rules read of other domains ----------------------------------------------------------------------
    @staticmethod
    async def user(s: AsyncSession, username: str) -> User | None:
        return (await s.execute(select(User).where(User.username == username))).scalar_one_or_none()

    @staticmethod
    async def skill_levels(s: AsyncSession, user_id: int) -> list[str]:
        """The user's skill levels, one per queue."""
        return list((await s.execute(select(AgentSkill.level).where(AgentSkill.user_id == user_id))).scalars().all())

    @staticmethod
    async def seat(s: AsyncSession, extension: str) -> Seat | None:
        return (await s.execute(select(Seat).where(Seat.extension == extension))).scalar_one_or_none()

    # handovers -------------------------------------------------------------------------------------------------
    @staticmethod
    async def handover(s: AsyncSession, day: date, template_id: int) -> Handover | None:
        return (await s.execute(select(Handover).where(Handover.day == day, Handover.template_id == template_id))
                ).scalar_one_or_none()

    @staticmethod
    async def handovers(s: AsyncSession, start: date, end: date) -> list[tuple[Handover, ShiftTemplate]]:
        """Handovers of the days ``start..end`` with their templates, newest day first, later shift first."""
        rows = (await s.execute(select(Handover, ShiftTemplate).join(
            ShiftTemplate, ShiftTemplate.id == Handover.template_id).where(
            Handover.day >= start, Handover.day <= end).order_by(Handover.day.desc(), ShiftTemplate.start.desc())
        )).all()
        return [(h, t) for h, t in rows]

    @staticmethod
    async def latest_handover(s: AsyncSession) -> tuple[Handover, ShiftTemplate] | None:
        """The most recently written handover with its template."""
        row = (await s.execute(select(Handover, ShiftTemplate).join(
            ShiftTemplate, ShiftTemplate.id == Handover.template_id).order_by(
            Handover.written_at.desc(), Handover.id.desc()).limit(1))).first()
        return None if row is None else (row[0], row[1])

    @staticmethod
    async def handover_by_id(s: AsyncSession, handover_id: int) -> tuple[Handover, ShiftTemplate] | None:
        row = (await s.execute(select(Handover, ShiftTemplate).join(
            ShiftTemplate, ShiftTemplate.id == Handover.template_id).where(Handover.id == handover_id))).first()
        return None if row is None else (row[0], row[1])

    @staticmethod
    async def written_before(s: AsyncSession, h: Handover) -> datetime | None:
        """When the handover written just before ``h`` was written (None: ``h`` is the first)."""
        return (await s.execute(select(Handover.written_at).where(or_(
            Handover.written_at < h.written_at, and_(Handover.written_at == h.written_at, Handover.id < h.id)))
            .order_by(Handover.written_at.desc(), Handover.id.desc()).limit(1))).scalar()

    @staticmethod
    async def rostered_on(s: AsyncSession, template_ids: Sequence[int], start: datetime, end: datetime) -> set[str]:
        """Who is rostered on one of those shifts at some time in [start, end)."""
        return set((await s.execute(select(RosterEntry.username).where(
            RosterEntry.template_id.in_(list(template_ids)), RosterEntry.ends_at > start,
            RosterEntry.starts_at < end))).scalars())

    @staticmethod
    async def left_before_relief(s: AsyncSession, day: date, template_id: int) -> list[AttendanceRecord]:
        """The shift's ``left_before_relief`` findings, in time order."""
        return list((await s.execute(select(AttendanceRecord).where(
            AttendanceRecord.day == day, AttendanceRecord.template_id == template_id,
            AttendanceRecord.kind == "left_before_relief").order_by(AttendanceRecord.at))).scalars())

    @staticmethod
    async def handover_reads(s: AsyncSession, handover_id: int) -> list[HandoverRead]:
        """Who read the handover, first readers first."""
        return list((await s.execute(select(HandoverRead).where(HandoverRead.handover_id == handover_id)
                                     .order_by(HandoverRead.read_at, HandoverRead.username))).scalars())

    @staticmethod
    async def handover_read(s: AsyncSession, handover_id: int, username: str) -> HandoverRead | None:
        return (await s.execute(select(HandoverRead).where(HandoverRead.handover_id == handover_id,
                                                           HandoverRead.username == username))
                ).scalar_one_or_none()
