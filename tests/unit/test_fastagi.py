"""FastAGI server + the IVR engine's inbound route against a fake peer that plays Asterisk's side."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.asterisk.errors import AgiCommandError, AgiHangup, PortInUse
from callcenter.asterisk.fastagi import AgiResult, FastAgiServer, parse_agi_response
from callcenter.clock import FakeClock
from callcenter.ivr.engine import IvrEngine
from callcenter.ivr.flowdef import FlowDef
from callcenter.ivr.prompts import PromptStore
from tests.helpers import free_tcp_port, wait_for

COMMAND_TIMEOUT = 0.5
UNIQUEID = "123.4"

EXPECTED_COMMANDS = [
    "ANSWER",
    'SET VARIABLE CC_IVR_VERSION "7"',
    'SET VARIABLE CHANNEL(language) "en"',
    'STREAM FILE hello-world "0123456789*#"',
    'SET VARIABLE CC_QUEUE "support"',
    'SET VARIABLE QUEUE_PRIO "0"',
    'SET VARIABLE CC_QUEUE_TIMEOUT "120"',
    'SET VARIABLE CC_IVR_NEXT ""',
]
FLOW = FlowDef.model_validate({"start": "greet", "nodes": {
    "greet": {"kind": "play", "prompt": "hello-world", "next": "q"},
    "q": {"kind": "queue", "queue": "support", "max_wait_seconds": 120},
}})


class OneFlow:
    """Flow source with one live version (id 7) for every number."""

    async def resolve(self, did: str) -> tuple[int, FlowDef] | None:
        return 7, FLOW

    async def version(self, version_id: int) -> FlowDef:
        return FLOW

    async def add_voicemail(self, **kw: Any) -> None:
        raise AssertionError("no voicemail in this flow")


class RecordingSink:
    """Stands in for the call tracker: records what the flow reports."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, Any]] = []

        self.steps: list[dict[str, Any]] = []

    async def ivr_entered(self, uniqueid: str, env: dict[str, str], flow_version_id: int | None = None) -> None:
        self.events.append(("entered", uniqueid, dict(env)))

    async def ivr_step(self, uniqueid: str, step: dict[str, Any]) -> None:
        self.steps.append(step)

    async def ivr_exited(self, uniqueid: str, queue: str | None, exit_kind: str = "queue") -> None:
        self.events.append(("exited", uniqueid, queue))

    @property
    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]


