"""The call-back desk (回访; issue 15, "2. The call-back desk"; docs/outbound.md "The call-back desk").

- A task is created when a case is resolved (the cases' change listener), due ``due_hours`` (72) after the
  result; one open task per case. Its number is the customer's first phone number (none: calling it is refused,
  409). The survey it takes rates the agent who accepted the case, for the case's first call.
- "Call": the agent's phone rings, then the customer over the trunk (the ACD's click-to-call: an outbound call
  record, recorded, the agent on_call); an attempt row links the task to that call. Attempts are at least
  ``attempt_spacing_minutes`` apart (counted from the last attempt that rang the customer's side).
- The outcome: ``reached`` (with the four-point survey), ``refused`` (reached, no survey), ``problem_stands``
  (reached; the written feedback goes to the department head, the case reopened or a new linked case,
  ``problem_stands`` setting), ``wrong_number`` (closes the task as unreachable at once), ``no_answer`` /
  ``busy`` — these two also come by themselves from the call record when the customer's side did not answer.
  After ``max_attempts`` failed attempts the task closes as ``unreachable``, its attempts listed. A call that
  never reached the customer's side (the agent's own phone not taken, Asterisk refused it) does not count.
- A campaign may call open tasks' numbers (``open_numbers``; docs/outbound.md "Campaigns"): its dial of such a
  number is an attempt of the task by these same rules (:meth:`CallbackDesk.campaign_turn`, ``campaign_call``):
  a closed task is never dialled, a task inside its spacing or with an attempt still open waits.
- Open tasks past their due time are on the boards (``callback_overdue``) until closed (:class:`OverdueWatch`).
- The call-back rate: tasks closed (reached, refused, problem stands or unreachable) by their due time ÷ tasks
  due, per day / week / month of the due time and per agent; target 100 %.

Every change is audited; concurrent changes of one task: one wins, the other gets 409 with the current version.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from callcenter.auth.models import User
from callcenter.callbacks.config import CallbackSettings
from callcenter.callbacks.errors import (
    ATTEMPT_NOT_YOURS,
    BAD_PERIOD,
    CALL_IN_PROGRESS,
    DUE_BEFORE_CREATED,
    DUE_TOO_LATE,
    NO_ATTEMPT,
    NO_NUMBER,
    NOTE_NEEDED,
    OUTCOME_PENDING,
    STALE_VERSION,
    SURVEY_NEEDED,
    TASK_CLOSED,
    TASK_NOT_FOUND,
    TOO_SOON,
)
from callcenter.callbacks.models import FAILED, CallbackAttempt, CallbackTask
from callcenter.callbacks.repository import CallbackRepository, TaskFilters
from callcenter.clock import Clock
from callcenter.periodic import Periodic

log = logging.getLogger(__name__)

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
# the ACD's click-to-call for this agent: the outbound call's uniqueid
PlaceCall = Callable[[User, str, int | None], Awaitable[str]]
NumberOf = Callable[[int], Awaitable[str | None]]
FirstCall = Callable[[int], Awaitable[tuple[str, str | None] | None]]  # case id → (call uniqueid, queue)
RaiseAlert = Callable[[str, str, dict[str, Any], float], None]
ClearAlert = Callable[[str], None]
# the call outcomes of the customer's side that count as a failed attempt, and as which
CALL_FAILED = {"no_answer": "no_answer", "busy": "busy", "rejected": "busy"}
SYSTEM = "system"


class CaseFacts(Protocol):
    """What the desk reads of a case (``callcenter.cases.models.Case``)."""

    id: int
    number: str
    type: str
    customer_id: int | None
    department_id: int | None
    accepted_by: str


class RecordFacts(Protocol):
    """What the desk reads of a service record (``callcenter.customers.models.ServiceRecord``)."""

    id: int
    customer_id: int | None
    caller_number: str | None
    agent_username: str
    call_uniqueid: str | None
    follow_up_needed: bool
    follow_up_due: datetime | None
    follow_up_done_at: datetime | None


class ProblemStands(Protocol):
    async def __call__(self, number: str, by: str, note: str, reopen: bool,
                       call_uniqueid: str | None = None) -> tuple[Any, str]: ...


class SurveyStore(Protocol):
    async def record(self, *, channel: str, points: dict[str, int | None], taken_by: str,
                     call_uniqueid: str | None = None, case_id: int | None = None, task_id: int | None = None,
                     agent_username: str | None = None, rated_at: datetime | None = None) -> Any: ...


class TellFeedback(Protocol):
    """The department head told of a problem that stands (the cases page's notice)."""

    async def __call__(self, department_id: int | None, case_number: str, followed_by: str, how: str,
                       note: str, at: datetime) -> list[str]: ...


class CallIsLive(Protocol):
    def __call__(self, uniqueid: str) -> bool: ...


@dataclass(frozen=True)
class TaskView:
    task: CallbackTask
    attempts: list[CallbackAttempt]
    next_attempt_at: datetime | None  # None: may be called now (or closed)


@dataclass(frozen=True)
class TaskTurn:
    """What the desk says to a campaign about to dial a task's number: ``ready`` (it may be called now), ``placed``
    (called: ``call_uniqueid`` is the attempt's call), ``closed`` (never again: the task's ``state``), ``wait``
    (not now: not before ``wait_until``; None: once the attempt going on has its outcome)."""

    what: str
    call_uniqueid: str | None = None
    state: str = "open"
    wait_until: datetime | None = None


@dataclass(frozen=True)
class TaskNumber:
    """An open task's number, for a campaign's list."""

    task_id: int
    number: str | None
    customer_id: int | None


@dataclass(frozen=True)
class RateRow:
    key: str  # the period (2026-12-02, 2026-W49, 2026-12) or the agent
    due: int
    closed_in_time: int
    closed_late: int
    open: int

    @property
    def rate(self) -> float | None:
        return round(self.closed_in_time / self.due, 4) if self.due else None


@dataclass
class CallbackDesk:
    repo: CallbackRepository
    settings: CallbackSettings
    clock: Clock
    timezone: str
    audit: Audit
    surveys: SurveyStore
    number_of: NumberOf
    first_call: FirstCall
    problem_stands: ProblemStands
    tell_feedback: TellFeedback
    call_is_live: CallIsLive
    place_call: PlaceCall | None = None  # plugged in by the wiring (the ACD)
    record_called_back: Callable[[int, datetime, str], Awaitable[None]] | None = None  # a follow-up done
    queue_of_call: Callable[[str], Awaitable[str | None]] | None = None
    raise_alert: RaiseAlert | None = None
    clear_alert: ClearAlert | None = None
    tz: ZoneInfo = field(init=False)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    # a call can end before its attempt is stored (the phone refusing at once): the ends seen while calls are
    # being placed are kept for the attempt, and the calls whose attempt was just stored are known as such
    _placing: int = field(init=False, default=0)
    _early_ends: dict[str, str | None] = field(init=False, default_factory=dict)
    _linked: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.timezone)

    # creation -------------------------------------------------------------------------------------------------
    async def on_case(self, c: CaseFacts, action: str) -> None:
        """The cases' change listener: a resolved case gets its call-back task (one open task per case)."""
        if action != "resolved":
            return
        if await self.repo.open_of_case(c.id) is not None:
            return
        now = self.clock.now()
        number = await self.number_of(c.customer_id) if c.customer_id is not None else None
        first = await self.first_call(c.id)
        t = await self.repo.add({
            "case_id": c.id, "case_number": c.number, "case_type": c.type, "department_id": c.department_id,
            "queue": first[1] if first else None, "customer_id": c.customer_id, "number": number,
            "rated_agent": c.accepted_by, "rated_call": first[0] if first else None, "state": "open",
            "version": 1, "created_at": now, "due_at": now + timedelta(hours=self.settings.due_hours),
            "attempts": 0, "failed_attempts": 0, "note": ""})
        await self.audit(SYSTEM, "callback.created", _target(t.id), {"case": c.number, "due_at": t.due_at.isoformat()})

    async def on_service_record(self, r: RecordFacts) -> None:
        """The service records' follow-up listener: a follow-up asked for gets its task (due at the record's
        follow-up time, which the records keep within ``due_hours``); moved: the open task's due time follows;
        withdrawn or done by hand: the open task is cancelled."""
        t = await self.repo.open_of_record(r.id)
        now = self.clock.now()
        if not r.follow_up_needed or r.follow_up_done_at is not None:
            if t is not None:
                await self.repo.change(t.id, t.version, {"state": "cancelled", "closed_at": now,
                                                         "closed_by": SYSTEM})
                self._cleared(t)
                await self.audit(SYSTEM, "callback.cancelled", _target(t.id), {"service_record": r.id})
            return
        due = r.follow_up_due or now + timedelta(hours=self.settings.due_hours)
        if t is not None:
            if t.due_at != due:
                await self.repo.change(t.id, t.version, {"due_at": due})
            return
        number = r.caller_number or (await self.number_of(r.customer_id) if r.customer_id is not None else None)
        queue = None
        if r.call_uniqueid is not None and self.queue_of_call is not None:
            queue = await self.queue_of_call(r.call_uniqueid)
        t = await self.repo.add({
            "service_record_id": r.id, "customer_id": r.customer_id, "number": number, "queue": queue,
            "rated_agent": r.agent_username, "rated_call": r.call_uniqueid, "state": "open", "version": 1,
            "created_at": now, "due_at": due, "attempts": 0, "failed_attempts": 0, "note": ""})
        await self.audit(SYSTEM, "callback.created", _target(t.id), {"service_record": r.id,
                                                                      "due_at": t.due_at.isoformat()})

    # reading ----------------------------------------------------------------------------------------------------
    async def _task(self, task_id: int) -> CallbackTask:
        t = await self.repo.get(task_id)
        if t is None:
            raise TASK_NOT_FOUND(task_id=task_id)
        return t

    def _next_attempt(self, t: CallbackTask, attempts: list[CallbackAttempt]) -> datetime | None:
        rang = [a for a in attempts if a.call_outcome != "failed"]
        if t.state != "open" or not rang:
            return None
        nxt = rang[-1].started_at + timedelta(minutes=self.settings.attempt_spacing_minutes)
        return nxt if nxt > self.clock.now() else None

    async def view(self, username: str, task_id: int) -> TaskView:
        t = await self._task(task_id)
        attempts = await self.repo.attempts(task_id)
        await self.audit(username, "callback.view", _target(task_id), None)
        return TaskView(t, attempts, self._next_attempt(t, attempts))

    async def worklist(self, username: str, f: TaskFilters, limit: int, offset: int
                       ) -> tuple[list[CallbackTask], int]:
        rows, total = await self.repo.search(f, limit, offset)
        await self.audit(username, "callback.list", "callbacks", {"state": f.state, "shown": len(rows)})
        return rows, total

    # the due time -------------------------------------------------------------------------------------------------
    def latest_due(self, t: CallbackTask) -> datetime:
        return t.created_at + timedelta(hours=self.settings.due_hours)

    async def set_due(self, username: str, task_id: int, version: int, due_at: datetime) -> CallbackTask:
        t = await self._task(task_id)
        self._workable(t, version)
        latest = self.latest_due(t)
        if due_at > latest:
            raise DUE_TOO_LATE(task_id=task_id, latest=_local(latest, self.tz), hours=f"{self.settings.due_hours:g}",
                               field="due_at")
        if due_at < t.created_at:
            raise DUE_BEFORE_CREATED(task_id=task_id, created=_local(t.created_at, self.tz), field="due_at")
        changed = await self._change(t, {"due_at": due_at})
        await self.audit(username, "callback.due", _target(task_id), {"due_at": due_at.isoformat(),
                                                                      "was": t.due_at.isoformat()})
        return changed

    # calling ---------------------------------------------------------------------------------------------------
    def _workable(self, t: CallbackTask, version: int | None) -> None:
        if t.state != "open":
            raise TASK_CLOSED(task_id=t.id, state=t.state)
        if version is not None and version != t.version:
            raise STALE_VERSION(task_id=t.id, given=version, current=t.version)

    async def _change(self, t: CallbackTask, values: dict[str, Any]) -> CallbackTask:
        changed = await self.repo.change(t.id, t.version, values)
        if changed is None:
            now = await self._task(t.id)
            if now.state != "open":
                raise TASK_CLOSED(task_id=t.id, state=now.state)
            raise STALE_VERSION(task_id=t.id, given=t.version, current=now.version)
        return changed

    def _hold(self, t: CallbackTask, attempts: list[CallbackAttempt]) -> TaskTurn | None:
        """Why the task may not be called now (None: it may)."""
        if t.state != "open":
            return TaskTurn("closed", state=t.state)
        for a in attempts:
            if a.outcome is None and a.call_outcome != "failed":
                return TaskTurn("wait", call_uniqueid=a.call_uniqueid)
        nxt = self._next_attempt(t, attempts)
        return TaskTurn("wait", wait_until=nxt) if nxt is not None else None

    async def call(self, user: User, task_id: int, version: int | None = None) -> tuple[CallbackTask,
                                                                                          CallbackAttempt]:
        """Ring the agent's phone, then the customer; the attempt linked to that outbound call."""
        t = await self._task(task_id)
        self._workable(t, version)
        if not t.number:
            raise NO_NUMBER(task_id=task_id)
        attempts = await self.repo.attempts(task_id)
        hold = self._hold(t, attempts)
        if hold is not None and hold.wait_until is None:
            if hold.call_uniqueid and self.call_is_live(hold.call_uniqueid):
                raise CALL_IN_PROGRESS(task_id=task_id, call=hold.call_uniqueid)
            raise OUTCOME_PENDING(task_id=task_id, call=hold.call_uniqueid or "—")
        if hold is not None and hold.wait_until is not None:
            last = max(a.started_at for a in attempts if a.call_outcome != "failed")
            raise TOO_SOON(task_id=task_id, last=_local(last, self.tz), next=_local(hold.wait_until, self.tz),
                           minutes=f"{self.settings.attempt_spacing_minutes:g}")
        assert self.place_call is not None, "the wiring plugs in the ACD's click-to-call"
        place_call = self.place_call
        now = self.clock.now()
        t = await self._change(t, {"last_attempt_at": now})  # claimed: a second click at once gets 409
        a = await self._attempt(user, t, now, lambda: place_call(user, t.number or "", t.customer_id), {})
        return t, a

    async def _attempt(self, user: User, t: CallbackTask, now: datetime, place: Callable[[], Awaitable[str]],
                       detail: dict[str, Any]) -> CallbackAttempt:
        """Place the call of a claimed task and record the attempt linked to it (a call not placed: a failed
        attempt, which does not count, and the error raised again)."""
        self._placing += 1
        try:
            try:
                uid = await place()
            except Exception as e:
                await self.repo.add_attempt({"task_id": t.id, "call_uniqueid": None,
                                             "agent_username": user.username, "started_at": now,
                                             "call_outcome": "failed", "note": f"not placed: {e}"[:500]})
                raise
            a = await self.repo.add_attempt({"task_id": t.id, "call_uniqueid": uid, "agent_username": user.username,
                                             "started_at": now, "note": ""})
            self._linked.add(uid)
            ended = uid in self._early_ends
            call_outcome = self._early_ends.pop(uid, None)
        finally:
            self._placing -= 1
            if not self._placing:
                self._early_ends.clear()
        await self.audit(user.username, "callback.call", _target(t.id), {"call": uid, "attempt": a.id, **detail})
        if ended:  # the call was over before its attempt was stored: its end counts now
            await self._call_ended(uid, call_outcome)
        return a

    # a campaign's calls of tasks' numbers ----------------------------------------------------------------------
    async def open_numbers(self, username: str, queue: str | None, department_id: int | None,
                           case_type: str | None, cap: int) -> tuple[list[TaskNumber], int]:
        """The open tasks of the worklist's filters, in due order, at most ``cap`` of them (and how many match:
        more than ``cap`` is the caller's refusal). Audited as a read of the worklist."""
        f = TaskFilters("open", queue, department_id, case_type)
        out: list[TaskNumber] = []
        total = 0
        while len(out) < cap:
            rows, total = await self.repo.search(f, min(1000, cap - len(out)), len(out))
            out += [TaskNumber(t.id, t.number, t.customer_id) for t in rows]
            if not rows or total > cap:
                break
        await self.audit(username, "callback.list", "callbacks", {"state": "open", "for": "campaign",
                                                                  "shown": len(out), "total": total})
        return out, total

    async def campaign_turn(self, task_id: int) -> TaskTurn:
        """May a campaign call this task's number now (the same rules as :meth:`call`)?"""
        t = await self.repo.get(task_id)
        if t is None:
            return TaskTurn("closed", state="gone")
        return self._hold(t, await self.repo.attempts(task_id)) or TaskTurn("ready")

    async def campaign_call(self, user: User, task_id: int, place: Callable[[], Awaitable[str]],
                            campaign_id: int) -> TaskTurn:
        """A campaign's call of the task's number (``place``: the campaign's click-to-call for ``user``): an
        attempt of the task like :meth:`call`'s — claimed, linked to the call, its end counted by the call record
        — if the task may be called now; else why not (the campaign's number waits, or is done with it)."""
        t = await self.repo.get(task_id)
        if t is None:
            return TaskTurn("closed", state="gone")
        hold = self._hold(t, await self.repo.attempts(task_id))
        if hold is not None:
            return hold
        now = self.clock.now()
        claimed = await self.repo.change(t.id, t.version, {"last_attempt_at": now})
        if claimed is None:  # an agent of the desk was first
            again = await self.repo.get(task_id)
            return TaskTurn("closed", state=again.state) if again is not None and again.state != "open" else (
                TaskTurn("wait"))
        a = await self._attempt(user, claimed, now, place, {"campaign": campaign_id})
        return TaskTurn("placed", call_uniqueid=a.call_uniqueid)

    # the outcome -----------------------------------------------------------------------------------------------
    def _open_attempt(self, t: CallbackTask, attempts: list[CallbackAttempt]) -> CallbackAttempt:
        for a in reversed(attempts):
            if a.outcome is None and a.call_outcome != "failed":
                return a
        raise NO_ATTEMPT(task_id=t.id)

    def _closing(self, t: CallbackTask, outcome: str, by: str, now: datetime) -> dict[str, Any]:
        """The task's new values after an attempt with ``outcome``."""
        values: dict[str, Any] = {"attempts": t.attempts + 1}
        if outcome in FAILED:
            values["failed_attempts"] = t.failed_attempts + 1
            if values["failed_attempts"] >= self.settings.max_attempts:
                values.update(state="unreachable", closed_at=now, closed_by=by)
        elif outcome == "wrong_number":
            values.update(state="unreachable", closed_at=now, closed_by=by)
        else:
            values.update(state=outcome, closed_at=now, closed_by=by)
        return values

    async def record(self, user: User, task_id: int, version: int, outcome: str, note: str,
                     survey: dict[str, int | None] | None) -> TaskView:
        """The agent's outcome of the task's open attempt."""
        note = note.strip()
        if outcome == "reached" and (survey is None or any(v is None for v in survey.values())):
            raise SURVEY_NEEDED(field="survey")
        if outcome == "problem_stands" and not note:
            raise NOTE_NEEDED(field="note")
        t = await self._task(task_id)
        self._workable(t, version)
        attempts = await self.repo.attempts(task_id)
        a = self._open_attempt(t, attempts)
        if a.agent_username != user.username and not {"supervisor", "admin"} & set(user.roles):
            raise ATTEMPT_NOT_YOURS(task_id=task_id, agent=a.agent_username)
        now = self.clock.now()
        changed = await self._change(t, {**self._closing(t, outcome, user.username, now),
                                         **({"note": note} if note else {})})
        await self.repo.change_attempt(a.id, {"outcome": outcome, "note": note, "recorded_at": now})
        detail: dict[str, Any] = {"attempt": a.id, "outcome": outcome, "state": changed.state, "note": note}
        if survey is not None and outcome in ("reached", "problem_stands"):
            s = await self.surveys.record(channel="callback", points=survey, taken_by=user.username,
                                          call_uniqueid=t.rated_call, case_id=t.case_id, task_id=t.id,
                                          agent_username=t.rated_agent, rated_at=t.created_at)
            detail["survey"] = getattr(s, "id", None)
        if outcome == "problem_stands" and t.case_number:
            case, how = await self.problem_stands(t.case_number, user.username, note,
                                                  self.settings.problem_stands == "reopen", a.call_uniqueid)
            detail.update(case=getattr(case, "number", None), how=how)
            detail["told"] = await self.tell_feedback(t.department_id, t.case_number, getattr(case, "number", ""),
                                                      how, note, now)
        await self.audit(user.username, "callback.outcome", _target(task_id), detail)
        if changed.state != "open":
            await self._closed(changed, user.username)
        return TaskView(changed, await self.repo.attempts(task_id), self._next_attempt(changed, attempts))

    # the call record's side: an attempt whose customer did not answer counts by itself -------------------------
    def on_call(self, st: Any) -> None:
        """The call tracker's watcher (on the AMI path: the work is spawned)."""
        if st.ended_at is None or getattr(st, "direction", "inbound") != "outbound":
            return
        task = asyncio.get_running_loop().create_task(self._call_ended(st.uniqueid, st.outcome),
                                                      name=f"callback call {st.uniqueid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _call_ended(self, uid: str, call_outcome: str | None) -> None:
        try:
            a = await self.repo.attempt_of_call(uid)
            if a is None and uid in self._linked:  # stored while this looked: read again
                a = await self.repo.attempt_of_call(uid)
            self._linked.discard(uid)
            if a is None:
                if self._placing:  # perhaps a call being placed whose attempt is not stored yet
                    self._early_ends[uid] = call_outcome
                return
            failed = CALL_FAILED.get(call_outcome or "")
            await self.repo.change_attempt(a.id, {"call_outcome": "failed" if call_outcome == "failed"
                                                  else call_outcome})
            if failed is None:
                return
            for _ in range(5):  # lost a race with an agent's change: read again
                t = await self._task(a.task_id)
                if t.state != "open":
                    return
                now = self.clock.now()
                changed = await self.repo.change(t.id, t.version, self._closing(t, failed, a.agent_username, now))
                if changed is None:
                    continue
                if not await self.repo.change_attempt(a.id, {"outcome": failed, "recorded_at": now}, unset=True):
                    log.info("call-back attempt %d: the agent recorded its outcome first", a.id)
                await self.audit(SYSTEM, "callback.outcome", _target(t.id),
                                 {"attempt": a.id, "outcome": failed, "call": uid, "state": changed.state})
                if changed.state != "open":
                    await self._closed(changed, a.agent_username)
                return
        except Exception:
            log.exception("call-back: the end of call %s could not be recorded on its attempt", uid)

    async def flush(self) -> None:
        """Wait for the call ends being recorded (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # overdue on the boards ------------------------------------------------------------------------------------
    async def _closed(self, t: CallbackTask, by: str) -> None:
        """A task closed: off the boards; a follow-up's record marked done."""
        self._cleared(t)
        if t.service_record_id is not None and self.record_called_back is not None and t.closed_at is not None:
            await self.record_called_back(t.service_record_id, t.closed_at, by)

    def _cleared(self, t: CallbackTask) -> None:
        if self.clear_alert is not None:
            self.clear_alert(_alert_id(t.id))

    async def check(self) -> list[int]:
        """Raise the ``callback_overdue`` alert of every open task past its due time (until after the next check)."""
        now = self.clock.now()
        rows = await self.repo.overdue(now)
        if self.raise_alert is not None:
            minutes = 2 * self.settings.check_interval_seconds / 60 + 1
            for t in rows:
                self.raise_alert(_alert_id(t.id), "callback_overdue",
                                 {"task_id": t.id, "case_number": t.case_number, "due_at": t.due_at.isoformat(),
                                  "attempts": t.attempts, "queue": t.queue, "department_id": t.department_id},
                                 minutes)
        return [t.id for t in rows]

    # the call-back rate -------------------------------------------------------------------------------------------
    def period_key(self, at: datetime, period: str) -> str:
        local = at.astimezone(self.tz)
        if period == "day":
            return local.date().isoformat()
        if period == "week":
            y, w, _ = local.isocalendar()
            return f"{y}-W{w:02d}"
        return local.strftime("%Y-%m")

    async def rate(self, username: str, since: datetime, until: datetime, period: str
                   ) -> tuple[RateRow, list[RateRow], list[RateRow]]:
        """The rate over ``[since, until)`` of the due times: in all, per period, per agent (the agent who closed
        the task; an unreached one: the last agent who tried; never tried: none)."""
        if not since < until or until - since > timedelta(days=400):
            raise BAD_PERIOD(field="since")
        rows = await self.repo.due_between(since, until)
        agents = await self.repo.last_agents(t.id for t in rows)

        def tally(ts: list[CallbackTask], key: str) -> RateRow:
            in_time = sum(1 for t in ts if t.closed_at is not None and t.closed_at <= t.due_at)
            late = sum(1 for t in ts if t.closed_at is not None and t.closed_at > t.due_at)
            return RateRow(key, len(ts), in_time, late, len(ts) - in_time - late)

        by_period: dict[str, list[CallbackTask]] = {}
        by_agent: dict[str, list[CallbackTask]] = {}
        for t in rows:
            by_period.setdefault(self.period_key(t.due_at, period), []).append(t)
            who = t.closed_by if t.closed_by and t.closed_by != SYSTEM else agents.get(t.id, "")
            by_agent.setdefault(who or "", []).append(t)
        await self.audit(username, "callback.rate", "callbacks", {"since": since.isoformat(),
                                                                  "until": until.isoformat(), "period": period})
        return (tally(rows, "all"), [tally(v, k) for k, v in sorted(by_period.items())],
                [tally(v, k) for k, v in sorted(by_agent.items())])


def _target(task_id: int) -> str:
    return f"callback:{task_id}"


def _alert_id(task_id: int) -> str:
    return f"callback:{task_id}"


def _local(t: datetime, tz: ZoneInfo) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


class OverdueWatch:
    """The overdue check at once and every ``check_interval_seconds`` (started and stopped with the stack)."""

    def __init__(self, desk: CallbackDesk) -> None:
        self._periodic = Periodic("call-back overdue", desk.check, lambda: desk.settings.check_interval_seconds,
                                  log)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

