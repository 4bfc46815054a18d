"""The rules of directory administration: users, seats, queues, skills and pause reasons.

Every request is checked completely before anything is written, so a refused request changes nothing; each
refusal names its field (400), the missing record (404) or what it conflicts with (409). The caller (the
router) writes the audit entry after a change succeeded.

After a change the running system follows at once: seats and queues re-render pjsip.conf/queues.conf and reload
them in Asterisk (``Stack.apply_config``), skills move a logged-in agent's queue memberships
(``AgentService.refresh_memberships``), pause reasons are re-read by the ACD (``AgentService.reload_config``).
"""

from __future__ import annotations

import asyncio
import functools
import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.errors import state_words
from callcenter.acd.models import LEVELS, ROUTINGS, STRATEGIES, AgentSkill, PauseReason, QueueDef, Seat
from callcenter.admin.errors import (
    ANNOUNCE_NOT_FOUND,
    BAD_ANNOUNCE,
    BAD_EXTENSION,
    BAD_QUEUE_NAME,
    BAD_REASON_CODE,
    BAD_STATIC_CONTACT,
    BAD_USERNAME,
    DEACTIVATE_SELF,
    DEV_PASSWORD,
    FALLBACK_QUEUE,
    FIELD_NULL,
    NO_ROLE,
    NUMBER_OUT_OF_RANGE,
    OWN_ADMIN_ROLE,
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_SHORT,
    QUEUE_EXISTS,
    QUEUE_HAS_SKILLS,
    QUEUE_IN_FLOWS,
    QUEUE_IN_PUBLISHED_FLOW,
    QUEUE_NOT_FOUND,
    QUEUE_RENAME,
    REASON_EXISTS,
    REASON_NOT_FOUND,
    RESERVED_QUEUE_NAME,
    RESERVED_REASON_CODE,
    SEAT_EXISTS,
    SEAT_IN_USE,
    SEAT_NOT_FOUND,
    SIP_PASSWORD_CHARACTERS,
    SIP_PASSWORD_TOO_SHORT,
    SKILL_BAD_LEVEL,
    SKILL_QUEUE_TWICE,
    SKILL_UNKNOWN_QUEUE,
    SKILLS_NOT_AGENT,
    SYSTEM_REASON,
    TEXT_BAD_CHARACTERS,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    UNKNOWN_ROLES,
    UNKNOWN_ROUTING,
    UNKNOWN_STRATEGY,
    USER_NOT_FOUND,
    USER_ON_CALL,
    USERNAME_TAKEN,
    USERNAME_TAKEN_BY,
)
from callcenter.admin.schemas import (
    PauseReasonCreateIn,
    PauseReasonPatchIn,
    QueueCreateIn,
    QueuePatchIn,
    SeatCreateIn,
    SeatPatchIn,
    SkillIn,
    UserCreateIn,
    UserPatchIn,
)
from callcenter.auth.models import ROLES, AuthSession, User
from callcenter.errors import Words

USERNAME_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
EXTENSION_RE = re.compile(r"[0-9]{2,16}")
QUEUE_NAME_RE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
REASON_CODE_RE = re.compile(r"[a-z0-9_]{1,32}")
PROMPT_RE = re.compile(r"[A-Za-z0-9_\-/]{1,80}")
# what pjsip.conf can carry safely: printable ASCII, no blanks, no ';' (a comment), no '\' or '"'
SIP_PASSWORD_RE = re.compile(r"[!#-:<-\[\]-~]{8,128}")
NONE = Words("none", "无")  # an empty list, as a refusal names it
STATIC_CONTACT_RE = re.compile(r"sip:[A-Za-z0-9_.+\-]{1,64}@[A-Za-z0-9.\-]{1,120}(?::([0-9]{1,5}))?")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# a seat's name goes into pjsip.conf as callerid = "name" <ext>
SEAT_NAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f";<>\\\[\]]')
MIN_PASSWORD = 8
# queues.conf has a [general] section; these names cannot be queues
RESERVED_QUEUES = {"general"}
# the agent state uses 'wrapup' as its reason while wrapping up; a pause reason of that code would be ambiguous
RESERVED_REASONS = {"wrapup"}
QUEUE_RANGES: dict[str, tuple[int, int]] = {
    "ring_timeout_seconds": (1, 300),
    "retry_seconds": (0, 60),
    "wrapup_seconds": (0, 3600),
    "max_wait_seconds": (1, 86400),
    "service_level_seconds": (1, 3600),
    "service_level_target": (1, 100),
    "recording_retention_days": (0, 3650),
}
# a system reason (not_ready, no_answer) stays active; its away flag is the centre's to set like any other's
SYSTEM_REASON_FIXED = ("active",)

