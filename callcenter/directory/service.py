"""The directory's rules: seats (SIP phones), queues, agents' skills and pause reasons, as the admin page edits them.

Every request is checked completely before anything is written, so a refused request changes nothing; each
refusal names its field (400), the missing record (404) or what it conflicts with (409). The router writes the
audit entry after a change succeeded. The SQL is the repository's (:mod:`callcenter.directory.repository`).

After a change the running system follows at once: seats and queues re-render pjsip.conf/queues.conf and reload
them in Asterisk (``apply_config``, the callback the composition root gives: ``Stack.apply_config``), skills move a
logged-in agent's queue memberships (the ACD's ``refresh_memberships``), pause reasons are re-read by the ACD
(``reload_config``). What the IVR knows (prompts, the flows naming a queue) is asked through the callbacks
``prompt_exists`` and ``flows_using_queue``: the directory does not import the IVR, nor the ACD's service (it is
given the ACD's live agents as :class:`LiveAgents`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from callcenter.acd.errors import state_words
from callcenter.auth.models import User
from callcenter.auth.users import MIN_PASSWORD, checked_text, no_nulls, serialized
from callcenter.clock import Clock
from callcenter.directory.errors import (
    ANNOUNCE_NOT_FOUND,
    BAD_ANNOUNCE,
    BAD_EXTENSION,
    BAD_QUEUE_NAME,
    BAD_REASON_CODE,
    BAD_STATIC_CONTACT,
    DEV_PASSWORD,
    FALLBACK_QUEUE,
    NUMBER_OUT_OF_RANGE,
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
    UNKNOWN_ROUTING,
    UNKNOWN_STRATEGY,
    USER_ON_CALL,
)
from callcenter.directory.models import LEVELS, ROUTINGS, STRATEGIES, PauseReason, QueueDef, Seat
from callcenter.directory.repository import DirectoryRepository
from callcenter.directory.schemas import (
    PauseReasonCreateIn,
    PauseReasonPatchIn,
    QueueCreateIn,
    QueuePatchIn,
    SeatCreateIn,
    SeatPatchIn,
    SkillIn,
)
from callcenter.errors import Words

EXTENSION_RE = re.compile(r"[0-9]{2,16}")
QUEUE_NAME_RE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
REASON_CODE_RE = re.compile(r"[a-z0-9_]{1,32}")
PROMPT_RE = re.compile(r"[A-Za-z0-9_\-/]{1,80}")
# what pjsip.conf can carry safely: printable ASCII, no blanks, no ';' (a comment), no '\' or '"'
SIP_PASSWORD_RE = re.compile(r"[!#-:<-\[\]-~]{8,128}")
NONE = Words("none", "无")  # an empty list, as a refusal names it
STATIC_CONTACT_RE = re.compile(r"sip:[A-Za-z0-9_.+\-]{1,64}@[A-Za-z0-9.\-]{1,120}(?::([0-9]{1,5}))?")
# a seat's name goes into pjsip.conf as callerid = "name" <ext>
SEAT_NAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f";<>\\\[\]]')
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
_text = checked_text
_no_nulls = no_nulls


class LiveAgents(Protocol):
    """What the directory needs of the ACD's live agents (``callcenter.acd.service.AgentService``): who sits at a
    seat, a user's seat and state, and the ACD told to follow a change."""

    def username_at(self, extension: str) -> str | None: ...

    def seat_and_state(self, user_id: int) -> tuple[str | None, str] | None: ...

    def rename(self, user_id: int, display_name: str) -> None: ...

    async def logout(self, user: User, source: str = "agent") -> object: ...

    async def refresh_memberships(self, user_id: int) -> None: ...

    async def reload_config(self) -> None: ...


