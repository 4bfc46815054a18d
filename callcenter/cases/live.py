"""The cases pushed (issue 14, "3. Clocks", "7. Incidents", "8. Pages"): what a recorded clock event, a change of a
case and an incident make the service say, and to whom.

- A clock event newly recorded by the checker (:class:`~callcenter.cases.checker.CaseClockChecker`, its
  ``notify``) becomes a board alert, id ``case:<number>:<clock>`` — kind ``case_warning``, ``case_breach`` or
  ``case_escalated``, each replacing the one before under that id — cleared when the clock's milestone is met
  (or the case closed or cancelled); an escalation is told to whoever its level goes to (``case_notice`` on
  ``/ws/cases``): ``team_lead`` = the users with role supervisor, ``department_head`` = the head of the case's
  department (the departments directory; none: the supervisors), ``director`` = ``settings.cases.director`` (unset:
  the users with role admin).
- A change of a case (any action, a clock event) is pushed as ``{"type": "case"}`` to the open ``/ws/cases``
  sockets of the users the access rule lets see it (``access.py``).
- A complaint that gets its cause (at creation or classified) runs the incident rule (``clocks.incidents``): N
  of one cause within M minutes → a board alert ``incident`` (id ``incident:<cause>:<first number>``) with the
  numbers, and a notice to the duty manager (``settings.cases.duty_manager``; unset: the supervisors). Each
  incident is told once: recorded as the clock event ``incident`` of the complaint that began it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from callcenter.auth.actor import Actor
from callcenter.cases.access import READ_ALL, CaseAccess
from callcenter.cases.checker import CaseClockChecker
from callcenter.cases.clocks import ClockEvent, Incident, incidents
from callcenter.cases.clockview import ClockView
from callcenter.cases.config import CasesSettings
from callcenter.cases.models import Case
from callcenter.cases.policy import cause_label
from callcenter.cases.repository import CaseRepository, Filters, Scope
from callcenter.cases.schemas import CaseOut
from callcenter.departments.repository import DepartmentRepository
from callcenter.errors import EN, ZH, Words
from callcenter.realtime.notify import CasesNotifier

log = logging.getLogger(__name__)

# the users holding a role (active ones), and one user's roles (None: no such active user)
UsersWithRole = Callable[[str], Awaitable[list[str]]]
RolesOf = Callable[[list[str]], Awaitable[dict[str, frozenset[str]]]]
# more notices read back for a user (username, since) → case_notice dicts: the monthly review's (review.py)
NoticeSource = Callable[[str, datetime], Awaitable[list[dict[str, Any]]]]
ALERT_MINUTES = 90 * 24 * 60  # a case's alert stays on the boards until its clock is met (or this long)
INCIDENT_ALERT_MINUTES = 24 * 60

CLOCK_WORDS = {"dispatch": Words("dispatch", "派单"), "report": Words("investigation report", "调查报告"),
               "close": Words("closure", "结案")}
LEVEL_WORDS = {"team_lead": Words("team lead", "班长"), "department_head": Words("department head", "部门负责人"),
               "director": Words("director", "中心主任"), "duty_manager": Words("duty manager", "值班经理")}
ESCALATED = {EN: "case {number}: the {clock} deadline ({due}) has passed; escalated to you as {to} (level {level})",
             ZH: "工单 {number}：{clock}时限（{due}）已过，已升级至您（{to}，第 {level} 级）"}
INCIDENT = {EN: "incident: {count} complaints of cause {cause} within {minutes} minutes: {numbers}",
            ZH: "突发事件：{minutes} 分钟内 {count} 起原因为 {cause} 的投诉：{numbers}"}


class BoardAlerts(Protocol):
    """The wallboard's alerts as the cases use them (``wallboard.board.Board``)."""

    def raise_alert(self, aid: str, kind: str, detail: dict[str, Any], *, queue: str | None = None,
                    username: str | None = None, minutes: float = 60) -> None: ...

    def clear_alert(self, aid: str) -> None: ...


def _texts(templates: dict[str, str], **values: Any) -> dict[str, str]:
    return {lang: t.format_map({k: v.say(lang) if isinstance(v, Words) else v for k, v in values.items()})
            for lang, t in templates.items()}


def _cause_words(code: str) -> Words:
    """A complaint cause as people read it (``policy.CAUSE_WORDS``; a configured code without words: the code)."""
    return Words(cause_label(code, EN), cause_label(code, ZH))


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _local(t: datetime | None, tz: tzinfo) -> str:
    """A deadline as people read it in a notice: the centre's local time to the minute."""
    return "-" if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def starter_of(numbers: list[str], n: int) -> str:
    """The complaint that began an incident of ``n`` (its numbers in order of arrival): the one it is told on."""
    return numbers[n - 1] if len(numbers) >= n else (numbers[-1] if numbers else "")


def alert_kind(event: ClockEvent) -> str:
    if event.kind.endswith(".warning"):
        return "case_warning"
    if event.kind.endswith(".breach"):
        return "case_breach"
    return "case_escalated"


def alert_id(number: str, clock: str) -> str:
    return f"case:{number}:{clock}"


