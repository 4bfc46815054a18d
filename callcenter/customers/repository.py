"""Customer storage; the caller-number lookup is one indexed query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.clock import Clock
from callcenter.customers.models import Customer, CustomerPhone
from callcenter.errors import InvalidInput

_DIGITS = re.compile(r"\d+")


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


@dataclass(frozen=True)
class CustomerMatch:
    customer_id: int
    name: str
    vip: bool


class CustomerRepository:
    def __init__(self, sessions: async_sessionmaker, clock: Clock) -> None:  # type: ignore[type-arg]
        self.sessions = sessions
        self.clock = clock

    async def create(self, name: str, numbers: list[str], vip: bool = False, company: str = "") -> Customer:
        name = name.strip()
        if not name:
            raise InvalidInput("customer name must not be empty", field="name")
        normalised = []
        for n in numbers:
            nn = normalise_number(n)
            if nn is None:
                raise InvalidInput(f"phone number {n!r} has too few digits", field="numbers")
            normalised.append(nn)
        async with self.sessions() as s:
            taken = (await s.execute(select(CustomerPhone.number).where(CustomerPhone.number.in_(normalised)))).all()
            if taken:
                raise InvalidInput(f"number(s) already belong to another customer: {[t[0] for t in taken]}",
                                   field="numbers")
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
