"""The IVR engine node by node, over a real FastAGI server and a fake peer that plays Asterisk's side.

Each test publishes a small flow in an in-memory flow source, places one call (``inbound`` or ``resume``)
and answers every AGI command the way Asterisk would, asserting the exact command text the engine sends
and what it reports to the call tracker (steps and exits).
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.clock import FakeClock
from callcenter.ivr.engine import MAX_STEPS, IvrEngine
from callcenter.ivr.flowdef import DIGITS, FlowDef, MenuNode
from callcenter.ivr.prompts import PromptStore
from callcenter.outside_numbers import OutsideUse
from tests.helpers import free_tcp_port, wait_for
from tests.unit.test_fastagi import UNIQUEID, AgiPeer

COMMAND_TIMEOUT = 0.5
CALLER = "13800138000"
DID = "4000"
OK = "200 result=1"
PLAYED = "200 result=0 endpos=1000"
SILENCE = "200 result= (timeout)"
HUNG_UP = ["200 result=-1", "HANGUP"]  # the command's answer, then Asterisk's hang-up notice
DEAD = "511 Command Not Permitted on a dead channel or intercept routine"
ESC = f'"{DIGITS}"'  # STREAM FILE escape digits of an interruptible prompt
NO_ESC = '""'
START = datetime(2026, 3, 9, 14, 5, 7, tzinfo=UTC)

INVALID = MenuNode.model_fields["invalid_prompt"].default  # a menu's invalid_prompt unless the flow sets one
assert isinstance(INVALID, str)

# prompt files in the centre's own folder (<root>/prompts/<lang>/) and Asterisk's sounds (<root>/sounds/<lang>/)
CUSTOM_PROMPTS = {
    "en": ["welcome", INVALID, "try-again", "vm-intro", "goodbye", "closed", "hold-on"],
    "zh": ["welcome", "goodbye"],
}
SYSTEM_SOUNDS = {"en": ["beep.gsm"]}


# ---- fakes ----------------------------------------------------------------------------------------------------

class MemoryFlows:
    """Flow source: published versions by id, one of them live for every dialled number."""

    def __init__(self) -> None:
        self.by_id: dict[int, FlowDef] = {}
        self.live: tuple[int, FlowDef] | None = None
        self.resolved: list[str] = []
        self.versions_read: list[int] = []
        self.voicemails: list[dict[str, Any]] = []

    def publish(self, version_id: int, definition: dict[str, Any]) -> FlowDef:
        flow = FlowDef.model_validate(definition)
        self.by_id[version_id] = flow
        self.live = (version_id, flow)
        return flow

    async def resolve(self, did: str) -> tuple[int, FlowDef] | None:
        self.resolved.append(did)
        return self.live

    async def version(self, version_id: int) -> FlowDef:
        self.versions_read.append(version_id)
        return self.by_id[version_id]

    async def add_voicemail(self, **kw: Any) -> None:
        self.voicemails.append(kw)


class TrackingSink:
    """Stands in for the call tracker; keeps the flow version and the exit kind too."""

    def __init__(self) -> None:
        self.entered: list[tuple[str, int | None]] = []
        self.steps: list[dict[str, Any]] = []
        self.exits: list[tuple[str, str | None, str]] = []

    async def ivr_entered(self, uniqueid: str, env: dict[str, str], flow_version_id: int | None = None) -> None:
        self.entered.append((uniqueid, flow_version_id))

    async def ivr_step(self, uniqueid: str, step: dict[str, Any]) -> None:
        assert uniqueid == UNIQUEID
        self.steps.append(step)

    async def ivr_exited(self, uniqueid: str, queue: str | None, exit_kind: str = "queue") -> None:
        self.exits.append((uniqueid, queue, exit_kind))

    def path(self) -> list[dict[str, Any]]:
        """The steps without their timing (``at``, ``seconds``)."""
        return [{k: v for k, v in s.items() if k not in ("at", "seconds")} for s in self.steps]


# ---- driving a call like Asterisk ------------------------------------------------------------------------------

Reply = str | list[str] | Callable[[str], Awaitable[list[str]]]


def recorded(*lines: str, seconds: float = 1.0) -> Callable[[str], Awaitable[list[str]]]:
    """RECORD FILE: write the file Asterisk would have written (8 kHz mono 16-bit silence), then answer."""

    async def reply(cmd: str) -> list[str]:
        base = cmd.split()[2]
        with wave.open(base + ".wav", "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\x00\x00" * int(8000 * seconds))
        return list(lines)

    return reply


def digit(d: str, endpos: int = 500) -> str:
    """STREAM FILE interrupted by a DTMF digit: Asterisk answers with the digit's ASCII code."""
    return f"200 result={ord(d)} endpos={endpos}"


async def converse(peer: AgiPeer, script: list[tuple[str, Reply]]) -> None:
    """Expect exactly these commands, in order, answering each as given."""
    for i, (expected, reply) in enumerate(script):
        cmd = await peer.read_command()
        assert cmd == expected, f"command #{len(peer.commands)} (script step {i}): {peer.commands}"
        if callable(reply):
            lines = await reply(cmd)
        else:
            lines = [reply] if isinstance(reply, str) else reply
        await peer.send(*lines)