P = ParamSpec("P")
R = TypeVar("R")
# one lock per stack: admin changes run one at a time, so a check and its write are not interleaved with another
# admin's change, and the config files are rendered from the DB in the order the changes were made
_LOCKS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def serialized(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        svc = args[0]
        assert isinstance(svc, AdminService)
        lock = _LOCKS.get(svc.stack)
        if lock is None:
            lock = _LOCKS[svc.stack] = asyncio.Lock()
        async with lock:
            return await fn(*args, **kwargs)

    return wrapper


def _text(value: str, field: str, *, max_len: int, required: bool = True, forbidden: re.Pattern[str] = CONTROL_RE,
          what: str = "control characters") -> str:
    v = value.strip()
    if required and not v:
        raise TEXT_EMPTY(field=field)
    if len(v) > max_len:
        raise TEXT_TOO_LONG({"max_len": max_len}, field=field)
    if forbidden.search(v):
        raise TEXT_BAD_CHARACTERS({"what": what}, field=field)
    return v


def _no_nulls(body: Any) -> None:
    """PATCH: an omitted field is left alone; an explicit null is a mistake, not 'clear it'."""
    for name in body.model_fields_set:
        if getattr(body, name) is None:
            raise FIELD_NULL(field=name)


def _login_password(password: str, field: str = "password") -> str:
    if len(password) < MIN_PASSWORD:
        raise PASSWORD_TOO_SHORT({"min_password": MIN_PASSWORD}, field=field)
    if len(password) > 256:
        raise PASSWORD_TOO_LONG(field=field)
    return password


def _roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UNKNOWN_ROLES({"unknown": unknown, "roles": list(ROLES)}, field="roles")
    if not roles:
        raise NO_ROLE({"roles": list(ROLES)}, field="roles")
    return sorted(set(roles))


@dataclass
class AdminService:
    """One per stack (``Stack.services``); ``stack`` is the running :class:`callcenter.app.Stack`."""

    stack: Any

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        sessions: async_sessionmaker[AsyncSession] = self.stack.sessions
        return sessions

    # users -------------------------------------------------------------------------------------------------
    async def _skills_by_user(self) -> dict[int, list[dict[str, str]]]:
        async with self.sessions() as s:
            rows = (await s.execute(
                select(AgentSkill.user_id, QueueDef.name, AgentSkill.level)
                .join(QueueDef, QueueDef.id == AgentSkill.queue_id).order_by(QueueDef.name)
            )).all()
        out: dict[int, list[dict[str, str]]] = {}
        for uid, queue, level in rows:
            out.setdefault(uid, []).append({"queue": queue, "level": level})
        return out

    def _user_out(self, u: User, skills: list[dict[str, str]]) -> dict[str, Any]:
        a = self.stack.acd.agents.get(u.id)
        logged_in = a is not None and a.state != "logged_out"
        return {"id": u.id, "username": u.username, "display_name": u.display_name, "roles": list(u.roles),
                "active": u.active, "created_at": u.created_at, "skills": skills,
                "logged_in_seat": a.extension if logged_in else None, "agent_state": a.state if logged_in else None}

    async def list_users(self) -> list[dict[str, Any]]:
        async with self.sessions() as s:
            users = list((await s.execute(select(User).order_by(User.username))).scalars())
        skills = await self._skills_by_user()
        return [self._user_out(u, skills.get(u.id, [])) for u in users]

    async def user_out(self, user_id: int) -> dict[str, Any]:
        u = await self._user(user_id)
        return self._user_out(u, (await self._skills_by_user()).get(u.id, []))

    async def _user(self, user_id: int) -> User:
        async with self.sessions() as s:
            u = await s.get(User, user_id)
        if u is None:
            raise USER_NOT_FOUND(user_id=user_id)
        return u

    @serialized
    async def create_user(self, body: UserCreateIn) -> User:
        username = body.username.strip()
        if not USERNAME_RE.fullmatch(username):
            raise BAD_USERNAME({"username": username}, field="username")
        display_name = _text(body.display_name, "display_name", max_len=128, required=False)
        roles = _roles(body.roles)
        _login_password(body.password)
        async with self.sessions() as s:
            other = (await s.execute(
                select(User.username).where(func.lower(User.username) == username.lower())
            )).scalar_one_or_none()
        if other is not None:
            raise USERNAME_TAKEN_BY({"username": username}, field="username", taken_by=other)
        try:
            return await self.stack.auth.create_user(username, body.password, roles, display_name)  # type: ignore[no-any-return]
        except IntegrityError as e:  # created by someone else in between
            raise USERNAME_TAKEN({"username": username}, field="username") from e

    @serialized
    async def update_user(self, user_id: int, body: UserPatchIn, actor: User) -> tuple[User, dict[str, Any]]:
        """Returns the updated user and what changed (for the audit log; never the password)."""
        _no_nulls(body)
        u = await self._user(user_id)
        changes: dict[str, Any] = {}
        if body.display_name is not None:
            dn = _text(body.display_name, "display_name", max_len=128)
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
            changes["password"] = await self.stack.auth.hash(body.password)
        if u.id == actor.id:
            if "admin" not in changes.get("roles", ["admin"]):
                raise OWN_ADMIN_ROLE(field="roles")
            if changes.get("active") is False:
                raise DEACTIVATE_SELF(field="active")
        # a deactivated user, or one who is no longer an agent, leaves their seat (they could not themselves)
        leaves_seat = changes.get("active") is False or ("roles" in changes and "agent" not in changes["roles"])
        agent = self.stack.acd.agents.get(u.id)
        if leaves_seat and agent is not None and agent.state != "logged_out":
            if agent.state in ("ringing", "on_call"):
                raise USER_ON_CALL({"username": u.username, "state_text": state_words(agent.state)},
                                   field="active" if "active" in changes else "roles", seat=agent.extension,
                                   state=agent.state)
            seat = agent.extension
            await self.stack.acd.logout(u, source="admin")
            changes["left_seat"] = seat
        if not changes:
            return u, {}
        end_sessions = changes.get("active") is False or ("password" in changes and u.id != actor.id)
        async with self.sessions() as s:
            row = await s.get(User, u.id)
            assert row is not None
            for k in ("display_name", "roles", "active"):
                if k in changes:
                    setattr(row, k, changes[k])
            if "password" in changes:
                row.password_hash = changes["password"]
            if end_sessions:
                await s.execute(delete(AuthSession).where(AuthSession.user_id == u.id))
            await s.commit()
            await s.refresh(row)
            u = row
        if "display_name" in changes and agent is not None:
            agent.display_name = changes["display_name"]
        detail = {k: v for k, v in changes.items() if k != "password"}
        if "password" in changes:
            detail["password"] = "reset"
        if end_sessions:
            detail["sessions_ended"] = True
        return u, detail

    @serialized
    async def set_skills(self, user_id: int, skills: list[SkillIn]) -> tuple[list[dict[str, str]],
                                                                              list[dict[str, str]]]:
        """Replace the user's skills; returns (before, after)."""
        u = await self._user(user_id)
        if skills and "agent" not in u.roles:
            raise SKILLS_NOT_AGENT({"username": u.username}, field="skills", roles=list(u.roles))
        async with self.sessions() as s:
            queues = {q.name: q for q in (await s.execute(select(QueueDef))).scalars()}
        want: dict[str, str] = {}
        for i, sk in enumerate(skills):
            field = f"skills[{i}]"
            if sk.queue not in queues:
                raise SKILL_UNKNOWN_QUEUE({"field_text": field, "queues": sorted(queues)}, field=f"{field}.queue",
                                          queue=sk.queue)
            if sk.level not in LEVELS:
                raise SKILL_BAD_LEVEL({"field_text": field, "levels": list(LEVELS), "level": sk.level},
                                      field=f"{field}.level")
            if sk.queue in want:
                raise SKILL_QUEUE_TWICE(field=f"{field}.queue", queue=sk.queue)
            want[sk.queue] = sk.level
        before = (await self._skills_by_user()).get(u.id, [])
        async with self.sessions() as s:
            await s.execute(delete(AgentSkill).where(AgentSkill.user_id == u.id))
            for q, level in want.items():
                s.add(AgentSkill(user_id=u.id, queue_id=queues[q].id, level=level))
            await s.commit()
        await self.stack.acd.refresh_memberships(u.id)
        return before, [{"queue": q, "level": lvl} for q, lvl in sorted(want.items())]

    # seats -------------------------------------------------------------------------------------------------
    def seat_out(self, seat: Seat) -> dict[str, Any]:
        holder = self.stack.acd.by_ext.get(seat.extension)
        return {"extension": seat.extension, "name": seat.name, "static_contact": seat.static_contact,
                "active": seat.active, "has_password": bool(seat.password), "created_at": seat.created_at,
                "in_use_by": holder.username if holder is not None else None}

    async def list_seats(self) -> list[dict[str, Any]]:
        return [self.seat_out(x) for x in await self.stack.acd_repo.seats()]

    async def _seat(self, extension: str) -> Seat:
        seat = await self.stack.acd_repo.seat(extension)
        if seat is None:
            raise SEAT_NOT_FOUND(extension=extension)
        return seat  # type: ignore[no-any-return]

    def _sip_password(self, password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise SIP_PASSWORD_TOO_SHORT({"min_password": MIN_PASSWORD}, field="password")
        if not SIP_PASSWORD_RE.fullmatch(password):
            raise SIP_PASSWORD_CHARACTERS(field="password")
        if self.stack.settings.mode == "prod" and password.endswith("-dev"):
            raise DEV_PASSWORD(field="password")
        return password

    @staticmethod
    def _static_contact(value: str) -> str:
        v = value.strip()
        if not v:
            return ""
        m = STATIC_CONTACT_RE.fullmatch(v)
        if m is None or (m.group(1) is not None and not 1 <= int(m.group(1)) <= 65535):
            raise BAD_STATIC_CONTACT({"v": v}, field="static_contact")
        return v

    def _busy_seat(self, extension: str, field: str) -> None:
        holder = self.stack.acd.by_ext.get(extension)
        if holder is not None:
            raise SEAT_IN_USE(field=field, extension=extension, logged_in=holder.username)

    @serialized
    async def create_seat(self, body: SeatCreateIn) -> Seat:
        ext = body.extension.strip()
        if not EXTENSION_RE.fullmatch(ext):
            raise BAD_EXTENSION({"ext": ext}, field="extension")
        name = _text(body.name, "name", max_len=128, forbidden=SEAT_NAME_FORBIDDEN,
                     what="control characters or any of \" ; < > \\ [ ]")
        password = self._sip_password(body.password)
        contact = self._static_contact(body.static_contact)
        if await self.stack.acd_repo.seat(ext) is not None:
            raise SEAT_EXISTS(field="extension", extension=ext)
        seat = Seat(extension=ext, name=name, password=password, static_contact=contact, active=True,
                    created_at=self.stack.clock.now())
        async with self.sessions() as s:
            s.add(seat)
            try:
                await s.commit()
            except IntegrityError as e:
                raise SEAT_EXISTS(field="extension", extension=ext) from e
            await s.refresh(seat)
        await self.stack.apply_config()
        return seat

    @serialized
    async def update_seat(self, extension: str, body: SeatPatchIn) -> tuple[Seat, dict[str, Any]]:
        _no_nulls(body)
        seat = await self._seat(extension)
        changes: dict[str, Any] = {}
        if body.name is not None:
            name = _text(body.name, "name", max_len=128, forbidden=SEAT_NAME_FORBIDDEN,
                         what="control characters or any of \" ; < > \\ [ ]")
            if name != seat.name:
                changes["name"] = name
        if body.password is not None:
            changes["password"] = self._sip_password(body.password)
        if body.static_contact is not None:
            contact = self._static_contact(body.static_contact)
            if contact != seat.static_contact:
                changes["static_contact"] = contact
        if body.active is not None and body.active != seat.active:
            if not body.active:
                self._busy_seat(seat.extension, "active")
            changes["active"] = body.active
        if not changes:
            return seat, {}
        async with self.sessions() as s:
            row = (await s.execute(select(Seat).where(Seat.id == seat.id))).scalar_one()
            for k, v in changes.items():
                setattr(row, k, v)
            await s.commit()
            await s.refresh(row)
            seat = row
        await self.stack.apply_config()
        detail = {k: v for k, v in changes.items() if k != "password"}
        if "password" in changes:
            detail["password"] = "changed"
        return seat, detail

    @serialized
    async def delete_seat(self, extension: str) -> Seat:
        seat = await self._seat(extension)
        self._busy_seat(seat.extension, "extension")
        async with self.sessions() as s:
            await s.execute(delete(Seat).where(Seat.id == seat.id))
            await s.commit()
        await self.stack.apply_config()
        return seat

    # queues ------------------------------------------------------------------------------------------------
    async def _skill_counts(self) -> dict[int, int]:
        async with self.sessions() as s:
            rows = (await s.execute(
                select(AgentSkill.queue_id, func.count(AgentSkill.id)).group_by(AgentSkill.queue_id)
            )).all()
        return {qid: int(n) for qid, n in rows}

    @staticmethod
    def _queue_out(q: QueueDef, agents: int) -> dict[str, Any]:
        return {"name": q.name, "display_name": q.display_name, "strategy": q.strategy,
                "ring_timeout_seconds": q.ring_timeout_seconds, "retry_seconds": q.retry_seconds,
                "wrapup_seconds": q.wrapup_seconds, "max_wait_seconds": q.max_wait_seconds, "announce": q.announce,
                "service_level_seconds": q.service_level_seconds,
                "service_level_target": q.service_level_target,
                "recording_retention_days": q.recording_retention_days, "routing": q.routing, "active": q.active,
                "agents": agents}

    async def list_queues(self) -> list[dict[str, Any]]:
        counts = await self._skill_counts()
        return [self._queue_out(q, counts.get(q.id, 0)) for q in await self.stack.acd_repo.queues()]

    async def queue_out(self, q: QueueDef) -> dict[str, Any]:
        return self._queue_out(q, (await self._skill_counts()).get(q.id, 0))

    async def _queue(self, name: str) -> QueueDef:
        async with self.sessions() as s:
            q = (await s.execute(select(QueueDef).where(QueueDef.name == name))).scalar_one_or_none()
        if q is None:
            raise QUEUE_NOT_FOUND(queue=name)
        return q

    def _announce(self, value: str) -> str:
        v = value.strip()
        if not v:
            return ""
        if not PROMPT_RE.fullmatch(v):
            raise BAD_ANNOUNCE({"v": v}, field="announce")
        if not any(self.stack.prompts.exists(v, lang) for lang in ("zh", "en")):
            raise ANNOUNCE_NOT_FOUND({"v": v}, field="announce")
        return v

    def _queue_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """Check the settable queue fields present in ``values``; returns them cleaned."""
        out: dict[str, Any] = {}
        for k, v in values.items():
            if k == "display_name":
                out[k] = _text(v, k, max_len=128, required=False)
            elif k == "strategy":
                if v not in STRATEGIES:
                    raise UNKNOWN_STRATEGY({"strategies": list(STRATEGIES), "v": v}, field=k)
                out[k] = v
            elif k == "routing":
                if v not in ROUTINGS:
                    raise UNKNOWN_ROUTING({"routings": list(ROUTINGS), "v": v}, field=k)
                out[k] = v
            elif k in QUEUE_RANGES:
                lo, hi = QUEUE_RANGES[k]
                if not lo <= v <= hi:
                    raise NUMBER_OUT_OF_RANGE({"lo": lo, "hi": hi, "v": v}, field=k)
                out[k] = v
            elif k == "announce":
                out[k] = self._announce(v)
            elif k == "active":
                out[k] = v
        return out

    def _fallback_guard(self, name: str, field: str, what: Words) -> None:
        if name == self.stack.settings.ivr.default_queue:
            raise FALLBACK_QUEUE({"what": what}, field=field, queue=name)

    @serialized
    async def create_queue(self, body: QueueCreateIn) -> QueueDef:
        name = body.name.strip()
        if not QUEUE_NAME_RE.fullmatch(name):
            raise BAD_QUEUE_NAME({"name": name}, field="name")
        if name.lower() in RESERVED_QUEUES:
            raise RESERVED_QUEUE_NAME({"name": name}, field="name")
        values = self._queue_fields(body.model_dump(exclude={"name"}))
        values["display_name"] = values.get("display_name") or name
        async with self.sessions() as s:
            # Asterisk's app_queue compares queue names without case
            other = (await s.execute(
                select(QueueDef.name).where(func.lower(QueueDef.name) == name.lower())
            )).scalar_one_or_none()
        if other is not None:
            raise QUEUE_EXISTS(field="name", queue=other)
        q = QueueDef(name=name, **values)
        async with self.sessions() as s:
            s.add(q)
            try:
                await s.commit()
            except IntegrityError as e:
                raise QUEUE_EXISTS(field="name", queue=name) from e
            await s.refresh(q)
        await self.stack.apply_config()
        return q

    @serialized
    async def update_queue(self, name: str, body: QueuePatchIn) -> tuple[QueueDef, dict[str, Any]]:
        _no_nulls(body)
        q = await self._queue(name)
        given = body.model_dump(exclude_unset=True)
        new_name = given.pop("name", None)
        if new_name is not None and new_name != q.name:
            raise QUEUE_RENAME({"name": q.name}, field="name")
        values = self._queue_fields(given)
        if "display_name" in values and not values["display_name"]:
            values["display_name"] = q.name
        changes = {k: v for k, v in values.items() if getattr(q, k) != v}
        if changes.get("active") is False:
            self._fallback_guard(q.name, "active", Words("deactivated", "停用"))
            live, _ = await self.stack.ivr.flows_using_queue(q.name)
            if live:
                raise QUEUE_IN_PUBLISHED_FLOW({"name": q.name, "live": ', '.join(live)}, field="active", flows=live)
        if not changes:
            return q, {}
        async with self.sessions() as s:
            row = (await s.execute(select(QueueDef).where(QueueDef.id == q.id))).scalar_one()
            for k, v in changes.items():
                setattr(row, k, v)
            await s.commit()
            await s.refresh(row)
            q = row
        await self.stack.apply_config()
        return q, changes

    @serialized
    async def delete_queue(self, name: str) -> QueueDef:
        q = await self._queue(name)
        self._fallback_guard(q.name, "name", Words("deleted", "删除"))
        live, draft = await self.stack.ivr.flows_using_queue(q.name)
        flows = sorted(set(live) | set(draft))
        if flows:
            raise QUEUE_IN_FLOWS({"name": q.name, "flows_text": ', '.join(flows), "value": ', '.join(live) or NONE,
                                 "value2": ', '.join(draft) or NONE}, field="name", flows=flows)
        agents = (await self._skill_counts()).get(q.id, 0)
        if agents:
            raise QUEUE_HAS_SKILLS({"name": q.name}, field="name", agents=agents)
        async with self.sessions() as s:
            await s.execute(delete(QueueDef).where(QueueDef.id == q.id))
            await s.commit()
        await self.stack.apply_config()
        return q

    # pause reasons -----------------------------------------------------------------------------------------
    @staticmethod
    def reason_out(r: PauseReason) -> dict[str, Any]:
        return {"code": r.code, "label_zh": r.label_zh, "label_en": r.label_en, "away": r.away, "system": r.system,
                "active": r.active}

    async def list_reasons(self) -> list[dict[str, Any]]:
        return [self.reason_out(r) for r in await self.stack.acd_repo.pause_reasons(active_only=False)]

    async def _reason(self, code: str) -> PauseReason:
        async with self.sessions() as s:
            r = (await s.execute(select(PauseReason).where(PauseReason.code == code))).scalar_one_or_none()
        if r is None:
            raise REASON_NOT_FOUND(code=code)
        return r

    @serialized
    async def create_reason(self, body: PauseReasonCreateIn) -> PauseReason:
        code = body.code.strip()
        if not REASON_CODE_RE.fullmatch(code):
            raise BAD_REASON_CODE({"code": code}, field="code")
        if code in RESERVED_REASONS:
            raise RESERVED_REASON_CODE({"code": code}, field="code")
        label_zh = _text(body.label_zh, "label_zh", max_len=64)
        label_en = _text(body.label_en, "label_en", max_len=64)
        async with self.sessions() as s:
            if (await s.execute(select(PauseReason.id).where(PauseReason.code == code))).first() is not None:
                raise REASON_EXISTS(field="code", code=code)
            r = PauseReason(code=code, label_zh=label_zh, label_en=label_en, away=body.away, system=False,
                            active=True)
            s.add(r)
            try:
                await s.commit()
            except IntegrityError as e:
                raise REASON_EXISTS(field="code", code=code) from e
            await s.refresh(r)
        await self.stack.acd.reload_config()
        return r

    @serialized
    async def update_reason(self, code: str, body: PauseReasonPatchIn) -> tuple[PauseReason, dict[str, Any]]:
        _no_nulls(body)
        r = await self._reason(code)
        changes: dict[str, Any] = {}
        for k in ("label_zh", "label_en"):
            v = getattr(body, k)
            if v is not None:
                v = _text(v, k, max_len=64)
                if v != getattr(r, k):
                    changes[k] = v
        for k in ("away", "active"):
            v = getattr(body, k)
            if v is not None and v != getattr(r, k):
                if r.system and k in SYSTEM_REASON_FIXED:
                    raise SYSTEM_REASON({"code": code}, field=k)
                changes[k] = v
        if not changes:
            return r, {}
        async with self.sessions() as s:
            row = (await s.execute(select(PauseReason).where(PauseReason.id == r.id))).scalar_one()
            for k, v in changes.items():
                setattr(row, k, v)
            await s.commit()
            await s.refresh(row)
            r = row
        await self.stack.acd.reload_config()
        return r, changes
