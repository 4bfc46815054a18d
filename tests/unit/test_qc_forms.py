"""QC forms and evaluations: score computation, the grade bands, input errors, locked scores with versioned
corrections, the agent's acknowledgement/dispute, and who may play a recording."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound
from callcenter.qc.access import Actor
from callcenter.qc.forms import DEFAULT_CRITERIA, grade_of, score, validate_criteria
from tests.unit.test_qc_sampling import Env, open_env

QC1 = Actor("qc1", frozenset({"qc"}))
QC2 = Actor("qc2", frozenset({"qc"}))
LEAD = Actor("lead", frozenset({"supervisor"}))
A1 = Actor("a1", frozenset({"agent"}))
A2 = Actor("a2", frozenset({"agent"}))
ONE = [{"key": "overall", "label_en": "Overall", "label_zh": "总体", "weight": 100, "scale_min": 0,
        "scale_max": 100}]


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    async with open_env(db_url, workdir) as e:
        yield e


def five(*values: float) -> dict[str, float]:
    return dict(zip([c["key"] for c in DEFAULT_CRITERIA], values, strict=True))


def test_score_points_total_and_grade() -> None:
    assert validate_criteria(DEFAULT_CRITERIA) == DEFAULT_CRITERIA
    assert sum(c["weight"] for c in DEFAULT_CRITERIA) == 100 and all(c["label_zh"] for c in DEFAULT_CRITERIA)
    r = score(DEFAULT_CRITERIA, five(10, 9, 8, 7, 6))
    assert r.points == five(20, 18, 16, 14, 12) and r.total == 80.0 and r.grade == "competent"
    r = score(DEFAULT_CRITERIA, five(10, 10, 10, 10, 7.5))
    assert (r.points["unexpected"], r.total, r.grade) == (15.0, 95.0, "excellent")
    assert score(DEFAULT_CRITERIA, five(10, 10, 10, 10, 10)).total == 100.0
    assert (score(DEFAULT_CRITERIA, five(0, 0, 0, 0, 0)).total, grade_of(0)) == (0.0, "not_competent")
    # a scale that does not start at 0: points = weight * (value - min) / (max - min)
    crit = validate_criteria([
        {"key": "a", "label_en": "A", "label_zh": "甲", "weight": 40, "scale_min": 1, "scale_max": 5},
        {"key": "b", "label_en": "B", "label_zh": "乙", "weight": 60, "scale_min": 0, "scale_max": 3}])
    r = score(crit, {"a": 3, "b": 1})
    assert r.points == {"a": 20.0, "b": 20.0} and r.total == 40.0 and r.grade == "not_competent"
    assert score(crit, {"a": 1, "b": 2}).points == {"a": 0.0, "b": 40.0}
    assert score(crit, {"a": 4, "b": 0.5}).total == 40.0 and score(crit, {"a": 5, "b": 3}).total == 100.0
    r = score(crit, {"a": 1, "b": 1.1})  # 60 * 1.1 / 3 = 22.0; points keep 2 decimals, the total 1
    assert r.points == {"a": 0.0, "b": 22.0} and r.total == 22.0


@pytest.mark.parametrize(("value", "grade", "total"), [
    (0, "not_competent", 0.0), (59, "not_competent", 59.0), (59.9, "not_competent", 59.9),
    (59.95, "not_competent", 59.9), (59.99, "not_competent", 59.9), (60, "basic", 60.0), (79, "basic", 79.0),
    (79.99, "basic", 79.9), (80, "competent", 80.0), (89, "competent", 89.0), (89.99, "competent", 89.9),
    (90, "good", 90.0), (94, "good", 94.0), (94.94, "good", 94.9), (94.95, "good", 94.9), (94.96, "good", 94.9),
    (95, "excellent", 95.0), (100, "excellent", 100.0)])
def test_grade_bands(value: float, grade: str, total: float) -> None:
    """A band (95-100, 90-94, 80-89, 60-79, below 60) is reached only when the total is at least its lower bound:
    the grade is of the exact sum, and the total is cut to one decimal so it never shows a band not reached."""
    r = score(ONE, {"overall": value})
    assert (r.grade, r.total) == (grade, total)
    assert grade_of(value) == grade


def test_fractional_total_from_the_default_form_is_not_rounded_into_a_band() -> None:
    # 10, 10, 10, 10, 7.475 of 10 → 20+20+20+20+14.95 = 94.95 points: good, not excellent
    r = score(DEFAULT_CRITERIA, five(10, 10, 10, 10, 7.475))
    assert (r.total, r.grade) == (94.9, "good")
    # 59.95: not competent, not basically competent
    r = score(DEFAULT_CRITERIA, five(10, 10, 0, 0, 9.975))
    assert (r.total, r.grade) == (59.9, "not_competent")
    # sums that are whole in exact arithmetic stay whole despite floating point (0.1 + 0.2 ...)
    r = score(DEFAULT_CRITERIA, five(10, 10, 10, 0.15, 9.85))
    assert (r.total, r.grade) == (80.0, "competent")


def test_default_form_names_the_three_greetings_of_the_seeds() -> None:
    lang = next(c for c in DEFAULT_CRITERIA if c["key"] == "service_language")
    assert lang["label_zh"] == "服务用语（问声、应声、送声）"
    assert lang["label_en"] == "Service language (greeting, response, farewell)"


def test_input_errors_name_the_criterion() -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**five(10, 10, 10, 10, 10), "tone": 11}, "scores.tone", "'tone' must be a number from 0 to 10"),
        ({**five(10, 10, 10, 10, 10), "tone": -1}, "scores.tone", "from 0 to 10"),
        ({**five(10, 10, 10, 10, 10), "tone": True}, "scores.tone", "got True"),
        ({**five(10, 10, 10, 10, 10), "tone": "9"}, "scores.tone", "got '9'"),
        ({k: v for k, v in five(1, 2, 3, 4, 5).items() if k != "attitude"}, "scores.attitude",
         "'attitude' is not scored"),
        ({**five(1, 2, 3, 4, 5), "speed": 3}, "scores", "not on this form: speed"),
    ]
    for scores, field, msg in cases:
        with pytest.raises(InvalidInput, match=msg) as e:
            score(DEFAULT_CRITERIA, scores)
        assert e.value.details["field"] == field
    with pytest.raises(InvalidInput, match="comments has criteria not on this form: x"):
        score(DEFAULT_CRITERIA, five(1, 2, 3, 4, 5), {"x": "?"})


def test_template_checks() -> None:
    def crit(**over: Any) -> list[dict[str, Any]]:
        return [{**DEFAULT_CRITERIA[0], **over}, *DEFAULT_CRITERIA[1:]]

    bad: list[tuple[Any, str]] = [
        (crit(weight=15), "must sum to 100 points; they sum to 95"),
        (crit(weight=30), "they sum to 110"),
        (crit(key="tone"), "'tone' is used twice"),
        (crit(scale_min=10), r"scale_min \(10\) must be below scale_max \(10\)"),
        (crit(scale_max=-1), "must be below scale_max"),
        (crit(label_zh=" "), "label_zh"),
        (crit(weight=0), "positive number"),
        (crit(key="Bad Key"), "lower-case"),
        ([], "non-empty"),
        ("x", "non-empty list"),
    ]
    for criteria, msg in bad:
        with pytest.raises(InvalidInput, match=msg):
            validate_criteria(criteria)


async def _scored_sample(env: Env, uid: str = "c1", agent: str = "a1") -> dict[str, Any]:
    await env.calls({"uid": uid, "agent": agent})
    x = await env.qc.draws.hand_pick(QC1, uid, "complaint follow-up")
    return await env.qc.work_queue.claim(QC1, x["id"])  # type: ignore[no-any-return]


@pytest.mark.db
async def test_locked_versions_and_the_agent_response(env: Env) -> None:
    x = await _scored_sample(env)
    await env.calls({"uid": "c2"})
    other = await env.qc.draws.hand_pick(QC1, "c2", "")
    with pytest.raises(Conflict, match="claim sample"):  # a QC inspector scores only what they claimed
        await env.qc.evaluations.submit(QC2, other["id"], template_id=None, scores=five(1, 1, 1, 1, 1))
    with pytest.raises(Forbidden, match="claimed by qc1"):
        await env.qc.evaluations.submit(QC2, x["id"], template_id=None, scores=five(1, 1, 1, 1, 1))
    with pytest.raises(InvalidInput, match="'service_language' is not scored"):
        await env.qc.evaluations.submit(QC1, x["id"], template_id=None, scores={"tone": 5})
    e = await env.qc.evaluations.submit(QC1, x["id"], template_id=None, scores=five(10, 9, 8, 7, 6),
                            comments={"tone": "flat"}, summary="ok")
    assert (e["status"], e["current_version"], e["total"], e["grade"], e["agent"]) == (
        "submitted", 1, 80.0, "competent", "a1")
    assert (await env.qc.work_queue.sample_detail(x["id"]))["status"] == "scored"
    with pytest.raises(Conflict, match="locked"):
        await env.qc.evaluations.submit(QC1, x["id"], template_id=None, scores=five(10, 10, 10, 10, 10))
    with pytest.raises(Conflict, match="locked"):  # not even a supervisor
        await env.qc.evaluations.submit(LEAD, x["id"], template_id=None, scores=five(10, 10, 10, 10, 10))
    with pytest.raises(InvalidInput, match="reason") as err:
        await env.qc.evaluations.correct(QC1, e["id"], scores=five(10, 10, 8, 7, 6), comments={}, summary="",
                                         reason=" ")
    assert err.value.details["field"] == "reason"
    with pytest.raises(Forbidden):  # another inspector who neither scored nor claimed it
        await env.qc.evaluations.correct(QC2, e["id"], scores=five(10, 10, 8, 7, 6), comments={}, summary="",
                                         reason="x")

    # the agent's side: only the evaluated agent; one response per version
    assert await env.qc.appeals.agent_may_play("a1", "c1") is True
    assert await env.qc.appeals.agent_may_play("a2", "c1") is False
    assert await env.qc.appeals.agent_may_play("a1", "c2") is False  # sampled, not scored
    with pytest.raises(Forbidden, match="only the evaluated agent"):
        await env.qc.appeals.respond(A2, e["id"], "acknowledged")
    with pytest.raises(InvalidInput, match="comment"):
        await env.qc.appeals.respond(A1, e["id"], "disputed", " ")
    with pytest.raises(NotFound):
        await env.qc.appeals.respond(A1, 999, "acknowledged")
    e = await env.qc.appeals.respond(A1, e["id"], "disputed", "the caller hung up on me, not the other way round")
    assert (e["status"], e["agent_response"]) == ("disputed", "disputed")
    x2 = await env.qc.work_queue.sample_detail(x["id"])
    assert x2["status"] == "disputed" and x2["assignee"] is None  # back in the queue for any inspector
    with pytest.raises(Conflict, match="already disputed"):
        await env.qc.appeals.respond(A1, e["id"], "acknowledged")
    # the correction: a new version with a reason; the first one is kept
    env.clock.advance(3600)
    e = await env.qc.evaluations.correct(QC1, e["id"], scores=five(10, 10, 8, 7, 6), comments={"tone": "fine"},
                             summary="re-listened", reason="agent's dispute upheld on attitude")
    assert (e["status"], e["current_version"], e["total"], e["agent_response"]) == ("corrected", 2, 82.0, None)
    assert [(v["version"], v["total"], v["reason"], v["agent_response"], v["comments"]) for v in e["versions"]] == [
        (1, 80.0, "", "disputed", {"tone": "flat"}), (2, 82.0, "agent's dispute upheld on attitude", None,
                                                      {"tone": "fine"})]
    assert (await env.qc.work_queue.sample_detail(x["id"]))["status"] == "scored"
    e = await env.qc.appeals.respond(A1, e["id"], "acknowledged", "")
    assert (e["status"], e["agent_response"]) == ("acknowledged", "acknowledged")
    with pytest.raises(Conflict, match="version 2 of evaluation .* already acknowledged"):
        await env.qc.appeals.respond(A1, e["id"], "acknowledged")
    with pytest.raises(Conflict, match="already acknowledged"):
        await env.qc.appeals.respond(A1, e["id"], "disputed", "changed my mind")
    # a supervisor corrects again: the agent may answer the new version
    e = await env.qc.evaluations.correct(LEAD, e["id"], scores=five(10, 10, 10, 7, 6), comments={}, summary="",
                             reason="calibration meeting")
    assert (e["current_version"], e["status"], e["total"]) == (3, "corrected", 86.0)
    e = await env.qc.appeals.respond(A1, e["id"], "disputed", "still low on summarising")
    assert [v["agent_response"] for v in e["versions"]] == ["disputed", "acknowledged", "disputed"]
    mine = await env.qc.appeals.mine(A1)
    assert [(m["id"], m["total"], m["call_uniqueid"], m["status"]) for m in mine] == [
        (e["id"], 86.0, "c1", "disputed")]
    assert await env.qc.appeals.mine(A2) == []
    actions = [(a.username, a.detail.get("version")) for a in await env.audit("qc.correct")]
    assert actions == [("qc1", 2), ("lead", 3)]
    assert [a.username for a in await env.audit("qc.dispute")] == ["a1", "a1"]
    assert [a.username for a in await env.audit("qc.acknowledge")] == ["a1"]
    assert [a.target for a in await env.audit("qc.submit")] == [f"qc_evaluation:{e['id']}"]


@pytest.mark.db
async def test_a_supervisor_scores_without_claiming_with_a_chosen_form(env: Env) -> None:
    await env.calls({"uid": "c1"})
    x = await env.qc.draws.hand_pick(LEAD, "c1", "")
    t = await env.qc.forms.create_template(Actor("boss", frozenset({"admin"})), "short", ONE)
    with pytest.raises(Forbidden):
        await env.qc.forms.create_template(LEAD, "short", ONE)  # forms: qc or admin
    e = await env.qc.evaluations.submit(LEAD, x["id"], template_id=t["id"], scores={"overall": 59.5})
    assert (e["template_id"], e["total"], e["grade"]) == (t["id"], 59.5, "not_competent")
    detail = await env.qc.work_queue.sample_detail(x["id"])
    assert detail["assignee"] == "lead" and detail["template"]["id"] == t["id"]
