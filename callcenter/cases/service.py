"""The cases' rules (issue 14, "1. Cases", "2. The workflow"): creating a case, each transition, the approvals a
resolution needs, re-raising a rejected result, pausing for the customer, and what the clocks read.

The workflow::

    accepted → dispatched → investigating → reported → resolved → informed → closed
    (dispatch again from dispatched or investigating; cancel, with a reason, from any open state)

A transition not allowed from the case's state is refused naming both states (409); one sent with a version
that is not the case's current one is refused with the current version (409). A serious complaint is resolved
only after the review of ``case_policy.serious_review_position``; a settlement above a threshold only by the
position the threshold table names (403 naming it). A customer who rejects the result of a closed case gets a
new case linked to it (``parent_case_id``), the original's record copied into the new case's first timeline row;
the original stays closed. Every view and change is audited (``case.*``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.auth.actor import Actor
from callcenter.cases.access import CREATORS, LEADS, CaseAccess, Relation
from callcenter.cases.clocks import CaseClockFacts
from callcenter.cases.errors import (
    ALREADY_PAUSED,
    BACKLOG_NOT_YOURS,
    BAD_TRANSITION,
    CALL_ALREADY_LINKED,
    CALL_NEEDED,
    CALL_NOT_YOURS,
    CASE_NOT_FOUND,
    CAUSE_ONLY_COMPLAINTS,
    DEPARTMENT_INACTIVE,
    DEPARTMENT_NOT_FOUND,
    DISPATCH_OTHER_DEPARTMENT,
    HANDLER_NOT_MEMBER,
    MAY_NOT,
    MAY_NOT_CREATE,
    NO_SUCH_CUSTOMER,
    NOT_PAUSED,
    NOT_YOURS,
    REVIEW_NEEDED,
    REVIEW_NEEDS_POSITION,
    REVIEW_NOT_NEEDED,
    SETTLEMENT_NEEDS_POSITION,
    STALE_VERSION,
    TEXT_EMPTY,
    UNKNOWN_CAUSE,
)
from callcenter.cases.models import OPEN_STATES, Case
from callcenter.cases.policy import CasePolicySettings
from callcenter.cases.repository import CaseDetail, CaseRepository, Filters
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
CustomerExists = Callable[[int], Awaitable[bool]]
# told after every change of a case (the case as it is now, the timeline's action): the cases socket, incidents
CaseListener = Callable[[Case, str], Awaitable[None]]
# before a milestone is stamped at ``at``: the clock events already due on the case are recorded first
MilestoneHook = Callable[[int, datetime], Awaitable[None]]
# the actions that stamp a clock's milestone (the dispatch, the report, the closure; a cancellation stops all)
MILESTONES = frozenset({"dispatched", "reported", "closed", "cancelled"})
log = logging.getLogger(__name__)


async def _no_milestone_hook(_: int, __: datetime) -> None:
    return None

# action → (the states it may start from, the state it leads to, the word a refusal says: "cannot be ...")
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "dispatch": (("accepted", "dispatched", "investigating"), "dispatched", "dispatched"),
    "investigate": (("dispatched",), "investigating", "investigating"),
    "report": (("investigating",), "reported", "reported"),
    "review": (("reported",), None, "reviewed"),
    "resolve": (("reported",), "resolved", "resolved"),
    "inform": (("resolved",), "informed", "informed"),
    "close": (("informed",), "closed", "closed"),
    "cancel": (OPEN_STATES, "cancelled", "cancelled"),
    "pause": (OPEN_STATES, None, "paused"),
    "resume": (OPEN_STATES, None, "resumed"),
    "classify": (OPEN_STATES, None, "classified"),
    "reraise": (("closed",), None, "re-raised"),
}
# the timeline's name of each action
DONE = {"dispatch": "dispatched", "investigate": "investigating", "report": "reported", "review": "reviewed",
        "resolve": "resolved", "inform": "informed", "close": "closed", "cancel": "cancelled", "pause": "paused",
        "resume": "resumed", "classify": "classified", "reraise": "reraised"}
# the milestone each target state stamps
STAMPS = {"dispatched": "dispatched_at", "reported": "reported_at", "resolved": "resolved_at",
          "informed": "informed_at", "closed": "closed_at", "cancelled": "cancelled_at"}
# what a re-raised case copies of its original
_COPIED = ("type", "customer_id", "description", "demand", "cause_class", "cause", "severity", "employee")


def target(number: str) -> str:
    """A case as the audit log names it."""
    return f"case:{number}"


def record_of(c: Case) -> dict[str, Any]:
    """A case's record as JSON (what a re-raised case carries of its original)."""
    out: dict[str, Any] = {}
    for col in Case.__table__.columns:
        v = getattr(c, col.key)
        out[col.key] = v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, Decimal) else v
    return out


