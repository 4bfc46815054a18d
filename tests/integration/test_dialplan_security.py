"""Phones and callers cannot steer Asterisk (issue 12, A1-A2): against a real Asterisk started from the
repository's asterisk_conf/, with SIPp as a registered seat phone and as a caller on the trunk.

Before the fix, ``[agents]`` was ``_X. → Dial(PJSIP/${EXTEN})``: a seat dialling ``1%26Local%2Flisten%40cc-spy``
(PJSIP unescapes it to ``1&Local/listen@cc-spy``) ran ``ChanSpy(,qE)`` on every call in the centre; and an INVITE
to ``s`` from the trunk looped in ``Goto(${EXTEN},1)`` forever."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from callcenter.app import Stack
from callcenter.asterisk.ami import AmiEvent
from callcenter.asterisk.errors import AmiActionError
from tests.helpers import SIPP_DIR, Sipp, free_media_port, free_udp_port, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]

# Request-URI users a seat phone may send, %-escaped as on the wire (PJSIP unescapes them into ${EXTEN})
INJECTIONS = [
    "1%26Local%2Flisten%40cc-spy",  # 1&Local/listen@cc-spy: ChanSpy on every channel
    "1002%26Local%2Fbarge%40cc-spy",  # a real seat plus a barge-in
    "x%40cc-outbound",  # an internal context by name
    "1001%26Local%2F13800138000%40cc-outbound",  # an unlogged trunk call through click-to-call's context
    "PJSIP%2Ftrunk%2Fsip%3A13800138000%40127.0.0.2",  # a raw trunk dial string
    "1002%2C%2CtTwW",  # Dial options smuggled after a comma
    "q-support",  # cc-transfer's queue form
    "listen",  # cc-spy's extension
    "1",  # too short for a seat
    "12345678901234567",  # too long for a seat (17 digits)
]


def _run(sipp: Sipp, args: list[str], timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([Sipp.binary(), sipp.target, *args, "-m", "1", "-nostdin", "-trace_err",
                           "-timeout", "10s", "-timeout_error"],
                          cwd=sipp.workdir, capture_output=True, timeout=timeout)


def _errors(sipp: Sipp, scenario: str) -> str:
    return "".join(p.read_text(errors="replace") for p in sipp.workdir.glob(f"{scenario}_*errors.log"))[-2000:]


def seat_dial(sipp: Sipp, seat: str, password: str, port: int, number: str, scenario: str
              ) -> subprocess.CompletedProcess[bytes]:
    """A registered seat phone (digest-authenticated INVITE from its registered port) dials ``number``."""
    return _run(sipp, ["-sf", str(SIPP_DIR / scenario), "-s", number, "-au", seat, "-ap", password,
                       "-key", "seat", seat, "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_media_port())])


class ChannelLog:
    """Every channel Asterisk creates while the test runs (AMI Newchannel, which the manager user receives)."""

    def __init__(self, stack: Stack) -> None:
        self.names: list[str] = []
        self.hungup: set[str] = set()
        stack.dispatcher.register("Newchannel", self._new)
        stack.dispatcher.register("Hangup", self._gone)

    async def _new(self, ev: AmiEvent) -> None:
        self.names.append(ev.get("Channel", ""))

    async def _gone(self, ev: AmiEvent) -> None:
        self.hungup.add(ev.get("Channel", ""))


async def _channels(stack: Stack) -> list[str]:
    return [c.get("Channel", "") for c in await stack.ami.core_show_channels()]


async def test_seat_phone_cannot_dial_into_internal_contexts_or_the_trunk(stack: Stack, sipp: Sipp) -> None:
    seen = ChannelLog(stack)
    a, b = stack.settings.agents[0], stack.settings.agents[1]
    a_port, b_port = free_udp_port(), free_udp_port()
    sipp.register(a.extension, a.password, a_port)
    sipp.register(b.extension, b.password, b_port)
    for payload in INJECTIONS:
        r = seat_dial(sipp, a.extension, a.password, a_port, payload, "seat_dial_refused.xml")
        assert r.returncode == 0, f"{payload!r} was not refused (404/484): {_errors(sipp, 'seat_dial_refused')}"
        # refused before any channel exists: nothing was dialled, spied on or sent to the trunk
        assert seen.names == [], f"{payload!r} made channels {seen.names}"
    assert await _channels(stack) == []


async def test_seat_phone_still_calls_another_seat_by_its_number(stack: Stack, sipp: Sipp) -> None:
    seen = ChannelLog(stack)
    a, b = stack.settings.agents[0], stack.settings.agents[1]
    a_port, b_port = free_udp_port(), free_udp_port()
    sipp.register(a.extension, a.password, a_port)
    sipp.register(b.extension, b.password, b_port)
    callee = sipp.answer(b.extension, b_port)
    r = await asyncio.to_thread(seat_dial, sipp, a.extension, a.password, a_port, b.extension,
                                "seat_dial_answered.xml")
    assert r.returncode == 0, _errors(sipp, "seat_dial_answered")
    await asyncio.to_thread(callee.wait, 10)
    assert callee.returncode == 0
    assert [n.split("-")[0] for n in seen.names] == [f"PJSIP/{a.extension}", f"PJSIP/{b.extension}"]
    await wait_for(lambda: set(seen.names) <= seen.hungup, 10, "both legs to hang up")


@pytest.mark.parametrize(("context", "exten"), [
    # an Atxfer/Redirect target and a click-to-call number carrying a second dial target
    ("cc-transfer", "1002&Local/listen@cc-spy"),
    ("cc-transfer", "q-support,,,,,,,"),
    ("cc-outbound", "123@127.0.0.9&Local/listen@cc-spy,"),
    # a conference's queue leg: the queue name is checked before Queue()
    ("cc-conference-queue", "q-support,,,,,,,"),
])
async def test_internal_contexts_refuse_anything_but_their_own_numbers(stack: Stack, sipp: Sipp, context: str,
                                                                       exten: str) -> None:
    """cc-transfer and cc-outbound are entered by AMI (Redirect, Atxfer, Originate) with an extension the bridge
    checked, and by a phone's transfer feature code with the digits its user typed: the dialplan checks again."""
    seen = ChannelLog(stack)
    a = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(a.extension, a.password, port)
    phone = sipp.answer(a.extension, port)
    try:
        await stack.ami.originate(f"PJSIP/{a.extension}", context, exten, caller_id="test <1>")
    except AmiActionError as e:
        # no extension matches at all: Asterisk refuses the Originate itself, nothing rings
        assert "Extension does not exist" in e.message
        assert seen.names == [] and await _channels(stack) == []
        return
    # a pattern matched: the phone answers after 1 s and the dialplan's check hangs the call up at once
    # (before the fix: Local/listen@cc-spy, or a caller queued with smuggled options)
    await asyncio.to_thread(phone.wait, 15)
    await wait_for(lambda: bool(seen.names) and set(seen.names) <= seen.hungup, 10, "the originated call to end")
    assert [n.split("-")[0] for n in seen.names] == [f"PJSIP/{a.extension}"], seen.names


