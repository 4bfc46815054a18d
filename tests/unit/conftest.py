"""The unit tier's check of the websocket contract: every message a test makes the service send through the hub
(``Hub.publish`` to a topic, ``Hub.send_one`` to one client) must validate against its socket's models in
:mod:`callcenter.realtime.messages` and against their JSON schema (what docs/ws-messages.schema.json publishes),
in the wire form the hub writes (``json.dumps(..., default=str)``). The messages are checked whether or not a
client is listening, and a test fails at teardown naming each message that did not validate.

A test whose service is fed a partial fake (a customer record with two fields) says so with
``@pytest.mark.ws_unchecked("why")`` (registered in pyproject.toml, since other tiers import such test modules):
its messages are not the service's real ones."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs  # schemathesis' JSON schema validator
import pytest
from pydantic import TypeAdapter, ValidationError

from callcenter.realtime.hub import Client, Hub
from callcenter.realtime.messages import AGENT_MESSAGES, BOARD_MESSAGES, CASES_MESSAGES, json_schema
from callcenter.realtime.notify import BOARD_TOPIC, CASES_TOPIC_PREFIX, agent_topic

AGENT_PREFIX = agent_topic("")
_SCHEMA = json_schema()  # the schema docs/ws-messages.schema.json holds (test_ws_messages: the file is current)


def _schema_of(name: str) -> Any:
    return jsonschema_rs.validator_for({"$schema": _SCHEMA["$schema"], "$defs": _SCHEMA["$defs"],
                                        "$ref": f"#/$defs/{name}"})


SOCKETS = {"board": (BOARD_MESSAGES, _schema_of("BoardSocketMessage")),
           "agent": (AGENT_MESSAGES, _schema_of("AgentSocketMessage")),
           "cases": (CASES_MESSAGES, _schema_of("CasesSocketMessage"))}


def socket_of(topic: str) -> tuple[TypeAdapter[Any], Any] | None:
    if topic == BOARD_TOPIC:
        return SOCKETS["board"]
    if topic.startswith(AGENT_PREFIX):
        return SOCKETS["agent"]
    if topic.startswith(CASES_TOPIC_PREFIX):
        return SOCKETS["cases"]
    return None


def wire_problem(topic: str, message: dict[str, Any] | str) -> str | None:
    """Why ``message`` sent on ``topic`` is not one of its socket's messages (None when it is): checked against
    the models and against their published JSON schema."""
    text = message if isinstance(message, str) else json.dumps(message, default=str, ensure_ascii=False)
    socket = socket_of(topic)
    if socket is None:
        return f"topic {topic!r} has no message models (callcenter/realtime/messages.py)"
    models, schema = socket
    try:
        models.validate_json(text)
    except ValidationError as e:
        return f"{topic}: {text[:300]}\n{e}"
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in schema.iter_errors(json.loads(text))]
    if errors:
        return f"{topic}: {text[:300]}\nnot as the JSON schema says: " + "; ".join(errors[:5])
    return None


@pytest.fixture(autouse=True)
def _websocket_messages_validate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                                 ) -> Iterator[list[str]]:
    problems: list[str] = []
    if request.node.get_closest_marker("ws_unchecked") is not None:
        yield problems
        return
    publish, send_one = Hub.publish, Hub.send_one

    def checked_publish(self: Hub, topic: str, message: dict[str, Any]) -> int:
        if (why := wire_problem(topic, message)) is not None:
            problems.append(why)
        return publish(self, topic, message)

    def checked_send_one(c: Client, message: dict[str, Any] | str) -> None:
        for topic in c.topics:
            if (why := wire_problem(topic, message)) is not None:
                problems.append(why)
        send_one(c, message)

    monkeypatch.setattr(Hub, "publish", checked_publish)
    monkeypatch.setattr(Hub, "send_one", staticmethod(checked_send_one))
    yield problems
    assert not problems, f"{len(problems)} websocket message(s) not as callcenter/realtime/messages.py says:\n" + \
        "\n\n".join(problems)
