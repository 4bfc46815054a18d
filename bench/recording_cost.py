"""What recording costs: CPU per recorded call and bytes per recorded minute.

The same call load runs twice against the real service (``python -m callcenter up`` with its managed Asterisk),
once with ``recording.enabled = false`` and once with it on: SIPp callers (``tests/sipp/caller.py``: they speak —
sip-tester's g711a.pcap, G.711 A-law — from the moment the IVR answers, and hang up after ``--hold`` s while still
speaking, so RTP flows for the whole call) go through the IVR into the ``support`` queue and are answered by
``--agents`` seats of ONE SIPp UAS (static contacts; answers after 1 s and echoes the audio back). CPU seconds of
the service and of Asterisk are taken from the first call until every call has ended; the difference between the
two runs, divided by the recorded calls, is what recording costs per call (Asterisk mixes and writes, the service
starts and indexes). Bytes per minute come from the recordings index (size ÷ duration).

    .venv/bin/python bench/recording_cost.py [--rate 2] [--duration 60] [--hold 6.3] [--agents 40] [--db sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.screen_pop import (  # noqa: E402  (the same service/SIPp/CPU plumbing as the screen-pop bench)
    CpuWatch,
    Service,
    _die_with_parent,
    _pg_admin,
    agents_ready,
    bench_database,
    kill_proc,
    prepare_queue_and_agents,
    sipp_errors,
    step,
)
from callcenter.app import Stack  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.recordings.models import Recording  # noqa: E402
from tests.helpers import SIPP_DIR, free_udp_port, short_tmpdir, up_env  # noqa: E402
from tests.sipp.caller import render  # noqa: E402


async def prepare(settings: Any, agents: int, uas_port: int) -> list[str]:
    logging.getLogger("callcenter").setLevel(logging.ERROR)  # "created the first admin user" is expected here
    stack = Stack(settings, run_migrations=False)
    try:
        return await prepare_queue_and_agents(stack, agents, uas_port)
    finally:
        await stack.engine.dispose()


async def recordings(settings: Any) -> list[Recording]:
    stack = Stack(settings, run_migrations=False)
    try:
        async with stack.sessions() as s:
            return list((await s.execute(select(Recording))).scalars())
    finally:
        await stack.engine.dispose()


async def phase(args: argparse.Namespace, recording: bool) -> dict[str, Any]:
    """One run of the call load with recording on or off, on a fresh database and service."""
    tmp = short_tmpdir("ccr-")
    cleanups: list[Any] = []
    url, pg_name = await bench_database(args.db, tmp)
    try:
        env, settings = up_env(url, tmp / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                               CALLCENTER_LOG_LEVEL="WARNING", CALLCENTER_ACD__AUTO_PAUSE_AFTER_MISSED_RINGS="0",
                               CALLCENTER_RECORDING__ENABLED="true" if recording else "false")
        await asyncio.to_thread(upgrade, url)
        uas_port = free_udp_port()
        exts = await prepare(settings, args.agents, uas_port)
        sipp_dir = tmp / "sipp"
        sipp_dir.mkdir()
        (sipp_dir / "pcap").symlink_to("/usr/share/sip-tester")
        total = int(args.rate * args.duration)
        target = f"{settings.asterisk.sip_host}:{settings.asterisk.sip_port}"
        uas = subprocess.Popen(
            ["sipp", target, "-sf", str(SIPP_DIR / "agent_answer.xml"), "-s", "bench", "-i", "127.0.0.1",
             "-p", str(uas_port), "-mp", str(free_udp_port()), "-rtp_echo", "-m", str(total), "-nostdin",
             "-trace_err"], cwd=sipp_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        cleanups.append(lambda: kill_proc(uas))
        service = Service(env, tmp / "service.log")
        cleanups.append(service.stop)
        base = f"http://127.0.0.1:{env['CALLCENTER_HTTP__PORT']}"
        with step(f"starting the service, recording {'on' if recording else 'off'}"):
            service.start()
            await service.wait_healthy(base, 90)
        assert service.proc is not None
        asterisk = [c for c in service.children if "asterisk" in c.name()]
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await agents_ready(http, exts)
        scenario = render([], args.hold, sipp_dir / "caller")
        watch = CpuWatch({"service": psutil.Process(service.proc.pid), "asterisk": asterisk[0]})
        watch.start()
        t0 = time.perf_counter()
        with step(f"{total} calls at {args.rate}/s"):
            uac = subprocess.run(
                ["sipp", target, "-sf", str(scenario), "-s", "4000", "-i", settings.asterisk.trunk_match,
                 "-p", str(free_udp_port("127.0.0.2")), "-mp", str(free_udp_port()), "-r", str(args.rate),
                 "-m", str(total), "-l", str(total), "-nostdin", "-trace_err", "-timeout",
                 f"{int(args.duration + args.hold + 120)}s"],
                cwd=scenario.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        cpu = await watch.stop()
        if uac.returncode != 0:
            print(f"  SIPp callers exited with {uac.returncode}: {sipp_errors(scenario.parent)[:500]}",
                  file=sys.stderr)
        await asyncio.sleep(3)  # the last recordings are indexed
        rows = await recordings(settings) if recording else []
        return {"calls": total, "wall_s": wall, "cpu": cpu, "rows": rows, "dir": settings.recordings_dir}
    finally:
        for c in reversed(cleanups):
            try:
                c()
            except Exception as e:  # keep cleaning up
                print(f"cleanup: {e}", file=sys.stderr)
        if pg_name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


async def run(args: argparse.Namespace) -> int:
    off = await phase(args, recording=False)
    on = await phase(args, recording=True)
    ok = [r for r in on["rows"] if r.status == "ok" and r.duration_seconds]
    problems = [r for r in on["rows"] if r.status != "ok"]
    minutes = sum(r.duration_seconds or 0 for r in ok) / 60
    size = sum(r.size_bytes or 0 for r in ok)
    print()
    print(f"{on['calls']} calls at {args.rate}/s, each talking ~{args.hold - 1.5:.1f} s with speech both ways "
          f"({args.db})")
    print(f"{'':34}{'recording off':>16}{'recording on':>16}{'difference':>14}")
    for k in ("service", "asterisk"):
        a, b = off["cpu"][k]["cpu_s"], on["cpu"][k]["cpu_s"]
        print(f"  {k + ' CPU seconds':32}{a:16.2f}{b:16.2f}{b - a:14.2f}")
    for k in ("service", "asterisk"):
        a, b = off["cpu"][k]["cpu_pct"], on["cpu"][k]["cpu_pct"]
        print(f"  {k + ' CPU (% of one core)':32}{a:16.1f}{b:16.1f}{b - a:14.1f}")
    extra = sum(on["cpu"][k]["cpu_s"] - off["cpu"][k]["cpu_s"] for k in ("service", "asterisk"))
    print(f"recordings: {len(ok)} ok, {len(problems)} not ok "
          f"({', '.join(sorted({r.status for r in problems})) or '-'}); {minutes:.1f} min recorded")
    if ok:
        print(f"CPU per recorded call: {1000 * extra / len(ok):.1f} ms (service + Asterisk); "
              f"per recorded minute: {1000 * extra / minutes:.1f} ms")
        print(f"bytes per recorded minute: {size / minutes:,.0f} ({size / minutes / 2**20:.2f} MiB; wav, 8 kHz "
              "16-bit mono)")
    print("command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    return 0 if ok and not problems else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=2.0, help="calls per second")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of new calls")
    p.add_argument("--hold", type=float, default=6.3, help="seconds each caller stays after the IVR answers")
    p.add_argument("--agents", type=int, default=40)
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    return asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