@pytest.mark.parametrize(("exten", "conf", "logged"), [
    ("party", "1772384400.1&Local/listen@cc-spy", "conference refused"),
    ("listen", "", "conference refused"),
    ("talk", "1772384400.1", "is over"),  # a call id, but no such conference: not joined, never created
])
async def test_a_phone_joins_only_an_existing_conference_by_a_call_id(stack: Stack, sipp: Sipp, exten: str,
                                                                      conf: str, logged: str) -> None:
    """[cc-conference]'s party/listen/talk are entered by the bridge's Originate with CC_CONF = the call's uniqueid;
    anything else is hung up, and so is a phone answered after its conference ended (it would otherwise be the
    first member of a new one, alone)."""
    seen = ChannelLog(stack)
    a = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(a.extension, a.password, port)
    phone = sipp.answer(a.extension, port)
    await stack.ami.originate(f"PJSIP/{a.extension}", "cc-conference", exten, caller_id="probe <1>",
                              variables={"CC_CONF": conf})
    await asyncio.to_thread(phone.wait, 15)
    assert phone.returncode == 0
    await wait_for(lambda: bool(seen.names) and set(seen.names) <= seen.hungup, 5, "the call to be hung up")
    assert await stack.ami.confbridge_list("cc-1772384400.1") == []
    log = (stack.layout.log / "messages").read_text(errors="replace")
    assert logged in log


