"""What the progressive pacer costs: dial decisions per second and its CPU per tick at ``--agents`` agents and
``--numbers`` numbers.

Builds a fresh database (migrated by ``callcenter.migrate.upgrade``, as the product does) with one running
progressive campaign of ``--agents`` agents and ``--numbers`` numbers (inserted in bulk, timed on its own; with
``--insert service`` through the service's ``add_numbers``, the product's import path, in chunks of 10,000), and
the service's own ``Campaigns`` with: a fake clock inside the calling hours (moved 5 minutes a tick when agents
are free, so busy and no-answer numbers come due again), ``agent_state`` "ready" for the agents the simulation
says are free, ``place_call`` a fake click-to-call that returns a new uniqueid at once (no Asterisk; the agent is
no longer free), ``user_of`` a minimal user, ``is_agent`` True, ``call_end`` None, and the product's audit log
(``AuthRepository.add_audit``: one row per call placed, as the stack wires it). ``Campaigns.tick()`` is timed
(``time.perf_counter`` and ``time.process_time``: this process, the aiosqlite thread included; with PostgreSQL
also the server's CPU for this database's backends, read from ``/proc``) in three phases:

1. **all free**: every agent ready — ``--rounds`` ticks, each pairing every agent with a due number (after one
   warm-up tick, not counted): the dial decisions per CPU second and per wall second;
2. **busy centre**: no agent free — ``20 x --rounds`` ticks: the cost of looking (the running campaigns read,
   each agent's state asked), as % of one core at ``campaigns.tick_seconds``;
3. **10 free** out of ``--agents`` (a random 10 each tick) — ``4 x --rounds`` ticks.

After each tick with calls placed, every call is ended through the service's settle path (``Campaigns._ended``:
the number found by its call, its outcome stored, its retry time set; timed too) with a mix of outcomes
(answered 40 %, busy 25 %, no answer 35 %; busy retried after 10 minutes, no answer after 60, at most 3 attempts),
so numbers move through retries. Printed: the command, the machine (cores, load average before and after), the
insert, and per phase the ticks, calls placed, calls per CPU second and per wall second, CPU and wall per tick
(median, p95) and the mean CPU per tick as % of one core at ``tick_seconds``.

    .venv/bin/python bench/campaign_pacing.py [--agents 200] [--numbers 100000] [--db sqlite|postgresql]
                                              [--rounds 5] [--seed 15] [--insert bulk|service] [--json]
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
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcenter.auth.repository import AuthRepository  # noqa: E402
from callcenter.campaigns.config import CampaignSettings  # noqa: E402
from callcenter.campaigns.models import CampaignNumber  # noqa: E402
from callcenter.campaigns.repository import CampaignRepository  # noqa: E402
from callcenter.campaigns.service import Campaigns  # noqa: E402
from callcenter.clock import FakeClock  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402

TZ = "Asia/Shanghai"
T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # Tuesday 08:00 in Shanghai; the campaign calls 07:00-23:00
ROUND_MINUTES = 5  # the fake clock between rounds: busy numbers (10 min) and no-answer ones (60 min) come due again
MAX_ROUNDS = 30  # (1 + 5 x 30) x 5 min + 600 ticks of 1 s: the fake clock stays inside the calling hours (15 h)
BUSY_TICKS, FEW_TICKS = 20, 4  # x --rounds: the busy centre's ticks and the 10-free ones (cheap: more of them)
CHUNK = 10_000  # numbers per add_numbers call / INSERT
OUTCOMES = (("answered", 0.40), ("busy", 0.25), ("no_answer", 0.35))
NUMBERS = cast(Table, CampaignNumber.__table__)
PG_BASE = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class BenchUser:
    """What the pacer needs of a user (``place_call`` gets it; the pacer reads ``username``)."""

    id: int
    username: str
    display_name: str = ""
    roles: tuple[str, ...] = ("agent",)
    active: bool = True


@dataclass
class Centre:
    """The agents' side: who is free, the calls in flight, a click-to-call that answers at once."""

    agents: list[str]
    free: set[str] = field(default_factory=set)
    in_flight: dict[str, str] = field(default_factory=dict)  # uid → agent
    dialled: dict[str, int] = field(default_factory=dict)  # number → times dialled
    users: dict[str, BenchUser] = field(default_factory=dict)
    _n: int = 0

    def __post_init__(self) -> None:
        self.users = {a: BenchUser(i + 1, a) for i, a in enumerate(self.agents)}

    def agent_state(self, username: str) -> str | None:
        return "ready" if username in self.free else "on_call"

    async def place_call(self, user: Any, number: str, customer_id: int | None) -> str:
        self._n += 1
        uid = f"bench-{self._n:08d}.{self._n}"
        self.free.discard(user.username)
        self.in_flight[uid] = user.username
        self.dialled[number] = self.dialled.get(number, 0) + 1
        return uid

    async def user_of(self, username: str) -> Any:
        return self.users.get(username)

    @staticmethod
    async def is_agent(username: str) -> bool:
        return True

    @staticmethod
    async def call_end(uid: str) -> tuple[str | None, str | None] | None:
        return None


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


