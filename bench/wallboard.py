"""Supervisor wallboard under load: delivery lag of ``/ws/board`` deltas behind Asterisk, and what the board costs.

Drives calls through the real service (``python -m callcenter up`` as a child process, with its managed Asterisk):
trunk → IVR (FastAGI; a published flow sending every number to the ``support`` queue) → app_queue → ``--agents``
agent seats answered by ONE SIPp UAS (static contacts, nothing registers). Two SIPp UACs place the calls for
``--duration`` seconds at ``--rate`` calls/s together:

* regular callers (``bench/sipp/caller.xml``): the agent's phone rings ``--answer-after`` s, the agent answers and
  hangs up ``--hold`` s later (``bench/sipp/board_agent_phones.xml``); the caller waits for that BYE;
* abandoning callers (``bench/sipp/board_caller_abandon.xml``, ``--abandon-share`` of the rate): they hang up
  ``--abandon-after`` s after the IVR answers, while the agent's phone still rings (the UAS answers the CANCEL
  with 200/487), so the queue gets abandons as well as answers. Any caller also waits when all agents are busy.

``--clients`` board clients — websockets to ``/ws/board`` with ``Authorization: Bearer`` of supervisor users
(role ``supervisor``, created in the prepared database, one per worker) — run in ``--workers`` separate processes
(forked before anything else starts; asyncio + ``websockets``), so the bench's own event loop is not what is
measured. Every client notes ``time.time()`` first thing when a message arrives (same machine, same clock as
Asterisk's ``Timestamp`` headers and the service). For every ``delta`` with ``src = [first, last]`` (AMI
``Timestamp``s of the first and last call event folded into it):

* lag (first event) = receipt − ``src[0]``: the worst case of that delta — the figure the goal is about;
* lag (last event) = receipt − ``src[1]``;
* split: the delta's ``at`` (when the service built it) − ``src[0]``, and receipt − ``at`` (the service's per-client
  send queues, the socket, permessage-deflate, the client's own loop).

A client closed with 1013 (the hub dropped it as slow) or anything else mid-run reconnects after 0.5–1.5 s (as
the page does) and gets a fresh snapshot; drops, other closes and reconnects are counted. One client per worker
folds the deltas into its snapshot; after the run that state is compared with ``GET /api/board``.

CPU: ``psutil`` CPU seconds (user + system) of the ``callcenter up`` process, its Asterisk, the SIPp processes, the
client workers and the bench, from the start of the calls until both UACs have finished (all calls ended), as % of
one core; also over ``--idle`` seconds with the clients connected and no calls; peak RSS of the service. With
``--compare`` (default) the same call load runs first with NO board client (baseline), then with ``--clients``:
the difference of the service's CPU is what the board's clients cost (computing the figures happens in both).

Where the time goes: an AMI probe (a second AMI login from the bench, on by default) measures how late Asterisk
itself delivers call events; ``--trace`` has the service write its AMI trace and splits the lag into Asterisk →
service and the service's own handling; ``--profile`` starts the service through this file with timers (the event
loop thread's CPU clock) on the board's methods and on every board socket's ``send_text`` — bench-side
monkeypatching, no change to the service's code.

Goals (the issue): lag (first event) p99 ≤ 1 s with 500 clients; the board's CPU < 30 % of one core.

    .venv/bin/python bench/wallboard.py [--clients 500] [--rate 10] [--duration 60] [--agents 60]
                                        [--db sqlite|postgresql] [--compare | --no-compare] [--workers 2]
                                        [--hold 3] [--answer-after 1.5] [--abandon-share 0.2] [--abandon-after 1.2]
                                        [--compression deflate|none] [--idle 5] [--push-ms MS]
                                        [--trace] [--profile] [--no-probe] [--keep] [--json]

Everything started (service + Asterisk, SIPp, client workers, PostgreSQL database, work dir unless ``--keep``) is
removed on the way out, also on Ctrl-C or failure. Exits 2 when a step fails, 1 when clients got no delta.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.screen_pop import (  # noqa: E402  (the same service/SIPp/CPU plumbing as the screen-pop bench)
    PG_BASE,
    QUEUE,
    CpuWatch,
    Service,
    _die_with_parent,
    _pg_admin,
    agents_ready,
    bench_database,
    http_login,
    kill_proc,
    pct,
    prepare_queue_and_agents,
    sipp_errors,
    sipp_stats,
    step,
)
from callcenter.app import Stack  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.settings import DEV_ADMIN_PASSWORD  # noqa: E402
from tests.helpers import free_udp_port, short_tmpdir, up_env  # noqa: E402

SIPP_DIR = ROOT / "bench" / "sipp"
SUPERVISOR_PASSWORD = "bench-supervisor-1"
LAG_GOAL_MS = 1000.0
CPU_GOAL_PCT = 30.0

# message kinds as the workers record them
K_SNAPSHOT, K_DELTA, K_POINT, K_NOTICE, K_PONG, K_OTHER, K_BAD = range(7)
KIND_NAMES = {"snapshot": K_SNAPSHOT, "delta": K_DELTA, "point": K_POINT, "notice": K_NOTICE, "pong": K_PONG}
NAN = float("nan")


def ms(xs: list[float]) -> dict[str, float]:
    return {"p50": pct(xs, 0.50) * 1000, "p95": pct(xs, 0.95) * 1000, "p99": pct(xs, 0.99) * 1000,
            "max": max(xs) * 1000 if xs else NAN, "n": len(xs)}


def iso_ts(v: Any) -> float:
    """An ISO 8601 time of the protocol (``...Z`` or ``+00:00``) → epoch seconds; NaN if it is not one."""
    if not isinstance(v, str):
        return NAN
    try:
        d = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return NAN
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d.timestamp()


# ================================================================================ board clients (worker processes)
@dataclass
class WorkerState:
    """What one worker process records. One row per message received (all clients of the worker)."""

    at: array.array = field(default_factory=lambda: array.array("d"))  # receipt, time.time()
    kind: array.array = field(default_factory=lambda: array.array("b"))
    client: array.array = field(default_factory=lambda: array.array("i"))
    size: array.array = field(default_factory=lambda: array.array("i"))  # characters of the (decompressed) text
    src0: array.array = field(default_factory=lambda: array.array("d"))  # delta src[0] (NaN: none)
    src1: array.array = field(default_factory=lambda: array.array("d"))
    built: array.array = field(default_factory=lambda: array.array("d"))  # the message's "at" (NaN: none)
    events: list[tuple[float, int, str, Any]] = field(default_factory=list)  # (time, client, what, detail)
    snapshot_s: list[float] = field(default_factory=list)  # connect start → snapshot received
    ready: set[int] = field(default_factory=set)  # clients that got a snapshot at least once
    fatal: set[int] = field(default_factory=set)  # refused (4401/4403) or never connected: given up
    errors: list[str] = field(default_factory=list)
    folded: dict[str, Any] | None = None  # the tracking client's board state
    open: set[Any] = field(default_factory=set)  # connections now open
    snapshot_parts: dict[str, int] = field(default_factory=dict)  # characters per top-level key of a snapshot
    not_snapshot_first: int = 0


def _fold(state: dict[str, Any], msg: dict[str, Any]) -> None:
    """Apply a delta to a board state (the snapshot's shape), as a page does."""
    for q, v in (msg.get("queues") or {}).items():
        state.setdefault("queues", {})[q] = v
    if "totals" in msg and msg["totals"] is not None:
        state["totals"] = msg["totals"]
    for a, v in (msg.get("agents") or {}).items():
        state.setdefault("agents", {})[a] = v
    for a in msg.get("agents_gone") or ():
        state.get("agents", {}).pop(a, None)
    alerts = {x["id"]: x for x in state.get("alerts", []) if isinstance(x, dict) and "id" in x}
    for x in msg.get("alerts_raised") or ():
        if isinstance(x, dict) and "id" in x:
            alerts[x["id"]] = x
    for i in msg.get("alerts_cleared") or ():
        alerts.pop(i, None)
    state["alerts"] = list(alerts.values())


async def _board_client(i: int, cfg: dict[str, Any], st: WorkerState, gate: asyncio.Semaphore, track: bool,
                        stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {cfg['token']}"}
    compression = None if cfg["compression"] == "none" else "deflate"
    failures = 0
    while not stop.is_set():
        t_connect = time.time()
        ws = None
        got_snapshot = False
        try:
            async with gate:  # handshakes (token lookup + snapshot in the service) a few at a time
                ws = await connect(cfg["url"], additional_headers=headers, open_timeout=60, close_timeout=3,
                                   max_size=None, max_queue=None, ping_interval=None, compression=compression)
            st.open.add(ws)
            st.events.append((time.time(), i, "connected", None))
            async for raw in ws:
                at = time.time()  # first thing on receipt; parsing comes after
                size = len(raw)
                try:
                    msg = json.loads(raw)
                    kind = KIND_NAMES.get(msg.get("type"), K_OTHER)
                except (ValueError, AttributeError):
                    msg, kind = {}, K_BAD
                s0 = s1 = NAN
                if kind == K_DELTA:
                    src = msg.get("src")
                    if isinstance(src, list) and len(src) == 2:
                        with contextlib.suppress(TypeError, ValueError):
                            s0, s1 = float(src[0]), float(src[1])
                st.at.append(at)
                st.kind.append(kind)
                st.client.append(i)
                st.size.append(size)
                st.src0.append(s0)
                st.src1.append(s1)
                st.built.append(iso_ts(msg.get("at")) if kind in (K_DELTA, K_SNAPSHOT) else NAN)
                if not got_snapshot:
                    if kind != K_SNAPSHOT:
                        st.not_snapshot_first += 1
                    else:
                        got_snapshot = True
                        st.snapshot_s.append(at - t_connect)
                        st.ready.add(i)
                        if track:
                            st.folded = {k: msg.get(k) for k in ("queues", "totals", "agents", "alerts")}
                            if not st.snapshot_parts:
                                st.snapshot_parts = {k: len(json.dumps(v)) for k, v in msg.items()}
                elif track and kind == K_DELTA and st.folded is not None:
                    _fold(st.folded, msg)
        except websockets.ConnectionClosed:
            pass
        except asyncio.CancelledError:
            raise
        except Exception as e:  # connect refused / handshake failed / timeout
            if len(st.errors) < 20:
                st.errors.append(f"client {i}: {type(e).__name__}: {e}")
            st.events.append((time.time(), i, "connect_failed", f"{type(e).__name__}"))
        finally:
            if ws is not None:
                st.open.discard(ws)
        if stop.is_set():
            break
        code = ws.close_code if ws is not None else None
        reason = ws.close_reason if ws is not None else None
        if ws is not None:
            st.events.append((time.time(), i, "closed", code))
            if code in (4401, 4403):
                st.fatal.add(i)
                if len(st.errors) < 20:
                    st.errors.append(f"client {i}: closed {code} {reason}")
                return
        else:
            failures += 1
            if failures >= 5:  # never got a connection: give up on this client
                st.fatal.add(i)
                return
        await asyncio.sleep(0.5 + random.random())  # the page waits a moment before it reconnects
        st.events.append((time.time(), i, "reconnect", code))


async def _worker_async(conn: Connection, cfg: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    cmds: asyncio.Queue[Any] = asyncio.Queue()

    def readable() -> None:
        try:
            cmds.put_nowait(conn.recv())
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            cmds.put_nowait("stop")

    loop.add_reader(conn.fileno(), readable)
    st = WorkerState()
    stop = asyncio.Event()
    gate = asyncio.Semaphore(cfg["concurrency"])
    ids: list[int] = cfg["ids"]
    tasks = [asyncio.create_task(_board_client(i, cfg, st, gate, i == ids[0], stop)) for i in ids]
    deadline = time.monotonic() + cfg["connect_timeout"]
    while len(st.ready | st.fatal) < len(ids) and time.monotonic() < deadline and cmds.empty():
        await asyncio.sleep(0.1)
    conn.send(("connected", len(st.ready), len(st.fatal), st.errors[:5]))
    while True:
        cmd = await cmds.get()
        if cmd in ("stop", None):
            break
    stop.set()
    # close every socket normally (1000), as a page being closed does, then end the client tasks
    await asyncio.gather(*(ws.close() for ws in list(st.open)), return_exceptions=True)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(Exception):
        loop.remove_reader(conn.fileno())
    return {"at": st.at, "kind": st.kind, "client": st.client, "size": st.size, "src0": st.src0, "src1": st.src1,
            "built": st.built, "events": st.events, "snapshot_s": st.snapshot_s, "ready": len(st.ready),
            "fatal": len(st.fatal), "errors": st.errors, "folded": st.folded,
            "not_snapshot_first": st.not_snapshot_first, "clients": len(ids), "snapshot_parts": st.snapshot_parts}


def worker_main(conn: Connection) -> None:
    """A board-client worker process: waits for its configuration (or None: not needed), runs its clients until
    told to stop, sends back what it recorded."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the bench, which stops the workers
    try:
        cfg = conn.recv()
    except (EOFError, OSError):
        return
    if cfg is None:
        return
    try:
        out = asyncio.run(_worker_async(conn, cfg))
    except BaseException as e:  # the bench gets a reason instead of a hang
        out = {"crashed": f"{type(e).__name__}: {e}"}
    with contextlib.suppress(Exception):
        conn.send(("results", out))


class Workers:
    """Board-client worker processes, forked at the very start (no event loop, no threads yet)."""

    def __init__(self, n: int) -> None:
        ctx = mp.get_context("fork")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(n):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=worker_main, args=(child,), daemon=True)
            p.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(p)

    def psutil_procs(self) -> list[psutil.Process]:
        return [psutil.Process(p.pid) for p in self.procs if p.is_alive()]

    @staticmethod
    def _recv(conn: Connection, timeout: float) -> Any:
        if not conn.poll(timeout):
            raise RuntimeError(f"a board-client worker did not answer in {timeout:.0f} s")
        return conn.recv()

    async def start_clients(self, url: str, tokens: list[str], clients: int, compression: str,
                            concurrency: int, timeout: float) -> tuple[int, int, list[str]]:
        for w, conn in enumerate(self.conns):
            ids = list(range(w, clients, len(self.conns)))
            conn.send({"url": url, "token": tokens[w % len(tokens)], "ids": ids, "compression": compression,
                       "concurrency": concurrency, "connect_timeout": timeout})
        ready = fatal = 0
        errors: list[str] = []
        for conn in self.conns:
            msg = await asyncio.to_thread(self._recv, conn, timeout + 30)
            if msg[0] == "results":  # crashed before connecting
                raise RuntimeError(f"board-client worker failed: {msg[1].get('crashed')}")
            ready += msg[1]
            fatal += msg[2]
            errors += msg[3]
        return ready, fatal, errors

    async def stop_clients(self) -> list[dict[str, Any]]:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send("stop")
        out = []
        for conn in self.conns:
            msg = await asyncio.to_thread(self._recv, conn, 60)
            if msg[0] != "results":
                raise RuntimeError(f"unexpected message from a board-client worker: {msg[0]}")
            if "crashed" in msg[1]:
                raise RuntimeError(f"board-client worker failed: {msg[1]['crashed']}")
            out.append(msg[1])
        return out

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(Exception):
                conn.send(None)  # a worker still waiting for its configuration exits
            with contextlib.suppress(Exception):
                conn.close()
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.terminate()
                p.join(5)


# ============================================================================================== database setup
async def prepare_database(settings: Any, args: argparse.Namespace, uas_port: int, supervisors: int) -> list[str]:
    """Queue, seats (static contacts → the one UAS), agent users, supervisor users, IVR flow. Returns extensions."""
    import logging

    logging.getLogger("callcenter").setLevel(logging.ERROR)  # "created the first admin user" is expected here
    stack = Stack(settings, run_migrations=False)  # not started: only its services and repositories are used
    try:
        exts = await prepare_queue_and_agents(stack, args.agents, uas_port)
        for k in range(1, supervisors + 1):
            await stack.auth.create_user(f"benchlead{k}", SUPERVISOR_PASSWORD, ["supervisor"], f"Bench lead {k}")
        return exts
    finally:
        await stack.engine.dispose()


# ==================================================================== --profile: the service with timers on the board
# (method, label, async) timed inside the service with --profile; missing ones (renamed by a refactor) are skipped.
# Nested: tick ⊃ compute ⊃ publish. Timed with the event loop thread's CPU clock (time.thread_time): a busy
# machine's preemption does not count; an await that yields (a send waiting for a full socket) would count other
# tasks' CPU too.
PROFILED = [
    ("callcenter.wallboard.push:Pusher.tick", "Pusher.tick (every push interval, all below)", False),
    ("callcenter.wallboard.push:Pusher.compute", "  Pusher.compute (figures, diff, alerts, publish)", False),
    ("callcenter.wallboard.queues:QueueFigures.figures", "    QueueFigures.figures", False),
    ("callcenter.wallboard.alerts:Alerts.current", "    Alerts.current", False),
    ("callcenter.realtime.hub:Hub.publish", "    Hub.publish (all topics; json.dumps once + queue per client)", False),
    ("callcenter.wallboard.push:Pusher.snapshot", "Pusher.snapshot (GET /api/board, each connect)", False),
    ("callcenter.wallboard.board:Board.on_call", "Board.on_call (fold a call change)", False),
    ("callcenter.wallboard.board:Board.on_agent", "Board.on_agent (agent state change)", True),
]
SEND_LABEL = "board websocket send_text (per client and message: deflate + frame + write)"


def serve_instrumented(out: str) -> int:
    """``callcenter up`` with timers on the board's methods and on every board socket's send; on SIGUSR1 it appends
    the running sums ({label: [n, total_s, max_s]}) as a JSON line to ``out`` (the bench does at each phase's start
    and end)."""
    import functools
    import importlib

    from callcenter import cli
    from callcenter.realtime import hub as hub_mod

    sums: dict[str, list[float]] = {}

    def note(label: str, dt: float) -> None:
        v = sums.get(label)
        if v is None:
            sums[label] = [1, dt, dt]
        else:
            v[0] += 1
            v[1] += dt
            if dt > v[2]:
                v[2] = dt

    def wrap(fn: Any, label: str, is_async: bool) -> Any:
        if is_async:
            @functools.wraps(fn)
            async def timed_async(*a: Any, **kw: Any) -> Any:
                t0 = time.thread_time()
                try:
                    return await fn(*a, **kw)
                finally:
                    note(label, time.thread_time() - t0)
            return timed_async

        @functools.wraps(fn)
        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                note(label, time.thread_time() - t0)
        return timed

    for target, label, is_async in PROFILED:
        mod_name, _, attr = target.partition(":")
        cls_name, _, meth = attr.partition(".")
        try:
            cls = getattr(importlib.import_module(mod_name), cls_name)
            setattr(cls, meth, wrap(getattr(cls, meth), label, is_async))
        except (ImportError, AttributeError):
            continue
    orig_register = hub_mod.Hub.register

    def register(self: Any, send: Any, close: Any, topics: set[str], label: str = "") -> Any:
        if label.startswith("board"):
            send = wrap(send, SEND_LABEL, True)
        return orig_register(self, send, close, topics, label)

    hub_mod.Hub.register = register  # type: ignore[method-assign]

    def dump(*_: Any) -> None:
        with open(out, "a") as f:
            f.write(json.dumps({"t": time.time(), "cpu": time.process_time(), "sums": sums}) + "\n")

    signal.signal(signal.SIGUSR1, dump)
    return cli.main(["up"])


class InstrumentedService(Service):
    """The service started through this file with --profile (``serve_instrumented``)."""

    def __init__(self, env: dict[str, str], log_path: Path, profile_out: Path) -> None:
        super().__init__(env, log_path)
        self.profile_out_path = profile_out

    def start(self) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child holds it; closed right after spawning
        try:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--serve-instrumented", str(self.profile_out_path)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent)
        finally:
            log.close()

    async def mark(self) -> dict[str, Any] | None:
        """Ask for the running sums; returns them (None if they do not come)."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        try:
            before = len(self.profile_out_path.read_text().splitlines())
        except OSError:
            before = 0
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(50):
            await asyncio.sleep(0.05)
            with contextlib.suppress(OSError, ValueError):
                lines = self.profile_out_path.read_text().splitlines()
                if len(lines) > before:
                    return dict(json.loads(lines[-1]))
        return None


def profile_diff(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    if not a or not b:
        return None
    wall = b["t"] - a["t"]
    rows = {}
    for label, (n, total, mx) in b["sums"].items():
        n0, t0, _ = a["sums"].get(label, [0, 0.0, 0.0])
        rows[label] = {"n": int(n - n0), "total_s": total - t0, "max_ms": mx * 1000,
                       "pct": 100 * (total - t0) / wall if wall > 0 else NAN}
    return {"wall_s": wall, "process_cpu_pct": 100 * (b["cpu"] - a["cpu"]) / wall if wall > 0 else NAN,
            "rows": rows}


# ================================================================================================ AMI probe
PROBE_EVENTS = ("Newchannel", "Newstate", "Hangup", "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
                "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "QueueMemberStatus",
                "BridgeEnter", "BridgeLeave", "DialBegin", "DialEnd")


class AmiProbe:
    """A second AMI login from the bench process (``allowmultiplelogin``), doing nothing but note
    ``time.time() − Timestamp`` for the call events: how late Asterisk itself delivers events over AMI. Flat and
    small while the board's lag grows means the time goes inside the service."""

    def __init__(self, ami_port: int) -> None:
        from callcenter.asterisk.ami import AmiClient, EventDispatcher
        from callcenter.settings import DEV_AMI_SECRET, AmiSettings

        self.rows: list[tuple[float, float]] = []  # (receipt, Timestamp)
        dispatcher = EventDispatcher()
        for name in PROBE_EVENTS:
            dispatcher.register(name, self._on_event)
        self.ami = AmiClient(AmiSettings(port=ami_port, secret=DEV_AMI_SECRET, ping_interval=5, action_timeout=5),
                             dispatcher)

    async def _on_event(self, ev: Any) -> None:
        with contextlib.suppress(TypeError, ValueError):
            self.rows.append((time.time(), float(ev.get("Timestamp"))))

    async def start(self) -> None:
        await self.ami.start()
        await self.ami.wait_ready(30)

    async def stop(self) -> None:
        await self.ami.stop()

    def lag(self, t0: float, t1: float) -> tuple[dict[str, float], list[dict[str, float]]]:
        rows = [(a, ts) for a, ts in self.rows if t0 <= ts <= t1]
        span = max(t1 - t0, 1e-9)
        quarters: list[list[float]] = [[], [], [], []]
        for a, ts in rows:
            quarters[min(3, int(4 * (ts - t0) / span))].append(a - ts)
        return ms([a - ts for a, ts in rows]), [ms(q) for q in quarters]


def trace_receipts(path: Path) -> dict[float, float]:
    """``--trace``: the service's AMI trace (receipt time on its monotonic clock per event) → Timestamp → receipt on
    the wall clock. Monotonic is mapped to wall by the fastest event (max Timestamp − receipt), so receipts are
    relative to that event's delivery (a lower bound of the real delivery time)."""
    try:
        rows = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    except (OSError, ValueError):
        return {}
    stamped = []
    for r in rows:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            stamped.append((float(r["t"]), float(r["event"]["Timestamp"])))
    if not stamped:
        return {}
    offset = max(ts - t for t, ts in stamped)
    out: dict[float, float] = {}
    for t, ts in stamped:
        out.setdefault(ts, t + offset)  # the first event with that Timestamp
    return out


# ==================================================================================================== one phase
@dataclass
class Phase:
    clients: int
    calls_regular: int = 0
    calls_abandon: int = 0
    started_at: float = 0.0  # time.time() at the start of the calls
    ended_at: float = 0.0  # all calls ended (both UACs exited)
    measured_until: float = 0.0  # + drain
    sipp: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    idle_cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    workers: list[dict[str, Any]] = field(default_factory=list)
    connect: dict[str, Any] = field(default_factory=dict)
    board_http: dict[str, Any] | None = None
    idle_from: float = 0.0
    idle_to: float = 0.0
    probe: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] | None = None
    rss: dict[str, float] = field(default_factory=dict)  # service RSS (MiB) at points of the phase


async def outcomes_since(http: httpx.AsyncClient, admin: str, since: float) -> dict[str, int]:
    """Calls that arrived since ``since`` by outcome (GET /api/calls totals)."""
    h = {"Authorization": f"Bearer {admin}"}
    frm = datetime.fromtimestamp(since - 1, UTC).isoformat()
    out = {}
    for outcome in ("", "answered", "abandoned", "failed", "ended_in_ivr"):
        params: dict[str, Any] = {"from": frm, "limit": 1}
        if outcome:
            params["outcome"] = outcome
        r = await http.get("/api/calls", params=params, headers=h)
        r.raise_for_status()
        out[outcome or "all"] = int(r.json()["total"])
    return out


async def settle_calls(http: httpx.AsyncClient, admin: str, since: float, want: int, timeout: float) -> dict[str, int]:
    """The call-record writer batches: wait until the stored counts stop moving (or reach ``want``)."""
    deadline = time.monotonic() + timeout
    last: dict[str, int] = {}
    stable = 0
    while True:
        cur = await outcomes_since(http, admin, since)
        stable = stable + 1 if cur == last else 0
        last = cur
        if (cur["all"] >= want and stable >= 1) or stable >= 4 or time.monotonic() > deadline:
            return cur
        await asyncio.sleep(0.5)


async def run_phase(ph: Phase, args: argparse.Namespace, ctx: dict[str, Any]) -> None:
    env, sipp, sip_target, http, admin = ctx["env"], ctx["sipp"], ctx["sip_target"], ctx["http"], ctx["admin"]
    service: Service = ctx["service"]
    base_procs: dict[str, psutil.Process] = {"service (python)": ctx["svc_proc"], "asterisk": ctx["asterisk"],
                                             "sipp agent phones": ctx["uas_proc"]}
    workers: Workers | None = ctx["workers"] if ph.clients else None
    label = f"{ph.clients} board clients"

    def rss(at: str) -> None:
        with contextlib.suppress(psutil.Error):
            ph.rss[at] = ctx["svc_proc"].memory_info().rss / 2**20
    rss("before connecting")
    if workers is not None:
        with step(f"connecting {ph.clients} board clients ({len(workers.procs)} worker processes)"):
            t0 = time.perf_counter()
            ready, fatal, errors = await workers.start_clients(
                ctx["ws_url"], ctx["sup_tokens"], ph.clients, args.compression, args.connect_concurrency, 120)
            ph.connect = {"ready": ready, "fatal": fatal, "errors": errors, "s": time.perf_counter() - t0}
        if ready < ph.clients:
            raise RuntimeError(f"only {ready} of {ph.clients} board clients got a snapshot ({fatal} refused or "
                               f"failed): {errors}")
        rss("clients connected")
        for k, p in enumerate(workers.psutil_procs()):
            base_procs[f"board clients (worker {k + 1})"] = p
    base_procs["bench (main)"] = psutil.Process()

    if args.idle > 0:
        with step(f"{label}: {args.idle:g} s idle (no calls)"):
            watch = CpuWatch(dict(base_procs))
            ph.idle_from = time.time()
            watch.start()
            await asyncio.sleep(args.idle)
            ph.idle_cpu = await watch.stop()
            ph.idle_to = time.time()

    # ---- the calls -------------------------------------------------------------------------------------
    sdir = ctx["sipp_dir"] / f"phase-{ph.clients}"
    sdir.mkdir()
    rate_ab = args.rate * args.abandon_share
    rate_reg = args.rate - rate_ab
    ph.calls_regular = round(rate_reg * args.duration)
    ph.calls_abandon = round(rate_ab * args.duration)
    bound = int(args.duration + args.hold + args.answer_after + 300)
    trunk = env.get("CALLCENTER_ASTERISK__TRUNK_MATCH", "127.0.0.2")
    uacs: dict[str, subprocess.Popen[bytes]] = {}

    def uac(name: str, scenario: str, rate: float, calls: int, extra: list[str]) -> None:
        sf = ctx["sipp_dir"] / scenario if (ctx["sipp_dir"] / scenario).exists() else SIPP_DIR / scenario
        cmd = [sipp, sip_target, "-sf", str(sf), "-s", "4000", "-i", trunk,
               "-p", str(free_udp_port(trunk)), "-mp", str(free_udp_port(trunk)),
               "-r", f"{rate:g}", "-m", str(calls), "-l", str(calls), "-nostdin", "-trace_err", "-trace_stat",
               "-stf", str(sdir / f"{name}_stat.csv"), "-fd", "1", "-timeout", f"{bound}s", *extra]
        p = subprocess.Popen(cmd, cwd=sdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=_die_with_parent)
        ctx["cleanups"].append(lambda: kill_proc(p))
        uacs[name] = p

    print(f"· {label}: {ph.calls_regular} + {ph.calls_abandon} abandoning calls at {rate_reg:g} + {rate_ab:g}/s "
          f"for {args.duration:g} s …", file=sys.stderr, flush=True)
    ph.started_at = time.time()
    t_calls = time.perf_counter()
    if ph.calls_regular:
        uac("caller", "caller.xml", rate_reg, ph.calls_regular, [])
    if ph.calls_abandon:
        uac("abandon", "board_caller_abandon.xml", rate_ab, ph.calls_abandon, [])
    procs = dict(base_procs)
    for name, p in uacs.items():
        with contextlib.suppress(psutil.Error):
            procs[f"sipp {name}s"] = psutil.Process(p.pid)
    prof_start = await service.mark() if isinstance(service, InstrumentedService) else None
    watch = CpuWatch(procs)
    watch.start()
    end_by = time.monotonic() + bound + 30
    while any(p.poll() is None for p in uacs.values()):
        if time.monotonic() > end_by:
            raise RuntimeError("SIPp callers did not finish in time")
        if service.proc is not None and service.proc.poll() is not None:
            raise RuntimeError(f"the service exited during the run (rc {service.proc.returncode}):\n"
                               f"{service.log_tail()}")
        if ctx["uas"].poll() is not None:
            raise RuntimeError(f"the SIPp agent phones exited (rc {ctx['uas'].returncode}) during the run: "
                               f"{sipp_errors(ctx['sipp_dir'])}")
        await asyncio.sleep(0.5)
    ph.ended_at = time.time()
    ph.cpu = await watch.stop()
    rss("calls ended")
    if isinstance(service, InstrumentedService):
        ph.profile = profile_diff(prof_start, await service.mark())
    ph.cpu["_wall"] = {"cpu_s": time.perf_counter() - t_calls}
    await asyncio.sleep(args.drain)  # the last deltas (≤ push interval) and the call-record writer
    ph.measured_until = time.time()
    if ctx.get("probe") is not None:
        overall, quarters = ctx["probe"].lag(ph.started_at, ph.ended_at)
        ph.probe = {"all": overall, "quarters": quarters}
    for name, p in uacs.items():
        ph.sipp[name] = {**sipp_stats(sdir / f"{name}_stat.csv"), "rc": p.returncode}
    ph.sipp["errors"] = sipp_errors(sdir)
    ph.outcomes = await settle_calls(http, admin, ph.started_at, ph.calls_regular + ph.calls_abandon, 20)
    if workers is not None:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            r = await http.get("/api/board", headers={"Authorization": f"Bearer {ctx['sup_tokens'][0]}"})
            ph.board_http = r.json() if r.status_code == 200 else {"_status": r.status_code}
        with step(f"stopping the {ph.clients} board clients"):
            ph.workers = await workers.stop_clients()
    await asyncio.sleep(1.0)


# =================================================================================================== figures
def analyse(ph: Phase, args: argparse.Namespace, receipts: dict[float, float]) -> dict[str, Any]:
    """Lag, message and connection figures of a phase with clients (window: calls start → end + drain)."""
    t0, t1 = ph.started_at, ph.measured_until
    ami_part: list[float] = []  # --trace: Asterisk → the service's AMI client (relative to the fastest event)
    handling_part: list[float] = []  # --trace: the service's AMI receipt → delta built
    idle = {"deltas": 0, "no_src": 0, "bytes": 0, "other": 0}
    lag_first: list[float] = []
    lag_last: list[float] = []
    in_service: list[float] = []
    transport: list[float] = []
    by_quarter: list[list[float]] = [[], [], [], []]
    counts = dict.fromkeys(("snapshot", "delta", "delta_no_src", "point", "notice", "pong", "other", "bad"), 0)
    delta_bytes = 0
    snapshot_bytes: list[int] = []
    per_client_deltas: dict[tuple[int, int], int] = {}
    last_at: dict[int, float] = {}
    gaps: list[float] = []
    span = max(t1 - t0, 1e-9)
    for w, r in enumerate(ph.workers):
        at, kind, client, size, s0, s1, built = (r[k] for k in ("at", "kind", "client", "size", "src0", "src1",
                                                                 "built"))
        for j in range(len(at)):
            a = at[j]
            k = kind[j]
            if k == K_SNAPSHOT:
                snapshot_bytes.append(size[j])
            if not t0 <= a <= t1:
                if k == K_DELTA:
                    last_at[client[j]] = built[j]
                if ph.idle_from <= a <= ph.idle_to:
                    if k == K_DELTA:
                        idle["deltas"] += 1
                        idle["bytes"] += size[j]
                        idle["no_src"] += s0[j] != s0[j]
                    elif k != K_SNAPSHOT:
                        idle["other"] += 1
                continue
            if k == K_SNAPSHOT:
                counts["snapshot"] += 1
            elif k == K_DELTA:
                counts["delta"] += 1
                delta_bytes += size[j]
                c = client[j]
                per_client_deltas[(w, c)] = per_client_deltas.get((w, c), 0) + 1
                b = built[j]  # the push interval as the service kept it (its "at"), not as the socket jittered
                if c in last_at and b == b:
                    gaps.append(b - last_at[c])
                last_at[c] = b
                if s0[j] == s0[j]:  # not NaN
                    lag_first.append(a - s0[j])
                    lag_last.append(a - s1[j])
                    by_quarter[min(3, int(4 * (s0[j] - t0) / span))].append(a - s0[j])
                    if built[j] == built[j]:
                        in_service.append(built[j] - s0[j])
                        transport.append(a - built[j])
                        rcv = receipts.get(s0[j])
                        if rcv is not None:
                            ami_part.append(rcv - s0[j])
                            handling_part.append(built[j] - rcv)
                else:
                    counts["delta_no_src"] += 1
            elif k == K_POINT:
                counts["point"] += 1
            elif k == K_NOTICE:
                counts["notice"] += 1
            elif k == K_PONG:
                counts["pong"] += 1
            elif k == K_BAD:
                counts["bad"] += 1
            else:
                counts["other"] += 1
    closes: dict[str, int] = {}
    reconnects = connect_failed = 0
    for r in ph.workers:
        for (t, _c, what, detail) in r["events"]:
            if not t0 <= t <= t1:
                continue
            if what == "closed":
                closes[str(detail)] = closes.get(str(detail), 0) + 1
            elif what == "reconnect":
                reconnects += 1
            elif what == "connect_failed":
                connect_failed += 1
    clients = ph.clients
    window = ph.measured_until - ph.started_at
    per_client = sorted(per_client_deltas.get((w, c), 0) / window
                        for w, r in enumerate(ph.workers) for c in range(w, clients, len(ph.workers)))
    push_s = args.push_interval_ms / 1000
    snap_s = [x for r in ph.workers for x in r["snapshot_s"]]
    idle_s = max(ph.idle_to - ph.idle_from, 1e-9)
    return {
        "ami_part_ms": ms(ami_part), "handling_part_ms": ms(handling_part),
        "idle": {"deltas_per_client_s": idle["deltas"] / clients / idle_s if clients and ph.idle_to else NAN,
                 "no_src": idle["no_src"], "other": idle["other"],
                 "delta_mean_bytes": idle["bytes"] / idle["deltas"] if idle["deltas"] else NAN},
        "window_s": window, "lag_first_ms": ms(lag_first), "lag_last_ms": ms(lag_last),
        "in_service_ms": ms(in_service), "transport_ms": ms(transport),
        "lag_first_by_quarter_ms": [ms(q) for q in by_quarter],
        "counts": counts, "clients": clients,
        "deltas_per_client_s": {"mean": counts["delta"] / clients / window if clients else NAN,
                                "min": per_client[0] if per_client else NAN,
                                "max": per_client[-1] if per_client else NAN},
        "messages_per_client_s": (counts["delta"] + counts["point"] + counts["notice"] + counts["other"]
                                  + counts["snapshot"]) / clients / window if clients else NAN,
        "delta_mean_bytes": delta_bytes / counts["delta"] if counts["delta"] else NAN,
        "delta_kib_s_all_clients": delta_bytes / 1024 / window,
        "snapshot_kib": (sum(snapshot_bytes) / len(snapshot_bytes) / 1024) if snapshot_bytes else NAN,
        "snapshot_parts": next((r["snapshot_parts"] for r in ph.workers if r.get("snapshot_parts")), {}),
        "gap_min_ms": min(gaps) * 1000 if gaps else NAN,
        "gaps_below_push_interval": sum(1 for g in gaps if g < 0.8 * push_s),
        "gaps": len(gaps),
        "closes": closes, "dropped_1013": closes.get("1013", 0), "reconnects": reconnects,
        "connect_failed": connect_failed,
        "snapshot_connect_ms": ms(snap_s),
        "not_snapshot_first": sum(r["not_snapshot_first"] for r in ph.workers),
        "errors": [e for r in ph.workers for e in r["errors"]][:10],
    }


def board_check(ph: Phase) -> list[str]:
    """The tracking clients' folded state (snapshot + deltas) against GET /api/board after the run."""
    out = []
    ref = ph.board_http
    if not ref or "_status" in ref:
        return [f"GET /api/board: {ref.get('_status') if ref else 'no answer'}"]

    def today(q: dict[str, Any] | None) -> tuple[Any, ...]:
        w = ((q or {}).get("windows") or {}).get("today") or {}
        return tuple(w.get(k) for k in ("offered", "answered", "abandoned", "timed_out"))

    def agents(s: dict[str, Any]) -> dict[str, Any]:
        return {k: (v or {}).get("state") for k, v in (s.get("agents") or {}).items()}

    ref_t, ref_q = today(ref.get("totals")), today((ref.get("queues") or {}).get(QUEUE))
    for w, r in enumerate(ph.workers):
        f = r.get("folded")
        if f is None:
            out.append(f"worker {w + 1}: the tracking client has no state")
            continue
        got_t, got_q = today(f.get("totals")), today((f.get("queues") or {}).get(QUEUE))
        ok = got_t == ref_t and got_q == ref_q and agents(f) == agents(ref)
        diff = "" if ok else (f" (folded totals {got_t}, {QUEUE} {got_q}; /api/board totals {ref_t}, {QUEUE} {ref_q}"
                              f"; agent states {'equal' if agents(f) == agents(ref) else 'DIFFER'})")
        out.append(f"worker {w + 1}: {'same as' if ok else 'DIFFERENT from'} GET /api/board{diff}")
    out.append(f"GET /api/board today (offered, answered, abandoned, timed out): totals {ref_t}, {QUEUE} {ref_q}")
    return out


def f1(x: float, nd: int = 0) -> str:
    return "-" if x != x else f"{x:.{nd}f}"


def cpu_row(c: dict[str, dict[str, float]], key: str) -> dict[str, float]:
    if key == "board clients":
        rows = [v for k, v in c.items() if k.startswith("board clients")]
        if not rows:
            return {"cpu_pct": NAN, "peak_cpu_pct": NAN, "peak_rss_mib": NAN}
        return {"cpu_pct": sum(v["cpu_pct"] for v in rows), "peak_cpu_pct": max(v["peak_cpu_pct"] for v in rows),
                "peak_rss_mib": sum(v["peak_rss_mib"] for v in rows)}
    if key == "sipp":
        rows = [v for k, v in c.items() if k.startswith("sipp")]
        return {"cpu_pct": sum(v["cpu_pct"] for v in rows), "peak_cpu_pct": NAN, "peak_rss_mib": NAN}
    return c.get(key, {"cpu_pct": NAN, "peak_cpu_pct": NAN, "peak_rss_mib": NAN})


def print_report(phases: list[Phase], args: argparse.Namespace, ana: dict[str, Any] | None,
                 check: list[str]) -> dict[str, Any]:
    base = next((p for p in phases if p.clients == 0), None)
    load = next((p for p in phases if p.clients > 0), None)
    print()
    print("=" * 100)
    print("wallboard bench — " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print("=" * 100)
    print(f"load        {args.rate:g} calls/s for {args.duration:g} s ({1 - args.abandon_share:.0%} regular: ring "
          f"{args.answer_after:g} s, talk {args.hold:g} s; {args.abandon_share:.0%} hang up {args.abandon_after:g} s "
          f"after the IVR answers), {args.agents} agents, database {args.db}, websocket compression "
          f"{args.compression}, {args.workers} client worker processes, machine {os.cpu_count()} cores")
    print()
    cols = [(f"{p.clients} clients" if p.clients else "baseline (0)") for p in phases]
    diff = base is not None and load is not None
    hdr = f"{'':40}" + "".join(f"{c:>21}" for c in cols) + (f"{'difference':>14}" if diff else "")
    print(hdr)

    def row(name: str, vals: list[str], d: str = "") -> None:
        print(f"{name:40}" + "".join(f"{v:>21}" for v in vals) + (f"{d:>14}" if diff else ""))

    def sip(p: Phase) -> str:
        c, a = p.sipp.get("caller", {}), p.sipp.get("abandon", {})
        return (f"{c.get('SuccessfulCall(C)', '?')}+{a.get('SuccessfulCall(C)', '?')} ok, "
                f"{(c.get('FailedCall(C)') or 0) + (a.get('FailedCall(C)') or 0)} fail")
    row("calls placed (regular + abandoning)", [f"{p.calls_regular} + {p.calls_abandon}" for p in phases])
    row("SIPp result", [sip(p) for p in phases])
    row("stored: answered / abandoned / other",
        [f"{p.outcomes.get('answered', 0)} / {p.outcomes.get('abandoned', 0)} / "
         f"{p.outcomes.get('all', 0) - p.outcomes.get('answered', 0) - p.outcomes.get('abandoned', 0)}"
         for p in phases])
    row("call period (s)", [f1(p.cpu["_wall"]["cpu_s"], 1) for p in phases])
    if any(p.probe for p in phases):
        row("Asterisk → AMI (bench probe) p50/p99 ms",
            [f"{f1(p.probe['all']['p50'])} / {f1(p.probe['all']['p99'])}" if p.probe else "-" for p in phases])
    out: dict[str, Any] = {"args": vars(args), "phases": []}

    def cpu_line(name: str, key: str, field_: str = "cpu_pct", source: str = "cpu", nd: int = 1) -> None:
        vals = [cpu_row(getattr(p, source), key)[field_] if getattr(p, source) else NAN for p in phases]
        d = f1(vals[-1] - vals[0], nd) if diff else ""
        row(name, [f1(v, nd) for v in vals], d)
    print("CPU during the calls (% of one core):")
    cpu_line("  service (callcenter up)", "service (python)")
    cpu_line("    peak 1-s sample", "service (python)", "peak_cpu_pct", nd=0)
    cpu_line("  asterisk", "asterisk")
    cpu_line("  sipp (phones + callers)", "sipp")
    cpu_line("  board clients (all workers)", "board clients")
    cpu_line("    busiest worker, peak 1-s", "board clients", "peak_cpu_pct", nd=0)
    cpu_line("  bench main process", "bench (main)")
    cpu_line("  everything else on the machine", "other processes")
    if args.idle > 0:
        print(f"CPU idle, no calls ({args.idle:g} s):")
        cpu_line("  service (callcenter up)", "service (python)", source="idle_cpu")
        cpu_line("  asterisk", "asterisk", source="idle_cpu")
    print("memory:")
    cpu_line("  service peak RSS during the calls (MiB)", "service (python)", "peak_rss_mib", nd=0)
    for at in ("before connecting", "clients connected", "calls ended"):
        vals = [p.rss.get(at, NAN) for p in phases]
        row(f"  service RSS {at} (MiB)", [f1(v) for v in vals], f1(vals[-1] - vals[0]) if diff else "")
    cpu_line("  asterisk peak RSS (MiB)", "asterisk", "peak_rss_mib", nd=0)
    for p in phases:
        out["phases"].append({"clients": p.clients, "calls_regular": p.calls_regular, "calls_abandon": p.calls_abandon,
                              "sipp": {k: v for k, v in p.sipp.items() if k != "errors"}, "outcomes": p.outcomes,
                              "cpu": p.cpu, "idle_cpu": p.idle_cpu, "connect": p.connect})
    if ana is not None and load is not None:
        print()
        print(f"board delivery, {load.clients} clients ({ana['window_s']:.1f} s window: calls start → all ended "
              f"+ {args.drain:g} s) — ms{'':8}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'n':>9}")
        for name, key in (("lag, first event of the delta (receive − src[0])", "lag_first_ms"),
                          ("lag, last event of the delta (receive − src[1])", "lag_last_ms"),
                          ("  of which in the service (delta at − src[0])", "in_service_ms"),
                          ("  of which delivery (receive − delta at)", "transport_ms"),
                          ("snapshot: connect → snapshot received", "snapshot_connect_ms")):
            s = ana[key]
            print(f"  {name:70}{f1(s['p50']):>9}{f1(s['p95']):>9}{f1(s['p99']):>9}{f1(s['max']):>9}{s['n']:>9}")
        if ana["ami_part_ms"]["n"]:
            for name, key in (("  --trace: Asterisk → service AMI client (vs the fastest event)", "ami_part_ms"),
                              ("  --trace: service AMI receipt → delta built", "handling_part_ms")):
                s = ana[key]
                print(f"  {name:70}{f1(s['p50']):>9}{f1(s['p95']):>9}{f1(s['p99']):>9}{f1(s['max']):>9}"
                      f"{s['n']:>9}")
        print("  lag (first event) p50 / p99 by quarter of the run: " + ",  ".join(
            f"{f1(q['p50'])} / {f1(q['p99'])}" for q in ana["lag_first_by_quarter_ms"]))
        if load.probe:
            print("  Asterisk → AMI (bench probe) p50 / p99 by quarter:  " + ",  ".join(
                f"{f1(q['p50'])} / {f1(q['p99'])}" for q in load.probe["quarters"]))
        idle = ana["idle"]
        if args.idle > 0:
            print(f"  idle (no calls, {args.idle:g} s): {f1(idle['deltas_per_client_s'], 2)} deltas per client per "
                  f"second ({idle['no_src']} without src), {f1(idle['delta_mean_bytes'])} chars each; "
                  f"{idle['other']} other messages")
        c = ana["counts"]
        print(f"  messages: {c['snapshot']} snapshots (after the initial {load.clients}), {c['delta']} deltas "
              f"({c['delta_no_src']} without src), {c['point']} points, {c['notice']} notices, {c['other']} other, "
              f"{c['bad']} unparsable; {ana['not_snapshot_first']} connections whose first message was not a snapshot")
        dpc = ana["deltas_per_client_s"]
        print(f"  per client: {f1(ana['messages_per_client_s'], 2)} messages/s, deltas/s mean {f1(dpc['mean'], 2)} "
              f"(min {f1(dpc['min'], 2)}, max {f1(dpc['max'], 2)}); closest two deltas to one client (their 'at') "
              f"{f1(ana['gap_min_ms'])} ms, {ana['gaps_below_push_interval']} of {ana['gaps']} gaps < 80 % of the "
              f"{args.push_interval_ms:g} ms push interval")
        print(f"  sizes: delta {f1(ana['delta_mean_bytes'])} chars on average ({f1(ana['delta_kib_s_all_clients'])} "
              f"KiB/s to all clients, before compression), snapshot {f1(ana['snapshot_kib'], 1)} KiB ("
              + ", ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(ana["snapshot_parts"].items(), key=lambda kv: -kv[1])
                          if v >= 512) + " KiB)")
        print(f"  connections: initial connect of {load.clients} took {load.connect.get('s', NAN):.1f} s; during the "
              f"window {ana['dropped_1013']} closed with 1013 (dropped as slow), other closes "
              f"{ {k: v for k, v in ana['closes'].items() if k != '1013'} or 0}, {ana['reconnects']} reconnects, "
              f"{ana['connect_failed']} failed connects")
        for e in ana["errors"]:
            print(f"    {e}")
        print("  board state check (a client's snapshot + deltas vs GET /api/board after the run):")
        for line in check:
            print(f"    {line}")
        out["delivery"] = ana
        out["board_check"] = check
    if any(p.profile for p in phases):
        print()
        print("--profile: CPU inside the service during the calls (the event loop thread's CPU clock around each "
              "call; % of one core)")
        print(f"{'':70}" + "".join(f"{c:>22}" for c in cols))
        labels: list[str] = []
        for p in phases:
            for k in (p.profile or {}).get("rows", {}):
                if k not in labels:
                    labels.append(k)
        order = [lb for _, lb, _ in PROFILED] + [SEND_LABEL]
        labels.sort(key=lambda k: order.index(k) if k in order else len(order))
        for k in labels:
            vals = []
            for p in phases:
                r = (p.profile or {}).get("rows", {}).get(k)
                vals.append(f"{r['pct']:5.1f} % {r['n']:>8} calls" if r else "-")
            print(f"{k[:69]:70}" + "".join(f"{v:>22}" for v in vals))
        print(f"{'service process CPU (time.process_time)':70}" + "".join(
            f"{(p.profile or {}).get('process_cpu_pct', NAN):20.1f} %" for p in phases))
        out["profile"] = [p.profile for p in phases]
    # goals
    print()
    svc_load = cpu_row(load.cpu, "service (python)")["cpu_pct"] if load else NAN
    svc_base = cpu_row(base.cpu, "service (python)")["cpu_pct"] if base else NAN
    if ana is not None:
        p99 = ana["lag_first_ms"]["p99"]
        print(f"goal: board ≤ {LAG_GOAL_MS:.0f} ms behind Asterisk at p99 (first event of each delta): "
              f"{f1(p99)} ms — {'MET' if p99 <= LAG_GOAL_MS else 'NOT MET'}")
    if diff:
        cost = svc_load - svc_base
        print(f"goal: the board's CPU < {CPU_GOAL_PCT:.0f} % of one core: service with {load.clients} clients "
              f"{f1(svc_load, 1)} % − without {f1(svc_base, 1)} % = {f1(cost, 1)} % — "
              f"{'MET' if cost < CPU_GOAL_PCT else 'NOT MET'} (the figures themselves are computed in both phases)")
        out["board_cpu_pct"] = cost
    elif load is not None:
        print(f"service CPU with {load.clients} clients: {f1(svc_load, 1)} % of one core (no baseline: --compare "
              "gives the board's own share)")
    wk = cpu_row(load.cpu, "board clients") if load else None
    if wk and wk["peak_cpu_pct"] == wk["peak_cpu_pct"] and wk["peak_cpu_pct"] > 85:
        print(f"warning: a board-client worker peaked at {wk['peak_cpu_pct']:.0f} % of a core: the clients may add "
              "to the lag (more --workers)")
    print()
    print("command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    return out


# ===================================================================================================== the run
async def run(args: argparse.Namespace, workers: Workers | None) -> int:
    tmp = short_tmpdir("ccw-")
    cleanups: list[Any] = []
    pg_name: str | None = None
    phases: list[Phase] = []
    try:
        url, pg_name = await bench_database(args.db, tmp)
        rtp = 40000 + 2 * (os.getpid() % 4000)
        extra = {"CALLCENTER_IVR__SEED_DEFAULT_FLOW": "false", "CALLCENTER_LOG_LEVEL": "WARNING",
                 "CALLCENTER_ASTERISK__RTP_START": str(rtp), "CALLCENTER_ASTERISK__RTP_END": str(rtp + 3998),
                 # the bench's phones never miss a ring on purpose; a caller abandoning during a ring must not
                 # auto-pause the agent
                 "CALLCENTER_ACD__AUTO_PAUSE_AFTER_MISSED_RINGS": "0"}
        if args.push_ms is not None:
            extra["CALLCENTER_WALLBOARD__PUSH_INTERVAL_MS"] = str(args.push_ms)
        trace_file = tmp / "ami_trace.jsonl"
        if args.trace:
            extra["CALLCENTER_AMI__TRACE_FILE"] = str(trace_file)
        env, settings = up_env(url, tmp / "data", **extra)
        uas_port = free_udp_port()
        n_sup = max(1, args.workers)
        with step(f"preparing the {args.db} database ({args.agents} seats/agents, {n_sup} supervisors, IVR flow)"):
            await asyncio.to_thread(upgrade, url)
            exts = await prepare_database(settings, args, uas_port, n_sup)

        sip_target = f"127.0.0.1:{env['CALLCENTER_ASTERISK__SIP_PORT']}"
        sipp_dir = tmp / "sipp"
        sipp_dir.mkdir()
        sipp = shutil.which("sipp")
        if sipp is None:
            raise RuntimeError("sipp (sip-tester) is not installed: run scripts/install-system-deps")
        phones = (SIPP_DIR / "board_agent_phones.xml").read_text()
        phones = phones.replace("__ANSWER_MS__", str(int(args.answer_after * 1000))).replace(
            "__HOLD_MS__", str(int(args.hold * 1000)))
        (sipp_dir / "board_agent_phones.xml").write_text(phones)
        (sipp_dir / "board_caller_abandon.xml").write_text((SIPP_DIR / "board_caller_abandon.xml").read_text().replace(
            "__ABANDON_MS__", str(int(args.abandon_after * 1000))))
        total_calls = int(args.rate * args.duration * (2 if args.compare else 1)) + 10
        bound = int(2 * (args.duration + args.idle + 60) + 600)
        uas = subprocess.Popen(
            [sipp, sip_target, "-sf", str(sipp_dir / "board_agent_phones.xml"), "-i", "127.0.0.1",
             "-p", str(uas_port), "-mp", str(free_udp_port()), "-m", str(10 * total_calls), "-nostdin", "-trace_err",
             "-timeout", f"{bound}s"],
            cwd=sipp_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        cleanups.append(lambda: kill_proc(uas))

        service = InstrumentedService(env, tmp / "service.log", tmp / "profile.jsonl") if args.profile else \
            Service(env, tmp / "service.log")
        cleanups.append(service.stop)
        base = f"http://127.0.0.1:{env['CALLCENTER_HTTP__PORT']}"
        with step("starting the service (python -m callcenter up)"):
            service.start()
            await service.wait_healthy(base, 90)
        assert service.proc is not None
        if uas.poll() is not None:
            raise RuntimeError(f"the SIPp agent phones exited (rc {uas.returncode}): {sipp_errors(sipp_dir)}")
        asterisk = [c for c in service.children if "asterisk" in c.name()]
        if not asterisk:
            raise RuntimeError("the service's managed Asterisk process was not found")

        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            with step(f"logging {len(exts)} agents in over HTTP (login, seat, ready) and {n_sup} supervisors"):
                admin = await http_login(http, "admin", DEV_ADMIN_PASSWORD)
                await agents_ready(http, exts)
                sup_tokens = [await http_login(http, f"benchlead{k}", SUPERVISOR_PASSWORD)
                              for k in range(1, n_sup + 1)]
            r = await http.get("/api/board", headers={"Authorization": f"Bearer {sup_tokens[0]}"})
            if r.status_code != 200:
                raise RuntimeError(f"GET /api/board as a supervisor: HTTP {r.status_code} {r.text[:300]} — is the "
                                   "wallboard server there?")
            push = ((r.json().get("settings") or {}).get("push_interval_ms"))
            args.push_interval_ms = float(push) if isinstance(push, int | float) else 250.0
            ctx = {"env": env, "sipp": sipp, "sip_target": sip_target, "http": http, "admin": admin,
                   "service": service, "svc_proc": psutil.Process(service.proc.pid), "asterisk": asterisk[0],
                   "uas": uas, "uas_proc": psutil.Process(uas.pid), "workers": workers, "sipp_dir": sipp_dir,
                   "ws_url": base.replace("http://", "ws://") + "/ws/board", "sup_tokens": sup_tokens,
                   "cleanups": cleanups}
            if args.probe:
                probe = AmiProbe(int(env["CALLCENTER_AMI__PORT"]))
                cleanups.append(probe.stop)
                with step("AMI probe (second AMI login from the bench)"):
                    await probe.start()
                ctx["probe"] = probe
            plan = ([0] if args.compare and args.clients else []) + [args.clients]
            for n in plan:
                ph = Phase(clients=n)
                phases.append(ph)
                await run_phase(ph, args, ctx)

        load = next((p for p in phases if p.clients > 0), None)
        receipts = trace_receipts(trace_file) if args.trace else {}
        ana = analyse(load, args, receipts) if load is not None else None
        check = board_check(load) if load is not None else []
        out = print_report(phases, args, ana, check)
        log_errors = [ln for ln in service.log_tail(10**7).splitlines() if "Traceback" in ln or " ERROR " in ln]
        warn = [ln for ln in service.log_tail(10**7).splitlines() if "dropping websocket client" in ln]
        if log_errors or warn:
            print(f"service log: {len(log_errors)} ERROR/Traceback lines, {len(warn)} 'dropping websocket client' "
                  f"lines (log: {tmp / 'service.log'}{'' if args.keep else ', removed: --keep keeps it'})")
            for ln in (log_errors + warn)[:8]:
                print(f"    {ln[:200]}")
        for ph in phases:
            if ph.sipp.get("errors", "").strip():
                print(f"\nSIPp errors, {ph.clients} clients (tail):\n{ph.sipp['errors'][-800:]}", file=sys.stderr)
        if args.json:
            print(json.dumps(_finite(out), default=str))
        if ana is not None and ana["counts"]["delta"] == 0:
            print("FAILED: the board clients got no delta during the calls", file=sys.stderr)
            return 1
        return 0
    finally:
        for fn in reversed(cleanups):
            try:
                r = fn()
                if asyncio.iscoroutine(r):
                    await asyncio.wait_for(r, 15)
            except Exception as e:
                print(f"cleanup: {type(e).__name__}: {e}", file=sys.stderr)
        if pg_name is not None and not args.keep:
            try:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            except Exception as e:
                print(f"cleanup: could not drop database {pg_name}: {e}", file=sys.stderr)
        if args.keep:
            print(f"kept: work dir {tmp}" + (f", PostgreSQL database {pg_name}" if pg_name else ""), file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _finite(o: Any) -> Any:
    if isinstance(o, float) and o != o:
        return None
    if isinstance(o, dict):
        return {str(k): _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    return o


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=500, help="board websocket clients")
    p.add_argument("--rate", type=float, default=10, help="calls per second (regular + abandoning)")
    p.add_argument("--duration", type=float, default=60, help="seconds of calls per phase")
    p.add_argument("--agents", type=int, default=60, help="agent seats answered by the SIPp UAS")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                   help=f"postgresql: a fresh database on {PG_BASE.rsplit('/', 1)[0]}, dropped after the run")
    p.add_argument("--compare", action=argparse.BooleanOptionalAction, default=True,
                   help="first the same calls with 0 board clients (baseline), then with --clients (default on)")
    p.add_argument("--workers", type=int, default=None,
                   help="board-client processes (default: one per 250 clients, at least 2 with clients)")
    p.add_argument("--hold", type=float, default=3.0, help="seconds the agent talks after answering")
    p.add_argument("--answer-after", type=float, default=1.5, help="seconds an agent's phone rings before answering")
    p.add_argument("--abandon-share", type=float, default=0.2, help="share of the calls that hang up while waiting")
    p.add_argument("--abandon-after", type=float, default=1.2,
                   help="seconds after the IVR answers that an abandoning caller hangs up (< --answer-after)")
    p.add_argument("--compression", choices=("deflate", "none"), default="deflate",
                   help="permessage-deflate offered by the clients (browsers offer it)")
    p.add_argument("--idle", type=float, default=5, help="seconds of idle CPU measurement before the calls")
    p.add_argument("--drain", type=float, default=2, help="seconds after the last call before the figures are taken")
    p.add_argument("--connect-concurrency", type=int, default=20, help="handshakes in flight per worker")
    p.add_argument("--push-ms", type=int, default=None,
                   help="set wallboard.push_interval_ms for the service (default: the service's own)")
    p.add_argument("--probe", action=argparse.BooleanOptionalAction, default=True,
                   help="a second AMI login from the bench measuring Asterisk → AMI delivery (default on)")
    p.add_argument("--trace", action="store_true",
                   help="the service writes its AMI trace (ami.trace_file): split the lag into Asterisk → service "
                        "and the service's handling (the trace adds a little work to the service)")
    p.add_argument("--profile", action="store_true",
                   help="run the service with timers on the board's methods and its board sockets' sends (bench-side "
                        "monkeypatching, no code change) and print where the board's time goes")
    p.add_argument("--keep", action="store_true", help="keep the work dir (service log, SIPp logs, SQLite db)")
    p.add_argument("--json", action="store_true", help="also print one JSON line of results")
    args = p.parse_args()
    if args.workers is None:
        args.workers = max(2, math.ceil(args.clients / 250)) if args.clients else 0
    if args.clients == 0:
        args.workers = 0
        args.compare = False
    if (args.rate <= 0 or args.duration <= 0 or args.agents <= 0 or args.clients < 0
            or not 0 <= args.abandon_share < 1 or (args.clients and args.workers <= 0)):
        p.error("need --rate, --duration, --agents > 0, --clients >= 0, 0 <= --abandon-share < 1, --workers > 0")
    if args.abandon_share and args.abandon_after >= args.answer_after:
        print("warning: --abandon-after ≥ --answer-after: 'abandoning' callers will mostly be answered first",
              file=sys.stderr)
    busy = args.rate * ((1 - args.abandon_share) * (args.answer_after + args.hold + 0.2)
                        + args.abandon_share * args.abandon_after) / args.agents
    if busy >= 0.9:
        print(f"warning: {args.agents} agents would be {busy:.0%} busy: callers will queue (more --agents or a "
              "shorter --hold)", file=sys.stderr)
    args.push_interval_ms = 250.0
    workers = Workers(args.workers) if args.clients else None  # forked now: no loop or threads exist yet

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await run(args, workers)

    try:
        return asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    except RuntimeError as e:
        print(f"wallboard: {e}", file=sys.stderr)
        return 2
    finally:
        if workers is not None:
            workers.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-instrumented":  # the service child of --profile
        raise SystemExit(serve_instrumented(sys.argv[2]))
    raise SystemExit(main())
