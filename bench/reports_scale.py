"""The interval reports at the size of a year of a 200-agent centre: how long the requests take, and how long a
rebuild from the raw rows takes.

Builds a fresh database (migrated by ``callcenter.migrate.upgrade``, as the product does) — SQLite in a temporary
directory and/or a temporary PostgreSQL database on postgres@127.0.0.1:5432 (dropped after) — with:

- **a year of rollups** (what the requests read), written directly: ``--calls`` calls a year (default 5 million)
  over 4 queues, inbound and outbound, by a daily profile (busy 09:00-21:00, a quiet night), and ``--agents``
  agents (default 200) each working an 8-hour shift a day in one of three shifts, their state seconds, calls,
  pauses by reason, away time — the rows the product's pass would write for such a centre;
- **the raw rows of the last ``--raw-days`` days** (default 31): the calls (answered, abandoned, timed out) and every
  agent's state-log rows (log in, ringing, on a call, wrap-up, ready, pauses, log out), at the same rate; those
  days' rollups are then **rebuilt from them** by the product's own ``reports.rollups.roll_span`` (timed: one day,
  then the whole raw span) — the year's rollups are the generated ones plus these rebuilt days.

Then each request is timed ``--runs`` times (after one warm-up) through the product's ``Intervals.report`` and the
route's serialisation (``reports.api._iso`` + ``IntervalReport``), printing p50 / p95:

1. the monthly queue report (one month, by day, every queue);
2. a day by 15 minutes (every queue; and the agents' day by 15 minutes);
3. the monthly agent report (one month, one row per agent: the appraisal's inputs).

Printed: the command, the machine (cores, load average before and after), the generation times, the rows, the
rebuild times, the cost of one of the service's passes at a busy time and the request latencies for each
database. Targets (issue 17): monthly ≤ 2 s, a day by 15 minutes ≤ 500 ms.

    .venv/bin/python bench/reports_scale.py [--db sqlite|postgresql|both] [--agents 200] [--calls 5000000]
                                            [--raw-days 31] [--runs 7] [--seed 17] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shlex
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcenter.reports.config import ReportSettings  # noqa: E402

PG_BASE = "postgresql://postgres@127.0.0.1:5432/postgres"
TZ = "Asia/Shanghai"
QUEUES = ("support", "consult", "business", "complaints")
QUEUE_SHARE = (0.45, 0.25, 0.2, 0.1)
REASONS = ("lunch", "break", "meeting", "training")
# the year: 2025-12-01 .. 2026-12-01 local (UTC+8: 16:00 the day before)
YEAR_START = datetime(2025, 11, 30, 16, tzinfo=UTC)
YEAR_END = datetime(2026, 11, 30, 16, tzinfo=UTC)
SHIFTS_UTC = (0, 8, 16)  # 08:00, 16:00, 00:00 local
BUCKET = timedelta(minutes=15)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def profile() -> list[float]:
    """The share of a day's calls in each 15-minute bucket of the local day (96)."""
    w = []
    for i in range(96):
        h = i / 4
        w.append(1.0 if 9 <= h < 21 else 0.45 if 8 <= h < 9 or 21 <= h < 23 else 0.08)
    t = sum(w)
    return [x / t for x in w]


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


