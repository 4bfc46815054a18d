"""The lead's help wired: its desk (``/api/help``), its alerts on the boards, the calls' ends closing it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.help.api import router
from callcenter.help.service import Acd, Audit, HelpDesk
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import DeskNotifier


@dataclass(frozen=True)
class HelpDomain:
    desk: HelpDesk
    routers: tuple[APIRouter, ...]


class Board(Protocol):
    def raise_alert(self, aid: str, kind: str, detail: dict[str, Any], *, queue: str | None = None,
                    username: str | None = None, minutes: float = 60) -> None: ...

    def clear_alert(self, aid: str) -> None: ...


def wire_help(sessions: async_sessionmaker[AsyncSession], clock: Clock, acd: Acd, tracker: Any, audit: Audit,
              user_named: Callable[[str], Awaitable[User | None]], board: Board, hub: Hub) -> HelpDomain:
    """``tracker``: the call tracker (the request's call; its end closes the request); ``board``: where the open
    requests are shown (the alert ``help_request``); ``hub``: the agent's desktop is told when a lead takes it (the
    ``notice`` message, action ``help.take``, ``text`` = how)."""
    desk_notifier = DeskNotifier(hub)

    def tell_agent(username: str, how: str, lead: str, at: datetime) -> None:
        desk_notifier.notice(username, "help.take", lead, how, "", at)

    desk = HelpDesk(sessions, clock, acd, tracker, audit, user_named, raise_alert=board.raise_alert,
                    clear_alert=board.clear_alert, tell_agent=tell_agent)
    tracker.watch(desk.on_call)
    return HelpDomain(desk=desk, routers=(router,))