async def test_chanspy_refuses_an_empty_target(stack: Stack, sipp: Sipp) -> None:
    """ChanSpy's argument is a channel-name prefix: empty would spy on every channel. cc-spy hangs up instead."""
    seen = ChannelLog(stack)
    a = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(a.extension, a.password, port)
    phone = sipp.answer(a.extension, port)
    await stack.ami.originate(f"PJSIP/{a.extension}", "cc-spy", "listen", caller_id="listen <1>",
                              variables={"CC_SPY": ""})
    # answered after 1 s and hung up by the dialplan at once (ChanSpy(,qE) would keep the supervisor listening)
    await asyncio.to_thread(phone.wait, 15)
    assert phone.returncode == 0
    await wait_for(lambda: bool(seen.names) and set(seen.names) <= seen.hungup, 5, "the spy call to be hung up")
    log = (stack.layout.log / "messages").read_text(errors="replace")
    assert "ChanSpy refused" in log


async def test_trunk_invite_to_s_is_rejected_and_asterisk_stays_idle(stack: Stack, sipp: Sipp) -> None:
    """``s`` is what PJSIP uses when the Request-URI has no user part: rejected before a channel exists (484:
    there is no number to route), not a ``Goto(${EXTEN},1)`` that jumps to itself forever, spins the CPU and
    floods the log."""
    seen = ChannelLog(stack)
    full: Path = stack.layout.log / "full"
    before = full.stat().st_size if full.exists() else 0
    for service in ("s", "s", "7"):  # twice, and a one-digit number
        r = await asyncio.to_thread(_run, sipp, [
            "-sf", str(SIPP_DIR / "caller_refused.xml"), "-s", service, "-i", stack.settings.asterisk.trunk_match,
            "-p", str(free_udp_port("127.0.0.2")), "-mp", str(free_media_port())])
        assert r.returncode == 0, f"INVITE to {service!r} not refused: {_errors(sipp, 'caller_refused')}"
    assert seen.names == []
    assert await _channels(stack) == []
    grown = (full.stat().st_size if full.exists() else 0) - before
    assert grown < 64 * 1024, f"log/full grew by {grown} bytes for three refused calls"


# ---- A3: the AMI user has the classes the bridge needs, no more ------------------------------------------

