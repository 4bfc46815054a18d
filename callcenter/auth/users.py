"""The users as the admin page edits them: create, change display name, roles, active and password.

Every request is checked completely before anything is written, so a refused request changes nothing; each
refusal names its field. Storage is the auth repository's (``AuthService.repo``). The router writes the audit
entry after a change succeeded. A user's skills are the directory's and their seat the ACD's: they are read and
changed through :class:`UserSeats` (the directory, given by the composition root), so auth imports neither.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from callcenter.auth.admin_schemas import UserCreateIn, UserPatchIn
from callcenter.auth.errors import (
    BAD_USERNAME,
    DEACTIVATE_SELF,
    FIELD_NULL,
    NO_ROLE,
    OWN_ADMIN_ROLE,
    PASSWORD_TOO_LONG,
    TEXT_BAD_CHARACTERS,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    USER_NOT_FOUND,
    USER_PASSWORD_TOO_SHORT,
    USER_UNKNOWN_ROLES,
    USERNAME_TAKEN,
    USERNAME_TAKEN_BY,
)
from callcenter.auth.models import ROLES, User
from callcenter.auth.service import AuthService

USERNAME_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MIN_PASSWORD = 8


class Serialized(Protocol):
    lock: asyncio.Lock


S = TypeVar("S", bound=Serialized)
P = ParamSpec("P")
R = TypeVar("R")


def serialized(fn: Callable[Concatenate[S, P], Awaitable[R]]) -> Callable[Concatenate[S, P], Awaitable[R]]:
    """Admin changes run one at a time (the users' and the directory's share one lock), so a check and its write
    are not interleaved with another admin's change, and the config files are rendered from the DB in the order
    the changes were made."""

    @functools.wraps(fn)
    async def wrapper(svc: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with svc.lock:
            return await fn(svc, *args, **kwargs)

    return wrapper


def checked_text(value: str, field: str, *, max_len: int, required: bool = True,
                 forbidden: re.Pattern[str] = CONTROL_RE, what: str = "control characters") -> str:
    v = value.strip()
    if required and not v:
        raise TEXT_EMPTY(field=field)
    if len(v) > max_len:
        raise TEXT_TOO_LONG({"max_len": max_len}, field=field)
    if forbidden.search(v):
        raise TEXT_BAD_CHARACTERS({"what": what}, field=field)
    return v


def no_nulls(body: BaseModel) -> None:
    """PATCH: an omitted field is left alone; an explicit null is a mistake, not 'clear it'."""
    for name in body.model_fields_set:
        if getattr(body, name) is None:
            raise FIELD_NULL(field=name)


def _login_password(password: str, field: str = "password") -> str:
    if len(password) < MIN_PASSWORD:
        raise USER_PASSWORD_TOO_SHORT({"min_password": MIN_PASSWORD}, field=field)
    if len(password) > 256:
        raise PASSWORD_TOO_LONG(field=field)
    return password


def _roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise USER_UNKNOWN_ROLES({"unknown": unknown, "roles": list(ROLES)}, field="roles")
    if not roles:
        raise NO_ROLE({"roles": list(ROLES)}, field="roles")
    return sorted(set(roles))


class UserSeats(Protocol):
    """What the users' administration needs of the directory (``callcenter.directory.service.Directory``)."""

    async def skills_by_user(self) -> dict[int, list[dict[str, str]]]: ...

    def seat_of(self, user_id: int) -> tuple[str | None, str] | None: ...

    async def release_seat(self, user: User, field: str) -> str | None: ...

    def renamed(self, user_id: int, display_name: str) -> None: ...


@dataclass
class UserAdmin:
    """One per stack, built by the composition root; ``lock`` is the one the directory holds too."""

    auth: AuthService
    seats: UserSeats
    lock: asyncio.Lock

    def _user_out(self, u: User, skills: list[dict[str, str]]) -> dict[str, Any]:
        seat = self.seats.seat_of(u.id)
        return {"id": u.id, "username": u.username, "display_name": u.display_name, "roles": list(u.roles),
                "active": u.active, "created_at": u.created_at, "skills": skills,
                "logged_in_seat": seat[0] if seat else None, "agent_state": seat[1] if seat else None}

    async def list_users(self) -> list[dict[str, Any]]:
        users = await self.auth.repo.users()
        skills = await self.seats.skills_by_user()
        return [self._user_out(u, skills.get(u.id, [])) for u in users]

    async def user_out(self, user_id: int) -> dict[str, Any]:
        u = await self.user(user_id)
        return self._user_out(u, (await self.seats.skills_by_user()).get(u.id, []))

    async def user(self, user_id: int) -> User:
        """The user, or a 404 naming the id."""
        u = await self.auth.repo.user(user_id)
        if u is None:
            raise USER_NOT_FOUND(user_id=user_id)
        return u

    @serialized
    async def create_user(self, body: UserCreateIn) -> User:
        username = body.username.strip()
        if not USERNAME_RE.fullmatch(username):
            raise BAD_USERNAME({"username": username}, field="username")
        display_name = checked_text(body.display_name, "display_name", max_len=128, required=False)
        roles = _roles(body.roles)
        _login_password(body.password)
        other = await self.auth.repo.username_like(username)
        if other is not None:
            raise USERNAME_TAKEN_BY({"username": username}, field="username", taken_by=other)
        try:
            return await self.auth.create_user(username, body.password, roles, display_name)
        except IntegrityError as e:  # created by someone else in between
            raise USERNAME_TAKEN({"username": username}, field="username") from e

    @serialized
    async def update_user(self, user_id: int, body: UserPatchIn, actor: User) -> tuple[User, dict[str, Any]]:
        """Returns the updated user and what changed (for the audit log; never the password)."""
        no_nulls(body)
        u = await self.user(user_id)
        changes: dict[str, Any] = {}
        if body.display_name is not None:
            dn = checked_text(body.display_name, "display_name", max_len=128)
            if dn != u.display_name:
                changes["display_name"] = dn
        if body.roles is not None:
            roles = _roles(body.roles)
            if roles != sorted(u.roles):
                changes["roles"] = roles
        if body.active is not None and body.active != u.active:
            changes["active"] = body.active
        if body.password is not None:
            _login_password(body.password)
            changes["password"] = await self.auth.hash(body.password)
        if u.id == actor.id:
            if "admin" not in changes.get("roles", ["admin"]):
                raise OWN_ADMIN_ROLE(field="roles")
            if changes.get("active") is False:
                raise DEACTIVATE_SELF(field="active")
        # a deactivated user, or one who is no longer an agent, leaves their seat (they could not themselves)
        if changes.get("active") is False or ("roles" in changes and "agent" not in changes["roles"]):
            seat = await self.seats.release_seat(u, "active" if "active" in changes else "roles")
            if seat is not None:
                changes["left_seat"] = seat
        if not changes:
            return u, {}
        end_sessions = changes.get("active") is False or ("password" in changes and u.id != actor.id)
        values: dict[str, Any] = {k: changes[k] for k in ("display_name", "roles", "active") if k in changes}
        if "password" in changes:
            values["password_hash"] = changes["password"]
        u = await self.auth.repo.update_user(u.id, values, end_sessions=end_sessions)
        if "display_name" in changes:
            self.seats.renamed(u.id, changes["display_name"])
        detail = {k: v for k, v in changes.items() if k != "password"}
        if "password" in changes:
            detail["password"] = "reset"
        if end_sessions:
            detail["sessions_ended"] = True
        return u, detail