async def _pg_admin_engine() -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    return create_async_engine(make_url(PG_BASE).set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT")


async def _pg(admin: Any, sql: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    async with admin.connect() as conn:
        res = await conn.execute(text(sql), params)
        return list(res.all()) if res.returns_rows else []


class ServerCpu:
    """PostgreSQL's CPU for this database's backends (``/proc/<pid>/stat`` utime + stime; the server runs here)."""

    def __init__(self, admin: Any, dbname: str) -> None:
        self.admin, self.dbname = admin, dbname
        self.hz = os.sysconf("SC_CLK_TCK")

    async def sample(self) -> dict[int, float] | None:
        pids = [r[0] for r in await _pg(self.admin, "SELECT pid FROM pg_stat_activity WHERE datname = :d",
                                        d=self.dbname)]
        out = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None  # not on this machine, or not readable
            out[pid] = (int(fields[11]) + int(fields[12])) / self.hz
        return out

    @staticmethod
    def delta(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
        if before is None or after is None:
            return None
        return sum(v - before.get(pid, 0.0) for pid, v in after.items())


async def bench_database(db: str, tmp: Path, admin: Any) -> tuple[str, str | None]:
    from sqlalchemy.engine import make_url

    if db != "postgresql":
        return f"sqlite+aiosqlite:///{tmp / 'callcenter.db'}", None
    name = "cc_bench_pacing_" + uuid.uuid4().hex[:12]
    await _pg(admin, f'CREATE DATABASE "{name}"')
    return make_url(PG_BASE).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False), name


def numbers_of(n: int, rng: random.Random) -> list[dict[str, Any]]:
    return [{"number": f"138{v:08d}", "name": f"Customer {i}", "customer_id": i + 1 if i % 3 == 0 else None}
            for i, v in enumerate(rng.sample(range(10**8), n))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="ccb-pacing-"))
    admin = await _pg_admin_engine() if args.db == "postgresql" else None
    url, pg_name = await bench_database(args.db, tmp, admin)
    engine = None
    out: dict[str, Any] = {"db": args.db, "agents": args.agents, "numbers": args.numbers, "rounds": args.rounds,
                           "seed": args.seed}
    try:
        if admin is not None:
            out["server"] = (await _pg(admin, "SHOW server_version"))[0][0]
        w = time.perf_counter()
        await asyncio.to_thread(upgrade, url)
        out["migrate_wall_s"] = time.perf_counter() - w
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        clock = FakeClock(T0)
        settings = CampaignSettings()
        centre = Centre([f"agent{i:04d}" for i in range(args.agents)])
        auth = AuthRepository(sessions)

        async def audit(username: str, action: str, target: str, detail: dict[str, Any] | None) -> None:
            await auth.add_audit(clock.now(), username, action, target, detail)

        campaigns = Campaigns(CampaignRepository(sessions), settings, clock, TZ, audit, centre.is_agent,
                              centre.agent_state, centre.user_of, centre.call_end, place_call=centre.place_call)
        c = await campaigns.create("bench", {
            "name": "bench progressive", "mode": "progressive", "agents": centre.agents, "hours_from": "07:00",
            "hours_to": "23:00", "days": [1, 2, 3, 4, 5, 6, 7], "retry": {"busy": 10, "no_answer": 60, "failed": 30},
            "max_attempts": 3, "script": ""})
        rows = numbers_of(args.numbers, rng)
        w, cpu = time.perf_counter(), time.process_time()
        if args.insert == "service":  # the product's import path (ORM objects, the campaign's numbers read first)
            for k in range(0, len(rows), CHUNK):
                await campaigns.add_numbers("bench", c.id, rows[k:k + CHUNK], "bench")
        else:  # the same rows in bulk: Core executemany on the table (the ORM's bulk INSERT would split the
            # chunk wherever customer_id switches between None and a value: one statement per run of rows)
            async with sessions() as s:
                for k in range(0, len(rows), CHUNK):
                    await s.execute(insert(NUMBERS), [
                        {"campaign_id": c.id, "state": "pending", "attempts": 0, **r} for r in rows[k:k + CHUNK]])
                await s.commit()
        out["insert"] = {"wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - cpu, "chunk": CHUNK,
                         "how": args.insert}
        await campaigns.transition("bench", c.id, "start")
        server = ServerCpu(admin, pg_name) if admin is not None and pg_name else None

        settle_wall: list[float] = []
        settle_cpu: list[float] = []
        tally = {o: 0 for o, _ in OUTCOMES}

        async def settle() -> None:
            """Every call in flight ends (the service's settle path), one outcome each, by the mix."""
            names, weights = [o for o, _ in OUTCOMES], [w for _, w in OUTCOMES]
            for uid in list(centre.in_flight):
                outcome = rng.choices(names, weights)[0]
                tally[outcome] += 1
                w0, c0 = time.perf_counter(), time.process_time()
                await campaigns._ended(uid, outcome, "hangup")
                settle_cpu.append(time.process_time() - c0)
                settle_wall.append(time.perf_counter() - w0)
            centre.in_flight.clear()

        async def phase(name: str, ticks: int, free_of: Any, advance_s: float, settle_after: bool
                        ) -> dict[str, Any]:
            walls, cpus, placed, srv = [], [], 0, 0.0 if server else None
            for _ in range(ticks):
                clock.advance(advance_s)
                centre.free = set(free_of())
                before = await server.sample() if server else None
                w0, c0 = time.perf_counter(), time.process_time()
                placed += await campaigns.tick()
                cpus.append(time.process_time() - c0)
                walls.append(time.perf_counter() - w0)
                if server is not None:
                    d = ServerCpu.delta(before, await server.sample())
                    srv = None if d is None or srv is None else srv + d
                if settle_after:
                    await settle()
            tot_cpu, tot_wall = sum(cpus), sum(walls)
            r = {"phase": name, "ticks": ticks, "placed": placed,
                 "placed_per_cpu_s": placed / tot_cpu if tot_cpu else 0.0,
                 "placed_per_wall_s": placed / tot_wall if tot_wall else 0.0,
                 "cpu_tick_p50_s": statistics.median(cpus), "cpu_tick_p95_s": pct(cpus, 0.95),
                 "cpu_tick_mean_s": tot_cpu / ticks,
                 "wall_tick_p50_s": statistics.median(walls), "wall_tick_p95_s": pct(walls, 0.95),
                 "core_pct_at_tick": 100 * (tot_cpu / ticks) / settings.tick_seconds}
            if srv is not None:
                r["server_cpu_tick_s"] = srv / ticks
            return r

        everyone = centre.agents
        # a warm-up tick (every agent free), not counted
        clock.advance(ROUND_MINUTES * 60)
        centre.free = set(everyone)
        warm = await campaigns.tick()
        await settle()
        settle_wall.clear()
        settle_cpu.clear()
        tally.update(dict.fromkeys(tally, 0))
        few = min(10, args.agents)
        phases = [await phase("all free", args.rounds, lambda: everyone, ROUND_MINUTES * 60, True),
                  await phase("busy centre", BUSY_TICKS * args.rounds, lambda: (), settings.tick_seconds, False),
                  await phase(f"{few} free", FEW_TICKS * args.rounds, lambda: rng.sample(everyone, few),
                              ROUND_MINUTES * 60, True)]
        figures = await campaigns.figures(c.id)
        out.update({
            "tick_seconds": settings.tick_seconds, "warmup_placed": warm, "phases": phases,
            "settle": {"calls": len(settle_cpu), "cpu_p50_s": statistics.median(settle_cpu),
                       "cpu_mean_s": sum(settle_cpu) / len(settle_cpu),
                       "wall_p50_s": statistics.median(settle_wall), "outcomes": tally},
            "retries_dialled": sum(v - 1 for v in centre.dialled.values() if v > 1),
            "numbers_after": figures["by_state"], "dialled": figures["dialled"],
            "clock_end_local": clock.now().astimezone(campaigns.tz).strftime("%H:%M")})
        return out
    finally:
        if engine is not None:
            await engine.dispose()
        if admin is not None:
            if pg_name:
                await _pg(admin, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


def report(r: dict[str, Any], load_before: tuple[float, ...], load_after: tuple[float, ...]) -> None:
    ms = 1000.0
    print(f"database: {r['db']}" + (f" (PostgreSQL {r['server']}, a temporary database, dropped after)"
                                     if r["db"] == "postgresql" else " (a file in a temporary directory, WAL)"))
    print(f"campaign: 1 running progressive, {r['agents']} agents, {r['numbers']:,} numbers; tick_seconds "
          f"{r['tick_seconds']:g}; the fake clock +{ROUND_MINUTES} min a tick with agents free, +tick_seconds a "
          f"busy tick (08:00 to {r['clock_end_local']} local)")
    ins = r["insert"]
    print(f"migrations: {r['migrate_wall_s']:.1f} s wall; numbers insert: {ins['wall_s']:.1f} s wall, "
          f"{ins['cpu_s']:.1f} CPU s ({r['numbers'] / ins['wall_s']:,.0f} numbers/s, "
          + ("Campaigns.add_numbers" if ins["how"] == "service" else "bulk INSERTs")
          + f" in chunks of {ins['chunk']:,})")
    print(f"warm-up tick (not counted): {r['warmup_placed']} calls placed")
    srv = any("server_cpu_tick_s" in p for p in r["phases"])
    head = (f"{'phase':<12} {'ticks':>5} {'calls':>6} {'calls/CPU s':>11} {'calls/wall s':>12} "
            f"{'CPU/tick p50':>12} {'p95':>8} {'wall/tick p50':>13} {'p95':>8} {'% core':>7}"
            + (f" {'PG CPU/tick':>11}" if srv else ""))
    print(head)
    for p in r["phases"]:
        rate_cpu = f"{p['placed_per_cpu_s']:,.0f}" if p["placed"] else "-"
        rate_wall = f"{p['placed_per_wall_s']:,.0f}" if p["placed"] else "-"
        line = (f"{p['phase']:<12} {p['ticks']:>5} {p['placed']:>6} {rate_cpu:>11} {rate_wall:>12} "
                f"{p['cpu_tick_p50_s'] * ms:>9.2f} ms {p['cpu_tick_p95_s'] * ms:>5.2f} ms "
                f"{p['wall_tick_p50_s'] * ms:>10.2f} ms {p['wall_tick_p95_s'] * ms:>5.2f} ms "
                f"{p['core_pct_at_tick']:>6.2f}%")
        if srv:
            line += f" {p.get('server_cpu_tick_s', 0) * ms:>8.2f} ms"
        print(line)
    s = r["settle"]
    mix = ", ".join(f"{k} {v}" for k, v in s["outcomes"].items())
    print(f"call ends settled (Campaigns._ended): {s['calls']:,} ({mix}); "
          f"{s['cpu_p50_s'] * ms:.2f} ms CPU each (median; mean {s['cpu_mean_s'] * ms:.2f}), "
          f"{s['wall_p50_s'] * ms:.2f} ms wall")
    print(f"after: {r['dialled']:,} attempts in all (the warm-up's included), {r['retries_dialled']} of them "
          f"retries of busy / no-answer numbers; numbers by state {dict(sorted(r['numbers_after'].items()))}")
    print("'% core' = mean CPU per tick / tick_seconds (this process: Python, SQLAlchemy, the driver"
          + (", aiosqlite's thread" if r["db"] == "sqlite" else "") + ")"
          + ("; 'PG CPU/tick' = the PostgreSQL backends of this database (/proc), the settling excluded" if srv
             else ""))
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, after "
          f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (other processes share the cores: the wall "
          f"figures show it, the CPU ones much less)")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--agents", type=int, default=200, help="the campaign's agents")
    ap.add_argument("--numbers", type=int, default=100_000, help="the campaign's numbers")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                    help="sqlite: a file in a temporary directory; postgresql: a database created on "
                         "postgres@127.0.0.1:5432 and dropped after")
    ap.add_argument("--rounds", type=int, default=5,
                    help=f"ticks measured with every agent free ({BUSY_TICKS}x as many with none free, {FEW_TICKS}x "
                         f"with 10 free); at most {MAX_ROUNDS}")
    ap.add_argument("--insert", choices=("bulk", "service"), default="bulk",
                    help="bulk: the numbers by Core executemany INSERTs; service: through Campaigns.add_numbers (the "
                         "product's import path: ORM objects, much slower)")
    ap.add_argument("--seed", type=int, default=15, help="the numbers, the outcomes, which 10 agents are free")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    if args.agents < 1 or args.numbers < 1 or not 1 <= args.rounds <= MAX_ROUNDS:
        ap.error(f"--agents and --numbers must be at least 1, --rounds 1 to {MAX_ROUNDS} (the fake clock moves "
                 f"{ROUND_MINUTES} min a tick and stays inside the calling hours)")
    load_before = os.getloadavg()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    w = time.perf_counter()
    r = asyncio.run(run(args))
    total = time.perf_counter() - w
    load_after = os.getloadavg()
    r.update({"command": " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]), "cores": cores,
              "load_before": load_before, "load_after": load_after, "total_wall_s": total,
              "python": platform.python_version()})
    if args.json:
        print(json.dumps(r, indent=2, default=str))
        return
    print("command: " + r["command"])
    print(f"machine: {cores} cores (nproc), Python {r['python']}, load average before {load_before[0]:.2f} "
          f"{load_before[1]:.2f} {load_before[2]:.2f}")
    report(r, load_before, load_after)
    print(f"total: {total:.1f} s wall")


if __name__ == "__main__":
    main()