def inbound_start(version_id: int = 7, lang: str = "en") -> list[tuple[str, Reply]]:
    return [("ANSWER", "200 result=0"), (f'SET VARIABLE CC_IVR_VERSION "{version_id}"', OK),
            (f'SET VARIABLE CHANNEL(language) "{lang}"', OK)]


def queue_vars(queue: str, prio: int = 0, timeout: int = 300, next_node: str = "") -> list[tuple[str, Reply]]:
    return [
        (f'SET VARIABLE CC_QUEUE "{queue}"', OK),
        (f'SET VARIABLE QUEUE_PRIO "{prio}"', OK),
        (f'SET VARIABLE CC_QUEUE_TIMEOUT "{timeout}"', OK),
        (f'SET VARIABLE CC_IVR_NEXT "{next_node}"', OK),
    ]


def resume_start(version: str | None, next_node: str | None, language: str | None) -> list[tuple[str, Reply]]:
    def got(v: str | None) -> str:
        return f"200 result=1 ({v})" if v is not None else "200 result=0"

    return [
        ("GET VARIABLE CC_IVR_VERSION", got(version)),
        ("GET VARIABLE CC_IVR_NEXT", got(next_node)),
        ("GET VARIABLE CHANNEL(language)", got(language)),
        ('SET VARIABLE CC_IVR_NEXT ""', OK),
    ]


