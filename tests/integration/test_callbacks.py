"""The call-back desk on a real Asterisk (issue 15, "2. The call-back desk"): a resolved case's task is called
back — the agent's SIPp phone rings and answers, then the SIPp customer behind the trunk answers and speaks —
the attempt is linked to that outbound call, which is recorded and makes the agent on_call then wrap up; the
survey is taken. A second task whose customer never answers (180, then 480) is tried three times and closes as
unreachable with its three attempts, each counted from the call record by itself."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from callcenter.app import Stack
from callcenter.auth.actor import Actor
from callcenter.callbacks.repository import TaskFilters
from callcenter.cases.service import NewCase
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, wait_for

CUSTOMER_PORT = free_udp_port("127.0.0.2")
LEAD = Actor("lead", frozenset({"supervisor"}))
SURVEY = {"attitude": 1, "skill": 1, "timeliness": 2, "promises": 1}


def _customer(sipp: Sipp, scenario: str, number: str, calls: int = 1) -> subprocess.Popen[bytes]:
    p = subprocess.Popen(
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / scenario), "-s", number, "-i", "127.0.0.2",
         "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", str(calls), "-nostdin"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(p)
    return p


async def _resolved_task(stack: Stack, number: str) -> int:
    """A fault report of a customer with ``number``, worked to resolved: its call-back task."""
    customer = await stack.customers.create(f"Customer {number}", [number])
    svc = stack.cases.service
    c = await svc.create(LEAD, NewCase(type="fault", description="no dial tone", customer_id=customer.id))
    dept = await stack.departments.create(LEAD, f"Network {number[-4:]}", True, None)
    c = await svc.dispatch(LEAD, c.number, c.version, dept.department.id, None)
    c = await svc.investigate(LEAD, c.number, c.version)
    c = await svc.report(LEAD, c.number, c.version, "a cable")
    c = await svc.resolve(LEAD, c.number, c.version, "cable replaced", None)
    rows, _ = await stack.callbacks.desk.repo.search(TaskFilters(), 10, 0)
    [t] = [t for t in rows if t.case_number == c.number]
    assert t.number == number
    return t.id


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"},
                                              "callbacks": {"attempt_spacing_minutes": 0}}])
async def test_a_call_back_is_a_recorded_outbound_call_and_three_unanswered_close_the_task(
        stack: Stack, sipp: Sipp) -> None:
    desk = stack.callbacks.desk
    user = await agent_user(stack, "cb1", {"support": "senior"}, "1001", ready=True)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port, calls=4)  # the agent takes every call-back call on their phone
    agent = stack.acd.agents[user.id]

    # reached: the customer answers and speaks
    task = await _resolved_task(stack, "13900139000")
    _customer(sipp, "customer_answer.xml", "13900139000")
    t, attempt = await desk.call(user, task)
    uid = attempt.call_uniqueid
    # the SIPp phone may answer before the call returns: the order is proven from the state log below
    assert uid is not None and agent.state in ("ringing", "on_call")
    await wait_for(lambda: agent.state == "on_call", 20, "the agent to take the call-back")
    await wait_for(lambda: (c := stack.tracker.call(uid)) is not None and c.answered_at is not None, 20,
                   "the customer to answer")
    await asyncio.sleep(1.5)
    channel = next(c["Channel"] for c in await stack.ami.core_show_channels() if c.get("Uniqueid") == uid)
    await stack.ami.hangup(channel)
    await wait_for(lambda: stack.tracker.call(uid) is None and agent.state in ("wrapup", "ready"), 15,
                   "the call-back call to end")
    await stack.acd.flush()
    states = [e.state for e in reversed(await stack.acd_repo.state_log(user.id)) if e.call_uniqueid == uid]
    assert states[:2] == ["ringing", "on_call"], states  # ringing while the phone rang, then on the call
    view = await desk.record(user, task, t.version, "reached", "thanks", SURVEY)
    assert (view.task.state, view.task.attempts) == ("reached", 1)
    [a] = view.attempts
    assert (a.call_uniqueid, a.call_outcome, a.outcome) == (uid, "answered", "reached")
    await stack.tracker.flush()
    stored = await stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None and (stored.direction, stored.outcome, stored.agent_username) == (
        "outbound", "answered", "cb1")

    async def recorded() -> bool:
        rec = await stack.recordings.get(uid)
        return rec is not None and rec.status == "ok"

    await wait_for(recorded, 20, "the call-back's recording to be indexed")

    # unreachable: three attempts nobody answers, each counted from its call record
    task = await _resolved_task(stack, "13700137000")
    _customer(sipp, "customer_unanswered.xml", "13700137000", calls=3)
    for n in (1, 2, 3):
        await wait_for(lambda: agent.state not in ("ringing", "on_call"), 15, "the agent to be free")
        t, attempt = await desk.call(user, task)
        uid = attempt.call_uniqueid
        assert uid is not None

        async def counted(uid: str = uid) -> bool:
            await desk.flush()
            return any(a.call_uniqueid == uid and a.outcome is not None for a in await desk.repo.attempts(task))

        await wait_for(counted, 20, f"attempt {n} to be counted")
    view = await desk.view("lead", task)
    assert (view.task.state, view.task.failed_attempts) == ("unreachable", 3)
    assert [(a.call_outcome, a.outcome) for a in view.attempts] == [("no_answer", "no_answer")] * 3
