"""Storage for users, login sessions (by token hash) and the audit log. Each method is one transaction of its
own; the rules (names, roles, password length, failure limits, hashing off the loop) stay in ``service.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import AuditEntry, AuthSession, User


class AuthRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # users -----------------------------------------------------------------------------------------------
    async def user_named(self, username: str) -> User | None:
        """The user spelled exactly ``username``."""
        async with self.sessions() as s:
            return (await s.execute(select(User).where(User.username == username))).scalar_one_or_none()

    async def add_user(self, **values: Any) -> User:
        async with self.sessions() as s:
            user = User(**values)
            s.add(user)
            await s.commit()
            return user

    async def user(self, user_id: int) -> User | None:
        async with self.sessions() as s:
            return await s.get(User, user_id)

    async def users(self) -> list[User]:
        """Every user, by username."""
        async with self.sessions() as s:
            return list((await s.execute(select(User).order_by(User.username))).scalars())

    async def username_like(self, username: str) -> str | None:
        """The username of the user spelled ``username`` in any case, if there is one."""
        async with self.sessions() as s:
            return (await s.execute(
                select(User.username).where(func.lower(User.username) == username.lower())
            )).scalar_one_or_none()

    async def update_user(self, user_id: int, values: dict[str, Any], *, end_sessions: bool) -> User:
        """Set ``values`` (columns of :class:`User`) on the user and, with ``end_sessions``, delete their login
        sessions, in one transaction."""
        async with self.sessions() as s:
            row = await s.get(User, user_id)
            assert row is not None
            for k, v in values.items():
                setattr(row, k, v)
            if end_sessions:
                await s.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
            await s.commit()
            await s.refresh(row)
            return row

    async def has_users(self) -> bool:
        async with self.sessions() as s:
            return (await s.execute(select(User.id).limit(1))).first() is not None

    # login sessions ----------------------------------------------------------------------------------------
    async def add_session(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        async with self.sessions() as s:
            s.add(AuthSession(token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at))
            await s.commit()

    async def sessions_by_hash(self, hashes: Sequence[str]) -> list[tuple[User, str, datetime]]:
        """(user, token hash, expiry) of the stored sessions among ``hashes``, expired or not (one query)."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(User, AuthSession.token_hash, AuthSession.expires_at)
                .join(AuthSession, AuthSession.user_id == User.id)
                .where(AuthSession.token_hash.in_(hashes))
            )).all()
        return [(u, h, exp) for u, h, exp in rows]

    async def delete_session(self, token_hash: str) -> None:
        async with self.sessions() as s:
            await s.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash))
            await s.commit()

    # audit -----------------------------------------------------------------------------------------------
    async def add_audit(self, at: datetime, username: str, action: str, target: str,
                        detail: dict[str, Any] | None) -> None:
        async with self.sessions() as s:
            s.add(AuditEntry(at=at, username=username, action=action, target=target, detail=detail))
            await s.commit()
