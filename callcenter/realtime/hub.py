"""Topic fan-out to websocket clients.

Each client has a bounded send queue and its own sender task, so publishing never waits on a browser: a
client whose queue is full (a slow or stalled browser) is dropped and closed; it reconnects and gets a fresh
snapshot. Messages are serialised once per publish, not once per client.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from callcenter.clock import Clock

log = logging.getLogger(__name__)

Sender = Callable[[str], Awaitable[None]]
Closer = Callable[[int, str], Awaitable[None]]


class Client:
    def __init__(self, hub: Hub, send: Sender, close: Closer, topics: set[str], label: str,
                 max_queue: int) -> None:
        self.hub = hub
        self._send = send
        self._close = close
        self.topics = set(topics)
        self.label = label
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=max_queue)
        self.dropped = False
        self.task: asyncio.Task[None] | None = None

    def offer(self, text: str) -> bool:
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            self.hub._drop(self, "send queue full (slow client)")
            return False

    async def run(self) -> None:
        try:
            while True:
                text = await self.queue.get()
                if text is None:
                    return
                await self._send(text)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the socket went away: the receive side notices and unregisters
            log.debug("websocket send to %s failed: %s", self.label, e)
            self.hub._drop(self, "send failed")


class Hub:
    def __init__(self, max_queue: int = 256) -> None:
        self.max_queue = max_queue
        self._topics: dict[str, set[Client]] = {}
        self.published = 0
        self.dropped = 0

    def register(self, send: Sender, close: Closer, topics: set[str], label: str = "") -> Client:
        c = Client(self, send, close, topics, label, self.max_queue)
        for t in topics:
            self._topics.setdefault(t, set()).add(c)
        c.task = asyncio.create_task(c.run(), name=f"ws-send {label}")
        return c

    async def unregister(self, c: Client) -> None:
        self._forget(c)
        await self._cancel_sender(c)

    @staticmethod
    async def _cancel_sender(c: Client) -> None:
        if c.task is not None and not c.task.done():
            c.task.cancel()
            try:
                await c.task
            except (asyncio.CancelledError, Exception):
                pass

    async def kick(self, c: Client, code: int, reason: str) -> None:
        """Stop sending to ``c`` at once (nothing queued goes out) and close its socket with ``code``."""
        if not c.dropped:
            c.dropped = True
            self._forget(c)
            await self._cancel_sender(c)
        await c._close(code, reason)

    def _forget(self, c: Client) -> None:
        for t in c.topics:
            members = self._topics.get(t)
            if members is not None:
                members.discard(c)
                if not members:
                    del self._topics[t]

    def _drop(self, c: Client, why: str) -> None:
        if c.dropped:
            return
        c.dropped = True
        self.dropped += 1
        log.warning("dropping websocket client %s: %s", c.label, why)
        self._forget(c)
        if c.task is not None and not c.task.done():
            c.task.cancel()
        asyncio.get_running_loop().create_task(self._safe_close(c, why))

    @staticmethod
    async def _safe_close(c: Client, why: str) -> None:
        try:
            await c._close(1013, why[:120])  # 1013 try again later: the page reconnects for a fresh snapshot
        except Exception:
            pass

    def subscribers(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    def publish(self, topic: str, message: dict[str, Any]) -> int:
        """Queue ``message`` for every client of ``topic``; returns how many got it. Never awaits."""
        clients = self._topics.get(topic)
        if not clients:
            return 0
        text = json.dumps(message, default=str, ensure_ascii=False)
        n = 0
        for c in list(clients):
            n += c.offer(text)
        self.published += 1
        return n

    @staticmethod
    def send_one(c: Client, message: dict[str, Any] | str) -> None:
        """One client only (a snapshot, a pong); ``message`` may come serialised already (shared by many)."""
        c.offer(message if isinstance(message, str) else json.dumps(message, default=str, ensure_ascii=False))


# ---- sessions of open websockets ---------------------------------------------------------------------------------


class Watched:
    """One open websocket as the guard sees it: whose session, which roles it needs, how to close it."""

    def __init__(self, token_hash: str, user_id: int, roles: set[str], expires_at: datetime, label: str,
                 close: Closer) -> None:
        self.token_hash = token_hash
        self.user_id = user_id
        self.roles = set(roles)
        self.expires_at = expires_at
        self.label = label
        self.close = close
        self.closed = False


class SessionGuard:
    """Closes a websocket when its session no longer holds: 4401 when the session ended (logout, expiry, the
    user deactivated or their password reset by an admin), 4403 when the user lost every role the socket needs.

    The auth service tells it of every change to users or sessions committed through this process
    (:meth:`AuthService.on_change`); those sockets are checked at once, in one query. Expiry is checked against
    the clock every ``tick`` seconds without the database. Every ``recheck`` seconds every socket's session is
    read again, for changes made elsewhere (another instance on the same database). The checking task runs only
    while sockets are open.
    """

    def __init__(self, auth: Any, clock: Clock, *, tick: float = 0.25, recheck: float = 30.0) -> None:
        self.auth = auth
        self.clock = clock
        self.tick = tick
        self.recheck = recheck
        self._open: set[Watched] = set()
        self._due_users: set[int] = set()
        self._due_tokens: set[str] = set()
        self._due_all = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.closed = 0

    def watch(self, w: Watched) -> None:
        self._open.add(w)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ws-session-guard")

    def forget(self, w: Watched) -> None:
        self._open.discard(w)
        if not self._open and self._task is not None:
            self._task.cancel()
            self._task = None

    def on_auth_change(self, change: Any) -> None:
        """Told by :meth:`AuthService.on_change` (registered by the realtime wiring): check those sockets now."""
        if not self._open:
            return
        self._due_users |= change.user_ids
        self._due_tokens |= change.token_hashes
        self._due_all = self._due_all or change.everyone
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_recheck = loop.time() + self.recheck
        while self._open:
            try:
                await asyncio.wait_for(self._wake.wait(), self.tick)
            except TimeoutError:
                pass
            self._wake.clear()
            if loop.time() >= next_recheck:
                self._due_all = True
                next_recheck = loop.time() + self.recheck
            try:
                await self._check()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down for a moment: try again on the next tick
                log.warning("websocket session check failed", exc_info=True)

    async def _check(self) -> None:
        now = self.clock.now()
        for w in list(self._open):
            if w.expires_at <= now:
                await self._close(w, 4401, "session expired; log in again")
        if self._due_all:
            due = set(self._open)
        else:
            due = {w for w in self._open if w.user_id in self._due_users or w.token_hash in self._due_tokens}
        self._due_all = False
        self._due_users.clear()
        self._due_tokens.clear()
        if not due:
            return
        valid = await self.auth.sessions_by_hash(w.token_hash for w in due)
        for w in due:
            info = valid.get(w.token_hash)
            if info is None:
                await self._close(w, 4401, "session ended; log in again")
            elif not set(info.user.roles) & w.roles:
                await self._close(w, 4403, f"needs role {' or '.join(sorted(w.roles))}")
            else:
                w.expires_at = info.expires_at

    async def _close(self, w: Watched, code: int, reason: str) -> None:
        if w.closed or w not in self._open:
            return
        w.closed = True
        self._open.discard(w)
        self.closed += 1
        log.info("closing websocket %s: %s", w.label, reason)
        try:
            await w.close(code, reason)
        except Exception as e:  # already gone
            log.debug("closing websocket %s failed: %s", w.label, e)