@dataclass
class Rig:
    server: FastAgiServer
    engine: IvrEngine
    flows: MemoryFlows
    sink: TrackingSink
    clock: FakeClock
    root: Path
    peers: list[AgiPeer] = field(default_factory=list)

    @property
    def voicemail_dir(self) -> Path:
        return self.root / "voicemail"

    def prompt(self, name: str, lang: str = "en") -> str:
        """What the engine should send for a custom prompt: absolute path, no extension."""
        path = self.root / "prompts" / lang / name
        assert path.with_suffix(".wav").is_file(), path
        return str(path)

    def get_data(self, name: str, timeout_ms: int = 5000, lang: str = "en") -> str:
        return f"GET DATA {self.prompt(name, lang)} {timeout_ms} 1"

    def stream(self, name: str, escape: str = NO_ESC, lang: str = "en") -> str:
        return f"STREAM FILE {self.prompt(name, lang)} {escape}"

    async def call(self, script: str = "inbound", **env: str) -> AgiPeer:
        """Connect as Asterisk does for AGI(agi://host:port/<script>)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.server.port)
        headers = {
            "agi_network": "yes",
            "agi_network_script": script,
            "agi_request": f"agi://127.0.0.1:{self.server.port}/{script}",
            "agi_channel": "PJSIP/trunk-00000001",
            "agi_language": "en",
            "agi_uniqueid": UNIQUEID,
            "agi_callerid": CALLER,
            "agi_dnid": DID,
            "agi_context": "from-trunk",
            "agi_extension": DID,
            "agi_priority": "3",
            **env,
        }
        writer.write("".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n")
        await writer.drain()
        peer = AgiPeer(reader, writer)
        self.peers.append(peer)
        return peer

    async def finish(self, peer: AgiPeer) -> None:
        """The engine sends nothing more, closes the session, and nothing counted as an error."""
        assert await peer.expect_closed() == b"", f"unexpected extra commands after {peer.commands}"
        await wait_for(lambda: not self.server._sessions, 1.0, "the session to end", interval=0.01)
        assert self.server.errors == 0


def _make_prompts(root: Path) -> None:
    for lang, names in CUSTOM_PROMPTS.items():
        (root / "prompts" / lang).mkdir(parents=True)
        for name in names:
            (root / "prompts" / lang / f"{name}.wav").write_bytes(b"RIFF")
    for lang, files in SYSTEM_SOUNDS.items():
        (root / "sounds" / lang).mkdir(parents=True)
        for f in files:
            (root / "sounds" / lang / f).write_bytes(b"\x00")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    _make_prompts(tmp_path)
    flows, sink, clock = MemoryFlows(), TrackingSink(), FakeClock(START)
    prompts = PromptStore(tmp_path / "prompts", tmp_path / "sounds")
    engine = IvrEngine(flows, sink, prompts, clock, voicemail_dir=tmp_path / "voicemail")
    server = FastAgiServer("127.0.0.1", free_tcp_port(), command_timeout=COMMAND_TIMEOUT)
    for name, handler in engine.routes().items():
        server.route(name, handler)
    await server.start()
    r = Rig(server, engine, flows, sink, clock, tmp_path)
    try:
        yield r
    finally:
        for p in r.peers:
            await p.close()
        await server.stop()


def menu(**kw: Any) -> dict[str, Any]:
    """A menu: 1 → sales, 2 → support (both queues), unless overridden."""
    node: dict[str, Any] = {"kind": "menu", "prompt": "welcome",
                            "options": [{"digit": "1", "target": "sales"}, {"digit": "2", "target": "support"}]}
    return node | kw


QUEUES: dict[str, Any] = {
    "sales": {"kind": "queue", "queue": "sales"},
    "support": {"kind": "queue", "queue": "support"},
}


# ---- menus ------------------------------------------------------------------------------------------------------

async def test_menu_digit_goes_to_option_target(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "main", "nodes": {"main": menu(timeout_seconds=4), **QUEUES}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(7),
        (f"GET DATA {rig.prompt('welcome')} 4000 1", "200 result=2"),
        *queue_vars("support"),
    ])
    await rig.finish(peer)
    assert rig.flows.resolved == [DID]
    assert rig.sink.entered == [(UNIQUEID, 7)]
    assert rig.sink.path() == [
        {"node": "main", "kind": "menu", "digits": "2", "result": "option", "attempt": 1},
        {"node": "support", "kind": "queue", "queue": "support", "priority": 0},
    ]
    assert rig.sink.steps[0]["at"] == START.isoformat()
    assert 0 <= rig.sink.steps[0]["seconds"] < 1
    assert rig.sink.exits == [(UNIQUEID, "support", "queue")]


async def test_menu_invalid_digit_then_valid(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "main", "nodes": {"main": menu(), **QUEUES}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.get_data("welcome"), "200 result=9"),
        (rig.stream(INVALID), PLAYED),
        (rig.get_data("welcome"), "200 result=1"),
        *queue_vars("sales"),
    ])
    await rig.finish(peer)
    assert rig.sink.path() == [
        {"node": "main", "kind": "menu", "digits": "9", "result": "invalid", "attempt": 1},
        {"node": "main", "kind": "menu", "digits": "1", "result": "option", "attempt": 2},
        {"node": "sales", "kind": "queue", "queue": "sales", "priority": 0},
    ]
    assert rig.sink.exits == [(UNIQUEID, "sales", "queue")]


async def test_menu_silence_retries_then_default(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "main", "nodes": {
        "main": menu(timeout_seconds=2.5, max_retries=2, timeout_prompt="try-again", default="operator"),
        "operator": {"kind": "transfer", "target": "8001"}, **QUEUES,
    }})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.get_data("welcome", 2500), SILENCE),
        (rig.stream("try-again"), PLAYED),
        (rig.get_data("welcome", 2500), SILENCE),
        (rig.stream("try-again"), PLAYED),
        (rig.get_data("welcome", 2500), SILENCE),  # the last attempt: no retry prompt after it
        ('SET VARIABLE CC_TRANSFER "8001"', OK),
    ])
    await rig.finish(peer)
    assert rig.sink.path() == [
        *({"node": "main", "kind": "menu", "digits": None, "result": "timeout", "attempt": n} for n in (1, 2, 3)),
        {"node": "operator", "kind": "transfer", "target": "8001"},
    ]
    assert rig.sink.exits == [(UNIQUEID, None, "transfer")]


async def test_menu_silence_without_timeout_prompt_or_default_hangs_up(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "main", "nodes": {"main": menu(max_retries=1), **QUEUES}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.get_data("welcome"), SILENCE),  # no timeout_prompt: straight to the next attempt
        (rig.get_data("welcome"), SILENCE),
        ("HANGUP", OK),
    ])
    await rig.finish(peer)
    assert rig.sink.path() == [
        {"node": "main", "kind": "menu", "digits": None, "result": "timeout", "attempt": 1},
        {"node": "main", "kind": "menu", "digits": None, "result": "timeout", "attempt": 2},
        {"node": "main", "kind": "hangup", "result": "menu_exhausted"},
    ]
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


async def test_menu_invalid_digits_use_up_retries(rig: Rig) -> None:
    """Invalid digits count against max_retries like silence; max_retries=0 means a single attempt."""
    rig.flows.publish(7, {"start": "main", "nodes": {"main": menu(max_retries=0, default="support"), **QUEUES}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.get_data("welcome"), "200 result=7"),  # no invalid prompt after the last attempt
        *queue_vars("support"),
    ])
    await rig.finish(peer)
    assert rig.sink.path() == [
        {"node": "main", "kind": "menu", "digits": "7", "result": "invalid", "attempt": 1},
        {"node": "support", "kind": "queue", "queue": "support", "priority": 0},
    ]


async def test_caller_hangs_up_mid_menu(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "main", "nodes": {"main": menu(), **QUEUES}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.get_data("welcome"), "200 result=9"),
        (rig.stream(INVALID), PLAYED),
        (rig.get_data("welcome"), HUNG_UP),
    ])
    await rig.finish(peer)
    assert rig.sink.path()[-1] == {"node": "main", "kind": "menu", "result": "caller_hangup"}
    assert len(rig.sink.steps) == 2
    assert rig.sink.exits == []


async def test_caller_hangs_up_as_exhausted_menu_hangs_up(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "main", "nodes": {"main": menu(max_retries=0), **QUEUES}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.get_data("welcome"), SILENCE),
        ("HANGUP", ["HANGUP", DEAD]),
    ])
    await rig.finish(peer)  # server.errors must stay 0: a hang-up is not a failure


# ---- play -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pressed", ["2", "*", "#"])
async def test_play_interrupted_by_digit_feeds_the_next_menu(rig: Rig, pressed: str) -> None:
    options = [{"digit": "2", "target": "support"}, {"digit": "*", "target": "sales"},
               {"digit": "#", "target": "sales"}]
    rig.flows.publish(7, {"start": "greet", "nodes": {
        "greet": {"kind": "play", "prompt": "hold-on", "next": "main"},
        "main": menu(options=options), **QUEUES,
    }})
    target = "support" if pressed == "2" else "sales"
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.stream("hold-on", ESC), digit(pressed)),
        *queue_vars(target),  # no GET DATA: the digit typed ahead chose the option
    ])
    await rig.finish(peer)
    assert rig.sink.path() == [
        {"node": "greet", "kind": "play", "prompt": "hold-on"},
        {"node": "main", "kind": "menu", "digits": pressed, "result": "option", "attempt": 1},
        {"node": target, "kind": "queue", "queue": target, "priority": 0},
    ]


async def test_typed_ahead_invalid_digit_counts_as_first_attempt(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "greet", "nodes": {
        "greet": {"kind": "play", "prompt": "hold-on", "next": "main"}, "main": menu(), **QUEUES,
    }})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.stream("hold-on", ESC), digit("5")),
        (rig.stream(INVALID), PLAYED),
        (rig.get_data("welcome"), "200 result=1"),
        *queue_vars("sales"),
    ])
    await rig.finish(peer)
    assert [(s.get("digits"), s.get("result"), s.get("attempt")) for s in rig.sink.steps[1:3]] == [
        ("5", "invalid", 1), ("1", "option", 2)]


async def test_typed_ahead_digit_is_used_once(rig: Rig) -> None:
    """The digit pressed in a prompt serves the next menu only; a later menu asks again."""
    rig.flows.publish(7, {"start": "greet", "nodes": {
        "greet": {"kind": "play", "prompt": "hold-on", "next": "main"},
        "main": menu(options=[{"digit": "1", "target": "second"}]),
        "second": menu(prompt="try-again", options=[{"digit": "1", "target": "sales"}]),
        **QUEUES,
    }})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.stream("hold-on", ESC), digit("1")),
        (rig.get_data("try-again"), "200 result=1"),
        *queue_vars("sales"),
    ])
    await rig.finish(peer)
    assert [s["node"] for s in rig.sink.steps] == ["greet", "main", "second", "sales"]


async def test_non_interruptible_play_sends_no_escape_digits(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "greet", "nodes": {
        "greet": {"kind": "play", "prompt": "hold-on", "next": "main", "interruptible": False},
        "main": menu(), **QUEUES,
    }})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.stream("hold-on", NO_ESC), PLAYED),
        (rig.get_data("welcome"), "200 result=2"),
        *queue_vars("support"),
    ])
    await rig.finish(peer)
    assert rig.sink.path()[0] == {"node": "greet", "kind": "play", "prompt": "hold-on"}


async def test_prompt_resolution_custom_system_and_missing(rig: Rig) -> None:
    """Custom recording first, else Asterisk's installed sound, else the bare name."""
    rig.flows.publish(7, {"start": "a", "nodes": {
        "a": {"kind": "play", "prompt": "beep", "next": "b", "interruptible": False},
        "b": {"kind": "play", "prompt": "no-such-prompt", "next": "c", "interruptible": False},
        "c": {"kind": "hangup"},
    }})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (f'STREAM FILE {rig.root / "sounds" / "en" / "beep"} ""', PLAYED),
        ('STREAM FILE no-such-prompt ""', PLAYED),
        ("HANGUP", OK),
    ])
    await rig.finish(peer)


