"""A websocket lives no longer than its session: /ws/agent and /ws/board are closed within a second of a logout,
the user's deactivation, a password reset, the session's expiry (4401) or the loss of the role the socket needs
(4403), made through the API or straight in the database; a change to someone else leaves the socket open.
Real uvicorn + websockets client, the stack wired with a fake AMI on an injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, update

from callcenter.app import Stack
from callcenter.auth.models import User
from callcenter.clock import FakeClock
from tests.helpers import Served, bearer
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PASSWORD = "test-password-1"
# the socket, and the user's roles: one it needs, and one it does not
SOCKETS = {"/ws/agent": (["agent", "qc"], ["qc"]), "/ws/board": (["qc", "supervisor"], ["qc"])}


@dataclass
class Env:
    stack: Stack
    clock: FakeClock
    srv: Served
    http: httpx.AsyncClient
    admin: dict[str, str]

    async def user(self, name: str, roles: list[str]) -> tuple[User, str]:
        user = await self.stack.auth.create_user(name, PASSWORD, roles)
        token, _ = await self.stack.auth.login(name, PASSWORD, "test")
        return user, token

    def connect(self, path: str, token: str) -> Any:
        return websockets.connect(f"{self.srv.ws_base}{path}", additional_headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, _ = await wired_stack(db_url, workdir, clock)
    try:
        admin = await bearer(stack, ("admin",), "root")
        async with Served(stack) as srv, httpx.AsyncClient(base_url=srv.base) as http:
            yield Env(stack, clock, srv, http, admin)
    finally:
        await close_wired(stack)


async def _hello(ws: Any) -> None:
    """The socket is up and serving (its first message arrived)."""
    assert await asyncio.wait_for(ws.recv(), 5)


async def _closed_with(ws: Any, within: float = 1.0) -> tuple[int, str]:
    async def drain() -> None:
        try:
            async for _ in ws:
                pass
        except websockets.exceptions.ConnectionClosed:
            pass

    await asyncio.wait_for(drain(), within)
    assert ws.close_code is not None
    return ws.close_code, ws.close_reason


async def _still_open(ws: Any) -> None:
    await ws.send("ping")
    while True:  # skip pushes (board deltas) until the pong
        if '"pong"' in await asyncio.wait_for(ws.recv(), 2):
            return


Change = Callable[[Env, User, str], Awaitable[None]]


async def _logout(env: Env, user: User, token: str) -> None:
    r = await env.http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 204


async def _deactivate(env: Env, user: User, token: str) -> None:
    r = await env.http.patch(f"/api/admin/users/{user.id}", json={"active": False}, headers=env.admin)
    assert r.status_code == 200, r.text


async def _password_reset(env: Env, user: User, token: str) -> None:
    r = await env.http.patch(f"/api/admin/users/{user.id}", json={"password": "a-new-password-2"}, headers=env.admin)
    assert r.status_code == 200, r.text


async def _expire(env: Env, user: User, token: str) -> None:
    env.clock.advance(env.stack.settings.auth.session_hours * 3600 + 1)


async def _deactivated_in_the_database(env: Env, user: User, token: str) -> None:
    async with env.stack.sessions() as s:
        await s.execute(update(User).where(User.id == user.id).values(active=False))
        await s.commit()


@pytest.mark.parametrize("path", sorted(SOCKETS))
@pytest.mark.parametrize("change", [_logout, _deactivate, _password_reset, _expire, _deactivated_in_the_database],
                         ids=lambda f: f.__name__.strip("_"))
async def test_the_socket_is_closed_4401_when_the_session_ends(env: Env, path: str, change: Change) -> None:
    user, token = await env.user("alice", SOCKETS[path][0])
    async with env.connect(path, token) as ws:
        await _hello(ws)
        await change(env, user, token)
        code, reason = await _closed_with(ws)
    assert code == 4401, reason
    assert "log in again" in reason


@pytest.mark.parametrize("path", sorted(SOCKETS))
async def test_the_socket_is_closed_4403_when_its_role_is_removed(env: Env, path: str) -> None:
    roles, fewer = SOCKETS[path]
    user, token = await env.user("alice", roles)
    async with env.connect(path, token) as ws:
        await _hello(ws)
        # another role changing keeps it open
        extra = await env.http.patch(f"/api/admin/users/{user.id}", json={"roles": [*roles, "admin"]},
                                     headers=env.admin)
        assert extra.status_code == 200, extra.text
        await _still_open(ws)
        r = await env.http.patch(f"/api/admin/users/{user.id}", json={"roles": fewer}, headers=env.admin)
        assert r.status_code == 200, r.text
        code, reason = await _closed_with(ws)
    assert code == 4403 and "needs role" in reason


async def test_a_change_to_someone_else_leaves_the_socket_open(env: Env) -> None:
    alice, alice_token = await env.user("alice", ["agent"])
    bob, bob_token = await env.user("bob", ["agent"])
    second_alice_token, _ = await env.stack.auth.login("alice", PASSWORD, "test")
    async with env.connect("/ws/agent", alice_token) as a, env.connect("/ws/agent", bob_token) as b, \
            env.connect("/ws/agent", second_alice_token) as a2:
        for ws in (a, b, a2):
            await _hello(ws)
        await _deactivate(env, bob, bob_token)
        assert (await _closed_with(b))[0] == 4401
        # alice's other session logging out ends only that one
        await _logout(env, alice, second_alice_token)
        assert (await _closed_with(a2))[0] == 4401
        await _still_open(a)
    async with env.stack.sessions() as s:
        assert (await s.execute(select(User.active).where(User.id == alice.id))).scalar_one()