@dataclass
class Directory:
    """One per stack, built by ``wire_directory`` with its callbacks. ``lock`` is shared with the users'
    administration (:class:`callcenter.auth.users.UserAdmin`): one admin change at a time."""

    repo: DirectoryRepository
    acd: LiveAgents
    clock: Clock
    mode: str  # settings.mode: prod refuses the dev placeholder SIP passwords
    fallback_queue: str  # settings.ivr.default_queue: cannot be deactivated or deleted
    apply_config: Callable[[], Awaitable[None]]  # seats or queues changed: render and reload Asterisk's config
    flows_using_queue: Callable[[str], Awaitable[tuple[list[str], list[str]]]]  # (published, draft) flow names
    prompt_exists: Callable[[str, str], bool]  # (prompt name, language)
    lock: asyncio.Lock

    # the users' seats and skills (callcenter.auth.users.UserSeats) ---------------------------------------
    async def skills_by_user(self) -> dict[int, list[dict[str, str]]]:
        return await self.repo.skills_by_user()

    def seat_of(self, user_id: int) -> tuple[str | None, str] | None:
        """(seat, state) of a logged-in agent; None when not logged in."""
        return self.acd.seat_and_state(user_id)

    async def release_seat(self, user: User, field: str) -> str | None:
        """The user is deactivated or no longer an agent: they leave their seat (they could not themselves);
        refused while they ring or talk. Returns the seat they left, if any."""
        at = self.acd.seat_and_state(user.id)
        if at is None:
            return None
        seat, state = at
        if state in ("ringing", "on_call"):
            raise USER_ON_CALL({"username": user.username, "state_text": state_words(state)},
                               field=field, seat=seat, state=state)
        await self.acd.logout(user, source="admin")
        return seat

    def renamed(self, user_id: int, display_name: str) -> None:
        self.acd.rename(user_id, display_name)

    @serialized
    async def set_skills(self, user_id: int, skills: list[SkillIn], user: Callable[[int], Awaitable[User]]
                         ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """Replace the user's skills; returns (before, after). ``user`` finds the user or refuses (auth's
        ``UserAdmin.user``); it is read under the lock, so their roles cannot change meanwhile."""
        u = await user(user_id)
        if skills and "agent" not in u.roles:
            raise SKILLS_NOT_AGENT({"username": u.username}, field="skills", roles=list(u.roles))
        queues = {q.name: q for q in await self.repo.queues()}
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
        before = (await self.repo.skills_by_user()).get(u.id, [])
        await self.repo.replace_skills(u.id, {queues[q].id: level for q, level in want.items()})
        await self.acd.refresh_memberships(u.id)
        return before, [{"queue": q, "level": lvl} for q, lvl in sorted(want.items())]

    # seats -------------------------------------------------------------------------------------------------
    def seat_out(self, seat: Seat) -> dict[str, Any]:
        return {"extension": seat.extension, "name": seat.name, "static_contact": seat.static_contact,
                "active": seat.active, "has_password": bool(seat.password), "created_at": seat.created_at,
                "in_use_by": self.acd.username_at(seat.extension)}

    async def list_seats(self) -> list[dict[str, Any]]:
        return [self.seat_out(x) for x in await self.repo.seats()]

    async def _seat(self, extension: str) -> Seat:
        seat = await self.repo.seat(extension)
        if seat is None:
            raise SEAT_NOT_FOUND(extension=extension)
        return seat

    def _sip_password(self, password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise SIP_PASSWORD_TOO_SHORT({"min_password": MIN_PASSWORD}, field="password")
        if not SIP_PASSWORD_RE.fullmatch(password):
            raise SIP_PASSWORD_CHARACTERS(field="password")
        if self.mode == "prod" and password.endswith("-dev"):
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
        holder = self.acd.username_at(extension)
        if holder is not None:
            raise SEAT_IN_USE(field=field, extension=extension, logged_in=holder)

    @serialized
    async def create_seat(self, body: SeatCreateIn) -> Seat:
        ext = body.extension.strip()
        if not EXTENSION_RE.fullmatch(ext):
            raise BAD_EXTENSION({"ext": ext}, field="extension")
        name = _text(body.name, "name", max_len=128, forbidden=SEAT_NAME_FORBIDDEN,
                     what="control characters or any of \" ; < > \\ [ ]")
        password = self._sip_password(body.password)
        contact = self._static_contact(body.static_contact)
        if await self.repo.seat(ext) is not None:
            raise SEAT_EXISTS(field="extension", extension=ext)
        seat = await self.repo.add(Seat(extension=ext, name=name, password=password, static_contact=contact,
                                        active=True, created_at=self.clock.now()))
        if seat is None:
            raise SEAT_EXISTS(field="extension", extension=ext)
        await self.apply_config()
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
        seat = await self.repo.update(Seat, seat.id, changes)
        await self.apply_config()
        detail = {k: v for k, v in changes.items() if k != "password"}
        if "password" in changes:
            detail["password"] = "changed"
        return seat, detail

    @serialized
    async def delete_seat(self, extension: str) -> Seat:
        seat = await self._seat(extension)
        self._busy_seat(seat.extension, "extension")
        await self.repo.remove(Seat, seat.id)
        await self.apply_config()
        return seat

    # queues ------------------------------------------------------------------------------------------------
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
        counts = await self.repo.skill_counts()
        return [self._queue_out(q, counts.get(q.id, 0)) for q in await self.repo.queues()]

    async def queue_out(self, q: QueueDef) -> dict[str, Any]:
        return self._queue_out(q, (await self.repo.skill_counts()).get(q.id, 0))

    async def _queue(self, name: str) -> QueueDef:
        q = await self.repo.queue(name)
        if q is None:
            raise QUEUE_NOT_FOUND(queue=name)
        return q

    def _announce(self, value: str) -> str:
        v = value.strip()
        if not v:
            return ""
        if not PROMPT_RE.fullmatch(v):
            raise BAD_ANNOUNCE({"v": v}, field="announce")
        if not any(self.prompt_exists(v, lang) for lang in ("zh", "en")):
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
        if name == self.fallback_queue:
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
        other = await self.repo.queue_named_like(name)  # Asterisk's app_queue compares queue names without case
        if other is not None:
            raise QUEUE_EXISTS(field="name", queue=other)
        q = await self.repo.add(QueueDef(name=name, **values))
        if q is None:
            raise QUEUE_EXISTS(field="name", queue=name)
        await self.apply_config()
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
            live, _ = await self.flows_using_queue(q.name)
            if live:
                raise QUEUE_IN_PUBLISHED_FLOW({"name": q.name, "live": ', '.join(live)}, field="active", flows=live)
        if not changes:
            return q, {}
        q = await self.repo.update(QueueDef, q.id, changes)
        await self.apply_config()
        return q, changes

    @serialized
    async def delete_queue(self, name: str) -> QueueDef:
        q = await self._queue(name)
        self._fallback_guard(q.name, "name", Words("deleted", "删除"))
        live, draft = await self.flows_using_queue(q.name)
        flows = sorted(set(live) | set(draft))
        if flows:
            raise QUEUE_IN_FLOWS({"name": q.name, "flows_text": ', '.join(flows), "value": ', '.join(live) or NONE,
                                 "value2": ', '.join(draft) or NONE}, field="name", flows=flows)
        agents = (await self.repo.skill_counts()).get(q.id, 0)
        if agents:
            raise QUEUE_HAS_SKILLS({"name": q.name}, field="name", agents=agents)
        await self.repo.remove(QueueDef, q.id)
        await self.apply_config()
        return q

    # pause reasons -----------------------------------------------------------------------------------------
    @staticmethod
    def reason_out(r: PauseReason) -> dict[str, Any]:
        return {"code": r.code, "label_zh": r.label_zh, "label_en": r.label_en, "away": r.away, "system": r.system,
                "active": r.active}

    async def list_reasons(self) -> list[dict[str, Any]]:
        return [self.reason_out(r) for r in await self.repo.pause_reasons(active_only=False)]

    async def _reason(self, code: str) -> PauseReason:
        r = await self.repo.pause_reason(code)
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
        if await self.repo.pause_reason(code) is not None:
            raise REASON_EXISTS(field="code", code=code)
        r = await self.repo.add(PauseReason(code=code, label_zh=label_zh, label_en=label_en, away=body.away,
                                            system=False, active=True))
        if r is None:
            raise REASON_EXISTS(field="code", code=code)
        await self.acd.reload_config()
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
        r = await self.repo.update(PauseReason, r.id, changes)
        await self.acd.reload_config()
        return r, changes
