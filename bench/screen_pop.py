"""Screen-pop latency under load: Asterisk's AgentCalled → the pop received by the agent's websocket client.

Drives ``--calls`` SIPp calls at ``--rate`` calls/s through the real service (``python -m callcenter up`` as a
child process, with its managed Asterisk): trunk → IVR (FastAGI, a published flow sending every number to the
``support`` queue) → app_queue → ``--agents`` agent seats answered by ONE SIPp UAS. ``--clients`` websocket
clients are connected to ``/ws/agent``, spread over the agents (200 clients / 40 agents = 5 sockets per agent;
every socket of an agent gets that agent's pops). Each client notes ``time.time()`` when a ``pop`` message
arrives; the latency is that minus the pop's ``event_ts`` (the AgentCalled ``Timestamp`` header — Asterisk's
wall clock with µs, ``timestampevents=yes``; service, Asterisk and bench share the machine's clock).

Next to it, in the same run, a **bare forwarder** gives the floor: in this bench process our own ``AmiClient`` +
``EventDispatcher`` (a second AMI login; ``allowmultiplelogin=yes``) whose AgentCalled handler does nothing but
``json.dumps`` the raw event and ``websockets.broadcast`` it to ``--clients`` clients of a tiny
``websockets.serve`` server, timed the same way. The forwarder and both client sets share the bench process
(and its event loop): the output says so. ``service − bare`` pairs the two receipts of the same call, which
cancels the Asterisk → AMI delivery and most of the bench's own scheduling delay: it is the service's overhead.

Choices (and why):

* The forwarder fans each event out to the sockets of the agent it names (``Interface``), like the service does
  (one dict lookup, no other logic); ``--bare-fanout all`` sends every event to all of its clients instead
  (20 calls/s × 200 clients = 4,000 messages/s in this process, which would load the bench far more than the
  service's 5 sockets per pop and distort both figures).
* The agent phones hang up (after ``--answer-after`` ring + ``--hold`` talk, ``bench/sipp/agent_phones.xml``);
  the callers wait for Asterisk's BYE (``bench/sipp/caller.xml``). So talk time is exactly ``--hold`` whatever
  the queue wait was, which a caller-side ``-d`` pause could not guarantee. Neither side sends RTP (CPU).
* Seats have ``static_contact = sip:<ext>@127.0.0.1:<UAS port>``: one UAS answers for every seat, nothing
  registers. Caller numbers are ``1390000<n>``; ``--known`` of them have a customer record, so pops do the real
  customer lookup (and its audit write) — the rest are unknown numbers (the lookup still runs).
* The database is prepared in-process before the service starts (migrations, queue ``support`` with
  wrap-up 0 s / ring timeout 15 s / rrmemory, seats, agent users with skill support/junior, the IVR flow,
  customers); agents then log in and go ready over HTTP, as the desktop does.
* Default ``--hold 1.5``: at 20 calls/s an agent is busy ≈ answer-after + hold + ~0.1 s per call, so 40 agents
  keep up (20 × 1.8 = 36 agent-seconds per second); with ``--hold 2`` (46) they would not, and callers would queue.
* Where the time goes: ``--trace`` has the service write its AMI trace (``ami.trace_file``) and splits the pop
  latency into Asterisk → the service's AMI client and the service's own part; ``--profile`` starts the service
  through this file with timers monkeypatched onto its AMI event queue, every event handler and the DB calls of
  the pop path (no change to the service's code) and prints them. Both add a little work to the service.

    .venv/bin/python bench/screen_pop.py [--rate 20] [--calls 400] [--clients 200] [--agents 40]
                                         [--db sqlite|postgresql] [--hold 1.5] [--json] [--trace] [--profile]

Exits non-zero if fewer than 90 % of the calls produced a pop. Everything started (service + Asterisk, SIPp,
PostgreSQL database, temp dir) is removed on the way out, also on Ctrl-C or failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from callcenter.app import Stack  # noqa: E402
from callcenter.asterisk.ami import AmiClient, AmiEvent, EventDispatcher  # noqa: E402
from callcenter.directory.models import QueueDef, Seat  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402
from callcenter.settings import DEV_ADMIN_PASSWORD, DEV_AMI_SECRET, AmiSettings  # noqa: E402
from tests.helpers import free_udp_port, short_tmpdir, up_env  # noqa: E402

SIPP_DIR = ROOT / "bench" / "sipp"
PG_BASE = "postgresql://postgres@127.0.0.1:5432/postgres"
AGENT_PASSWORD = "bench-password-1"
QUEUE = "support"
FIRST_EXT = 2001
POP_MIN_SHARE = 0.9


# ---------------------------------------------------------------------------------------------- helpers
def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def summary(xs: list[float]) -> dict[str, Any]:
    """ms figures of a list of seconds."""
    return {"p50": pct(xs, 0.50) * 1000, "p95": pct(xs, 0.95) * 1000, "p99": pct(xs, 0.99) * 1000,
            "max": max(xs) * 1000 if xs else float("nan"), "n": len(xs)}


def _die_with_parent() -> None:
    """Child processes get SIGTERM if the bench dies without cleaning up (SIGKILL): nothing is left running."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def known_caller(n: int, share: float) -> bool:
    """Whether call number ``n`` (1-based, SIPp's [call_number]) calls from a number with a customer record."""
    return int(n * share) != int((n - 1) * share)