async def test_loop_is_cut_after_max_steps(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "a", "nodes": {
        "a": {"kind": "play", "prompt": "hold-on", "next": "b", "interruptible": False},
        "b": {"kind": "play", "prompt": "goodbye", "next": "a", "interruptible": False},
    }})
    peer = await rig.call()
    plays = [(rig.stream("hold-on" if i % 2 == 0 else "goodbye"), PLAYED) for i in range(MAX_STEPS)]
    await converse(peer, [*inbound_start(), *plays, ("HANGUP", OK)])
    await rig.finish(peer)
    assert len(rig.sink.steps) == MAX_STEPS
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


# ---- queue and resume ---------------------------------------------------------------------------------------------

async def test_queue_node_sets_channel_variables(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "q", "nodes": {
        "q": {"kind": "queue", "queue": "complaints", "priority": 5, "max_wait_seconds": 90, "fallback": "vm"},
        "vm": {"kind": "voicemail"},
    }})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), *queue_vars("complaints", 5, 90, "vm")])
    await rig.finish(peer)
    assert rig.sink.path() == [{"node": "q", "kind": "queue", "queue": "complaints", "priority": 5}]
    assert rig.sink.exits == [(UNIQUEID, "complaints", "queue")]
    assert rig.flows.voicemails == []


def _versioned_flows(rig: Rig) -> None:
    """Version 3 was live when the call came in; version 4 (published since) sends 'after' elsewhere."""
    rig.flows.publish(3, {"start": "q", "nodes": {
        "q": {"kind": "queue", "queue": "support", "max_wait_seconds": 60, "fallback": "after"},
        "after": {"kind": "hangup", "prompt": "goodbye"},
    }})
    rig.flows.publish(4, {"start": "q", "nodes": {
        "q": {"kind": "queue", "queue": "support", "max_wait_seconds": 60, "fallback": "after"},
        "after": {"kind": "transfer", "target": "8001"},
    }})
    assert rig.flows.live is not None and rig.flows.live[0] == 4


