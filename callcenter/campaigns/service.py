"""Campaigns: their rules, the preview agent's side and the progressive pacer (``models.py`` for the model;
docs/outbound.md "Campaigns").

- **Calling hours** (:func:`in_hours`): the centre's local time within ``[hours_from, hours_to)`` on one of
  ``days`` (ISO weekdays); outside them nothing is dialled, by the pacer or by hand.
- **The do-not-call list wins**: a number is checked against it when it comes up to be dialled, so a number added
  to the list after the import is never dialled either (it is marked ``dnc``).
- **Retry** (:func:`retry_at`): after ``busy`` / ``no_answer`` / ``failed`` (the trunk could not place it) the
  number is pending again ``retry[<outcome>]`` minutes later (defaults 10, 60, 30), until ``max_attempts``
  attempts (then ``exhausted``); ``answered`` is ``done``. A call whose agent never took their own phone is not
  an attempt at the customer: the number is offered again ``agent_missed_retry_seconds`` later.
- **Progressive** (:class:`Pacer`): every ``tick_seconds`` each running progressive campaign in its hours pairs
  its agents who are ``ready`` (and not on one of its calls) with its due numbers, oldest first
  (:func:`plan`); each number is claimed in the database (``dialling``, the attempt counted, a retry time set)
  *before* its call is placed — the agent's phone first (the ACD's click-to-call), then the customer — so there
  are never more calls in flight than ready agents and a restart never dials a number again inside its spacing.
- **The list** comes from a CSV (:meth:`Campaigns.import_csv`: every row checked first), a customer filter
  (:meth:`Campaigns.from_customers`: the customers' own search, by whoever may read every customer; each customer's
  first number, or all of them) or the open call-back tasks (:meth:`Campaigns.from_callbacks`: the worklist's
  filters; each number carries its task). At most ``max_numbers_per_add`` numbers at once from a filter.
- **A call-back task's number** is dialled through the call-back desk (:class:`CallbackSource`): the call is an
  attempt of the task, by the desk's rules — a task closed meanwhile is never dialled (the number is ``done``,
  ``callback_closed``); one inside its spacing, or whose last attempt has no outcome yet, waits.
- **Preview**: an agent of the campaign takes the next due number (held for them ``preview_hold_minutes``), sees
  the customer and dials it (the same click-to-call).
- The call's end (the call tracker's watcher) gives the outcome; after a restart :meth:`Campaigns.recover` settles
  the numbers left ``dialling`` from their stored calls.
- **Figures** (:meth:`Campaigns.figures`; the board's :meth:`Campaigns.running_figures`): this service owns them;
  every change of a campaign's state or of its numbers is told to the watchers (:meth:`Campaigns.watch`: the board
  reads the figures again on its next push).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from callcenter.auth.models import User
from callcenter.campaigns.config import CampaignSettings
from callcenter.campaigns.errors import (
    BAD_HOURS,
    BAD_NUMBER,
    BAD_ROW,
    BAD_STATE,
    CALLBACK_CLOSED,
    CALLBACK_WAITS,
    CAMPAIGN_NOT_FOUND,
    NAME_TAKEN,
    NO_HEADER,
    NOT_CAMPAIGN_AGENT,
    NOT_PREVIEW,
    NOT_YOUR_NUMBER,
    NOTHING_TO_CALL,
    ON_DNC,
    OUT_OF_HOURS,
    TOO_MANY,
    UNKNOWN_AGENT,
)
from callcenter.campaigns.models import Campaign, CampaignNumber, DncNumber
from callcenter.campaigns.repository import CampaignRepository
from callcenter.clock import Clock
from callcenter.errors import Words
from callcenter.periodic import Periodic

log = logging.getLogger(__name__)

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
PlaceCall = Callable[[User, str, int | None], Awaitable[str]]  # the ACD's click-to-call: the call's uniqueid
UserOf = Callable[[str], Awaitable[User | None]]
AgentState = Callable[[str], str | None]  # username → the agent's state (None: not logged in)
Watcher = Callable[[int], None]  # told the campaign whose state or numbers changed (must not block)
CallEnd = Callable[[str], Awaitable[tuple[str | None, str | None] | None]]  # uid → (outcome, end_reason) if ended
DEFAULT_RETRY = {"busy": 10.0, "no_answer": 60.0, "failed": 30.0}
# the call record's outcome → the number's
OUTCOME_OF_CALL = {"answered": "answered", "no_answer": "no_answer", "busy": "busy", "rejected": "busy",
                   "failed": "failed"}
AGENT_SIDE = ("agent_no_answer", "agent_hung_up", "originate_failed")  # never reached the customer's side
STATE_WORDS = {"start": Words("started", "启动"), "pause": Words("paused", "暂停"), "resume": Words("resumed", "恢复"),
               "stop": Words("stopped", "停止")}
CHANGED, GIVEN_NUMBERS, WORKED = Words("changed", "修改"), Words("given numbers", "导入号码"), Words("worked", "外呼")
TRANSITIONS = {"start": (("draft",), "running"), "pause": (("running",), "paused"),
               "resume": (("paused",), "running"), "stop": (("draft", "running", "paused"), "stopped")}


# a call-back task's state, as a refusal names it
TASK_STATE_WORDS = {"reached": Words("reached", "已联系"), "refused": Words("refused", "拒绝回访"),
                    "problem_stands": Words("problem stands", "问题未解决"),
                    "unreachable": Words("unreachable", "无法联系"), "cancelled": Words("cancelled", "已取消"),
                    "gone": Words("gone", "已不存在")}
CUSTOMERS, TASKS = Words("customers", "客户"), Words("open call-back tasks", "未结束的回访任务")
PAGE = 500  # customers read per search (the customers' search gives at most 500 at once)


class AgentRoles(Protocol):
    async def __call__(self, username: str) -> bool: ...


@dataclass(frozen=True)
class CustomerFilter:
    """What the customers' own search filters on (``GET /api/customers``): text in the name or company, the start
    of a number, VIP, one tag."""

    q: str | None = None
    number: str | None = None
    vip: bool | None = None
    tag: str | None = None


@dataclass(frozen=True)
class CustomerHit:
    id: int
    name: str
    numbers: list[str]


# the customers' search for this user (its access rule, its audit): (one page of customers, how many match)
FindCustomers = Callable[[User, CustomerFilter, int, int], Awaitable[tuple[list[CustomerHit], int]]]


class TaskTurn(Protocol):
    """The call-back desk's answer (``callcenter.callbacks.service.TaskTurn``): ``ready``, ``placed`` (with
    ``call_uniqueid``), ``closed`` (the task's ``state``), ``wait`` (until ``wait_until``; None: its open attempt)."""

    @property
    def what(self) -> str: ...
    @property
    def call_uniqueid(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def wait_until(self) -> datetime | None: ...


class TaskNumber(Protocol):
    @property
    def task_id(self) -> int: ...
    @property
    def number(self) -> str | None: ...
    @property
    def customer_id(self) -> int | None: ...


class CallbackSource(Protocol):
    """What campaigns need of the call-back desk (``callcenter.callbacks.service.CallbackDesk``)."""

    async def open_numbers(self, username: str, queue: str | None, department_id: int | None,
                           case_type: str | None, cap: int) -> tuple[Sequence[TaskNumber], int]: ...

    async def campaign_turn(self, task_id: int) -> TaskTurn: ...

    async def campaign_call(self, user: User, task_id: int, place: Callable[[], Awaitable[str]],
                            campaign_id: int) -> TaskTurn: ...


def digits_of(raw: str) -> str | None:
    """A number as dialled: its digits (spaces, ``+ - ( )`` dropped); None if not 3 to 20 digits."""
    if any(not (ch.isdigit() or ch in " +-()") for ch in raw):
        return None
    d = "".join(ch for ch in raw if ch.isdigit())
    return d if 3 <= len(d) <= 20 else None


def _hm(v: str) -> time:
    h, m = v.split(":")
    return time(int(h), int(m))


def check_hours(hours_from: str, hours_to: str, days: Sequence[int]) -> None:
    try:
        start, end = _hm(hours_from), _hm(hours_to)
    except ValueError as e:
        raise BAD_HOURS(field="hours_from") from e
    if not start < end or not days or any(d not in range(1, 8) for d in days):
        raise BAD_HOURS(field="hours_from" if not start < end else "days")


def in_hours(c: Campaign, now: datetime, tz: ZoneInfo) -> bool:
    local = now.astimezone(tz)
    return local.isoweekday() in c.days and _hm(c.hours_from) <= local.time() < _hm(c.hours_to)


def retry_at(c: Campaign, outcome: str, attempts: int, now: datetime) -> datetime | None:
    """When a number is tried again after ``outcome`` (None: not again)."""
    if outcome == "answered" or attempts >= c.max_attempts:
        return None
    minutes = float((c.retry or {}).get(outcome, DEFAULT_RETRY.get(outcome, 30.0)))
    return now + timedelta(minutes=minutes)


def plan(free_agents: Sequence[str], due: Sequence[CampaignNumber]) -> list[tuple[str, CampaignNumber]]:
    """The progressive pacer's decision: each free agent gets the next due number, in order; never more pairs
    than free agents."""
    return list(zip(free_agents, due, strict=False))


@dataclass
class Campaigns:
    repo: CampaignRepository
    settings: CampaignSettings
    clock: Clock
    timezone: str
    audit: Audit
    is_agent: AgentRoles
    agent_state: AgentState
    user_of: UserOf
    call_end: CallEnd
    place_call: PlaceCall | None = None
    find_customers: FindCustomers | None = None  # plugged in by the wiring (the customers' search)
    callbacks: CallbackSource | None = None  # plugged in by the wiring (the call-back desk)
    tz: ZoneInfo = field(init=False)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _busy: dict[int, set[str]] = field(init=False, default_factory=dict)  # campaign → agents being connected
    # while a dial is being placed and linked to its number: the outbound calls that ended meanwhile (uid →
    # (outcome, end reason)), so a call that ends before its number names it is still settled (:meth:`_place_and_link`)
    _placing: int = field(init=False, default=0)
    _early_ends: dict[str, tuple[str | None, str | None]] = field(init=False, default_factory=dict)
    _watchers: list[Watcher] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.timezone)

    # watchers -----------------------------------------------------------------------------------------------------
    def watch(self, watcher: Watcher) -> None:
        """``watcher(campaign_id)`` after every change of that campaign's state or of its numbers (so of its
        figures): made, changed, started / paused / resumed / stopped, numbers imported, taken, dialled, settled."""
        self._watchers.append(watcher)

    def _changed(self, campaign_id: int) -> None:
        for w in self._watchers:
            try:
                w(campaign_id)
            except Exception:
                log.exception("campaign %d: a watcher failed", campaign_id)

    # campaigns ---------------------------------------------------------------------------------------------------
    async def _get(self, campaign_id: int) -> Campaign:
        c = await self.repo.get(campaign_id)
        if c is None:
            raise CAMPAIGN_NOT_FOUND(campaign_id=campaign_id)
        return c

    async def _agents(self, agents: Sequence[str]) -> list[str]:
        out = []
        for a in agents:
            if not await self.is_agent(a):
                raise UNKNOWN_AGENT(username=a, field="agents")
            if a not in out:
                out.append(a)
        return out

    async def create(self, username: str, spec: dict[str, Any]) -> Campaign:
        check_hours(spec["hours_from"], spec["hours_to"], spec["days"])
        now = self.clock.now()
        values = {**spec, "agents": await self._agents(spec["agents"]), "state": "draft", "created_by": username,
                  "created_at": now, "updated_at": now}
        c = await self.repo.add(values)
        if c is None:
            raise NAME_TAKEN(name=spec["name"], field="name")
        await self.audit(username, "campaign.create", _target(c.id), {"name": c.name, "mode": c.mode})
        self._changed(c.id)
        return c

    async def update(self, username: str, campaign_id: int, changes: dict[str, Any]) -> Campaign:
        c = await self._get(campaign_id)
        if c.state in ("stopped", "done"):
            raise BAD_STATE({"wanted": CHANGED}, campaign_id=campaign_id, state=c.state)
        merged = {"hours_from": c.hours_from, "hours_to": c.hours_to, "days": c.days, **changes}
        check_hours(merged["hours_from"], merged["hours_to"], merged["days"])
        if "agents" in changes:
            changes["agents"] = await self._agents(changes["agents"])
        changed = await self.repo.change(campaign_id, {**changes, "updated_at": self.clock.now()})
        if changed is None:
            raise NAME_TAKEN(name=changes.get("name", c.name), field="name")
        await self.audit(username, "campaign.update", _target(campaign_id), {"fields": sorted(changes)})
        self._changed(campaign_id)
        return changed

    async def transition(self, username: str, campaign_id: int, action: str) -> Campaign:
        c = await self._get(campaign_id)
        states, to = TRANSITIONS[action]
        changed = await self.repo.change(campaign_id, {"state": to, "updated_at": self.clock.now()}, states)
        if changed is None:
            raise BAD_STATE({"wanted": STATE_WORDS[action]}, campaign_id=campaign_id, state=c.state)
        await self.audit(username, f"campaign.{action}", _target(campaign_id), {"from": c.state})
        self._changed(campaign_id)
        return changed

    # the list ------------------------------------------------------------------------------------------------------
    def parse_csv(self, text: str) -> list[dict[str, Any]]:
        """Every row checked first: the first bad one is refused naming it, so one bad row stores nothing."""
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip().lower() for h in next(reader, [])]
        if "number" not in header or any(h not in ("number", "name", "customer_id") for h in header):
            raise NO_HEADER(field="csv")
        rows, seen = [], set()
        for n, raw in enumerate(reader, start=2):
            if not any(v.strip() for v in raw):
                continue
            if len(raw) != len(header):
                raise BAD_ROW({"why": Words(f"{len(raw)} fields, the header has {len(header)}",
                                               f"有 {len(raw)} 个字段，列名行有 {len(header)} 个")}, row=n, field="csv")
            r = dict(zip(header, (v.strip() for v in raw), strict=True))
            number = digits_of(r["number"])
            if number is None:
                raise BAD_ROW({"why": Words(f"{r['number'][:40]!r} is not a number of 3 to 20 digits",
                                               f"{r['number'][:40]!r} 不是 3 至 20 位数字的号码")}, row=n, field="csv")
            if number in seen:
                raise BAD_ROW({"why": Words(f"{number} is in the list twice", f"{number} 在名单中出现两次")},
                              row=n, field="csv")
            seen.add(number)
            name = r.get("name", "")
            if len(name) > 128:
                raise BAD_ROW({"why": Words("the name is longer than 128 characters", "姓名超过 128 个字符")},
                              row=n, field="csv")
            cid = r.get("customer_id", "")
            if cid and (not cid.isdigit() or not 1 <= int(cid) <= 2_147_483_647):
                raise BAD_ROW({"why": Words(f"customer_id {cid[:20]!r} is not a customer id",
                                               f"customer_id {cid[:20]!r} 不是客户编号")}, row=n, field="csv")
            rows.append({"number": number, "name": name, "customer_id": int(cid) if cid else None})
        return rows

    async def import_csv(self, username: str, campaign_id: int, text: str) -> tuple[int, int]:
        c = await self._get(campaign_id)
        if c.state in ("stopped", "done"):
            raise BAD_STATE({"wanted": GIVEN_NUMBERS}, campaign_id=campaign_id, state=c.state)
        rows = self.parse_csv(text)
        added, known = await self.repo.add_numbers(campaign_id, rows)
        await self.audit(username, "campaign.import", _target(campaign_id), {"added": added, "known": known})
        self._changed(campaign_id)
        return added, known

    async def add_numbers(self, username: str, campaign_id: int, rows: list[dict[str, Any]], source: str,
                          detail: dict[str, Any] | None = None) -> tuple[int, int]:
        c = await self._get(campaign_id)
        if c.state in ("stopped", "done"):
            raise BAD_STATE({"wanted": GIVEN_NUMBERS}, campaign_id=campaign_id, state=c.state)
        added, known = await self.repo.add_numbers(campaign_id, rows)
        await self.audit(username, "campaign.import", _target(campaign_id),
                         {"added": added, "known": known, "source": source, **(detail or {})})
        self._changed(campaign_id)
        return added, known

    async def _fillable(self, campaign_id: int) -> Campaign:
        c = await self._get(campaign_id)
        if c.state in ("stopped", "done"):
            raise BAD_STATE({"wanted": GIVEN_NUMBERS}, campaign_id=campaign_id, state=c.state)
        return c

    async def from_customers(self, user: User, campaign_id: int, f: CustomerFilter, tags: Sequence[str] = (),
                             which: str = "first") -> tuple[int, int, int, int]:
        """The numbers of the customers the customers' own search finds for ``f`` (with any of ``tags``; none: no
        tag asked for), each customer's first number (``which="all"``: every one of them), with the customer's id
        and name. (added, already there, customers skipped: no number that can be dialled, customers matched.)"""
        await self._fillable(campaign_id)
        assert self.find_customers is not None, "the wiring plugs in the customers' search"
        cap = self.settings.max_numbers_per_add
        hits: dict[int, CustomerHit] = {}
        for tag in dict.fromkeys(tags) or [None]:
            offset = 0
            while True:
                page, total = await self.find_customers(user, replace(f, tag=tag), offset, PAGE)
                if total > cap or len(hits) > cap:
                    raise TOO_MANY({"what": CUSTOMERS}, matched=max(total, len(hits)), cap=cap, field="tags")
                for h in page:
                    hits.setdefault(h.id, h)
                offset += len(page)
                if not page or offset >= total:
                    break
        if len(hits) > cap:
            raise TOO_MANY({"what": CUSTOMERS}, matched=len(hits), cap=cap, field="tags")
        rows: list[dict[str, Any]] = []
        skipped = 0
        for h in hits.values():
            usable = list(dict.fromkeys(d for d in map(digits_of, h.numbers) if d is not None))
            if not usable:
                skipped += 1
                continue
            rows += [{"number": d, "name": h.name[:128], "customer_id": h.id}
                     for d in (usable if which == "all" else usable[:1])]
        if len(rows) > cap:
            raise TOO_MANY({"what": CUSTOMERS}, matched=len(rows), cap=cap, field="numbers")
        query = {"q": f.q, "number": f.number, "vip": f.vip, "tags": list(tags), "numbers": which}
        added, known = await self.add_numbers(user.username, campaign_id, rows, "customers",
                                              {"filter": query, "customers": len(hits), "skipped": skipped,
                                               "customer_ids": sorted(hits)})
        return added, known, skipped, len(hits)

    async def from_callbacks(self, user: User, campaign_id: int, queue: str | None = None,
                             department_id: int | None = None, case_type: str | None = None
                             ) -> tuple[int, int, int, int]:
        """The numbers of the open call-back tasks of the worklist's filters, each carrying its task (its dial is
        an attempt of the task). (added, already there, tasks skipped: no number, tasks matched.)"""
        await self._fillable(campaign_id)
        assert self.callbacks is not None, "the wiring plugs in the call-back desk"
        cap = self.settings.max_numbers_per_add
        tasks, total = await self.callbacks.open_numbers(user.username, queue, department_id, case_type, cap)
        if total > cap:
            raise TOO_MANY({"what": TASKS}, matched=total, cap=cap, field="queue")
        rows: list[dict[str, Any]] = []
        skipped = 0
        for t in tasks:
            d = digits_of(t.number or "")
            if d is None:
                skipped += 1
                continue
            rows.append({"number": d, "name": "", "customer_id": t.customer_id, "callback_id": t.task_id})
        query = {"queue": queue, "department_id": department_id, "case_type": case_type}
        added, known = await self.add_numbers(user.username, campaign_id, rows, "callbacks",
                                              {"filter": query, "tasks": len(tasks), "skipped": skipped})
        return added, known, skipped, len(tasks)

    # the do-not-call list ----------------------------------------------------------------------------------------
    async def dnc_add(self, username: str, raw: str, reason: str) -> DncNumber:
        """The number on the list (as it was already, if it was)."""
        number = digits_of(raw)
        if number is None:
            raise BAD_NUMBER(number=raw[:40], field="number")
        added = await self.repo.dnc_add(number, reason.strip(), username, self.clock.now())
        await self.audit(username, "dnc.add", f"dnc:{number}", {"reason": reason.strip(), "new": added})
        row = await self.repo.dnc_get(number)
        assert row is not None
        return row

    async def dnc_remove(self, username: str, raw: str) -> bool:
        number = digits_of(raw)
        if number is None:
            raise BAD_NUMBER(number=raw[:40], field="number")
        gone = await self.repo.dnc_remove(number)
        await self.audit(username, "dnc.remove", f"dnc:{number}", {"was_there": gone})
        return gone

    # dialling --------------------------------------------------------------------------------------------------
    async def _dial(self, c: Campaign, n: CampaignNumber, user: User, from_states: Sequence[str]) -> str | None:
        """Claim ``n`` (one attempt, a retry time set in case the service dies before the call ends) and place
        its call. None if someone else took it first. The do-not-call list is checked here, at dial time."""
        try:
            return await self._claim_and_call(c, n, user, from_states)
        finally:
            self._changed(c.id)

    async def _claim_and_call(self, c: Campaign, n: CampaignNumber, user: User, from_states: Sequence[str]
                              ) -> str | None:
        now = self.clock.now()
        if await self.repo.dnc_of([n.number]):
            await self.repo.claim(n.id, from_states, {"state": "dnc", "last_at": now})
            raise ON_DNC(number=n.number)
        guard = retry_at(c, "failed", n.attempts + 1, now) or now
        if not await self.repo.claim(n.id, from_states, {"state": "dialling", "attempts": n.attempts + 1,
                                                          "agent": user.username, "next_at": guard,
                                                          "last_at": now, "reserved_until": None}):
            return None
        self._placing += 1
        try:
            uid = await self._place_and_link(c, n, user, now)
        finally:
            self._placing -= 1
            if not self._placing:
                self._early_ends.clear()
        await self.audit(user.username, "campaign.dial", _target(c.id), {"number_id": n.id, "call": uid,
                                                                          "callback_id": n.callback_id})
        return uid

    async def _place_and_link(self, c: Campaign, n: CampaignNumber, user: User, now: datetime) -> str:
        """Place the claimed number's call and name it on the number; a call that already ended (the agent's phone
        refused at once: its Hangup came before the number named it) is settled here, as its end would have."""
        assert self.place_call is not None, "the wiring plugs in the ACD's click-to-call"
        place_call = self.place_call
        try:
            if n.callback_id is not None and self.callbacks is not None:  # an attempt of the call-back task
                turn = await self.callbacks.campaign_call(
                    user, n.callback_id, lambda: place_call(user, n.number, n.customer_id), c.id)
                uid = turn.call_uniqueid
            else:
                turn, uid = None, await place_call(user, n.number, n.customer_id)
        except Exception:
            await self.repo.set_number(n.id, {"state": "pending", "attempts": n.attempts, "next_at": now})
            raise
        if turn is not None and (turn.what != "placed" or uid is None):
            await self._not_called_back(n, turn, ("dialling",), now)
            raise self._why_not(n, turn)
        assert uid is not None
        await self.repo.set_number(n.id, {"call_uniqueid": uid})
        ended = self._early_ends.pop(uid, None)
        if ended is not None:
            linked = await self.repo.number(n.id)
            if linked is not None and linked.state == "dialling":
                await self._settle_number(c, linked, *ended)
        return uid

    async def _not_called_back(self, n: CampaignNumber, turn: TaskTurn, from_states: Sequence[str], now: datetime
                               ) -> None:
        """A call-back task's number the desk says not to dial now: done (the task closed: never dialled) or
        pending again when the task may be called (its attempts are the desk's: none counted here)."""
        if turn.what == "closed":
            await self.repo.claim(n.id, from_states, {"state": "done", "last_outcome": "callback_closed",
                                                      "attempts": n.attempts, "next_at": None, "last_at": now,
                                                      "reserved_until": None})
        else:
            until = turn.wait_until or now + timedelta(seconds=self.settings.agent_missed_retry_seconds)
            await self.repo.claim(n.id, from_states, {"state": "pending", "attempts": n.attempts, "next_at": until,
                                                      "reserved_until": None})

    def _why_not(self, n: CampaignNumber, turn: TaskTurn) -> Exception:
        if turn.what == "closed":
            return CALLBACK_CLOSED({"state": TASK_STATE_WORDS.get(turn.state, Words(turn.state, turn.state))},
                                   number_id=n.id, task_id=n.callback_id)
        if turn.wait_until is not None:
            at = turn.wait_until.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
            why = Words(f"its next attempt may be made from {at}", f"下一次尝试须在 {at} 之后")
        else:
            why = Words("its last attempt has no outcome yet", "上一次尝试尚无结果")
        return CALLBACK_WAITS({"why": why}, number_id=n.id, task_id=n.callback_id)

    async def take_next(self, user: User, campaign_id: int) -> CampaignNumber:
        """Preview: the next due number, held for this agent."""
        c = await self._work(user, campaign_id)
        try:
            return await self._take(user, c)
        finally:
            self._changed(c.id)

    async def _take(self, user: User, c: Campaign) -> CampaignNumber:
        now = self.clock.now()
        for n in await self.repo.due(c.id, now, 20):
            if await self.repo.dnc_of([n.number]):
                await self.repo.claim(n.id, ("pending", "reserved"), {"state": "dnc", "last_at": now})
                continue
            if n.callback_id is not None and self.callbacks is not None:
                turn = await self.callbacks.campaign_turn(n.callback_id)
                if turn.what != "ready":  # its task closed (done with it) or may not be called yet (it waits)
                    await self._not_called_back(n, turn, ("pending", "reserved"), now)
                    continue
            until = now + timedelta(minutes=self.settings.preview_hold_minutes)
            if await self.repo.claim(n.id, ("pending", "reserved"), {"state": "reserved", "agent": user.username,
                                                                    "reserved_until": until}):
                await self.audit(user.username, "campaign.take", _target(c.id), {"number_id": n.id})
                got = await self.repo.number(n.id)
                assert got is not None
                return got
        raise NOTHING_TO_CALL(campaign_id=c.id)

    async def dial_reserved(self, user: User, campaign_id: int, number_id: int) -> str:
        c = await self._work(user, campaign_id)
        n = await self.repo.number(number_id)
        if n is None or n.campaign_id != c.id or n.state != "reserved" or n.agent != user.username:
            raise NOT_YOUR_NUMBER(campaign_id=campaign_id, number_id=number_id)
        uid = await self._dial(c, n, user, ("reserved",))
        if uid is None:
            raise NOT_YOUR_NUMBER(campaign_id=campaign_id, number_id=number_id)
        return uid

    async def _work(self, user: User, campaign_id: int) -> Campaign:
        c = await self._get(campaign_id)
        if user.username not in c.agents:
            raise NOT_CAMPAIGN_AGENT(campaign_id=campaign_id)
        if c.mode != "preview":
            raise NOT_PREVIEW(campaign_id=campaign_id)
        if c.state != "running":
            raise BAD_STATE({"wanted": WORKED}, campaign_id=campaign_id, state=c.state)
        if not in_hours(c, self.clock.now(), self.tz):
            raise OUT_OF_HOURS(campaign_id=campaign_id, hours_from=c.hours_from, hours_to=c.hours_to)
        return c

    # the pacer ---------------------------------------------------------------------------------------------------
    async def tick(self) -> int:
        """One round of the progressive pacer: the calls placed."""
        now = self.clock.now()
        placed = 0
        for c in await self.repo.running("progressive"):
            if not in_hours(c, now, self.tz):
                continue
            connecting = self._busy.setdefault(c.id, set())
            free = [a for a in c.agents if a not in connecting and self.agent_state(a) == "ready"]
            if not free:
                continue
            for agent, n in plan(free, await self.repo.due(c.id, now, len(free))):
                user = await self.user_of(agent)
                if user is None:
                    continue
                connecting.add(agent)
                try:
                    if await self._dial(c, n, user, ("pending", "reserved")) is not None:
                        placed += 1
                except Exception as e:  # the agent was taken meanwhile, Asterisk refused: the number waits
                    log.info("campaign %s: number %d not dialled now (%s)", c.name, n.id, e)
                finally:
                    connecting.discard(agent)
        return placed

    # the end of a call ---------------------------------------------------------------------------------------------
    def on_call(self, st: Any) -> None:
        """The call tracker's watcher: an outbound call ended (spawned: it runs on the AMI path)."""
        if st.ended_at is None or getattr(st, "direction", "inbound") != "outbound":
            return
        if self._placing:  # it may be the call of a dial not linked to its number yet (:meth:`_place_and_link`)
            self._early_ends[st.uniqueid] = (st.outcome, st.end_reason)
        task = asyncio.get_running_loop().create_task(self._ended(st.uniqueid, st.outcome, st.end_reason),
                                                      name=f"campaign call {st.uniqueid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ended(self, uid: str, outcome: str | None, end_reason: str | None) -> None:
        try:
            n = await self.repo.by_call(uid)
            if n is None or n.state != "dialling":
                return
            c = await self._get(n.campaign_id)
            await self._settle(c, n, outcome, end_reason)
        except Exception:
            log.exception("campaign: the end of call %s could not be recorded on its number", uid)

    async def _settle(self, c: Campaign, n: CampaignNumber, outcome: str | None, end_reason: str | None) -> None:
        try:
            await self._settle_number(c, n, outcome, end_reason)
        finally:
            self._changed(c.id)

    async def _settle_number(self, c: Campaign, n: CampaignNumber, outcome: str | None, end_reason: str | None
                             ) -> None:
        now = self.clock.now()
        # settled once (a claim on "dialling"): the end's task and the dial's own check of an early end may both try
        if outcome == "failed" and end_reason in AGENT_SIDE:  # nobody rang the customer: not an attempt
            await self.repo.claim(n.id, ("dialling",), {
                "state": "pending", "attempts": max(0, n.attempts - 1), "last_outcome": "agent_missed",
                "next_at": now + timedelta(seconds=self.settings.agent_missed_retry_seconds)})
            return
        what = OUTCOME_OF_CALL.get(outcome or "", "failed")
        again = retry_at(c, what, n.attempts, now)
        state = "done" if what == "answered" else "pending" if again is not None else "exhausted"
        await self.repo.claim(n.id, ("dialling",), {"state": state, "last_outcome": what, "next_at": again,
                                                     "last_at": now})

    async def recover(self) -> int:
        """After a start: numbers left ``dialling`` are settled from their stored calls (one that never got a
        call, or whose call is unknown: pending again at the retry time set when it was claimed)."""
        n_settled = 0
        for n in await self.repo.dialling():
            ended = await self.call_end(n.call_uniqueid) if n.call_uniqueid else None
            if n.call_uniqueid and ended is None:
                continue  # still going on (the tracker follows it): its end settles it
            c = await self._get(n.campaign_id)
            if ended is not None:
                await self._settle(c, n, ended[0], ended[1])
            else:
                await self.repo.set_number(n.id, {"state": "pending"})  # next_at: the guard set at the claim
                self._changed(n.campaign_id)
            n_settled += 1
        return n_settled

    async def flush(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # figures ------------------------------------------------------------------------------------------------------
    async def figures(self, campaign_id: int) -> dict[str, Any]:
        return await self._figures_of(await self._get(campaign_id))

    async def _figures_of(self, c: Campaign) -> dict[str, Any]:
        states, outcomes, attempts = await self.repo.counts(c.id)
        total = sum(states.values())
        return {"campaign": c, "numbers": total, "by_state": states, "by_outcome": outcomes, "dialled": attempts,
                "connected": outcomes.get("answered", 0),
                "remaining": states.get("pending", 0) + states.get("reserved", 0) + states.get("dialling", 0),
                "in_hours": in_hours(c, self.clock.now(), self.tz)}

    async def running_figures(self) -> list[dict[str, Any]]:
        """The totals of every running campaign, by id (the board's part: what :meth:`figures` says of each, without
        the campaign's settings or the clock's ``in_hours``, so they change only when :meth:`watch` says so)."""
        out = []
        for c in await self.repo.running():
            f = await self._figures_of(c)
            out.append({"id": c.id, "name": c.name, "mode": c.mode, "numbers": f["numbers"], "dialled": f["dialled"],
                        "connected": f["connected"], "remaining": f["remaining"], "by_outcome": f["by_outcome"]})
        return out


def _target(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


class PacerWatch:
    """The pacer every ``tick_seconds`` (started and stopped with the stack), after :meth:`Campaigns.recover`."""

    def __init__(self, campaigns: Campaigns) -> None:
        self._periodic = Periodic("campaign pacer", campaigns.tick, lambda: campaigns.settings.tick_seconds, log,
                                  first=campaigns.recover)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
