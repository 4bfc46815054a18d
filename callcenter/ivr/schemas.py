"""The IVR admin's response models: flows and their versions, prompts (``callcenter.ivr.prompts.list_custom`` /
``import_prompt``) and voice messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class PromptOut(BaseModel):
    """An uploaded prompt, as Asterisk plays it (wav)."""

    name: str
    language: str
    bytes: int


class PromptUploadOut(BaseModel):
    name: str
    language: str
    seconds: float  # the converted audio's length
    original: str  # the uploaded file as kept (name.ext)


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    published_at: datetime
    published_by: str
    note: str


class ProblemOut(BaseModel):
    """Why the draft (or a refused publish) cannot go live; ``node`` None = the flow as a whole."""

    node: str | None
    message: str  # English
    messages: dict[str, str]  # "en" and "zh-CN"


class FlowOut(BaseModel):
    id: int
    name: str
    description: str
    draft: dict[str, Any]
    draft_updated_at: datetime
    live_version_id: int | None
    live_version: int | None
    live_since: datetime | None
    problems: list[ProblemOut]
    versions: list[VersionOut]
    entry_points: list[str]


class VoicemailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    call_uniqueid: str
    caller_number: str | None
    mailbox: str
    recorded_at: datetime
    duration_seconds: float | None
    empty: bool
    handled_at: datetime | None
    handled_by: str | None
