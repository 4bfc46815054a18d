"""API shapes of the users under /api/admin/users (``callcenter.auth.admin_api``). Inputs are strict (no string →
number/bool coercion) and refuse unknown fields, so a misspelt field is a 400 naming it instead of being silently
ignored. The rules (lengths, formats) are checked in :mod:`callcenter.auth.users`, each refusal naming its field."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class StrictIn(BaseModel):
    """A request body of the admin page: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


# users -----------------------------------------------------------------------------------------------------
class SkillOut(BaseModel):
    queue: str
    level: str


class UserCreateIn(StrictIn):
    username: str
    password: str
    display_name: str = ""
    roles: list[str]


class UserPatchIn(StrictIn):
    display_name: str | None = None
    roles: list[str] | None = None
    active: bool | None = None
    password: str | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    active: bool
    created_at: datetime
    skills: list[SkillOut]
    logged_in_seat: str | None  # the seat the agent is logged in at now (None: not logged in)
    agent_state: str | None  # ready / paused / on_call ... while logged in