async def test_resume_continues_the_same_version_at_the_fallback(rig: Rig) -> None:
    _versioned_flows(rig)
    peer = await rig.call("resume")
    await converse(peer, [
        *resume_start("3", "after", "en"),
        (rig.stream("goodbye"), PLAYED),
        ("HANGUP", OK),
    ])
    await rig.finish(peer)
    assert rig.flows.resolved == []  # the live version is not consulted
    assert rig.flows.versions_read == [3]
    assert rig.sink.entered == [(UNIQUEID, 3)]
    assert rig.sink.path() == [{"node": "after", "kind": "hangup"}]
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


async def test_resume_into_a_menu_uses_the_channel_language(rig: Rig) -> None:
    rig.flows.publish(5, {"start": "q", "language": "zh", "nodes": {
        "q": {"kind": "queue", "queue": "support", "fallback": "again"},
        "again": menu(options=[{"digit": "1", "target": "q"}]),
    }})
    peer = await rig.call("resume")
    await converse(peer, [
        *resume_start("5", "again", "zh"),
        (rig.get_data("welcome", lang="zh"), "200 result=3"),
        (f'STREAM FILE {INVALID} ""', PLAYED),  # no zh recording in a zh flow: the bare name, for Asterisk
        (rig.get_data("welcome", lang="zh"), "200 result=1"),
        *queue_vars("support", next_node="again"),
    ])
    await rig.finish(peer)
    assert rig.sink.exits == [(UNIQUEID, "support", "queue")]


@pytest.mark.parametrize(("version", "next_node"), [(None, "after"), ("3", None), ("three", "after"), ("", "after")])
async def test_resume_without_ivr_state_hangs_up(rig: Rig, version: str | None, next_node: str | None) -> None:
    _versioned_flows(rig)
    peer = await rig.call("resume")
    await converse(peer, [*resume_start(version, next_node, None), ("HANGUP", OK)])
    await rig.finish(peer)
    assert rig.flows.versions_read == []
    assert rig.sink.entered == [] and rig.sink.steps == [] and rig.sink.exits == []


async def test_resume_keeps_the_language_of_an_en_flow(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "q", "nodes": {
        "q": {"kind": "queue", "queue": "support", "fallback": "again"},
        "again": menu(options=[{"digit": "1", "target": "q"}]),
    }})
    channel = {"CHANNEL(language)": "zh"}  # the trunk endpoint has language=zh

    # inbound: the en flow plays en prompts and records on the channel what it needs for resume
    peer = await rig.call(agi_language="zh")
    while True:
        cmd = await peer.read_command()
        if cmd.startswith("SET VARIABLE "):
            name, _, value = cmd[len("SET VARIABLE "):].partition(" ")
            channel[name] = value.strip('"')
        await peer.send(OK if cmd != "ANSWER" else "200 result=0")
        if cmd.startswith("SET VARIABLE CC_IVR_NEXT"):
            break
    await rig.finish(peer)

    # the queue gave up: resume reads back what the channel holds
    peer = await rig.call("resume", agi_language="zh")
    await converse(peer, [
        *resume_start(channel["CC_IVR_VERSION"], channel["CC_IVR_NEXT"], channel["CHANNEL(language)"]),
        (rig.get_data("welcome", lang="en"), "200 result=1"),
        *queue_vars("support", next_node="again"),
    ])
    await rig.finish(peer)


# ---- hours and language -----------------------------------------------------------------------------------------

SCHEDULE = {"timezone": "Asia/Shanghai", "holidays": ["2026-01-01"], "weekly": {
    d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["09:00-12:00"]}}


@pytest.mark.parametrize(("now", "is_open"), [
    (datetime(2026, 1, 5, 1, 30, tzinfo=UTC), True),  # Mon 09:30 in Shanghai
    (datetime(2026, 1, 5, 0, 59, tzinfo=UTC), False),  # Mon 08:59
    (datetime(2026, 1, 5, 1, 0, tzinfo=UTC), True),  # Mon 09:00, the range start is inclusive
    (datetime(2026, 1, 9, 9, 59, tzinfo=UTC), True),  # Fri 17:59
    (datetime(2026, 1, 9, 10, 0, tzinfo=UTC), False),  # Fri 18:00, the range end is exclusive
    (datetime(2026, 1, 5, 12, 0, tzinfo=UTC), False),  # Mon 20:00 local although 12:00 UTC
    (datetime(2026, 1, 9, 16, 30, tzinfo=UTC), False),  # Friday in UTC, Sat 00:30 in Shanghai
    (datetime(2026, 1, 10, 2, 0, tzinfo=UTC), True),  # Sat 10:00
    (datetime(2026, 1, 11, 2, 0, tzinfo=UTC), False),  # Sunday
    (datetime(2026, 1, 1, 2, 0, tzinfo=UTC), False),  # Thursday, but a holiday
    (datetime(2025, 12, 31, 16, 30, tzinfo=UTC), False),  # Wed in UTC = Thu 2026-01-01 00:30 local: holiday
])
async def test_hours_node(rig: Rig, now: datetime, is_open: bool) -> None:
    rig.clock.set(now)
    rig.flows.publish(7, {"start": "hours", "nodes": {
        "hours": {"kind": "hours", "schedule": SCHEDULE, "open": "support", "closed": "shut"},
        "shut": {"kind": "hangup", "prompt": "closed"}, **QUEUES,
    }})
    assert rig.flows.by_id[7].nodes["hours"].schedule.holidays == [date(2026, 1, 1)]  # type: ignore[union-attr]
    peer = await rig.call()
    rest = queue_vars("support") if is_open else [(rig.stream("closed"), PLAYED), ("HANGUP", OK)]
    await converse(peer, [*inbound_start(), *rest])
    await rig.finish(peer)
    assert rig.sink.path()[0] == {"node": "hours", "kind": "hours", "result": "open" if is_open else "closed"}
    assert rig.sink.steps[0]["at"] == now.isoformat()
    assert rig.sink.exits == [(UNIQUEID, "support", "queue") if is_open else (UNIQUEID, None, "hangup")]


