"""The websocket messages, typed: what the service sends on ``/ws/agent`` and ``/ws/board`` (one union per socket,
told apart by ``type``) and what a client may send (the text ``ping``).

The services send them through one typed notifier per topic (:mod:`callcenter.realtime.notify`: one method per
kind below), which hands a dict to the hub; the hub writes it with ``json.dumps(..., default=str)``
(:mod:`callcenter.realtime.hub`). The models describe that wire form as it is, they do not build it (a pydantic
model per message would cost the hot path). So a time
is ``str()`` of an aware UTC datetime, ``2026-03-02 01:00:00.123456+00:00`` (ISO 8601 with a space, fraction only
when there is one), not the REST answers' ``T`` form. The unit tests validate every message the hub publishes
against these models (``tests/unit/conftest.py``), and ``docs/ws-messages.schema.json`` is their JSON schema,
written by ``python -m callcenter.realtime.messages`` (``--check`` tells whether the file is current).

The parts shared with REST answers are the REST models: the agent and the screen pop (:mod:`callcenter.acd.schemas`),
the board's rows (:mod:`callcenter.wallboard.schemas`), leave-seat requests and away episodes
(:mod:`callcenter.seat.schemas`). Prose: docs/agent-desktop.md, docs/wallboard.md, docs/seat-discipline.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter
from pydantic.json_schema import SkipJsonSchema

from callcenter.acd.schemas import AgentOut, DeskStateOut, ScreenPopOut
from callcenter.cases.schemas import CaseOut, ClockName
from callcenter.notices.schemas import NoticeOut
from callcenter.schema_types import AsIsDateTime
from callcenter.seat.schemas import EpisodeOut, LeaveRequestOut
from callcenter.wallboard.schemas import (
    AlertOut,
    BoardAgentOut,
    CampaignBoardOut,
    QueueBoardOut,
    SeriesPointOut,
    SnapshotOut,
)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "ws-messages.schema.json"


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent() -> Any:
    """A key the message carries only sometimes: absent, never null (the schema says neither null nor a
    default)."""
    return Field(default=None, json_schema_extra=_no_default)


class Pong(BaseModel):
    """The answer to the client's ``ping`` (both sockets)."""

    type: Literal["pong"]


# /ws/agent -------------------------------------------------------------------------------------------------
class Hello(DeskStateOut):
    """The first message after connecting: what GET /api/agent/me answers."""

    type: Literal["hello"]


class State(BaseModel):
    """A state change of this agent, or of its phone's device state."""

    type: Literal["state"]
    agent: AgentOut


class Pop(BaseModel):
    """The screen pop of the call ringing (or, after a restart, the call the agent is on or wrapping up)."""

    type: Literal["pop"]
    pop: ScreenPopOut


class PopPhase(BaseModel):
    type: Literal["pop_phase"]
    call_uniqueid: str
    phase: Literal["active", "wrapup"]
    at: AsIsDateTime | None  # the agent's state change time (``Agent.since``)


class PopCleared(BaseModel):
    type: Literal["pop_cleared"]
    call_uniqueid: str
    # not_answered, caller_left, answered_elsewhere, done, wrapup_over, hangup, resync, or the Reason header of
    # the AMI event that ended the call
    why: str


class DisciplineAway(BaseModel):
    """An away episode started, ended, or reached its warning or violation threshold."""

    type: Literal["discipline"]
    kind: Literal["away_started", "away_ended", "away_warning", "away_violation"]
    episode: EpisodeOut
    minutes: float  # away so far
    limit_minutes: float
    text: str
    at: AsIsDateTime


class DisciplineDecided(BaseModel):
    """A team lead decided the agent's leave-seat request."""

    type: Literal["discipline"]
    kind: Literal["leave_approved", "leave_rejected"]
    request: LeaveRequestOut
    by: str
    note: str
    text: str
    at: AsIsDateTime | None  # the decision time (``decided_at``)


class DisciplineLapsed(BaseModel):
    """The leave-seat request lapsed (logout, not used in time)."""

    type: Literal["discipline"]
    kind: Literal["leave_lapsed"]
    request: LeaveRequestOut
    text: str
    at: AsIsDateTime


