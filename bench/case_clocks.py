"""What the case clock checker costs: cases checked per second and CPU seconds per check at ``--cases`` open cases.

Builds ``--cases`` synthetic open cases (types in turn, accepted over the last 6 days, most dispatched, some
reported, some with a finished or an open customer-wait pause) and runs the service's own
``CaseClockChecker.check()`` on them through an in-memory source (a recorded event joins the case's recorded
kinds, as the stored row does), in calendar and in working-day mode (with holidays), the fake clock moving one
``cases.check_interval_seconds`` per check. This is the clocks' own cost, without the database read of the open
cases (the cases repository's query). Measured per mode:

* the first check after a restart: nothing recorded yet, every due event recorded (in memory) and told;
* every case computed: ``--rounds`` checks by checkers that have not seen the facts before (a fresh start);
* the steady state: ``--rounds`` checks by one checker every interval (unchanged cases whose next event is still
  ahead are skipped: the checker keeps each case's next instant).

Printed: CPU seconds per check (``time.process_time``; the median), what that is as % of one core at the default
interval, cases checked per CPU second and per wall second (the machine's other load shows in the wall figure).

With ``--db sqlite|postgresql`` the cases are in a fresh database (migrated, filled in bulk, their due events
recorded) and the checker reads them through the cases repository every check: the figures then include the
read of the open cases (this process's CPU; PostgreSQL's own is not counted) and the writes of what comes due.

    .venv/bin/python bench/case_clocks.py [--cases 10000] [--rounds 5] [--mode calendar|working|both]
                                          [--db memory|sqlite|postgresql] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcenter.cases.checker import CaseClockChecker  # noqa: E402
from callcenter.cases.clocks import CaseClockFacts, ClockEvent  # noqa: E402
from callcenter.cases.config import CASE_TYPES, CasesSettings  # noqa: E402
from callcenter.clock import FakeClock  # noqa: E402

TZ = "Asia/Shanghai"
NOW = datetime(2026, 5, 6, 3, 0, tzinfo=UTC)  # a Wednesday, 11:00 in the centre, after the May Day holidays
HOLIDAYS = frozenset(date(2026, 5, d) for d in range(1, 6))


def synthetic(n: int, seed: int = 14) -> list[CaseClockFacts]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        accepted = NOW - timedelta(seconds=rng.uniform(0, 6 * 86400))
        age = NOW - accepted
        dispatched = accepted + timedelta(minutes=rng.uniform(1, 90)) if rng.random() < 0.9 else None
        if dispatched is not None and dispatched > NOW:
            dispatched = None
        reported = None
        if dispatched is not None and age > timedelta(days=1) and rng.random() < 0.3:
            reported = dispatched + (NOW - dispatched) * rng.random()
        paused: tuple[tuple[datetime, datetime | None], ...] = ()
        r = rng.random()
        if r < 0.15:  # waited for the customer once
            p0 = accepted + age * rng.random()
            paused = ((p0, p0 + (NOW - p0) * rng.random()),)
        elif r < 0.2:  # waiting now
            paused = ((accepted + age * rng.random(), None),)
        out.append(CaseClockFacts(case_id=i + 1, number=f"TS-{i + 1:06d}", type=CASE_TYPES[i % len(CASE_TYPES)],
                                  severity="serious" if rng.random() < 0.1 else "ordinary",
                                  department_id=rng.randint(1, 8), accepted_at=accepted, dispatched_at=dispatched,
                                  reported_at=reported, closed_at=None, paused=paused, events=frozenset()))
    return out


class MemorySource:
    """The cases repository in memory: a recorded event joins its case's recorded kinds, as the stored row does."""

    def __init__(self, cases: list[CaseClockFacts]) -> None:
        self.cases = {f.case_id: f for f in cases}

    async def open_case_clocks(self) -> Sequence[CaseClockFacts]:
        return list(self.cases.values())

    async def record_clock_event(self, case_id: int, kind: str, at: datetime, detail: dict[str, Any]) -> bool:
        f = self.cases[case_id]
        if kind in f.events:
            return False
        self.cases[case_id] = dataclasses.replace(f, events=f.events | {kind})
        return True


async def no_notice(event: ClockEvent) -> None:
    return None


async def holidays(start: date, end: date) -> frozenset[date]:
    return frozenset(d for d in HOLIDAYS if start <= d <= end)


