"""Composition root: ``create_app(settings)`` builds everything and passes it down.

Nothing connects at import time; the FastAPI lifespan starts the :class:`Stack` (migrations, rendered
Asterisk config, FastAGI, managed Asterisk, AMI) and stops it on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from callcenter import __version__
from callcenter.asterisk.ami import AmiClient, EventDispatcher
from callcenter.asterisk.config import RuntimeLayout, render_config
from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.asterisk.process import ManagedAsterisk
from callcenter.auth.api import router as auth_router
from callcenter.auth.service import AuthService
from callcenter.calls import events as call_events
from callcenter.calls.api import router as calls_router
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock, SystemClock
from callcenter.customers.repository import CustomerRepository
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import install_error_handlers
from callcenter.health.api import router as health_router
from callcenter.settings import Settings, SettingsError
from ivr.api import router as ivr_router
from ivr.engine import IvrEngine
from ivr.prompts import PromptStore
from ivr.seed import default_flow, generate_prompts
from ivr.service import IvrService

log = logging.getLogger(__name__)
UI_DIR = Path(__file__).resolve().parents[1] / "agent_ui" / "static"


class Stack:
    """Every long-lived part of one callcenter instance."""

    def __init__(self, settings: Settings, clock: Clock | None = None, run_migrations: bool = True) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.run_migrations = run_migrations
        self.engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.calls_repo = CallRepository(self.engine, self.sessions)
        a = settings.auth
        self.auth = AuthService(self.sessions, self.clock, session_hours=a.session_hours,
                                max_failures=a.login_max_failures,
                                failure_window_seconds=a.login_failure_window_seconds)
        self.tracker = CallTracker(self.calls_repo, self.clock, settings.inbound_context)
        self.dispatcher = EventDispatcher()
        self.dispatcher.register_map(call_events.handlers(self.tracker))
        self.ami = AmiClient(settings.ami, self.dispatcher)
        self.ami.on_connected(self._resync)
        self.agi = FastAgiServer(settings.agi.host, settings.agi.port, settings.agi.command_timeout)
        self.customers = CustomerRepository(self.sessions, self.clock)
        self.prompts = PromptStore(settings.data_dir / "prompts", Path(settings.asterisk.data_dir) / "sounds")
        self.ivr = IvrService(self.sessions, self.clock, queues=lambda: set(settings.queue_names),
                              prompt_exists=self.prompts.exists)
        self.ivr_engine = IvrEngine(self.ivr, self.tracker, self.prompts, self.clock,
                                    voicemail_dir=settings.data_dir / "voicemail",
                                    fallback_queue=settings.ivr.default_queue, timezone=settings.timezone,
                                    customers=self.customers)
        for route, handler in self.ivr_engine.routes().items():
            self.agi.route(route, handler)
        self.layout: RuntimeLayout | None = None
        self.asterisk_process: ManagedAsterisk | None = None

    async def _resync(self, ami: AmiClient) -> None:
        """After every AMI (re)connect: rebuild call state from Asterisk's live channels and queues."""
        channels = await ami.core_show_channels()
        queue_status = await ami.queue_status()
        entries = [e for e in queue_status if e.name == "QueueEntry"]
        await self.tracker.resync(channels, entries)

    async def bootstrap_admin(self) -> None:
        """First run only: create the admin user from settings (refuse to start without a password)."""
        if await self.auth.has_users():
            return
        a = self.settings.auth
        if not a.bootstrap_admin_password:
            raise SettingsError("setting auth.bootstrap_admin_password (CALLCENTER_AUTH__BOOTSTRAP_ADMIN_PASSWORD): "
                                "required on first run outside dev mode to create the first admin")
        await self.auth.create_user(a.bootstrap_admin_username, a.bootstrap_admin_password, ["admin"],
                                    "Administrator")
        log.warning("created the first admin user %r; change its password", a.bootstrap_admin_username)

    async def seed_default_flow(self) -> None:
        """First run only (no flows at all): default prompts + the default flow, live for every number."""
        if await self.ivr.list_flows():
            return
        await asyncio.to_thread(generate_prompts, self.settings.data_dir / "prompts")
        flow = await self.ivr.create_flow("default", default_flow(self.settings.queue_names),
                                          "Seeded on first run: main menu 1/2/3/0, voicemail after hours")
        await self.ivr.publish(flow.id, by="system", note="seeded on first run")
        await self.ivr.set_entry_point("*", flow.id)

    async def start(self) -> None:
        s = self.settings
        try:
            if self.run_migrations:
                from callcenter.migrate import upgrade

                await asyncio.to_thread(upgrade, s.database_url)
            await self.bootstrap_admin()
            if s.ivr.seed_default_flow:
                await self.seed_default_flow()
            self.layout = render_config(s)
            await self.agi.start()
            if s.asterisk.managed:
                self.asterisk_process = ManagedAsterisk(s, self.layout)
                await self.asterisk_process.start()
                self.asterisk_process.supervise(min_delay=s.asterisk.restart_delay)
            await self.tracker.load_open_calls()
            self.tracker.start_writer()
            await self.ami.start()
        except BaseException:
            await self.stop()  # nothing half-started is left behind (ports, child process, DB pool)
            raise

    async def stop(self) -> None:
        await self.ami.stop()
        await self.agi.stop()
        try:
            await self.tracker.stop_writer()  # nothing tracked is lost at shutdown
        except Exception:
            log.exception("could not store pending call records at shutdown")
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
    app.include_router(auth_router)
    app.include_router(calls_router)
    app.include_router(ivr_router)
    # The web pages: plain HTML/CSS/JS from the repository (no CDN); every API call they make is role-checked.
    app.mount("/ui", StaticFiles(directory=UI_DIR, html=True), name="ui")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")
    return app
