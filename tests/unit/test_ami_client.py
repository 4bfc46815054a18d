"""The AMI bridge's connection handling against a fake AMI server (panoramisk traps, watchdog, backoff)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from callcenter.asterisk.ami import AmiClient, AmiEvent, EventDispatcher
from callcenter.asterisk.errors import AmiActionError, AmiNotConnected, AmiTimeout
from callcenter.settings import AmiSettings
from tests.fake_ami import FakeAmi
from tests.helpers import wait_for


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmi]:
    f = FakeAmi()
    await f.start()
    yield f
    await f.stop()


def _settings(port: int, secret: str = "s3cret-for-tests") -> AmiSettings:
    return AmiSettings(port=port, secret=secret, ping_interval=0.2, action_timeout=0.5,
                       reconnect_min=0.05, reconnect_max=0.2)


@pytest.fixture
async def client(ami: FakeAmi) -> AsyncIterator[AmiClient]:
    c = AmiClient(_settings(ami.port))
    resyncs: list[list[AmiEvent]] = []

    async def resync(cl: AmiClient) -> None:
        resyncs.append(await cl.core_show_channels())

    c.on_connected(resync)
    c.resync_results = resyncs  # type: ignore[attr-defined]
    yield c
    await c.stop()


async def test_login_resync_and_ordered_dispatch(ami: FakeAmi, client: AmiClient) -> None:
    ami.channels = [{"Channel": "PJSIP/trunk-1", "Uniqueid": "1.1", "Linkedid": "1.1"}]
    seen: list[str] = []

    async def handler(ev: AmiEvent) -> None:
        seen.append(ev["Seq"])

    client.dispatcher.register("Newchannel", handler)
    await client.start()
    await client.wait_ready(3)
    assert client.status.asterisk_version == "16.28.0-fake"
    assert client.resync_results == [[AmiEvent(Event="CoreShowChannel", Channel="PJSIP/trunk-1", Uniqueid="1.1",  # type: ignore[attr-defined]
                                               Linkedid="1.1", ActionID=client.resync_results[0][0]["ActionID"])]]  # type: ignore[attr-defined]
    login = ami.received[0]
    assert login["Action"] == "Login" and login["Username"] == "callcenter" and login["Events"] == "on"
    for i in range(20):
        ami.push_event(Event="Newchannel", Seq=str(i))
    await wait_for(lambda: len(seen) == 20, 2, "20 events")
    assert seen == [str(i) for i in range(20)]


async def test_failing_handler_is_logged_and_connection_survives(
    ami: FakeAmi, client: AmiClient, caplog: pytest.LogCaptureFixture
) -> None:
    ok: list[str] = []

    async def bad(ev: AmiEvent) -> None:
        raise RuntimeError("boom in handler")

    async def good(ev: AmiEvent) -> None:
        ok.append(ev["Seq"])

    client.dispatcher.register("Hangup", bad)
    client.dispatcher.register("Hangup", good)
    await client.start()
    await client.wait_ready(3)
    with caplog.at_level(logging.ERROR):
        ami.push_event(Event="Hangup", Seq="1")
        ami.push_event(Event="Hangup", Seq="2")
        await wait_for(lambda: ok == ["1", "2"], 2, "both events handled")
    assert client.dispatcher.errors == 2
    assert "boom in handler" in caplog.text
    assert client.status.connects == 1 and client.ready
    await client.action("Ping")


async def test_wrong_secret_reports_and_retries_with_backoff(ami: FakeAmi) -> None:
    c = AmiClient(_settings(ami.port, secret="wrong-secret"))
    await c.start()
    try:
        await wait_for(lambda: c.status.attempts >= 3, 3, "3 login attempts")
        assert "refused" in c.status.last_error and "Authentication failed" in c.status.last_error
        assert not c.ready and not c.status.authenticated
        # fixing the secret on the Asterisk side lets the next retry in
        ami.secret = "wrong-secret"
        await c.wait_ready(3)
        assert c.status.last_error == ""
    finally:
        await c.stop()


async def test_unreachable_asterisk_is_reported(ami: FakeAmi) -> None:
    port = ami.port
    await ami.stop()
    c = AmiClient(_settings(port))
    await c.start()
    try:
        await wait_for(lambda: c.status.attempts >= 2, 3, "2 attempts")
        assert f"127.0.0.1:{port}" in c.status.last_error
        with pytest.raises(AmiNotConnected):
            await c.action("Ping")
    finally:
        await c.stop()


async def test_action_without_answer_times_out(ami: FakeAmi, client: AmiClient) -> None:
    await client.start()
    await client.wait_ready(3)
    ami.silent_actions.add("QueueAdd")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(AmiTimeout, match="QueueAdd"):
        await client.action("QueueAdd", Queue="support", Interface="PJSIP/1001", timeout=0.3)
    assert loop.time() - t0 < 1.0


async def test_error_to_list_action_raises_at_once(ami: FakeAmi, client: AmiClient) -> None:
    """panoramisk with as_list=True would wait forever on an Error response."""
    await client.start()
    await client.wait_ready(3)
    ami.error_actions.add("QueueStatus")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(AmiActionError, match="QueueStatus refused"):
        await client.queue_status()
    assert loop.time() - t0 < 0.3


async def test_single_response_action_resolves(ami: FakeAmi, client: AmiClient) -> None:
    await client.start()
    await client.wait_ready(3)
    ev = await client.action("Ping")
    assert ev["Ping"] == "Pong"
    sent = [a for a in ami.received if a["Action"] == "Ping"][-1]
    assert set(sent) == {"Action", "ActionID"}


async def test_watchdog_detects_half_open_connection(ami: FakeAmi, client: AmiClient) -> None:
    await client.start()
    await client.wait_ready(3)
    ami.answer_ping = False  # the TCP link stays up but nothing answers
    await wait_for(lambda: not client.ready, 3, "watchdog to notice")
    assert "Ping" in client.status.last_error
    ami.answer_ping = True
    await client.wait_ready(3)
    # while Ping went unanswered each new session was dropped by the watchdog too; each one resynced
    assert client.status.connects >= 2
    assert len(client.resync_results) == client.status.connects  # type: ignore[attr-defined]
    ev = await client.action("Ping")
    assert ev["Ping"] == "Pong"


async def test_dropped_connection_reconnects_and_resyncs(ami: FakeAmi, client: AmiClient) -> None:
    await client.start()
    await client.wait_ready(3)
    ami.drop_all()
    await wait_for(lambda: client.status.connects == 2 and client.ready, 3, "reconnect")
    assert ami.logins == 2
    assert len(client.resync_results) == 2  # type: ignore[attr-defined]


async def test_stop_is_clean(ami: FakeAmi) -> None:
    c = AmiClient(_settings(ami.port), EventDispatcher())
    await c.start()
    await c.wait_ready(3)
    await c.stop()
    assert not c.status.connected
    await asyncio.sleep(0.3)
    assert ami.logins == 1  # no reconnect after stop
