"""Shared test helpers: free ports, settings for a side-by-side stack, SIPp phones and callers."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from callcenter.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SIPP_DIR = ROOT / "tests" / "sipp"
FIXTURES = ROOT / "tests" / "fixtures"
ARTIFACTS = ROOT / "test-artifacts"


_HANDED_OUT: set[tuple[int, int]] = set()


def xdist_worker() -> tuple[int, int]:
    """(this process's index, how many processes share the run): (0, 1) without pytest-xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return (int(name[2:]) if name.startswith("gw") else 0), max(count, 1)


def _free_port(kind: int, host: str) -> int:
    """A port free now and not handed out before in this run (the OS may hand the same free port out twice in
    a row, and one settings object must not get the same port for HTTP and AMI).

    Under pytest-xdist every worker is a process of its own with its own ``_HANDED_OUT``, and two workers may be
    given the same free port between asking for it and binding it: each worker takes only the ports of its own
    share (the pair ``port // 2``, as Linux hands out mostly odd ports to bind(0))."""
    worker, workers = xdist_worker()
    for _ in range(50 * workers):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        if (port // 2) % workers == worker and (kind, port) not in _HANDED_OUT:
            _HANDED_OUT.add((kind, port))
            return port
    raise RuntimeError("no fresh free port")


def free_tcp_port(host: str = "127.0.0.1") -> int:
    return _free_port(socket.SOCK_STREAM, host)


def free_udp_port(host: str = "127.0.0.1") -> int:
    return _free_port(socket.SOCK_DGRAM, host)


# SIPp's media port ``-mp N`` binds N (audio RTP) and N + 2 (video RTP): a bind(0) port from free_udp_port can have
# its N + 2 taken by another process, and SIPp exits 254 (a socket it could not bind) before its call. Media ports
# come instead from above Linux's ephemeral range (32768-60999, which bind(0) and every client socket use) in
# blocks of 4, each worker its own blocks: nothing else binds them, so a block that binds now stays free for SIPp.
_MEDIA_BASE, _MEDIA_END = 61000, 65532
_MEDIA_HANDED: set[int] = set()


def free_media_port(host: str = "0.0.0.0") -> int:
    """A SIPp ``-mp`` port: N to N + 3 free now, from this worker's share of the media blocks (see above)."""
    worker, workers = xdist_worker()
    blocks = [b for b in range(_MEDIA_BASE, _MEDIA_END, 4) if (b // 4) % workers == worker]
    random.shuffle(blocks)
    for pass_ in (1, 2):  # first blocks not handed out in this run yet, then any (their SIPp has ended)
        for b in blocks:
            if pass_ == 1 and b in _MEDIA_HANDED:
                continue
            try:
                held = []
                for port in range(b, b + 4):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    held.append(s)
                    s.bind((host, port))
            except OSError:
                continue
            finally:
                for s in held:
                    s.close()
            _MEDIA_HANDED.add(b)
            return b
    raise RuntimeError("no free SIPp media port block")


async def kill_asterisk(stack: Any) -> None:
    """``kill -9`` of the stack's managed Asterisk, then wait until its supervisor has started a new one and AMI
    is back."""
    assert stack.asterisk_process is not None and stack.asterisk_process.pid is not None
    old_pid = stack.asterisk_process.pid
    os.kill(old_pid, signal.SIGKILL)

    async def restarted() -> bool:
        p = stack.asterisk_process
        return p is not None and p.running and p.pid != old_pid and stack.ami.ready

    await wait_for(restarted, 60, "the supervisor to restart Asterisk and AMI to be back")


def short_tmpdir(prefix: str = "cc-") -> Path:
    """Asterisk's control socket path must stay short (sun_path), so not pytest's deep tmp_path."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


# Asterisk's RTP port ranges (200 ports each) lie below Linux's ephemeral ports (32768 up), which free_udp_port
# hands out (SIPp's own ports): a SIPp phone's port inside a running Asterisk's RTP range could be taken by either.
_RTP_SLOTS = range(20000, 32768 - 200, 200)


def _rtp_start() -> int:
    """A random RTP range of this worker's share (workers under pytest-xdist run Asterisks at the same time)."""
    worker, workers = xdist_worker()
    return random.choice(_RTP_SLOTS[worker::workers])


def stack_settings(db_url: str, data_dir: Path, **overrides: Any) -> Settings:
    rtp = _rtp_start()
    base: dict[str, Any] = {
        "paths": {"data_dir": str(data_dir)},
        "db": {"url": db_url},
        # the loopback names (the default) and the names httpx/Starlette test clients send as Host
        "http": {"port": free_tcp_port(),
                 "allowed_hosts": ["localhost", "127.0.0.1", "::1", "t", "test", "testserver"]},
        "ami": {"port": free_tcp_port(), "ping_interval": 1.0, "action_timeout": 3.0,
                "reconnect_min": 0.2, "reconnect_max": 1.0},
        "agi": {"port": free_tcp_port()},
        "asterisk": {"sip_port": free_udp_port(), "rtp_start": rtp, "rtp_end": rtp + 198},
        "ivr": {"seed_default_flow": False},
        # no SIP OPTIONS qualify: the SIPp phone scenarios do not answer OPTIONS (a phone that did not would count
        # as unreachable, so away, and app_queue would not ring it); tests of qualify set it (test_seat.py)
        "seat": {"qualify_frequency_seconds": 0},
    }
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base[k] = {**base[k], **v}
        else:
            base[k] = v
    return load_settings(**base)


async def wait_for(pred: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float, what: str,
                   interval: float = 0.1) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        r = pred()
        if asyncio.iscoroutine(r):
            r = await r
        if r:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


class Sipp:
    """Runs sip-tester scenarios against a stack's SIP port."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        pcap = workdir / "pcap"
        if not pcap.exists():
            pcap.symlink_to("/usr/share/sip-tester")  # uac_pcap plays pcap/g711a.pcap
        self.target = f"{settings.asterisk.sip_host}:{settings.asterisk.sip_port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stderr: dict[int, Path] = {}

    @staticmethod
    def binary() -> str:
        path = shutil.which("sipp")
        if path is None:
            raise RuntimeError("sipp (sip-tester) is not installed: run scripts/install-system-deps")
        return path

    def register(self, extension: str, password: str, port: int) -> None:
        r = subprocess.run(
            [self.binary(), self.target, "-sf", str(SIPP_DIR / "agent_register.xml"), "-s", extension,
             "-au", extension, "-ap", password, "-i", "127.0.0.1", "-p", str(port), "-m", "1",
             "-nostdin", "-trace_err", "-timeout", "10s"],
            cwd=self.workdir, capture_output=True, timeout=20,
        )
        if r.returncode != 0:
            errs = "".join(p.read_text(errors="replace") for p in self.workdir.glob("agent_register_*errors.log"))
            raise AssertionError(f"agent {extension} failed to register (rc={r.returncode}): {errs[-2000:]}")

    def answer(self, extension: str, port: int, calls: int = 1, scenario: str = "agent_answer.xml",
               ring_ms: int | None = None) -> subprocess.Popen[bytes]:
        """The phone at ``port`` answers ``calls`` calls 1 s after ringing, or after ``ring_ms``
        (``agent_noanswer.xml``: rings until cancelled)."""
        extra: list[str] = []
        if ring_ms is not None:
            scenario, extra = "agent_answer_after.xml", ["-d", str(ring_ms)]
        p = subprocess.Popen(
            [self.binary(), self.target, "-sf", str(SIPP_DIR / scenario), "-s", extension,
             "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_media_port()), "-rtp_echo", "-m", str(calls),
             "-nostdin", "-trace_err", *extra],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.procs.append(p)
        return p

    def answer_options(self, extension: str, port: int) -> subprocess.Popen[bytes]:
        """The phone at ``port`` answers Asterisk's qualify (SIP OPTIONS) with 200 OK until the process is killed;
        after that it stops answering, as a phone that was unplugged."""
        p = subprocess.Popen(
            [self.binary(), self.target, "-sf", str(SIPP_DIR / "agent_options.xml"), "-s", extension,
             "-i", "127.0.0.1", "-p", str(port), "-m", "1000000", "-nostdin", "-trace_err"],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.procs.append(p)
        return p

    def call(self, service: str = "4000", scenario: str = "uac_pcap", duration_ms: int | None = None
             ) -> subprocess.Popen[bytes]:
        """Place one call from the trunk address (127.0.0.2) with sip-tester's built-in scenario."""
        args = [self.binary(), self.target, "-sn", scenario, "-s", service, "-i",
                self.settings.asterisk.trunk_match, "-p", str(free_udp_port("127.0.0.2")),
                "-mp", str(free_media_port()), "-m", "1", "-nostdin", "-trace_err"]
        if duration_ms is not None:
            args += ["-d", str(duration_ms)]
        return self._start(args, self.workdir)

    def call_pressing(self, presses: list[tuple[float, str]], hold: float, service: str = "4000",
                      caller: str = "13800138000") -> subprocess.Popen[bytes]:
        """A caller that sends DTMF: ``presses`` = [(seconds to wait, digits), ...], then stays ``hold`` s."""
        from tests.sipp.caller import render

        out = self.workdir / f"caller-{len(self.procs)}"
        scenario = render(presses, hold, out, caller)
        args = [self.binary(), self.target, "-sf", str(scenario), "-s", service, "-i",
                self.settings.asterisk.trunk_match, "-p", str(free_udp_port("127.0.0.2")),
                "-mp", str(free_media_port()), "-m", "1", "-nostdin", "-trace_err"]
        return self._start(args, out)

    def _start(self, args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
        """A caller's SIPp; what it prints to stderr is kept (``explain``) for a test that fails on it."""
        log = cwd / f"sipp-{len(self.procs)}.stderr"
        with log.open("wb") as err:
            p = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        self._stderr[p.pid] = log
        self.procs.append(p)
        return p

    def explain(self, p: subprocess.Popen[bytes]) -> str:
        """Why a SIPp exited: its exit code, what it printed and its error log (``-trace_err``)."""
        log = self._stderr.get(p.pid)
        text = log.read_text(errors="replace") if log is not None and log.exists() else ""
        if log is not None:
            text += "".join(f.read_text(errors="replace") for f in log.parent.glob(f"*_{p.pid}_errors.log"))
        return f"SIPp exited with {p.returncode}: {text.strip()[-2000:]}"

    def running(self, p: subprocess.Popen[bytes]) -> bool:
        """True while ``p`` runs; a wait on what its call does fails at once, with SIPp's reason, if it ended."""
        if p.poll() is None:
            return True
        if p.returncode != 0:
            raise AssertionError(self.explain(p))
        return False

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()


async def bearer(stack: Any, roles: tuple[str, ...] = ("admin",), username: str = "") -> dict[str, str]:
    """Authorization header for a (new) user with ``roles`` on a Stack."""
    name = username or "t-" + "-".join(roles)
    if not await _user_exists(stack, name):
        await stack.auth.create_user(name, "test-password-1", list(roles))
    token, _ = await stack.auth.login(name, "test-password-1", "test")
    return {"Authorization": f"Bearer {token}"}


async def _user_exists(stack: Any, name: str) -> bool:
    from sqlalchemy import select

    from callcenter.auth.models import User

    async with stack.sessions() as s:
        return (await s.execute(select(User.id).where(User.username == name))).first() is not None


def up_env(db_url: str, data: Path, **extra: str) -> tuple[dict[str, str], Settings]:
    """Environment for ``python -m callcenter up`` on free ports (as the README runs it), and its settings."""
    s = stack_settings(db_url, data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update({
        "CALLCENTER_PATHS__DATA_DIR": str(data),
        "CALLCENTER_DB__URL": db_url,
        "CALLCENTER_HTTP__PORT": str(s.http.port),
        "CALLCENTER_AMI__PORT": str(s.ami.port),
        "CALLCENTER_AGI__PORT": str(s.agi.port),
        "CALLCENTER_ASTERISK__SIP_PORT": str(s.asterisk.sip_port),
        "CALLCENTER_ASTERISK__RTP_START": str(s.asterisk.rtp_start),
        "CALLCENTER_ASTERISK__RTP_END": str(s.asterisk.rtp_end),
        "CALLCENTER_SEAT__QUALIFY_FREQUENCY_SECONDS": "0",  # the SIPp phones do not answer OPTIONS (stack_settings)
        **extra,
    })
    return env, s


def wait_http_ok(url: str, proc: subprocess.Popen[bytes], timeout: float) -> Any:
    """Poll ``url`` until it answers 200 (returns the httpx response); fail if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"callcenter up exited early with {proc.returncode}")
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200:
                return r
            last = r.text
        except httpx.HTTPError as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"{url} not healthy in {timeout}s ({last})")


class RunningUp:
    """``python -m callcenter up`` as a child process, output in ``log_path``. Leaving the block sends SIGTERM;
    when the block itself passed, the service must then have exited 0 without a traceback."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.returncode: int | None = None

    def __enter__(self) -> RunningUp:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen([sys.executable, "-m", "callcenter", "up"], cwd=ROOT, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        return self

    # a budget, not a speed check: the service imports, migrates and boots Asterisk while the suite's other
    # workers (pytest-xdist) keep the machine's cores busy
    def wait_healthy(self, base: str, timeout: float = 90) -> Any:
        return wait_http_ok(f"{base}/api/health", self.proc, timeout)

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()
        if exc_type is None:
            out = self.log_path.read_text(errors="replace")
            assert self.returncode == 0, out[-3000:]
            assert "Traceback" not in out, out[-3000:]


def pg_url() -> str | None:
    return os.environ.get("CALLCENTER_TEST_DATABASE_URL") or None


async def agent_user(stack: Any, username: str, skills: dict[str, str], extension: str | None = None,
                     ready: bool = False) -> Any:
    """An agent user with ``skills`` (queue → level); logged in at ``extension`` (and ready) when given."""
    user = await stack.auth.create_user(username, "test-password-1", ["agent"], username.title())
    for queue, level in skills.items():
        await stack.directory_repo.set_skill(user.id, queue, level)
    if extension is not None:
        await stack.acd.login(user, extension)
        if ready:
            await stack.acd.ready(user)
    return user


async def route_all_calls_to(stack: Any, queue: str, name: str = "") -> None:
    """Publish a flow that sends every dialled number straight to ``queue``."""
    flow = await stack.ivr.create_flow(name or f"to-{queue}", {"start": "q", "language": "en", "nodes": {
        "q": {"kind": "queue", "queue": queue, "max_wait_seconds": 120}}})
    await stack.ivr.publish(flow.id, by="test")
    await stack.ivr.set_entry_point("*", flow.id)


async def set_queue(stack: Any, name: str, **fields: Any) -> None:
    """Change a queue in the DB (as the admin API does) and apply it to Asterisk."""
    from sqlalchemy import select

    from callcenter.directory.models import QueueDef

    async with stack.sessions() as s:
        q = (await s.execute(select(QueueDef).where(QueueDef.name == name))).scalar_one()
        for k, v in fields.items():
            setattr(q, k, v)
        await s.commit()
    await stack.apply_config()


class Served:
    """The stack's HTTP app served by uvicorn on a free port inside the test's event loop (websockets need a
    real server)."""

    def __init__(self, stack: Any) -> None:
        import uvicorn

        from callcenter.app import create_app

        self.port = free_tcp_port()
        app = create_app(stack.settings, stack=stack, manage_stack=False)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off", ws="websockets-sansio", proxy_headers=False))
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Served:
        self._task = asyncio.create_task(self.server.serve())
        await wait_for(lambda: self.server.started, 10, "uvicorn to start")
        return self

    async def __aexit__(self, *_: object) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)


async def session_headers(stack: Any, name: str, roles: tuple[str, ...], at: datetime, days: float) -> dict[str, str]:
    """A user ``name`` with ``roles`` created at ``at`` and a session valid ``days`` from then, without scrypt (no
    password is ever checked): the Authorization header to send."""
    import secrets
    from datetime import timedelta

    from callcenter.auth.service import token_hash

    u = await stack.auth.repo.add_user(username=name, display_name=name, password_hash="-", roles=list(roles),
                                       active=True, created_at=at)
    token = f"token-{name}-{secrets.token_hex(8)}"
    await stack.auth.repo.add_session(token_hash(token), u.id, at, at + timedelta(days=days))
    return {"Authorization": f"Bearer {token}"}