Discipline = Annotated[DisciplineAway | DisciplineDecided | DisciplineLapsed, Field(discriminator="kind")]


class AgentNotice(BaseModel):
    """A supervisor paused the agent or logged them out from the wallboard."""

    type: Literal["notice"]
    action: str  # board.pause | board.logout | help.take (a lead took the agent's help request; text: how)
    by: str
    text: str
    note: str
    at: AsIsDateTime


class NoticePublished(BaseModel):
    """A notice (通告) addressed to this agent was published: as GET /api/notices/{id} answers it (REST times)."""

    type: Literal["notice_published"]
    notice: NoticeOut


class NoticeWithdrawn(BaseModel):
    """A notice addressed to this agent was withdrawn: it leaves their list."""

    type: Literal["notice_withdrawn"]
    notice_id: int
    by: str
    reason: str
    at: AsIsDateTime


AgentMessage = Annotated[Hello | State | Pop | PopPhase | PopCleared | Discipline | AgentNotice | NoticePublished
                         | NoticeWithdrawn | Pong, Field(discriminator="type")]


# /ws/board -------------------------------------------------------------------------------------------------
class Snapshot(SnapshotOut):
    """The first message after connecting: what GET /api/board answers; the deltas build on it."""

    type: Literal["snapshot"]


class Delta(BaseModel):
    """What changed since the previous message, each queue and agent whole. A key with nothing changed is left
    out (never null)."""

    type: Literal["delta"]
    at: AsIsDateTime
    src: tuple[float, float] | None  # AMI Timestamps (epoch s) of the first and last call event folded in
    queues: dict[str, QueueBoardOut] | SkipJsonSchema[None] = absent()
    queues_gone: list[str] | SkipJsonSchema[None] = absent()
    totals: QueueBoardOut | SkipJsonSchema[None] = absent()
    agents: dict[str, BoardAgentOut] | SkipJsonSchema[None] = absent()
    agents_gone: list[str] | SkipJsonSchema[None] = absent()
    leave_requests: dict[str, LeaveRequestOut] | SkipJsonSchema[None] = absent()  # request id → pending request
    leave_requests_gone: list[str] | SkipJsonSchema[None] = absent()
    alerts_raised: list[AlertOut] | SkipJsonSchema[None] = absent()
    alerts_cleared: list[str] | SkipJsonSchema[None] = absent()  # alert ids
    campaigns: dict[str, CampaignBoardOut] | SkipJsonSchema[None] = absent()  # campaign id → its new totals
    campaigns_gone: list[str] | SkipJsonSchema[None] = absent()  # campaign ids no longer running


class Point(BaseModel):
    """A chart point, every chart step."""

    type: Literal["point"]
    point: SeriesPointOut


class BoardNotice(BaseModel):
    """An action a supervisor took: paused or logged out an agent (board.pause, board.logout), decided a
    leave-seat request (seat.leave_approve, seat.leave_reject: with ``request_id``)."""

    type: Literal["notice"]
    action: str
    by: str
    agent: str
    text: str
    request_id: int | SkipJsonSchema[None] = absent()
    at: AsIsDateTime


BoardMessage = Annotated[Snapshot | Delta | Point | BoardNotice | Pong, Field(discriminator="type")]


# /ws/cases -------------------------------------------------------------------------------------------------
class CasesHello(BaseModel):
    """The first message after connecting: who the socket is for (the cases follow as they change)."""

    type: Literal["hello"]
    username: str
    at: AsIsDateTime


class CaseChanged(BaseModel):
    """A case this user may see changed, or a clock event was recorded on it: the case as GET /api/cases answers it
    (its times in the REST form, ``...Z``), with its clocks at ``case.clocks_at``."""

    type: Literal["case"]
    case: CaseOut


class NoticeText(BaseModel):
    """A notice's text in each language (as a refusal's ``messages``)."""

    en: str
    zh_CN: str = Field(alias="zh-CN")