# How each action the bridge sends is exercised harmlessly (a channel that does not exist answers "No such
# channel": the permission check passed). Keys must be exactly the actions found in callcenter/.
_NO_CHANNEL = "PJSIP/nobody-00000000"
BRIDGE_ACTIONS: dict[str, dict[str, str]] = {
    "Ping": {}, "CoreSettings": {}, "CoreShowChannels": {}, "QueueStatus": {}, "QueueSummary": {},
    "DeviceStateList": {},
    "QueueAdd": {"Queue": "support", "Interface": "PJSIP/4999", "Penalty": "1", "Paused": "true",
                 "MemberName": "probe"},
    "QueuePenalty": {"Queue": "support", "Interface": "PJSIP/4999", "Penalty": "2"},
    "QueuePause": {"Queue": "support", "Interface": "PJSIP/4999", "Paused": "false"},
    "QueueLog": {"Queue": "support", "Event": "PROBE", "Interface": "PJSIP/4999", "Message": "x",
                 "UniqueID": "NONE"},
    "QueueRemove": {"Queue": "support", "Interface": "PJSIP/4999"},
    "QueueReload": {},
    "Redirect": {"Channel": _NO_CHANNEL, "Context": "cc-transfer", "Exten": "q-support", "Priority": "1"},
    "Atxfer": {"Channel": _NO_CHANNEL, "Context": "cc-transfer", "Exten": "1002"},
    "Originate": {"Channel": "PJSIP/4999", "Context": "agents", "Exten": "1002", "Priority": "1",
                  "CallerID": "probe <1>", "Timeout": "1000", "Async": "true"},
    "Hangup": {"Channel": _NO_CHANNEL},
    "Setvar": {"Channel": _NO_CHANNEL, "Variable": "__CC_XFER_QUEUE", "Value": "support"},
    "MixMonitorMute": {"Channel": _NO_CHANNEL, "Direction": "both", "State": "1"},
    # the conference on a call (a conference that does not exist answers "No Conference by that name found.")
    "ConfbridgeList": {"Conference": "cc-1772384400.1"},
    "ConfbridgeKick": {"Conference": "cc-1772384400.1", "Channel": "all"},
}
LIST_ACTIONS = {"CoreShowChannels", "QueueStatus", "QueueSummary", "DeviceStateList", "ConfbridgeList"}
# actions the bridge never sends, each in a class it must not hold (command, config, user)
REFUSED_ACTIONS: dict[str, dict[str, str]] = {
    "Command": {"Command": "core show version"},
    "UpdateConfig": {"SrcFilename": "extensions.conf", "DstFilename": "extensions.conf", "Action-000000": "NewCat",
                     "Cat-000000": "probe"},
    "CreateConfig": {"Filename": "probe.conf"},
    "UserEvent": {"UserEvent": "probe"},
    # system: recordings are started by the dialplan ([cc-record]); MixMonitor's Command field runs a program
    "MixMonitor": {"Channel": _NO_CHANNEL, "File": "/tmp/cc-probe.wav", "Command": "touch /tmp/cc-probe"},
}


def _actions_in_code() -> set[str]:
    root = Path(__file__).resolve().parents[2] / "callcenter"
    found: set[str] = set()
    for p in root.rglob("*.py"):
        found |= set(re.findall(r"\.(?:action|list_action)\(\s*\"([A-Za-z]+)\"", p.read_text(encoding="utf-8")))
    return found