def caller_number(n: int) -> str:
    return f"1390000{n}"  # as bench/sipp/caller.xml writes it


async def _pg_admin(sql: str) -> None:
    import asyncpg

    u = make_url(PG_BASE)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# ------------------------------------------------------------------------------------------ measurements
@dataclass
class Receipt:
    uid: str
    event_ts: float
    at: float
    agent: str


@dataclass
class Results:
    service: list[Receipt] = field(default_factory=list)
    bare: list[Receipt] = field(default_factory=list)
    service_closed: int = 0  # sockets the service closed (dropped as slow, or errors) during the run
    bare_closed: int = 0
    bad_messages: int = 0


class CpuWatch:
    """CPU seconds and RSS of the service, its Asterisk, the SIPp processes and the bench, sampled each second."""

    def __init__(self, procs: dict[str, psutil.Process]) -> None:
        self.procs = procs
        self.t0 = 0.0
        self.cpu0: dict[str, float] = {}
        self.peak_rss: dict[str, int] = defaultdict(int)
        self.peak_cpu: dict[str, float] = defaultdict(float)
        self._last: dict[str, tuple[float, float]] = {}
        self._seen: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _cpu(self, p: psutil.Process) -> float:
        """CPU seconds so far; a process that has exited keeps its last sampled figure."""
        try:
            t = p.cpu_times()
            self._seen[p.pid] = t.user + t.system
        except psutil.Error:
            pass
        return self._seen.get(p.pid, 0.0)

    @staticmethod
    def _machine() -> float:
        """CPU seconds used by everything on the machine (all cores)."""
        t = psutil.cpu_times()
        return t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0) + getattr(t, "steal", 0)

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.machine0 = self._machine()
        self.cpu0 = {k: self._cpu(p) for k, p in self.procs.items()}
        self._last = {k: (self.t0, c) for k, c in self.cpu0.items()}
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.perf_counter()
            for k, p in self.procs.items():
                c = self._cpu(p)
                t_prev, c_prev = self._last[k]
                if now > t_prev:
                    self.peak_cpu[k] = max(self.peak_cpu[k], 100 * (c - c_prev) / (now - t_prev))
                self._last[k] = (now, c)
                with contextlib.suppress(psutil.Error):
                    self.peak_rss[k] = max(self.peak_rss[k], p.memory_info().rss)

    async def stop(self) -> dict[str, dict[str, float]]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        wall = time.perf_counter() - self.t0
        out = {}
        for k, p in self.procs.items():
            with contextlib.suppress(psutil.Error):
                self.peak_rss[k] = max(self.peak_rss[k], p.memory_info().rss)
            used = self._cpu(p) - self.cpu0[k]
            out[k] = {"cpu_s": used, "cpu_pct": 100 * used / wall, "peak_cpu_pct": self.peak_cpu[k],
                      "peak_rss_mib": self.peak_rss[k] / 2**20}
        others = self._machine() - self.machine0 - sum(v["cpu_s"] for v in out.values())
        out["other processes"] = {"cpu_s": others, "cpu_pct": 100 * others / wall, "peak_cpu_pct": float("nan"),
                                  "peak_rss_mib": float("nan")}
        return out


# ------------------------------------------------------------------------------ --profile: instrumented service
# (method, label) timed inside the service with --profile; missing ones (renamed by a refactor) are skipped
PROFILED = [
    ("callcenter.acd.agents:AgentStates.set", "AgentStates.set (listeners + save_state)"),
    ("callcenter.acd.repository:AcdRepository.save_state", "AcdRepository.save_state (DB)"),
    ("callcenter.acd.pop:ScreenPop.build", "ScreenPop.build"),
    ("callcenter.customers.records:CustomerRecords.pop_view", "CustomerRecords.pop_view (DB)"),
    ("callcenter.customers.repository:CustomerRepository.pop", "CustomerRepository.pop (DB, in pop_view)"),
    ("callcenter.customers.repository:CustomerRepository._history", "CustomerRepository._history (DB, in pop)"),
    ("callcenter.customers.repository:CustomerRepository._recent_calls",
     "CustomerRepository._recent_calls (DB, in _history)"),
    ("callcenter.auth.service:AuthService.audit", "AuthService.audit (DB)"),
    ("callcenter.calls.repository:CallRepository.upsert_many", "CallRepository.upsert_many (call writer, DB)"),
]


