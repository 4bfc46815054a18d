"""Who is asking: a logged-in user's name and roles, as the domains' rules see it (one definition for all)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self


@dataclass(frozen=True)
class Actor:
    """A logged-in user's name and roles. ``of`` takes anything with ``username`` and ``roles`` (the auth
    ``User`` row)."""

    username: str
    roles: frozenset[str]

    @classmethod
    def of(cls, user: Any) -> Self:
        return cls(user.username, frozenset(user.roles))

    def has(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))