@dataclass
class CaseLive:
    """See the module's docstring. ``checker`` is set by the wiring once built (it is given :meth:`on_clock_event`
    as its ``notify``)."""

    settings: CasesSettings
    repo: CaseRepository
    access: CaseAccess
    view: ClockView
    departments: DepartmentRepository
    board: BoardAlerts
    notifier: CasesNotifier
    users_with_role: UsersWithRole
    roles_of: RolesOf
    checker: CaseClockChecker | None = None

    def __post_init__(self) -> None:
        self._watching: Counter[str] = Counter()
        self._sources: list[NoticeSource] = []

    def add_notices(self, source: NoticeSource) -> None:
        """``source``'s notices are read back with the clocks' (``notices_for``)."""
        self._sources.append(source)

    # who has a cases page open (the /ws/cases route says so) -----------------------------------------------------
    def watch(self, username: str) -> None:
        self._watching[username] += 1

    def forget(self, username: str) -> None:
        self._watching[username] -= 1
        if self._watching[username] <= 0:
            del self._watching[username]

    # the checker's notify ------------------------------------------------------------------------------------------
    async def on_clock_event(self, event: ClockEvent) -> None:
        """A newly recorded clock event: the board's alert, the escalated person's notice, the case pushed."""
        notified = await self._escalated_to(event) if event.level else []
        detail = {"number": event.number, "type": event.type, "severity": event.severity, "clock": event.clock,
                  "kind": event.kind, "due_at": _iso(event.due_at), "at": _iso(event.at), "level": event.level,
                  "to": event.to, "department_id": event.department_id, "notified": notified}
        self.board.raise_alert(alert_id(event.number, event.clock), alert_kind(event), detail,
                               minutes=ALERT_MINUTES)
        if event.level and event.to is not None:
            text = _texts(ESCALATED, number=event.number, clock=CLOCK_WORDS[event.clock],
                          due=_local(event.due_at, self.view.clocks.tz), to=LEVEL_WORDS[event.to], level=event.level)
            for username in notified:
                self.notifier.notice(username, event.number, [event.number], "case_escalated", event.clock,
                                     event.level, event.to, text, event.at)
        if self._watching:  # (a first check after a long stop records many: no read when nobody is watching)
            c = await self.repo.by_id(event.case_id)
            if c is not None:
                await self.push(c)

    async def _escalated_to(self, event: ClockEvent) -> list[str]:
        return await self._level_people(event.to, event.department_id)

    async def _level_people(self, to: str | None, department_id: int | None) -> list[str]:
        if to == "department_head" and department_id is not None:
            d = await self.departments.get(department_id)
            if d is not None and d.department.head:
                return [d.department.head]
        if to == "director":
            if self.settings.director:
                return [self.settings.director]
            return await self.users_with_role("admin")
        return await self.users_with_role("supervisor")  # team lead, or a department without a head

    async def _incident_people(self) -> list[str]:
        return [self.settings.duty_manager] if self.settings.duty_manager else \
            await self.users_with_role("supervisor")

    async def notices_for(self, username: str, since: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """The notices told to ``username`` since ``since``, newest first, as the socket sent them (``case_notice``):
        read back from the stored clock events (the timeline), so whoever had no cases page open when a clock was
        escalated to them sees it when they open one. Who a level goes to is worked out as it is now (a department
        head changed since then: the new one sees it)."""
        out: list[dict[str, Any]] = []
        for row in await self.repo.told_since(since, limit * 4):
            d = row.detail or {}
            number = str(d.get("number") or "")
            if row.action == "clock.incident":
                if username not in await self._incident_people():
                    continue
                numbers = [str(n) for n in d.get("numbers") or []]
                text = _texts(INCIDENT, count=d.get("count", len(numbers)), cause=_cause_words(str(d.get("cause", ""))),
                              minutes=f"{self.settings.incident_window_minutes:g}", numbers=", ".join(numbers))
                starter = starter_of(numbers, self.settings.incident_complaints) or number
                out.append({"type": "case_notice", "number": starter, "numbers": numbers,
                            "kind": "incident", "clock": None, "level": 0, "to": "duty_manager", "text": text,
                            "at": row.at})
            else:
                to, level, clock = d.get("to"), int(d.get("level") or 0), d.get("clock")
                if to not in LEVEL_WORDS or clock not in CLOCK_WORDS or not level:
                    continue
                if username not in await self._level_people(to, d.get("department_id")):
                    continue
                due = datetime.fromisoformat(d["due_at"].replace("Z", "+00:00")) if d.get("due_at") else None
                text = _texts(ESCALATED, number=number, clock=CLOCK_WORDS[clock],
                              due=_local(due, self.view.clocks.tz), to=LEVEL_WORDS[to], level=level)
                out.append({"type": "case_notice", "number": number, "numbers": [number], "kind": "case_escalated",
                            "clock": clock, "level": level, "to": to, "text": text, "at": row.at})
            if len(out) >= limit:
                break
        for source in self._sources:
            out.extend(await source(username, since))
        out.sort(key=lambda n: n["at"], reverse=True)
        return out[:limit]

    async def restore(self) -> int:
        """At start: the alerts of the open cases' clocks in their warning or breached (held in memory, so lost
        with a restart) raised again from their states, the events' detail as at their recording but
        ``notified`` empty (nobody is told again). Returns how many."""
        rows, _ = await self.repo.search(Filters(open=True), Scope(all=True), 1_000_000, 0, oldest_first=True)
        states = await self.view.states(rows)
        n = 0
        for c in rows:
            for st in states.of(c.id):
                if st.status not in ("warning", "breached"):
                    continue
                kind = "case_escalated" if st.escalation_level else \
                    "case_breach" if st.status == "breached" else "case_warning"
                level = st.escalation_level
                event = ("warning" if kind == "case_warning" else "breach" if not level else f"escalate.{level}")
                detail: dict[str, Any] = {
                    "number": c.number, "type": c.type, "severity": c.severity, "clock": st.clock,
                    "kind": f"{st.clock}.{event}", "due_at": _iso(st.due_at), "at": None, "level": level,
                    "to": st.escalated_to, "department_id": c.department_id, "notified": []}
                self.board.raise_alert(alert_id(c.number, st.clock), kind, detail, minutes=ALERT_MINUTES)
                n += 1
        return n

    # the service's milestone hook: the events due before it first -------------------------------------------------
    async def before_milestone(self, case_id: int, at: datetime) -> None:
        if self.checker is None:
            return
        facts = await self.repo.open_case_clocks(only=case_id)
        for f in facts:
            await self.checker.check_case(f, at)

    # the service's change listener -------------------------------------------------------------------------------
    async def on_change(self, c: Case, action: str) -> None:
        """A case changed: its met clocks' alerts cleared, the case pushed to who may see it, the incident rule run
        when a complaint got its cause."""
        states = await self.view.states([c])
        for s in states.of(c.id):
            if s.status in ("met", "met_late", "off"):
                self.board.clear_alert(alert_id(c.number, s.clock))
        await self.push(c, CaseOut.of(c, states).model_dump(mode="json"))
        if c.type == "complaint" and c.cause and action in ("created", "classified"):
            await self.check_incident(c)

    # /ws/cases ------------------------------------------------------------------------------------------------
    async def viewers(self, c: Case) -> list[str]:
        """The users with a cases page open whom the access rule lets see ``c``."""
        watching = sorted(u for u in self._watching if self.notifier.watching(u))
        if not watching:
            return []
        roles = await self.roles_of(watching)
        out = []
        for username in watching:
            if username not in roles:
                continue
            actor = Actor(username, roles[username])
            if actor.has(READ_ALL) or (await self.access.relation(actor, c)).sees:
                out.append(username)
        return out

    async def push(self, c: Case, case: dict[str, Any] | None = None) -> None:
        viewers = await self.viewers(c)
        if not viewers:
            return
        if case is None:
            case = CaseOut.of(c, await self.view.states([c])).model_dump(mode="json")
        for username in viewers:
            self.notifier.case(username, case)

    # incidents ------------------------------------------------------------------------------------------------
    async def check_incident(self, c: Case) -> Incident | None:
        """The incidents the complaint ``c`` is part of, told once each (the first time one is seen: recorded as
        the clock event ``incident`` of the complaint that began it). Returns the one newly told, if any."""
        window = timedelta(minutes=self.settings.incident_window_minutes)
        span = max(window * 4, timedelta(days=1))
        arrivals = await self.repo.complaint_arrivals(c.accepted_at - span, c.accepted_at + span)
        told = None
        for incident in incidents(arrivals, self.settings):
            if c.id not in {a.case_id for a in incident.cases} or incident.cause != c.cause:
                continue
            starter = incident.cases[self.settings.incident_complaints - 1]
            detail = {"cause": incident.cause, "numbers": list(incident.numbers), "at": _iso(incident.at),
                      "count": len(incident.cases), "window_minutes": self.settings.incident_window_minutes}
            if not await self.repo.record_clock_event(starter.case_id, "incident", incident.at, detail):
                continue  # told already
            told = incident
            await self._tell_incident(incident, detail)
        return told

    async def _tell_incident(self, incident: Incident, detail: dict[str, Any]) -> None:
        notified = await self._incident_people()
        first = incident.cases[0].number
        self.board.raise_alert(f"incident:{incident.cause}:{first}", "incident", {**detail, "notified": notified},
                               minutes=INCIDENT_ALERT_MINUTES)
        text = _texts(INCIDENT, count=len(incident.cases), cause=_cause_words(incident.cause),
                      minutes=f"{self.settings.incident_window_minutes:g}", numbers=", ".join(incident.numbers))
        starter = incident.cases[self.settings.incident_complaints - 1].number
        for username in notified:
            self.notifier.notice(username, starter, incident.numbers, "incident", None, 0, "duty_manager", text,
                                 incident.at)
        log.warning("incident: %d complaints of cause %s: %s", len(incident.cases), incident.cause,
                    ", ".join(incident.numbers))