def serve_instrumented(out: str) -> int:
    """``callcenter up`` with timers: every AMI event's wait in the AMI client's queue and its handlers' time, and
    the PROFILED methods' durations; written as JSON to ``out`` when the service stops."""
    import functools
    import importlib

    from callcenter import cli
    from callcenter.asterisk import ami

    times: dict[str, list[float]] = defaultdict(list)
    orig_from_message = ami.AmiEvent.from_message.__func__  # type: ignore[attr-defined]

    def from_message(cls: type, message: Any) -> Any:
        ev = orig_from_message(cls, message)
        ev._rx = time.perf_counter()  # received from the AMI socket (parsed), before the ordered queue
        return ev

    ami.AmiEvent.from_message = classmethod(from_message)  # type: ignore[method-assign,assignment]
    orig_register = ami.EventDispatcher.register

    def register(self: Any, name: str, handler: Any) -> None:
        label = f"handler {getattr(handler, '__qualname__', handler)} on {name}"

        async def timed(ev: Any) -> None:
            t0 = time.perf_counter()
            try:
                await handler(ev)
            finally:
                times[label].append(time.perf_counter() - t0)
        orig_register(self, name, timed)

    ami.EventDispatcher.register = register  # type: ignore[method-assign]
    orig_dispatch = ami.EventDispatcher.dispatch

    async def dispatch(self: Any, ev: Any) -> None:
        t0 = time.perf_counter()
        rx = getattr(ev, "_rx", None)
        if rx is not None:
            times[f"queue wait before dispatch: {ev.name}"].append(t0 - rx)
        await orig_dispatch(self, ev)
        times[f"dispatch (all handlers): {ev.name}"].append(time.perf_counter() - t0)

    ami.EventDispatcher.dispatch = dispatch  # type: ignore[method-assign]
    for target, label in PROFILED:
        mod_name, _, attr = target.partition(":")
        cls_name, _, meth = attr.partition(".")
        try:
            cls = getattr(importlib.import_module(mod_name), cls_name)
            fn = getattr(cls, meth)
        except (ImportError, AttributeError):
            continue

        def wrap(fn: Any, label: str) -> Any:
            @functools.wraps(fn)
            async def timed(*a: Any, **kw: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return await fn(*a, **kw)
                finally:
                    times[label].append(time.perf_counter() - t0)
            return timed
        setattr(cls, meth, wrap(fn, label))
    try:
        return cli.main(["up"])
    finally:
        Path(out).write_text(json.dumps({k: {"n": len(v), "total_s": sum(v), **summary(v)} for k, v in times.items()}))


def print_profile(path: Path, calls: int) -> None:
    try:
        data: dict[str, dict[str, float]] = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        print(f"--profile: no data from the service ({e})")
        return
    print()
    print("--profile: inside the service (ms; AMI events are handled one at a time, in order, by one task)")
    print(f"{'':62}{'p50':>8}{'p99':>8}{'max':>8}{'n':>7}{'total s':>9}{'ms/call':>9}")
    rows = sorted(data.items(), key=lambda kv: -kv[1]["total_s"])
    for k, v in rows:
        if v["n"] == 0 or (v["total_s"] < 0.05 and not k.endswith("AgentCalled")):
            continue
        print(f"{k[:61]:62}{v['p50']:8.1f}{v['p99']:8.1f}{v['max']:8.1f}{v['n']:7d}{v['total_s']:9.2f}"
              f"{1000 * v['total_s'] / calls:9.1f}")


# -------------------------------------------------------------------------------------- database setup
async def prepare_queue_and_agents(stack: Stack, agents: int, uas_port: int) -> list[str]:
    """The ``support`` queue (no wrap-up, rrmemory, 120 s max wait), ``agents`` seats with static contacts → the one
    UAS and their agent users, an IVR flow sending every number there. Returns the extensions. (Also used by
    bench/wallboard.py.)"""
    await stack.load_directory()  # first run: seeds queues (and the two default seats) from settings
    await stack.bootstrap_admin()  # the service only creates it when there are no users at all
    exts = [str(FIRST_EXT + i) for i in range(agents)]
    async with stack.sessions() as s:
        q = (await s.execute(select(QueueDef).where(QueueDef.name == QUEUE))).scalar_one()
        q.wrapup_seconds, q.ring_timeout_seconds, q.strategy = 0, 15, "rrmemory"
        q.max_wait_seconds = 120
        for ext in exts:
            s.add(Seat(extension=ext, name=f"Bench {ext}", password=f"bench-seat-{ext}",
                       static_contact=f"sip:{ext}@127.0.0.1:{uas_port}", active=True,
                       created_at=stack.clock.now()))
        await s.commit()
    await stack.acd.reload_config()
    for ext in exts:
        user = await stack.auth.create_user(f"bench{ext}", AGENT_PASSWORD, ["agent"], f"Bench {ext}")
        await stack.directory_repo.set_skill(user.id, QUEUE, "junior")
    flow = await stack.ivr.create_flow("bench-to-support", {"start": "q", "language": "en", "nodes": {
        "q": {"kind": "queue", "queue": QUEUE, "max_wait_seconds": 120}}})
    await stack.ivr.publish(flow.id, by="bench")
    await stack.ivr.set_entry_point("*", flow.id)
    return exts


async def prepare_database(settings: Any, args: argparse.Namespace, uas_port: int) -> list[str]:
    """Queue, seats (static contacts → the one UAS), agent users, IVR flow, customers. Returns the extensions."""
    logging.getLogger("callcenter").setLevel(logging.ERROR)  # "created the first admin user" is expected here
    stack = Stack(settings, run_migrations=False)  # not started: only its services and repositories are used
    try:
        exts = await prepare_queue_and_agents(stack, args.agents, uas_port)
        for n in range(1, args.calls + 1):
            if known_caller(n, args.known):
                await stack.customers.create(f"Customer {n}", [caller_number(n)])
        return exts
    finally:
        await stack.engine.dispose()


# ------------------------------------------------------------------------------------------ the service
class Service:
    """``python -m callcenter up`` as a child process in its own session (Ctrl-C reaches only the bench, which then
    stops it in order with SIGTERM)."""

    def __init__(self, env: dict[str, str], log_path: Path, profile_out: Path | None = None) -> None:
        self.env = env
        self.log_path = log_path
        self.profile_out = profile_out
        self.proc: subprocess.Popen[bytes] | None = None
        self.children: list[psutil.Process] = []  # its managed Asterisk, noted once healthy

    def start(self) -> None:
        cmd = [sys.executable, "-m", "callcenter", "up"]
        if self.profile_out is not None:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-instrumented", str(self.profile_out)]
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child holds it; closed right after spawning
        try:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_die_with_parent)
        finally:
            log.close()

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    async def wait_healthy(self, base: str, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last: object = None
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"callcenter up exited early with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    r = await http.get(f"{base}/api/health")
                    if r.status_code == 200:
                        with contextlib.suppress(psutil.Error):
                            self.children = psutil.Process(self.proc.pid).children(recursive=True)
                        return
                    last = r.text
                except httpx.HTTPError as e:
                    last = e
                await asyncio.sleep(0.25)
        raise RuntimeError(f"service not healthy in {timeout:.0f}s ({last})\n{self.log_tail()}")

    def stop(self) -> int | None:
        p = self.proc
        if p is None:
            return None
        children = list(self.children)
        with contextlib.suppress(psutil.Error):
            children += psutil.Process(p.pid).children(recursive=True)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)  # the service stops HTTP, AMI, FastAGI and its managed Asterisk
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for c in children:  # only if the service could not stop its Asterisk itself
            with contextlib.suppress(psutil.Error):
                if c.is_running():  # same pid *and* start time: never a recycled pid
                    c.kill()
        return p.returncode


