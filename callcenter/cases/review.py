"""The monthly responsibility review (issue 14, "6. Responsibility"; docs/cases.md, "Responsibility review").

Last month's closed complaints (closed in the centre's month, ``settings.timezone``) are reviewed by the end of
``cases.review.deadline_day`` (the 10th) of this month: for each, who is responsible (``upheld``: the employee is;
``not_upheld``; ``no_fault``: no employee is at fault) and any administrative outcome, by whom and when — one
``case_reviews`` row per case, never changed, and a ``responsibility_reviewed`` row on the case's timeline in the
same transaction. The deadline is an instant: the 10th 23:59:59 is in time, the 11th 00:00 overdue; the reminder
comes ``reminder_days`` before it (00:00 on the 8th). Everything here is derived from the stored cases and
reviews at the clock's ``now`` (on read, and by :class:`ReviewWatch` every ``check_interval_seconds`` for the
board's alerts), so a restart forgets nothing.

The flag: an employee with ``flag_upheld`` (3) upheld complaints accepted within ``flag_window_months`` (6) before
now is flagged to the heads of those complaints' departments and the supervisors; the review that makes the flag
arise says so on its timeline row and raises the board's ``employee_flagged`` alert.

Who reviews: ``cases.review.reviewer`` (a username) if set, else the supervisors and admins; the head of a case's
department reviews their department's cases. The list is for them and QC (read).

Who is told (``case_notice`` on ``/ws/cases``, read back by ``GET /api/cases/notices`` while it holds): the reminder
and the overdue mark go to the reviewer (unset: the supervisors) and the heads of the departments with complaints
pending, once per process when the state arises (:meth:`CaseReviews.check`); a flag goes to the heads of the
employee's departments and the supervisors when the review that raised it is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.actor import Actor
from callcenter.cases.access import LEADS
from callcenter.cases.config import ReviewSettings
from callcenter.cases.errors import (
    CASE_NOT_FOUND,
    REVIEW_EMPLOYEE_NEEDED,
    REVIEW_LIST_NOT_YOURS,
    REVIEW_NOT_CLOSED_COMPLAINT,
    REVIEW_NOT_REVIEWER,
    REVIEW_RECORDED,
)
from callcenter.cases.models import Case, CaseEvent, CaseReview
from callcenter.cases.repository import CaseRepository
from callcenter.cases.service import Audit, target
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.errors import EN, ZH, Words
from callcenter.periodic import Periodic

log = logging.getLogger(__name__)
TIMELINE_ACTION = "responsibility_reviewed"
# a board alert: (id, kind, detail, username, minutes shown)
RaiseAlert = Callable[[str, str, dict[str, Any], str | None, float], None]
LEADS_WORDS = Words("the supervisors or admins", "班长或管理员")
# what a refusal names of a case, in each language's words
TYPE_WORDS = {"complaint": Words("complaint", "投诉"), "suggestion": Words("suggestion", "建议"),
              "fault": Words("fault report", "障碍申告"), "service_request": Words("service request", "服务请求")}
STATE_WORDS = {"accepted": Words("accepted", "已受理"), "dispatched": Words("dispatched", "已派单"),
               "investigating": Words("investigating", "调查中"), "reported": Words("reported", "已提交报告"),
               "resolved": Words("resolved", "已处理"), "informed": Words("informed", "已回复客户"),
               "closed": Words("closed", "已结案"), "cancelled": Words("cancelled", "已撤销")}
FLAG_ALERT_MINUTES = 12 * 60  # the employee_flagged alert is shown this long after the review that raised it
NOTICE_NUMBERS = 50  # a notice names at most this many complaints
REVIEW_DUE = {EN: "responsibility review of {month}: {pending} closed complaint(s) to review by the end of {due}",
              ZH: "{month} 责任审核：{pending} 件已结案投诉待审核，截止 {due}"}
REVIEW_OVERDUE = {EN: "responsibility review of {month} overdue (due by the end of {due}): {pending} closed "
                      "complaint(s) not reviewed",
                  ZH: "{month} 责任审核已逾期（截止 {due}）：{pending} 件已结案投诉未审核"}
FLAGGED = {EN: "{employee}: {upheld} upheld complaints since {since} (threshold {threshold}): {numbers}",
           ZH: "{employee}：自 {since} 起 {upheld} 件投诉认定有责（阈值 {threshold}）：{numbers}"}
UsersWithRole = Callable[[str], Awaitable[list[str]]]


class Notices(Protocol):
    """Where a review's notice goes (``callcenter.realtime.notify.CasesNotifier``)."""

    def notice(self, username: str, number: str, numbers: Sequence[str], kind: Any, clock: str | None,
               level: int, to: str, text: dict[str, str], at: datetime, *, month: str | None = None,
               employee: str | None = None) -> int: ...