async def test_language_node_switches_prompt_folder(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "lang", "nodes": {
        "lang": {"kind": "language", "language": "zh", "next": "main"}, "main": menu(), **QUEUES,
    }})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        ('SET VARIABLE CHANNEL(language) "zh"', OK),
        (rig.get_data("welcome", lang="zh"), "200 result=8"),
        (rig.stream(INVALID, lang="en"), PLAYED),  # not recorded in zh: the flow's language
        (rig.get_data("welcome", lang="zh"), "200 result=1"),
        *queue_vars("sales"),
    ])
    await rig.finish(peer)
    assert rig.sink.path()[0] == {"node": "lang", "kind": "language", "language": "zh"}


async def test_inbound_sets_channel_language_for_a_non_en_flow(rig: Rig) -> None:
    rig.flows.publish(9, {"start": "greet", "language": "zh", "nodes": {
        "greet": {"kind": "play", "prompt": "welcome", "next": "support"}, **QUEUES,
    }})
    peer = await rig.call()
    await converse(peer, [
        ("ANSWER", "200 result=0"),
        ('SET VARIABLE CC_IVR_VERSION "9"', OK),
        ('SET VARIABLE CHANNEL(language) "zh"', OK),
        (rig.stream("welcome", ESC, lang="zh"), PLAYED),
        *queue_vars("support"),
    ])
    await rig.finish(peer)
    assert rig.sink.entered == [(UNIQUEID, 9)]


# ---- transfer, hangup, voicemail ------------------------------------------------------------------------------------

async def test_transfer_node(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "t", "nodes": {"t": {"kind": "transfer", "target": "+8613900000000"}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ('SET VARIABLE CC_TRANSFER "+8613900000000"', OK)])
    await rig.finish(peer)
    assert rig.sink.path() == [{"node": "t", "kind": "transfer", "target": "+8613900000000"}]
    assert rig.sink.exits == [(UNIQUEID, None, "transfer")]


async def test_transfer_node_to_an_allowed_outside_number_hands_it_to_the_dialplan(rig: Rig) -> None:
    """CC_OUTSIDE, not CC_TRANSFER: the dialplan checks it again and dials it from cc-outside-ivr."""
    rig.engine.outside = OutsideUse(allowed=["138XXXXXXXX"], caller_id="4009")
    rig.flows.publish(7, {"start": "t", "nodes": {
        "t": {"kind": "transfer", "target_type": "outside", "target": "13812345678"}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ('SET VARIABLE CC_OUTSIDE "13812345678"', OK)])
    await rig.finish(peer)
    assert rig.sink.path() == [{"node": "t", "kind": "transfer", "target": "13812345678", "target_type": "outside"}]
    assert rig.sink.exits == [(UNIQUEID, None, "transfer")]


@pytest.mark.parametrize("allowed", [None, OutsideUse(allowed=["139XXXXXXXX"], caller_id="4009")])
async def test_an_outside_number_no_longer_allowed_is_refused_by_the_engine(rig: Rig, allowed: OutsideUse | None
                                                                            ) -> None:
    """A version published before the admin narrowed outside_numbers.ivr: the caller is hung up, nothing handed
    to the dialplan."""
    rig.engine.outside = allowed
    rig.flows.publish(7, {"start": "t", "nodes": {
        "t": {"kind": "transfer", "target_type": "outside", "target": "13812345678"}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ("HANGUP", OK)])
    await rig.finish(peer)
    assert rig.sink.path() == [{"node": "t", "kind": "transfer", "target": "13812345678", "target_type": "outside",
                                "result": "refused"}]
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


async def test_hangup_node_with_prompt(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "bye", "nodes": {"bye": {"kind": "hangup", "prompt": "goodbye"}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), (rig.stream("goodbye"), PLAYED), ("HANGUP", OK)])
    await rig.finish(peer)
    assert rig.sink.path() == [{"node": "bye", "kind": "hangup"}]
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


async def test_hangup_node_without_prompt(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "bye", "nodes": {"bye": {"kind": "hangup"}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ("HANGUP", OK)])
    await rig.finish(peer)
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


def _vm_base(rig: Rig, mailbox: str) -> Path:
    return rig.voicemail_dir / mailbox / "2026" / "03" / "09" / "140507-123_4"


async def test_voicemail_records_then_hangs_up(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "vm", "nodes": {"vm": {"kind": "voicemail", "mailbox": "sales", "max_seconds": 60}}})
    base = _vm_base(rig, "sales")
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.stream("vm-intro"), PLAYED),
        (f'RECORD FILE {base} wav "#" 60000 BEEP s=5', recorded("200 result=0 (timeout) endpos=8000")),
        ("HANGUP", OK),
    ])
    await rig.finish(peer)
    assert rig.sink.path() == [{"node": "vm", "kind": "voicemail", "mailbox": "sales"}]
    assert rig.sink.exits == [(UNIQUEID, None, "voicemail")]
    [vm] = rig.flows.voicemails
    assert vm == {
        "call_uniqueid": UNIQUEID, "caller_number": CALLER, "mailbox": "sales", "path": f"{base}.wav",
        "recorded_at": START, "duration_seconds": pytest.approx(1.0),
    }
    assert vm["path"].endswith(".wav") and Path(vm["path"]).is_file()


