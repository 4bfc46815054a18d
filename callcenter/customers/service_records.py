"""Service records: what an agent wrote about a call (category, text, outcome, a follow-up), for the call's
customer. An agent writes them for a call they handle or answered and changes only their own; supervisors and
admins any. Every write is audited.

A follow-up is a call-back (issue 15, "2. The call-back desk"): it is due at most ``follow_up_hours`` (72, the
call-back desk's ``due_hours``) after it was asked for — by default exactly then; a later due time is refused,
naming the latest. The call-back desk hears of every record whose follow-up is asked, moved, withdrawn or done
(:meth:`ServiceRecords.on_follow_up`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from callcenter.clock import Clock
from callcenter.customers.access import (
    ALL_ROLES,
    EDIT_ANY,
    READ_ANY,
    WRITERS,
    Actor,
    Audit,
    CustomerAccess,
    require,
)
from callcenter.customers.checks import MAX_TEXT, check_bool, check_number, check_text, iso, need, utc
from callcenter.customers.errors import (
    BAD_LIMIT,
    BAD_OFFSET,
    CUSTOMER_ID_NOT_NUMBER,
    DUE_NEEDS_FOLLOW_UP,
    FOLLOW_UP_DONE,
    FOLLOW_UP_TOO_LATE,
    NO_FOLLOW_UP,
    NO_SUCH_CUSTOMER,
    NOTHING_TO_CHANGE,
    RECORD_NEEDS_CALL,
    RECORD_NEEDS_TARGET,
    RECORD_NOT_AUTHOR,
    RECORD_NOT_FOUND,
    RECORD_NOT_HANDLING,
    RECORDS_NOT_HANDLING,
    UNKNOWN_CATEGORY,
    UNKNOWN_RECORD_FIELD,
)
from callcenter.customers.models import CATEGORIES, ServiceRecord
from callcenter.customers.repository import CustomerRepository, normalise_number

log = logging.getLogger(__name__)
FollowUpListener = Callable[[ServiceRecord], Awaitable[None]]


class ServiceRecords:
    def __init__(self, repo: CustomerRepository, clock: Clock, audit: Audit, access: CustomerAccess,
                 follow_up_hours: float = 72.0) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit
        self.access = access
        self.follow_up_hours = follow_up_hours
        self._follow_up_listeners: list[FollowUpListener] = []

    def on_follow_up(self, listener: FollowUpListener) -> None:
        """``listener(record)`` after a record's follow-up was asked for, moved, withdrawn or marked done."""
        self._follow_up_listeners.append(listener)

    async def _told(self, r: ServiceRecord) -> None:
        for listener in self._follow_up_listeners:
            try:
                await listener(r)
            except Exception:
                log.exception("service record %d: telling its follow-up failed", r.id)

    def _due(self, asked_at: datetime, due: datetime | None) -> datetime:
        """The follow-up's due time: ``due`` if given (at most ``follow_up_hours`` after ``asked_at``), else then."""
        latest = asked_at + timedelta(hours=self.follow_up_hours)
        if due is None:
            return latest
        if due > latest:
            raise FOLLOW_UP_TOO_LATE({"latest": iso(latest), "hours": f"{self.follow_up_hours:g}"},
                                     field="follow_up_due")
        return due

    @staticmethod
    def _record_fields(data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in data.items():
            if k == "category":
                need(v in CATEGORIES, UNKNOWN_CATEGORY, k, categories=', '.join(CATEGORIES), v=v)
                out[k] = v
            elif k == "text":
                out[k] = check_text(k, v, MAX_TEXT, required=True, strip=False)
            elif k == "outcome":
                out[k] = check_text(k, v, 200)
            elif k == "follow_up_needed":
                out[k] = check_bool(k, v)
            elif k == "follow_up_due":
                out[k] = utc(k, v)
            elif k == "customer_id":
                need(v is None or (isinstance(v, int) and not isinstance(v, bool)), CUSTOMER_ID_NOT_NUMBER, k)
                out[k] = v
            else:
                raise UNKNOWN_RECORD_FIELD(field=k)
        return out

    async def _check_customer(self, customer_id: int | None) -> None:
        if customer_id is not None and await self.repo.get(customer_id) is None:
            raise NO_SUCH_CUSTOMER(field="customer_id", customer_id=customer_id)

    async def create_record(self, actor: Actor, *, category: str, text: str, call_uniqueid: str | None = None,
                            customer_id: int | None = None, caller_number: str | None = None, outcome: str = "",
                            follow_up_needed: bool = False, follow_up_due: datetime | None = None
                            ) -> ServiceRecord:
        """The record's author is ``actor``. An agent must name a call they are handling or answered; the
        caller number is taken from the call when not given, and the customer from the number."""
        require(actor, WRITERS, "writing a service record")
        values = self._record_fields({"category": category, "text": text, "outcome": outcome,
                                      "follow_up_needed": follow_up_needed, "follow_up_due": follow_up_due,
                                      "customer_id": customer_id})
        need(values["follow_up_due"] is None or values["follow_up_needed"], DUE_NEEDS_FOLLOW_UP, "follow_up_due")
        uid = check_text("call_uniqueid", call_uniqueid, 64, required=True) if call_uniqueid is not None else None
        number = check_number(caller_number, "caller_number") if caller_number else None
        if uid is None:
            need(actor.has(EDIT_ANY), RECORD_NEEDS_CALL, "call_uniqueid")
            need(customer_id is not None or number is not None, RECORD_NEEDS_TARGET, "call_uniqueid")
        elif not await self.access.may_use_call(actor, uid):
            raise RECORD_NOT_HANDLING(call_uniqueid=uid)
        if uid is not None and number is None:
            _, raw = await self.repo.call_caller_number(uid)
            number = normalise_number(raw)
        await self._check_customer(values["customer_id"])
        if values["customer_id"] is None and number is not None:
            values["customer_id"] = await self.repo.customer_for_number(number)
        now = self.clock.now()
        if values["follow_up_needed"]:
            values["follow_up_due"] = self._due(now, values["follow_up_due"])
        r = await self.repo.add_record({**values, "call_uniqueid": uid, "caller_number": number,
                                        "agent_username": actor.username, "created_at": now, "updated_at": None})
        await self.audit(actor.username, "service_record.create", f"service_record:{r.id}",
                         {"customer_id": r.customer_id, "call": uid})
        if r.follow_up_needed:
            await self._told(r)
        return r

    async def _own_record(self, actor: Actor, record_id: int, what: str) -> ServiceRecord:
        r = await self.repo.get_record(record_id)
        if r is None:
            raise RECORD_NOT_FOUND(record_id=record_id)
        if r.agent_username != actor.username and not actor.has(EDIT_ANY):
            raise RECORD_NOT_AUTHOR({"agent_username": r.agent_username, "what": what}, record_id=record_id)
        return r

    async def update_record(self, actor: Actor, record_id: int, changes: dict[str, Any]) -> ServiceRecord:
        values = self._record_fields(changes)
        if not values:
            raise NOTHING_TO_CHANGE(field="body")
        r = await self._own_record(actor, record_id, "change")
        if "customer_id" in values:
            await self._check_customer(values["customer_id"])
        if values.get("follow_up_needed") is False and "follow_up_due" not in values:
            values["follow_up_due"] = None
        needed = values.get("follow_up_needed", r.follow_up_needed)
        due = values.get("follow_up_due", r.follow_up_due)
        need(due is None or needed, DUE_NEEDS_FOLLOW_UP, "follow_up_due")
        now = self.clock.now()
        if needed and ("follow_up_due" in values or not r.follow_up_needed):
            # asked for now (or earlier, when it already was): due at most follow_up_hours after that
            values["follow_up_due"] = self._due(r.created_at if r.follow_up_needed else now, due)
        values["updated_at"] = now
        updated = await self.repo.update_record(record_id, values)
        assert updated is not None
        await self.audit(actor.username, "service_record.edit", f"service_record:{record_id}",
                         {"fields": sorted(k for k in values if k != "updated_at")})
        if needed != r.follow_up_needed or updated.follow_up_due != r.follow_up_due:
            await self._told(updated)
        return updated

    async def follow_up_called_back(self, record_id: int, at: datetime, by: str) -> None:
        """The call-back desk closed the record's call-back: its follow-up is done (unless it already was)."""
        r = await self.repo.get_record(record_id)
        if r is None or not r.follow_up_needed or r.follow_up_done_at is not None:
            return
        await self.repo.update_record(record_id, {"follow_up_done_at": at, "updated_at": at})
        await self.audit(by, "service_record.follow_up_done", f"service_record:{record_id}", {"by": "callback"})

    async def follow_up_done(self, actor: Actor, record_id: int) -> ServiceRecord:
        r = await self._own_record(actor, record_id, "close the follow-up of")
        if not r.follow_up_needed:
            raise NO_FOLLOW_UP(record_id=record_id)
        if r.follow_up_done_at is not None:
            raise FOLLOW_UP_DONE({"follow_up_done_at": iso(r.follow_up_done_at)}, record_id=record_id)
        now = self.clock.now()
        updated = await self.repo.update_record(record_id, {"follow_up_done_at": now, "updated_at": now})
        assert updated is not None
        await self.audit(actor.username, "service_record.follow_up_done", f"service_record:{record_id}", None)
        await self._told(updated)
        return updated

    async def list_records(self, actor: Actor, *, customer_id: int | None = None, call: str | None = None,
                           follow_up_open: bool | None = None, limit: int = 100, offset: int = 0
                           ) -> tuple[list[ServiceRecord], int]:
        """Supervisors, QC and admins: any. An agent: a customer they may open, a call they handle or
        answered, or else only their own records."""
        require(actor, ALL_ROLES, "reading service records")
        need(isinstance(limit, int) and 1 <= limit <= 500, BAD_LIMIT, "limit")
        need(isinstance(offset, int) and offset >= 0, BAD_OFFSET, "offset")
        agent: str | None = None
        if customer_id is not None:
            await self.access.open(actor, customer_id, "view")
        if call is not None and not actor.has(READ_ANY) and not await self.access.may_use_call(actor, call):
            raise RECORDS_NOT_HANDLING(call_uniqueid=call)
        if customer_id is None and call is None and not actor.has(READ_ANY):
            agent = actor.username
        return await self.repo.records(customer_id=customer_id, call=call, follow_up_open=follow_up_open,
                                       agent=agent, limit=limit, offset=offset)
