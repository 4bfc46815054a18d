"""The CRM's rules: validation, who may read or change which customer, the audit trail, CSV import/export.

Storage is ``CustomerRepository``. Customer files are confidential (the centre's rule: nobody reads a customer
file without permission), so:

- supervisors, QC and admins may read any customer; supervisors and admins may change any customer;
- an agent may open (read the whole record, its history) or change a customer only while handling a call
  from one of that customer's numbers (``handling``: username → normalised caller numbers of the calls the
  agent has ringing, on the line or in wrap-up); a refused attempt is audited as ``customer.view_denied`` /
  ``customer.edit_denied``;
- agents may search (results without notes and address), create customers and write service records for a
  call they handle (``handling_calls``) or answered (``answered_by``);
- only admins delete customers and import/export CSV.

Every view of a customer record is audited as ``customer.view`` with why = pop / search / edit / view.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.calls.models import Call
from callcenter.clock import Clock
from callcenter.customers.errors import (
    BAD_LIMIT,
    BAD_OFFSET,
    CUSTOMER_ID_NOT_NUMBER,
    CUSTOMER_NOT_FOUND,
    CUSTOMER_NUMBERS_FULL,
    DUE_NEEDS_FOLLOW_UP,
    EDIT_NOT_HANDLING,
    FOLLOW_UP_DONE,
    IMPORT_BAD_CREATED_AT,
    IMPORT_BAD_ID,
    IMPORT_BAD_VIP,
    IMPORT_DUPLICATE_COLUMNS,
    IMPORT_EMPTY,
    IMPORT_NAME_COLUMN,
    IMPORT_NO_ROWS,
    IMPORT_NOT_CSV,
    IMPORT_NOT_UTF8,
    IMPORT_ROWS_BAD,
    IMPORT_TOO_BIG,
    IMPORT_TOO_MANY_ROWS,
    IMPORT_UNKNOWN_COLUMNS,
    NAME_EMPTY,
    NEEDS_ROLE,
    NO_FOLLOW_UP,
    NO_SUCH_CUSTOMER,
    NOT_BOOL,
    NOT_DATETIME,
    NOTHING_TO_CHANGE,
    NUMBER_BAD_CHARACTERS,
    NUMBER_NEEDS_3_DIGITS,
    NUMBER_NOT_FOUND,
    NUMBER_TOO_MANY_DIGITS,
    NUMBERS_NOT_LIST,
    PHONE_BAD_CHARACTERS,
    PHONE_NOT_TEXT,
    PHONE_TOO_FEW_DIGITS,
    PHONE_TOO_MANY_DIGITS,
    RECORD_NEEDS_CALL,
    RECORD_NEEDS_TARGET,
    RECORD_NOT_AUTHOR,
    RECORD_NOT_FOUND,
    RECORD_NOT_HANDLING,
    RECORDS_NOT_HANDLING,
    TAG_BAD_CHARACTERS,
    TAG_EMPTY,
    TAG_NOT_TEXT,
    TAG_TOO_LONG,
    TAGS_NOT_LIST,
    TEXT_EMPTY,
    TEXT_NOT_TEXT,
    TEXT_TOO_LONG,
    TOO_MANY_NUMBERS,
    TOO_MANY_TAGS,
    UNKNOWN_CATEGORY,
    UNKNOWN_CUSTOMER_FIELD,
    UNKNOWN_RECORD_FIELD,
    UNKNOWN_SORT,
    UNKNOWN_WHY,
    VIEW_NOT_HANDLING,
)
from callcenter.customers.models import CATEGORIES, ServiceRecord
from callcenter.customers.repository import CustomerFull, CustomerRepository, normalise_number
from callcenter.customers.schemas import CallBrief, CustomerOut, PopOut, ServiceRecordOut
from callcenter.errors import InvalidInput, Refusal

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
HandlingNumbers = Callable[[str], Awaitable[set[str]]]
HandlingCalls = Callable[[str], Awaitable[set[str]]]
AnsweredBy = Callable[[str, str], Awaitable[bool]]

READ_ANY = frozenset({"supervisor", "qc", "admin"})
EDIT_ANY = frozenset({"supervisor", "admin"})
WRITERS = frozenset({"agent", "supervisor", "admin"})
ALL_ROLES = frozenset({"agent", "supervisor", "qc", "admin"})
WHY = ("pop", "search", "edit", "view")
SORTS = ("name", "created_at", "updated_at")

MAX_TEXT = 10_000
MAX_TAGS = 20
MAX_TAG_LEN = 50
MAX_NUMBERS = 20
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 50_000
MAX_LISTED_ROWS = 1000
CSV_COLUMNS = ("id", "name", "company", "address", "vip", "tags", "numbers", "notes", "created_at")

_NUMBER_CHARS = re.compile(r"[\d\s+\-().]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = {"true", "1", "yes", "y", "vip", "是"}
_FALSE = {"", "false", "0", "no", "n", "否"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

DENIED_VIEW = "an agent may only open the customer of the call they are handling"
DENIED_EDIT = "an agent may only change the customer of the call they are handling"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a logged-in user's name and roles."""

    username: str
    roles: frozenset[str]

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user.username, frozenset(user.roles))

    def has(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))


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


