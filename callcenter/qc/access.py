"""Who is asking QC for what: the actor, the roles QC's rules name, and the refusal when a role is missing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from callcenter.auth.actor import Actor as Actor  # re-exported: the domain's modules take it from here
from callcenter.errors import any_of
from callcenter.qc.errors import ACTIONS, NEEDS_ROLE

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
LEADS = frozenset({"supervisor", "admin"})
QC_ROLES = frozenset({"qc", "supervisor", "admin"})




def require(actor: Actor, roles: Iterable[str], what: str) -> None:
    roles = frozenset(roles)
    if not actor.has(roles):
        raise NEEDS_ROLE({"what": ACTIONS.get(what, what), "roles": any_of(sorted(roles))}, needed=sorted(roles))