class CaseNotice(BaseModel):
    """A notice to the person a case's clock was escalated to (``kind`` case_escalated: ``level`` 1 team lead, 2
    department head, 3 director), or to the duty manager of an incident (``kind`` incident: ``numbers`` its
    complaints, ``clock`` null); or of the monthly responsibility review: its reminder (``review_due``) or its
    deadline passed (``review_overdue``) to the reviewer and the heads of the departments with complaints pending
    (``month`` the month reviewed, ``numbers`` the complaints pending, ``number`` the first), an employee flagged
    (``employee_flagged``, ``employee``; ``numbers`` the upheld complaints, ``number`` the review's case) to the
    heads of their departments and the supervisors; the call-back desk's written feedback of a problem that stands
    (``callback_feedback``: ``numbers`` the case and the one that follows it, ``number`` the latter) to the head of
    the case's department."""

    type: Literal["case_notice"]
    number: str
    numbers: list[str]
    kind: Literal["case_escalated", "incident", "review_due", "review_overdue", "employee_flagged",
                  "callback_feedback"]
    clock: ClockName | None
    level: int
    to: Literal["team_lead", "department_head", "director", "duty_manager", "reviewer"]
    text: NoticeText
    at: AsIsDateTime  # the event's true time (a review's: the reminder's start or the deadline)
    month: str | None = None  # the review's month (YYYY-MM)
    employee: str | None = None  # the employee flagged


CasesMessage = Annotated[CasesHello | CaseChanged | CaseNotice | Pong, Field(discriminator="type")]

# client → server: the bare text frame ``ping`` (not JSON); anything else is ignored
ClientText = Literal["ping"]

AGENT_MESSAGES: TypeAdapter[Any] = TypeAdapter(AgentMessage)
BOARD_MESSAGES: TypeAdapter[Any] = TypeAdapter(BoardMessage)
CASES_MESSAGES: TypeAdapter[Any] = TypeAdapter(CasesMessage)


def json_schema() -> dict[str, Any]:
    """One JSON schema (draft 2020-12) for the three sockets: ``$defs`` holds ``AgentSocketMessage``,
    ``BoardSocketMessage``, ``CasesSocketMessage`` and ``ClientText`` with every model they use."""
    names = {"agent": "AgentSocketMessage", "board": "BoardSocketMessage", "cases": "CasesSocketMessage",
             "client": "ClientText"}
    tops, defs = TypeAdapter.json_schemas([("agent", "validation", AGENT_MESSAGES),
                                           ("board", "validation", BOARD_MESSAGES),
                                           ("cases", "validation", CASES_MESSAGES),
                                           ("client", "validation", TypeAdapter(ClientText))],
                                          ref_template="#/$defs/{model}")
    all_defs = dict(defs.get("$defs", {}))
    for (key, _), schema in tops.items():
        all_defs[names[key]] = schema
    all_defs["ClientText"]["description"] = "What a client may send: the text frame ping (not JSON)."
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Call centre websocket messages",
        "description": "Server to client on /ws/agent (AgentSocketMessage), /ws/board (BoardSocketMessage) and "
                       "/ws/cases (CasesSocketMessage), each a JSON object told apart by type; client to server: "
                       "ClientText. Times are str() of an aware UTC datetime (2026-03-02 01:00:00.123456+00:00), "
                       "except inside a case (the REST form). Generated from "
                       "callcenter/realtime/messages.py by python -m callcenter.realtime.messages; do not edit.",
        "anyOf": [{"$ref": "#/$defs/AgentSocketMessage"}, {"$ref": "#/$defs/BoardSocketMessage"},
                  {"$ref": "#/$defs/CasesSocketMessage"}],
        "$defs": dict(sorted(all_defs.items())),
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m callcenter.realtime.messages",
                                description=f"Write the websocket messages' JSON schema to {SCHEMA_FILE.name}.")
    p.add_argument("--check", action="store_true", help="only tell whether the file is current (exit 1 if not)")
    args = p.parse_args(argv)
    text = schema_text()
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != text:
            print(f"{SCHEMA_FILE} is out of date: run python -m callcenter.realtime.messages", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