def _texts(templates: dict[str, str], **values: Any) -> dict[str, str]:
    return {lang: text.format(**values) for lang, text in templates.items()}


# the calendar of the review ------------------------------------------------------------------------------------
def _local_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tz).astimezone(UTC)


def _add_months(d: date, months: int) -> date:
    """``d`` moved by whole months (the day clamped to the month's length: 31 August - 6 months = 28/29 February)."""
    n = d.year * 12 + d.month - 1 + months
    y, m = divmod(n, 12)
    first_next = date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    return date(y, m + 1, min(d.day, (first_next - timedelta(days=1)).day))


def month_of(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m")


@dataclass(frozen=True)
class ReviewMonth:
    """The complaints closed in ``month`` (``[start, end)``, local months) are reviewed before ``deadline`` (00:00
    local on the day after the deadline day of the next month); the reminder from ``reminder_from``."""

    month: str
    start: datetime
    end: datetime
    deadline: datetime
    reminder_from: datetime | None
    due_day: date  # the deadline day (local): reviews are in time to its end

    def state(self, now: datetime, pending: int) -> str:
        """``done`` (nothing pending), ``overdue`` (pending at or after the deadline), ``reminder`` (pending within
        the reminder window), ``open`` (pending, before the window; or the month not over yet)."""
        if pending == 0 and now >= self.end:
            return "done"
        if pending and now >= self.deadline:
            return "overdue"
        if pending and self.reminder_from is not None and now >= self.reminder_from:
            return "reminder"
        return "open"


def review_month(month: str, settings: ReviewSettings, tz: ZoneInfo) -> ReviewMonth:
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    nxt = _add_months(first, 1)
    due_day = nxt + timedelta(days=settings.deadline_day)  # the day after the deadline day: overdue from its 00:00
    reminder = (_local_midnight(due_day - timedelta(days=settings.reminder_days), tz)
                if settings.reminder_days else None)
    return ReviewMonth(month, _local_midnight(first, tz), _local_midnight(nxt, tz), _local_midnight(due_day, tz),
                       reminder, due_day - timedelta(days=1))


def under_review(now: datetime, tz: ZoneInfo) -> str:
    """The month reviewed now: the one before now's (local) month."""
    local = now.astimezone(tz).date()
    return _add_months(local.replace(day=1), -1).strftime("%Y-%m")


def window_start(now: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The flag's window: ``months`` before ``now`` (local date and time, the day clamped)."""
    local = now.astimezone(tz)
    d = _add_months(local.date(), -months)
    return datetime.combine(d, local.timetz().replace(tzinfo=None), tz).astimezone(UTC)


# storage ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Upheld:
    """An upheld review in the flag's window with its case's number."""

    review: CaseReview
    number: str


class ReviewRepository:
    """Each method one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def closed_complaints(self, start: datetime, end: datetime) -> list[tuple[Case, CaseReview | None]]:
        """The complaints closed in ``[start, end)``, oldest closure first, each with its review (or None)."""
        async with self.sessions() as s:
            rows = await s.execute(
                select(Case, CaseReview).outerjoin(CaseReview, CaseReview.case_id == Case.id)
                .where(Case.type == "complaint", Case.state == "closed", Case.closed_at >= start,
                       Case.closed_at < end).order_by(Case.closed_at, Case.id))
            return [(c, r) for c, r in rows.all()]

    async def unreviewed_closed_since(self, since: datetime) -> list[tuple[datetime, str, int | None]]:
        """(closed at, number, department) of the closed complaints since ``since`` not reviewed yet, oldest
        closure first."""
        async with self.sessions() as s:
            rows = await s.execute(
                select(Case.closed_at, Case.number, Case.department_id)
                .outerjoin(CaseReview, CaseReview.case_id == Case.id)
                .where(Case.type == "complaint", Case.state == "closed", Case.closed_at >= since,
                       CaseReview.id.is_(None)).order_by(Case.closed_at, Case.id))
            return [(at, n, d) for at, n, d in rows.all() if at is not None]

    async def review_of(self, case_id: int) -> CaseReview | None:
        async with self.sessions() as s:
            return (await s.execute(select(CaseReview).where(CaseReview.case_id == case_id))).scalar_one_or_none()

    async def record(self, review: CaseReview, since: datetime, threshold: int, detail: dict[str, Any]
                     ) -> tuple[CaseReview, int, bool] | None:
        """Store ``review`` and its timeline row in one transaction. Returns the review, the employee's upheld
        complaints accepted since ``since`` (this one included) and whether this review made them reach
        ``threshold``; None if the case was reviewed meanwhile (the unique row)."""
        async with self.sessions() as s:
            s.add(review)
            try:
                await s.flush()
            except IntegrityError:
                await s.rollback()
                return None
            count, arises = 0, False
            if review.responsibility == "upheld" and review.employee:
                count = int((await s.execute(
                    select(func.count()).select_from(CaseReview)
                    .where(CaseReview.responsibility == "upheld", CaseReview.employee == review.employee,
                           CaseReview.case_accepted_at >= since))).scalar_one())
                counted = review.case_accepted_at >= since
                arises = counted and count >= threshold > count - 1
            s.add(CaseEvent(case_id=review.case_id, at=review.reviewed_at, by=review.reviewed_by,
                            action=TIMELINE_ACTION,
                            detail={**detail, "upheld_in_window": count, "flagged": arises}))
            await s.commit()
            return review, count, arises

    async def flagging_reviews_since(self, since: datetime) -> list[tuple[str, datetime, str]]:
        """(employee, when, the case's number) of every review since ``since`` whose timeline row says it made a
        flag arise, oldest first."""
        async with self.sessions() as s:
            rows = await s.execute(select(CaseEvent.at, CaseEvent.detail, Case.number)
                                   .join(Case, Case.id == CaseEvent.case_id)
                                   .where(CaseEvent.action == TIMELINE_ACTION, CaseEvent.at >= since)
                                   .order_by(CaseEvent.id))
            return [(str(d["employee"]), at, n) for at, d, n in rows.all()
                    if isinstance(d, dict) and d.get("flagged") and d.get("employee")]

    async def upheld_since(self, since: datetime, employee: str | None = None) -> list[Upheld]:
        async with self.sessions() as s:
            q = (select(CaseReview, Case.number).join(Case, Case.id == CaseReview.case_id)
                 .where(CaseReview.responsibility == "upheld", CaseReview.employee.is_not(None),
                        CaseReview.case_accepted_at >= since)
                 .order_by(CaseReview.employee, CaseReview.case_accepted_at, CaseReview.id))
            if employee is not None:
                q = q.where(CaseReview.employee == employee)
            return [Upheld(r, n) for r, n in (await s.execute(q)).all()]


# the rules -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthItem:
    case: Case
    review: CaseReview | None
    overdue: bool  # not reviewed and past the deadline
    late: bool  # reviewed at or after the deadline


@dataclass(frozen=True)
class MonthView:
    period: ReviewMonth
    now: datetime
    state: str
    reviewer: str | None
    items: list[MonthItem]

    @property
    def pending(self) -> int:
        return sum(1 for i in self.items if i.review is None)


@dataclass(frozen=True)
class Flag:
    employee: str
    upheld: int
    since: datetime
    cases: list[Upheld]  # those the user may see
    department_ids: list[int]
    heads: list[str]


@dataclass(frozen=True)
class DueReview:
    """A month whose review is in its reminder window (``review_due``) or past its deadline (``review_overdue``)
    with complaints pending: (number, department) each, oldest closure first."""

    period: ReviewMonth
    kind: str
    pending: list[tuple[str, int | None]]

    @property
    def at(self) -> datetime:
        """When the state arose: the reminder's start or the deadline."""
        if self.kind == "review_due" and self.period.reminder_from is not None:
            return self.period.reminder_from
        return self.period.deadline


@dataclass(frozen=True)
class Recorded:
    review: CaseReview
    number: str
    late: bool
    upheld_in_window: int
    flagged: bool


@dataclass
class CaseReviews:
    repo: ReviewRepository
    cases: CaseRepository
    departments: DepartmentRepository
    settings: ReviewSettings
    clock: Clock
    timezone: str
    audit: Audit
    raise_alert: RaiseAlert | None = None
    notices: Notices | None = None  # the reminder, the overdue mark and the flags told (``/ws/cases``)
    users_with_role: UsersWithRole | None = None
    tz: ZoneInfo = field(init=False)
    _told: set[tuple[str, str]] = field(init=False, default_factory=set)  # (month, kind) told by this process

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.timezone)

    # who ---------------------------------------------------------------------------------------------------------
    def is_reviewer(self, actor: Actor) -> bool:
        if self.settings.reviewer:
            return actor.username == self.settings.reviewer
        return actor.has(LEADS)

    async def _headed(self, actor: Actor) -> frozenset[int]:
        return frozenset(d for d, role in (await self.departments.memberships(actor.username)).items()
                         if role == "head")

    async def _scope(self, actor: Actor, what: str) -> frozenset[int] | None:
        """None: every case; else the departments whose cases ``actor`` sees here (refused if none)."""
        if self.is_reviewer(actor) or actor.has({"supervisor", "admin", "qc"}):
            return None
        headed = await self._headed(actor)
        if not headed:
            await self.audit(actor.username, "case.review_denied", what, None)
            raise REVIEW_LIST_NOT_YOURS()
        return headed

    # the month -----------------------------------------------------------------------------------------------------
    def period(self, month: str | None = None) -> ReviewMonth:
        return review_month(month or under_review(self.clock.now(), self.tz), self.settings, self.tz)

    async def month(self, actor: Actor, month: str | None = None) -> MonthView:
        """The month's closed complaints (default: the month under review now), reviewed or pending."""
        scope = await self._scope(actor, "cases:review")
        now = self.clock.now()
        p = self.period(month)
        items = []
        for c, r in await self.repo.closed_complaints(p.start, p.end):
            if scope is not None and c.department_id not in scope:
                continue
            items.append(MonthItem(c, r, overdue=r is None and now >= p.deadline,
                                   late=r is not None and r.reviewed_at >= p.deadline))
        pending = sum(1 for i in items if i.review is None)
        view = MonthView(p, now, p.state(now, pending), self.settings.reviewer, items)
        await self.audit(actor.username, "case.review_list", "cases:review",
                         {"month": p.month, "shown": len(items), "pending": pending})
        return view

    # recording -----------------------------------------------------------------------------------------------------
    async def record(self, actor: Actor, number: str, responsibility: str, employee: str | None, outcome: str,
                     note: str) -> Recorded:
        """Record the responsibility review of closed complaint ``number``."""
        case = await self.cases.by_number(number)
        if case is None:
            raise CASE_NOT_FOUND(number=number)
        if not self.is_reviewer(actor) and (case.department_id is None
                                            or case.department_id not in await self._headed(actor)):
            await self.audit(actor.username, "case.action_denied", target(number), {"action": "responsibility"})
            who = self.settings.reviewer or LEADS_WORDS
            raise REVIEW_NOT_REVIEWER({"number": number, "reviewer": who}, number=number,
                                      reviewer=self.settings.reviewer)
        if case.type != "complaint" or case.state != "closed" or case.closed_at is None:
            raise REVIEW_NOT_CLOSED_COMPLAINT({"number": number, "type": TYPE_WORDS.get(case.type, case.type),
                                               "state": STATE_WORDS.get(case.state, case.state)},
                                              number=number, type=case.type, state=case.state)
        done = await self.repo.review_of(case.id)
        if done is not None:
            raise REVIEW_RECORDED(number=number, by=done.reviewed_by, at=done.reviewed_at.isoformat())
        employee = (employee or "").strip() or case.employee
        if responsibility == "upheld" and not employee:
            raise REVIEW_EMPLOYEE_NEEDED(number=number, field="employee")
        now = self.clock.now()
        month = month_of(case.closed_at, self.tz)
        late = now >= review_month(month, self.settings, self.tz).deadline
        review = CaseReview(case_id=case.id, month=month, responsibility=responsibility, employee=employee,
                            outcome=outcome.strip(), note=note.strip(), case_accepted_at=case.accepted_at,
                            department_id=case.department_id, reviewed_by=actor.username, reviewed_at=now)
        detail = {"month": month, "responsibility": responsibility, "employee": employee,
                  "outcome": review.outcome, "note": review.note, "late": late}
        since = window_start(now, self.settings.flag_window_months, self.tz)
        got = await self.repo.record(review, since, self.settings.flag_upheld, detail)
        if got is None:
            done = await self.repo.review_of(case.id)
            raise REVIEW_RECORDED(number=number, by=done.reviewed_by if done else "?",
                                  at=done.reviewed_at.isoformat() if done else "?")
        review, count, flagged = got
        await self.audit(actor.username, "case.responsibility", target(number),
                         {**detail, "upheld_in_window": count, "flagged": flagged})
        if flagged and employee:
            flag = await self._flag_alert(employee, since)
            if flag is not None:
                await self._tell_flag(flag, number, now)
        return Recorded(review, number, late, count, flagged)

    async def _flag_alert(self, employee: str, since: datetime, minutes: float = FLAG_ALERT_MINUTES) -> Flag | None:
        """Raise the board's ``employee_flagged`` alert for ``minutes`` if the employee is flagged (the flag; None
        if not flagged)."""
        flag = await self._flag(employee, await self.repo.upheld_since(since, employee), since, None)
        if flag.upheld < self.settings.flag_upheld:
            return None
        if self.raise_alert is not None:
            try:
                self.raise_alert(f"case_flag:{employee}", "employee_flagged",
                                 {"employee": employee, "upheld": flag.upheld, "since": since.isoformat(),
                                  "cases": [u.number for u in flag.cases], "department_ids": flag.department_ids,
                                  "heads": flag.heads}, employee, minutes)
            except Exception:
                log.exception("employee %s flagged: the board's alert failed", employee)
        return flag

    async def restore_flags(self) -> list[str]:
        """After a start: the ``employee_flagged`` alerts raised less than ``FLAG_ALERT_MINUTES`` ago (the board
        keeps alerts in memory) are raised again for the rest of their time, if the employee is still flagged.
        Derived from the reviews' timeline rows. The employees raised again."""
        now = self.clock.now()
        latest: dict[str, datetime] = {}
        for employee, at, _ in await self.repo.flagging_reviews_since(now - timedelta(minutes=FLAG_ALERT_MINUTES)):
            latest[employee] = max(at, latest.get(employee, at))
        since = window_start(now, self.settings.flag_window_months, self.tz)
        out = []
        for employee, at in sorted(latest.items()):
            left = FLAG_ALERT_MINUTES - (now - at).total_seconds() / 60
            if left > 0 and await self._flag_alert(employee, since, left):
                out.append(employee)
        return out

    # the flags -----------------------------------------------------------------------------------------------------
    async def _flag(self, employee: str, rows: list[Upheld], since: datetime, scope: frozenset[int] | None) -> Flag:
        depts = sorted({u.review.department_id for u in rows if u.review.department_id is not None})
        heads = await self._heads_of(set(depts))
        shown = [u for u in rows if scope is None or u.review.department_id in scope]
        return Flag(employee, len(rows), since, shown, depts, sorted(heads))

    async def flags(self, actor: Actor) -> tuple[datetime, list[Flag]]:
        """The employees flagged now (a department head: those with an upheld complaint of their department)."""
        scope = await self._scope(actor, "cases:review_flags")
        since = window_start(self.clock.now(), self.settings.flag_window_months, self.tz)
        by: dict[str, list[Upheld]] = {}
        for u in await self.repo.upheld_since(since):
            by.setdefault(u.review.employee or "", []).append(u)
        out = []
        for employee, rows in sorted(by.items()):
            if len(rows) < self.settings.flag_upheld:
                continue
            if scope is not None and not any(u.review.department_id in scope for u in rows):
                continue
            out.append(await self._flag(employee, rows, since, scope))
        await self.audit(actor.username, "case.review_flags", "cases:review", {"shown": len(out)})
        return since, out

    # the reminder and the overdue mark (board alerts) --------------------------------------------------------------
    async def due_reviews(self) -> list[DueReview]:
        """The months whose review is due or overdue now, derived from the stored cases and reviews: the month
        under review while in its reminder window with complaints pending, every month (of the last twelve) past
        its deadline with complaints pending."""
        now = self.clock.now()
        current = under_review(now, self.tz)
        oldest = review_month(_add_months(date.fromisoformat(current + "-01"), -11).strftime("%Y-%m"),
                              self.settings, self.tz)
        pending: dict[str, list[tuple[str, int | None]]] = {}
        for at, number, department_id in await self.repo.unreviewed_closed_since(oldest.start):
            pending.setdefault(month_of(at, self.tz), []).append((number, department_id))
        out = []
        for m, rows in sorted(pending.items()):
            p = review_month(m, self.settings, self.tz)
            st = p.state(now, len(rows))
            if st in ("overdue", "reminder"):
                out.append(DueReview(p, "review_overdue" if st == "overdue" else "review_due", rows))
        return out

    async def due(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The board's alerts of :meth:`due_reviews`: (id, kind, detail)."""
        return [self._alert(d) for d in await self.due_reviews()]

    def _alert(self, d: DueReview) -> tuple[str, str, dict[str, Any]]:
        return (f"case_review:{d.period.month}", d.kind,
                {"month": d.period.month, "pending": len(d.pending), "deadline": d.period.deadline.isoformat(),
                 "reviewer": self.settings.reviewer})

    async def check(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Raise the alerts that hold now on the board (shown until a little after the next check); tell the
        reviewer and the heads concerned of a month's state the first time this process sees it."""
        dues = await self.due_reviews()
        alerts = [self._alert(d) for d in dues]
        if self.raise_alert is not None:
            minutes = 2 * self.settings.check_interval_seconds / 60 + 1
            for aid, kind, detail in alerts:
                self.raise_alert(aid, kind, detail, self.settings.reviewer, minutes)
        told = set()
        for d in dues:
            key = (d.period.month, d.kind)
            told.add(key)
            if key not in self._told and self.notices is not None:
                notice = self._review_notice(d)
                for username in await self._review_people(d):
                    self.notices.notice(username, **notice)
        self._told = told  # a state that goes and comes back is told again
        return alerts

    # who is told, and what ----------------------------------------------------------------------------------------
    async def _supervisors(self) -> list[str]:
        return await self.users_with_role("supervisor") if self.users_with_role is not None else []

    async def _heads_of(self, department_ids: set[int]) -> set[str]:
        heads: set[str] = set()
        for d in sorted(department_ids):
            full = await self.departments.get(d)
            if full is not None:
                heads |= full.heads()
        return heads

    async def _review_people(self, d: DueReview) -> list[str]:
        """The reviewer (unset: the supervisors) and the heads of the departments with complaints pending."""
        people = {self.settings.reviewer} if self.settings.reviewer else set(await self._supervisors())
        people |= await self._heads_of({dep for _, dep in d.pending if dep is not None})
        return sorted(people)

    def _review_notice(self, d: DueReview) -> dict[str, Any]:
        numbers = [n for n, _ in d.pending][:NOTICE_NUMBERS]
        text = _texts(REVIEW_OVERDUE if d.kind == "review_overdue" else REVIEW_DUE, month=d.period.month,
                      pending=len(d.pending), due=d.period.due_day.isoformat())
        return {"number": numbers[0] if numbers else "", "numbers": numbers, "kind": d.kind, "clock": None,
                "level": 0, "to": "reviewer", "text": text, "at": d.at, "month": d.period.month}

    def _flag_notice(self, flag: Flag, number: str, at: datetime) -> dict[str, Any]:
        numbers = [u.number for u in flag.cases][:NOTICE_NUMBERS]
        text = _texts(FLAGGED, employee=flag.employee, upheld=flag.upheld, threshold=self.settings.flag_upheld,
                      since=flag.since.astimezone(self.tz).date().isoformat(), numbers=", ".join(numbers))
        return {"number": number, "numbers": numbers, "kind": "employee_flagged", "clock": None, "level": 0,
                "to": "department_head", "text": text, "at": at, "employee": flag.employee}

    async def _flag_people(self, flag: Flag) -> list[str]:
        return sorted(set(flag.heads) | set(await self._supervisors()))

    async def _tell_flag(self, flag: Flag, number: str, at: datetime) -> None:
        if self.notices is None:
            return
        notice = self._flag_notice(flag, number, at)
        for username in await self._flag_people(flag):
            self.notices.notice(username, **notice)

    async def notices_for(self, username: str, since: datetime) -> list[dict[str, Any]]:
        """The review's notices for ``username`` as ``/ws/cases`` sends them (``case_notice``): every month due or
        overdue now that concerns them (however long ago it arose: it holds until reviewed), and the flags raised
        since ``since`` of employees still flagged, told to them."""
        out: list[dict[str, Any]] = []
        for d in await self.due_reviews():
            if username in await self._review_people(d):
                out.append({"type": "case_notice", **self._review_notice(d)})
        now = self.clock.now()
        window = window_start(now, self.settings.flag_window_months, self.tz)
        for employee, at, number in await self.repo.flagging_reviews_since(since):
            flag = await self._flag(employee, await self.repo.upheld_since(window, employee), window, None)
            if flag.upheld >= self.settings.flag_upheld and username in await self._flag_people(flag):
                out.append({"type": "case_notice", **self._flag_notice(flag, number, at)})
        return out


class ReviewWatch:
    """When started: the flags' alerts of the last hours back on the board (``restore_flags``); then the review's
    reminder and overdue mark at once and every ``check_interval_seconds``."""

    def __init__(self, reviews: CaseReviews) -> None:
        self.reviews = reviews
        self._periodic = Periodic("case review", reviews.check, lambda: reviews.settings.check_interval_seconds,
                                  log, first=reviews.restore_flags)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
