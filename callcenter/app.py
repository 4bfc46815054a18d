"""Composition root: ``create_app(settings)`` builds everything and passes it down.

Nothing connects at import time; the FastAPI lifespan starts the :class:`Stack` (migrations, rendered
Asterisk config, FastAGI, managed Asterisk, AMI) and stops it on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from callcenter import __version__
from callcenter.asterisk.ami import AmiClient, EventDispatcher
from callcenter.asterisk.config import RuntimeLayout, render_config
from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.asterisk.process import ManagedAsterisk
from callcenter.calls import events as call_events
from callcenter.calls.api import router as calls_router
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock, SystemClock
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import install_error_handlers
from callcenter.health.api import router as health_router
from callcenter.settings import Settings
from ivr.flow import InboundFlow

log = logging.getLogger(__name__)


class Stack:
    """Every long-lived part of one callcenter instance."""

    def __init__(self, settings: Settings, clock: Clock | None = None, run_migrations: bool = True) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.run_migrations = run_migrations
        self.engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.calls_repo = CallRepository(self.engine, self.sessions)
        self.tracker = CallTracker(self.calls_repo, self.clock, settings.inbound_context)
        self.dispatcher = EventDispatcher()
        self.dispatcher.register_map(call_events.handlers(self.tracker))
        self.ami = AmiClient(settings.ami, self.dispatcher)
        self.ami.on_connected(self._resync)
        self.agi = FastAgiServer(settings.agi.host, settings.agi.port, settings.agi.command_timeout)
        queue_timeout = {q.name: q.timeout_seconds for q in settings.queues}[settings.ivr.default_queue]
        self.agi.route(
            "inbound",
            InboundFlow(self.tracker, settings.ivr.greeting, settings.ivr.default_queue, queue_timeout),
        )
        self.layout: RuntimeLayout | None = None
        self.asterisk_process: ManagedAsterisk | None = None

    async def _resync(self, ami: AmiClient) -> None:
        """After every AMI (re)connect: rebuild call state from Asterisk's live channels and queues."""
        channels = await ami.core_show_channels()
        queue_status = await ami.queue_status()
        entries = [e for e in queue_status if e.name == "QueueEntry"]
        await self.tracker.resync(channels, entries)

    async def start(self) -> None:
        s = self.settings
        if self.run_migrations:
            from callcenter.migrate import upgrade

            await asyncio.to_thread(upgrade, s.database_url)
        self.layout = render_config(s)
        await self.agi.start()
        try:
            if s.asterisk.managed:
                self.asterisk_process = ManagedAsterisk(s, self.layout)
                await self.asterisk_process.start()
                self.asterisk_process.supervise(min_delay=s.asterisk.restart_delay)
            await self.tracker.load_open_calls()
            await self.ami.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await self.ami.stop()
        await self.agi.stop()
        if self.asterisk_process is not None:
            await self.asterisk_process.stop()
        await self.engine.dispose()


def create_app(
    settings: Settings, clock: Clock | None = None, stack: Stack | None = None, manage_stack: bool = True
) -> FastAPI:
    """The HTTP app. With ``manage_stack`` the app's lifespan starts/stops the stack; ``callcenter up``
    starts it itself first so a startup failure is reported plainly before HTTP serves."""
    stack = stack or Stack(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_stack:
            await stack.start()
        try:
            yield
        finally:
            if manage_stack:
                await stack.stop()

    app = FastAPI(title="callcenter", version=__version__, lifespan=lifespan)
    app.state.services = stack
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(calls_router)
    return app
