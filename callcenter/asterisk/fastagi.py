"""A small FastAGI server (Asterisk connects to us per call; we send AGI commands and read answers).

Written on asyncio streams rather than panoramisk.fast_agi because every command needs a timeout and a
hung-up channel must end the flow cleanly:

* Asterisk writes ``HANGUP`` on the socket when the channel hangs up (FastAGI's SIGHUP); commands on a
  dead channel are answered ``511``; the socket may also just close. All three raise :class:`AgiHangup`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from callcenter.asterisk.clean import DEFAULT_MAX, clean_agi_env, clean_value
from callcenter.asterisk.errors import AgiCommandError, AgiHangup, AgiTimeout, PortInUse

log = logging.getLogger(__name__)

# GET DATA answers with what the caller typed, which may hold * and # (and A-D from some phones)
_RESULT = re.compile(r"^200 result=(-?[0-9*#A-Da-d]*)(?: \((.*)\))?(?: (.*))?$")


@dataclass(frozen=True)
class AgiResult:
    code: int
    result: str
    data: str


def parse_agi_response(line: str) -> AgiResult:
    """Parse one AGI response line (``200 result=1 (timeout)``)."""
    line = line.strip()
    if line.startswith("200 "):
        m = _RESULT.match(line)
        if not m:
            raise AgiCommandError(f"unparseable AGI response {line!r}")
        return AgiResult(200, m.group(1) or "", m.group(2) or m.group(3) or "")
    if line.startswith("511"):
        raise AgiHangup("command on a dead channel (511)")
    code = line[:3]
    raise AgiCommandError(f"AGI error {code}: {line[4:]}" if code.isdigit() else f"bad AGI response {line!r}")


class AgiChannel:
    """One FastAGI session (one call). Commands are serialised; each has a timeout."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, env: dict[str, str],
                 command_timeout: float) -> None:
        self._reader = reader
        self._writer = writer
        self.env = env
        self.command_timeout = command_timeout
        self.hung_up = False
        self._lock = asyncio.Lock()

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def script(self) -> str:
        """The path part of agi://host:port/<script>."""
        return self.env.get("agi_network_script", "").strip("/")

    async def command(self, cmd: str, timeout: float | None = None) -> AgiResult:
        if self.hung_up:
            raise AgiHangup("channel already hung up")
        async with self._lock:
            try:
                self._writer.write((cmd + "\n").encode())
                await self._writer.drain()
                while True:
                    raw = await asyncio.wait_for(self._reader.readline(), timeout or self.command_timeout)
                    if not raw:
                        self.hung_up = True
                        raise AgiHangup("FastAGI socket closed")
                    line = raw.decode(errors="replace").strip()
                    if line == "HANGUP":
                        self.hung_up = True
                        continue  # the command's own answer (usually 511 or a result) still follows
                    if line.startswith("520-"):  # multi-line usage error; read to the end marker
                        while line and not line.startswith("520 End"):
                            line = (await self._reader.readline()).decode(errors="replace").strip()
                        raise AgiCommandError(f"invalid AGI command {cmd!r}")
                    return parse_agi_response(line)
            except TimeoutError as e:
                raise AgiTimeout(f"AGI command {cmd!r} got no answer in time") from e
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                self.hung_up = True
                raise AgiHangup(f"FastAGI connection lost: {e}") from e

    # convenience commands --------------------------------------------------------------------------------
    async def answer(self) -> None:
        await self.command("ANSWER")

    async def stream_file(self, name: str, escape_digits: str = "") -> str:
        """Play a prompt; returns the digit pressed to interrupt it, or ''."""
        r = await self.command(f'STREAM FILE {name} "{escape_digits}"', timeout=self.command_timeout + 600)
        if r.result == "-1":
            self.hung_up = True
            raise AgiHangup("channel hung up during playback")
        return chr(int(r.result)) if r.result not in ("", "0") else ""

    async def exec(self, application: str, args: str = "") -> str:
        """``EXEC <application> "<args>"`` (the caller passes only its own constants); the application's result."""
        r = await self.command(f'EXEC {application} "{args}"')
        if r.result == "-2":
            raise AgiCommandError(f"no application {application!r}")
        return r.result

    async def wait_for_digit(self, timeout_ms: int) -> str:
        """``WAIT FOR DIGIT``: the key pressed within ``timeout_ms``, or '' (none)."""
        r = await self.command(f"WAIT FOR DIGIT {timeout_ms}", timeout=self.command_timeout + timeout_ms / 1000)
        if r.result == "-1":
            self.hung_up = True
            raise AgiHangup("channel hung up waiting for a digit")
        return chr(int(r.result)) if r.result.isdigit() and r.result != "0" else ""

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """``GET DATA``: play ``prompt`` and collect keys until ``#``, ``max_digits`` or ``timeout_ms`` between
        two keys; returns what was typed (untrusted: may hold ``*``), '' for nothing."""
        r = await self.command(f"GET DATA {prompt} {timeout_ms} {max_digits}",
                               timeout=self.command_timeout + 600 + timeout_ms * (max_digits + 1) / 1000)
        if r.result == "-1":
            self.hung_up = True
            raise AgiHangup("channel hung up while typing")
        return r.result

    async def record_file(self, path: str, max_seconds: int, silence_seconds: int = 5) -> None:
        """``RECORD FILE`` to ``path``.wav with a beep; '#' or silence ends it. A hang-up (result -1, the usual
        end of a voice message) raises AgiHangup once the file is written."""
        r = await self.command(f'RECORD FILE {path} wav "#" {max_seconds * 1000} BEEP s={silence_seconds}',
                               timeout=self.command_timeout + max_seconds + 30)
        if r.result == "-1":
            self.hung_up = True
            raise AgiHangup("channel hung up during recording")

    async def hangup(self) -> None:
        """Hang the channel up unless it already is; a caller who got there first is not an error."""
        if self.hung_up:
            return
        try:
            await self.command("HANGUP")
        except AgiHangup:
            pass

    async def set_variable(self, name: str, value: str) -> None:
        # a quote or line break in the value would end the command early or inject another one
        value = value.replace('"', "").replace("\r", " ").replace("\n", " ")
        await self.command(f'SET VARIABLE {name} "{value}"')

    async def get_variable(self, name: str) -> str | None:
        r = await self.command(f"GET VARIABLE {name}")
        # a channel variable can hold what a caller sent (CALLERID, SIP headers): cleaned like the environment
        return clean_value(r.data, DEFAULT_MAX)[0] if r.result == "1" else None


