"""Small shared pieces of the shifts package: the acting user, time formatting, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from callcenter.auth.actor import Actor as BaseActor
from callcenter.errors import any_of
from callcenter.shifts.errors import ACTIONS, NEEDS_ROLE

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
LEADS = frozenset({"supervisor", "admin"})


async def no_audit(username: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
    return None


class Actor(BaseActor):
    """The acting user of the shifts rules: a lead (supervisor or admin) may act for others."""

    @property
    def lead(self) -> bool:
        return self.has(LEADS)


def require(actor: Actor, roles: Iterable[str], what: str) -> None:
    roles = frozenset(roles)
    if not actor.has(roles):
        raise NEEDS_ROLE({"what": ACTIONS.get(what, what), "roles": any_of(sorted(roles))}, needed=sorted(roles))


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def minutes(secs: int | float | None) -> float | None:
    return None if secs is None else round(secs / 60, 2)


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else _cell(v) for v in r])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read Chinese names correctly


def _cell(v: Any) -> Any:
    """Excel would run text starting with = + - @ as a formula."""
    return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v
