"""Composition root: ``create_app(settings)`` builds everything and passes it down.

Nothing connects at import time; the FastAPI lifespan starts the :class:`Stack` (migrations, rendered
Asterisk config, FastAGI, managed Asterisk, AMI) and stops it on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from callcenter import __version__
from callcenter.acd import events as acd_events
from callcenter.acd.api import router as agent_router
from callcenter.acd.pop import ScreenPop
from callcenter.acd.repository import AcdRepository
from callcenter.acd.service import AgentService
from callcenter.admin.api import router as admin_router
from callcenter.asterisk.ami import AmiClient, EventDispatcher
from callcenter.asterisk.config import QueueConf, RuntimeLayout, check_modules, render_config
from callcenter.asterisk.events import AgentConnect, Newchannel
from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.asterisk.process import ManagedAsterisk
from callcenter.auth.api import authorise_scope
from callcenter.auth.api import router as auth_router
from callcenter.auth.service import AuthService
from callcenter.bodylimit import MULTIPART_SLACK, BodyLimit, RouteLimit
from callcenter.calls import events as call_events
from callcenter.calls.api import router as calls_router
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock, SystemClock
from callcenter.customers.api import records_router
from callcenter.customers.api import router as customers_router
from callcenter.customers.repository import CustomerRepository, normalise_number
from callcenter.customers.service import MAX_CSV_BYTES, CustomerService
from callcenter.db import make_engine, make_sessionmaker, sqlite_path
from callcenter.errors import install_error_handlers
from callcenter.files import apply_umask, private_file, secure_tree
from callcenter.health.api import router as health_router
from callcenter.http_guard import install as install_http_guard
from callcenter.qc.api import router as qc_router
from callcenter.qc.service import QcService
from callcenter.realtime.api import router as ws_router
from callcenter.realtime.hub import Hub, SessionGuard
from callcenter.recordings.api import router as recordings_router
from callcenter.recordings.repository import RecordingRepository
from callcenter.recordings.service import Recorder
from callcenter.seat import events as seat_events
from callcenter.seat.api import router as seat_router
from callcenter.seat.service import SeatService
from callcenter.settings import DEV_ADMIN_PASSWORD, Settings, SettingsError
from callcenter.shifts.api import router as shifts_router
from callcenter.shifts.service import ShiftService, live_states
from callcenter.wallboard.api import router as board_router
from callcenter.wallboard.board import Board
from callcenter.writebehind import WriteFailureStore
from ivr.api import router as ivr_router
from ivr.engine import IvrEngine
from ivr.prompts import MAX_UPLOAD_BYTES, PromptStore
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
                                failure_window_seconds=a.login_failure_window_seconds,
                                max_failures_per_address=a.login_max_failures_per_address,
                                failure_map_max=a.login_failure_map_max, hash_concurrency=a.hash_concurrency,
                                hash_queue_max=a.hash_queue_max)
        self.tracker = CallTracker(self.calls_repo, self.clock, settings.inbound_context)
        self.dispatcher = EventDispatcher()
        self.dispatcher.register_map(call_events.handlers(self.tracker))
        self.ami = AmiClient(settings.ami, self.dispatcher)
        self.ami.on_connected(self._resync)
        self.hub = Hub()
        # open websockets are closed when their session ends or their roles go (docs/security.md)
        self.ws_guard = SessionGuard(self.auth, self.clock, recheck=a.ws_recheck_seconds)
        self.acd_repo = AcdRepository(self.sessions, self.clock)
        self.acd = AgentService(self.acd_repo, self.ami, self.clock,
                                auto_pause_after=settings.acd.auto_pause_after_missed_rings)
        self.dispatcher.register_map(acd_events.handlers(self.acd))
        # rows a writer cannot store are set aside there with their error (shown in /api/health)
        self.write_failures = WriteFailureStore(self.sessions, self.clock)
        self.write_failures.attach(self.tracker._writer, self.acd._writer)  # noqa: SLF001
        self.agi = FastAgiServer(settings.agi.host, settings.agi.port, settings.agi.command_timeout)
        self.customers = CustomerRepository(self.sessions, self.clock)
        self.crm = CustomerService(self.sessions, self.clock, audit=self.auth.audit)
        self.prompts = PromptStore(settings.data_dir / "prompts", Path(settings.asterisk.data_dir) / "sounds")
        self.ivr = IvrService(self.sessions, self.clock, queues=lambda: set(self.acd.queue_names),
                              prompt_exists=self.prompts.exists)
        self.ivr_engine = IvrEngine(self.ivr, self.tracker, self.prompts, self.clock,
                                    voicemail_dir=settings.data_dir / "voicemail",
                                    fallback_queue=settings.ivr.default_queue, timezone=settings.timezone,
                                    customers=self.customers, vip_priority=settings.acd.vip_priority,
                                    queue_max_wait=lambda q: self.acd.max_wait_seconds.get(q))
        self.pop = ScreenPop(self.hub, self.tracker, self.crm, self.clock, flows=self.ivr, calls=self.calls_repo)
        # customer access: an agent may open the record of the call they are handling (ringing, on it, wrap-up):
        # read from the agent's state (the ACD owns that fact, rebuilt from Asterisk after a restart), not the pop
        self.crm.set_access(self._handling_numbers, self._handling_calls, self.acd_repo.was_on_call)
        self.acd.listen(self.pop.on_agent)
        self.dispatcher.register_map(acd_events.pop_handlers(self.pop))
        self.board = Board(settings.wallboard, settings.timezone, self.clock, self.hub, self.tracker, self.acd,
                           self.calls_repo, self.acd_repo, events=self.dispatcher)
        # seat discipline: away episodes (the 20-minute rule) and leave-seat consent; the board shows its state
        self.seat = SeatService(settings.seat, settings.timezone, self.clock, self.sessions, self.acd, self.hub,
                                audit=self.auth.audit)
        self.dispatcher.register_map(seat_events.handlers(self.seat))
        self.ami.on_connected(self.seat.resync_phones)
        self.board.attach_seat(self.seat)
        self.recordings = RecordingRepository(self.sessions)
        self.recorder = Recorder(settings.recording, settings.recordings_dir, settings.timezone, self.ami,
                                 self.recordings, self.clock, agent_of=self._username_at)
        self.dispatcher.on(AgentConnect, self.recorder.on_agent_connect)
        self.dispatcher.on(Newchannel, lambda ev: self.recorder.on_newchannel(ev, settings.inbound_context))
        self.tracker.watch(self.recorder.on_call)
        self.qc = QcService(self.sessions, self.clock, settings.timezone, audit=self.auth.audit)
        # shifts: roster, attendance (late/absence/early leave, live on the clock), handover, swaps, leave
        self.shifts = ShiftService(self.sessions, self.clock, settings.timezone, settings.shifts,
                                   audit=self.auth.audit, live=live_states(lambda: self.acd.agents.values()),
                                   on_finding=self._shift_finding)
        self.acd.listen(self.shifts.on_agent)
        # the recording player: may this agent hear this call? (the QC service decides: their own scored calls)
        self.agent_may_play = self.qc.agent_may_play
        self.recorder.on_problem(lambda p: self.board.raise_alert(
            f"recording:{p['call_uniqueid']}", "recording", p, queue=p["queue"], username=p["agent"]))
        for route, handler in self.ivr_engine.routes().items():
            self.agi.route(route, handler)
        self.layout: RuntimeLayout | None = None
        self.asterisk_process: ManagedAsterisk | None = None

    def _shift_finding(self, kind: str, row: dict[str, Any]) -> None:
        """A new attendance finding (late, absence, early leave, left before relief): on the boards."""
        self.board.raise_alert(f"shift:{row['roster_id']}:{kind}", f"shift_{kind}", row, username=row["username"])

    async def _retention_days(self) -> dict[str, int]:
        return {q.name: q.recording_retention_days for q in await self.acd_repo.queues()}

    def _username_at(self, extension: str) -> str | None:
        a = self.acd.by_ext.get(extension)
        return a.username if a else None

    def _handled_pop(self, username: str) -> dict[str, Any] | None:
        """The pop still on screen of an agent paused from wrap-up (after-call work on that call)."""
        a = self.acd.handling(username)
        pop = self.pop.current.get(username)
        if a is None or pop is None or a.state not in ("ringing", "on_call", "wrapup", "paused"):
            return None
        return pop

    def _handling_call_ids(self, username: str) -> set[str]:
        a = self.acd.handling(username)
        if a is None:
            return set()
        out = {a.call_uniqueid} if a.call_uniqueid and a.state in ("ringing", "on_call", "wrapup") else set()
        pop = self._handled_pop(username)
        if pop and pop.get("call_uniqueid"):
            out.add(pop["call_uniqueid"])
        return out

    async def _handling_numbers(self, username: str) -> set[str]:
        """Normalised caller numbers of the calls the agent handles: from the tracked call, else the pop, else the
        stored call record (a call that ended while the agent wraps up)."""
        out: set[str] = set()
        pop = self.pop.current.get(username) or {}
        for uid in self._handling_call_ids(username):
            st = self.tracker.active.get(uid)
            number = st.caller_number if st else None
            if number is None and pop.get("call_uniqueid") == uid:
                number = pop.get("caller_number")
            if number is None:
                row = await self.calls_repo.get_by_uniqueid(uid)
                number = row.caller_number if row is not None else None
            n = normalise_number(number)
            if n:
                out.add(n)
        return out

    async def _handling_calls(self, username: str) -> set[str]:
        return self._handling_call_ids(username)

    async def _resync(self, ami: AmiClient) -> None:
        """After every AMI (re)connect: rebuild call state from Asterisk's live channels and queues, then the
        agents' calls (an agent's phone bridged with a caller is on that call) and their screen pops.

        Events keep being handled while the snapshots are read: the marks taken first let the tracker and the
        ACD leave alone what an event changed after the snapshot was requested (it is newer)."""
        call_mark, agent_mark = self.tracker.mark(), self.acd.mark()
        channels = await ami.core_show_channels()
        queue_status = await ami.queue_status()
        entries = [e for e in queue_status if e.name == "QueueEntry"]
        await self.tracker.resync(channels, entries, since=call_mark)
        # the DB is the truth for queue membership and pauses: Asterisk (maybe just restarted) is made to match
        await self.acd.resync(queue_status, channels, since=agent_mark, queue_of=self._queue_of)
        for a in self.acd.logged_in():  # the pop of every call still going on (a service restart loses them)
            await self.pop.restore(a)

    def _queue_of(self, uniqueid: str) -> str | None:
        st = self.tracker.active.get(uniqueid)
        return st.queue if st else None

    async def _queue_confs(self) -> list[QueueConf]:
        """Queues for queues.conf. An uploaded announce prompt is given by its absolute path (Asterisk looks for a
        bare name only among its own sounds, where a bare name keeps the caller's language)."""
        out = []
        for q in await self.acd_repo.queue_confs():
            if q.announce:
                path = self.prompts.resolve(q.announce, "zh", "en")
                if Path(path).is_relative_to(self.prompts.custom_dir):
                    q = replace(q, announce=path)
            out.append(q)
        return out

    async def apply_config(self) -> None:
        """Seats or queues changed (admin): render pjsip.conf/queues.conf from the DB and reload them in Asterisk
        over AMI; then logged-in agents' memberships follow their skills."""
        await self.acd.reload_config()
        await self.board.reload_queues()
        self.layout = render_config(self.settings, seats=await self.acd_repo.seat_confs(),
                                    queues=await self._queue_confs())
        if self.ami.ready:
            # queues over AMI (QueueReload needs no class); seats over Asterisk's control socket, which only the
            # service's user can open: AMI's Reload needs the system or config class, which the bridge is not to
            # need (issue 12, A3). An external Asterisk runs from the same rendered asterisk.conf (docs/production.md).
            try:
                await self.ami.queue_reload()
            except Exception as e:
                log.warning("reloading app_queue.so failed: %s", e)
            console = self.asterisk_process or ManagedAsterisk(self.settings, self.layout)
            try:
                out = await console.rx("module reload res_pjsip.so")
                if "reloaded" not in out.lower():
                    log.warning("reloading res_pjsip.so: %s", out.strip()[:300])
            except Exception as e:
                log.warning("reloading res_pjsip.so failed: %s", e)
        for a in list(self.acd.by_ext.values()):
            await self.acd.refresh_memberships(a.user_id)

    async def load_directory(self) -> None:
        """Seats and queues (first run: from settings), then agents' states as stored (service restart)."""
        await self.acd_repo.seed_from_settings(self.settings)
        await self.acd.load()

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

    def secure_files(self) -> None:
        """The process umask (``paths.umask``, inherited by the managed Asterisk), and the data directory, the
        recordings, the Asterisk runtime tree and the SQLite file made readable by the service alone (existing
        too-open files fixed). Blocking (walks the trees): run it in a thread."""
        s = self.settings
        apply_umask(s.paths.umask_bits)
        roots = sorted({s.data_dir, s.recordings_dir, s.asterisk_runtime_dir})
        for root in roots:
            if not any(root.is_relative_to(r) and root != r for r in roots):
                secure_tree(root)
        db = sqlite_path(s.database_url)
        if db is not None:
            for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                private_file(f)

    async def refuse_dev_credentials(self) -> None:
        """Prod mode: refuse to start while a password from dev mode's defaults is still in the database (a
        database first created in dev mode keeps them), naming each one."""
        left = await self.auth.users_with_password(DEV_ADMIN_PASSWORD, await self._admin_candidates())
        lines = [f"user {u} still has the dev password" for u in left]
        lines += [f"seat {x.extension} still has its dev password"
                  for x in await self.acd_repo.seats() if x.password.endswith("-dev")]
        if lines:
            raise SettingsError(
                "refusing to start in prod mode with dev credentials in the database:\n  " + "\n  ".join(lines)
                + "\n  change them (admin pages Users and Seats, or PATCH /api/admin/users/{id} and "
                "/api/admin/seats/{extension}) with the service started in dev mode, then start in prod again")

    async def _admin_candidates(self) -> list[Any]:
        """Users that dev mode could have given the dev admin password: admins and the bootstrap admin's name
        (checking every user would cost ~50 ms of scrypt each at every start)."""
        from sqlalchemy import select

        from callcenter.auth.models import User

        names = {self.settings.auth.bootstrap_admin_username, "admin"}
        async with self.sessions() as db:
            users = (await db.execute(select(User).order_by(User.username))).scalars().all()
        return [u for u in users if "admin" in u.roles or u.username in names]

    async def start(self) -> None:
        s = self.settings
        try:
            await asyncio.to_thread(self.secure_files)  # before anything is created (the DB, prompts, Asterisk)
            if self.run_migrations:
                from callcenter.migrate import upgrade

                await asyncio.to_thread(upgrade, s.database_url)
            await self.load_directory()
            await self.bootstrap_admin()
            if s.mode == "prod":
                await self.refuse_dev_credentials()
            if s.ivr.seed_default_flow:
                await self.seed_default_flow()
            self.layout = render_config(s, seats=await self.acd_repo.seat_confs(),
                                        queues=await self._queue_confs())
            check_modules(s)  # asterisk.modules_dir holds what modules.conf loads, or a SettingsError
            await self.agi.start()
            if s.asterisk.managed:
                self.asterisk_process = ManagedAsterisk(s, self.layout)
                await self.asterisk_process.start()
                self.asterisk_process.supervise(min_delay=s.asterisk.restart_delay)
            await self.tracker.load_open_calls()
            await self.recorder.adopt(self.tracker.active)
            self.recorder.start_purging(s.recording.purge_interval_minutes * 60, self._retention_days,
                                        self.auth.audit)
            await self.seat.load()
            await self.board.load()
            self.board.start()
            self.seat.start()
            self.shifts.start()
            self.tracker.start_writer()
            self.acd.start_writer()
            await self.ami.start()
        except BaseException:
            await self.stop()  # nothing half-started is left behind (ports, child process, DB pool)
            raise

    async def stop(self) -> None:
        await self.shifts.stop()
        await self.seat.stop()
        await self.board.stop()
        await self.ami.stop()
        await self.agi.stop()
        try:
            await self.tracker.stop_writer()  # nothing tracked is lost at shutdown
        except Exception:
            log.exception("could not store pending call records at shutdown")
        await self.pop.close()
        await self.recorder.close()
        try:
            await self.acd.stop_writer()
        except Exception:
            log.exception("could not store pending agent state changes at shutdown")
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
    # bodies capped before they are read; the big uploads also need their role first (callcenter/bodylimit.py)
    app.add_middleware(BodyLimit, default_max=settings.http.max_body_bytes, authorise=authorise_scope, routes=[
        RouteLimit("POST", "/api/ivr/prompts", MAX_UPLOAD_BYTES + MULTIPART_SLACK, ("admin",)),
        RouteLimit("POST", "/api/customers/import", MAX_CSV_BYTES + MULTIPART_SLACK, ("admin",)),
    ])
    # outermost: the Host check (DNS rebinding), then forwarded headers from trusted proxies only (http_guard.py)
    install_http_guard(app, settings.http.hosts, settings.http.trusted_proxies)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(calls_router)
    app.include_router(ivr_router)
    app.include_router(admin_router)
    app.include_router(customers_router)
    app.include_router(records_router)
    app.include_router(agent_router)
    app.include_router(ws_router)
    app.include_router(board_router)
    app.include_router(seat_router)
    app.include_router(recordings_router)
    app.include_router(qc_router)
    app.include_router(shifts_router)
    # The web pages: plain HTML/CSS/JS from the repository (no CDN); every API call they make is role-checked.
    app.mount("/ui", StaticFiles(directory=UI_DIR, html=True), name="ui")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")
    return app
