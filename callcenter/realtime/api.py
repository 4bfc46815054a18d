"""Websockets. ``/ws/agent``: the agent desktop's push channel (state, screen pop). Authenticated with the same
session as the pages (the ``cc_session`` cookie) or an ``Authorization: Bearer`` header; refused (close code
4401 / 4403) before anything is sent otherwise.

A socket lives no longer than its session: on logout, expiry, the user deactivated or their password reset it is
closed with 4401, when the user loses the roles it needs with 4403, within a second (``SessionGuard``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from callcenter.acd.api import Desk
from callcenter.auth.api import COOKIE
from callcenter.auth.models import User
from callcenter.auth.service import AuthService, token_hash
from callcenter.deps import lookup, provide
from callcenter.realtime.hub import Hub, SessionGuard, Watched
from callcenter.realtime.notify import agent_topic

log = logging.getLogger(__name__)
router = APIRouter()
HubDep = Annotated[Hub, Depends(provide(Hub))]


def _cross_site(ws: WebSocket) -> bool:
    """A browser page of another site opening our socket (cross-site websocket hijacking): its Origin's host is not
    the host it connects to. Clients that send no Origin (not browsers) are judged by their credentials alone."""
    origin = ws.headers.get("origin")
    if not origin:
        return False
    return urlsplit(origin).netloc.lower() != ws.headers.get("host", "").lower()


async def ws_user(ws: WebSocket, roles: set[str]) -> User | None:
    if _cross_site(ws):
        await ws.accept()
        await ws.close(code=4403, reason="cross-site connection refused")
        return None
    header = ws.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ws.cookies.get(COOKIE)
    info = await lookup(ws, AuthService).session_for_token(token) if token else None
    user = info.user if info is not None else None
    # accepted, then closed with a code the page can read (a refused handshake only shows as a network error);
    # nothing is sent before the close
    if user is None:
        await ws.accept()
        await ws.close(code=4401, reason="log in first")
        return None
    if not set(user.roles) & roles:
        await ws.accept()
        await ws.close(code=4403, reason=f"needs role {' or '.join(sorted(roles))}")
        return None
    assert token is not None and info is not None
    # serve_topics watches this session for as long as the socket is open
    ws.scope["cc_session"] = (token_hash(token), user.id, set(roles), info.expires_at)
    return user


async def serve_topics(ws: WebSocket, topics: set[str], label: str,
                       first: Callable[[], dict[str, Any] | str]) -> None:
    """An accepted socket receives what the hub publishes on ``topics``, ``first()`` before anything else (built
    once the client is registered and sent through the same queue, so no later message overtakes it); ``ping``
    is answered with ``pong``. Returns when the socket closes."""
    hub, guard = lookup(ws, Hub), lookup(ws, SessionGuard)

    async def close(code: int, reason: str) -> None:
        await ws.close(code=code, reason=reason)

    client = hub.register(ws.send_text, close, topics, label=label)
    th, user_id, roles, expires_at = ws.scope["cc_session"]  # set by ws_user

    async def end_session(code: int, reason: str) -> None:
        await hub.kick(client, code, reason)

    watched = Watched(th, user_id, roles, expires_at, label, end_session)
    guard.watch(watched)
    hub.send_one(client, first())
    try:
        while True:
            msg = await ws.receive_text()
            if msg == "ping":
                hub.send_one(client, {"type": "pong"})
    except (WebSocketDisconnect, asyncio.CancelledError):
        pass
    except Exception as e:  # a broken socket: unregister below
        log.debug("websocket %s ended: %s", label, e)
    finally:
        guard.forget(watched)
        await hub.unregister(client)


@router.websocket("/ws/agent")
async def agent_socket(ws: WebSocket) -> None:
    user = await ws_user(ws, {"agent"})
    if user is None:
        return
    await ws.accept()
    desk = lookup(ws, Desk)
    await serve_topics(ws, {agent_topic(user.username)}, f"agent {user.username}",
                       lambda: {"type": "hello", **desk.state(user)})
