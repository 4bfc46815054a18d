"""Who may open or change which customer record: the centre's rule that nobody reads a customer file without
permission.

- supervisors, QC and admins may read any customer; supervisors and admins may change any customer;
- an agent may open (read the whole record, its history) or change a customer only while handling a call
  from one of that customer's numbers (``handling``: username → normalised caller numbers of the calls the
  agent has ringing, on the line or in wrap-up); a refused attempt is audited as ``customer.view_denied`` /
  ``customer.edit_denied``;
- an agent may use a call (write or read its service records) they are handling (``handling_calls``) or
  answered (``answered_by``).

Every view of a customer record is audited as ``customer.view`` with why = pop / search / edit / view.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from callcenter.auth.actor import Actor as Actor  # re-exported: the domain's modules take it from here
from callcenter.customers.checks import need
from callcenter.customers.errors import (
    ACTIONS,
    CUSTOMER_NOT_FOUND,
    EDIT_NOT_HANDLING,
    NEEDS_ROLE,
    UNKNOWN_WHY,
    VIEW_NOT_HANDLING,
)
from callcenter.customers.repository import CustomerFull, CustomerRepository, normalise_number
from callcenter.errors import any_of

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
HandlingNumbers = Callable[[str], Awaitable[set[str]]]
HandlingCalls = Callable[[str], Awaitable[set[str]]]
AnsweredBy = Callable[[str, str], Awaitable[bool]]

READ_ANY = frozenset({"supervisor", "qc", "admin"})
EDIT_ANY = frozenset({"supervisor", "admin"})
WRITERS = frozenset({"agent", "supervisor", "admin"})
ALL_ROLES = frozenset({"agent", "supervisor", "qc", "admin"})
ADMIN = frozenset({"admin"})
WHY = ("pop", "search", "edit", "view")




def require(actor: Actor, roles: frozenset[str], what: str) -> None:
    if not actor.has(roles):
        raise NEEDS_ROLE({"what": ACTIONS.get(what, what), "roles": any_of(sorted(roles))}, needed=sorted(roles),
                         has=sorted(actor.roles))


def target(customer_id: int) -> str:
    """A customer as the audit log names it."""
    return f"customer:{customer_id}"


async def _no_numbers(_: str) -> set[str]:
    return set()


async def _never(_: str, __: str) -> bool:
    return False


class CustomerAccess:
    """The access rule, reading what the ACD knows about the calls an agent handles (plugged in by
    :meth:`set_access` once the ACD and the screen pop exist: ``customers.wiring.grant_call_access``); until then
    an agent handles no call."""

    def __init__(self, repo: CustomerRepository, audit: Audit) -> None:
        self.repo = repo
        self.audit = audit
        self.handling: HandlingNumbers = _no_numbers
        self.handling_calls: HandlingCalls = _no_numbers
        self.answered_by: AnsweredBy = _never

    def set_access(self, handling_numbers: HandlingNumbers, handling_calls: HandlingCalls,
                   answered_by: AnsweredBy) -> None:
        """Plug in what the ACD knows: username → normalised caller numbers of the calls the agent is handling
        (ringing, on the line, wrap-up); username → uniqueids of those calls; (username, uniqueid) → whether
        the agent answered that call."""
        self.handling = handling_numbers
        self.handling_calls = handling_calls
        self.answered_by = answered_by

    async def _handles(self, actor: Actor, full: CustomerFull) -> bool:
        if "agent" not in actor.roles or not full.numbers:
            return False
        numbers = await self.handling(actor.username)
        wanted = set(numbers) | {n for n in map(normalise_number, numbers) if n}
        return any(n in wanted for n in full.numbers)

    async def load(self, customer_id: int) -> CustomerFull:
        full = await self.repo.get(customer_id)
        if full is None:
            raise CUSTOMER_NOT_FOUND(customer_id=customer_id)
        return full

    async def open(self, actor: Actor, customer_id: int, why: str) -> CustomerFull:
        """The customer, if ``actor`` may read it; the view (or the refusal) is audited."""
        need(why in WHY, UNKNOWN_WHY, "why", why=', '.join(WHY), why2=why)
        require(actor, ALL_ROLES, "reading a customer")
        full = await self.load(customer_id)
        if not actor.has(READ_ANY) and not await self._handles(actor, full):
            await self.audit(actor.username, "customer.view_denied", target(customer_id), {"why": why})
            raise VIEW_NOT_HANDLING(customer_id=customer_id)
        await self.audit(actor.username, "customer.view", target(customer_id), {"why": why})
        return full

    async def editable(self, actor: Actor, customer_id: int) -> CustomerFull:
        """The customer, if ``actor`` may change it; a refusal is audited."""
        require(actor, WRITERS, "changing a customer")
        full = await self.load(customer_id)
        if not actor.has(EDIT_ANY) and not await self._handles(actor, full):
            await self.audit(actor.username, "customer.edit_denied", target(customer_id), None)
            raise EDIT_NOT_HANDLING(customer_id=customer_id)
        return full

    async def may_use_call(self, actor: Actor, uniqueid: str) -> bool:
        if actor.has(EDIT_ANY):
            return True
        if "agent" not in actor.roles:
            return False
        return uniqueid in await self.handling_calls(actor.username) or await self.answered_by(actor.username,
                                                                                               uniqueid)