def kill_proc(p: subprocess.Popen[bytes] | None) -> None:
    if p is not None and p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def sipp_stats(stat_file: Path) -> dict[str, int]:
    """Final counters of a ``-trace_stat`` CSV (';' separated, header first)."""
    try:
        lines = [ln for ln in stat_file.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return {}
    if len(lines) < 2:
        return {}
    head, last = lines[0].split(";"), lines[-1].split(";")
    out = {}
    for k in ("TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)"):
        if k in head:
            with contextlib.suppress(ValueError, IndexError):
                out[k] = int(last[head.index(k)])
    return out


def sipp_errors(workdir: Path, limit: int = 1500) -> str:
    text = "".join(p.read_text(errors="replace") for p in sorted(workdir.glob("*_errors.log")))
    return text[-limit:]


# ------------------------------------------------------------------------------------------ ws clients
async def service_client(url: str, token: str, agent: str, res: Results, ready: asyncio.Event,
                         stop: asyncio.Event) -> None:
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=30,
                       max_size=None) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if hello.get("type") != "hello":
            raise RuntimeError(f"/ws/agent for {agent}: expected hello, got {hello.get('type')}")
        ready.set()
        await _receive(ws, agent, res, res.service, stop, service=True)


async def bare_client(url: str, agent: str, res: Results, stop: asyncio.Event) -> None:
    async with connect(url, open_timeout=30, max_size=None) as ws:
        await _receive(ws, agent, res, res.bare, stop, service=False)


async def _receive(ws: ClientConnection, agent: str, res: Results, out: list[Receipt], stop: asyncio.Event,
                   service: bool) -> None:
    try:
        async for raw in ws:
            at = time.time()  # first thing on receipt; parsing comes after
            try:
                msg = json.loads(raw)
                if service:
                    if msg.get("type") != "pop":
                        continue
                    pop = msg["pop"]
                    out.append(Receipt(pop["call_uniqueid"], float(pop["event_ts"]), at, agent))
                else:
                    out.append(Receipt(msg["Uniqueid"], float(msg["Timestamp"]), at, agent))
            except (ValueError, KeyError, TypeError):
                res.bad_messages += 1
    except websockets.ConnectionClosed:
        pass
    if not stop.is_set():  # closed by the other side during the run
        if service:
            res.service_closed += 1
        else:
            res.bare_closed += 1


class BareForwarder:
    """AMI (our AmiClient + EventDispatcher) → websockets, nothing else."""

    def __init__(self, ami_port: int, fanout_all: bool) -> None:
        self.fanout_all = fanout_all
        self.by_agent: dict[str, set[ServerConnection]] = defaultdict(set)
        self.everyone: set[ServerConnection] = set()
        self.forwarded = 0
        dispatcher = EventDispatcher()
        dispatcher.register("AgentCalled", self.on_agent_called)
        self.ami = AmiClient(AmiSettings(port=ami_port, secret=DEV_AMI_SECRET, ping_interval=5, action_timeout=5),
                             dispatcher)
        self.server: Any = None
        self.port = 0

    async def on_agent_called(self, ev: AmiEvent) -> None:
        text = json.dumps(ev)
        if self.fanout_all:
            broadcast(self.everyone, text)
        else:
            broadcast(self.by_agent.get(ev.get("Interface", "").rpartition("/")[2], ()), text)
        self.forwarded += 1

    async def _handler(self, ws: ServerConnection) -> None:
        agent = (ws.request.path if ws.request else "/").strip("/")
        self.by_agent[agent].add(ws)
        self.everyone.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.by_agent[agent].discard(ws)
            self.everyone.discard(ws)

    @property
    def clients(self) -> int:
        return len(self.everyone)

    async def start(self) -> None:
        self.server = await serve(self._handler, "127.0.0.1", 0, max_size=None)
        self.port = self.server.sockets[0].getsockname()[1]
        await self.ami.start()
        await self.ami.wait_ready(30)

    async def stop(self) -> None:
        await self.ami.stop()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)