class AgiPeer:
    """Asterisk's side of one FastAGI session."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.commands: list[str] = []

    @classmethod
    async def connect(cls, port: int, script: str = "inbound") -> AgiPeer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        env = {
            "agi_network": "yes",
            "agi_network_script": script,
            "agi_request": f"agi://127.0.0.1:{port}/{script}",
            "agi_channel": "PJSIP/trunk-00000001",
            "agi_language": "en",
            "agi_type": "PJSIP",
            "agi_uniqueid": UNIQUEID,
            "agi_version": "20.6.0",
            "agi_callerid": "13800138000",
            "agi_calleridname": "unknown",
            "agi_dnid": "4000",
            "agi_context": "from-trunk",
            "agi_extension": "4000",
            "agi_priority": "3",
            "agi_enhanced": "0.0",
            "agi_accountcode": "",
            "agi_threadid": "140000000000000",
        }
        writer.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
        await writer.drain()
        return cls(reader, writer)

    async def read_command(self, timeout: float = 1.0) -> str:
        raw = await asyncio.wait_for(self.reader.readline(), timeout)
        assert raw, f"server closed the socket; commands so far: {self.commands}"
        assert raw.endswith(b"\n")
        cmd = raw.decode().rstrip("\n")
        self.commands.append(cmd)
        return cmd

    async def send(self, *lines: str) -> None:
        self.writer.write("".join(line + "\n" for line in lines).encode())
        await self.writer.drain()

    async def answer(self, cmd: str) -> None:
        """Answer like Asterisk does for a call that is still up."""
        if cmd.startswith("STREAM FILE"):
            await self.send("200 result=0 endpos=1234")
        elif cmd.startswith("SET VARIABLE"):
            await self.send("200 result=1")
        else:
            await self.send("200 result=0")

    async def serve(self, n: int) -> None:
        for _ in range(n):
            await self.answer(await self.read_command())

    async def expect_closed(self, timeout: float = 1.0) -> bytes:
        """Wait until the server closes the socket; returns whatever it still wrote before that."""
        return await asyncio.wait_for(self.reader.read(), timeout)

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


Agi = tuple[FastAgiServer, RecordingSink]


@pytest.fixture
async def agi() -> AsyncIterator[Agi]:
    server = FastAgiServer("127.0.0.1", free_tcp_port(), command_timeout=COMMAND_TIMEOUT)
    sink = RecordingSink()
    nowhere = Path("/nonexistent")
    engine = IvrEngine(OneFlow(), sink, PromptStore(nowhere, nowhere), FakeClock(), voicemail_dir=nowhere)
    server.route("inbound", engine.inbound)
    await server.start()
    try:
        assert server.listening
        yield server, sink
    finally:
        await server.stop()
    assert not server.listening


@pytest.fixture
async def peer(agi: Agi) -> AsyncIterator[AgiPeer]:
    p = await AgiPeer.connect(agi[0].port)
    try:
        yield p
    finally:
        await p.close()


def _session_over(server: FastAgiServer) -> bool:
    return not server._sessions  # the session task removes itself once it has ended


# ---- the inbound flow ---------------------------------------------------------------------------------------

async def test_inbound_flow_command_sequence(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    await peer.serve(len(EXPECTED_COMMANDS))
    assert peer.commands == EXPECTED_COMMANDS
    assert await peer.expect_closed() == b""  # nothing more is sent, and the server hangs up the socket
    assert server.errors == 0
    assert server.sessions_total == 1
    assert sink.kinds == ["entered", "exited"]
    _, uid, env = sink.events[0]
    assert uid == UNIQUEID
    assert env["agi_callerid"] == "13800138000"
    assert env["agi_channel"] == "PJSIP/trunk-00000001"
    assert env["agi_network_script"] == "inbound"
    assert sink.events[1] == ("exited", UNIQUEID, "support")


async def test_route_with_slashes_and_crlf_environment(agi: Agi) -> None:
    """agi://host:port/inbound/ and CRLF line endings still reach the inbound flow."""
    server, sink = agi
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    p = AgiPeer(reader, writer)
    try:
        writer.write(b"agi_network: yes\r\nagi_network_script: /inbound/\r\nagi_uniqueid: 9.9\r\n\r\n")
        await writer.drain()
        await p.serve(len(EXPECTED_COMMANDS))
        assert p.commands == EXPECTED_COMMANDS
        assert await p.expect_closed() == b""
    finally:
        await p.close()
    assert server.errors == 0
    assert sink.events[-1] == ("exited", "9.9", "support")


async def test_two_calls_at_once_are_independent(agi: Agi) -> None:
    server, sink = agi
    a = await AgiPeer.connect(server.port)
    b = await AgiPeer.connect(server.port)
    try:
        await asyncio.gather(a.serve(len(EXPECTED_COMMANDS)), b.serve(len(EXPECTED_COMMANDS)))
        assert a.commands == b.commands == EXPECTED_COMMANDS
    finally:
        await a.close()
        await b.close()
    await wait_for(lambda: _session_over(server), 1.0, "both sessions to end", interval=0.01)
    assert server.sessions_total == 2
    assert server.errors == 0
    assert sink.kinds.count("exited") == 2


# ---- hang-ups end the flow cleanly ------------------------------------------------------------------------------