async def test_voicemail_without_prompt_and_default_mailbox(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "vm", "nodes": {"vm": {"kind": "voicemail", "prompt": None}}})
    base = _vm_base(rig, "general")
    peer = await rig.call(agi_callerid="")
    await converse(peer, [
        *inbound_start(),
        (f'RECORD FILE {base} wav "#" 120000 BEEP s=5', recorded("200 result=35 (dtmf) endpos=20000", seconds=2.5)),
        ("HANGUP", OK),
    ])
    await rig.finish(peer)
    [vm] = rig.flows.voicemails
    assert vm["caller_number"] is None
    assert vm["duration_seconds"] == pytest.approx(2.5)


async def test_voicemail_caller_hangs_up_during_recording(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "vm", "nodes": {"vm": {"kind": "voicemail", "mailbox": "sales", "max_seconds": 60}}})
    base = _vm_base(rig, "sales")
    peer = await rig.call()
    await converse(peer, [*inbound_start(), (rig.stream("vm-intro"), PLAYED)])
    assert await peer.read_command() == f'RECORD FILE {base} wav "#" 60000 BEEP s=5'
    await recorded()(peer.commands[-1])
    await peer.send("HANGUP")
    peer.writer.write_eof()  # Asterisk closes its side; the answer to RECORD FILE never comes
    await rig.finish(peer)  # and the engine sends no HANGUP of its own
    assert rig.sink.exits == [(UNIQUEID, None, "voicemail")]
    [vm] = rig.flows.voicemails
    assert vm["path"] == f"{base}.wav"
    assert vm["duration_seconds"] == pytest.approx(1.0)


async def test_voicemail_caller_hangs_up_during_intro(rig: Rig) -> None:
    """Nothing recorded: still reported (the service stores it as an empty message), with no duration."""
    rig.flows.publish(7, {"start": "vm", "nodes": {"vm": {"kind": "voicemail"}}})
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(),
        (rig.stream("vm-intro"), HUNG_UP),  # result=-1: the channel is gone, so no HANGUP follows
    ])
    await rig.finish(peer)
    assert rig.sink.exits == [(UNIQUEID, None, "voicemail")]
    [vm] = rig.flows.voicemails
    assert vm["duration_seconds"] is None
    assert vm["path"] == f"{_vm_base(rig, 'general')}.wav"


# ---- no live flow --------------------------------------------------------------------------------------------------

async def test_no_live_flow_goes_to_fallback_queue(rig: Rig) -> None:
    rig.engine.fallback_queue = "overflow"
    peer = await rig.call()
    await converse(peer, [("ANSWER", "200 result=0"), *queue_vars("overflow")])
    await rig.finish(peer)
    assert rig.flows.resolved == [DID]
    assert rig.sink.entered == [(UNIQUEID, None)]
    assert rig.sink.steps == []
    assert rig.sink.exits == [(UNIQUEID, "overflow", "queue")]


async def test_no_live_flow_without_fallback_hangs_up(rig: Rig) -> None:
    peer = await rig.call()
    await converse(peer, [("ANSWER", "200 result=0"), ("HANGUP", OK)])
    await rig.finish(peer)
    assert rig.sink.entered == [(UNIQUEID, None)]
    assert rig.sink.exits == [(UNIQUEID, None, "hangup")]


async def test_dialled_number_falls_back_to_dnid(rig: Rig) -> None:
    rig.flows.publish(7, {"start": "bye", "nodes": {"bye": {"kind": "hangup"}}})
    peer = await rig.call(agi_extension="", agi_dnid="4001")
    await converse(peer, [*inbound_start(), ("HANGUP", OK)])
    await rig.finish(peer)
    assert rig.flows.resolved == ["4001"]


# ---- customer lookup ---------------------------------------------------------------------------------------------

