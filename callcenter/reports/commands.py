"""``callcenter reports rebuild [--from DATE] [--to DATE]``: every rollup bucket of the range recomputed from the raw
rows (default: from the first stored fact to now). Safe while the service runs: each day is one transaction that
replaces that day's buckets with what the rows say, which is what the service's own pass writes too."""

from __future__ import annotations

import time as _time
from datetime import datetime

from callcenter.clock import SystemClock
from callcenter.db import make_engine, make_sessionmaker
from callcenter.reports.intervals import parse_when
from callcenter.reports.rollups import Rollups, earliest_fact, set_mark
from callcenter.settings import Settings


async def rebuild(settings: Settings, start_s: str | None, end_s: str | None) -> str:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(settings.timezone)
    clock = SystemClock()
    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessionmaker(engine)

        async def nothing() -> None:
            return None

        rollups = Rollups(sessions, clock, nothing)
        now = clock.now()
        start = parse_when(start_s, "from", tz, end=False)
        end = parse_when(end_s, "to", tz, end=True) or now
        if start is None:
            async with sessions() as s:
                start = await earliest_fact(s)
        if start is None:
            return "reports: no calls or agent states stored: nothing to rebuild"
        t0 = _time.monotonic()
        chunks = await rollups.rebuild(start, min(end, now) if end_s is None else end)
        if end_s is None:  # rolled up to now: the service's repair starts from here
            async with sessions() as s:
                await set_mark(s, now)
                await s.commit()
        return (f"reports: rollups rebuilt from {_local(start, tz)} to {_local(end, tz)} "
                f"({chunks} day(s), {_time.monotonic() - t0:.1f} s)")
    finally:
        await engine.dispose()


def _local(t: datetime, tz: object) -> str:
    return t.astimezone(tz).isoformat(timespec="minutes")  # type: ignore[arg-type]