async def test_hangup_then_511_during_greeting(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    await peer.serve(3)  # ANSWER, CC_IVR_VERSION, CHANNEL(language)
    assert await peer.read_command() == 'STREAM FILE hello-world "0123456789*#"'
    await peer.send("HANGUP", "511 Command Not Permitted on a dead channel")
    assert await peer.expect_closed() == b"", "no command may follow a hang-up"
    assert peer.commands == EXPECTED_COMMANDS[:4]
    assert sink.steps[-1]["node"] == "greet" and sink.steps[-1]["result"] == "caller_hangup"
    assert server.errors == 0
    assert sink.kinds == ["entered"]  # entered, but never exited with a queue


async def test_hangup_while_idle_then_511(agi: Agi, peer: AgiPeer) -> None:
    """HANGUP may arrive before the next command's answer; the 511 that follows ends the flow."""
    server, sink = agi
    await peer.send("HANGUP")
    assert await peer.read_command() == "ANSWER"
    await peer.send("511 Command Not Permitted on a dead channel")
    assert await peer.expect_closed() == b""
    assert peer.commands == ["ANSWER"]
    assert server.errors == 0
    assert sink.kinds == ["entered"]


async def test_playback_interrupted_by_hangup_result_minus_one(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    await peer.serve(3)
    assert await peer.read_command() == 'STREAM FILE hello-world "0123456789*#"'
    await peer.send("200 result=-1 endpos=480")
    assert await peer.expect_closed() == b""
    assert server.errors == 0
    assert sink.kinds == ["entered"]


async def test_peer_closes_socket_mid_flow(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    await peer.serve(3)
    assert await peer.read_command() == 'STREAM FILE hello-world "0123456789*#"'
    await peer.close()
    await wait_for(lambda: _session_over(server), 1.0, "session end after the peer closed", interval=0.01)
    assert server.errors == 0
    assert sink.kinds == ["entered"]
    assert server.listening  # the server itself is unaffected


async def test_peer_half_closes_mid_flow(agi: Agi, peer: AgiPeer) -> None:
    """EOF from Asterisk while a command is outstanding: the server ends the session and closes its side."""
    server, sink = agi
    await peer.serve(4)  # ANSWER, CC_IVR_VERSION, language, STREAM FILE
    assert await peer.read_command() == 'SET VARIABLE CC_QUEUE "support"'
    peer.writer.write_eof()
    assert await peer.expect_closed() == b""
    assert server.errors == 0
    assert sink.kinds == ["entered"]


# ---- failures: counted as errors ------------------------------------------------------------------------------

async def test_unanswered_command_times_out(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    loop = asyncio.get_running_loop()
    assert await peer.read_command() == "ANSWER"
    started = loop.time()
    assert await peer.expect_closed(timeout=COMMAND_TIMEOUT + 1.0) == b""
    elapsed = loop.time() - started
    assert COMMAND_TIMEOUT * 0.8 <= elapsed < COMMAND_TIMEOUT + 0.5, elapsed
    assert peer.commands == ["ANSWER"]
    assert server.errors == 1
    assert sink.kinds == ["entered"]


async def test_multiline_520_usage_error(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    assert await peer.read_command() == "ANSWER"
    await peer.send("520-Invalid command syntax.  Proper usage follows:", "Usage: ANSWER", "520 End of proper usage.")
    assert await peer.expect_closed() == b""
    assert server.errors == 1
    assert sink.kinds == ["entered"]


async def test_unknown_script_is_refused(agi: Agi) -> None:
    server, sink = agi
    p = await AgiPeer.connect(server.port, script="no-such-flow")
    try:
        assert await p.expect_closed() == b""  # no command is sent
    finally:
        await p.close()
    assert server.errors == 1
    assert sink.events == []


async def test_stop_ends_a_running_session(agi: Agi, peer: AgiPeer) -> None:
    server, sink = agi
    assert await peer.read_command() == "ANSWER"
    await server.stop()
    assert await peer.expect_closed() == b""
    assert _session_over(server)
    assert not server.listening
    assert sink.kinds == ["entered"]


# ---- the listening port -----------------------------------------------------------------------------------

async def test_start_on_a_busy_port_raises_port_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        server = FastAgiServer("127.0.0.1", port, command_timeout=COMMAND_TIMEOUT)
        try:
            with pytest.raises(PortInUse) as ei:
                await server.start()
            assert "agi.port" in str(ei.value)
            assert f"127.0.0.1:{port}" in str(ei.value)
            assert not server.listening
        finally:
            await server.stop()


# ---- parse_agi_response ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("200 result=1 (timeout)", AgiResult(200, "1", "timeout")),
        ("200 result=-1", AgiResult(200, "-1", "")),
        ("200 result=0 endpos=12", AgiResult(200, "0", "endpos=12")),
        ("200 result=1 (support)\n", AgiResult(200, "1", "support")),
        ("200 result=49 endpos=8000", AgiResult(200, "49", "endpos=8000")),
        ("200 result=", AgiResult(200, "", "")),
        # GET DATA: what the caller typed, * included (the call-back's number is checked after), or nothing
        ("200 result=139*0 (timeout)", AgiResult(200, "139*0", "timeout")),
        ("200 result=13900000009", AgiResult(200, "13900000009", "")),
        ("200 result= (timeout)", AgiResult(200, "", "timeout")),
    ],
)
def test_parse_ok(line: str, expected: AgiResult) -> None:
    assert parse_agi_response(line) == expected


def test_parse_510_is_command_error() -> None:
    with pytest.raises(AgiCommandError, match="510") as ei:
        parse_agi_response("510 Invalid or unknown command")
    assert "Invalid or unknown command" in str(ei.value)
    assert not isinstance(ei.value, AgiHangup)


def test_parse_511_is_hangup() -> None:
    with pytest.raises(AgiHangup) as ei:
        parse_agi_response("511 Command Not Permitted on a dead channel or intercept routine")
    assert not isinstance(ei.value, AgiCommandError)


@pytest.mark.parametrize("line", ["200 garbage", "HELLO", ""])
def test_parse_garbage_is_command_error(line: str) -> None:
    with pytest.raises(AgiCommandError):
        parse_agi_response(line)
