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


class ManagedAsterisk:
    """Start/stop Asterisk (``asterisk -C <runtime>/etc/asterisk.conf -f``) in its own process group."""

    def __init__(self, settings: Settings, layout: RuntimeLayout) -> None:
        self.settings = settings
        self.layout = layout
        self.proc: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._supervisor: asyncio.Task[None] | None = None
        self.restarts = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def console_command(self, command: str) -> list[str]:
        return [self.settings.asterisk.binary, "-C", str(self.layout.asterisk_conf), "-rx", command]

    def preflight(self) -> str:
        binary = find_asterisk(self.settings.asterisk.binary)
        a, s = self.settings.asterisk, self.settings
        check_udp_free(a.sip_host, a.sip_port, "asterisk.sip_port")
        check_tcp_free(s.ami.host, s.ami.port, "ami.port")
        return binary

    async def start(self) -> None:
        binary = self.preflight()
        out = open(self.layout.log / "console.log", "ab")  # noqa: SIM115 - owned by the child
        try:
            self.proc = await asyncio.create_subprocess_exec(
                binary, "-C", str(self.layout.asterisk_conf), "-f", "-n",
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent,
            )
        finally:
            out.close()
        log.info("started Asterisk pid %s from %s", self.proc.pid, self.layout.asterisk_conf)
        await self._wait_ami_port()

    async def _wait_ami_port(self) -> None:
        s = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + s.asterisk.start_timeout
        while loop.time() < deadline:
            if not self.running:
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
                proc = self.proc
                if proc is None:
                    return
                await proc.wait()
                if self._stopping:
                    return
                log.error("managed Asterisk exited unexpectedly (code %s); restarting in %.1fs",
                          proc.returncode, delay)
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
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
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

