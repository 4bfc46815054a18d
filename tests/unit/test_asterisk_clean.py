"""Values from Asterisk are cleaned and bounded where they enter: AMI messages (AmiEvent.from_message) and the
FastAGI environment. A caller controls the caller ID, the name and the dialled number; what fits is kept as it
is, control characters are removed, and a value longer than its column is cut (and the event says so)."""

from __future__ import annotations

import asyncio

from panoramisk.message import Message

from callcenter.asterisk.ami import AmiEvent
from callcenter.asterisk.clean import CUT_HEADER, EXTEN_MAX, NAME_MAX, NUMBER_MAX, clean_value
from callcenter.asterisk.fastagi import AgiChannel, FastAgiServer
from tests.helpers import free_tcp_port, wait_for

SEVENTY = "1234567890" * 7


def test_an_ami_event_with_caller_supplied_values_is_cleaned_and_bounded() -> None:
    m = Message({"Event": "Newchannel", "Uniqueid": "1700000000.1", "Channel": "PJSIP/trunk-00000001",
              "CallerIDNum": SEVENTY, "CallerIDName": "Eve\x00\x1b[31m\u202eevil" + "名" * 300,
              "Exten": SEVENTY, "Context": "from-trunk", "AccountCode": "\udc80x"})
    ev = AmiEvent.from_message(m)
    assert ev["Exten"] == SEVENTY[:EXTEN_MAX] and ev["CallerIDNum"] == SEVENTY[:NUMBER_MAX]
    assert ev["CallerIDName"].startswith("Eve[31mevil名") and len(ev["CallerIDName"]) == NAME_MAX
    assert ev["AccountCode"] == "x"
    assert set(ev[CUT_HEADER].split(",")) == {"Exten", "CallerIDNum", "CallerIDName"}
    # what fits is kept unchanged, and nothing is marked
    m2 = Message({"Event": "Newchannel", "Uniqueid": "1.2", "CallerIDName": "张三 👨‍👩‍👧", "Exten": "4000"})
    ev2 = AmiEvent.from_message(m2)
    assert ev2["CallerIDName"] == "张三 👨‍👩‍👧" and CUT_HEADER not in ev2


def test_clean_value_keeps_what_fits() -> None:
    assert clean_value("13800138000", 32) == ("13800138000", False)
    assert clean_value("a\tb\nc\x7fd\x85e", 32) == ("abcde", False)
    assert clean_value("x" * 40, 32) == ("x" * 32, True)


async def test_the_fastagi_environment_is_cleaned_and_bounded() -> None:
    port = free_tcp_port()
    server = FastAgiServer("127.0.0.1", port, command_timeout=1.0)
    seen: list[dict[str, str]] = []

    async def handler(chan: AgiChannel) -> None:
        seen.append(dict(chan.env))

    server.route("inbound", handler)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        env = (b"agi_network_script: inbound\n" b"agi_uniqueid: 1700000000.5\n"
               b"agi_callerid: " + SEVENTY.encode() + b"\n"
               b"agi_calleridname: Bob\x00\xff\xfe\x01name\n"
               b"agi_dnid: " + SEVENTY.encode() + b"\n" b"agi_extension: " + SEVENTY.encode() + b"\n\n")
        writer.write(env)
        await writer.drain()
        await wait_for(lambda: bool(seen), 5, "the AGI session")
        writer.close()
        await writer.wait_closed()
    finally:
        await server.stop()
    [e] = seen
    assert e["agi_callerid"] == SEVENTY[:NUMBER_MAX]
    assert e["agi_dnid"] == SEVENTY[:EXTEN_MAX] and e["agi_extension"] == SEVENTY[:EXTEN_MAX]
    assert e["agi_calleridname"] == "Bob\ufffd\ufffdname"  # NUL and control bytes gone, undecodable bytes marked
    assert set(e[CUT_HEADER].split(",")) == {"agi_callerid", "agi_dnid", "agi_extension"}
