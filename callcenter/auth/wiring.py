"""The auth domain wired: users, roles, login sessions and the audit log, and their routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.api import router
from callcenter.auth.service import AuthService
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
