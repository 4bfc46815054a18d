"""The audit trail's rules: who reads it (admins and ``settings.audit.readers``), what a search is (a person, a
customer, a recording or any target, an action exactly or by prefix, the days of the centre's timezone), its
pages (newest first, keyset cursors), its export (streamed, oldest first), a customer's views. Reading the log is
itself audited: ``audit.search``, ``audit.export``, ``audit.customer_views`` (target ``audit_log``, the filters
in the detail, so a customer's own trail holds only what was done to the customer)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.audit.config import AuditSettings
from callcenter.audit.errors import BAD_ACTION, BAD_CURSOR, ONE_TARGET, RANGE_NEEDED, RANGE_REVERSED, RANGE_TOO_LONG
from callcenter.audit.repository import AuditFilter, AuditTrail
from callcenter.auth.actor import Actor
from callcenter.auth.errors import NEEDS_ROLE
from callcenter.auth.models import AuditEntry
from callcenter.clock import Clock
from callcenter.csvstream import stream_csv
from callcenter.errors import any_of

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]

PAGE_MAX = 200
CHUNK_ROWS = 2000
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TARGET = "audit_log"  # what reading the log is audited against
VIEW_ACTIONS = ("customer.view", "customer.view_denied")  # a customer opened, or refused (CustomerAccess.open)
CSV_COLUMNS = ("id", "at", "username", "action", "target", "detail")
_ACTION = re.compile(r"[A-Za-z0-9_.]{1,64}\*?")
_CURSOR = re.compile(r"(\d{1,18})-(\d{1,10})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def detail_text(detail: dict[str, Any] | None) -> str:
    """An entry's detail as one line of JSON (empty when none), keys sorted."""
    return "" if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)


def cursor_of(e: AuditEntry) -> str:
    """The cursor after ``e``: its time (microseconds since the epoch) and id."""
    return f"{(e.at - _EPOCH) // timedelta(microseconds=1)}-{e.id}"


def parse_cursor(cursor: str) -> tuple[datetime, int]:
    m = _CURSOR.fullmatch(cursor)
    if m is None:
        raise BAD_CURSOR(cursor=cursor[:40], field="cursor")
    try:
        return _EPOCH + timedelta(microseconds=int(m.group(1))), int(m.group(2))
    except OverflowError:
        raise BAD_CURSOR(cursor=cursor[:40], field="cursor") from None


@dataclass(frozen=True)
class Search:
    """A search as asked (what the audit entry of the reading says) and as run."""

    asked: dict[str, Any]
    filter: AuditFilter
    first: date | None
    last: date | None


