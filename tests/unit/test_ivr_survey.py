"""The post-call survey in the IVR (issue 16, "1."; callcenter/surveys/ivr.py, docs/survey.md) with a scripted
caller on the FastAGI ``survey``, on both databases: the four questions after the agent hung up, each answer
stored as it is pressed (a hang-up leaves a partial survey, silence an empty one), a wrong key asked again, only a
call an agent answered is asked and only once; the results in the agent's month with their channel; the IVR
hands the queue's callers over with CC_SURVEY; a flow sending callers to such a queue needs the survey's prompts in
each of its languages to be published."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.app import Stack
from callcenter.asterisk.errors import AgiHangup
from callcenter.calls.service import CallState
from callcenter.clock import FakeClock
from callcenter.ivr.flowdef import QueueNode
from callcenter.surveys.ivr import SURVEY_PROMPTS
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 30, 15, 50, tzinfo=UTC)  # 23:50 on the 30th in Shanghai: the answer's month is November
QUESTIONS = ["cc-survey-attitude", "cc-survey-skill", "cc-survey-timeliness", "cc-survey-promises"]


class Caller:
    """A caller on the FastAGI ``survey``: ``keys`` = what they press at each prompt, in order ('' = nothing,
    'hangup' = they hang up there). Records the prompts played and the commands run."""

    def __init__(self, uid: str, keys: list[str], lang: str = "zh") -> None:
        self.env = {"agi_uniqueid": uid}
        self.keys = list(keys)
        self.played: list[str] = []
        self.set: dict[str, str] = {}
        self.execs: list[str] = []
        self.lang = lang

    @property
    def uniqueid(self) -> str:
        return self.env["agi_uniqueid"]

    async def get_variable(self, name: str) -> str | None:
        return self.lang if name == "CHANNEL(language)" else None

    async def set_variable(self, name: str, value: str) -> None:
        self.set[name] = value

    async def exec(self, application: str, args: str = "") -> str:
        self.execs.append(application)
        return "0"

    def _key(self) -> str:
        key = self.keys.pop(0) if self.keys else ""
        if key == "hangup":
            raise AgiHangup("the caller hung up")
        return key

    async def stream_file(self, name: str, escape_digits: str = "") -> str:
        self.played.append(name)
        return self._key() if escape_digits else ""

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        self.played.append(prompt)
        return self._key()

    def said(self) -> list[str]:
        return [p.rsplit("/", 1)[-1] for p in self.played]


class Env:
    def __init__(self, stack: Stack, clock: FakeClock) -> None:
        self.stack = stack
        self.clock = clock

    def call(self, uid: str, *, answered: bool = True, queue: str | None = "support") -> CallState:
        """A call of ``queue`` that agent li at 1001 answered (or not)."""
        st = CallState(uniqueid=uid, linkedid=uid, caller_number="13800138000", arrived_at=self.clock.now(),
                       queue=queue, queued_at=self.clock.now())
        if answered:
            st.answered_at = self.clock.now() + timedelta(seconds=5)
            st.agent_extension, st.agent_interface, st.agent_name = "1001", "PJSIP/1001", "Li"
        self.stack.tracker.active[uid] = st
        return st

    async def ask(self, uid: str, keys: list[str], lang: str = "zh") -> Caller:
        caller = Caller(uid, keys, lang)
        await self.stack.ivr_survey.agi(caller)  # type: ignore[arg-type]
        return caller

    async def surveys(self, uid: str) -> list[dict[str, Any]]:
        rows = await self.stack.surveys.repo.of_month("2026-11")
        return [{"channel": r.channel, "agent": r.agent_username, "taken_by": r.taken_by,
                 "points": (r.attitude, r.skill, r.timeliness, r.promises)} for r in rows if r.call_uniqueid == uid]


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, _ = await wired_stack(db_url, workdir, clock, surveys={"ivr": {"enabled": True, "queues": ["support"]}})
    li = await stack.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await stack.directory_repo.set_skill(li.id, "support", "senior")
    await stack.acd.login(li, "1001")
    try:
        yield Env(stack, clock)
    finally:
        await close_wired(stack)
        await stack.engine.dispose()


async def test_after_the_agent_hangs_up_the_caller_rates_four_points(env: Env) -> None:
    await env.stack.ivr_survey.seed_prompts(env.stack.prompts.custom_dir)
    env.call("c1")
    caller = await env.ask("c1", ["", "1", "2", "3", "4"])
    assert caller.said() == ["cc-survey-intro", *QUESTIONS, "cc-survey-thanks"]
    assert all("/zh/" in p for p in caller.played)
    assert caller.set == {"CC_SURVEYED": "1"} and caller.execs == ["StopMixMonitor"]
    # rated for the agent logged in at the seat that answered, in the month of the answer (the centre's)
    assert await env.surveys("c1") == [{"channel": "ivr", "agent": "li", "taken_by": "ivr", "points": (1, 2, 3, 4)}]
    [month] = await env.stack.surveys.monthly("lead", "2026-11", "li")
    assert (month.surveys, month.complete, month.by_channel) == (1, 1, {"ivr": 1})
    assert month.points["promises"].levels[4] == 1 and month.poor == 1


async def test_a_wrong_key_asks_again_silence_leaves_the_point_and_a_key_during_the_words_answers(
        env: Env) -> None:
    await env.stack.ivr_survey.seed_prompts(env.stack.prompts.custom_dir)
    env.call("c2")
    # a key during the greeting answers the first question; 9 is asked again; silence twice: unanswered
    caller = await env.ask("c2", ["2", "9", "1", "", "", "3"], lang="en")
    assert caller.said() == ["cc-survey-intro", "cc-survey-skill", "cc-survey-invalid", "cc-survey-skill",
                             "cc-survey-timeliness", "cc-survey-timeliness", "cc-survey-promises",
                             "cc-survey-thanks"]
    assert all("/en/" in p for p in caller.played)
    assert (await env.surveys("c2"))[0]["points"] == (2, 1, None, 3)
    [month] = await env.stack.surveys.monthly("lead", "2026-11", "li")
    assert (month.surveys, month.complete) == (1, 0)


async def test_a_caller_who_hangs_up_leaves_a_partial_survey_and_one_who_says_nothing_an_empty_one(
        env: Env) -> None:
    env.call("c3")
    await env.ask("c3", ["", "1", "2", "hangup"])
    assert (await env.surveys("c3"))[0]["points"] == (1, 2, None, None)
    env.call("c4")
    caller = await env.ask("c4", [])
    assert caller.said()[-1] == "cc-survey-thanks"
    assert (await env.surveys("c4"))[0]["points"] == (None, None, None, None)  # recorded as such
    [month] = await env.stack.surveys.monthly("lead", "2026-11", "li")
    assert (month.surveys, month.complete, month.points["attitude"].answered) == (2, 0, 1)


async def test_only_a_call_an_agent_answered_is_asked_and_only_once(env: Env) -> None:
    env.call("c5", answered=False)  # the queue timed out: the caller goes on in the flow
    caller = await env.ask("c5", ["1"])
    assert (caller.set, caller.played, caller.execs) == ({"CC_SURVEYED": "0"}, [], [])
    caller = await env.ask("unknown", ["1"])
    assert caller.set == {"CC_SURVEYED": "0"}
    env.call("c6")
    await env.ask("c6", ["1", "1", "1", "1"])
    again = await env.ask("c6", ["4", "4", "4", "4"])  # sent to the survey a second time
    assert (again.set, again.played) == ({"CC_SURVEYED": "1"}, [])
    assert [s["points"] for s in await env.surveys("c6")] == [(1, 1, 1, 1)]
    assert await env.surveys("c5") == []


async def test_a_call_ended_in_the_tracker_is_read_from_its_record(env: Env) -> None:
    """The caller's record may already be stored and out of the tracker's live calls (e.g. a restart): the survey
    reads the stored call."""
    st = env.call("c7")
    await env.stack.tracker._save(st)  # noqa: SLF001 - stored as the write-behind stores it
    await env.stack.tracker.writer.flush()
    del env.stack.tracker.active["c7"]
    await env.ask("c7", ["3", "3", "3", "3"])
    assert (await env.surveys("c7"))[0]["points"] == (3, 3, 3, 3)


async def test_the_ivr_hands_a_survey_queues_callers_over_with_cc_survey(env: Env) -> None:
    class Channel:
        def __init__(self) -> None:
            self.env = {"agi_uniqueid": "c8"}
            self.set: dict[str, str] = {}

        @property
        def uniqueid(self) -> str:
            return "c8"

        async def set_variable(self, name: str, value: str) -> None:
            self.set[name] = value

    engine = env.stack.ivr_engine
    for queue, expected in (("support", "1"), ("complaints", "")):
        ch = Channel()
        await engine._to_queue(ch, QueueNode(kind="queue", queue=queue), "q")  # type: ignore[arg-type]  # noqa: SLF001
        assert (ch.set["CC_QUEUE"], ch.set["CC_SURVEY"]) == (queue, expected)


async def test_a_flow_to_a_survey_queue_needs_the_survey_prompts_in_each_of_its_languages(env: Env) -> None:
    prompts = env.stack.prompts.custom_dir
    for lang in ("zh", "en"):
        (prompts / lang).mkdir(parents=True, exist_ok=True)
        (prompts / lang / "welcome.wav").write_bytes(b"RIFF")
    flow = {"start": "lang", "language": "zh", "nodes": {
        "lang": {"kind": "language", "language": "en", "next": "q"},
        "q": {"kind": "queue", "queue": "support"},
    }}
    names = [p.message for p in env.stack.ivr.check(flow)]
    assert any("cc-survey-attitude" in m and "en, zh" in m for m in names), names
    assert await env.stack.ivr_survey.seed_prompts(prompts)  # spoken by the shipped TTS (or tones without it)
    assert [p.message for p in env.stack.ivr.check(flow)] == []
    (prompts / "en" / "cc-survey-thanks.wav").unlink()
    [problem] = env.stack.ivr.check(flow)
    assert problem.node == "q" and "cc-survey-thanks" in problem.message and "en" in problem.message
    # a queue that does not ask it needs none of them
    flow["nodes"]["q"]["queue"] = "complaints"
    assert env.stack.ivr.check(flow) == []
    assert set(SURVEY_PROMPTS) >= set(QUESTIONS)


async def test_the_talk_time_ends_with_the_agents_leg_when_the_caller_stays_for_the_survey(env: Env) -> None:
    """With app_queue's c option the caller stays on after the agent hangs up, and AgentComplete (reason caller)
    comes only when the caller leaves, its TalkTime running to then: the call's talk time is the conversation's."""
    from callcenter.asterisk.ami import AmiEvent

    dispatch = env.stack.ami.dispatcher.dispatch
    caller = {"Uniqueid": "s1", "Linkedid": "s1", "Channel": "PJSIP/trunk-00000001", "Context": "from-trunk",
              "CallerIDNum": "13800138000", "Exten": "4000"}
    agent = {**caller, "Interface": "PJSIP/1001", "Queue": "support", "MemberName": "Li",
             "DestChannel": "PJSIP/1001-00000002"}

    async def at(seconds: float, fields: dict[str, str]) -> None:
        env.clock.set(T0 + timedelta(seconds=seconds))
        await dispatch(AmiEvent({**fields, "Timestamp": str(env.clock.now().timestamp())}))

    await at(0, {**caller, "Event": "Newchannel"})
    await at(1, {**caller, "Event": "QueueCallerJoin", "Queue": "support", "Position": "1"})
    await at(3, {**agent, "Event": "AgentCalled"})
    await at(5, {**agent, "Event": "AgentConnect", "HoldTime": "4"})
    await at(35, {"Event": "Hangup", "Uniqueid": "s2", "Linkedid": "s1", "Channel": "PJSIP/1001-00000002",
                  "Cause": "16"})
    await at(60, {**agent, "Event": "AgentComplete", "HoldTime": "4", "TalkTime": "55", "Reason": "caller"})
    await at(60, {**caller, "Event": "Hangup", "Cause": "16"})
    await env.stack.tracker.writer.flush()
    c = await env.stack.calls_repo.get_by_uniqueid("s1")
    assert c is not None and (c.outcome, c.talk_seconds) == ("answered", 30.0)
    assert c.ended_at == T0 + timedelta(seconds=60)


async def test_the_customers_history_shows_the_ratings_to_leads_not_to_the_agent(env: Env) -> None:
    import httpx

    from callcenter.app import create_app
    from tests.helpers import bearer

    stack = env.stack
    customer = await stack.customers.create("Wang", ["13800138000"])
    st = env.call("c9")
    await stack.tracker._save(st)  # noqa: SLF001 - stored as the write-behind stores it
    await stack.tracker.writer.flush()
    await env.ask("c9", ["1", "2", "2", "3"])
    a = stack.acd.by_ext["1001"]  # li is on that call: she may open the caller's record
    a.call_uniqueid = "c9"
    await stack.acd.states.set(a, "on_call", source="test")
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        url = f"/api/customers/{customer.id}/history"
        lead = await client.get(url, headers=await bearer(stack, ("supervisor",), "lead"))
        assert lead.status_code == 200, lead.text
        [rating] = lead.json()["ratings"]
        assert (rating["call_uniqueid"], rating["channel"], rating["agent_username"], rating["attitude"],
                rating["promises"]) == ("c9", "ivr", "li", 1, 3)
        li, _ = await stack.auth.login("li", "test-password-1", "test")
        agent = await client.get(url, headers={"Authorization": f"Bearer {li}"})
        assert agent.status_code == 200, agent.text
        assert agent.json()["ratings"] is None and [c["uniqueid"] for c in agent.json()["recent_calls"]] == ["c9"]


async def test_the_agent_sends_the_caller_to_the_survey_by_a_blind_transfer(env: Env) -> None:
    """The caller is redirected to [cc-survey] transfer (the questions, then hang-up); attended is refused, and so
    is the transfer when the survey is off."""
    import httpx

    from callcenter.app import create_app
    from callcenter.asterisk.events import AgentCalled, AgentConnect

    stack = env.stack
    ev = {"Interface": "PJSIP/1001", "Uniqueid": "t1", "Queue": "support", "DestChannel": "PJSIP/1001-0001"}
    a = stack.acd.by_ext["1001"]
    await stack.acd.ready(await stack.auth.repo.user_named("li"))  # type: ignore[arg-type]
    await stack.acd.reactions.on_agent_called(AgentCalled.parse(ev))
    await stack.acd.reactions.on_agent_connect(AgentConnect.parse(ev))
    assert a.state == "on_call"
    st = env.call("t1")
    st.channel = "PJSIP/trunk-0000000c"
    stack.ami.take()  # type: ignore[attr-defined]
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    li, _ = await stack.auth.login("li", "test-password-1", "test")
    h = {"Authorization": f"Bearer {li}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.post("/api/agent/transfer", headers=h, json={"target_type": "survey", "mode": "attended"})
        assert r.status_code == 400 and r.json()["code"] == "acd.survey_transfer_blind", r.text
        r = await client.post("/api/agent/transfer", headers=h, json={"target_type": "survey"})
        assert r.status_code == 200, r.text
        assert stack.ami.take() == [  # type: ignore[attr-defined]
            ("redirect", {"args": ("PJSIP/trunk-0000000c", "cc-survey", "transfer")})]
        stack.settings.surveys.ivr.enabled = False
        r = await client.post("/api/agent/transfer", headers=h, json={"target_type": "survey"})
        assert r.status_code == 409 and r.json()["code"] == "acd.survey_off", r.text
        assert r.json()["messages"]["zh-CN"]
        assert stack.ami.take() == []  # type: ignore[attr-defined]
