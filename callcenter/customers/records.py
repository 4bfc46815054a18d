"""Customer records: create, read, change and delete a customer and their numbers, search, a customer's history,
and the screen pop's customer part. Who may do which is :mod:`callcenter.customers.access`'s rule; every change
is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callcenter.calls.models import Call
from callcenter.clock import Clock
from callcenter.customers.access import (
    ADMIN,
    ALL_ROLES,
    READ_ANY,
    WRITERS,
    Actor,
    Audit,
    CustomerAccess,
    require,
    target,
)
from callcenter.customers.checks import (
    MAX_NUMBERS,
    MAX_TEXT,
    check_bool,
    check_number,
    check_numbers,
    check_tags,
    check_text,
    iso,
    need,
    number_prefix,
)
from callcenter.customers.errors import (
    BAD_LIMIT,
    BAD_OFFSET,
    CUSTOMER_NOT_FOUND,
    CUSTOMER_NUMBERS_FULL,
    NAME_EMPTY,
    NOTHING_TO_CHANGE,
    NUMBER_NOT_FOUND,
    UNKNOWN_CUSTOMER_FIELD,
    UNKNOWN_SORT,
)
from callcenter.customers.models import ServiceRecord
from callcenter.customers.repository import CustomerFull, CustomerRepository, normalise_number
from callcenter.customers.schemas import CallBrief, CustomerOut, PopOut, ServiceRecordOut

SORTS = ("name", "created_at", "updated_at")


@dataclass
class SearchResult:
    items: list[CustomerFull]
    total: int
    full: bool  # False: an agent's results (no notes, no address)


@dataclass
class History:
    customer_id: int
    recent_calls: list[Call]
    service_records: list[ServiceRecord]
    open_follow_ups: list[ServiceRecord]


class CustomerRecords:
    def __init__(self, repo: CustomerRepository, clock: Clock, audit: Audit, access: CustomerAccess) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit
        self.access = access

    @staticmethod
    def _fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in data.items():
            if k == "name":
                out[k] = check_text("name", v, 200, required=True)
            elif k == "company":
                out[k] = check_text(k, v, 200)
            elif k == "address":
                out[k] = check_text(k, v, 500)
            elif k == "notes":
                out[k] = check_text(k, v, MAX_TEXT, strip=False)
            elif k == "vip":
                out[k] = check_bool(k, v)
            elif k == "tags":
                out[k] = check_tags(v)
            else:
                raise UNKNOWN_CUSTOMER_FIELD(field=k)
        if creating and "name" not in out:
            raise NAME_EMPTY(field="name")
        return out

    async def create(self, actor: Actor, *, name: str, company: str = "", address: str = "", vip: bool = False,
                     notes: str = "", tags: list[str] | None = None, numbers: list[str] | None = None
                     ) -> CustomerFull:
        require(actor, WRITERS, "creating a customer")
        values = self._fields({"name": name, "company": company, "address": address, "vip": vip, "notes": notes,
                               "tags": [] if tags is None else tags}, creating=True)
        nums = check_numbers([] if numbers is None else numbers)
        full = await self.repo.insert({**values, "created_at": self.clock.now(), "updated_at": None}, nums)
        await self.audit(actor.username, "customer.create", target(full.customer.id), {"numbers": nums})
        return full

    async def get(self, actor: Actor, customer_id: int, why: str = "view") -> CustomerFull:
        return await self.access.open(actor, customer_id, why)

    async def update(self, actor: Actor, customer_id: int, changes: dict[str, Any]) -> CustomerFull:
        """Partial update; ``numbers`` (when given) replaces all of the customer's numbers."""
        changes = dict(changes)
        numbers = check_numbers(changes.pop("numbers")) if "numbers" in changes else None
        values = self._fields(changes, creating=False)
        if not values and numbers is None:
            raise NOTHING_TO_CHANGE(field="body")
        await self.access.editable(actor, customer_id)
        values["updated_at"] = self.clock.now()
        full = await self.repo.update(customer_id, values, numbers)
        if full is None:
            raise CUSTOMER_NOT_FOUND(customer_id=customer_id)
        fields = sorted([k for k in values if k != "updated_at"] + (["numbers"] if numbers is not None else []))
        await self.audit(actor.username, "customer.edit", target(customer_id), {"fields": fields})
        return full

    async def delete(self, actor: Actor, customer_id: int) -> int:
        """Admins only. The customer's service records stay (no longer linked); the audit entry keeps a copy
        of the deleted record. Returns how many service records were kept."""
        require(actor, ADMIN, "deleting a customer")
        full = await self.access.load(customer_id)
        c = full.customer
        kept = await self.repo.delete(customer_id)
        await self.audit(actor.username, "customer.delete", target(customer_id), {
            "record": {"name": c.name, "company": c.company, "address": c.address, "vip": c.vip, "notes": c.notes,
                       "tags": list(c.tags or []), "numbers": full.numbers, "created_at": iso(c.created_at)},
            "service_records_kept": kept,
        })
        return kept

    async def add_number(self, actor: Actor, customer_id: int, number: str) -> CustomerFull:
        n = check_number(number, "number")
        full = await self.access.editable(actor, customer_id)
        if n not in full.numbers:
            need(len(full.numbers) < MAX_NUMBERS, CUSTOMER_NUMBERS_FULL, "number", max_numbers=MAX_NUMBERS)
            await self.repo.add_number(customer_id, n, self.clock.now())
            await self.audit(actor.username, "customer.edit", target(customer_id),
                             {"fields": ["numbers"], "added": n})
        return await self.access.load(customer_id)

    async def remove_number(self, actor: Actor, customer_id: int, number: str) -> CustomerFull:
        n = check_number(number, "number")
        full = await self.access.editable(actor, customer_id)
        if n not in full.numbers:
            raise NUMBER_NOT_FOUND(customer_id=customer_id, number=n)
        await self.repo.remove_number(customer_id, n, self.clock.now())
        await self.audit(actor.username, "customer.edit", target(customer_id), {"fields": ["numbers"], "removed": n})
        return await self.access.load(customer_id)

    async def search(self, actor: Actor, *, q: str | None = None, number: str | None = None,
                     vip: bool | None = None, tag: str | None = None, sort: str = "name", limit: int = 50,
                     offset: int = 0) -> SearchResult:
        require(actor, ALL_ROLES, "searching customers")
        text = check_text("q", q, 200) if q is not None else ""
        prefix = number_prefix(number) if number is not None and number.strip() else None
        if vip is not None:
            check_bool("vip", vip)
        tag_ = check_tags([tag])[0] if tag is not None and tag.strip() else None
        need(isinstance(sort, str) and sort.lstrip("-") in SORTS, UNKNOWN_SORT, "sort",
              sorts=', '.join(s for k in SORTS for s in (k, '-' + k)), sort=sort)
        need(isinstance(limit, int) and 1 <= limit <= 500, BAD_LIMIT, "limit")
        need(isinstance(offset, int) and offset >= 0, BAD_OFFSET, "offset")
        full = actor.has(READ_ANY)
        items, total = await self.repo.search(
            text=text or None, text_in_notes=full, number_prefix=prefix, vip=vip, tag=tag_,
            sort=sort.lstrip("-"), descending=sort.startswith("-"), limit=limit, offset=offset)
        query = {"q": text or None, "number": prefix, "vip": vip, "tag": tag_, "sort": sort, "limit": limit,
                 "offset": offset}
        await self.audit(actor.username, "customer.search", "",
                         {"query": query, "ids": [f.customer.id for f in items], "total": total})
        return SearchResult(items, total, full)

    async def history(self, actor: Actor, customer_id: int, why: str = "view") -> History:
        full = await self.access.open(actor, customer_id, why)
        calls, records, open_ = await self.repo.history(customer_id, full.numbers)
        return History(customer_id, calls, records, open_)

    async def pop_view(self, caller_number: str | None, username: str) -> dict[str, Any]:
        """The screen pop's customer part for a call offered to ``username`` (the caller of this method
        vouches that the call is that agent's): :meth:`pop_data`, and a found customer is audited as
        ``customer.view`` with why=pop."""
        data = await self.pop_data(caller_number)
        if data["customer"] is not None:
            await self.audit_pop(username, data["customer"]["id"])
        return data

    async def pop_data(self, caller_number: str | None) -> dict[str, Any]:
        """The customer with their numbers, last 5 calls, last 5 service records and open follow-ups; for an
        unknown number, the calls and the records taken for that number. Not audited: the screen pop fetches
        it while the caller waits in the queue and audits with :meth:`audit_pop` when an agent is shown it."""
        n = normalise_number(caller_number)
        if n is None:
            return PopOut(number=None, customer=None, recent_calls=[], service_records=[],
                          open_follow_ups=[]).model_dump(mode="json")
        data = await self.repo.pop(n)
        return PopOut(
            number=n, customer=CustomerOut.of(data.customer) if data.customer else None,
            recent_calls=[CallBrief.model_validate(c) for c in data.calls],
            service_records=[ServiceRecordOut.model_validate(r) for r in data.records],
            open_follow_ups=[ServiceRecordOut.model_validate(r) for r in data.open_follow_ups],
        ).model_dump(mode="json")

    async def audit_pop(self, username: str, customer_id: int) -> None:
        await self.audit(username, "customer.view", target(customer_id), {"why": "pop"})