async def _privileges(stack: Stack, action: str) -> set[str]:
    """An action's privilege classes as this Asterisk reports them (``manager show command``); holding any one of
    them is enough (``all`` is every class). Empty: anyone logged in may send it."""
    p = await asyncio.create_subprocess_exec(
        stack.settings.asterisk.binary, "-C", str(stack.layout.asterisk_conf), "-rx", f"manager show command {action}",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out = (await asyncio.wait_for(p.communicate(), 10))[0].decode(errors="replace")
    m = re.search(r"\[Privilege\]\s*\n\s*([^\n]*)", out)
    assert m, f"no privilege for {action} in {out[:500]!r}"
    return {c.strip() for c in m.group(1).split(",") if c.strip() not in ("", "<none>", "all")}


def _manager_user(stack: Stack) -> dict[str, set[str]]:
    section, out = "", {}
    for raw in (stack.layout.etc / "manager.conf").read_text(encoding="utf-8").splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            section = line[1:-1]
        elif section == stack.settings.ami.username and line.split("=")[0].strip() in ("read", "write"):
            key, _, value = line.partition("=")
            out[key.strip()] = {c.strip() for c in value.split(",")}
    return out


async def test_every_action_the_bridge_sends_is_allowed_and_nothing_else(stack: Stack) -> None:
    assert set(BRIDGE_ACTIONS) == _actions_in_code(), "a new AMI action: add it here and to manager.conf's classes"
    for name, fields in BRIDGE_ACTIONS.items():
        try:
            if name in LIST_ACTIONS:
                await stack.ami.list_action(name, **fields)
            else:
                await stack.ami.action(name, **fields)
        except AmiActionError as e:
            assert e.message != "Permission denied", f"{name} is refused to the bridge's AMI user"
    for name, fields in REFUSED_ACTIONS.items():
        with pytest.raises(AmiActionError) as ei:
            await stack.ami.action(name, **fields)
        assert ei.value.message == "Permission denied", (name, ei.value.message)


async def test_write_classes_are_a_minimal_cover_of_the_bridges_actions(stack: Stack) -> None:
    """Each granted write class is needed by some action no other granted class covers, and ``system`` is not
    granted: no action the bridge sends needs it (recordings are started by the dialplan, not by AMI MixMonitor,
    which Asterisk 16 grants to system only; the seat resync uses DeviceStateList, class call, not
    PJSIPShowEndpoints; seats are reloaded over the control socket and queues by QueueReload, not by AMI Reload,
    which needs system or config)."""
    user = _manager_user(stack)
    granted = user["write"]
    needs = {name: await _privileges(stack, name) for name in BRIDGE_ACTIONS}
    uncovered = {n: p for n, p in needs.items() if p and not p & granted}
    assert not uncovered, f"actions the AMI user may not send: {uncovered}"
    for cls in granted:
        rest = granted - {cls}
        assert any(p and not p & rest for p in needs.values()), f"write class {cls!r} is needed by no action"
    only_system = sorted(n for n, p in needs.items() if p == {"system"})
    assert only_system == []
    assert granted == {"call", "agent", "originate", "reporting"}
    # read: system (FullyBooted, Shutdown, ContactStatus), call (channel events), agent (queue events), no more
    assert user["read"] == {"system", "call", "agent"}
    manager = (stack.layout.etc / "manager.conf").read_text(encoding="utf-8")
    filtered = set(re.search(r"eventfilter = Event: \(([^)]*)\)", manager).group(1).split("|"))  # type: ignore[union-attr]
    assert stack.dispatcher.event_names <= filtered, stack.dispatcher.event_names - filtered


# ---- issue 15, part 7: outside numbers reach the trunk only through the admin's list and the bridge ---------------

MOBILE_PORT = free_udp_port("127.0.0.2")  # a phone "out on the trunk" that would answer whatever reached it
ALLOWED = "13812345678"  # matches the allowed pattern below
with_outside = pytest.mark.parametrize("stack_overrides", [{
    "asterisk": {"outbound_host": f"127.0.0.2:{MOBILE_PORT}"},
    "outside_numbers": {"transfer": {"allowed": ["138XXXXXXXX"], "caller_id": "4008"},
                        "ivr": {"allowed": ["138XXXXXXXX"], "caller_id": "4009"}}}])


def _mobile(sipp: Sipp) -> tuple[subprocess.Popen[bytes], Path]:
    trace = sipp.workdir / "mobile.log"
    p = subprocess.Popen(
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", ALLOWED, "-i", "127.0.0.2",
         "-p", str(MOBILE_PORT), "-mp", str(free_media_port()), "-m", "1", "-nostdin", "-trace_msg",
         "-message_file", str(trace)],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(p)
    return p, trace


def _invited(trace: Path) -> bool:
    return trace.exists() and "INVITE sip:" in trace.read_text(errors="replace")


@with_outside
async def test_a_seat_phone_cannot_dial_an_outside_number_even_an_allowed_one(stack: Stack, sipp: Sipp) -> None:
    """The allow-list is for the bridge's transfers and the IVR: a phone dialling an allowed number (11 digits: a
    seat pattern in [agents]) dials PJSIP/<number>, no such seat; the outside contexts by name match nothing."""
    seen = ChannelLog(stack)
    mobile, trace = _mobile(sipp)
    a = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(a.extension, a.password, port)
    for payload in (ALLOWED, f"o-{ALLOWED}", f"{ALLOWED}%40cc-outside-transfer", f"{ALLOWED}%40cc-transfer-outside",
                    f"1%26Local%2F{ALLOWED}%40cc-outside-ivr"):
        r = await asyncio.to_thread(seat_dial, sipp, a.extension, a.password, port, payload, "seat_dial_refused.xml")
        assert r.returncode == 0, f"{payload!r} was not refused: {_errors(sipp, 'seat_dial_refused')}"
    # only the allowed number itself made a channel (the seat's own, whose Dial(PJSIP/13812345678) found no seat)
    assert [n.split("-")[0] for n in seen.names] == [f"PJSIP/{a.extension}"], seen.names
    await asyncio.sleep(0.5)
    assert not _invited(trace) and mobile.poll() is None  # nothing reached the trunk


@pytest.mark.parametrize(("context", "exten"), [
    ("agents", ALLOWED),  # a phone's own *2/#1 on a queue call: its endpoint's context
    ("cc-transfer", ALLOWED),  # the same after a desktop Atxfer (TRANSFER_CONTEXT=cc-transfer): digits only
    ("cc-transfer-outside", "13700137000"),  # the gate: a number not rendered (not allowed)
    ("cc-transfer-outside", f"{ALLOWED}&Local/listen@cc-spy"),  # the gate: REGEX first
    ("cc-transfer-outside", f"{ALLOWED},,tT"),
])
@with_outside
async def test_outside_numbers_not_allowed_never_reach_the_trunk(stack: Stack, sipp: Sipp, context: str,
                                                                  exten: str) -> None:
    """What a phone's transfer feature code can deliver (digits into its context or into cc-transfer), and what
    reaches the outside gate other than an allowed number, ends before the trunk."""
    seen = ChannelLog(stack)
    mobile, trace = _mobile(sipp)
    a = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(a.extension, a.password, port)
    phone = sipp.answer(a.extension, port)
    messages = stack.layout.log / "messages"
    await stack.ami.originate(f"PJSIP/{a.extension}", context, exten, caller_id="test <1>")
    if context != "cc-transfer-outside":
        # a seat pattern matched: Dial(PJSIP/<the number>) finds no such seat (autofallthrough would then play
        # congestion for 10 s before hanging up; the phone hangs up once the Dial has failed)
        await wait_for(lambda: "endpoint '13812345678' was not found" in messages.read_text(), 10, "the Dial to fail")
        for leg in await _channels(stack):
            await stack.ami.hangup(leg)
    await asyncio.to_thread(phone.wait, 15)
    await wait_for(lambda: bool(seen.names) and set(seen.names) <= seen.hungup, 10, "the originated call to end")
    assert [n.split("-")[0] for n in seen.names] == [f"PJSIP/{a.extension}"], seen.names
    assert not _invited(trace) and mobile.poll() is None
    if context == "cc-transfer-outside":
        assert "refused transfer: not an allowed outside number" in messages.read_text()


@with_outside
async def test_the_outside_gate_lets_an_allowed_number_through(stack: Stack, sipp: Sipp) -> None:
    """The control for the test above: the same gate with an allowed number dials the trunk (from the phone's leg
    here, as an Atxfer's Local channel does), showing the transfers' caller ID."""
    mobile, trace = _mobile(sipp)
    a = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(a.extension, a.password, port)
    phone = sipp.answer(a.extension, port)
    await stack.ami.originate(f"PJSIP/{a.extension}", "cc-transfer-outside", ALLOWED, caller_id="test <1>")
    await wait_for(lambda: _invited(trace), 15, "the mobile's INVITE")
    assert re.search(r"^From:.*<sip:4008@", trace.read_text(errors="replace"), re.M)

    async def answered() -> bool:
        return any(c.get("Channel", "").startswith("PJSIP/trunk-") and c.get("ChannelStateDesc") == "Up"
                   for c in await stack.ami.core_show_channels())

    await wait_for(answered, 10, "the mobile to answer over the trunk")
    for leg in await _channels(stack):
        if leg.startswith(f"PJSIP/{a.extension}-"):
            await stack.ami.hangup(leg)  # the phone hangs up: both SIPp phones get their BYE
    assert await asyncio.to_thread(phone.wait, 15) == 0
    assert await asyncio.to_thread(mobile.wait, 15) == 0
