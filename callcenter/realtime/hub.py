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
from typing import Any

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
        if c.task is not None and not c.task.done():
            c.task.cancel()
            try:
                await c.task
            except (asyncio.CancelledError, Exception):
                pass

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
