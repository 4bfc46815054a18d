"""Replays a recorded real AMI trace at full speed into the bridge and prints events/s and CPU.

The whole ingest path is measured: AMI wire text over TCP (sent by the tests' fake AMI peer) → panoramisk
parsing → the bridge's ordered dispatcher → call tracking → SQLite (or CALLCENTER_DB__URL) writes. The trace
(recorded from Asterisk 16 by ``ami.trace_file``) is repeated N times with fresh uniqueids so every copy is a
new call.

    .venv/bin/python bench/ami_ingest.py [--calls 500] [--trace tests/fixtures/ami_answered_call.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callcenter.asterisk.ami import AmiClient, AmiEvent, EventDispatcher  # noqa: E402
from callcenter.asterisk.trace import load_trace  # noqa: E402
from callcenter.calls import events as call_events  # noqa: E402
from callcenter.calls.repository import CallRepository  # noqa: E402
from callcenter.calls.service import CallTracker  # noqa: E402
from callcenter.clock import SystemClock  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.settings import AmiSettings  # noqa: E402
from tests.fake_ami import FakeAmi  # noqa: E402

SECRET = "bench-secret-123"


def build_stream(events: list[AmiEvent], calls: int) -> tuple[str, int]:
    call_events_only = [e for e in events if e.name != "FullyBooted"]
    uids = sorted({e[k] for e in call_events_only for k in ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid")
                   if e.get(k)})
    chunks = []
    for n in range(calls):
        mapping = {u: f"{u}{n:06d}" for u in uids}
        for e in call_events_only:
            ev = {k: (mapping.get(v, v) if k.endswith(("Uniqueid", "Linkedid")) else v) for k, v in e.items()}
            chunks.append(FakeAmi.wire(ev))
    return "".join(chunks), len(chunks)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=500)
    p.add_argument("--trace", type=Path, default=ROOT / "tests" / "fixtures" / "ami_answered_call.jsonl")
    args = p.parse_args()

    events = load_trace(args.trace)
    stream, n_events = build_stream(events, args.calls)

    tmp = tempfile.mkdtemp(prefix="cc-bench-")
    url = os.environ.get("CALLCENTER_DB__URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    repo = CallRepository(engine, make_sessionmaker(engine))
    tracker = CallTracker(repo, SystemClock(), "from-trunk")
    tracker.start_writer()  # as the running service does
    dispatcher = EventDispatcher()
    dispatcher.register_map(call_events.handlers(tracker))

    fake = FakeAmi(secret=SECRET)  # the tests' AMI peer: login, FullyBooted, empty resync lists
    port = await fake.start()
    client = AmiClient(AmiSettings(port=port, secret=SECRET, ping_interval=60, action_timeout=30), dispatcher)
    await client.start()
    await client.wait_ready(10)
    base = dispatcher.dispatched

    cpu0, t0 = time.process_time(), time.perf_counter()
    await fake.push_raw(stream.encode())
    while dispatcher.dispatched - base < n_events:
        await asyncio.sleep(0.005)
    await tracker.stop_writer()  # every call stored
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0

    rows, total = await repo.search(limit=1)
    answered = (await repo.search(outcome="answered", limit=1))[1]
    await client.stop()
    await fake.stop()
    await engine.dispose()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"trace            {args.trace.name} ({len(events)} events recorded from Asterisk)")
    print(f"database         {url.split('://', 1)[0]}")
    print(f"events replayed  {n_events} ({args.calls} calls)")
    print(f"wall time        {wall:.3f} s")
    print(f"throughput       {n_events / wall:,.0f} events/s ({args.calls / wall:,.1f} calls/s)")
    print(f"CPU time         {cpu:.3f} s ({100 * cpu / wall:.0f}% of one core), {1e6 * cpu / n_events:.1f} µs/event")
    print(f"calls stored     {total} ({answered} answered), handler errors {dispatcher.errors}")
    print(f"peak RSS         {rss_mb:.1f} MiB")
    if total != args.calls or answered != args.calls or dispatcher.errors:
        print("MISMATCH: not every replayed call was stored as answered", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
