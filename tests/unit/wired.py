"""A whole Stack wired as in production but with a fake AMI and no network (no Asterisk, no FastAGI, no HTTP
server), on an injected clock: what the wallboard and seat-discipline unit tests drive with scripted AMI events.
A restart is a second one on the same database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from callcenter.app import Stack
from callcenter.asterisk.ami import AmiStatus, EventDispatcher
from callcenter.asterisk.errors import AmiNotConnected
from callcenter.clock import FakeClock
from tests.helpers import stack_settings


class StackAmi:
    """What the Stack needs of its AMI client besides the actions (``Stack(settings, ami=...)``): the dispatcher
    the domains register their handlers on (tests dispatch scripted events there), the connect hooks (kept, never
    run: this client never connects), its status, start and stop."""

    def __init__(self) -> None:
        self.dispatcher = EventDispatcher()
        self.status = AmiStatus()
        self.ready = False
        self.connected_hooks: list[Callable[[Any], Awaitable[None]]] = []

    def on_connected(self, hook: Callable[[Any], Awaitable[None]]) -> None:
        self.connected_hooks.append(hook)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class FakeAmi(StackAmi):
    """Records the exact actions sent (``take()``); with ``down`` every action fails as when AMI is not
    connected."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.down = False

    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any, **kwargs: Any) -> None:
            if self.down:
                raise AmiNotConnected("AMI is not connected")
            self.sent.append((name, {"args": args, **kwargs}))

        return action

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        out, self.sent = self.sent, []
        return out


async def wired_stack(db_url: str, workdir: Path, clock: FakeClock, **overrides: Any) -> tuple[Stack, FakeAmi]:
    """Loaded as ``Stack.start`` loads it (directory, open calls, away episodes, the board), nothing started.
    Recording is off unless asked for (it has its own tests, test_recordings.py)."""
    overrides.setdefault("recording", {"enabled": False})
    ami = FakeAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", **overrides), clock=clock, run_migrations=False,
                  ami=ami)  # type: ignore[arg-type]
    await stack.load_directory()
    await stack.tracker.load_open_calls()
    await stack.callbacks.queue.restore()
    await stack.seat.load()
    await stack.board.load()
    return stack, ami


async def close_wired(stack: Stack) -> None:
    for a in stack.acd.agents.values():
        if a.wrapup_task is not None:
            a.wrapup_task.cancel()
    await stack.pop.close()
    await stack.engine.dispose()
