"""Injected time, so rules and figures are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        self._now = when


def check_timezone(name: str) -> str:
    """Validator: an IANA timezone name (the centre's, or a schedule's)."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as Asia/Shanghai)") from e
    return name


def from_epoch(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def event_time(ev: dict[str, str]) -> datetime | None:
    """An AMI event's own time (the ``Timestamp`` header, manager.conf ``timestampevents``), or None."""
    ts = ev.get("Timestamp")
    try:
        return from_epoch(float(ts)) if ts else None
    except ValueError:
        return None