@dataclass
class ImportResult:
    created: int
    updated: int


async def _no_numbers(_: str) -> set[str]:
    return set()


async def _never(_: str, __: str) -> bool:
    return False


# validation ------------------------------------------------------------------------------------------------
def _need(cond: bool, refusal: Refusal, field: str, **values: Any) -> None:
    """Unless ``cond``: raise ``refusal`` naming ``field`` in the details (its message names the field too)."""
    if not cond:
        raise refusal(values, field=field)


def check_text(field: str, value: Any, max_len: int, *, required: bool = False, strip: bool = True) -> str:
    _need(isinstance(value, str), TEXT_NOT_TEXT, field)
    text = value.strip() if strip else value
    _need(not required or bool(text.strip()), TEXT_EMPTY, field)
    _need(len(text) <= max_len, TEXT_TOO_LONG, field, n_text=len(text), max_len=max_len)
    return str(text)


def check_bool(field: str, value: Any) -> bool:
    _need(isinstance(value, bool), NOT_BOOL, field)
    return bool(value)


def check_tags(value: Any) -> list[str]:
    _need(isinstance(value, list | tuple), TAGS_NOT_LIST, "tags")
    out: list[str] = []
    for t in value:
        _need(isinstance(t, str), TAG_NOT_TEXT, "tags", t=t)
        t = t.strip()
        _need(bool(t), TAG_EMPTY, "tags")
        _need(len(t) <= MAX_TAG_LEN, TAG_TOO_LONG, "tags", t=t[:20], max_tag_len=MAX_TAG_LEN)
        _need(";" not in t and not _CONTROL.search(t), TAG_BAD_CHARACTERS, "tags", t=t)
        if t not in out:
            out.append(t)
    _need(len(out) <= MAX_TAGS, TOO_MANY_TAGS, "tags", n_out=len(out), max_tags=MAX_TAGS)
    return out


def check_number(raw: Any, field: str = "numbers") -> str:
    _need(isinstance(raw, str), PHONE_NOT_TEXT, field, raw=raw)
    _need(bool(_NUMBER_CHARS.fullmatch(raw.strip())), PHONE_BAD_CHARACTERS, field, raw=raw)
    n = normalise_number(raw)
    _need(n is not None, PHONE_TOO_FEW_DIGITS, field, raw=raw)
    assert n is not None
    _need(len(n) <= 32, PHONE_TOO_MANY_DIGITS, field, raw=raw)
    return n


def check_numbers(value: Any) -> list[str]:
    _need(isinstance(value, list | tuple), NUMBERS_NOT_LIST, "numbers")
    out = list(dict.fromkeys(check_number(n) for n in value))
    _need(len(out) <= MAX_NUMBERS, TOO_MANY_NUMBERS, "numbers", n_out=len(out), max_numbers=MAX_NUMBERS)
    return out