async def run_mode(mode: str, n: int, rounds: int) -> dict[str, Any]:
    settings = CasesSettings(day_mode="working" if mode == "working" else "calendar")
    clock = FakeClock(NOW)
    src = MemorySource(synthetic(n))
    checker = CaseClockChecker(src, clock, settings, holidays, no_notice, timezone=TZ)
    first = await checker.check()  # after a restart: nothing recorded yet, every due event recorded now

    async def measure(fresh: bool) -> tuple[float, float, int, int]:
        walls, cpus, recorded, skipped = [], [], 0, 0
        for _ in range(rounds):
            clock.advance(settings.check_interval_seconds)
            c = CaseClockChecker(src, clock, settings, holidays, no_notice, timezone=TZ) if fresh else checker
            r = await c.check()
            walls.append(r.seconds)
            cpus.append(r.cpu_seconds)
            recorded += len(r.recorded)
            skipped += r.skipped
        return statistics.median(walls), statistics.median(cpus), recorded, skipped

    # every case computed (a checker that has not seen these facts: the first check after a start)
    cold_wall, cold_cpu, cold_rec, _ = await measure(fresh=True)
    # the steady state: the same checker every interval, most cases unchanged and nothing due on them yet (after
    # one check that has seen the cases as they are since the first check recorded their events)
    clock.advance(settings.check_interval_seconds)
    await checker.check()
    wall, cpu, rec, skipped = await measure(fresh=False)
    return {"mode": mode, "cases": n, "rounds": rounds, "check_interval_seconds": settings.check_interval_seconds,
            "steady": {"cases_per_second": round(n / wall), "cases_per_cpu_second": round(n / cpu),
                       "wall_seconds_per_check": round(wall, 4), "cpu_seconds_per_check": round(cpu, 4),
                       "cpu_percent_of_one_core": round(100 * cpu / settings.check_interval_seconds, 3),
                       "events_recorded": rec, "cases_skipped_per_check": skipped // rounds},
            "every_case_computed": {"cases_per_second": round(n / cold_wall),
                                    "cases_per_cpu_second": round(n / cold_cpu),
                                    "cpu_seconds_per_check": round(cold_cpu, 4), "events_recorded": cold_rec},
            "first_check": {"events_recorded": len(first.recorded), "wall_seconds": round(first.seconds, 4),
                            "cpu_seconds": round(first.cpu_seconds, 4)}}


class TimedSource:
    """The cases repository, its read of the open cases timed (wall and this process's CPU)."""

    def __init__(self, repo: Any) -> None:
        self.repo = repo
        self.wall: list[float] = []
        self.cpu: list[float] = []

    async def open_case_clocks(self) -> Sequence[CaseClockFacts]:
        w, c = time.perf_counter(), time.process_time()
        got: Sequence[CaseClockFacts] = await self.repo.open_case_clocks()
        self.wall.append(time.perf_counter() - w)
        self.cpu.append(time.process_time() - c)
        return got

    async def record_clock_event(self, case_id: int, kind: str, at: datetime, detail: dict[str, Any]) -> bool:
        ok: bool = await self.repo.record_clock_event(case_id, kind, at, detail)
        return ok


PG_BASE = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _pg_admin(sql: str) -> None:
    """One statement outside a transaction (CREATE / DROP DATABASE) on the server's postgres database."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(make_url(PG_BASE).set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def bench_database(db: str, tmp: Path) -> tuple[str, str | None]:
    """(URL, the PostgreSQL database to drop afterwards or None): SQLite in ``tmp``, or a new PostgreSQL database."""
    from sqlalchemy.engine import make_url

    if db != "postgresql":
        return f"sqlite+aiosqlite:///{tmp / 'callcenter.db'}", None
    name = "cc_bench_clocks_" + uuid.uuid4().hex[:12]
    await _pg_admin(f'CREATE DATABASE "{name}"')
    return make_url(PG_BASE).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False), name


async def run_db(db: str, mode: str, n: int, rounds: int) -> dict[str, Any]:
    """The same steady state with the cases in a real database (migrated, filled in bulk) read by the cases
    repository each check: the check's wall and CPU (this process: the read, the clocks, the writes of what comes
    due) and the read alone. PostgreSQL's own CPU is not in the figures."""
    from sqlalchemy import insert

    from callcenter.cases.checker import holidays_from
    from callcenter.cases.clocks import CaseClocks
    from callcenter.cases.models import Case, CaseClockEvent, CasePause
    from callcenter.cases.repository import CaseRepository
    from callcenter.db import make_engine, make_sessionmaker
    from callcenter.migrate import upgrade
    from callcenter.shifts.models import PublicHoliday

    settings = CasesSettings(day_mode="working" if mode == "working" else "calendar")
    tmp = Path(tempfile.mkdtemp(prefix="ccb-clocks-"))
    url, pg_name = await bench_database(db, tmp)
    engine = None
    try:
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        cases = synthetic(n)
        clocks = CaseClocks(settings, TZ)
        hol = HOLIDAYS if mode == "working" else frozenset()
        rows, pauses, events = [], [], []
        for f in cases:
            state = "reported" if f.reported_at else "dispatched" if f.dispatched_at else "accepted"
            rows.append({"id": f.case_id, "number": f.number, "type": f.type, "state": state, "version": 1,
                         "accepted_by": "bench", "description": "bench", "severity": f.severity,
                         "paused": bool(f.paused and f.paused[-1][1] is None),
                         "paused_since": f.paused[-1][0] if f.paused and f.paused[-1][1] is None else None,
                         "accepted_at": f.accepted_at, "dispatched_at": f.dispatched_at,
                         "reported_at": f.reported_at, "updated_at": NOW})
            pauses += [{"case_id": f.case_id, "started_at": a, "ended_at": b} for a, b in f.paused]
            events += [{"case_id": f.case_id, "kind": e.kind, "at": e.at} for e in clocks.due_events(f, NOW, hol)]
        async with sessions() as s:
            for table, values in ((Case, rows), (CasePause, pauses), (CaseClockEvent, events)):
                for k in range(0, len(values), 2000):
                    await s.execute(insert(table), values[k:k + 2000])
            s.add_all(PublicHoliday(day=d, name="May Day", created_by="bench", created_at=NOW) for d in HOLIDAYS)
            await s.commit()
        clock = FakeClock(NOW)
        src = TimedSource(CaseRepository(sessions))
        checker = CaseClockChecker(src, clock, settings, holidays_from(sessions), no_notice, timezone=TZ)
        await checker.check()  # sees every case once
        walls, cpus, recorded = [], [], 0
        src.wall.clear()
        src.cpu.clear()
        for _ in range(rounds):
            clock.advance(settings.check_interval_seconds)
            r = await checker.check()
            walls.append(r.seconds)
            cpus.append(r.cpu_seconds)
            recorded += len(r.recorded)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        return {"mode": mode, "db": db, "cases": n, "rounds": rounds,
                "check_interval_seconds": settings.check_interval_seconds,
                "wall_seconds_per_check": round(wall, 4), "cpu_seconds_per_check": round(cpu, 4),
                "cpu_percent_of_one_core": round(100 * cpu / settings.check_interval_seconds, 2),
                "cases_per_second": round(n / wall), "events_recorded": recorded,
                "read_wall_seconds": round(statistics.median(src.wall), 4),
                "read_cpu_seconds": round(statistics.median(src.cpu), 4)}
    finally:
        if engine is not None:
            await engine.dispose()
        if pg_name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000, help="open cases")
    ap.add_argument("--rounds", type=int, default=5, help="checks measured per mode (the median is printed)")
    ap.add_argument("--mode", choices=("calendar", "working", "both"), default="both")
    ap.add_argument("--db", choices=("memory", "sqlite", "postgresql"), default="memory",
                    help="memory: the clocks' own cost; sqlite/postgresql: the cases in a fresh database read by the "
                         "cases repository each check (postgresql: a database created on "
                         "postgres@127.0.0.1:5432 and dropped after)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    if args.cases < 1 or args.rounds < 1:
        ap.error("--cases and --rounds must be at least 1")
    modes = ("calendar", "working") if args.mode == "both" else (args.mode,)
    if args.db != "memory":
        db_results = [asyncio.run(run_db(args.db, m, args.cases, args.rounds)) for m in modes]
        if args.json:
            print(json.dumps(db_results, indent=2))
            return
        for r in db_results:
            print(f"{r['mode']} days, {r['cases']} open cases in {r['db']}, a check every "
                  f"{r['check_interval_seconds']:g} s: {r['cpu_seconds_per_check']:.3f} CPU s per check = "
                  f"{r['cpu_percent_of_one_core']:.2f} % of one core ({r['wall_seconds_per_check']:.3f} s wall, "
                  f"{r['cases_per_second']:,} cases/s); the read of the open cases alone "
                  f"{r['read_cpu_seconds']:.3f} CPU s ({r['read_wall_seconds']:.3f} s wall); "
                  f"{r['events_recorded']} events came due and were recorded")
        return
    results = [asyncio.run(run_mode(m, args.cases, args.rounds)) for m in modes]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        st, ev, f = r["steady"], r["every_case_computed"], r["first_check"]
        print(f"{r['mode']} days, {r['cases']} open cases, a check every {r['check_interval_seconds']:g} s:\n"
              f"  steady state: {st['cpu_seconds_per_check']:.4f} CPU s per check = "
              f"{st['cpu_percent_of_one_core']:.3f} % of one core; {st['cases_per_cpu_second']:,} cases per CPU s "
              f"({st['cases_per_second']:,}/s wall); {st['cases_skipped_per_check']} cases unchanged and skipped\n"
              f"  every case computed: {ev['cpu_seconds_per_check']:.3f} CPU s per check; "
              f"{ev['cases_per_cpu_second']:,} cases per CPU s ({ev['cases_per_second']:,}/s wall)\n"
              f"  first check after a restart: {f['events_recorded']} events recorded in {f['cpu_seconds']:.3f} "
              f"CPU s")


if __name__ == "__main__":
    main()