def ami_trace_split(path: Path, first_pop: dict[str, float]) -> dict[str, Any] | None:
    """With ``--trace`` the service writes every AMI event with its receipt time (monotonic, ``ami.trace_file``):
    split the pop latency into Asterisk → the service's AMI client, and the service's own part. The monotonic
    clock is mapped to the wall clock by the fastest event (smallest Timestamp − receipt), so the first part is
    relative to that event's delivery time."""
    try:
        rows = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    except (OSError, ValueError):
        return None
    stamped = [(r["t"], float(r["event"]["Timestamp"])) for r in rows if r.get("event", {}).get("Timestamp")]
    if not stamped:
        return None
    offset = max(ts - t for t, ts in stamped)  # wall ≈ monotonic + offset (exact for the fastest delivery)
    receipt, inside = [], []
    for r in rows:
        ev = r.get("event", {})
        if ev.get("Event") != "AgentCalled" or not ev.get("Timestamp"):
            continue
        at = r["t"] + offset
        receipt.append(at - float(ev["Timestamp"]))
        if ev.get("Uniqueid") in first_pop:
            inside.append(first_pop[ev["Uniqueid"]] - at)
    return {"ami_receipt_ms": summary(receipt), "in_service_ms": summary(inside)}


# ---------------------------------------------------------------------------------------------- the run
async def http_login(http: httpx.AsyncClient, username: str, password: str) -> str:
    r = await http.post("/api/auth/login", json={"username": username, "password": password})
    r.raise_for_status()
    return str(r.json()["token"])


async def agents_ready(http: httpx.AsyncClient, exts: list[str]) -> dict[str, str]:
    """Log every agent in over HTTP (token, seat, ready), as the desktop does. Returns extension → token."""
    tokens: dict[str, str] = {}
    for ext in exts:
        token = await http_login(http, f"bench{ext}", AGENT_PASSWORD)
        h = {"Authorization": f"Bearer {token}"}
        (await http.post("/api/agent/login", json={"extension": ext}, headers=h)).raise_for_status()
        r = await http.post("/api/agent/ready", headers=h)
        r.raise_for_status()
        state = r.json()["agent"]["state"]
        if state != "ready":
            raise RuntimeError(f"agent bench{ext} is {state!r} after POST /api/agent/ready")
        tokens[ext] = token
    return tokens


async def answered_calls(http: httpx.AsyncClient, admin: str, want: int, timeout: float) -> int:
    """Answered calls stored (the call-record writer batches, so wait a little for it to settle)."""
    h = {"Authorization": f"Bearer {admin}"}
    deadline = time.monotonic() + timeout
    last, stable = -1, 0
    while True:
        r = await http.get("/api/calls", params={"outcome": "answered", "limit": 1}, headers=h)
        r.raise_for_status()
        total = int(r.json()["total"])
        stable = stable + 1 if total == last else 0
        last = total
        if total >= want or stable >= 4 or time.monotonic() > deadline:
            return total
        await asyncio.sleep(0.5)


@contextlib.contextmanager
def step(what: str) -> Iterator[None]:
    t0 = time.perf_counter()
    print(f"· {what} …", end="", flush=True, file=sys.stderr)
    try:
        yield
    except BaseException:
        print(" failed", file=sys.stderr)
        raise
    print(f" {time.perf_counter() - t0:.1f} s", file=sys.stderr)


async def bench_database(db: str, tmp: Path) -> tuple[str, str | None]:
    """(database URL, PostgreSQL database name to drop afterwards or None): a new PostgreSQL database, or SQLite in
    ``tmp``. (Also used by bench/wallboard.py.)"""
    if db != "postgresql":
        return f"sqlite+aiosqlite:///{tmp / 'callcenter.db'}", None
    name = "cc_bench_" + uuid.uuid4().hex[:12]
    await _pg_admin(f'CREATE DATABASE "{name}"')
    return make_url(PG_BASE).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False), name


