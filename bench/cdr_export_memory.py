"""What the streamed CDR export (``GET /api/calls/export.csv``, callcenter/calls/export.py) costs in memory and
time: the peak Python heap (tracemalloc) and the process's resident set while the whole file is produced, for
``--rows`` calls on one day, next to the same for a tenth of them — flat when the export is streamed.

A fresh database (migrated by ``callcenter.migrate.upgrade``, as the product does; SQLite in a temporary folder,
or ``--db-url``) gets ``--rows`` calls in bulk (the repository's upsert, 20,000 a transaction); then the export's
own ``CdrExport.plan`` + ``csv`` run over them and every piece is consumed (counted, thrown away), as the
``StreamingResponse`` sends each to the client.

    .venv/bin/python bench/cdr_export_memory.py [--rows 200000] [--db-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callcenter.calls.export import CdrExport  # noqa: E402
from callcenter.calls.repository import CallRepository  # noqa: E402
from callcenter.clock import SystemClock  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402

DAY = date(2026, 12, 4)
START = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 2026-12-04 00:00 in Asia/Shanghai


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def no_audit(*_: Any) -> None:
    pass


def row(i: int, per_second: float) -> dict[str, Any]:
    at = START + timedelta(seconds=i / per_second)
    return {"uniqueid": f"1764800000.{i}", "linkedid": f"1764800000.{i}", "arrived_at": at,
            "queued_at": at + timedelta(seconds=12), "answered_at": at + timedelta(seconds=40),
            "ended_at": at + timedelta(seconds=220), "direction": "outbound" if i % 5 == 0 else "inbound",
            "outcome": "answered", "end_reason": "completed", "queue": "support", "agent_extension": "1001",
            "agent_name": "座席 一号", "agent_username": "li", "caller_number": f"138{i:08d}", "caller_name": "张三",
            "dialled_number": "4000", "wait_seconds": 28.0, "talk_seconds": 180.5, "customer_id": i % 5000 or None}


async def measure(export: CdrExport, limit_id: int | None) -> tuple[int, int, int, float, int]:
    """(rows, bytes, tracemalloc peak, seconds, RSS growth KiB) of the export, up to ``limit_id`` if given."""
    q = export.query(DAY, DAY)
    plan = await export.plan("bench", q)
    if limit_id is not None:
        plan = type(plan)(q, min(plan.count, limit_id), min(plan.max_id, limit_id))
    gc.collect()
    rss0 = rss_kib()
    rss_peak = rss0
    tracemalloc.start()
    t0 = time.perf_counter()
    lines = size = 0
    async for piece in export.csv(plan):
        lines += piece.count(b"\r\n")
        size += len(piece)
        rss_peak = max(rss_peak, rss_kib())
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return lines - 1, size, peak, seconds, rss_peak - rss0


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--db-url", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        try:
            repo = CallRepository(engine, make_sessionmaker(engine))
            per_second = args.rows / 86_000
            t0 = time.perf_counter()
            for first in range(0, args.rows, 20_000):
                await repo.upsert_many([row(i, per_second) for i in range(first, min(args.rows, first + 20_000))])
            print(f"inserted {args.rows} calls in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
            export = CdrExport(make_sessionmaker(engine), SystemClock(), "Asia/Shanghai", no_audit)
            # the first tenth as its own export (rows with id up to it), then the whole day
            for label, limit in (("a tenth", args.rows // 10), ("all", None)):
                n, size, peak, secs, rss = await measure(export, limit)
                print(f"{label:>8}: {n} rows, {size / 1e6:.1f} MB of CSV in {secs:.2f} s ({n / secs:,.0f} rows/s); "
                      f"tracemalloc peak {peak / 1024:,.0f} KiB; RSS grew {rss:,} KiB while streaming")
        finally:
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
