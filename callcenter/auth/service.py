"""Users, roles, login sessions and the audit log.

Passwords are hashed with scrypt (hashlib; n=2^14, r=8, p=1, 16-byte salt). Session tokens are 32 random
bytes; only their SHA-256 is stored.

scrypt costs ~45-90 ms of CPU per hash, and the event loop also carries AMI, FastAGI and every websocket, so every
hash (login, password set) runs in a worker thread (hashlib releases the GIL), at most
``auth.hash_concurrency`` at a time. Logins beyond that wait their turn, up to ``auth.hash_queue_max`` waiting;
past that a login is refused at once with 503 and ``Retry-After: 1``: a shift's worth of agents logging in at
the same minute only waits a fraction of a second, while a flood cannot pile up waiting requests (each holding
memory and a socket) without bound.

Failed logins are limited per (username, client address) and per client address (any username), so trying
random usernames from one address is throttled too. Both maps are bounded (``auth.login_failure_map_max``):
expired entries are pruned and the least recently failed ones evicted first.

Every change to users or sessions made through this process's sessionmaker (login, logout, an admin changing
roles, deactivating or resetting a password, even a bulk UPDATE) is told to :meth:`AuthService.on_change`
listeners after its commit, so open websockets can be closed when their session no longer holds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from callcenter.auth.errors import (
    BAD_USERNAME,
    LOGINS_BUSY,
    PASSWORD_TOO_SHORT,
    TOO_MANY_FOR_USER,
    TOO_MANY_FROM_ADDRESS,
    UNKNOWN_ROLES,
    USER_EXISTS,
    WRONG_PASSWORD,
)
from callcenter.auth.models import ROLES, AuthSession, User
from callcenter.auth.repository import AuthRepository
from callcenter.clock import Clock

log = logging.getLogger(__name__)
R = TypeVar("R")
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """Blocking (~45-90 ms of CPU): call it from a thread, e.g. :meth:`AuthService.hash`."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Blocking like :func:`hash_password`; :meth:`AuthService.verify` runs it off the event loop."""
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        calc = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                              dklen=len(bytes.fromhex(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(calc.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()



@dataclass(frozen=True)
class AuthChange:
    """Users or sessions changed. ``user_ids``/``token_hashes`` name what changed; ``everyone`` means a bulk
    statement whose rows are not known (check every session)."""

    user_ids: frozenset[int] = frozenset()
    token_hashes: frozenset[str] = frozenset()
    everyone: bool = False


@dataclass(frozen=True)
class SessionInfo:
    user: User
    expires_at: datetime


class _FailureLog:
    """Recent failure times per key, bounded: at most ``max_keys`` keys (least recently failed evicted first;
    keys whose latest failure is older than the window are pruned), at most ``limit`` times per key (only the
    oldest of the last ``limit`` decides when a lock ends)."""

    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._d: OrderedDict[Any, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._d)

    def locked_for(self, key: Any, now: float) -> int:
        """Seconds until ``key`` may try again (0: not locked)."""
        q = self._d.get(key)
        if q is None:
            return 0
        while q and now - q[0] > self.window:
            q.popleft()
        if len(q) < self.limit:
            return 0
        return int(self.window - (now - q[0])) + 1

    def add(self, key: Any, now: float) -> None:
        q = self._d.get(key)
        if q is None:
            q = self._d[key] = deque(maxlen=self.limit)
        q.append(now)
        self._d.move_to_end(key)
        # the front holds the least recently failed keys: drop those that have expired, then any over the bound
        while self._d:
            oldest_key, oldest = next(iter(self._d.items()))
            if len(self._d) > self.max_keys or not oldest or now - oldest[-1] > self.window:
                del self._d[oldest_key]
            else:
                break

    def clear(self, key: Any) -> None:
        self._d.pop(key, None)


class AuthService:
    """Users, logins and sessions; the audit log. Hashing runs off the event loop (see the module docstring)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *, session_hours: float = 12,
                 max_failures: int = 5, failure_window_seconds: float = 300,
                 max_failures_per_address: int = 20, failure_map_max: int = 10_000,
                 hash_concurrency: int = 2, hash_queue_max: int = 64) -> None:
        self.sessions = sessions  # watched for commits that change users or sessions (_watch_commits)
        self.repo = AuthRepository(sessions)
        self.clock = clock
        self.session_hours = session_hours
        self.max_failures = max_failures
        self.failure_window = failure_window_seconds
        self._by_user = _FailureLog(max_failures, failure_window_seconds, failure_map_max)
        self._by_address = _FailureLog(max_failures_per_address, failure_window_seconds, failure_map_max)
        self._hash_slots = asyncio.Semaphore(hash_concurrency)
        self._hash_queue_max = hash_queue_max
        self._hash_waiting = 0
        self._listeners: list[Callable[[AuthChange], None]] = []
        self._watch_commits()

    # hashing, off the event loop --------------------------------------------------------------------------
    async def _off_loop(self, fn: Callable[..., R], *args: Any) -> R:
        if self._hash_waiting >= self._hash_queue_max:
            raise LOGINS_BUSY(retry_after_seconds=1)
        self._hash_waiting += 1
        try:
            await self._hash_slots.acquire()
        finally:
            self._hash_waiting -= 1
        # the slot is given back when the thread is done, even if this request is cancelled meanwhile (a
        # cancelled await does not stop the thread), so never more than hash_concurrency hashes run at once
        work = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        work.add_done_callback(lambda _: self._hash_slots.release())
        return await asyncio.shield(work)

    async def hash(self, password: str) -> str:
        """scrypt hash of ``password``, computed in a worker thread (bounded concurrency)."""
        return await self._off_loop(hash_password, password)

    async def verify(self, password: str, stored: str) -> bool:
        """Does ``password`` match ``stored``? Computed in a worker thread (bounded concurrency)."""
        return await self._off_loop(verify_password, password, stored)

    # users -----------------------------------------------------------------------------------------------
    async def create_user(self, username: str, password: str, roles: list[str], display_name: str = "") -> User:
        username = username.strip()
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", username):
            raise BAD_USERNAME({"username": username})
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            raise UNKNOWN_ROLES({"roles": list(ROLES), "roles2": roles})
        if len(password) < 8:
            raise PASSWORD_TOO_SHORT()
        if await self.repo.user_named(username):
            raise USER_EXISTS(username=username)
        hashed = await self.hash(password)
        return await self.repo.add_user(username=username, display_name=display_name or username,
                                        roles=sorted(set(roles)), password_hash=hashed, active=True,
                                        created_at=self.clock.now())

    async def has_users(self) -> bool:
        return await self.repo.has_users()

    async def users_with_password(self, password: str, users: Iterable[User]) -> list[str]:
        """Usernames among ``users`` whose password is ``password`` (each checked off the loop)."""
        return [u.username for u in users if await self.verify(password, u.password_hash)]

    # login -----------------------------------------------------------------------------------------------
    def _check_rate(self, username: str, client: str) -> None:
        now = self.clock.now().timestamp()
        retry = self._by_address.locked_for(client, now)
        if retry:
            raise TOO_MANY_FROM_ADDRESS(retry_after_seconds=retry)
        retry = self._by_user.locked_for((username, client), now)
        if retry:
            raise TOO_MANY_FOR_USER({"username": username}, retry_after_seconds=retry)

    def failure_entries(self) -> tuple[int, int]:
        """How many (username, address) and address keys the failure limit holds now (bounded)."""
        return len(self._by_user), len(self._by_address)

    async def login(self, username: str, password: str, client: str) -> tuple[str, User]:
        name = username.strip().lower()
        self._check_rate(name, client)  # before any hashing: a locked client costs no scrypt
        user = await self.repo.user_named(username.strip())
        # no DB connection is held while hashing. The same scrypt work for unknown or inactive users, so timing
        # does not tell who exists
        ok = await self.verify(password, user.password_hash if user is not None else _DUMMY_HASH)
        ok = ok and user is not None and user.active
        if not ok:
            now = self.clock.now().timestamp()
            self._by_user.add((name, client), now)
            self._by_address.add(client, now)
            raise WRONG_PASSWORD()
        assert user is not None
        self._by_user.clear((name, client))
        token = secrets.token_urlsafe(32)
        now_dt = self.clock.now()
        await self.repo.add_session(token_hash(token), user.id, now_dt, now_dt + timedelta(hours=self.session_hours))
        await self.audit(user.username, "login", "", {"client": client})
        return token, user

    async def session_for_token(self, token: str) -> SessionInfo | None:
        """The user and expiry of a valid session (not expired, user active); None otherwise."""
        found = await self.sessions_by_hash([token_hash(token)])
        return found.get(token_hash(token))

    async def sessions_by_hash(self, hashes: Iterable[str]) -> dict[str, SessionInfo]:
        """The valid sessions among ``hashes`` (one query), by token hash."""
        hashes = list(set(hashes))
        if not hashes:
            return {}
        rows = await self.repo.sessions_by_hash(hashes)
        now = self.clock.now()
        return {h: SessionInfo(u, exp) for u, h, exp in rows if exp > now and u.active}

    async def user_for_token(self, token: str) -> User | None:
        info = await self.session_for_token(token)
        return info.user if info is not None else None

    async def logout(self, token: str) -> None:
        await self.repo.delete_session(token_hash(token))
        self._emit(AuthChange(token_hashes=frozenset({token_hash(token)})))

    # change notification -----------------------------------------------------------------------------------
    def on_change(self, listener: Callable[[AuthChange], None]) -> None:
        """``listener`` is called (on the event loop, never awaited) after every commit that changed users or
        sessions. It must not raise."""
        self._listeners.append(listener)

    def _emit(self, change: AuthChange) -> None:
        for fn in self._listeners:
            try:
                fn(change)
            except Exception:
                log.exception("auth change listener failed")

    def _watch_commits(self) -> None:
        """ORM events on this service's sessionmaker: any code that changes a user or a session through it (the
        admin service sets roles/active/password and deletes sessions itself) is noticed without calling us."""
        maker = self.sessions.kw.get("sync_session_class")
        if maker is None or maker is Session:
            # the shared Session class would see every database in the process; db.make_sessionmaker gives each
            # engine its own
            log.warning("auth: sessionmaker without its own sync_session_class; websockets are closed on logout "
                        "and by the periodic check only")
            return

        def changes(session: Session) -> dict[str, Any]:
            found: dict[str, Any] = session.info.setdefault("cc_auth_change",
                                                            {"users": set(), "tokens": set(), "all": False})
            return found

        @event.listens_for(maker, "after_flush")
        def _flushed(session: Session, _ctx: Any) -> None:
            for obj in (*session.dirty, *session.deleted, *session.new):
                if isinstance(obj, User) and obj.id is not None:
                    changes(session)["users"].add(obj.id)
                elif isinstance(obj, AuthSession) and obj in session.deleted:
                    changes(session)["tokens"].add(obj.token_hash)

        @event.listens_for(maker, "do_orm_execute")
        def _bulk(state: ORMExecuteState) -> None:
            if (state.is_update or state.is_delete) and any(
                    m.class_ in (User, AuthSession) for m in state.all_mappers):
                changes(state.session)["all"] = True  # which rows is not known: every session is rechecked

        @event.listens_for(maker, "after_commit")
        def _committed(session: Session) -> None:
            c = session.info.pop("cc_auth_change", None)
            if c and (c["users"] or c["tokens"] or c["all"]):
                self._emit(AuthChange(frozenset(c["users"]), frozenset(c["tokens"]), c["all"]))

        @event.listens_for(maker, "after_rollback")
        def _rolled_back(session: Session) -> None:
            session.info.pop("cc_auth_change", None)

    # audit -----------------------------------------------------------------------------------------------
    async def audit(self, username: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
        await self.repo.add_audit(self.clock.now(), username, action, target, detail)