class FakeCustomers:
    def __init__(self, known: dict[str, tuple[int, bool]]) -> None:
        self.known = known
        self.asked: list[str | None] = []

    async def lookup(self, raw_number: str | None) -> Any:
        from callcenter.customers.repository import CustomerMatch

        self.asked.append(raw_number)
        hit = self.known.get(raw_number or "")
        return CustomerMatch(hit[0], "Zhang Wei", hit[1]) if hit else None


LOOKUP_FLOW: dict[str, Any] = {"start": "who", "nodes": {
    "who": {"kind": "lookup", "found": "support", "not_found": "sales", "vip": "vipq", "vip_priority": 20},
    "vipq": {"kind": "queue", "queue": "support", "priority": 5},
    **QUEUES,
}}


@pytest.mark.parametrize(
    ("known", "result", "queue", "prio", "customer"),
    [
        ({}, "not_found", "sales", 0, None),
        ({CALLER: (42, False)}, "found", "support", 0, 42),
        ({CALLER: (43, True)}, "vip", "support", 20, 43),  # the VIP branch, its queue priority raised to 20
    ],
)
async def test_lookup_branches_on_the_caller_number(
    rig: Rig, known: dict[str, tuple[int, bool]], result: str, queue: str, prio: int, customer: int | None
) -> None:
    rig.engine.customers = FakeCustomers(known)
    rig.flows.publish(7, LOOKUP_FLOW)
    peer = await rig.call()
    script: list[tuple[str, Reply]] = [*inbound_start()]
    if customer is not None:
        script.append((f'SET VARIABLE CC_CUSTOMER_ID "{customer}"', OK))
    await converse(peer, [*script, *queue_vars(queue, prio=prio)])
    await rig.finish(peer)
    assert rig.engine.customers.asked == [CALLER]  # type: ignore[union-attr]
    assert rig.sink.path()[0] == {"node": "who", "kind": "lookup", "result": result, "customer_id": customer}


async def test_vip_priority_never_lowers_a_higher_queue_priority(rig: Rig) -> None:
    rig.engine.customers = FakeCustomers({CALLER: (7, True)})
    flow = {"start": "who", "nodes": {
        "who": {"kind": "lookup", "found": "hot", "not_found": "hot", "vip_priority": 10},
        "hot": {"kind": "queue", "queue": "support", "priority": 50},
    }}
    rig.flows.publish(7, flow)
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ('SET VARIABLE CC_CUSTOMER_ID "7"', OK),
                          *queue_vars("support", prio=50)])
    await rig.finish(peer)


async def test_the_queue_s_own_max_wait_caps_the_node_s(rig: Rig) -> None:
    rig.engine.queue_max_wait = {"complaints": 60, "support": 900}.get
    rig.flows.publish(7, {"start": "q", "nodes": {
        "q": {"kind": "queue", "queue": "complaints", "max_wait_seconds": 90}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), *queue_vars("complaints", 0, 60)])  # the queue's 60 s, not 90
    await rig.finish(peer)
    rig.flows.publish(8, {"start": "q", "nodes": {"q": {"kind": "queue", "queue": "support", "max_wait_seconds": 90}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(8), *queue_vars("support", 0, 90)])  # the node's, shorter than 900 s
    await rig.finish(peer)


async def test_a_vip_customer_reaching_a_queue_gets_the_vip_priority_without_a_lookup_node(rig: Rig) -> None:
    rig.engine.customers = FakeCustomers({CALLER: (7, True)})
    rig.engine.vip_priority = 10
    rig.flows.publish(7, {"start": "q", "nodes": {"q": {"kind": "queue", "queue": "support"}}})
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ('SET VARIABLE CC_CUSTOMER_ID "7"', OK), *queue_vars("support", prio=10)])
    await rig.finish(peer)
    rig.engine.customers = FakeCustomers({CALLER: (8, False)})  # a known, not VIP, customer: priority unchanged
    peer = await rig.call()
    await converse(peer, [*inbound_start(), ('SET VARIABLE CC_CUSTOMER_ID "8"', OK), *queue_vars("support", prio=0)])
    await rig.finish(peer)


async def test_default_flow_puts_a_silent_caller_through_to_human_service_after_one_timeout(rig: Rig) -> None:
    """The seeded flow: welcome, the main menu once, and a caller who presses nothing is queued for human service
    after that first timeout (not after every retry: each costs the whole menu prompt again, ~21 s)."""
    from callcenter.ivr import seed

    for name in seed.PROMPTS:
        (rig.root / "prompts" / "zh" / f"{name}.wav").write_bytes(b"RIFF")
    rig.flows.publish(7, seed.default_flow(["support", "consultation", "business", "complaints"]))
    peer = await rig.call()
    await converse(peer, [
        *inbound_start(7, "zh"),
        (rig.stream("cc-welcome", ESC, "zh"), PLAYED),
        (rig.get_data("cc-main-menu", 5000, "zh"), SILENCE),
        *queue_vars("support", next_node="all_busy"),
    ])
    await rig.finish(peer)
    assert [(s["node"], s.get("result")) for s in rig.sink.steps] == [
        ("hours", "open"), ("welcome", None), ("main", "timeout"), ("human", None)]
    assert rig.sink.exits == [(UNIQUEID, "support", "queue")]