def _number_prefix(raw: str) -> str:
    """The start of a normalised number, from what a user typed in the search box ('+86 138', '0755', '138')."""
    s = raw.strip()
    _need(bool(_NUMBER_CHARS.fullmatch(s)), NUMBER_BAD_CHARACTERS, "number", raw=raw)
    digits = "".join(ch for ch in s if ch.isdigit())
    if s.startswith("+86"):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    else:
        digits = normalise_number(digits) or digits
    digits = digits.lstrip("0")
    _need(len(digits) >= 3, NUMBER_NEEDS_3_DIGITS, "number", raw=raw)
    _need(len(digits) <= 32, NUMBER_TOO_MANY_DIGITS, "number", raw=raw)
    return digits


def _utc(field: str, value: Any) -> datetime | None:
    if value is None:
        return None
    _need(isinstance(value, datetime), NOT_DATETIME, field)
    at: datetime = value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # bare = UTC


def _why(why: str) -> str:
    _need(why in WHY, UNKNOWN_WHY, "why", why=', '.join(WHY), why2=why)
    return why


def _target(customer_id: int) -> str:
    return f"customer:{customer_id}"


def _cell(v: str) -> str:
    """Excel would run a cell that starts with = + - @ as a formula: such text is exported with a leading '."""
    return "'" + v if v.startswith(_FORMULA_START) else v


def _uncell(v: str) -> str:
    return v[1:] if v.startswith("'") and v[1:].startswith(_FORMULA_START) else v


