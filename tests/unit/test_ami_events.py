"""The typed AMI events: parsed once per event by the dispatcher, the header → field mapping, the one inbound-caller
test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from callcenter.asterisk import events as events_mod
from callcenter.asterisk.ami import AmiEvent, EventDispatcher
from callcenter.asterisk.events import (
    EVENT_TYPES,
    AgentComplete,
    ContactStatus,
    Hangup,
    Newchannel,
    OriginateResponse,
    QueueMemberAdded,
    QueueMemberStatus,
    TypedHandler,
    is_inbound_caller,
    typed_handlers,
)


def test_headers_become_fields_absent_ones_none() -> None:
    ev = AgentComplete.parse({"Event": "AgentComplete", "Uniqueid": "1.1", "Linkedid": "1.1", "Queue": "support",
                              "CallerIDNum": "13800138000", "Interface": "PJSIP/1001", "TalkTime": "42",
                              "Reason": "caller", "Timestamp": "1795438602.500000"})
    assert (ev.uniqueid, ev.queue, ev.caller_id_num, ev.interface, ev.talk_time, ev.reason) == (
        "1.1", "support", "13800138000", "PJSIP/1001", "42", "caller")
    assert ev.at == datetime.fromtimestamp(1795438602.5, UTC) and ev.timestamp == "1795438602.500000"
    assert ev.hold_time is None and ev.member_name is None  # absent headers
    assert Hangup.parse({"Cause-txt": "Normal Clearing", "Cause": "16"}).cause_txt == "Normal Clearing"
    assert ContactStatus.parse({"AOR": "1001", "URI": "sip:1001@x"}).uri == "sip:1001@x"
    empty = Newchannel.parse({})
    assert (empty.uniqueid, empty.linkedid, empty.at) == ("", None, None)
    assert Newchannel.parse({"Timestamp": "not a number"}).at is None


def test_a_failed_originate_names_the_call_by_its_action_id_only_when_it_is_ours() -> None:
    # a seat with no phone: no channel was made, Uniqueid is <null>; the ActionID the bridge gave names the call
    failed = {"Event": "OriginateResponse", "ActionID": "cc-originate-1796297916.900000001", "Response": "Failure",
              "Channel": "PJSIP/1002", "Reason": "0", "Uniqueid": "<null>"}
    assert OriginateResponse.parse(failed).failed_call == "1796297916.900000001"
    assert OriginateResponse.parse({**failed, "Response": "Success"}).failed_call is None
    assert OriginateResponse.parse({**failed, "ActionID": "action/123"}).failed_call is None  # not a tracked call
    assert OriginateResponse.parse({**failed, "ActionID": "cc-originate-"}).failed_call is None
    assert OriginateResponse.parse({k: v for k, v in failed.items() if k != "ActionID"}).failed_call is None


def test_a_typed_event_is_frozen() -> None:
    ev = Newchannel.parse({"Uniqueid": "1.1"})
    with pytest.raises(AttributeError):
        ev.uniqueid = "2.2"  # type: ignore[misc]


def test_every_event_class_is_registered_under_its_name() -> None:
    assert EVENT_TYPES["Newchannel"] is Newchannel and EVENT_TYPES["QueueMemberAdded"] is QueueMemberAdded
    assert all(cls.NAME == name for name, cls in EVENT_TYPES.items())
    assert issubclass(QueueMemberAdded, QueueMemberStatus)  # one handler takes both


@pytest.mark.parametrize(("headers", "inbound"), [
    ({"Uniqueid": "1.1", "Linkedid": "1.1", "Context": "from-trunk"}, True),
    ({"Uniqueid": "1.1", "Context": "from-trunk"}, True),  # no Linkedid: the channel began its call
    ({"Uniqueid": "1.2", "Linkedid": "1.1", "Context": "from-trunk"}, False),  # a leg made for the call
    ({"Uniqueid": "1.1", "Linkedid": "", "Context": "from-trunk"}, False),  # as ev.get("Linkedid", uid) != uid
    ({"Uniqueid": "1.1", "Linkedid": "1.1", "Context": "agents"}, False),
])
def test_the_inbound_caller_channel(headers: dict[str, str], inbound: bool) -> None:
    assert is_inbound_caller(Newchannel.parse(headers), "from-trunk") is inbound


async def test_the_dispatcher_parses_an_event_once_for_all_its_typed_handlers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = Newchannel.parse.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Newchannel], ev: Any) -> Newchannel:
        parsed.append(ev["Uniqueid"])
        return real(cls, ev)  # type: ignore[no-any-return]

    monkeypatch.setattr(Newchannel, "parse", classmethod(counting))
    seen: list[tuple[str, object]] = []

    async def typed_a(ev: Newchannel) -> None:
        seen.append(("a", ev))

    async def typed_b(ev: Newchannel) -> None:
        seen.append(("b", ev))

    async def raw(ev: AmiEvent) -> None:
        seen.append(("raw", ev))

    d = EventDispatcher()
    d.register_map(typed_handlers(TypedHandler(Newchannel, typed_a)))
    d.register("Newchannel", raw)
    d.on(Newchannel, typed_b)
    ev = AmiEvent(Event="Newchannel", Uniqueid="7.1", Context="from-trunk")
    await d.dispatch(ev)
    assert parsed == ["7.1"]
    assert [who for who, _ in seen] == ["a", "raw", "b"]  # in the order registered
    assert seen[0][1] is seen[2][1] and isinstance(seen[0][1], Newchannel) and seen[1][1] is ev


async def test_a_failing_typed_handler_is_logged_and_the_next_runs() -> None:
    ran: list[str] = []

    async def bad(ev: Hangup) -> None:
        raise RuntimeError("boom")

    async def good(ev: Hangup) -> None:
        ran.append(ev.uniqueid)

    d = EventDispatcher()
    d.on(Hangup, bad)
    d.on(Hangup, good)
    await d.dispatch(AmiEvent(Event="Hangup", Uniqueid="3.1"))
    assert ran == ["3.1"] and d.errors == 1 and d.dispatched == 1


def test_a_typed_handler_under_another_events_name_is_refused() -> None:
    async def h(ev: Hangup) -> None: ...

    with pytest.raises(ValueError, match="Hangup handler registered for Newchannel"):
        EventDispatcher().register("Newchannel", TypedHandler(Hangup, h))
    with pytest.raises(ValueError, match="two handlers of Hangup"):
        typed_handlers(TypedHandler(Hangup, h), TypedHandler(Hangup, h))


async def test_a_typed_handler_called_with_a_raw_event_parses_it() -> None:
    got: list[Hangup] = []

    async def h(ev: Hangup) -> None:
        got.append(ev)

    await TypedHandler(Hangup, h)({"Uniqueid": "5.1", "Cause": "16"})
    assert got[0].uniqueid == "5.1" and got[0].cause == "16"
    assert "Hangup" in repr(TypedHandler(Hangup, h)) and events_mod.TypedEvent in Hangup.__mro__
