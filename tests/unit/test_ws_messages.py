"""The websocket contract (issue 13, typed edges): the models of every message on /ws/agent and /ws/board
(callcenter/realtime/messages.py) and their published JSON schema (docs/ws-messages.schema.json).

That the service's real messages match the models is checked for every unit test by tests/unit/conftest.py (each
message published through the hub is validated in its wire form); here: the schema file is the models' current
schema, and the check refuses what it must."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.realtime import messages
from tests.unit.conftest import wire_problem

NOW = "2026-03-02 01:00:00.123456+00:00"  # how the hub writes a time (json.dumps default=str)


def test_the_schema_file_is_the_models_schema() -> None:
    committed = messages.SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == messages.schema_text(), \
        "docs/ws-messages.schema.json is out of date: run python -m callcenter.realtime.messages"
    doc = json.loads(committed)
    defs = doc["$defs"]
    agent_types = set(defs["AgentSocketMessage"]["discriminator"]["mapping"])
    board_types = set(defs["BoardSocketMessage"]["discriminator"]["mapping"])
    assert agent_types == {"hello", "state", "pop", "pop_phase", "pop_cleared", "discipline", "notice",
                           "notice_published", "notice_withdrawn", "pong"}
    assert board_types == {"snapshot", "delta", "point", "notice", "pong"}
    assert defs["ClientText"]["const"] == "ping"


def test_the_schema_command_tells_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "ws-messages.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(messages, "SCHEMA_FILE", stale)
    assert messages.main(["--check"]) == 1
    assert messages.main([]) == 0
    assert messages.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == messages.schema_text()


def test_the_check_takes_the_wire_form_and_refuses_what_is_off_the_models() -> None:
    assert wire_problem("agent:li", {"type": "pong"}) is None
    assert wire_problem("board", '{"type": "pong"}') is None  # a message serialised already (the snapshot)
    cleared = {"type": "pop_cleared", "call_uniqueid": "c1", "why": "not_answered"}
    assert wire_problem("agent:li", cleared) is None
    assert wire_problem("board", cleared) is not None  # an agent's message on the board's socket
    assert wire_problem("agent:li", {"type": "pop_cleared", "call_uniqueid": "c1"}) is not None  # no why
    assert wire_problem("agent:li", {"type": "surprise"}) is not None
    assert wire_problem("queue:support", {"type": "pong"}) is not None  # a topic nobody described
    notice = {"type": "notice", "action": "board.pause", "by": "lead1", "agent": "li", "text": "paused", "at": NOW}
    assert wire_problem("board", notice) is None
    assert wire_problem("board", {**notice, "request_id": 3, "action": "seat.leave_approve"}) is None
    assert wire_problem("agent:li", notice) is not None  # the agent's notice carries a note
    lapsed = {"type": "discipline", "kind": "leave_lapsed", "text": "lapsed", "at": NOW}
    assert wire_problem("agent:li", lapsed) is not None  # no request
    assert wire_problem("board", {"type": "delta", "at": NOW, "src": None, "agents_gone": ["li"]}) is None
    assert wire_problem("board", {"type": "delta", "at": NOW, "src": [1.5]}) is not None  # src is a pair
    # a key a delta leaves out is never null: the models would take the null, the published schema does not
    why = wire_problem("board", {"type": "delta", "at": NOW, "src": None, "totals": None})
    assert why is not None and "not as the JSON schema says" in why
