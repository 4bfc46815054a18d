"""Composition root: ``create_app(settings)`` builds everything and passes it down.

Each domain wires itself (``callcenter/<domain>/wiring.py``): it builds its services from what it is given,
registers its AMI event handlers, AGI routes, listeners and watchers, and returns its services and routers. This
module only calls those wirings in order. Nothing connects at import time; the FastAPI lifespan starts the
:class:`Stack` (migrations, rendered Asterisk config, FastAGI, managed Asterisk, AMI) and stops it on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from callcenter import __version__
from callcenter.acd.api import Desk
from callcenter.acd.wiring import wire_acd, wire_pop
from callcenter.asterisk.ami import AmiClient, EventDispatcher
from callcenter.asterisk.config import QueueConf, RuntimeLayout, check_modules, render_config
from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.asterisk.process import ManagedAsterisk
from callcenter.audit.wiring import wire_audit
from callcenter.auth.api import authorise_scope
from callcenter.auth.models import User
from callcenter.auth.wiring import wire_auth, wire_users
from callcenter.bodylimit import BodyLimit
from callcenter.callbacks.wiring import wire_callbacks
from callcenter.calls.export import wire_cdr_export
from callcenter.calls.wiring import wire_calls
from callcenter.campaigns.wiring import wire_campaigns
from callcenter.cases.wiring import wire_case_clocks, wire_cases, wire_review
from callcenter.clock import Clock, SystemClock
from callcenter.customers.wiring import grant_call_access, wire_customers
from callcenter.db import make_engine, make_sessionmaker, sqlite_path
from callcenter.departments.wiring import wire_departments
from callcenter.deps import CLOCK, Services
from callcenter.deps import install as install_services
from callcenter.directory.repository import DirectoryRepository
from callcenter.directory.wiring import wire_directory
from callcenter.errors import install_error_handlers
from callcenter.files import apply_umask, private_file, secure_tree
from callcenter.health.api import PARTS as HEALTH_PARTS
from callcenter.health.api import router as health_router
from callcenter.help.service import HelpDesk
from callcenter.help.wiring import wire_help
from callcenter.http_guard import install as install_http_guard
from callcenter.ivr.wiring import wire_ivr
from callcenter.knowledge.wiring import wire_knowledge
from callcenter.notices.wiring import audience_sources, wire_notices
from callcenter.qc.wiring import wire_qc
from callcenter.realtime.wiring import wire_realtime
from callcenter.recordings.api import PLAY_POLICY
from callcenter.recordings.wiring import wire_recordings
from callcenter.reports.seeds_wiring import wire_seed_reports
from callcenter.reports.wiring import wire_reports
from callcenter.seat.wiring import wire_seat
from callcenter.settings import DEV_ADMIN_PASSWORD, Settings, SettingsError
from callcenter.shifts.wiring import wire_shifts
from callcenter.surveys.wiring import wire_surveys
from callcenter.wallboard.wiring import attach_campaigns, attach_seat_discipline, wire_wallboard
from callcenter.writebehind import WriteFailureStore

log = logging.getLogger(__name__)
UI_DIR = Path(__file__).resolve().parents[1] / "agent_ui" / "static"


class Stack:
    """Every long-lived part of one callcenter instance."""

    def __init__(self, settings: Settings, clock: Clock | None = None, run_migrations: bool = True,
                 ami: AmiClient | None = None) -> None:
        """``ami``: the AMI client, built from ``settings.ami`` when not given (tests pass a fake one in; its
        ``dispatcher`` is the one every domain registers its event handlers on)."""
        self.settings = s = settings
        self.clock = clock = clock or SystemClock()
        self.run_migrations = run_migrations
        self.engine = make_engine(s.database_url)
        self.sessions = sessions = make_sessionmaker(self.engine)
        self.ami = ami if ami is not None else AmiClient(s.ami, EventDispatcher())
        self.dispatcher = events = self.ami.dispatcher
        # The order below matters in three ways, and only there:
        # - handlers of the same AMI event run in the order they were registered: calls (the tracker) first, so
        #   every other domain's handler sees the call already tracked; then the ACD (agent states, then the seats'
        #   phones), the pop and the recorder; a phone's change is told to the agent rows, then seat discipline;
        # - the ACD's listeners hear of an agent's state change in that order: the pop (on screen first), the
        #   board, seat discipline, then shifts; the tracker's watchers: the board, then the recorder;
        # - after every AMI connect, calls and agents are rebuilt from Asterisk (``_resync``) before the seats'
        #   phones are read again (``Phones.resync``, registered by ``wire_acd``).
        # Everything else is plain dependencies: a domain is wired after the ones it is given.
        calls = wire_calls(self.engine, sessions, clock, s.inbound_context, events)
        self.calls_repo, self.tracker = calls.repo, calls.tracker
        auth = wire_auth(sessions, clock, s.auth)
        self.auth = auth.service
        self.ami.on_connected(self._resync)
        realtime = wire_realtime(self.auth, clock, s.auth.ws_recheck_seconds)
        self.hub, self.ws_guard = realtime.hub, realtime.ws_guard
        # the directory's storage (seats, queues, skills, pause reasons) is read by the ACD; its rules, which need
        # the ACD's live agents and the IVR, are wired further down (``wire_directory``)
        self.directory_repo = DirectoryRepository(sessions, clock)
        acd = wire_acd(sessions, clock, self.ami, s.acd, events, self.directory_repo, outbound=self.tracker)
        self.acd_repo, self.acd = acd.repo, acd.service
        # rows a writer cannot store are set aside there with their error (shown in /api/health)
        self.write_failures = WriteFailureStore(sessions, clock)
        self.write_failures.attach(self.tracker.writer, self.acd.writer)
        self.agi = FastAgiServer(s.agi.host, s.agi.port, s.agi.command_timeout)
        customers = wire_customers(sessions, clock, self.auth.audit, follow_up_hours=s.callbacks.due_hours)
        self.customers, self.crm, self.customer_access = customers.repo, customers.records, customers.access
        ivr = wire_ivr(s, sessions, clock, self.tracker, self.customers, self.agi,
                       queues=lambda: set(self.acd.queue_names),
                       queue_max_wait=lambda q: self.acd.max_wait_seconds.get(q),
                       survey_after=lambda q: self.ivr_survey.offered(q),
                       queue_prompts=lambda q: self.ivr_survey.prompts_for(q))
        self.ivr_domain = ivr
        self.prompts, self.ivr, self.ivr_engine = ivr.prompts, ivr.service, ivr.engine
        self.pop = wire_pop(self.hub, self.tracker, self.crm, clock, self.ivr, self.calls_repo, self.acd, events)
        grant_call_access(self.customer_access, self.acd, self.pop, self.acd_repo.was_on_call)
        wallboard = wire_wallboard(s, clock, self.hub, self.tracker, self.acd, self.calls_repo, self.acd_repo,
                                   self.directory_repo, events)
        self.board = wallboard.board
        seat = wire_seat(s, clock, sessions, self.acd, self.hub, self.auth.audit)
        self.seat = seat.service
        attach_seat_discipline(self.board, self.seat)
        recordings = wire_recordings(s, clock, self.ami, sessions, events, self.tracker,
                                     agent_of=self.acd.username_at, on_problem=self._recording_problem)
        self.recordings, self.recorder = recordings.repo, recordings.recorder
        # the surveys (issue 15): QC stores a lead's typed-in result there and reports them, the call-back desk too
        surveys = wire_surveys(sessions, clock, s.timezone, self.auth.audit, s.surveys, self.tracker, self.prompts,
                               self.agi, agent_of=self.acd.username_at, stored_call=self.calls_repo.get_by_uniqueid)
        self.surveys, self.ivr_survey = surveys.service, surveys.ivr
        qc = wire_qc(sessions, clock, s.timezone, self.auth.audit, surveys=surveys.service)
        self.qc = qc
        shifts = wire_shifts(s, clock, sessions, self.acd, self.auth.audit, on_finding=self._shift_finding)
        self.shifts = shifts.service
        # cases (issue 14): departments, then the cases, which read the customers' call access rule and the
        # shifts' approver positions
        departments = wire_departments(sessions, clock, self.auth.audit, self._user_exists)
        self.departments = departments.service
        cases = wire_cases(sessions, clock, s.timezone, s.case_policy, s.data_dir, self.auth.audit,
                           departments.repo, customer_exists=self._customer_exists,
                           may_use_call=self.customer_access.may_use_call, position_of=self._position_of,
                           clocks=s.cases)
        self.cases = cases
        self.pop.set_cases(cases.pop)  # the pop shows the caller's open cases (the pop is wired before the cases)
        # the case clocks live: the checker's events on the boards and to the escalated, the cases socket
        clocks_live = wire_case_clocks(cases, sessions, clock, s.timezone, s.cases, departments.repo, self.board,
                                       self.hub, self.auth.repo.users)
        self.case_clocks, self.case_live = clocks_live.checker, clocks_live.live
        # the monthly responsibility review: its reminder, overdue mark and employee flags on the boards
        self.review = wire_review(sessions, clock, s.timezone, s.cases.review, self.auth.audit, cases.repo,
                                  departments.repo, raise_alert=self._review_alert, clocks_live=clocks_live)
        # the call-back desk (issue 15): a resolved case gets its call-back task; the attempts are
        # the ACD's click-to-call; the ends of those calls count failed attempts; overdue tasks on the boards
        callbacks = wire_callbacks(
            sessions, clock, s.timezone, s.callbacks, self.auth.audit, surveys=surveys.service,
            number_of=self._first_number, first_call=self._first_case_call,
            problem_stands=cases.service.problem_stands, on_case_change=cases.service.on_change,
            tracker=self.tracker, place_call=self._place_call, departments=departments.repo,
            users_with_role=clocks_live.live.users_with_role, notifier=clocks_live.live.notifier, board=self.board,
            on_follow_up=customers.service_records.on_follow_up,
            record_called_back=customers.service_records.follow_up_called_back, queue_of_call=self._queue_of_call,
            agi=self.agi, ami=self.ami, new_uniqueid=self.acd.calls.new_uniqueid, caller_id=s.acd.outbound_caller_id,
            prompts=self.prompts)
        self.callbacks = callbacks
        # campaigns (issue 15): the pacer places the calls of the progressive ones through the ACD's click-to-call;
        # their numbers also come from the customers' search and the call-back desk's open tasks (an attempt each)
        campaigns = wire_campaigns(sessions, clock, s.timezone, s.campaigns, self.auth.audit,
                                   is_agent=self._is_agent, agent_state=self._agent_state,
                                   user_of=self.auth.repo.user_named, call_end=self._call_end,
                                   place_call=self._place_call, tracker=self.tracker, customers=customers.records,
                                   callbacks=callbacks.desk)
        self.campaigns = campaigns
        # ask the lead (issue 16): an agent's help request on the boards at once, taken by a lead (listen, whisper,
        # barge through the ACD's spy, or a transfer to a senior), closed with the call
        help_domain = wire_help(sessions, clock, self.acd, self.tracker, self.auth.audit, self.auth.repo.user_named,
                                self.board, self.hub)
        self.help = help_domain.desk
        # the CDR export and the audit trail, readable (issue 17 parts 3 and 6; docs/calls.md, docs/audit.md)
        cdr = wire_cdr_export(sessions, clock, s.timezone, self.auth.audit)
        self.cdr_export = cdr.export
        audit_domain = wire_audit(sessions, clock, s.timezone, s.audit, self.auth.audit)
        self.audit_reader = audit_domain.reader
        # the interval reports (issue 17): rollups kept from every call change and agent state change (the tracker's
        # watchers and the ACD's listeners after the board's: they only note the time), rolled by their own pass
        self.reports = wire_reports(sessions, clock, s.timezone, s.reports, self.tracker, self.acd)
        # the knowledge base (issue 16): the issuing departments, and the customers' call rule for "used on this call"
        self.knowledge = wire_knowledge(sessions, clock, s.timezone, s.knowledge, s.data_dir, self.auth.audit,
                                        departments.repo, may_use_call=self.customer_access.may_use_call)
        # notices (issue 16): the audience from the users, skills and roster; pushed to the desktops; each shift
        # handover lists those published since the one before
        self.notices = wire_notices(sessions, clock, s.timezone, s.notices, s.data_dir, self.auth.audit,
                                    departments.repo, self.hub,
                                    audience_sources(self.auth.repo, self.directory_repo, self.shifts), self.shifts)
        # the seeds' reports (issue 17 part 2): workload, case summary, satisfaction, monthly quality, appraisal
        self.seed_reports = wire_seed_reports(sessions, clock, s.timezone, s.seed_reports, s.data_dir,
                                              self.auth.audit, users=self.auth.repo.users,
                                              callback_rate=callbacks.desk.rate,
                                              violations=self.shifts.violations_report,
                                              clock_states=cases.view.states, hub=self.hub)
        attach_campaigns(self.board, campaigns.campaigns)  # the running campaigns' totals on the boards
        # the recording player: may this agent hear this call? (the QC service decides: their own scored calls)
        self.agent_may_play = self.qc.appeals.agent_may_play
        self.desk = Desk(self.acd, self.pop, self.recorder)
        # the admin page's edits: the directory (seats, queues, skills, pause reasons) and auth's users, one
        # change at a time across both (one lock); a seat or queue change is applied to Asterisk by the stack
        admin_lock = asyncio.Lock()
        directory = wire_directory(self.directory_repo, self.acd, clock, mode=s.mode,
                                   fallback_queue=s.ivr.default_queue, apply_config=self.apply_config,
                                   flows_using_queue=self.ivr.flows_using_queue, prompt_exists=self.prompts.exists,
                                   lock=admin_lock)
        self.directory = directory.directory
        users = wire_users(self.auth, self.directory, admin_lock)
        self.users = users.admin
        # what the routes ask for by type (callcenter/deps.py)
        self.services = Services()
        for item in (s, self.auth, self.hub, self.ws_guard, self.calls_repo, self.tracker, self.acd_repo, self.acd,
                     self.directory_repo, self.desk, self.crm, customers.service_records, customers.csv, self.ivr,
                     self.prompts,
                     self.board, self.seat, self.recordings, self.recorder, recordings.playback, recordings.peaks,
                     *self.qc.services, self.shifts, self.write_failures, self.directory, self.users,
                     self.surveys, self.callbacks.desk, self.campaigns.campaigns):
            self.services.add(type(item), item)
        self.services.add(CLOCK, clock)
        for item in (self.departments, cases.service, cases.files, cases.view, self.case_live):
            self.services.add(type(item), item)
        self.services.add(type(self.review.reviews), self.review.reviews)
        for item in (self.knowledge.service, self.knowledge.documents):
            self.services.add(type(item), item)
        for item in (self.notices.service, self.notices.files):
            self.services.add(type(item), item)
        self.services.add(HEALTH_PARTS, self)
        # the recording player asks the stack (tests replace ``agent_may_play``), which asks the QC service
        self.services.add(PLAY_POLICY, self)
        self.services.add(HelpDesk, self.help)
        self.services.add(type(self.cdr_export), self.cdr_export)
        self.services.add(type(self.audit_reader), self.audit_reader)
        self.services.add(type(self.reports.intervals), self.reports.intervals)
        self.services.add(type(self.reports.rollups), self.reports.rollups)
        self.services.add(type(self.seed_reports.reports), self.seed_reports.reports)
        # the HTTP routes, in the order they are matched
        self.routers: list[APIRouter] = [
            health_router, *auth.routers, *cdr.routers,  # the CDR export before /api/calls/{call_id}
            *calls.routers, *ivr.routers, *users.routers, *directory.routers,
            *customers.routers,
            *acd.routers, *realtime.routers, *wallboard.routers, *seat.routers, *recordings.routers,
            *qc.routers, *shifts.routers]
        self.body_limits = [*ivr.body_limits, *customers.body_limits]
        self.routers += [*departments.routers, *clocks_live.routers, *self.review.routers, *cases.routers,
                         *surveys.routers, *callbacks.routers, *campaigns.routers, *self.knowledge.routers,
                         *self.notices.routers]
        self.body_limits += [*cases.body_limits, *self.knowledge.body_limits, *self.notices.body_limits]
        self.routers += help_domain.routers
        self.routers += audit_domain.routers
        self.routers += self.reports.routers
        self.routers += self.seed_reports.routers
        self.layout: RuntimeLayout | None = None
        self.asterisk_process: ManagedAsterisk | None = None

    async def _user_exists(self, username: str) -> bool:
        return await self.auth.repo.user_named(username) is not None

    async def _customer_exists(self, customer_id: int) -> bool:
        return await self.customers.get(customer_id) is not None

    async def _position_of(self, username: str) -> str | None:
        """The approver position a user holds (the shifts domain keeps them)."""
        async with self.shifts.repo.session() as db:
            a = await self.shifts.repo.approver(db, username)
        return a.position if a else None

    def _recording_problem(self, p: dict[str, Any]) -> None:
        """A recording missing or cut short at the end of a call: on the boards."""
        self.board.raise_alert(f"recording:{p['call_uniqueid']}", "recording", p, queue=p["queue"],
                               username=p["agent"])

    async def _first_number(self, customer_id: int) -> str | None:
        """The number a call-back dials: the customer's first phone number."""
        numbers = (await self.customers.existing_ids([customer_id])).get(customer_id) or []
        return numbers[0] if numbers else None

    async def _first_case_call(self, case_id: int) -> tuple[str, str | None] | None:
        """A case's first linked call and its queue (what a call-back's survey rates)."""
        calls = sorted(await self.cases.repo.calls_of(case_id), key=lambda c: (c.linked_at, c.call_uniqueid))
        if not calls:
            return None
        call = await self.calls_repo.get_by_uniqueid(calls[0].call_uniqueid)
        return calls[0].call_uniqueid, call.queue if call is not None else None

    async def _is_agent(self, username: str) -> bool:
        u = await self.auth.repo.user_named(username)
        return u is not None and u.active and "agent" in u.roles

    def _agent_state(self, username: str) -> str | None:
        """The pacer's view of an agent: their ACD state, but ``phone_down`` for a ready agent whose seat's phone is
        down (unregistered or unreachable: e.g. after an Asterisk crash, until the phone registers again), so no
        call is placed that can only fail."""
        a = self.acd.handling(username)
        if a is None:
            return None
        phone = self.acd.phones.get(a.extension)
        return "phone_down" if a.state == "ready" and phone is not None and phone.down else a.state

    async def _call_end(self, uniqueid: str) -> tuple[str | None, str | None] | None:
        call = await self.calls_repo.get_by_uniqueid(uniqueid)
        return (call.outcome, call.end_reason) if call is not None and call.ended_at is not None else None

    async def _queue_of_call(self, uniqueid: str) -> str | None:
        call = await self.calls_repo.get_by_uniqueid(uniqueid)
        return call.queue if call is not None else None

    async def _place_call(self, user: User, number: str, customer_id: int | None) -> str:
        """A call-back's attempt: the ACD's click-to-call for this agent."""
        res = await self.acd.call_out(user, number, self.settings.acd.outbound_caller_id, customer_id)
        return res["call_uniqueid"]

    def _review_alert(self, aid: str, kind: str, detail: dict[str, Any], username: str | None,
                      minutes: float) -> None:
        """The monthly review's reminder and overdue mark, and an employee's flag: on the boards."""
        self.board.raise_alert(aid, kind, detail, username=username, minutes=minutes)

    def _shift_finding(self, kind: str, row: dict[str, Any]) -> None:
        """A new attendance finding (late, absence, early leave, left before relief): on the boards."""
        self.board.raise_alert(f"shift:{row['roster_id']}:{kind}", f"shift_{kind}", row, username=row["username"])

    async def _retention_days(self) -> dict[str, int]:
        return {q.name: q.recording_retention_days for q in await self.directory_repo.queues()}

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
        await self.acd.resync(queue_status, channels, since=agent_mark, queue_of=self.tracker.queue_of)
        for a in self.acd.logged_in():  # the pop of every call still going on (a service restart loses them)
            await self.pop.restore(a)

    async def _queue_confs(self) -> list[QueueConf]:
        """Queues for queues.conf. An uploaded announce prompt is given by its absolute path (Asterisk looks for a
        bare name only among its own sounds, where a bare name keeps the caller's language)."""
        out = []
        for q in await self.directory_repo.queue_confs():
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
        self.layout = render_config(self.settings, seats=await self.directory_repo.seat_confs(),
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
        await self.acd.refresh_all_memberships()

    async def load_directory(self) -> None:
        """Seats and queues (first run: from settings), then agents' states as stored (service restart)."""
        await self.directory_repo.seed_from_settings(self.settings)
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
                  for x in await self.directory_repo.seats() if x.password.endswith("-dev")]
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
                await self.ivr_domain.seed_default_flow(s.data_dir, s.queue_names)
            await self.callbacks.queue.seed_prompts(s.data_dir / "prompts")  # the call-back's, when it is on
            await self.ivr_survey.seed_prompts(s.data_dir / "prompts")  # the post-call survey's, when it is on
            self.layout = render_config(s, seats=await self.directory_repo.seat_confs(),
                                        queues=await self._queue_confs())
            check_modules(s)  # asterisk.modules_dir holds what modules.conf loads, or a SettingsError
            await self.agi.start()
            if s.asterisk.managed:
                self.asterisk_process = ManagedAsterisk(s, self.layout)
                await self.asterisk_process.start()
                self.asterisk_process.supervise(min_delay=s.asterisk.restart_delay)
            await self.tracker.load_open_calls()
            await self.callbacks.queue.restore()  # the call-backs' places waiting in the queues
            await self.help.restore()  # the help requests still open, on the boards again
            await self.recorder.adopt(self.tracker.active)
            self.recorder.start_purging(s.recording.purge_interval_minutes * 60, self._retention_days,
                                        self.auth.audit)
            await self.seat.load()
            await self.board.load()
            self.board.start()
            self.seat.start()
            self.shifts.start()
            await self.case_live.restore()  # the case clocks' alerts (held in memory) back on the boards
            self.case_clocks.start()
            self.review.watch.start()
            self.callbacks.watch.start()
            self.campaigns.pacer.start()
            self.seed_reports.watch.start()
            self.tracker.start_writer()
            self.acd.start_writer()
            self.reports.rollups.start()  # first the buckets a crash left behind (from the raw rows), then passes
            await self.ami.start()
        except BaseException:
            await self.stop()  # nothing half-started is left behind (ports, child process, DB pool)
            raise

    async def stop(self) -> None:
        await self.seed_reports.watch.stop()
        await self.case_clocks.stop()
        await self.review.watch.stop()
        await self.callbacks.watch.stop()
        await self.campaigns.pacer.stop()
        await self.shifts.stop()
        await self.seat.stop()
        await self.board.stop()
        await self.ami.stop()
        await self.agi.stop()
        await self.reports.rollups.stop()  # the last pass, while the writers still run
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
    install_services(app, stack.services)
    install_error_handlers(app)
    # bodies capped before they are read; the big uploads also need their role first (callcenter/bodylimit.py)
    app.add_middleware(BodyLimit, default_max=settings.http.max_body_bytes, authorise=authorise_scope,
                       routes=stack.body_limits)
    # outermost: the Host check (DNS rebinding), then forwarded headers from trusted proxies only (http_guard.py)
    install_http_guard(app, settings.http.hosts, settings.http.trusted_proxies)
    for router in stack.routers:
        app.include_router(router)
    # The web pages: plain HTML/CSS/JS from the repository (no CDN); every API call they make is role-checked.
    app.mount("/ui", StaticFiles(directory=UI_DIR, html=True), name="ui")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")
    return app
