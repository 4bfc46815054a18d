"""Who is asking QC for what: the actor, the roles QC's rules name, and the refusal when a role is missing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from callcenter.qc.errors import NEEDS_ROLE

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
LEADS = frozenset({"supervisor", "admin"})
QC_ROLES = frozenset({"qc", "supervisor", "admin"})


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[str]

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user.username, frozenset(user.roles))

    def has(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))


def require(actor: Actor, roles: Iterable[str], what: str) -> None:
    roles = frozenset(roles)
    if not actor.has(roles):
        raise NEEDS_ROLE({"what": what, "roles": ' or '.join(sorted(roles))}, needed=sorted(roles))
