"""FastAGI responsiveness: time from a call's AGI connect to the engine's first command, at N concurrent calls.

Runs the real IVR engine (published flow from the DB, call tracking writes, SQLite by default or
CALLCENTER_DB__URL) behind the real FastAGI server; peers play Asterisk's side on loopback and answer every
command at once, so the figure is the service's own overhead (flow lookup, DB writes, scheduling).

    .venv/bin/python bench/fastagi_latency.py [--concurrent 20] [--rounds 25]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callcenter.asterisk.fastagi import FastAgiServer  # noqa: E402
from callcenter.calls.repository import CallRepository  # noqa: E402
from callcenter.calls.service import CallTracker  # noqa: E402
from callcenter.clock import SystemClock  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.ivr.engine import IvrEngine  # noqa: E402
from callcenter.ivr.prompts import PromptStore  # noqa: E402
from callcenter.ivr.service import IvrService  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402

FLOW = {"start": "hours", "language": "en", "nodes": {
    "hours": {"kind": "hours", "schedule": {"weekly": {d: ["00:00-24:00"] for d in
                                                      ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
              "open": "welcome", "closed": "human"},
    "welcome": {"kind": "play", "prompt": "hello-world", "next": "main"},
    "main": {"kind": "menu", "prompt": "hello-world", "default": "human",
             "options": [{"digit": "1", "target": "human"}]},
    "human": {"kind": "queue", "queue": "support"},
}}


async def one_call(port: int, n: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    env = {"agi_network_script": "inbound", "agi_uniqueid": f"{time.time():.0f}.{n}",
           "agi_channel": f"PJSIP/trunk-{n:08x}", "agi_callerid": "13800138000", "agi_extension": "4000"}
    writer.write(("".join(f"{k}: {v}\n" for k, v in env.items()) + "\n").encode())
    await writer.drain()
    first = None
    while True:
        line = await reader.readline()
        if not line:
            break
        if first is None:
            first = time.perf_counter() - t0
        cmd = line.decode().strip()
        writer.write(b"200 result=49\n" if cmd.startswith("GET DATA") else b"200 result=1\n")
        await writer.drain()
    writer.close()
    return first or 0.0, time.perf_counter() - t0


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--concurrent", type=int, default=20)
    p.add_argument("--rounds", type=int, default=25)
    a = p.parse_args()

    tmp = tempfile.mkdtemp(prefix="cc-bench-agi-")
    url = os.environ.get("CALLCENTER_DB__URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()
    prompts = PromptStore(Path(tmp) / "prompts", Path("/usr/share/asterisk/sounds"))
    ivr = IvrService(sessions, clock, queues=lambda: {"support"}, prompt_exists=lambda n, lang: True)
    flow = await ivr.create_flow(f"bench-{time.time():.0f}", FLOW)
    await ivr.publish(flow.id, by="bench")
    await ivr.set_entry_point("*", flow.id)
    tracker = CallTracker(CallRepository(engine, sessions), clock, "from-trunk")
    tracker.start_writer()  # as the running service does
    eng = IvrEngine(ivr, tracker, prompts, clock, voicemail_dir=Path(tmp) / "vm")
    server = FastAgiServer("127.0.0.1", 0, command_timeout=10)
    for route, h in eng.routes().items():
        server.route(route, h)
    await server.start()
    port = server.port

    firsts, totals = [], []
    n = 0
    t_all = time.perf_counter()
    cpu0 = time.process_time()
    for _ in range(a.rounds):
        results = await asyncio.gather(*(one_call(port, n + i) for i in range(a.concurrent)))
        n += a.concurrent
        firsts += [r[0] for r in results]
        totals += [r[1] for r in results]
    wall = time.perf_counter() - t_all
    cpu = time.process_time() - cpu0
    await server.stop()
    await tracker.stop_writer()
    await engine.dispose()

    def pct(xs: list[float], q: float) -> float:
        return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000

    print(f"database                 {url.split('://', 1)[0]}")
    print(f"calls                    {n} ({a.rounds} rounds of {a.concurrent} concurrent)")
    print(f"connect → first command  p50 {pct(firsts, 0.5):.1f} ms   p99 {pct(firsts, 0.99):.1f} ms   "
          f"max {max(firsts) * 1000:.1f} ms")
    print(f"whole IVR session        p50 {pct(totals, 0.5):.1f} ms   p99 {pct(totals, 0.99):.1f} ms "
          f"(hours → play → menu → queue, 11 AGI commands, ~6 DB writes)")
    print(f"throughput               {n / wall:.0f} IVR sessions/s, "
          f"CPU {cpu:.2f} s ({100 * cpu / wall:.0f}% of a core, peers included)")
    print(f"mean first command       {statistics.mean(firsts) * 1000:.1f} ms; server errors {server.errors}")
    if server.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