def _iso(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


class CustomerService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *, audit: Audit,
                 handling: HandlingNumbers | None = None, handling_calls: HandlingCalls | None = None,
                 answered_by: AnsweredBy | None = None) -> None:
        self.repo = CustomerRepository(sessions, clock)
        self.clock = clock
        self.audit = audit
        self.handling: HandlingNumbers = _no_numbers
        self.handling_calls: HandlingCalls = _no_numbers
        self.answered_by: AnsweredBy = _never
        self.set_access(handling or _no_numbers, handling_calls or _no_numbers, answered_by or _never)

    def set_access(self, handling_numbers: HandlingNumbers, handling_calls: HandlingCalls,
                   answered_by: AnsweredBy) -> None:
        """Plug in what the ACD knows: username → normalised caller numbers of the calls the agent is handling
        (ringing, on the line, wrap-up); username → uniqueids of those calls; (username, uniqueid) → whether
        the agent answered that call."""
        self.handling = handling_numbers
        self.handling_calls = handling_calls
        self.answered_by = answered_by

    # access ----------------------------------------------------------------------------------------------
    @staticmethod
    def _require(actor: Actor, roles: frozenset[str], what: str) -> None:
        if not actor.has(roles):
            raise NEEDS_ROLE({"what": what, "roles": ' or '.join(sorted(roles))}, needed=sorted(roles),
                             has=sorted(actor.roles))

    async def _handles(self, actor: Actor, full: CustomerFull) -> bool:
        if "agent" not in actor.roles or not full.numbers:
            return False
        numbers = await self.handling(actor.username)
        wanted = set(numbers) | {n for n in map(normalise_number, numbers) if n}
        return any(n in wanted for n in full.numbers)

    async def _load(self, customer_id: int) -> CustomerFull:
        full = await self.repo.get(customer_id)
        if full is None:
            raise CUSTOMER_NOT_FOUND(customer_id=customer_id)
        return full

    async def _open(self, actor: Actor, customer_id: int, why: str) -> CustomerFull:
        """The customer, if ``actor`` may read it; the view (or the refusal) is audited."""
        _why(why)
        self._require(actor, ALL_ROLES, "reading a customer")
        full = await self._load(customer_id)
        if not actor.has(READ_ANY) and not await self._handles(actor, full):
            await self.audit(actor.username, "customer.view_denied", _target(customer_id), {"why": why})
            raise VIEW_NOT_HANDLING(customer_id=customer_id)
        await self.audit(actor.username, "customer.view", _target(customer_id), {"why": why})
        return full

    async def _editable(self, actor: Actor, customer_id: int) -> CustomerFull:
        self._require(actor, WRITERS, "changing a customer")
        full = await self._load(customer_id)
        if not actor.has(EDIT_ANY) and not await self._handles(actor, full):
            await self.audit(actor.username, "customer.edit_denied", _target(customer_id), None)
            raise EDIT_NOT_HANDLING(customer_id=customer_id)
        return full

    async def _may_use_call(self, actor: Actor, uniqueid: str) -> bool:
        if actor.has(EDIT_ANY):
            return True
        if "agent" not in actor.roles:
            return False
        return uniqueid in await self.handling_calls(actor.username) or await self.answered_by(actor.username,
                                                                                               uniqueid)

    # customers -------------------------------------------------------------------------------------------
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
        self._require(actor, WRITERS, "creating a customer")
        values = self._fields({"name": name, "company": company, "address": address, "vip": vip, "notes": notes,
                               "tags": [] if tags is None else tags}, creating=True)
        nums = check_numbers([] if numbers is None else numbers)
        full = await self.repo.insert({**values, "created_at": self.clock.now(), "updated_at": None}, nums)
        await self.audit(actor.username, "customer.create", _target(full.customer.id), {"numbers": nums})
        return full

    async def get(self, actor: Actor, customer_id: int, why: str = "view") -> CustomerFull:
        return await self._open(actor, customer_id, why)

    async def update(self, actor: Actor, customer_id: int, changes: dict[str, Any]) -> CustomerFull:
        """Partial update; ``numbers`` (when given) replaces all of the customer's numbers."""
        changes = dict(changes)
        numbers = check_numbers(changes.pop("numbers")) if "numbers" in changes else None
        values = self._fields(changes, creating=False)
        if not values and numbers is None:
            raise NOTHING_TO_CHANGE(field="body")
        await self._editable(actor, customer_id)
        values["updated_at"] = self.clock.now()
        full = await self.repo.update(customer_id, values, numbers)
        if full is None:
            raise CUSTOMER_NOT_FOUND(customer_id=customer_id)
        fields = sorted([k for k in values if k != "updated_at"] + (["numbers"] if numbers is not None else []))
        await self.audit(actor.username, "customer.edit", _target(customer_id), {"fields": fields})
        return full

    async def delete(self, actor: Actor, customer_id: int) -> int:
        """Admins only. The customer's service records stay (no longer linked); the audit entry keeps a copy
        of the deleted record. Returns how many service records were kept."""
        self._require(actor, frozenset({"admin"}), "deleting a customer")
        full = await self._load(customer_id)
        c = full.customer
        kept = await self.repo.delete(customer_id)
        await self.audit(actor.username, "customer.delete", _target(customer_id), {
            "record": {"name": c.name, "company": c.company, "address": c.address, "vip": c.vip, "notes": c.notes,
                       "tags": list(c.tags or []), "numbers": full.numbers, "created_at": _iso(c.created_at)},
            "service_records_kept": kept,
        })
        return kept

    async def add_number(self, actor: Actor, customer_id: int, number: str) -> CustomerFull:
        n = check_number(number, "number")
        full = await self._editable(actor, customer_id)
        if n not in full.numbers:
            _need(len(full.numbers) < MAX_NUMBERS, CUSTOMER_NUMBERS_FULL, "number", max_numbers=MAX_NUMBERS)
            await self.repo.add_number(customer_id, n, self.clock.now())
            await self.audit(actor.username, "customer.edit", _target(customer_id),
                             {"fields": ["numbers"], "added": n})
        return await self._load(customer_id)

    async def remove_number(self, actor: Actor, customer_id: int, number: str) -> CustomerFull:
        n = check_number(number, "number")
        full = await self._editable(actor, customer_id)
        if n not in full.numbers:
            raise NUMBER_NOT_FOUND(customer_id=customer_id, number=n)
        await self.repo.remove_number(customer_id, n, self.clock.now())
        await self.audit(actor.username, "customer.edit", _target(customer_id), {"fields": ["numbers"], "removed": n})
        return await self._load(customer_id)

    async def search(self, actor: Actor, *, q: str | None = None, number: str | None = None,
                     vip: bool | None = None, tag: str | None = None, sort: str = "name", limit: int = 50,
                     offset: int = 0) -> SearchResult:
        self._require(actor, ALL_ROLES, "searching customers")
        text = check_text("q", q, 200) if q is not None else ""
        prefix = _number_prefix(number) if number is not None and number.strip() else None
        if vip is not None:
            check_bool("vip", vip)
        tag_ = check_tags([tag])[0] if tag is not None and tag.strip() else None
        _need(isinstance(sort, str) and sort.lstrip("-") in SORTS, UNKNOWN_SORT, "sort",
              sorts=', '.join(s for k in SORTS for s in (k, '-' + k)), sort=sort)
        _need(isinstance(limit, int) and 1 <= limit <= 500, BAD_LIMIT, "limit")
        _need(isinstance(offset, int) and offset >= 0, BAD_OFFSET, "offset")
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
        full = await self._open(actor, customer_id, why)
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
        await self.audit(username, "customer.view", _target(customer_id), {"why": "pop"})

    # service records -------------------------------------------------------------------------------------
    @staticmethod
    def _record_fields(data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in data.items():
            if k == "category":
                _need(v in CATEGORIES, UNKNOWN_CATEGORY, k, categories=', '.join(CATEGORIES), v=v)
                out[k] = v
            elif k == "text":
                out[k] = check_text(k, v, MAX_TEXT, required=True, strip=False)
            elif k == "outcome":
                out[k] = check_text(k, v, 200)
            elif k == "follow_up_needed":
                out[k] = check_bool(k, v)
            elif k == "follow_up_due":
                out[k] = _utc(k, v)
            elif k == "customer_id":
                _need(v is None or (isinstance(v, int) and not isinstance(v, bool)), CUSTOMER_ID_NOT_NUMBER, k)
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
        self._require(actor, WRITERS, "writing a service record")
        values = self._record_fields({"category": category, "text": text, "outcome": outcome,
                                      "follow_up_needed": follow_up_needed, "follow_up_due": follow_up_due,
                                      "customer_id": customer_id})
        _need(values["follow_up_due"] is None or values["follow_up_needed"], DUE_NEEDS_FOLLOW_UP, "follow_up_due")
        uid = check_text("call_uniqueid", call_uniqueid, 64, required=True) if call_uniqueid is not None else None
        number = check_number(caller_number, "caller_number") if caller_number else None
        if uid is None:
            _need(actor.has(EDIT_ANY), RECORD_NEEDS_CALL, "call_uniqueid")
            _need(customer_id is not None or number is not None, RECORD_NEEDS_TARGET, "call_uniqueid")
        elif not await self._may_use_call(actor, uid):
            raise RECORD_NOT_HANDLING(call_uniqueid=uid)
        if uid is not None and number is None:
            _, raw = await self.repo.call_caller_number(uid)
            number = normalise_number(raw)
        await self._check_customer(values["customer_id"])
        if values["customer_id"] is None and number is not None:
            values["customer_id"] = await self.repo.customer_for_number(number)
        now = self.clock.now()
        r = await self.repo.add_record({**values, "call_uniqueid": uid, "caller_number": number,
                                        "agent_username": actor.username, "created_at": now, "updated_at": None})
        await self.audit(actor.username, "service_record.create", f"service_record:{r.id}",
                         {"customer_id": r.customer_id, "call": uid})
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
        _need(due is None or needed, DUE_NEEDS_FOLLOW_UP, "follow_up_due")
        values["updated_at"] = self.clock.now()
        updated = await self.repo.update_record(record_id, values)
        assert updated is not None
        await self.audit(actor.username, "service_record.edit", f"service_record:{record_id}",
                         {"fields": sorted(k for k in values if k != "updated_at")})
        return updated

    async def follow_up_done(self, actor: Actor, record_id: int) -> ServiceRecord:
        r = await self._own_record(actor, record_id, "close the follow-up of")
        if not r.follow_up_needed:
            raise NO_FOLLOW_UP(record_id=record_id)
        if r.follow_up_done_at is not None:
            raise FOLLOW_UP_DONE({"follow_up_done_at": _iso(r.follow_up_done_at)}, record_id=record_id)
        now = self.clock.now()
        updated = await self.repo.update_record(record_id, {"follow_up_done_at": now, "updated_at": now})
        assert updated is not None
        await self.audit(actor.username, "service_record.follow_up_done", f"service_record:{record_id}", None)
        return updated

    async def list_records(self, actor: Actor, *, customer_id: int | None = None, call: str | None = None,
                           follow_up_open: bool | None = None, limit: int = 100, offset: int = 0
                           ) -> tuple[list[ServiceRecord], int]:
        """Supervisors, QC and admins: any. An agent: a customer they may open, a call they handle or
        answered, or else only their own records."""
        self._require(actor, ALL_ROLES, "reading service records")
        _need(isinstance(limit, int) and 1 <= limit <= 500, BAD_LIMIT, "limit")
        _need(isinstance(offset, int) and offset >= 0, BAD_OFFSET, "offset")
        agent: str | None = None
        if customer_id is not None:
            await self._open(actor, customer_id, "view")
        if call is not None and not actor.has(READ_ANY) and not await self._may_use_call(actor, call):
            raise RECORDS_NOT_HANDLING(call_uniqueid=call)
        if customer_id is None and call is None and not actor.has(READ_ANY):
            agent = actor.username
        return await self.repo.records(customer_id=customer_id, call=call, follow_up_open=follow_up_open,
                                       agent=agent, limit=limit, offset=offset)

    # CSV -------------------------------------------------------------------------------------------------
    async def export_csv(self, actor: Actor) -> bytes:
        """Every customer as CSV, UTF-8 with a BOM (Excel then reads Chinese correctly)."""
        self._require(actor, frozenset({"admin"}), "exporting customers")
        rows = await self.repo.all_customers()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(CSV_COLUMNS)
        for f in rows:
            c = f.customer
            w.writerow([c.id, _cell(c.name), _cell(c.company), _cell(c.address), "true" if c.vip else "false",
                        _cell(";".join(c.tags or [])), ";".join(f.numbers), _cell(c.notes), _iso(c.created_at)])
        await self.audit(actor.username, "customer.export", "customers", {"count": len(rows)})
        return buf.getvalue().encode("utf-8-sig")

    @staticmethod
    def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
        if len(data) > MAX_CSV_BYTES:
            raise IMPORT_TOO_BIG({"value": len(data) / 1024 / 1024}, field="file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise IMPORT_NOT_UTF8(field="file", byte=e.start) from e
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        try:
            for n, cells in enumerate(reader, start=1):
                if header is None:
                    header = [h.strip().lower() for h in cells]
                    continue
                if not any(c.strip() for c in cells):
                    continue
                if len(rows) >= MAX_CSV_ROWS:
                    raise IMPORT_TOO_MANY_ROWS({"max_csv_rows": MAX_CSV_ROWS}, field="file")
                rows.append((n, cells))
        except csv.Error as e:
            raise IMPORT_NOT_CSV({"line_num": reader.line_num, "e": e}, field="file") from e
        if not header or not any(header):
            raise IMPORT_EMPTY({"columns": ",".join(CSV_COLUMNS)}, field="file")
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise IMPORT_UNKNOWN_COLUMNS({"unknown": ', '.join(map(repr, unknown)), "columns": ",".join(CSV_COLUMNS)},
                                         field="file")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise IMPORT_DUPLICATE_COLUMNS({"dupes": ', '.join(dupes)}, field="file")
        if "name" not in header:
            raise IMPORT_NAME_COLUMN(field="file")
        if not rows:
            raise IMPORT_NO_ROWS(field="file")
        return header, rows

    @staticmethod
    def _parse_row(header: list[str], cells: list[str]) -> tuple[dict[str, Any], list[str]]:
        problems: list[str] = []
        if len(cells) != len(header):
            return {}, [f"{len(cells)} cells; the header has {len(header)} columns"]
        raw = {h: _uncell(c) for h, c in zip(header, cells, strict=True)}
        out: dict[str, Any] = {}

        def attempt(key: str, fn: Callable[[str], Any]) -> None:
            if key in raw:
                try:
                    out[key] = fn(raw[key])
                except InvalidInput as e:
                    problems.append(e.message)

        def parse_id(v: str) -> int | None:
            v = v.strip()
            if not v:
                return None
            _need(v.isdigit() and 0 < int(v) < 2**31, IMPORT_BAD_ID, "id", v=v)
            return int(v)

        def parse_vip(v: str) -> bool:
            v = v.strip().lower()
            _need(v in _TRUE | _FALSE, IMPORT_BAD_VIP, "vip", v=v)
            return v in _TRUE

        def parse_created(v: str) -> datetime | None:
            v = v.strip()
            if not v:
                return None
            try:
                dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                raise IMPORT_BAD_CREATED_AT({"v": v}, field="created_at") from None
            return _utc("created_at", dt)

        attempt("id", parse_id)
        attempt("name", lambda v: check_text("name", v, 200, required=True))
        attempt("company", lambda v: check_text("company", v, 200))
        attempt("address", lambda v: check_text("address", v, 500))
        attempt("vip", parse_vip)
        attempt("tags", lambda v: check_tags([t for t in v.split(";") if t.strip()]))
        attempt("numbers", lambda v: check_numbers([t for t in v.split(";") if t.strip()]))
        attempt("notes", lambda v: check_text("notes", v, MAX_TEXT, strip=False))
        attempt("created_at", parse_created)
        return out, problems

    async def import_csv(self, actor: Actor, data: bytes, filename: str = "") -> ImportResult:
        """Admins only. Columns as exported (any subset with 'name'); a row with an id updates that customer
        (only the columns present; 'numbers' replaces its numbers), a row without creates one. Every row is
        checked first: if any has a problem, nothing is stored and every problem row is listed."""
        self._require(actor, frozenset({"admin"}), "importing customers")
        header, rows = self._read_csv(data)
        parsed: list[tuple[int, dict[str, Any]]] = []
        problems: dict[int, list[str]] = {}
        for n, cells in rows:
            values, bad = self._parse_row(header, cells)
            parsed.append((n, values))
            if bad:
                problems[n] = bad

        def problem(row: int, text: str) -> None:
            problems.setdefault(row, []).append(text)

        ids = {v["id"] for _, v in parsed if v.get("id") is not None}
        existing = await self.repo.existing_ids(ids)
        seen_ids: dict[int, int] = {}
        for n, v in parsed:
            cid = v.get("id")
            if cid is None:
                continue
            if cid not in existing:
                problem(n, f"no customer with id {cid} (leave id empty to create a new customer)")
            elif cid in seen_ids:
                problem(n, f"id {cid} is also on row {seen_ids[cid]}")
            else:
                seen_ids[cid] = n
        replaced = {v["id"] for _, v in parsed if v.get("id") in existing and "numbers" in v}
        owners = await self.repo.owners(num for _, v in parsed for num in v.get("numbers", []))
        claims: dict[str, list[tuple[int, int | None]]] = {}  # number → [(row, customer id of the row)]
        for n, v in parsed:
            for num in v.get("numbers", []):
                claims.setdefault(num, []).append((n, v.get("id")))
        for num, rows_ in claims.items():
            owner = owners.get(num)
            if owner is not None and (owner not in replaced or any(cid == owner for _, cid in rows_)):
                # the number stays its owner's: every other row claiming it conflicts
                for n, cid in rows_:
                    if cid != owner:
                        problem(n, f"conflict: number {num} belongs to customer {owner}")
            else:
                for n, _ in rows_[1:]:
                    problem(n, f"conflict: number {num} is also on row {rows_[0][0]}")
        if problems:
            listed = [{"row": n, "problems": problems[n]} for n in sorted(problems)][:MAX_LISTED_ROWS]
            summary = "; ".join(f"row {n}: {', '.join(problems[n])}" for n in sorted(problems)[:5])
            raise IMPORT_ROWS_BAD({"n_problems": len(problems), "summary": summary,
                                  "more": " …" if len(problems) > 5 else ""}, field="file", rows=listed,
                                  bad_rows=len(problems))
        now = self.clock.now()
        creates: list[tuple[dict[str, Any], list[str]]] = []
        updates: list[tuple[int, dict[str, Any], list[str] | None]] = []
        for _, v in parsed:
            fields: dict[str, Any] = {k: v[k] for k in ("name", "company", "address", "vip", "tags", "notes")
                                      if k in v}
            if v.get("id") is not None:
                updates.append((v["id"], {**fields, "updated_at": now}, v.get("numbers")))
            else:
                creates.append(({**fields, "created_at": v.get("created_at") or now, "updated_at": None},
                                v.get("numbers", [])))
        await self.repo.bulk_write(creates, updates)
        await self.audit(actor.username, "customer.import", "customers",
                         {"filename": filename, "created": len(creates), "updated": len(updates)})
        return ImportResult(len(creates), len(updates))
