"""The realtime domain wired: the hub every live message goes through, the guard that closes a websocket whose
session ended (docs/security.md), and the ``/ws/agent`` route."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from callcenter.auth.service import AuthService
from callcenter.clock import Clock
from callcenter.realtime.api import router
from callcenter.realtime.hub import Hub, SessionGuard


@dataclass(frozen=True)
class Realtime:
    hub: Hub
    ws_guard: SessionGuard
    routers: tuple[APIRouter, ...]


def wire_realtime(auth: AuthService, clock: Clock, recheck_seconds: float) -> Realtime:
    guard = SessionGuard(auth, clock, recheck=recheck_seconds)
    # every committed change of users or sessions: the sockets of those users are checked at once
    auth.on_change(guard.on_auth_change)
    return Realtime(hub=Hub(), ws_guard=guard, routers=(router,))
