"""Auth's response models: who logs in, and who is logged in."""

from __future__ import annotations

from pydantic import BaseModel


class UserOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]


class LoginOut(BaseModel):
    token: str
    user: UserOut


class MeOut(UserOut):
    # the centre's timezone: pages take "today" and "this month" from it, not from the browser's
    timezone: str