class AuditReader:
    def __init__(self, trail: AuditTrail, clock: Clock, timezone: str, settings: AuditSettings, audit: Audit,
                 *, chunk_rows: int = CHUNK_ROWS) -> None:
        self.trail = trail
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.settings = settings
        self.audit = audit
        self.chunk_rows = chunk_rows

    @property
    def roles(self) -> tuple[str, ...]:
        """Who reads the log: admins and the roles the centre grants."""
        return tuple(sorted({"admin", *self.settings.readers}))

    def may_read(self, actor: Actor) -> bool:
        return actor.has(self.roles)

    def require(self, actor: Actor) -> None:
        if not self.may_read(actor):
            raise NEEDS_ROLE({"roles": any_of(self.roles)}, needed=list(self.roles), has=sorted(actor.roles))

    def search(self, *, person: str | None = None, customer: int | None = None, recording: int | None = None,
               target: str | None = None, action: str | None = None, first: date | None = None,
               last: date | None = None) -> Search:
        """The search for these parts (refused: more than one target, a bad action, a reversed range)."""
        given = [name for name, v in (("customer", customer), ("recording", recording), ("target", target))
                 if v is not None]
        if len(given) > 1:
            raise ONE_TARGET(given=", ".join(given), field=given[1])
        targets: tuple[str, ...] | None = None
        if customer is not None:
            targets = (f"customer:{customer}",)
        elif recording is not None:
            targets = (f"recording:{recording}",)
        elif target is not None:
            targets = (target,)
        exact = prefix = None
        if action is not None:
            if not _ACTION.fullmatch(action):
                raise BAD_ACTION(action=action[:64], field="action")
            if action.endswith("*"):
                prefix = action[:-1]
            elif action.endswith("."):
                prefix = action
            else:
                exact = action
        if first is not None and last is not None and last < first:
            raise RANGE_REVERSED(to=last.isoformat(), from_day=first.isoformat(), field="to")
        start = datetime.combine(first, time(), self.tz) if first is not None else None
        end = datetime.combine(last + timedelta(days=1), time(), self.tz) if last is not None else None
        asked = {k: v for k, v in (("person", person), ("customer", customer), ("recording", recording),
                                   ("target", target), ("action", action),
                                   ("from", first.isoformat() if first else None),
                                   ("to", last.isoformat() if last else None)) if v is not None}
        f = AuditFilter(username=person, targets=targets, action=exact, action_prefix=prefix, start=start, end=end)
        return Search(asked, f, first, last)

    async def page(self, actor: Actor, search: Search, limit: int, cursor: str | None = None
                   ) -> tuple[list[AuditEntry], str | None]:
        """A page of the search, newest first, and the cursor of the next page (None: this was the last)."""
        self.require(actor)
        before = parse_cursor(cursor) if cursor is not None else None
        limit = max(1, min(limit, PAGE_MAX))
        rows = await self.trail.page(search.filter, limit + 1, before)
        more = len(rows) > limit
        rows = rows[:limit]
        await self.audit(actor.username, "audit.search", TARGET,
                         {**search.asked, "cursor": cursor, "shown": len(rows)})
        return rows, (cursor_of(rows[-1]) if more and rows else None)

    async def customer_views(self, actor: Actor, customer_id: int, limit: int, cursor: str | None = None
                             ) -> tuple[list[AuditEntry], str | None, int]:
        """Who opened the customer's record (and who was refused), newest first; the page, the next cursor and
        how many there are in all."""
        self.require(actor)
        f = AuditFilter(targets=(f"customer:{customer_id}",), actions=VIEW_ACTIONS)
        before = parse_cursor(cursor) if cursor is not None else None
        limit = max(1, min(limit, PAGE_MAX))
        rows = await self.trail.page(f, limit + 1, before)
        total, _ = await self.trail.count(f)
        more = len(rows) > limit
        rows = rows[:limit]
        await self.audit(actor.username, "audit.customer_views", TARGET,
                         {"customer": customer_id, "cursor": cursor, "shown": len(rows)})
        return rows, (cursor_of(rows[-1]) if more and rows else None), total

    async def export(self, actor: Actor, search: Search) -> tuple[int, AsyncIterator[bytes]]:
        """The search's entries as CSV (oldest first), streamed: the rows fixed now (how many, audited before the
        first byte) and the file."""
        self.require(actor)
        if search.first is None or search.last is None:
            raise RANGE_NEEDED(field="from" if search.first is None else "to")
        days = (search.last - search.first).days + 1
        if days > self.settings.export_max_days:
            raise RANGE_TOO_LONG(limit=self.settings.export_max_days, days=days, field="to")
        count, max_id = await self.trail.count(search.filter)
        await self.audit(actor.username, "audit.export", TARGET, {**search.asked, "rows": count,
                                                                  "timezone": self.tz.key})
        return count, stream_csv(CSV_COLUMNS, self._rows(search.filter, max_id, count))

    async def _rows(self, f: AuditFilter, max_id: int, count: int) -> AsyncIterator[list[Sequence[Any]]]:
        if count == 0:
            return
        async for chunk in self.trail.chunks(f, max_id, self.chunk_rows):
            yield [(e.id, self.local(e.at), e.username, e.action, e.target, detail_text(e.detail)) for e in chunk]

    def local(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime(TIME_FORMAT)
