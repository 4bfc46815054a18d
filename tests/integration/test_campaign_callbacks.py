"""A progressive campaign fed from the open call-back tasks, on a real Asterisk (issue 15, docs/outbound.md
"Campaigns": "From the open call-back tasks"). Two tasks open the way the product opens them: a lead's service
record asks for a follow-up of customer A (due in an hour), and customer B's fault report is worked to resolved
(due 72 hours later). The lead makes a progressive campaign of agent cc1 and fills it from the open tasks
(``POST /api/campaigns/{id}/numbers/from-callbacks``): A's number first (soonest due), then B's, each carrying its
task. Started, the pacer dials A as soon as cc1 is ready — cc1's SIPp phone rings and answers, then A's SIPp phone
behind the trunk answers and speaks. The call-back desk shows that call as the task's attempt (its uniqueid, the
agent); cc1 records "reached" with the four-point survey: the task closes and the record's follow-up is done.
cc1 is ready again: the pacer dials B, whose phone rings and gives up (180, then 480) — three times, each attempt
no sooner than the desk's spacing after the one before (the campaign's own no-answer retry is shorter), each
counted by the call record itself, and the third closes the task as unreachable (the desk's ``max_attempts``, though
the campaign would try five times): B's number is then done with the campaign (``callback_closed``), never dialled a
fourth time. The four calls are stored as outbound calls of cc1 for the two customers.

One SIPp "customer" at a time listens on the trunk's address (``asterisk.outbound_host``): A's answers one call and
ends when it is hung up; B's starts after it, before cc1 is ready again (nothing is dialled while cc1 wraps up,
and the queue's wrap-up is long: cc1 is ready when they press ready, as on the desktop)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from callcenter.app import Stack, create_app
from tests.helpers import (
    SIPP_DIR,
    Sipp,
    agent_user,
    bearer,
    free_media_port,
    free_udp_port,
    set_queue,
    wait_for,
)

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]
CUSTOMER_PORT = free_udp_port("127.0.0.2")  # the customers' phones "out on the trunk"
NUMBER_A, NUMBER_B = "13900139000", "13700137000"
SURVEY = {"attitude": 1, "skill": 2, "timeliness": 1, "promises": 2}
SPACING_MINUTES = 0.05  # the desk's attempt spacing: 3 s
RETRY_NO_ANSWER = 0.01  # the campaign's own no-answer retry: 0.6 s, shorter than the desk's spacing


def _customer(sipp: Sipp, scenario: str, number: str, calls: int) -> subprocess.Popen[bytes]:
    p = subprocess.Popen(
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / scenario), "-s", number, "-i", "127.0.0.2",
         "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", str(calls), "-nostdin", "-trace_err"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(p)
    return p


@pytest.mark.parametrize("stack_overrides", [{
    "asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"},
    "campaigns": {"tick_seconds": 0.1},
    "callbacks": {"attempt_spacing_minutes": SPACING_MINUTES, "max_attempts": 3}}])
async def test_a_campaign_of_the_open_call_back_tasks_makes_the_tasks_attempts(stack: Stack, sipp: Sipp) -> None:
    # cc1 wraps up until they press ready (as on the desktop), never by the clock: nothing is dialled meanwhile
    await set_queue(stack, "support", wrapup_seconds=3600)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    phone = sipp.answer(seat.extension, port, calls=4, ring_ms=200)  # cc1 takes every campaign call
    boss = await bearer(stack, ("admin",), "boss")  # the lead who makes the cases, records and the campaign
    await stack.auth.create_user("hand1", "test-password-1", ["agent"], "Handler One")
    user = await agent_user(stack, "cc1", {"support": "senior"}, "1001", ready=True)
    token, _ = await stack.auth.login("cc1", "test-password-1", "test")
    cc1 = {"Authorization": f"Bearer {token}"}
    agent = stack.acd.agents[user.id]
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=boss,
                                 timeout=10) as http:
        async def ok(method: str, url: str, **kw: Any) -> Any:
            r = await http.request(method, url, **kw)
            assert r.status_code in (200, 201), (method, url, r.text)
            return r.json()

        async def task(task_id: int) -> Any:
            return await ok("GET", f"/api/callbacks/{task_id}")

        async def numbers(campaign_id: int) -> dict[str, Any]:
            return {n["number"]: n for n in (await ok("GET", f"/api/campaigns/{campaign_id}/numbers"))["items"]}

        # two call-back tasks open, as the product opens them
        cust_a = await ok("POST", "/api/customers", json={"name": "Wang Fang", "numbers": [NUMBER_A]})
        cust_b = await ok("POST", "/api/customers", json={"name": "Zhao Lei", "numbers": [NUMBER_B]})
        record = await ok("POST", "/api/service-records", json={
            "customer_id": cust_a["id"], "category": "query", "text": "asked about the new tariff",
            "follow_up_needed": True,
            "follow_up_due": (datetime.now(UTC) + timedelta(hours=1)).isoformat()})
        dept = await ok("POST", "/api/departments", json={"name": "Network"})
        await ok("PUT", f"/api/departments/{dept['id']}/members/hand1", json={"role": "handler"})
        case = await ok("POST", "/api/cases", json={"type": "fault", "description": "no dial tone",
                                                    "customer_id": cust_b["id"]})
        for action, body in (("dispatch", {"department_id": dept["id"], "handler": "hand1"}), ("investigate", {}),
                             ("report", {"text": "a cable"}), ("resolve", {"decision": "cable replaced"})):
            case = await ok("POST", f"/api/cases/{case['number']}/{action}", json={"version": case["version"], **body})
        worklist = (await ok("GET", "/api/callbacks"))["items"]
        assert [(t["number"], t["customer_id"], t["case_number"]) for t in worklist] == [
            (NUMBER_A, cust_a["id"], None), (NUMBER_B, cust_b["id"], case["number"])]  # due order
        task_a, task_b = worklist[0]["id"], worklist[1]["id"]

        # the campaign, filled from the open tasks
        customer_a = _customer(sipp, "customer_answer.xml", NUMBER_A, 1)
        c = await ok("POST", "/api/campaigns", json={
            "name": "call-backs", "mode": "progressive", "agents": ["cc1"], "hours_from": "00:00",
            "hours_to": "23:59", "retry": {"busy": 10, "no_answer": RETRY_NO_ANSWER, "failed": 30},
            "max_attempts": 5})
        cid = c["id"]
        assert await ok("POST", f"/api/campaigns/{cid}/numbers/from-callbacks", json={}) == {
            "added": 2, "already_there": 0, "skipped": 0, "matched": 2}
        nums = await numbers(cid)
        assert {k: (n["callback_id"], n["customer_id"], n["state"]) for k, n in nums.items()} == {
            NUMBER_A: (task_a, cust_a["id"], "pending"), NUMBER_B: (task_b, cust_b["id"], "pending")}
        await ok("POST", f"/api/campaigns/{cid}/start")

        # A: dialled as soon as cc1 is ready; the customer answers and speaks
        async def dialled(number: str) -> bool:
            return (await numbers(cid))[number]["call_uniqueid"] is not None

        await wait_for(lambda: dialled(NUMBER_A), 20, "the pacer to dial A's number")
        uid_a = (await numbers(cid))[NUMBER_A]["call_uniqueid"]
        await wait_for(lambda: agent.state == "on_call" and agent.call_uniqueid == uid_a, 20,
                       "cc1 to be on A's call")
        await wait_for(lambda: (x := stack.tracker.call(uid_a)) is not None and x.answered_at is not None, 20,
                       "customer A to answer")
        assert sipp.running(customer_a) and phone.poll() is None  # talking
        d = await task(task_a)  # the desk shows the campaign's call as the task's attempt, on the call
        assert (d["task"]["state"], d["task"]["attempts"]) == ("open", 0)
        [att] = d["attempts"]
        assert (att["call_uniqueid"], att["agent_username"], att["call_outcome"], att["outcome"]) == (
            uid_a, "cc1", None, None)
        assert (await task(task_b))["attempts"] == []  # one agent, one call in flight: B waits
        # cc1 hangs up; in wrap-up nothing more is dialled
        channel = next(ch["Channel"] for ch in await stack.ami.core_show_channels() if ch.get("Uniqueid") == uid_a)
        await stack.ami.hangup(channel)
        await wait_for(lambda: stack.tracker.call(uid_a) is None and agent.state == "wrapup", 15,
                       "A's call to end and cc1 to wrap up")

        async def call_outcome(task_id: int, uid: str, wanted: str) -> bool:
            return any(a["call_uniqueid"] == uid and a["call_outcome"] == wanted
                       for a in (await task(task_id))["attempts"])

        await wait_for(lambda: call_outcome(task_a, uid_a, "answered"), 15, "A's attempt to have its call's end")
        # cc1 records the outcome: reached, the four-point survey answered
        version = (await task(task_a))["task"]["version"]
        r = await http.post(f"/api/callbacks/{task_a}/outcome", headers=cc1, json={
            "version": version, "outcome": "reached", "note": "happy with the tariff", "survey": SURVEY})
        assert r.status_code == 200, r.text
        d = await task(task_a)
        assert (d["task"]["state"], d["task"]["attempts"], d["task"]["closed_by"], d["next_attempt_at"]) == (
            "reached", 1, "cc1", None)
        [att] = d["attempts"]
        assert (att["call_uniqueid"], att["agent_username"], att["call_outcome"], att["outcome"]) == (
            uid_a, "cc1", "answered", "reached")
        [rec] = (await ok("GET", "/api/service-records", params={"customer_id": cust_a["id"]}))["items"]
        assert rec["id"] == record["id"] and rec["follow_up_done_at"] is not None  # the follow-up is done
        async def number_settled(number: str) -> bool:
            return bool((await numbers(cid))[number]["state"] == "done")

        await wait_for(lambda: number_settled(NUMBER_A), 15, "A's number to be done with the campaign")
        nums = await numbers(cid)
        assert (nums[NUMBER_A]["last_outcome"], nums[NUMBER_A]["attempts"]) == ("answered", 1)
        assert nums[NUMBER_B]["state"] == "pending" and nums[NUMBER_B]["attempts"] == 0

        # B: A's phone has hung up; B's rings and nobody answers, three times
        await wait_for(lambda: not sipp.running(customer_a), 15, "A's SIPp phone to end its call")
        customer_b = _customer(sipp, "customer_unanswered.xml", NUMBER_B, 3)
        r = await http.post("/api/agent/ready", headers=cc1)
        assert r.status_code == 200, r.text
        for n in (1, 2, 3):
            async def counted(n: int = n) -> bool:
                return int((await task(task_b))["task"]["failed_attempts"]) >= n

            await wait_for(counted, 30, f"B's attempt {n} to be counted")
            await wait_for(lambda: agent.state in ("wrapup", "ready"), 15, "cc1 to be off B's call")
            if agent.state == "wrapup":  # the desktop's "ready"
                r = await http.post("/api/agent/ready", headers=cc1)
                assert r.status_code == 200, r.text

        await wait_for(lambda: number_settled(NUMBER_B), 15, "B's number to be done with the campaign")
        d = await task(task_b)
        assert (d["task"]["state"], d["task"]["attempts"], d["task"]["failed_attempts"], d["task"]["closed_by"]) == (
            "unreachable", 3, 3, "cc1")
        attempts = d["attempts"]
        assert [(a["agent_username"], a["call_outcome"], a["outcome"]) for a in attempts] == [
            ("cc1", "no_answer", "no_answer")] * 3
        starts = [datetime.fromisoformat(a["started_at"]) for a in attempts]
        for earlier, later in zip(starts, starts[1:], strict=False):  # the desk's spacing, not the campaign's retry
            assert later - earlier >= timedelta(minutes=SPACING_MINUTES), starts
        nums = await numbers(cid)
        assert (nums[NUMBER_B]["last_outcome"], nums[NUMBER_B]["attempts"]) == ("callback_closed", 3)
        uids_b = [a["call_uniqueid"] for a in attempts]
        assert len(set(uids_b)) == 3 and uid_a not in uids_b
        figures = await ok("GET", f"/api/campaigns/{cid}")
        assert (figures["numbers"], figures["dialled"], figures["connected"], figures["remaining"]) == (2, 4, 1, 0)

    assert customer_b.wait(15) == 0, sipp.explain(customer_b)  # three calls, never a fourth
    # the four calls: outbound calls of cc1, for the customer each was placed for
    await stack.tracker.flush()
    for uid, number, customer, outcome in [(uid_a, NUMBER_A, cust_a["id"], "answered")] + [
            (u, NUMBER_B, cust_b["id"], "no_answer") for u in uids_b]:
        stored = await stack.calls_repo.get_by_uniqueid(uid)
        assert stored is not None
        assert (stored.direction, stored.agent_username, stored.customer_id, stored.caller_number,
                stored.outcome) == ("outbound", "cc1", customer, number, outcome), uid
    calls, _ = await stack.calls_repo.search(limit=100)
    assert sorted(x.uniqueid for x in calls if x.direction == "outbound") == sorted([uid_a, *uids_b])
