"""A restart of the service during live calls (issue 12 item 6): the calls stay up in an Asterisk that outlives the
service, and after the new start every agent still on a call is on_call again, gets their screen pop back on the
agent socket and may open their caller's record.

Two production setups, on a real Asterisk with SIPp phones and callers:

* ``left_running``: the managed Asterisk with ``asterisk.stop_with_service=false`` (the prod default): stopping the
  service leaves Asterisk running; the next start attaches to it (pid file in the runtime directory).
* ``external``: ``asterisk.managed=false`` against an Asterisk the test runs itself (from the same rendered config,
  as an operator's service unit would run it).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from callcenter.app import Stack
from callcenter.asterisk.process import ManagedAsterisk
from tests.helpers import Served, Sipp, agent_user, free_udp_port, route_all_calls_to, stack_settings, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db,
              pytest.mark.both_databases("the recovery reads back what the stopped service stored")]
CALLER = "13800138000"


async def _next(ws: Any, kind: str, timeout: float = 20) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            msg = json.loads(await ws.recv())
            if msg["type"] == kind:
                return msg  # type: ignore[no-any-return]

    return await asyncio.wait_for(read(), timeout)


async def _channels(stack: Stack) -> dict[str, dict[str, str]]:
    return {c["Uniqueid"]: c for c in await stack.ami.core_show_channels()}


@pytest.mark.parametrize("setup", ["left_running", "external"])
async def test_calls_survive_a_service_restart_and_agents_get_their_pop_and_record_back(
        db_url: str, workdir: Path, setup: str) -> None:
    asterisk = {"stop_with_service": False} if setup == "left_running" else {"managed": False}
    settings = stack_settings(db_url, workdir / "data", asterisk=asterisk, recording={"enabled": False})
    first = Stack(settings, run_migrations=False)
    external: ManagedAsterisk | None = None
    second: Stack | None = None
    sipp = Sipp(settings, workdir / "sipp")
    try:
        await first.start()
        if setup == "external":  # the operator's Asterisk, run from the rendered config (docs/production.md)
            assert first.asterisk_process is None and first.layout is not None
            external = ManagedAsterisk(settings, first.layout)
            await external.start()
        await wait_for(lambda: first.ami.ready, 30, "AMI ready")
        await route_all_calls_to(first, "support")
        customer = await first.customers.create("Zhang Wei", [CALLER], vip=False)
        user = await agent_user(first, "li", {"support": "senior"}, "1001", ready=True)
        seat = next(a for a in settings.agents if a.extension == "1001")
        port = free_udp_port()
        sipp.register(seat.extension, seat.password, port)
        sipp.answer(seat.extension, port)
        caller = sipp.call_pressing([], hold=40.0, caller=CALLER)
        await wait_for(lambda: first.acd.agents[user.id].state == "on_call", 30, "the agent to answer")
        uid = first.acd.agents[user.id].call_uniqueid
        assert uid

        await first.stop()  # a graceful stop (an upgrade): the calls must stay up
        if setup == "left_running":
            assert first.asterisk_process is not None and first.asterisk_process.running

        second = Stack(settings, run_migrations=False)
        await second.start()
        await wait_for(lambda: second.ami.ready, 30, "the restarted service's AMI")
        if setup == "left_running":  # attached to the one left running, not a second Asterisk
            assert second.asterisk_process is not None and second.asterisk_process.attached
            assert second.asterisk_process.pid == first.asterisk_process.pid  # type: ignore[union-attr]
        live = await _channels(second)
        assert uid in live and caller.poll() is None  # the caller is still talking
        assert any(c["Linkedid"] == uid and c["Channel"].startswith("PJSIP/1001-") for c in live.values())
        agent = second.acd.agents[user.id]
        assert (agent.state, agent.call_uniqueid) == ("on_call", uid)

        token, _ = await second.auth.login("li", "test-password-1", "t")
        auth = {"Authorization": f"Bearer {token}"}
        async with Served(second) as srv:
            async with httpx.AsyncClient(base_url=srv.base, headers=auth) as http:
                r = await http.get(f"/api/customers/{customer.id}", params={"why": "pop"})
                assert r.status_code == 200, r.text
                assert r.json()["name"] == "Zhang Wei"
            async with websockets.connect(f"{srv.ws_base}/ws/agent", additional_headers=auth) as ws:
                hello = await _next(ws, "hello")
                assert hello["agent"]["state"] == "on_call"
                pop = hello["pop"]
                assert pop is not None and pop["call_uniqueid"] == uid and pop["phase"] == "active"
                assert pop["caller_number"] == CALLER and pop["queue"] == "support"
            await second.pop.idle()
            assert second.pop.current["li"]["customer"]["id"] == customer.id
        assert agent.channel and agent.channel.startswith("PJSIP/1001-")  # found in Asterisk's bridge

        # the call goes on to its normal end in the new service: answered by the agent, then wrap-up
        caller.kill()
        await asyncio.to_thread(caller.wait, 10)
        await second.ami.action("Hangup", Channel=live[uid]["Channel"])
        await wait_for(lambda: uid not in second.tracker.active, 20, "the call to end")
        await second.tracker.flush()
        row = await second.calls_repo.get_by_uniqueid(uid)
        assert row is not None and (row.outcome, row.agent_extension) == ("answered", "1001")
        await wait_for(lambda: second.acd.agents[user.id].state == "wrapup", 10, "the agent's wrap-up")
    finally:
        sipp.close()
        if second is not None:
            await second.stop()
            if second.asterisk_process is not None:
                await second.asterisk_process.terminate()  # left running by the stop: the test's to end
        await first.stop()
        if first.asterisk_process is not None:
            await first.asterisk_process.terminate()
        if external is not None:
            await external.terminate()