AgiHandler = Callable[[AgiChannel], Awaitable[None]]


class FastAgiServer:
    """Serves FastAGI on host:port and routes each call by script name to a handler."""

    def __init__(self, host: str, port: int, command_timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.command_timeout = command_timeout
        self.routes: dict[str, AgiHandler] = {}
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.sessions_total = 0
        self.errors = 0

    def route(self, script: str, handler: AgiHandler) -> None:
        self.routes[script.strip("/")] = handler

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as e:
            raise PortInUse(f"agi.port: cannot listen for FastAGI on {self.host}:{self.port}: {e.strerror}") from e
        self.port = self._server.sockets[0].getsockname()[1]  # the real one when configured as 0
        log.info("FastAGI listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for t in list(self._sessions):
                t.cancel()
            await asyncio.gather(*self._sessions, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        self.sessions_total += 1
        try:
            env: dict[str, str] = {}
            while True:
                raw = await asyncio.wait_for(reader.readline(), self.command_timeout)
                line = raw.decode(errors="replace").rstrip("\r\n")
                if not line:
                    break
                k, _, v = line.partition(":")
                env[k.strip()] = v.strip()
            # the one place the AGI environment enters: caller ID, DNID, extension... cleaned and bounded
            clean_agi_env(env)
            chan = AgiChannel(reader, writer, env, self.command_timeout)
            handler = self.routes.get(chan.script)
            if handler is None:
                log.error("FastAGI: no flow for script %r (uniqueid %s)", chan.script, chan.uniqueid)
                self.errors += 1
                return
            try:
                await handler(chan)
            except AgiHangup:
                log.info("FastAGI: caller %s hung up during flow %s", chan.uniqueid, chan.script)
            except (AgiTimeout, AgiCommandError) as e:
                self.errors += 1
                log.error("FastAGI flow %s failed for %s: %s", chan.script, chan.uniqueid, e)
        except (TimeoutError, ConnectionError):
            log.warning("FastAGI: session ended before the AGI environment was read")
        except Exception:
            self.errors += 1
            log.exception("FastAGI handler crashed")
        finally:
            self._sessions.discard(task)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
