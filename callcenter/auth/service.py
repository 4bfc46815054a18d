"""Users, roles, login sessions and the audit log.

Passwords are hashed with scrypt (hashlib; n=2^14, r=8, p=1, 16-byte salt). Session tokens are 32 random
bytes; only their SHA-256 is stored. Failed logins are limited per (username, client address).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import deque
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.auth.models import ROLES, AuditEntry, AuthSession, User
from callcenter.clock import Clock
from callcenter.errors import InvalidInput, TooManyAttempts, Unauthorized

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    def __init__(self, sessions: async_sessionmaker, clock: Clock, *, session_hours: float = 12,  # type: ignore[type-arg]
                 max_failures: int = 5, failure_window_seconds: float = 300) -> None:
        self.sessions = sessions
        self.clock = clock
        self.session_hours = session_hours
        self.max_failures = max_failures
        self.failure_window = failure_window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}

    # users -----------------------------------------------------------------------------------------------
    async def create_user(self, username: str, password: str, roles: list[str], display_name: str = "") -> User:
        username = username.strip()
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", username):
            raise InvalidInput(f"username {username!r} must be 1-64 letters, digits, '_', '.' or '-'")
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            raise InvalidInput(f"roles must be some of {list(ROLES)}; got {roles}")
        if len(password) < 8:
            raise InvalidInput("password must be at least 8 characters")
        async with self.sessions() as s:
            if (await s.execute(select(User).where(User.username == username))).scalar_one_or_none():
                raise InvalidInput(f"user {username!r} already exists", username=username)
            user = User(username=username, display_name=display_name or username, roles=sorted(set(roles)),
                        password_hash=hash_password(password), active=True, created_at=self.clock.now())
            s.add(user)
            await s.commit()
            return user

    async def has_users(self) -> bool:
        async with self.sessions() as s:
            return (await s.execute(select(User.id).limit(1))).first() is not None

    # login -----------------------------------------------------------------------------------------------
    def _check_rate(self, key: tuple[str, str]) -> None:
        now = self.clock.now().timestamp()
        q = self._failures.get(key)
        if q is None:
            return
        while q and now - q[0] > self.failure_window:
            q.popleft()
        if len(q) >= self.max_failures:
            retry = int(self.failure_window - (now - q[0])) + 1
            raise TooManyAttempts(f"too many failed logins for {key[0]!r}; try again in {retry} s",
                                  retry_after_seconds=retry)

    async def login(self, username: str, password: str, client: str) -> tuple[str, User]:
        key = (username.strip().lower(), client)
        self._check_rate(key)
        async with self.sessions() as s:
            user = (await s.execute(select(User).where(User.username == username.strip()))).scalar_one_or_none()
            # the same scrypt work for unknown or inactive users, so timing does not tell who exists
            ok = verify_password(password, user.password_hash if user is not None else _DUMMY_HASH)
            ok = ok and user is not None and user.active
            if not ok:
                self._failures.setdefault(key, deque()).append(self.clock.now().timestamp())
                raise Unauthorized("wrong username or password")
            assert user is not None
            self._failures.pop(key, None)
            token = secrets.token_urlsafe(32)
            now = self.clock.now()
            s.add(AuthSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                              expires_at=now + timedelta(hours=self.session_hours)))
            await s.commit()
        await self.audit(user.username, "login", "", {"client": client})
        return token, user

    async def user_for_token(self, token: str) -> User | None:
        async with self.sessions() as s:
            row = (await s.execute(
                select(User, AuthSession.expires_at).join(AuthSession, AuthSession.user_id == User.id)
                .where(AuthSession.token_hash == _token_hash(token))
            )).first()
        if row is None:
            return None
        user, expires_at = row
        if expires_at <= self.clock.now() or not user.active:
            return None
        return user  # type: ignore[no-any-return]

    async def logout(self, token: str) -> None:
        async with self.sessions() as s:
            await s.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
            await s.commit()

    # audit -----------------------------------------------------------------------------------------------
    async def audit(self, username: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
        async with self.sessions() as s:
            s.add(AuditEntry(at=self.clock.now(), username=username, action=action, target=target, detail=detail))
            await s.commit()

