"""Customer and service-record storage; the caller-number lookup is one indexed query.

Rules (who may read or change what, validation, audit) live in ``service.py``; this module only stores and
fetches, and keeps the one integrity rule the tables enforce: a number belongs to at most one customer.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, delete, func, insert, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import SQLCoreOperations

from callcenter.calls.models import Call
from callcenter.clock import Clock
from callcenter.customers.errors import (
    CUSTOMER_NAME_EMPTY,
    IMPORT_NUMBERS_CHANGED,
    NUMBER_TAKEN,
    NUMBER_TOO_FEW_DIGITS,
    NUMBERS_TAKEN,
)
from callcenter.customers.models import Customer, CustomerPhone, ServiceRecord
from callcenter.db import rows_affected

_DIGITS = re.compile(r"\d+")
_CHUNK = 500  # IN (...) lists are sent in chunks of this size
_MAX_OPEN = 50  # open follow-ups shown in a history / screen pop
_NEW_DEFAULTS: dict[str, Any] = {"company": "", "address": "", "vip": False, "notes": "", "tags": [],
                                 "updated_at": None}


def normalise_number(raw: str | None) -> str | None:
    """Digits only, China's country code and trunk prefix removed: '+86 138-0013-8000', '008613800138000'
    and '13800138000' are the same number; a landline '010 1234 5678' becomes '1012345678'. None if fewer
    than 3 digits (anonymous, 'unknown')."""
    if not raw:
        return None
    digits = "".join(_DIGITS.findall(raw))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            digits = digits[len(prefix):]
            break
    digits = digits.lstrip("0")
    return digits if len(digits) >= 3 else None


_VARIANT_PREFIXES = ("", "0", "00", "+", "+0", "86", "+86", "0086", "860", "+860", "00860")


def raw_variants(numbers: Iterable[str]) -> list[str]:
    """The raw caller-ID forms Asterisk may have stored for these normalised numbers ('13800138000',
    '+8613800138000', '008613800138000', '013800138000'...): ``calls.caller_number`` is stored as received,
    so calls are matched with ``caller_number IN (variants)``. Only forms that normalise back to the number."""
    out: set[str] = set()
    for n in numbers:
        for p in _VARIANT_PREFIXES:
            if normalise_number(p + n) == n:
                out.add(p + n)
    return sorted(out)


def like_escape(text: str) -> str:
    """``text`` for a LIKE pattern with ESCAPE '!'."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


@dataclass(frozen=True)
class CustomerMatch:
    customer_id: int
    name: str
    vip: bool


@dataclass
class CustomerFull:
    """A customer row with its (normalised) numbers."""

    customer: Customer
    numbers: list[str] = field(default_factory=list)


@dataclass
class PopData:
    number: str
    customer: CustomerFull | None
    calls: list[Call]
    records: list[ServiceRecord]
    open_follow_ups: list[ServiceRecord]


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


class CustomerRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    # the IVR's original API (kept as it was) ------------------------------------------------------------
    async def create(self, name: str, numbers: list[str], vip: bool = False, company: str = "") -> Customer:
        name = name.strip()
        if not name:
            raise CUSTOMER_NAME_EMPTY(field="name")
        normalised = []
        for n in numbers:
            nn = normalise_number(n)
            if nn is None:
                raise NUMBER_TOO_FEW_DIGITS({"n": n}, field="numbers")
            normalised.append(nn)
        async with self.sessions() as s:
            taken = (await s.execute(select(CustomerPhone.number).where(CustomerPhone.number.in_(normalised)))).all()
            if taken:
                raise NUMBERS_TAKEN({"taken": [t[0] for t in taken]}, field="numbers")
            c = Customer(name=name, company=company, vip=vip, created_at=self.clock.now())
            s.add(c)
            await s.flush()
            for nn in dict.fromkeys(normalised):
                s.add(CustomerPhone(customer_id=c.id, number=nn))
            await s.commit()
            return c

    async def lookup(self, raw_number: str | None) -> CustomerMatch | None:
        number = normalise_number(raw_number)
        if number is None:
            return None
        async with self.sessions() as s:
            row = (await s.execute(
                select(Customer.id, Customer.name, Customer.vip)
                .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
                .where(CustomerPhone.number == number)
            )).first()
        return CustomerMatch(row[0], row[1], bool(row[2])) if row else None

    # reads -----------------------------------------------------------------------------------------------
    @staticmethod
    async def _numbers(s: AsyncSession, ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in ids}
        for chunk in _chunks(list(ids)):
            rows = await s.execute(select(CustomerPhone.customer_id, CustomerPhone.number)
                                   .where(CustomerPhone.customer_id.in_(chunk)).order_by(CustomerPhone.id))
            for cid, number in rows:
                out[cid].append(number)
        return out

    async def get(self, customer_id: int) -> CustomerFull | None:
        async with self.sessions() as s:
            c = await s.get(Customer, customer_id)
            if c is None:
                return None
            return CustomerFull(c, (await self._numbers(s, [c.id]))[c.id])

    async def owners(self, numbers: Iterable[str]) -> dict[str, int]:
        """number → customer id, for those of ``numbers`` that belong to a customer."""
        nums = sorted(set(numbers))
        out: dict[str, int] = {}
        async with self.sessions() as s:
            for chunk in _chunks(nums):
                rows = await s.execute(select(CustomerPhone.number, CustomerPhone.customer_id)
                                       .where(CustomerPhone.number.in_(chunk)))
                out.update({n: cid for n, cid in rows})
        return out

    async def existing_ids(self, ids: Iterable[int]) -> dict[int, list[str]]:
        """For those of ``ids`` that exist: id → numbers."""
        wanted = sorted(set(ids))
        found: list[int] = []
        async with self.sessions() as s:
            for chunk in _chunks(wanted):
                found += list((await s.execute(select(Customer.id).where(Customer.id.in_(chunk)))).scalars())
            return await self._numbers(s, found)

    async def search(self, *, text: str | None, text_in_notes: bool, number_prefix: str | None,
                     vip: bool | None, tag: str | None, sort: str, descending: bool, limit: int, offset: int
                     ) -> tuple[list[CustomerFull], int]:
        q: Select[Any] = select(Customer)
        if text:
            pat = f"%{like_escape(text)}%"
            cols = [Customer.name, Customer.company] + ([Customer.notes] if text_in_notes else [])
            q = q.where(or_(*[c.ilike(pat, escape="!") for c in cols]))
        if number_prefix:
            q = q.where(Customer.id.in_(select(CustomerPhone.customer_id)
                                        .where(CustomerPhone.number.like(like_escape(number_prefix) + "%",
                                                                         escape="!"))))
        if vip is not None:
            q = q.where(Customer.vip.is_(vip))
        if tag:
            # tags is a JSON list stored as text: match the element with its quotes, as the JSON encoder writes it
            needle = f"%{like_escape(json.dumps(tag))}%"
            q = q.where(cast(Customer.tags, Text).like(needle, escape="!"))
        keys: dict[str, SQLCoreOperations[Any]] = {
            "name": Customer.name, "created_at": Customer.created_at,
            "updated_at": func.coalesce(Customer.updated_at, Customer.created_at)}
        key = keys[sort]
        order = [key.desc(), Customer.id.desc()] if descending else [key.asc(), Customer.id.asc()]
        async with self.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = list((await s.execute(q.order_by(*order).limit(limit).offset(offset))).scalars())
            numbers = await self._numbers(s, [c.id for c in rows])
        return [CustomerFull(c, numbers[c.id]) for c in rows], int(total)

    async def all_customers(self) -> list[CustomerFull]:
        async with self.sessions() as s:
            rows = list((await s.execute(select(Customer).order_by(Customer.id))).scalars())
            phones: dict[int, list[str]] = {}
            for cid, number in await s.execute(select(CustomerPhone.customer_id, CustomerPhone.number)
                                               .order_by(CustomerPhone.id)):
                phones.setdefault(cid, []).append(number)
        return [CustomerFull(c, phones.get(c.id, [])) for c in rows]

    # writes ----------------------------------------------------------------------------------------------
    @staticmethod
    async def _check_free(s: AsyncSession, numbers: Sequence[str], customer_id: int | None) -> None:
        if not numbers:
            return
        rows = (await s.execute(select(CustomerPhone.number, CustomerPhone.customer_id)
                                .where(CustomerPhone.number.in_(list(numbers))))).all()
        for number, owner in rows:
            if owner != customer_id:
                raise NUMBER_TAKEN(field="numbers", number=number, customer_id=owner)

    @staticmethod
    async def _link_records(s: AsyncSession, numbers: Sequence[str]) -> None:
        """Service records taken for these numbers before they belonged to a customer now belong to it (call
        after the numbers' rows are flushed)."""
        owner = (select(CustomerPhone.customer_id).where(CustomerPhone.number == ServiceRecord.caller_number)
                 .scalar_subquery())
        for chunk in _chunks(list(numbers)):
            await s.execute(update(ServiceRecord)
                            .where(ServiceRecord.customer_id.is_(None), ServiceRecord.caller_number.in_(chunk))
                            .values(customer_id=owner))

    @asynccontextmanager
    async def _session(self, numbers: Sequence[str], customer_id: int | None) -> AsyncIterator[AsyncSession]:
        """A session for writing ``numbers``: if a concurrent writer took one of them between our check and
        the write (the unique index refuses it), the error says which number and whose."""
        async with self.sessions() as s:
            try:
                yield s
            except IntegrityError:
                await s.rollback()
                await self._check_free(s, numbers, customer_id)
                raise

    async def insert(self, values: dict[str, Any], numbers: list[str]) -> CustomerFull:
        async with self._session(numbers, None) as s:
            await self._check_free(s, numbers, None)
            c = Customer(**values)
            s.add(c)
            await s.flush()
            s.add_all([CustomerPhone(customer_id=c.id, number=n) for n in numbers])
            await s.flush()
            await self._link_records(s, numbers)
            await s.commit()
            return CustomerFull(c, list(numbers))

    async def update(self, customer_id: int, values: dict[str, Any], numbers: list[str] | None
                     ) -> CustomerFull | None:
        """Set ``values``; with ``numbers`` also replace the customer's numbers."""
        async with self._session(numbers or [], customer_id) as s:
            c = await s.get(Customer, customer_id)
            if c is None:
                return None
            for k, v in values.items():
                setattr(c, k, v)
            if numbers is not None:
                await self._check_free(s, numbers, customer_id)
                await s.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer_id,
                                                            CustomerPhone.number.not_in(numbers)))
                have = set((await self._numbers(s, [customer_id]))[customer_id])
                s.add_all([CustomerPhone(customer_id=customer_id, number=n) for n in numbers if n not in have])
                await s.flush()
                await self._link_records(s, numbers)
            await s.commit()
            return CustomerFull(c, (await self._numbers(s, [customer_id]))[customer_id])

    async def add_number(self, customer_id: int, number: str, now: datetime) -> None:
        async with self._session([number], customer_id) as s:
            await self._check_free(s, [number], customer_id)
            exists = (await s.execute(select(CustomerPhone.id).where(CustomerPhone.number == number))).first()
            if not exists:
                s.add(CustomerPhone(customer_id=customer_id, number=number))
                await s.execute(update(Customer).where(Customer.id == customer_id).values(updated_at=now))
                await s.flush()
                await self._link_records(s, [number])
            await s.commit()

    async def remove_number(self, customer_id: int, number: str, now: datetime) -> bool:
        async with self.sessions() as s:
            r = await s.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer_id,
                                                            CustomerPhone.number == number))
            if rows_affected(r):
                await s.execute(update(Customer).where(Customer.id == customer_id).values(updated_at=now))
            await s.commit()
            return bool(rows_affected(r))

    async def delete(self, customer_id: int) -> int:
        """Delete the customer and its numbers; its service records stay (customer_id → NULL). Returns how
        many service records were kept."""
        async with self.sessions() as s:
            kept = await s.execute(update(ServiceRecord).where(ServiceRecord.customer_id == customer_id)
                                   .values(customer_id=None))
            await s.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer_id))
            await s.execute(delete(Customer).where(Customer.id == customer_id))
            await s.commit()
            return rows_affected(kept)

    async def bulk_write(self, creates: list[tuple[dict[str, Any], list[str]]],
                         updates: list[tuple[int, dict[str, Any], list[str] | None]]) -> None:
        """One transaction: ``updates`` (id, values, numbers to replace or None), then ``creates``
        (values, numbers). All or nothing."""
        async with self.sessions() as s:
            try:
                await self._bulk_write(s, creates, updates)
                await s.commit()
            except IntegrityError as e:
                await s.rollback()
                raise IMPORT_NUMBERS_CHANGED() from e

    async def _bulk_write(self, s: AsyncSession, creates: list[tuple[dict[str, Any], list[str]]],
                          updates: list[tuple[int, dict[str, Any], list[str] | None]]) -> None:
        released = [cid for cid, _, nums in updates if nums is not None]
        for chunk in _chunks(released):
            await s.execute(delete(CustomerPhone).where(CustomerPhone.customer_id.in_(chunk)))
        changed = [{"id": cid, **values} for cid, values, _ in updates if values]
        if changed:
            await s.execute(update(Customer), changed)  # ORM bulk UPDATE by primary key
        new_ids: list[int] = []
        if creates:
            rows = [{**_NEW_DEFAULTS, **values} for values, _ in creates]
            new_ids = list((await s.execute(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows)).scalars())
        phones = [(cid, nums) for cid, _, nums in updates if nums] + [
            (cid, nums) for cid, (_, nums) in zip(new_ids, creates, strict=True) if nums]
        phone_rows = [{"customer_id": cid, "number": n} for cid, nums in phones for n in nums]
        if phone_rows:
            await s.execute(insert(CustomerPhone), phone_rows)
        await self._link_records(s, [n for _, nums in phones for n in nums])

    # calls, service records ------------------------------------------------------------------------------
    async def recent_calls(self, numbers: Sequence[str], limit: int = 5) -> list[Call]:
        async with self.sessions() as s:
            return await self._recent_calls(s, numbers, limit)

    @staticmethod
    async def _recent_calls(s: AsyncSession, numbers: Sequence[str], limit: int) -> list[Call]:
        variants = raw_variants(numbers)
        if not variants:
            return []
        q = (select(Call).where(Call.caller_number.in_(variants))
             .order_by(Call.arrived_at.desc().nulls_last(), Call.id.desc()).limit(limit))
        return list((await s.execute(q)).scalars())

    @staticmethod
    def _records_of(customer_id: int | None, number: str | None) -> Any:
        if customer_id is not None:
            return ServiceRecord.customer_id == customer_id
        return (ServiceRecord.customer_id.is_(None)) & (ServiceRecord.caller_number == number)

    async def _history(self, s: AsyncSession, customer_id: int | None, number: str | None, numbers: Sequence[str],
                       limit: int) -> tuple[list[Call], list[ServiceRecord], list[ServiceRecord]]:
        """Last ``limit`` calls, last ``limit`` service records and the open follow-ups (at most 50, soonest
        due first): two indexed queries."""
        calls = await self._recent_calls(s, numbers, limit)
        where = self._records_of(customer_id, number)
        recent = (select(ServiceRecord.id).where(where)
                  .order_by(ServiceRecord.created_at.desc(), ServiceRecord.id.desc()).limit(limit).subquery())
        open_q = (select(ServiceRecord.id).where(where, ServiceRecord.follow_up_needed.is_(True),
                                                 ServiceRecord.follow_up_done_at.is_(None))
                  .order_by(ServiceRecord.follow_up_due.asc().nulls_last(), ServiceRecord.id.asc())
                  .limit(_MAX_OPEN).subquery())
        ids = union_all(select(recent.c.id), select(open_q.c.id))
        rows = list((await s.execute(select(ServiceRecord).where(ServiceRecord.id.in_(ids)))).scalars())
        records = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]
        open_ = sorted((r for r in rows if r.follow_up_needed and r.follow_up_done_at is None),
                       key=lambda r: (r.follow_up_due is None, r.follow_up_due or r.created_at, r.id))[:_MAX_OPEN]
        return calls, records, open_

    async def history(self, customer_id: int, numbers: Sequence[str], limit: int = 5
                      ) -> tuple[list[Call], list[ServiceRecord], list[ServiceRecord]]:
        async with self.sessions() as s:
            return await self._history(s, customer_id, None, numbers, limit)

    async def pop(self, number: str, limit: int = 5,
                  on_found: Callable[[int], Awaitable[None]] | None = None) -> PopData:
        """Everything the screen pop shows for a caller's normalised number, in one session and three
        indexed queries: the customer with its numbers, their last calls, their last service records with
        the open follow-ups (for an unknown number: the calls and records of that number). ``on_found``
        (the audit write) runs alongside the last two queries once the customer is known."""
        async with self.sessions() as s:
            owner = select(CustomerPhone.customer_id).where(CustomerPhone.number == number).scalar_subquery()
            rows = (await s.execute(
                select(Customer, CustomerPhone.number).join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
                .where(Customer.id == owner).order_by(CustomerPhone.id))).all()
            full = CustomerFull(rows[0][0], [r[1] for r in rows]) if rows else None
            side = asyncio.ensure_future(on_found(full.customer.id)) if full and on_found else None
            try:
                calls, records, open_ = await self._history(
                    s, full.customer.id if full else None, number, full.numbers if full else [number], limit)
            finally:
                if side is not None:
                    await side
        return PopData(number, full, calls, records, open_)

    async def call_caller_number(self, uniqueid: str) -> tuple[bool, str | None]:
        """(the call exists, its raw caller number)."""
        async with self.sessions() as s:
            row = (await s.execute(select(Call.caller_number).where(Call.uniqueid == uniqueid))).first()
        return (row is not None, row[0] if row else None)

    async def customer_for_number(self, number: str) -> int | None:
        async with self.sessions() as s:
            return (await s.execute(select(CustomerPhone.customer_id)
                                    .where(CustomerPhone.number == number))).scalar_one_or_none()

    async def add_record(self, values: dict[str, Any]) -> ServiceRecord:
        async with self.sessions() as s:
            r = ServiceRecord(**values)
            s.add(r)
            await s.commit()
            return r

    async def get_record(self, record_id: int) -> ServiceRecord | None:
        async with self.sessions() as s:
            return await s.get(ServiceRecord, record_id)

    async def update_record(self, record_id: int, values: dict[str, Any]) -> ServiceRecord | None:
        async with self.sessions() as s:
            r = await s.get(ServiceRecord, record_id)
            if r is None:
                return None
            for k, v in values.items():
                setattr(r, k, v)
            await s.commit()
            return r

    async def records(self, *, customer_id: int | None = None, call: str | None = None,
                      follow_up_open: bool | None = None, agent: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[list[ServiceRecord], int]:
        q: Select[Any] = select(ServiceRecord)
        if customer_id is not None:
            q = q.where(ServiceRecord.customer_id == customer_id)
        if call is not None:
            q = q.where(ServiceRecord.call_uniqueid == call)
        if agent is not None:
            q = q.where(ServiceRecord.agent_username == agent)
        if follow_up_open is True:
            q = q.where(ServiceRecord.follow_up_needed.is_(True), ServiceRecord.follow_up_done_at.is_(None))
        elif follow_up_open is False:
            q = q.where(or_(ServiceRecord.follow_up_needed.is_(False), ServiceRecord.follow_up_done_at.is_not(None)))
        async with self.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = await s.execute(q.order_by(ServiceRecord.created_at.desc(), ServiceRecord.id.desc())
                                   .limit(limit).offset(offset))
            return list(rows.scalars()), int(total)

