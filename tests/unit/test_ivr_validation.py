"""Publish-time validation of IVR flows: each rule refuses with the node named."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from callcenter.ivr.flowdef import FlowDef, Schedule
from callcenter.ivr.validation import parse_flow, validate
from callcenter.outside_numbers import OutsideUse

CJK = re.compile(r"[\u4e00-\u9fff]")
QUEUES = {"consultation", "business", "complaints", "support"}
KNOWN_PROMPTS = {("welcome", "en"), ("main-menu", "en"), ("invalid", "en"), ("vm-intro", "en"),
                 ("welcome", "zh"), ("main-menu", "zh"), ("invalid", "zh"), ("vm-intro", "zh")}


def exists(name: str, lang: str) -> bool:
    return (name, lang) in KNOWN_PROMPTS


GOOD: dict[str, Any] = {
    "start": "hours",
    "nodes": {
        "hours": {"kind": "hours", "schedule": {"weekly": {"mon": ["08:30-17:30"]}}, "open": "welcome",
                  "closed": "vm"},
        "welcome": {"kind": "play", "prompt": "welcome", "next": "main"},
        "main": {"kind": "menu", "prompt": "main-menu", "default": "human",
                 "options": [{"digit": "1", "target": "consult"}, {"digit": "2", "target": "business"},
                             {"digit": "9", "target": "main"}, {"digit": "0", "target": "human"}]},
        "consult": {"kind": "queue", "queue": "consultation"},
        "business": {"kind": "queue", "queue": "business", "fallback": "vm"},
        "human": {"kind": "queue", "queue": "support", "priority": 5},
        "vm": {"kind": "voicemail"},
    },
}


def check(doc: dict[str, Any]) -> list[tuple[str | None, str]]:
    problems = validate(doc, queues=QUEUES, prompt_exists=exists)
    if not parse_flow(doc)[1]:  # the flow checks (not pydantic's shape errors) say each problem in Chinese too
        for p in problems:
            assert CJK.search(p.as_dict()["messages"]["zh-CN"]), p
    return [(p.node, p.message) for p in problems]


def edited(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[k]
        if value is None:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return doc


def test_good_flow_has_no_problems() -> None:
    assert check(GOOD) == []


def test_missing_target() -> None:
    doc = edited(nodes__main__options=[{"digit": "1", "target": "nowhere"}])
    assert (("main", "option 1 leads to 'nowhere', which does not exist")) in check(doc)


def test_missing_start() -> None:
    assert (None, "start node 'nope' does not exist") in check(edited(start="nope"))


def test_duplicate_digit() -> None:
    doc = edited(nodes__main__options=[{"digit": "1", "target": "consult"}, {"digit": "1", "target": "human"}])
    assert ("main", "digit(s) 1 used for more than one option") in check(doc)


def test_bad_digit_names_the_node() -> None:
    doc = edited(nodes__main__options=[{"digit": "12", "target": "consult"}])
    [(node, msg)] = check(doc)
    assert node == "main" and "must be one DTMF digit" in msg


def test_loop_without_exit() -> None:
    doc = edited(nodes__a={"kind": "play", "prompt": "welcome", "next": "b"},
                 nodes__b={"kind": "play", "prompt": "welcome", "next": "a"},
                 nodes__main__options=[{"digit": "1", "target": "consult"}, {"digit": "3", "target": "a"}])
    problems = check(doc)
    assert ("main", "option 3 leads to 'a', from which no path reaches an exit") in problems
    assert any(n == "a" and "loop forever" in m for n, m in problems)
    assert any(n == "b" and "loop forever" in m for n, m in problems)


def test_closed_branch_looping_is_refused_even_if_open_branch_exits() -> None:
    doc = edited(nodes__hours__closed="again", nodes__again={"kind": "play", "prompt": "welcome", "next": "hours"})
    problems = check(doc)
    assert any(n == "hours" and "loop forever" in m for n, m in problems), problems
    assert any(n == "again" and "loop forever" in m for n, m in problems), problems


def test_menu_whose_every_way_out_loops_is_refused() -> None:
    doc = edited(nodes__main__options=[{"digit": "9", "target": "main"}], nodes__main__default="welcome")
    assert any(n == "main" and "loop forever" in m for n, m in check(doc))


def test_unknown_queue() -> None:
    doc = edited(nodes__consult__queue="sales")
    [(node, msg)] = check(doc)
    assert node == "consult" and "queue 'sales' does not exist" in msg


def test_prompt_missing_in_a_language_the_flow_uses() -> None:
    doc = edited(nodes__lang={"kind": "language", "language": "zh", "next": "welcome"}, start="lang",
                 nodes__welcome__prompt="only-english")
    KNOWN_PROMPTS.add(("only-english", "en"))
    try:
        assert ("welcome", "prompt 'only-english' is missing in language(s): zh") in check(doc)
    finally:
        KNOWN_PROMPTS.discard(("only-english", "en"))


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ({"weekly": {"mon": ["8:30-17:30"]}}, "must look like 08:30-17:30"),
        ({"weekly": {"monday": ["08:30-17:30"]}}, "unknown weekday 'monday'"),
        ({"weekly": {"mon": ["18:00-08:00"]}}, "end must be after start"),
        ({"timezone": "Mars/Base", "weekly": {}}, "unknown timezone"),
        ({"holidays": ["2026-13-01"]}, "holidays"),
    ],
)
def test_schedule_must_parse(schedule: dict[str, Any], fragment: str) -> None:
    problems = check(edited(nodes__hours__schedule=schedule))
    assert problems and all(n == "hours" for n, _ in problems)
    assert any(fragment in m for _, m in problems), problems


def test_all_problems_are_reported_at_once() -> None:
    doc = edited(nodes__consult__queue="sales", nodes__business__fallback="ghost", start="hours")
    nodes = {n for n, _ in check(doc)}
    assert {"consult", "business"} <= nodes


def test_schedule_open_and_closed() -> None:
    s = Schedule(timezone="Asia/Shanghai", weekly={"mon": ["08:30-17:30"], "sat": ["00:00-24:00"]},
                 holidays=["2026-11-30"])  # type: ignore[list-item]
    assert s.is_open(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # Mon 08:30 Beijing
    assert not s.is_open(datetime(2026, 11, 23, 0, 29, tzinfo=UTC))  # Mon 08:29
    assert not s.is_open(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # Mon 17:30 (end excluded)
    assert s.is_open(datetime(2026, 11, 28, 15, 59, tzinfo=UTC))  # Sat 23:59
    assert not s.is_open(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # holiday Monday
    assert not s.is_open(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday: closed all day


def test_flowdef_round_trip() -> None:
    flow = FlowDef.model_validate(GOOD)
    assert FlowDef.model_validate(flow.model_dump(mode="json")) == flow


# ---- transfer nodes: a seat, or an outside number allowed for the IVR (issue 15, part 7) --------------------------

DUTY = OutsideUse(allowed=["138XXXXXXXX", "01012345678"], caller_id="4009")


def _transfer(**node: Any) -> dict[str, Any]:
    return edited(nodes__vm={"kind": "transfer", **node})


def _problems(doc: dict[str, Any], outside: OutsideUse | None) -> list[dict[str, Any]]:
    return [p.as_dict() for p in validate(doc, queues=QUEUES, prompt_exists=exists, outside=outside)]


@pytest.mark.parametrize("target", ["13812345678", "01012345678"])
def test_a_transfer_node_to_an_allowed_outside_number_is_publishable(target: str) -> None:
    assert _problems(_transfer(target_type="outside", target=target), DUTY) == []


@pytest.mark.parametrize(("target", "outside"), [
    ("13912345678", DUTY),  # matches no entry
    ("1381234567", DUTY),  # one digit short of the pattern
    ("13812345678", None),  # nothing allowed (the default)
    ("13812345678", OutsideUse()),
])
def test_a_transfer_node_to_an_outside_number_not_allowed_is_refused_naming_the_node(
        target: str, outside: OutsideUse | None) -> None:
    [p] = _problems(_transfer(target_type="outside", target=target, label="Duty mobile"), outside)
    assert p["node"] == "vm"
    assert p["message"].startswith(f"outside number {target} is not allowed for the IVR")
    assert "outside_numbers.ivr" in p["message"]
    allowed = ", ".join(outside.allowed) if outside is not None and outside.allowed else "none"
    assert f"(allowed: {allowed};" in p["message"]
    assert p["messages"]["zh-CN"].startswith(f"外部号码 {target} 不允许由 IVR 转接")


def test_an_outside_number_is_digits_as_dialled() -> None:
    [p] = _problems(_transfer(target_type="outside", target="+8613812345678"), OutsideUse(
        allowed=["8613812345678"], caller_id="1"))
    assert p["node"] == "vm" and "must be 3-20 digits as dialled on the trunk (no +)" in p["message"]
    [p] = _problems(_transfer(target_type="outside", target="12"), DUTY)
    assert "must be 3-20 digits" in p["message"]


def test_an_extension_transfer_goes_to_a_seat_number() -> None:
    """The dialplan transfers a seat (Local/<2-16 digits>@agents); a longer or + number never rang anyone."""
    assert _problems(_transfer(target="1001"), None) == []
    assert _problems(_transfer(target_type="extension", target="1" * 16), None) == []
    for target in ("+8613812345678", "1" * 17):
        [p] = _problems(_transfer(target=target), DUTY)
        assert p["node"] == "vm" and "is not a seat number (2-16 digits)" in p["message"], p
        assert "外部号码" in p["messages"]["zh-CN"]


def test_a_transfer_node_has_only_the_two_target_types() -> None:
    [p] = _problems(_transfer(target_type="mobile", target="13812345678"), DUTY)
    assert p["node"] == "vm" and "target_type" in p["message"]