async def run(args: argparse.Namespace) -> int:
    tmp = short_tmpdir("ccb-")
    cleanups: list[Any] = []
    pg_name: str | None = None
    try:
        # ---- database ------------------------------------------------------------------------------
        url, pg_name = await bench_database(args.db, tmp)
        rtp = 40000 + 2 * (os.getpid() % 4000)  # a wide range: ~2 channels per call in progress, 2 ports each
        env, settings = up_env(url, tmp / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                               CALLCENTER_LOG_LEVEL="WARNING", CALLCENTER_ASTERISK__RTP_START=str(rtp),
                               CALLCENTER_ASTERISK__RTP_END=str(rtp + 3998))
        trace_file = tmp / "ami_trace.jsonl"
        if args.trace:
            env["CALLCENTER_AMI__TRACE_FILE"] = str(trace_file)
        uas_port = free_udp_port()
        with step(f"preparing the {args.db} database ({args.agents} seats/agents, IVR flow, customers)"):
            await asyncio.to_thread(upgrade, url)
            exts = await prepare_database(settings, args, uas_port)

        # ---- SIPp agent phones, then the service --------------------------------------------------------
        sip_target = f"127.0.0.1:{env['CALLCENTER_ASTERISK__SIP_PORT']}"
        sipp_dir = tmp / "sipp"
        sipp_dir.mkdir()
        sipp = shutil.which("sipp")
        if sipp is None:
            raise RuntimeError("sipp (sip-tester) is not installed: run scripts/install-system-deps")
        bound = int(args.calls / args.rate + args.hold + 300)
        uas = subprocess.Popen(
            [sipp, sip_target, "-sf", str(SIPP_DIR / "agent_phones.xml"), "-i", "127.0.0.1", "-p", str(uas_port),
             "-mp", str(free_udp_port()), "-m", str(10 * args.calls), "-set", "answer_ms",
             str(int(args.answer_after * 1000)), "-set", "hold_ms", str(int(args.hold * 1000)),
             "-nostdin", "-trace_err", "-timeout", f"{bound}s"],
            cwd=sipp_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        cleanups.append(lambda: kill_proc(uas))

        profile_out = tmp / "profile.json" if args.profile else None
        service = Service(env, tmp / "service.log", profile_out)
        cleanups.append(service.stop)
        base = f"http://127.0.0.1:{env['CALLCENTER_HTTP__PORT']}"
        with step("starting the service (python -m callcenter up)"):
            service.start()
            await service.wait_healthy(base, 90)
        assert service.proc is not None
        if uas.poll() is not None:
            raise RuntimeError(f"the SIPp agent phones exited (rc {uas.returncode}): {sipp_errors(sipp_dir)}")
        svc_proc = psutil.Process(service.proc.pid)
        asterisk = [c for c in service.children if "asterisk" in c.name()]
        if not asterisk:
            raise RuntimeError("the service's managed Asterisk process was not found")

        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            with step(f"logging {len(exts)} agents in over HTTP (login, seat, ready)"):
                admin = await http_login(http, "admin", DEV_ADMIN_PASSWORD)
                tokens = await agents_ready(http, exts)

            # ---- bare forwarder and websocket clients ------------------------------------------------------
            fwd = BareForwarder(int(env["CALLCENTER_AMI__PORT"]), args.bare_fanout == "all")
            cleanups.append(fwd.stop)
            res = Results()
            stop = asyncio.Event()
            tasks: list[asyncio.Task[None]] = []
            cleanups.append(lambda: [t.cancel() for t in tasks])
            with step(f"bare forwarder (AMI login) + {args.clients} + {args.clients} websocket clients"):
                await fwd.start()
                ws_base = base.replace("http://", "ws://")
                readies = []
                gate = asyncio.Semaphore(20)  # handshakes in small batches (each is a token lookup in the service)

                async def one(i: int) -> None:
                    ext = exts[i % len(exts)]
                    ev = asyncio.Event()
                    readies.append(ev)
                    async with gate:
                        t = asyncio.create_task(service_client(f"{ws_base}/ws/agent", tokens[ext], ext, res, ev,
                                                               stop))
                        tasks.append(t)
                        waiter = asyncio.create_task(ev.wait())
                        await asyncio.wait({t, waiter}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
                        waiter.cancel()
                        if t.done():
                            t.result()  # raises the connect error
                            raise RuntimeError(f"/ws/agent for {ext} closed before the hello")
                    tasks.append(asyncio.create_task(bare_client(f"ws://127.0.0.1:{fwd.port}/{ext}", ext, res,
                                                                 stop)))

                await asyncio.gather(*(one(i) for i in range(args.clients)))
                deadline = time.monotonic() + 30
                while (sum(e.is_set() for e in readies) < args.clients or fwd.clients < args.clients) \
                        and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                if sum(e.is_set() for e in readies) < args.clients or fwd.clients < args.clients:
                    raise RuntimeError(f"only {sum(e.is_set() for e in readies)} service and {fwd.clients} "
                                       f"forwarder websocket clients connected of {args.clients}")

            # ---- the calls ------------------------------------------------------------------------------
            stat_file = sipp_dir / "caller_stat.csv"
            caller_cmd = [sipp, sip_target, "-sf", str(SIPP_DIR / "caller.xml"), "-s", "4000",
                          "-i", env.get("CALLCENTER_ASTERISK__TRUNK_MATCH", "127.0.0.2"),
                          "-p", str(free_udp_port("127.0.0.2")), "-mp", str(free_udp_port("127.0.0.2")),
                          "-r", f"{args.rate:g}", "-m", str(args.calls), "-l", str(args.calls),
                          "-nostdin", "-trace_err", "-trace_stat", "-stf", str(stat_file), "-fd", "1",
                          "-timeout", f"{bound}s"]
            print(f"· {args.calls} calls at {args.rate:g}/s (agent answers after {args.answer_after:g} s, "
                  f"hangs up {args.hold:g} s later) …", file=sys.stderr, flush=True)
            t_calls = time.perf_counter()
            caller = subprocess.Popen(caller_cmd, cwd=sipp_dir, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            cleanups.append(lambda: kill_proc(caller))
            watch = CpuWatch({"service (python)": svc_proc, "asterisk": asterisk[0],
                              "sipp caller": psutil.Process(caller.pid), "sipp agent phones": psutil.Process(uas.pid),
                              "bench (clients + bare)": psutil.Process()})
            watch.start()
            end_by = time.monotonic() + bound + 30
            while caller.poll() is None:
                if time.monotonic() > end_by:
                    raise RuntimeError("SIPp caller did not finish in time")
                if service.proc is not None and service.proc.poll() is not None:
                    raise RuntimeError(f"the service exited during the run (rc {service.proc.returncode}):\n"
                                       f"{service.log_tail()}")
                if uas.poll() is not None:
                    raise RuntimeError(f"the SIPp agent phones exited (rc {uas.returncode}) during the run: "
                                       f"{sipp_errors(sipp_dir)}")
                await asyncio.sleep(0.5)
            # the last pops are long in (they come before the talk), but give stragglers a moment
            await asyncio.sleep(1.0)
            call_wall = time.perf_counter() - t_calls
            cpu = await watch.stop()
            stop.set()
            answered = await answered_calls(http, admin, args.calls, 15)

        caller_rc = caller.returncode
        stats = sipp_stats(stat_file)
        errors = sipp_errors(sipp_dir)
        self_hangups = sum(p.read_text(errors="replace").count("receive timeout")
                           for p in sipp_dir.glob("caller_*_errors.log"))
        # ---- figures --------------------------------------------------------------------------------
        svc_lat = [r.at - r.event_ts for r in res.service]
        bare_lat = [r.at - r.event_ts for r in res.bare]
        first_svc: dict[str, float] = {}
        for r in res.service:
            first_svc[r.uid] = min(first_svc.get(r.uid, r.at), r.at)
        first_bare: dict[str, float] = {}
        for r in res.bare:
            first_bare[r.uid] = min(first_bare.get(r.uid, r.at), r.at)
        paired = [first_svc[u] - first_bare[u] for u in first_svc if u in first_bare]
        pops = len(first_svc)
        # the service pop's p50 over the run, in quarters by AgentCalled time: a growing figure is a backlog
        by_ts = sorted(res.service, key=lambda r: r.event_ts)
        quarters = [summary([r.at - r.event_ts for r in by_ts[i * len(by_ts) // 4:(i + 1) * len(by_ts) // 4]])
                    for i in range(4)] if len(by_ts) >= 4 else []
        trace = ami_trace_split(trace_file, first_svc) if args.trace else None
        out = {
            "rate": args.rate, "calls": args.calls, "clients": args.clients, "agents": args.agents, "db": args.db,
            "hold": args.hold, "answer_after": args.answer_after, "bare_fanout": args.bare_fanout,
            "calls_created": stats.get("TotalCallCreated"), "calls_successful": stats.get("SuccessfulCall(C)"),
            "calls_failed": stats.get("FailedCall(C)"), "sipp_caller_rc": caller_rc, "answered": answered,
            "callers_not_released": self_hangups,
            "pops_calls": pops, "bare_calls": len(first_bare), "wall_s": call_wall,
            "service_pop_ms": summary(svc_lat), "bare_forwarder_ms": summary(bare_lat),
            "service_minus_bare_ms": summary(paired),
            "service_pop_by_quarter_ms": [{"p50": q["p50"], "p99": q["p99"]} for q in quarters],
            "trace": trace,
            "service_sockets_closed": res.service_closed, "bare_sockets_closed": res.bare_closed,
            "bad_messages": res.bad_messages, "cpu": cpu,
            "service_log_errors": sum(1 for ln in service.log_tail(10**7).splitlines()
                                      if "Traceback" in ln or " ERROR " in ln),
        }
        print_report(out, args)
        if errors.strip():
            print(f"\nSIPp errors (tail):\n{errors}", file=sys.stderr)
        if profile_out is not None:
            service.stop()  # the instrumented service writes its timings when it stops
            print_profile(profile_out, args.calls)
        if args.json:
            print(json.dumps(_finite(out), default=str))
        if pops < POP_MIN_SHARE * args.calls:
            print(f"\nFAILED: only {pops} of {args.calls} calls produced a pop (< {POP_MIN_SHARE:.0%}); "
                  f"SIPp caller exit {caller_rc}, answered {answered}. Service log tail:\n{service.log_tail()}",
                  file=sys.stderr)
            return 1
        return 0
    finally:
        for fn in reversed(cleanups):
            try:
                r = fn()
                if asyncio.iscoroutine(r):
                    await asyncio.wait_for(r, 15)
            except Exception as e:  # cleanup carries on whatever happens
                print(f"cleanup: {type(e).__name__}: {e}", file=sys.stderr)
        if pg_name is not None:
            try:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            except Exception as e:
                print(f"cleanup: could not drop database {pg_name}: {e}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


def _finite(o: Any) -> Any:
    """NaN (no sample) → null, so the JSON line is strict JSON."""
    if isinstance(o, float) and o != o:
        return None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_finite(v) for v in o]
    return o


def print_report(o: dict[str, Any], args: argparse.Namespace) -> None:
    per_agent = args.clients / args.agents
    print()
    print(f"load             {o['calls']} calls at {o['rate']:g}/s, {o['agents']} agents, {o['clients']} websocket "
          f"clients ({per_agent:g} per agent), database {o['db']}, agent answers after {o['answer_after']:g} s, "
          f"talks {o['hold']:g} s")
    print(f"calls            placed {o['calls_created']} (SIPp: {o['calls_successful']} ok, {o['calls_failed']} "
          f"failed, exit {o['sipp_caller_rc']}), answered {o['answered']} (GET /api/calls), "
          f"pops received for {o['pops_calls']} calls (bare forwarder: {o['bare_calls']})")
    if o["callers_not_released"]:
        print(f"                 {o['callers_not_released']} callers were not released by Asterisk within 120 s "
              "and hung up themselves")
    print(f"run              {o['wall_s']:.1f} s; websockets closed by the server mid-run: service "
          f"{o['service_sockets_closed']}, bare {o['bare_sockets_closed']}; unparsable messages {o['bad_messages']}; "
          f"service log ERROR/Traceback lines {o['service_log_errors']}")
    print()
    print("AgentCalled Timestamp → message received by the websocket client (ms, one sample per socket receipt)")
    print(f"{'':26}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'n':>7}")
    for label, key in (("pop (service)", "service_pop_ms"), ("bare forwarder", "bare_forwarder_ms"),
                       ("service − bare, same call", "service_minus_bare_ms")):
        s = o[key]
        print(f"{label:26}{s['p50']:8.1f}{s['p95']:8.1f}{s['p99']:8.1f}{s['max']:8.1f}{s['n']:7d}")
    if o["service_pop_by_quarter_ms"]:
        print("  pop (service) p50 / p99 by quarter of the run: " + ",  ".join(
            f"{q['p50']:.0f} / {q['p99']:.0f}" for q in o["service_pop_by_quarter_ms"]))
    if o["trace"]:
        t = o["trace"]
        print(f"  --trace: AgentCalled reached the service's AMI client (relative to its fastest event) p50 "
              f"{t['ami_receipt_ms']['p50']:.1f} p99 {t['ami_receipt_ms']['p99']:.1f} ms; from there to the "
              f"first socket's receipt p50 {t['in_service_ms']['p50']:.1f} p99 {t['in_service_ms']['p99']:.1f} ms "
              f"(AMI trace writes add a little work to the service)")
    to = "the called agent's sockets" if args.bare_fanout == "agent" else "all its sockets (--bare-fanout all)"
    print(f"  bare forwarder: AmiClient + EventDispatcher → websockets.broadcast to {to}; it and ALL "
          f"{2 * o['clients']} clients run in this bench process (one event loop), separate from the service's "
          "process")
    print()
    print(f"{'CPU over the run':26}{'avg %':>8}{'peak %':>8}{'CPU s':>8}{'peak RSS MiB':>14}   (% of one core)")
    for k, c in o["cpu"].items():
        peak = "-" if c["peak_cpu_pct"] != c["peak_cpu_pct"] else f"{c['peak_cpu_pct']:.0f}"  # nan: not sampled
        rss = "-" if c["peak_rss_mib"] != c["peak_rss_mib"] else f"{c['peak_rss_mib']:.0f}"
        print(f"{k:26}{c['cpu_pct']:8.0f}{peak:>8}{c['cpu_s']:8.1f}{rss:>14}")
    print(f"  machine: {os.cpu_count()} cores; 'other processes' is everything else that ran meanwhile (a busy "
          "machine skews every figure above)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=20, help="calls per second")
    p.add_argument("--calls", type=int, default=400, help="total calls")
    p.add_argument("--clients", type=int, default=200, help="websocket clients (service) — as many again for the "
                                                             "bare forwarder")
    p.add_argument("--agents", type=int, default=None,
                   help="agent seats answered by the SIPp UAS (default 40, at most --clients: every agent needs a "
                        "socket for its pops to be seen)")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                   help=f"postgresql: a fresh database on {PG_BASE.rsplit('/', 1)[0]}, dropped after the run")
    p.add_argument("--hold", type=float, default=1.5, help="seconds the agent talks after answering")
    p.add_argument("--answer-after", type=float, default=0.2, help="seconds the agent phone rings before answering")
    p.add_argument("--known", type=float, default=0.5, help="share of callers with a customer record (0-1)")
    p.add_argument("--bare-fanout", choices=("agent", "all"), default="agent",
                   help="bare forwarder sends each event to the called agent's sockets (like the service) or to all")
    p.add_argument("--trace", action="store_true",
                   help="the service writes an AMI trace (ami.trace_file): split the pop latency into Asterisk → "
                        "service and the service's own part")
    p.add_argument("--profile", action="store_true",
                   help="run the service with timers on its AMI event queue, handlers and DB calls (bench-side "
                        "monkeypatching, no code change) and print where the time goes")
    p.add_argument("--json", action="store_true", help="also print one JSON line of results")
    args = p.parse_args()
    if args.agents is None:
        args.agents = min(40, args.clients)
    if args.rate <= 0 or args.calls <= 0 or args.agents <= 0 or args.clients < args.agents or not 0 <= args.known <= 1:
        p.error("need --rate, --calls, --agents > 0, --clients >= --agents, 0 <= --known <= 1")
    busy = args.rate * (args.answer_after + args.hold + 0.1) / args.agents
    if busy >= 1.0:
        print(f"warning: {args.agents} agents would be {busy:.0%} busy at this rate/hold: callers will queue "
              "(more --agents or a shorter --hold)", file=sys.stderr)

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # SIGTERM cleans up like Ctrl-C
        return await run(args)

    try:
        return asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    except RuntimeError as e:  # a step failed (its message says which); everything started was stopped
        print(f"screen_pop: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-instrumented":  # the service child of --profile
        raise SystemExit(serve_instrumented(sys.argv[2]))
    raise SystemExit(main())
