"""Outside numbers: which numbers over the trunk a transfer or the IVR may reach, and the caller ID they show.

The admin allows numbers per use (``outside_numbers.transfer`` for the agent desktop's transfers,
``outside_numbers.ivr`` for the IVR's transfer node): each entry is an exact number or a pattern of digits and
``X`` (any one digit), e.g. ``138XXXXXXXX``. Nothing is allowed by default. The same entries are enforced twice:
by the service before any AMI action (:meth:`OutsideUse.allows`) and by Asterisk, whose dialplan gets one
extension per entry in its own internal context (``cc-outside-transfer``, ``cc-outside-ivr``; rendered by
``callcenter.asterisk.config``), so a number not rendered there cannot reach the trunk whatever asks for it.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic_settings import NoDecode

# an entry: 3-20 characters, each a digit or X (any one digit), as Asterisk's `_X` patterns mean it
ENTRY = re.compile(r"[0-9X]{3,20}")
# a number dialled on the trunk: 3-20 digits (the same rule as click-to-call's)
NUMBER = re.compile(r"[0-9]{3,20}")
CALLER_ID = re.compile(r"[0-9]{1,20}")
# what may be typed around the digits of a number and is dropped: "+86 138-0013-8000", "(010) 1234 5678"
_DROPPED = " +-()"

# the uses and the internal dialplan context each is rendered into
CONTEXTS = {"transfer": "cc-outside-transfer", "ivr": "cc-outside-ivr"}


def normalise(number: str) -> str | None:
    """The digits of a number as typed (spaces, ``+ - ( )`` dropped), or None when it is not 3-20 digits."""
    if any(not (ch.isdigit() or ch in _DROPPED) for ch in number):
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits if NUMBER.fullmatch(digits) else None


def matches(entry: str, number: str) -> bool:
    """Does ``number`` (digits) match ``entry`` (digits and X)? Exactly as Asterisk reads ``_<entry>``: the same
    length, an X any one digit, every other character itself."""
    if len(entry) != len(number):
        return False
    return all(e == n or (e == "X" and n.isdigit()) for e, n in zip(entry, number, strict=True))


def _comma_list(v: Any) -> Any:
    """From the environment: a JSON list, or entries separated by commas or spaces."""
    if isinstance(v, str):
        text = v.strip()
        return json.loads(text) if text.startswith("[") else [p for p in re.split(r"[,\s]+", text) if p]
    return v


class OutsideUse(BaseModel):
    """The outside numbers one use may reach and the caller ID the called party sees."""

    model_config = ConfigDict(extra="forbid")

    # exact numbers ("13800138000") or patterns of digits and X ("138XXXXXXXX"); empty: none
    allowed: Annotated[list[str], NoDecode] = []
    # digits: the number the called party sees (required when anything is allowed)
    caller_id: str = ""

    _list = field_validator("allowed", mode="before")(_comma_list)

    @field_validator("allowed")
    @classmethod
    def _entries(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        for entry in v:
            if not isinstance(entry, str) or not ENTRY.fullmatch(entry):
                raise ValueError(f"entry {entry!r} must be 3-20 characters, each a digit or X (any one digit), "
                                 "e.g. 13800138000 or 138XXXXXXXX")
            if entry in seen:
                raise ValueError(f"entry {entry!r} is listed twice")
            seen.add(entry)
        return v

    @field_validator("caller_id")
    @classmethod
    def _caller_id(cls, v: str) -> str:
        if v and not CALLER_ID.fullmatch(v):
            raise ValueError(f"must be 1-20 digits (the number the called party sees), got {v!r}")
        return v

    @model_validator(mode="after")
    def _needs_caller_id(self) -> OutsideUse:
        if self.allowed and not self.caller_id:
            raise ValueError("caller_id: required when numbers are allowed (the digits the called party sees)")
        return self

    def entry_for(self, number: str) -> str | None:
        """The allowed entry ``number`` (digits) matches, or None."""
        if not NUMBER.fullmatch(number):
            return None
        return next((e for e in self.allowed if matches(e, number)), None)

    def allows(self, number: str) -> bool:
        return self.entry_for(number) is not None


class OutsideNumbersSettings(BaseModel):
    """``outside_numbers.<use>``: the numbers over the trunk each use may reach (docs/outbound.md)."""

    model_config = ConfigDict(extra="forbid")

    # blind and attended transfers from the agent desktop
    transfer: OutsideUse = OutsideUse()
    # the IVR's transfer node (e.g. the duty person's mobile after hours)
    ivr: OutsideUse = OutsideUse()