# the generated rollups ------------------------------------------------------------------------------------------
def gen_rollups(rng: random.Random, start: datetime, end: datetime, calls_per_day: float, agents: int
                ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Queue rows (bucket, queue, direction, counts...), agent rows and pause rows of ``[start, end)``."""
    prof = profile()
    qrows: list[tuple[Any, ...]] = []
    arows: list[tuple[Any, ...]] = []
    prows: list[tuple[Any, ...]] = []
    t = start
    i = 0
    while t < end:
        local_i = ((t - YEAR_START) // BUCKET) % 96
        n_day = calls_per_day * prof[local_i]
        for q, share in zip(QUEUES, QUEUE_SHARE, strict=True):
            for direction, dshare in (("inbound", 0.9), ("outbound", 0.1)):
                n = max(0, int(rng.gauss(n_day * share * dshare, 1.5)))
                if n == 0:
                    continue
                ab = int(n * 0.07)
                to = int(n * 0.01)
                ans = n - ab - to
                insl = int(ans * rng.uniform(0.7, 0.95))
                qrows.append((t, q, direction, n, ans, insl, ab, int(n * 0.004), to, ans, int(n * 0.01),
                              int(n * 0.02), ans, ans * rng.uniform(8, 25), ans * rng.uniform(150, 260),
                              ans * rng.uniform(15, 40), rng.uniform(40, 240)))
        hour_utc = t.hour
        for a in range(agents):
            shift = SHIFTS_UTC[a % 3]
            if not (shift <= hour_utc < shift + 8):
                continue
            on_call = rng.uniform(400, 700)
            wrap = rng.uniform(40, 120)
            paused = rng.choice((0.0, 0.0, 0.0, 0.0, 300.0, 900.0))
            ringing = rng.uniform(10, 40)
            ready = max(0.0, 900 - on_call - wrap - paused - ringing)
            away = paused if paused >= 900 else 0.0
            arows.append((t, f"agent{a:03d}", 900.0, ready, ringing, on_call, wrap, paused, away,
                          rng.randint(1, 4), rng.randint(0, 1), rng.randint(0, 1), 1 if away and rng.random() < 0.1
                          else 0, rng.randint(0, 1), rng.randint(0, 1)))
            if paused:
                prows.append((t, f"agent{a:03d}", REASONS[i % len(REASONS)], paused))
        t += BUCKET
        i += 1
    return qrows, arows, prows


# the raw rows -----------------------------------------------------------------------------------------------------
def gen_raw(rng: random.Random, start: datetime, end: datetime, calls_per_day: float, agents: int
            ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Calls and agent state-log rows of ``[start, end)``: each agent works its shift every day, taking a call about
    every ``8 h / (calls per agent-shift)``; 7 % abandoned and 1 % timed out besides."""
    calls: list[tuple[Any, ...]] = []
    states: list[tuple[Any, ...]] = []
    per_shift = calls_per_day / agents  # each agent works one shift a day
    gap = 8 * 3600 / per_shift
    n = 0
    day = start
    while day < end:
        for a in range(agents):
            uid, name = a + 1, f"agent{a:03d}"
            t = day + timedelta(hours=SHIFTS_UTC[a % 3])
            stop = t + timedelta(hours=8)
            states.append((uid, name, "ready", "", None, t))
            t += timedelta(seconds=rng.uniform(5, 60))
            lunch = day + timedelta(hours=SHIFTS_UTC[a % 3] + 4)
            had_lunch = False
            while t < stop - timedelta(minutes=10):
                if not had_lunch and t >= lunch:
                    had_lunch = True
                    states.append((uid, name, "paused", "lunch", None, t))
                    t += timedelta(minutes=30)
                    states.append((uid, name, "ready", "", None, t))
                n += 1
                cid = f"r{n}"
                q = rng.choices(QUEUES, QUEUE_SHARE)[0]
                wait = rng.expovariate(1 / 15)
                queued = t - timedelta(seconds=wait)
                ring = rng.uniform(3, 12)
                talk = rng.lognormvariate(5.2, 0.5)
                wrap = rng.uniform(10, 60)
                states.append((uid, name, "ringing", "", cid, t))
                ans = t + timedelta(seconds=ring)
                states.append((uid, name, "on_call", "", cid, ans))
                ended = ans + timedelta(seconds=talk)
                states.append((uid, name, "wrapup", "", cid, ended))
                t = ended + timedelta(seconds=wrap)
                states.append((uid, name, "ready", "", None, t))
                calls.append((cid, q, "inbound", queued - timedelta(seconds=20), queued, ans, ended,
                              wait + ring, talk, "completed", "answered", name))
                if rng.random() < 0.08:  # an abandoned or timed-out caller beside it
                    n += 1
                    qa = t - timedelta(seconds=rng.uniform(30, 200))
                    timed_out = rng.random() < 0.12
                    left = qa + timedelta(seconds=300 if timed_out else rng.uniform(5, 120))
                    calls.append((f"r{n}", q, "inbound", qa - timedelta(seconds=20), qa, None, left, None, None,
                                  "queue_timeout" if timed_out else "caller_hangup_in_queue",
                                  "failed" if timed_out else "abandoned", None))
                t += timedelta(seconds=rng.expovariate(1 / max(1.0, gap - 230)))
            states.append((uid, name, "logged_out", "", None, max(t, stop)))
        day += timedelta(days=1)
    return calls, states


# writing ----------------------------------------------------------------------------------------------------------
Q_COLS = ("bucket", "queue", "direction", "offered", "answered", "answered_in_sl", "abandoned", "ivr_abandoned",
          "timed_out", "completed", "callbacks", "transfers", "wrapups", "wait_sum", "talk_sum", "wrapup_sum",
          "wait_max")
A_COLS = ("bucket", "agent", "logged_in", "ready", "ringing", "on_call", "wrapup", "paused", "away_seconds",
          "answered", "made", "missed_rings", "away_violations", "callbacks_done", "cases_accepted")
P_COLS = ("bucket", "agent", "reason", "seconds")
C_COLS = ("uniqueid", "queue", "direction", "arrived_at", "queued_at", "answered_at", "ended_at", "wait_seconds",
          "talk_seconds", "end_reason", "outcome", "agent_username")
S_COLS = ("user_id", "username", "state", "reason", "call_uniqueid", "at", "source")


class Writer:
    """Bulk rows straight through the driver (sqlite3 executemany / asyncpg COPY): the generator is not what is
    measured."""

    def __init__(self, db: str, url: str, path: Path | None) -> None:
        self.db, self.url, self.path = db, url, path
        self.pg: Any = None
        self.lite: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self.db == "sqlite":
            assert self.path is not None
            self.lite = sqlite3.connect(self.path)
            self.lite.execute("PRAGMA journal_mode=WAL")
            self.lite.execute("PRAGMA synchronous=OFF")
        else:
            import asyncpg

            self.pg = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql"))

    async def rows(self, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.lite is not None:
            conv = [tuple(ts(v) if isinstance(v, datetime) else v for v in r) for r in rows]
            self.lite.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                  conv)
            self.lite.commit()
        else:
            conv = [tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in r) for r in rows]
            await self.pg.copy_records_to_table(table, records=conv, columns=list(cols))

    async def close(self) -> None:
        if self.lite is not None:
            self.lite.execute("ANALYZE")
            self.lite.commit()
            self.lite.close()
        if self.pg is not None:
            await self.pg.execute("ANALYZE")
            await self.pg.close()


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_BASE)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run_db(db: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from sqlalchemy import insert

    from callcenter.acd.models import AgentStatus
    from callcenter.auth.models import User
    from callcenter.db import make_engine, make_sessionmaker
    from callcenter.directory.models import QueueDef
    from callcenter.migrate import upgrade
    from callcenter.reports.api import _iso
    from callcenter.reports.intervals import Intervals, Request
    from callcenter.reports.rollups import roll_span
    from callcenter.reports.schemas import IntervalReport

    rng = random.Random(args.seed)
    out: dict[str, Any] = {"db": db}
    pg_name = None
    if db == "sqlite":
        path = tmp / "reports.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        path = None
        pg_name = "cc_bench_reports_" + uuid.uuid4().hex[:12]
        await _pg_admin(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_name}"
    try:
        w0 = time.perf_counter()
        await asyncio.to_thread(upgrade, url)
        out["migrate_s"] = time.perf_counter() - w0
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        now = datetime(2025, 11, 30, 16, tzinfo=UTC)
        async with sessions() as s:
            await s.execute(insert(User), [{"id": a + 1, "username": f"agent{a:03d}", "display_name": f"Agent {a}",
                                            "password_hash": "x", "roles": ["agent"], "created_at": now}
                                           for a in range(args.agents)])
            await s.execute(insert(AgentStatus), [{"user_id": a + 1, "username": f"agent{a:03d}",
                                                   "state": "logged_out", "reason": "", "since": now,
                                                   "missed_rings": 0} for a in range(args.agents)])
            await s.execute(insert(QueueDef), [{"name": q, "display_name": q} for q in QUEUES])
            await s.commit()
        per_day = args.calls / 365
        raw_start = YEAR_END - timedelta(days=args.raw_days)
        wr = Writer(db, url, path)
        await wr.open()
        counts = {"queue_rows": 0, "agent_rows": 0, "pause_rows": 0}
        gen_s = write_s = 0.0
        day = YEAR_START
        while day < raw_start:  # a month at a time: memory stays small
            upto = min(raw_start, day + timedelta(days=30))
            g = time.perf_counter()
            qrows, arows, prows = gen_rollups(rng, day, upto, per_day, args.agents)
            gen_s += time.perf_counter() - g
            g = time.perf_counter()
            await wr.rows("report_queue_buckets", Q_COLS, qrows)
            await wr.rows("report_agent_buckets", A_COLS, arows)
            await wr.rows("report_agent_pauses", P_COLS, prows)
            write_s += time.perf_counter() - g
            counts["queue_rows"] += len(qrows)
            counts["agent_rows"] += len(arows)
            counts["pause_rows"] += len(prows)
            day = upto
        out["rollups_generated"] = {**counts, "generate_s": gen_s, "write_s": write_s,
                                    "days": (raw_start - YEAR_START).days}
        g = time.perf_counter()
        calls, states = gen_raw(rng, raw_start, YEAR_END, per_day, args.agents)
        gen_raw_s = time.perf_counter() - g
        g = time.perf_counter()
        for i in range(0, len(calls), 200_000):
            await wr.rows("calls", C_COLS, calls[i:i + 200_000])
        for i in range(0, len(states), 200_000):
            await wr.rows("agent_state_log", S_COLS, [(*r, "ami") for r in states[i:i + 200_000]])
        out["raw"] = {"days": args.raw_days, "calls": len(calls), "state_rows": len(states),
                      "generate_s": gen_raw_s, "write_s": time.perf_counter() - g}
        del calls, states
        await wr.close()
        # rebuild from the raw rows: one day, then the whole raw span (every agent, as the command does)
        g = time.perf_counter()
        await roll_span(sessions, raw_start, raw_start + timedelta(days=1), full=True)
        out["rebuild_day_s"] = time.perf_counter() - g
        g = time.perf_counter()
        chunks = await roll_span(sessions, raw_start, YEAR_END, full=True)
        out["rebuild_raw_s"] = time.perf_counter() - g
        out["rebuild_chunks"] = chunks
        # the service's pass at a busy time: the current bucket (10 minutes in) recomputed, every agent on shift
        busy = raw_start + timedelta(days=1, hours=3)
        passes = []
        for k in range(5):
            t0 = busy + timedelta(minutes=15 * k)
            g = time.perf_counter()
            await roll_span(sessions, t0, t0 + timedelta(minutes=10), full=False)
            passes.append(time.perf_counter() - g)
        out["pass_ms"] = {"p50": statistics.median(passes) * 1000, "max": max(passes) * 1000}

        svc = Intervals(sessions, TZ, ReportSettings())
        month = (datetime(2026, 5, 31, 16, tzinfo=UTC), datetime(2026, 6, 30, 16, tzinfo=UTC))
        raw_month = (YEAR_END - timedelta(days=30), YEAR_END)
        day1 = (datetime(2026, 6, 14, 16, tzinfo=UTC), datetime(2026, 6, 15, 16, tzinfo=UTC))
        cases = {
            "monthly queue report (June, by day, every queue)": Request("queue", *month, "day"),
            "monthly queue report (the rebuilt month, by day)": Request("queue", *raw_month, "day"),
            "a day by 15 minutes (every queue)": Request("queue", *day1, "15m"),
            "a day by 15 minutes (every agent)": Request("agent", *day1, "15m"),
            "monthly agent report (June, one row per agent)": Request("agent", *month, "month"),
            "monthly agent report (June by day, every agent)": Request("agent", *month, "day"),
        }
        timings: dict[str, dict[str, float]] = {}
        for label, req in cases.items():
            async def once(req: Request = req) -> float:
                t = time.perf_counter()
                rep = await svc.report(req)
                IntervalReport.model_validate(_iso(rep)).model_dump_json(by_alias=True)
                return time.perf_counter() - t
            await once()
            runs = [await once() for _ in range(args.runs)]
            timings[label] = {"p50_ms": statistics.median(runs) * 1000, "p95_ms": pct(runs, 0.95) * 1000,
                              "max_ms": max(runs) * 1000}
        out["timings"] = timings
        await engine.dispose()
        if path is not None:
            out["db_bytes"] = path.stat().st_size
        return out
    finally:
        if pg_name is not None:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def report(r: dict[str, Any]) -> None:
    g = r["rollups_generated"]
    raw = r["raw"]
    print(f"\n== {r['db']} ==")
    print(f"migrations: {r['migrate_s']:.1f} s")
    print(f"rollups generated for {g['days']} days: {g['queue_rows']:,} queue rows, {g['agent_rows']:,} agent rows, "
          f"{g['pause_rows']:,} pause rows; generated in {g['generate_s']:.1f} s, written in {g['write_s']:.1f} s")
    print(f"raw rows for the last {raw['days']} days: {raw['calls']:,} calls, {raw['state_rows']:,} agent state rows; "
          f"generated in {raw['generate_s']:.1f} s, written in {raw['write_s']:.1f} s")
    print(f"rebuild from the raw rows (reports.rollups.roll_span, every agent): one day {r['rebuild_day_s']:.1f} s, "
          f"{raw['days']} days {r['rebuild_raw_s']:.1f} s ({r['rebuild_chunks']} transactions)")
    if "pass_ms" in r:
        print(f"the service's pass at a busy time (one bucket, {r['pass_ms']['p50']:.0f} ms p50, "
              f"{r['pass_ms']['max']:.0f} ms max; every reports.tick_seconds)")
    if "db_bytes" in r:
        print(f"database file: {r['db_bytes'] / 2**20:.0f} MiB")
    print(f"{'request':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, t in r["timings"].items():
        print(f"{label:<52} {t['p50_ms']:8.0f} {t['p95_ms']:8.0f} {t['max_ms']:8.0f}")


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    out = []
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-reports-"))
    try:
        for db in dbs:
            out.append(await run_db(db, args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--calls", type=int, default=5_000_000, help="calls a year")
    ap.add_argument("--raw-days", type=int, default=31, help="the last days stored as raw rows and rebuilt")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.raw_days <= 365 or args.agents < 1 or args.runs < 1:
        ap.error("--raw-days 1 to 365, --agents and --runs at least 1")
    load_before = os.getloadavg()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    w = time.perf_counter()
    results = asyncio.run(run(args))
    total = time.perf_counter() - w
    load_after = os.getloadavg()
    command = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    if args.json:
        print(json.dumps({"command": command, "cores": cores, "load_before": load_before, "load_after": load_after,
                          "total_s": total, "results": results}, indent=2, default=str))
        return
    print("command: " + command)
    print(f"machine: {cores} cores (nproc), Python {platform.python_version()}, load average before "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(f"centre: {args.agents} agents, {args.calls:,} calls a year (the year 2025-12-01 .. 2026-11-30, "
          f"{TZ})")
    for r in results:
        report(r)
    print(f"\nload average after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; total {total:.0f} s")


if __name__ == "__main__":
    main()
