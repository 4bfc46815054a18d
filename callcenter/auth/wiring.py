"""The auth domain wired: users, roles, login sessions and the audit log, and their routes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.admin_api import router as users_router
from callcenter.auth.api import router
from callcenter.auth.service import AuthService
from callcenter.auth.users import UserAdmin, UserSeats
from callcenter.clock import Clock
from callcenter.settings import AuthSettings


@dataclass(frozen=True)
class Auth:
    service: AuthService
    routers: tuple[APIRouter, ...]


def wire_auth(sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: AuthSettings) -> Auth:
    a = settings
    service = AuthService(sessions, clock, session_hours=a.session_hours, max_failures=a.login_max_failures,
                          failure_window_seconds=a.login_failure_window_seconds,
                          max_failures_per_address=a.login_max_failures_per_address,
                          failure_map_max=a.login_failure_map_max, hash_concurrency=a.hash_concurrency,
                          hash_queue_max=a.hash_queue_max)
    return Auth(service=service, routers=(router,))


@dataclass(frozen=True)
class Users:
    """The users' administration (the admin page's Users tab, ``/api/admin/users``)."""

    admin: UserAdmin
    routers: tuple[APIRouter, ...]


def wire_users(auth: AuthService, seats: UserSeats, lock: asyncio.Lock) -> Users:
    """``seats`` is the directory seen as what a user's seat and skills need (auth imports neither it nor the ACD);
    ``lock`` is shared with the directory (one admin change at a time across both)."""
    return Users(admin=UserAdmin(auth, seats, lock), routers=(users_router,))
