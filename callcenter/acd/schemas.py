"""The agent desktop's response models: what ``/api/agent/*`` (and the wallboard's agent actions) send.

The agent and the screen pop are built as dicts in the service (``Agent.public``, ``ScreenPop.call_part``) and
pushed over the websocket as they are; the routes that return them use ``response_model_exclude_unset`` so a key
the dict did not carry (``active_at`` before the call is answered, ``error`` when the record loaded) stays absent
rather than appearing as null."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from callcenter.cases.schemas import CaseClockOut, CaseState, CaseType, Severity
from callcenter.customers.schemas import CallBrief, CustomerOut, ServiceRecordOut
from callcenter.recordings.schemas import MuteStretch
from callcenter.schema_types import AsIsDateTime


class AgentOut(BaseModel):
    """An agent as the desktop and the supervisor pages see it (``Agent.public``)."""

    username: str
    display_name: str
    extension: str | None
    state: str
    reason: str
    since: AsIsDateTime | None
    logged_in_at: AsIsDateTime | None
    call_uniqueid: str | None
    call_queue: str | None
    device: str  # the seat phone's device state (callcenter/acd/phones.py: "unavailable" while down; "" before any)
    missed_rings: int
    queues: dict[str, int]  # queue → member penalty


class PauseReasonOut(BaseModel):
    code: str
    label_zh: str
    label_en: str
    away: bool
    system: bool


class NodeLabel(BaseModel):
    zh: str
    en: str


class IvrChoiceOut(BaseModel):
    """A digit the caller pressed at a menu; target and labels when the flow version could be read."""

    node: str | None
    digits: str | None
    target: str | None = None
    label_zh: str | None = None
    label_en: str | None = None


class PopCaseOut(BaseModel):
    """One of the caller's open cases in the pop (``callcenter.cases.lookup``): a summary; its clocks at the pop's
    ``open_cases_at``."""

    number: str
    type: CaseType
    state: CaseState
    severity: Severity
    accepted_at: datetime
    paused: bool
    clocks: list[CaseClockOut]


class ScreenPopOut(BaseModel):
    """The pop on the agent's screen: the call part (``ScreenPop.call_part``), the customer part
    (``CustomerRecords.pop_data``, or ``error`` when it could not be loaded) and the IVR labels."""

    call_uniqueid: str
    phase: str  # ringing | active | wrapup
    caller_number: str | None
    caller_name: str | None
    dialled_number: str | None
    queue: str | None
    arrived_at: AsIsDateTime | None
    queued_at: AsIsDateTime | None
    rang_at: AsIsDateTime | None
    active_at: AsIsDateTime | None = None
    wrapup_at: AsIsDateTime | None = None
    wait_seconds: float | None
    ivr_path: list[dict[str, Any]]  # the IVR engine's steps as recorded (see CallOut.ivr_path)
    ivr_choices: list[IvrChoiceOut]
    ivr_labels: dict[str, NodeLabel]  # node id → label
    ivr_flow_version_id: int | None
    event_ts: str | None  # the AMI event's Timestamp header
    number: str | None = None  # the caller's number as normalised for the lookup
    customer: CustomerOut | None
    recent_calls: list[CallBrief]
    service_records: list[ServiceRecordOut]
    open_follow_ups: list[ServiceRecordOut]
    # the customer's open cases (newest first, at most 10 of open_cases_total; docs/cases.md "From the call")
    open_cases: list[PopCaseOut] = []
    open_cases_total: int = 0
    open_cases_at: datetime | None = None  # the server's now their clocks were computed at
    case_type: CaseType | None = None  # the type a new case of this call starts as (case_policy.types_by_queue)
    error: str | None = None


class DeskStateOut(BaseModel):
    """What the desktop rebuilds itself from (GET /api/agent/me, the answers to its actions)."""

    agent: AgentOut
    pop: ScreenPopOut | None
    pause_reasons: list[PauseReasonOut]
    recording_muted: bool


class SeatRowOut(BaseModel):
    """An active seat and who is logged in at it."""

    extension: str
    name: str
    taken_by: str | None
    device: str


class SkillOut(BaseModel):
    queue: str
    level: str


class TransferOut(BaseModel):
    call_uniqueid: str
    target: str
    mode: str


class OutsideNumbersOut(BaseModel):
    # the numbers over the trunk a transfer may reach: exact numbers, or patterns where X is any one digit
    allowed: list[str]


class ClickToCallOut(BaseModel):
    number: str  # the digits dialled
    extension: str
    call_uniqueid: str  # the outbound call's record (GET /api/calls?...; the agent's calls today)


class SpyOut(BaseModel):
    mode: str
    seat: str
    agent: str
    channel: str | None
    call_uniqueid: str


class RecordingMuteOut(BaseModel):
    call_uniqueid: str
    muted: bool
    mutes: list[MuteStretch]


# the conference on a call (callcenter/acd/conference.py)
class ConferencePartyOut(BaseModel):
    """A party added (POST /api/agent/conference/party): rung now, in the conference once answered."""

    call_uniqueid: str
    conference: str  # the ConfBridge: cc-<call uniqueid>
    target_type: str  # seat / queue / outside
    target: str  # an outside number as its digits
    started: bool  # this party started the conference (the customer and the agent moved into it)


class ConferenceMemberOut(BaseModel):
    role: str  # customer, agent, party, listen (a supervisor listening), talk (a supervisor talking)
    kind: str  # customer, seat, queue (a queue's expert), outside
    who: str  # the customer's number, the seat, the queue, or the outside number
    muted: bool
    you: bool  # the asking agent's own line


class ConferenceAddedOut(BaseModel):
    kind: str
    target: str
    by: str
    at: datetime


class ConferenceOut(BaseModel):
    """The agent's conference (GET /api/agent/conference); who is in it is read from Asterisk."""

    active: bool
    call_uniqueid: str | None = None
    conference: str | None = None
    outbound: bool = False  # a call the agent placed: leaving is refused (end it instead)
    started_at: datetime | None = None
    members: list[ConferenceMemberOut]
    added: list[ConferenceAddedOut]


class ConferenceDoneOut(BaseModel):
    call_uniqueid: str
    conference: str
    left: bool = False
    ended: bool = False


class ConferenceJoinOut(BaseModel):
    mode: str  # listen / talk
    seat: str
    agent: str
    call_uniqueid: str
    conference: str
