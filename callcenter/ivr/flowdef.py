"""The IVR flow document: a graph of named nodes, stored as JSON on each flow version.

Node kinds: ``menu``, ``play``, ``queue``, ``voicemail``, ``transfer``, ``hours``, ``language``, ``hangup``.
Exits (a path must reach one): ``queue``, ``voicemail``, ``transfer``, ``hangup``.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callcenter.clock import check_timezone

NODE_ID = r"^[a-z0-9_]{1,40}$"
PROMPT = r"^[A-Za-z0-9_\-/]{1,80}$"
DIGITS = "0123456789*#"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = ""  # what the admin calls it ("Complaints and suggestions")


class MenuOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digit: str
    target: str

    @field_validator("digit")
    @classmethod
    def _digit(cls, d: str) -> str:
        if len(d) != 1 or d not in DIGITS:
            raise ValueError(f"option digit {d!r} must be one DTMF digit (0-9, * or #)")
        return d


class MenuNode(_Node):
    kind: Literal["menu"]
    prompt: Annotated[str, Field(pattern=PROMPT)]
    # a list, not a mapping, so a digit given twice is reported instead of silently overwritten
    options: list[MenuOption]
    timeout_seconds: float = Field(5.0, gt=0, le=30)
    max_retries: int = Field(2, ge=0, le=5)  # extra attempts after an invalid digit or silence
    invalid_prompt: Annotated[str, Field(pattern=PROMPT)] | None = "invalid"
    timeout_prompt: Annotated[str, Field(pattern=PROMPT)] | None = None
    default: str | None = None  # where to go when the retries are used up; None = hang up

    def target_for(self, digit: str) -> str | None:
        return next((o.target for o in self.options if o.digit == digit), None)


class PlayNode(_Node):
    kind: Literal["play"]
    prompt: Annotated[str, Field(pattern=PROMPT)]
    next: str
    # a caller who knows the menu may press a digit during the prompt; it is kept for the next menu
    interruptible: bool = True


class QueueNode(_Node):
    kind: Literal["queue"]
    queue: str
    priority: int = Field(0, ge=0, le=100)
    max_wait_seconds: int = Field(300, gt=0, le=7200)
    fallback: str | None = None  # node run when nobody answers within max_wait_seconds


class VoicemailNode(_Node):
    kind: Literal["voicemail"]
    mailbox: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")] = "general"
    prompt: Annotated[str, Field(pattern=PROMPT)] | None = "vm-intro"
    max_seconds: int = Field(120, ge=5, le=600)


class TransferNode(_Node):
    kind: Literal["transfer"]
    target: Annotated[str, Field(pattern=r"^\+?[0-9]{2,20}$")]
    # extension: a seat (2-16 digits); outside: a number over the trunk the admin allowed for the IVR
    # (settings outside_numbers.ivr; checked when the flow is published and again by the dialplan)
    target_type: Literal["extension", "outside"] = "extension"


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timezone: str = "Asia/Shanghai"
    # weekday → list of "HH:MM-HH:MM" ranges; a missing day is closed
    weekly: dict[str, list[str]] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list)

    _tz = field_validator("timezone")(check_timezone)

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in v.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
            for r in ranges:
                parse_range(r)
        return v

    def is_open(self, when: datetime) -> bool:
        local = when.astimezone(zoneinfo.ZoneInfo(self.timezone))
        if local.date() in self.holidays:
            return False
        for r in self.weekly.get(WEEKDAYS[local.weekday()], []):
            start, end = parse_range(r)
            if start <= local.time() < end:
                return True
        return False


def parse_range(r: str) -> tuple[time, time]:
    m = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", r)
    if not m:
        raise ValueError(f"time range {r!r} must look like 08:30-17:30")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h2 == 24 and m2 == 0:
        h2, m2 = 23, 59
        end = time(23, 59, 59, 999999)
    else:
        if h2 > 23 or m2 > 59:
            raise ValueError(f"time range {r!r}: bad end time")
        end = time(h2, m2)
    if h1 > 23 or m1 > 59:
        raise ValueError(f"time range {r!r}: bad start time")
    start = time(h1, m1)
    if end <= start:
        raise ValueError(f"time range {r!r}: end must be after start (split ranges crossing midnight)")
    return start, end


class HoursNode(_Node):
    kind: Literal["hours"]
    schedule: Schedule
    open: str
    closed: str


class LanguageNode(_Node):
    kind: Literal["language"]
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")]
    next: str


class LookupNode(_Node):
    """Looks the caller's number up in the customer records: VIP / known / unknown branches."""

    kind: Literal["lookup"]
    found: str
    not_found: str
    vip: str | None = None  # where a VIP customer goes; None: the ``found`` branch
    vip_priority: int = Field(10, ge=0, le=100)  # queue priority a VIP gets from here on (at least)


class HangupNode(_Node):
    kind: Literal["hangup"]
    prompt: Annotated[str, Field(pattern=PROMPT)] | None = None


Node = Annotated[
    MenuNode | PlayNode | QueueNode | VoicemailNode | TransferNode | HoursNode | LanguageNode | LookupNode
    | HangupNode,
    Field(discriminator="kind"),
]
EXIT_KINDS = ("queue", "voicemail", "transfer", "hangup")


class FlowDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")] = "en"
    nodes: dict[str, Node]

    @field_validator("nodes")
    @classmethod
    def _ids(cls, v: dict[str, Node]) -> dict[str, Node]:
        for k in v:
            if not re.fullmatch(NODE_ID, k):
                raise ValueError(f"node id {k!r} must be 1-40 of a-z, 0-9, _")
        return v


def targets(node: Node) -> list[tuple[str, str]]:
    """(what, node id) for every edge leaving a node."""
    if isinstance(node, MenuNode):
        out = [(f"option {o.digit}", o.target) for o in node.options]
        return out + ([("default", node.default)] if node.default else [])
    if isinstance(node, PlayNode | LanguageNode):
        return [("next", node.next)]
    if isinstance(node, QueueNode):
        return [("fallback", node.fallback)] if node.fallback else []
    if isinstance(node, HoursNode):
        return [("open", node.open), ("closed", node.closed)]
    if isinstance(node, LookupNode):
        return [("found", node.found), ("not found", node.not_found)] + ([("vip", node.vip)] if node.vip else [])
    return []


def prompts(node: Node) -> list[str]:
    if isinstance(node, MenuNode):
        return [p for p in (node.prompt, node.invalid_prompt, node.timeout_prompt) if p]
    if isinstance(node, PlayNode):
        return [node.prompt]
    if isinstance(node, VoicemailNode | HangupNode):
        return [node.prompt] if node.prompt else []
    return []
