"""Runs Asterisk as a managed child process from the rendered runtime directory."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
from pathlib import Path

from callcenter.asterisk.config import RuntimeLayout
from callcenter.asterisk.errors import AsteriskNotInstalled, AsteriskStartError, PortInUse
from callcenter.settings import Settings

log = logging.getLogger(__name__)

INSTALL_HINT = "run `sudo scripts/install-system-deps` (installs Asterisk 16 and friends)"


try:  # loaded in the parent: the forked child must not import or take locks (other threads exist)
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the forked child: ask Linux to SIGTERM Asterisk if callcenter itself dies (even by SIGKILL),
    so a crashed service never leaves an orphan Asterisk holding the ports."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def find_asterisk(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise AsteriskNotInstalled(f"Asterisk binary {binary!r} not found on PATH; {INSTALL_HINT}")
    return path


def check_tcp_free(host: str, port: int, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise PortInUse(f"{setting}: TCP port {host}:{port} is already in use ({e.strerror})") from e


def check_udp_free(host: str, port: int, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            raise PortInUse(f"{setting}: UDP port {host}:{port} is already in use ({e.strerror})") from e


def stop_with_service(settings: Settings) -> bool:
    """``asterisk.stop_with_service``, or its default: stop Asterisk with the service in dev mode only."""
    a = settings.asterisk
    return a.stop_with_service if a.stop_with_service is not None else settings.mode == "dev"


def _proc_alive(pid: int) -> bool:
    """Running (a zombie is not: a container's PID 1 may never reap the Asterisk we left to it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [p.decode(errors="replace") for p in f.read().split(b"\0") if p]
    except OSError:
        return []


class ManagedAsterisk:
    """Start/stop Asterisk (``asterisk -C <runtime>/etc/asterisk.conf -f``) in its own process group.

    Two ways to run it (``asterisk.stop_with_service``, default: true in dev mode, false in prod):

    * stopped with the service: a child process that also gets SIGTERM if the service dies (even by SIGKILL), so
      development never leaves an orphan holding the ports;
    * left running: started detached (its own session, not our child), so a graceful stop, a crash or an upgrade of
      the service leaves every call up. The next start finds it by the pid file Asterisk writes in the runtime
      directory (``run/asterisk.pid``, checked against the process's command line: an Asterisk started from *this*
      rendered config), attaches to it instead of starting a second one, and has it re-read the rendered config
      (``core reload``: calls are not touched).
    """

    def __init__(self, settings: Settings, layout: RuntimeLayout) -> None:
        self.settings = settings
        self.layout = layout
        self.proc: asyncio.subprocess.Process | None = None
        self.attached_pid: int | None = None  # a detached Asterisk (ours, left running, or found at start)
        self.attached = False  # the last start found one already running and attached to it
        self.stop_with_service = stop_with_service(settings)
        self._stopping = False
        self._supervisor: asyncio.Task[None] | None = None
        self.restarts = 0

    @property
    def pid_file(self) -> Path:
        return self.layout.run / "asterisk.pid"

    @property
    def running(self) -> bool:
        if self.attached_pid is not None:
            return _proc_alive(self.attached_pid)
        return self.proc is not None and self.proc.returncode is None

    @property
    def pid(self) -> int | None:
        if self.attached_pid is not None:
            return self.attached_pid
        return self.proc.pid if self.proc is not None else None

    def find_running(self) -> int | None:
        """The pid of an Asterisk running from this rendered config (left running by an earlier start), if any."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        cmd = _cmdline(pid)
        if not _proc_alive(pid) or not cmd or "asterisk" not in Path(cmd[0]).name:
            return None
        conf = str(self.layout.asterisk_conf)
        return pid if any(a == conf for a in cmd) else None

    def console_command(self, command: str) -> list[str]:
        return [self.settings.asterisk.binary, "-C", str(self.layout.asterisk_conf), "-rx", command]

    def preflight(self) -> str:
        binary = find_asterisk(self.settings.asterisk.binary)
        a, s = self.settings.asterisk, self.settings
        check_udp_free(a.sip_host, a.sip_port, "asterisk.sip_port")
        check_tcp_free(s.ami.host, s.ami.port, "ami.port")
        return binary

    async def start(self) -> None:
        running = self.find_running()
        if running is not None:
            await self._attach(running)
            return
        self.attached = False
        binary = self.preflight()
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()  # a stale one (Asterisk gone) must not be mistaken for the new one
        if not self.stop_with_service:
            await self._start_detached(binary)
            return
        out = open(self.layout.log / "console.log", "ab")  # noqa: SIM115 - owned by the child
        try:
            self.proc = await asyncio.create_subprocess_exec(
                binary, "-C", str(self.layout.asterisk_conf), "-f", "-n",
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent,
            )
        finally:
            out.close()
        self.attached_pid = None
        log.info("started Asterisk pid %s from %s", self.proc.pid, self.layout.asterisk_conf)
        await self._wait_ami_port()

    async def _start_detached(self, binary: str) -> None:
        """Asterisk in its own session, not our child (``setsid --fork``): it outlives this process."""
        setsid = shutil.which("setsid")
        if setsid is None:
            raise AsteriskStartError("setsid (util-linux) not found: it is needed to leave Asterisk running "
                                     "after the service stops (asterisk.stop_with_service=false)")
        out = open(self.layout.log / "console.log", "ab")  # noqa: SIM115 - handed to Asterisk
        try:
            launcher = await asyncio.create_subprocess_exec(
                setsid, "--fork", binary, "-C", str(self.layout.asterisk_conf), "-f", "-n",
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
            await launcher.wait()  # returns at once: the forked Asterisk runs on
        finally:
            out.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.asterisk.start_timeout
        pid = None
        while pid is None:
            pid = self.find_running()
            if pid is None:
                if loop.time() > deadline:
                    raise AsteriskStartError(f"Asterisk did not start (no {self.pid_file}); see "
                                             f"{self.layout.log / 'console.log'} and {self.layout.log / 'messages'}")
                await asyncio.sleep(0.05)
        self.proc = None
        self.attached_pid = pid
        log.info("started Asterisk pid %s from %s (detached: it keeps running when the service stops)", pid,
                 self.layout.asterisk_conf)
        await self._wait_ami_port()

    async def _attach(self, pid: int) -> None:
        """An Asterisk from this config is already running (left running by the previous start): use it, and have
        it re-read the config rendered a moment ago (seats, queues, dialplan); live calls are not touched."""
        self.proc = None
        self.attached_pid = pid
        self.attached = True
        log.warning("Asterisk pid %s from %s is already running (left running by the previous start): attached "
                    "to it instead of starting another; its calls go on", pid, self.layout.asterisk_conf)
        await self._wait_ami_port()
        try:
            await self.rx("core reload")
        except Exception as e:  # the old config keeps running; reported, not fatal
            log.error("could not reload the attached Asterisk's config: %s", e)

    async def _wait_ami_port(self) -> None:
        s = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + s.asterisk.start_timeout
        while loop.time() < deadline:
            if not self.running:
                self.attached_pid = None
                raise AsteriskStartError(
                    f"Asterisk exited with code {self.proc.returncode if self.proc else '?'} during start; "
                    f"see {self.layout.log / 'console.log'} and {self.layout.log / 'messages'}"
                )
            try:
                _, w = await asyncio.wait_for(asyncio.open_connection(s.ami.host, s.ami.port), 1.0)
                w.close()
                with contextlib.suppress(Exception):
                    await w.wait_closed()
                return
            except (OSError, TimeoutError):
                await asyncio.sleep(0.1)
        await self.stop()
        raise AsteriskStartError(f"Asterisk did not open AMI on {s.ami.host}:{s.ami.port} within "
                                 f"{s.asterisk.start_timeout:g}s; see {self.layout.log / 'messages'}")

    def supervise(self, min_delay: float = 0.5, max_delay: float = 30.0) -> None:
        """Restart Asterisk (with backoff) whenever it exits without :meth:`stop` having been called."""
        self._stopping = False

        async def loop() -> None:
            delay = min_delay
            while not self._stopping:
                proc, pid = self.proc, self.attached_pid
                if pid is not None:  # not our child: nobody tells us when it exits, so look
                    while _proc_alive(pid) and not self._stopping:
                        await asyncio.sleep(0.5)
                    code: object = "unknown: not our child"
                elif proc is not None:
                    await proc.wait()
                    code = proc.returncode
                else:
                    return
                if self._stopping:
                    return
                self.attached_pid = None
                log.error("managed Asterisk exited unexpectedly (code %s); restarting in %.1fs", code, delay)
                await asyncio.sleep(delay)
                if self._stopping:
                    return
                try:
                    await self.start()
                    self.restarts += 1
                    delay = min_delay
                except Exception as e:  # keep trying; health shows Asterisk down meanwhile
                    log.error("restarting Asterisk failed: %s", e)
                    delay = min(delay * 2, max_delay)

        self._supervisor = asyncio.create_task(loop(), name="asterisk-supervisor")

    async def stop(self, timeout: float = 10.0) -> None:
        """The service stops: Asterisk stops with it, or (``stop_with_service`` false) is left running with its
        calls for the next start to attach to."""
        await self._end_supervisor()
        if not self.stop_with_service and self.running:
            log.warning("Asterisk pid %s left running with its calls (asterisk.stop_with_service=false); the next "
                        "start attaches to it. Stop it with: %s", self.pid,
                        " ".join(self.console_command("core stop gracefully")))
            return
        await self.terminate(timeout)

    async def _end_supervisor(self) -> None:
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None

    async def terminate(self, timeout: float = 10.0) -> None:
        """Stop Asterisk whatever ``stop_with_service`` says (SIGTERM, SIGKILL after ``timeout``)."""
        await self._end_supervisor()
        pid = self.attached_pid
        if pid is not None:
            if self.find_running() != pid:  # gone already (and its pid maybe reused): nothing of ours to stop
                self.attached_pid = None
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while _proc_alive(pid) and loop.time() < deadline:
                await asyncio.sleep(0.05)
            if _proc_alive(pid):
                log.warning("Asterisk did not stop in %ss; killing it", timeout)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                while _proc_alive(pid):
                    await asyncio.sleep(0.05)
            self.attached_pid = None
            log.info("Asterisk pid %s stopped", pid)
            return
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            log.warning("Asterisk did not stop in %ss; killing it", timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        # anything else left in its process group (none expected)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        log.info("Asterisk stopped (exit %s)", proc.returncode)

    async def kill(self) -> None:
        """Hard kill (tests simulate a crash with it)."""
        pid = self.attached_pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            while _proc_alive(pid):
                await asyncio.sleep(0.05)
            return
        if self.proc is not None and self.proc.returncode is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()

    async def rx(self, command: str, timeout: float = 10.0) -> str:
        """Run a CLI command on the running Asterisk through its control socket."""
        p = await asyncio.create_subprocess_exec(
            *self.console_command(command), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await asyncio.wait_for(p.communicate(), timeout)
        return out.decode(errors="replace")