@dataclass(frozen=True)
class NewCase:
    type: str
    description: str
    demand: str = ""
    customer_id: int | None = None
    call_uniqueid: str | None = None
    cause_class: str | None = None
    cause: str | None = None
    severity: str = "ordinary"
    employee: str | None = None


class CaseService:
    def __init__(self, repo: CaseRepository, access: CaseAccess, departments: DepartmentRepository,
                 policy: CasePolicySettings, clock: Clock, timezone: str, audit: Audit,
                 customer_exists: CustomerExists) -> None:
        self.repo = repo
        self.access = access
        self.departments = departments
        self.policy = policy
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.audit = audit
        self.customer_exists = customer_exists
        self._listeners: list[CaseListener] = []
        self._before_milestone: MilestoneHook = _no_milestone_hook

    def on_change(self, listener: CaseListener) -> None:
        """``listener(case, action)`` after every change of a case (wired: ``callcenter/cases/wiring.py``)."""
        self._listeners.append(listener)

    def set_milestone_hook(self, hook: MilestoneHook) -> None:
        """``hook(case_id, at)`` before a dispatch, report, closure or cancellation is stamped at ``at``: the clock
        checker records the events that came before it (a breach between two checks keeps its true time)."""
        self._before_milestone = hook

    async def _told(self, c: Case, action: str) -> None:
        for listener in self._listeners:
            try:
                await listener(c, action)
            except Exception:
                log.exception("case %s: telling %s failed", c.number, action)

    # the clocks' source (H7's checker reads these) ---------------------------------------------------------
    async def open_case_clocks(self) -> list[CaseClockFacts]:
        return await self.repo.open_case_clocks()

    async def record_clock_event(self, case_id: int, kind: str, at: datetime, detail: dict[str, Any]) -> bool:
        return await self.repo.record_clock_event(case_id, kind, at, detail)

    # helpers ---------------------------------------------------------------------------------------------
    def centre_day(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%Y%m%d")

    def _cause(self, type_: str, cause_class: str | None, cause: str | None) -> tuple[str | None, str | None]:
        if cause_class is None and cause is None:
            return None, None
        if type_ != "complaint":
            raise CAUSE_ONLY_COMPLAINTS(field="cause_class")
        if cause is not None:
            found = self.policy.cause_class_of(cause)
            if found is None or (cause_class is not None and found != cause_class):
                cls = cause_class or "quality / non_quality"
                allowed = self.policy.causes.get(cause_class or "", []) if cause_class else \
                    [c for v in self.policy.causes.values() for c in v]
                raise UNKNOWN_CAUSE({"cause": cause, "cause_class": cls, "causes": ", ".join(allowed)},
                                    field="cause")
            cause_class = found
        return cause_class, cause

    @staticmethod
    def _text(value: str, name: str) -> str:
        value = value.strip()
        if not value:
            raise TEXT_EMPTY(field=name)
        return value

    async def load(self, number: str) -> Case:
        c = await self.repo.by_number(number)
        if c is None:
            raise CASE_NOT_FOUND(number=number)
        return c

    async def seen(self, actor: Actor, number: str) -> tuple[Case, Relation]:
        c = await self.load(number)
        rel = await self.access.relation(actor, c)
        if not rel.sees:
            await self.audit(actor.username, "case.view_denied", target(number), None)
            raise NOT_YOURS(number=number)
        return c, rel

    # create ----------------------------------------------------------------------------------------------
    async def create(self, actor: Actor, new: NewCase) -> Case:
        if not actor.has(CREATORS):
            raise MAY_NOT_CREATE(needed=sorted(CREATORS), has=sorted(actor.roles))
        description = self._text(new.description, "description")
        if not actor.has(LEADS):
            if not new.call_uniqueid:
                raise CALL_NEEDED(field="call_uniqueid")
            if not await self.access.may_use_call(actor, new.call_uniqueid):
                await self.audit(actor.username, "case.create_denied", f"call:{new.call_uniqueid}", None)
                raise CALL_NOT_YOURS(call_uniqueid=new.call_uniqueid)
        if new.customer_id is not None and not await self.customer_exists(new.customer_id):
            raise NO_SUCH_CUSTOMER(customer_id=new.customer_id, field="customer_id")
        cause_class, cause = self._cause(new.type, new.cause_class, new.cause)
        now = self.clock.now()
        values = {"type": new.type, "state": "accepted", "customer_id": new.customer_id, "description": description,
                  "demand": new.demand.strip(), "cause_class": cause_class, "cause": cause,
                  "severity": new.severity, "employee": new.employee or None}
        calls = [new.call_uniqueid] if new.call_uniqueid else []
        c = await self.repo.create(values, calls, actor.username, now, self.centre_day(now),
                                   {"type": new.type, "calls": calls})
        await self.audit(actor.username, "case.create", target(c.number), {"type": c.type, "calls": calls})
        await self._told(c, "created")
        return c

    # reads -----------------------------------------------------------------------------------------------
    async def detail(self, actor: Actor, number: str) -> CaseDetail:
        c, _ = await self.seen(actor, number)
        d = await self.repo.detail(c.id)
        if d is None:
            raise CASE_NOT_FOUND(number=number)
        await self.audit(actor.username, "case.view", target(number), None)
        return d

    async def search(self, actor: Actor, filters: Filters, limit: int, offset: int, why: str = "list",
                     oldest_first: bool = False) -> tuple[list[Case], int]:
        """The cases ``actor`` may see, newest first (``oldest_first``: the dispatch list's order, so what was not
        dispatched yesterday comes before today's)."""
        scope = await self.access.scope(actor)
        rows, total = await self.repo.search(filters, scope, limit, offset, oldest_first)
        await self.audit(actor.username, f"case.{why}", "cases",
                         {k: v for k, v in vars(filters).items() if v is not None} | {"shown": len(rows)})
        return rows, total

    async def backlog(self, actor: Actor, department_id: int) -> list[Case]:
        """A department's open cases, oldest first: for its members and the leads."""
        d = await self.departments.get(department_id)
        if d is None:
            raise DEPARTMENT_NOT_FOUND(department_id=department_id)
        if not actor.has({"supervisor", "admin", "qc"}) and actor.username not in d.members \
                and actor.username != d.department.head:
            raise BACKLOG_NOT_YOURS(department_id=department_id)
        rows = await self.repo.backlog(department_id)
        await self.audit(actor.username, "case.backlog", f"department:{department_id}", {"shown": len(rows)})
        return rows

    # the workflow ----------------------------------------------------------------------------------------
    async def _act(self, actor: Actor, number: str, action: str, version: int) -> tuple[Case, Relation]:
        """The case, once ``actor`` may do ``action`` to it from its state at ``version``."""
        c, rel = await self.seen(actor, number)
        if not self.access.may(rel, action):
            await self.audit(actor.username, "case.action_denied", target(number), {"action": action})
            raise MAY_NOT(action=action, number=number)
        states, _, word = TRANSITIONS[action]
        if c.state not in states:
            raise BAD_TRANSITION(number=number, state=c.state, wanted=word)
        if c.version != version:
            raise STALE_VERSION(number=number, given=version, current=c.version)
        return c, rel

    async def _apply(self, actor: Actor, c: Case, action: str, version: int, values: dict[str, Any],
                     detail: dict[str, Any]) -> Case:
        states, to, word = TRANSITIONS[action]
        now = self.clock.now()
        values = dict(values)
        if to is not None:
            values["state"] = to
            if to in STAMPS and getattr(c, STAMPS[to]) is None:  # the first time counts (a re-dispatch keeps it)
                values[STAMPS[to]] = now
            if to in ("closed", "cancelled") and c.paused:  # a finished case waits for nobody
                values.update(paused=False, paused_since=None)
        timeline = {"from": c.state, **({"to": to} if to else {}), **detail}
        if to in MILESTONES:
            try:
                await self._before_milestone(c.id, now)
            except Exception:  # the checker records them at its next check, still at their true time
                log.exception("case %s: recording the clock events due before %s failed", c.number, to)
        changed = await self.repo.change(c.id, version, states, values, actor.username, now, DONE[action],
                                         timeline)
        if changed is None:
            raise await self._lost(c.number, version, word)
        await self.audit(actor.username, f"case.{action}", target(c.number), timeline)
        await self._told(changed, DONE[action])
        return changed

    async def _lost(self, number: str, version: int, word: str) -> Exception:
        """The refusal for a change that lost a race: the state or the version moved on meanwhile."""
        now = await self.load(number)
        if now.version != version:
            return STALE_VERSION(number=number, given=version, current=now.version)
        return BAD_TRANSITION(number=number, state=now.state, wanted=word)

    async def dispatch(self, actor: Actor, number: str, version: int, department_id: int, handler: str | None
                       ) -> Case:
        c, rel = await self._act(actor, number, "dispatch", version)
        d = await self.departments.get(department_id)
        if d is None:
            raise DEPARTMENT_NOT_FOUND(department_id=department_id, field="department_id")
        if not d.department.active:
            raise DEPARTMENT_INACTIVE(name=d.department.name, department_id=department_id)
        if handler is not None and handler not in d.members and handler != d.department.head:
            raise HANDLER_NOT_MEMBER(handler=handler, name=d.department.name, field="handler")
        if not rel.lead and department_id != c.department_id:
            # a head dispatches within their own department (to another one: a lead)
            heads = await self.departments.memberships(actor.username)
            if heads.get(department_id) != "head":
                raise DISPATCH_OTHER_DEPARTMENT(department_id=department_id, number=number)
        return await self._apply(actor, c, "dispatch", version,
                                 {"department_id": department_id, "handler": handler},
                                 {"department_id": department_id, "department": d.department.name,
                                  "handler": handler})

    async def investigate(self, actor: Actor, number: str, version: int) -> Case:
        c, _ = await self._act(actor, number, "investigate", version)
        return await self._apply(actor, c, "investigate", version, {}, {})

    async def report(self, actor: Actor, number: str, version: int, text: str) -> Case:
        c, _ = await self._act(actor, number, "report", version)
        text = self._text(text, "text")
        return await self._apply(actor, c, "report", version, {"report_text": text}, {"text": text})

    async def classify(self, actor: Actor, number: str, version: int, values: dict[str, Any]) -> Case:
        """Change the classification of an open case: cause class and cause, severity, employee complained about."""
        c, _ = await self._act(actor, number, "classify", version)
        out: dict[str, Any] = {}
        if "cause_class" in values or "cause" in values:
            out["cause_class"], out["cause"] = self._cause(c.type, values.get("cause_class"), values.get("cause"))
        if values.get("severity") is not None:
            out["severity"] = values["severity"]
        if "employee" in values:
            out["employee"] = values["employee"] or None
        return await self._apply(actor, c, "classify", version, out, {"set": out})

    async def review(self, actor: Actor, number: str, version: int, note: str) -> Case:
        c = await self.load(number)
        if not (c.type == "complaint" and c.severity == "serious"):
            raise REVIEW_NOT_NEEDED(number=number)
        position = self.policy.serious_review_position
        if not await self.access.holds(actor, position, c):
            await self.audit(actor.username, "case.action_denied", target(number), {"action": "review"})
            raise REVIEW_NEEDS_POSITION(number=number, position=position)
        states, _, word = TRANSITIONS["review"]
        if c.state not in states:
            raise BAD_TRANSITION(number=number, state=c.state, wanted=word)
        if c.version != version:
            raise STALE_VERSION(number=number, given=version, current=c.version)
        return await self._apply(actor, c, "review", version,
                                 {"reviewed_by": actor.username, "reviewed_at": self.clock.now()},
                                 {"position": position, "note": note.strip()})

    async def resolve(self, actor: Actor, number: str, version: int, decision: str, amount: Decimal | None
                      ) -> Case:
        c, _ = await self._act(actor, number, "resolve", version)
        decision = self._text(decision, "decision")
        if c.type == "complaint" and c.severity == "serious" and c.reviewed_at is None:
            raise REVIEW_NEEDED(number=number, position=self.policy.serious_review_position)
        detail: dict[str, Any] = {"decision": decision}
        if amount is not None and amount > 0:
            position = self.policy.approver_for(amount)
            if position is not None:
                if not await self.access.holds(actor, position, c):
                    await self.audit(actor.username, "case.action_denied", target(number),
                                     {"action": "resolve", "amount": str(amount), "position": position})
                    raise SETTLEMENT_NEEDS_POSITION(amount=str(amount), position=position, number=number)
                detail["approved_as"] = position
            detail["amount"] = str(amount)
        return await self._apply(actor, c, "resolve", version,
                                 {"decision": decision, "settlement_amount": amount}, detail)

    async def inform(self, actor: Actor, number: str, version: int, how: str, note: str) -> Case:
        c, _ = await self._act(actor, number, "inform", version)
        return await self._apply(actor, c, "inform", version, {"informed_how": how},
                                 {"how": how, "note": note.strip()})

    async def close(self, actor: Actor, number: str, version: int, note: str) -> Case:
        c, _ = await self._act(actor, number, "close", version)
        return await self._apply(actor, c, "close", version, {}, {"note": note.strip()})

    async def cancel(self, actor: Actor, number: str, version: int, reason: str) -> Case:
        c, _ = await self._act(actor, number, "cancel", version)
        reason = self._text(reason, "reason")
        return await self._apply(actor, c, "cancel", version, {"cancel_reason": reason}, {"reason": reason})

    async def pause(self, actor: Actor, number: str, version: int, note: str) -> Case:
        c, _ = await self._act(actor, number, "pause", version)
        if c.paused:
            raise ALREADY_PAUSED(number=number)
        return await self._apply(actor, c, "pause", version, {"paused": True, "paused_since": self.clock.now()},
                                 {"note": note.strip()})

    async def resume(self, actor: Actor, number: str, version: int, note: str) -> Case:
        c, _ = await self._act(actor, number, "resume", version)
        if not c.paused:
            raise NOT_PAUSED(number=number)
        return await self._apply(actor, c, "resume", version, {"paused": False, "paused_since": None},
                                 {"note": note.strip(), "since": c.paused_since.isoformat() if c.paused_since
                                  else None})

    async def reraise(self, actor: Actor, number: str, version: int, reason: str) -> Case:
        """The customer does not accept the result: a NEW case linked to this closed one, with its calls and a copy
        of its record and timeline in the new case's first rows; the original stays closed (its version moves on,
        and its timeline says which case re-raised it)."""
        c, _ = await self._act(actor, number, "reraise", version)
        reason = self._text(reason, "reason")
        d = await self.repo.detail(c.id)
        if d is None:
            raise CASE_NOT_FOUND(number=number)
        now = self.clock.now()
        values = {k: getattr(c, k) for k in _COPIED} | {"state": "accepted", "parent_case_id": c.id}
        calls = [x.call_uniqueid for x in d.calls]
        original = {"number": c.number, "record": record_of(c),
                    "timeline": [{"at": e.at.isoformat(), "by": e.by, "action": e.action, "detail": e.detail}
                                 for e in d.timeline]}
        new = await self.repo.create(values, calls, actor.username, now, self.centre_day(now),
                                     {"type": c.type, "calls": calls, "reraised_from": c.number, "reason": reason,
                                      "original": original})
        changed = await self.repo.change(c.id, version, ("closed",), {}, actor.username, now, "reraised",
                                         {"new_case": new.number, "reason": reason})
        if changed is None:  # lost a race: the new case stands (the customer's rejection is real), said on it
            await self.repo.add_event(c.id, actor.username, now, "reraised", {"new_case": new.number,
                                                                               "reason": reason})
        await self.audit(actor.username, "case.reraise", target(c.number), {"new_case": new.number})
        await self._told(new, "created")
        if changed is not None:
            await self._told(changed, "reraised")
        return new

    async def problem_stands(self, number: str, by: str, note: str, reopen: bool,
                             call_uniqueid: str | None = None) -> tuple[Case, str]:
        """The call-back desk reached the customer and the problem stands (issue 15, "2. The call-back desk"): the
        written feedback ``note`` goes on the case, which is reopened (``reopen`` and the case resolved or
        informed: back to investigating, its milestones kept) or followed by a NEW case linked to it (as a
        re-raise, the original staying as it is). Returns the case to work on and ``reopened`` / ``new_case``."""
        c = await self.load(number)
        note = self._text(note, "note")
        now = self.clock.now()
        detail = {"note": note, **({"call": call_uniqueid} if call_uniqueid else {})}
        if reopen and c.state in ("resolved", "informed"):
            changed = await self.repo.change(c.id, c.version, ("resolved", "informed"), {"state": "investigating"},
                                             by, now, "reopened", {"from": c.state, "to": "investigating",
                                                                   "why": "callback_problem_stands", **detail})
            if changed is not None:
                await self.audit(by, "case.reopen", target(number), detail)
                await self._told(changed, "reopened")
                return changed, "reopened"
            c = await self.load(number)  # it moved on meanwhile: a new case instead
        d = await self.repo.detail(c.id)
        calls = [x.call_uniqueid for x in d.calls] if d is not None else []
        if call_uniqueid and call_uniqueid not in calls:
            calls.append(call_uniqueid)
        values = {k: getattr(c, k) for k in _COPIED} | {"state": "accepted", "parent_case_id": c.id}
        original = {"number": c.number, "record": record_of(c)}
        new = await self.repo.create(values, calls, by, now, self.centre_day(now),
                                     {"type": c.type, "calls": calls, "raised_from": c.number,
                                      "why": "callback_problem_stands", "original": original, **detail})
        await self.repo.add_event(c.id, by, now, "callback_problem_stands", {"new_case": new.number, **detail})
        await self.audit(by, "case.callback_problem_stands", target(number), {"new_case": new.number})
        await self._told(new, "created")
        return new, "new_case"

    async def link_call(self, actor: Actor, number: str, uniqueid: str) -> Case:
        c, rel = await self.seen(actor, number)
        if not self.access.may(rel, "link_call"):
            raise MAY_NOT(action="link_call", number=number)
        if not rel.lead and not await self.access.may_use_call(actor, uniqueid):
            raise CALL_NOT_YOURS(call_uniqueid=uniqueid)
        if not await self.repo.link_call(c.id, uniqueid, actor.username, self.clock.now()):
            raise CALL_ALREADY_LINKED(call_uniqueid=uniqueid, number=number)
        await self.audit(actor.username, "case.link_call", target(number), {"call": uniqueid})
        await self._told(c, "call_linked")
        return c
