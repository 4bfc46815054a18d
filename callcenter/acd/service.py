"""The ACD's one entrance: :class:`AgentService` builds the ACD's parts and is what the other domains, the routes
and the stack call. Each concept is its own class, one module each:

- :mod:`callcenter.acd.agents` — the live agents and their state machine (``AgentStates``: transitions,
  listeners, the state log writer);
- :mod:`callcenter.acd.config` — what the ACD keeps of the directory (queues' wrap-up and longest wait, pause
  reasons);
- :mod:`callcenter.acd.membership` — queue membership on app_queue: log in / ready / pause / log out, a skill
  change followed, the wrap-up pause and its timer;
- :mod:`callcenter.acd.reactions` — app_queue's AMI events (ringing, on call, wrap-up, no answer, caller gone);
- :mod:`callcenter.acd.resync` — after every AMI connect, Asterisk's members made to match the database and the
  agents' calls to match Asterisk's channels;
- :mod:`callcenter.acd.supervisor` — force pause, force logout, spy, joining a conference;
- :mod:`callcenter.acd.call_control` — transfer, click-to-call;
- :mod:`callcenter.acd.conference` — the conference on a call (a seat or a queue's expert added, leave, end).

The database is the truth for who is logged in at which seat and paused why: every change is stored (current
row + append-only log) and re-applied to Asterisk by the resync. The methods below only hand over to those parts;
the public reads (``at_seat``, ``username_at``, ``everyone``, ``handling``, ``listen``) are the ones other domains
use.
"""

from __future__ import annotations

from typing import Any

from callcenter.acd.actions import AcdAmi
from callcenter.acd.agents import Agent, AgentStates, Listener
from callcenter.acd.call_control import CallControl
from callcenter.acd.conference import Conferences
from callcenter.acd.config import AcdConfig
from callcenter.acd.membership import Membership
from callcenter.acd.phones import Phones
from callcenter.acd.reactions import AmiReactions
from callcenter.acd.repository import AcdRepository
from callcenter.acd.resync import Resync
from callcenter.acd.supervisor import SupervisorActions
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.directory.repository import DirectoryRepository
from callcenter.outside_numbers import OutsideUse
from callcenter.writebehind import WriteBehind

__all__ = ["AcdAmi", "Agent", "AgentService", "Listener"]


class AgentService:
    def __init__(self, repo: AcdRepository, directory: DirectoryRepository, ami: AcdAmi, clock: Clock, *,
                 auto_pause_after: int = 1, phones: Phones | None = None) -> None:
        """``repo``: the ACD's own tables (agent state, its log); ``directory``: the seats, queues, skills and pause
        reasons it reads. ``phones``: the seats' phones (the wiring feeds them AMI events); an agent's ``device`` is
        read there and its listeners hear of a change of it."""
        self.repo = repo
        self.directory = directory
        self.ami = ami
        self.clock = clock
        self.phones = phones if phones is not None else Phones(clock)
        self.states = AgentStates(repo, clock, self.phones)
        self.config = AcdConfig(directory)
        self.membership = Membership(self.states, directory, self.config, ami, clock)
        self.reactions = AmiReactions(self.states, self.membership, auto_pause_after=auto_pause_after)  # AMI events
        # ``acd.resync(queue_status, channels, since=, queue_of=)`` after every AMI connect (``Stack._resync``)
        self.resync = Resync(self.states, self.membership, ami)
        self.conference = Conferences(self.states, self.config, directory, ami, clock)
        self.supervisor = SupervisorActions(self.states, self.membership, self.config, directory, ami,
                                            self.conference)
        self.calls = CallControl(self.states, self.config, ami, clock)
        # the reaction to the phones is registered by ``wire_acd``, not here

    # the live agents (the same objects the parts change) ------------------------------------------------------
    @property
    def agents(self) -> dict[int, Agent]:
        """user id → agent (everyone who logged in since start)."""
        return self.states.agents

    @property
    def by_ext(self) -> dict[str, Agent]:
        """seat → logged-in agent."""
        return self.states.by_ext

    @property
    def _listeners(self) -> list[Listener]:  # a test takes a listener off again
        return self.states.listeners

    @property
    def _writer(self) -> WriteBehind:  # a test holds the writer back
        return self.states.writer

    def mark(self) -> int:
        """The change counter now (see the resync's ``since``)."""
        return self.states.mark()

    def listen(self, listener: Listener) -> None:
        self.states.listeners.append(listener)

    # loading and the directory's config ------------------------------------------------------------------------
    async def load(self) -> None:
        """Rebuild from the DB (service restart): who is logged in where, in which state, in which queues."""
        await self.reload_config()
        await self.states.load()
        for a in self.states.by_ext.values():
            a.memberships = await self.directory.memberships(a.user_id)
            if a.state == "wrapup":
                self.membership.schedule_wrapup(a, None)

    async def reload_config(self) -> None:
        await self.config.reload()

    @property
    def wrapup_seconds(self) -> dict[str, int]:
        return self.config.wrapup_seconds

    @property
    def max_wait_seconds(self) -> dict[str, int]:
        return self.config.max_wait_seconds

    @property
    def queue_names(self) -> set[str]:
        return self.config.queue_names

    @property
    def auto_pause_after(self) -> int:
        return self.reactions.auto_pause_after

    @auto_pause_after.setter
    def auto_pause_after(self, rings: int) -> None:
        self.reactions.auto_pause_after = rings

    def reason_list(self) -> list[dict[str, Any]]:
        return self.config.reason_list()

    def away_reasons(self) -> set[str]:
        return self.config.away_reasons()

    def not_away_reasons(self) -> set[str]:
        return self.config.not_away_reasons()

    def selectable_reasons(self) -> list[str]:
        return self.config.selectable_reasons()

    # the agent's clicks and queue membership -------------------------------------------------------------------
    def agent_for(self, user: User) -> Agent:
        return self.states.agent_for(user)

    async def login(self, user: User, extension: str) -> Agent:
        return await self.membership.login(user, extension)

    async def ready(self, user: User) -> Agent:
        return await self.membership.ready(user)

    async def pause(self, user: User, reason: str) -> Agent:
        return await self.membership.pause(user, reason)

    async def logout(self, user: User, source: str = "agent") -> Agent:
        return await self.membership.logout(user, source)

    async def refresh_memberships(self, user_id: int) -> None:
        """Skills or queues changed: bring a logged-in agent's queue memberships in line."""
        await self.membership.refresh(user_id)

    async def refresh_all_memberships(self) -> None:
        """Every logged-in agent's queue memberships made to follow their skills again (queues changed)."""
        await self.membership.refresh_all()

    # supervisor actions (the wallboard) and call control (the desktop) -----------------------------------------
    async def force_pause(self, username: str, reason: str, by: str, note: str = "") -> Agent:
        return await self.supervisor.force_pause(username, reason, by, note)

    async def force_logout(self, username: str, by: str, note: str = "") -> Agent:
        return await self.supervisor.force_logout(username, by, note)

    async def spy(self, username: str, mode: str, seat: str, by: str) -> dict[str, str]:
        return await self.supervisor.spy(username, mode, seat, by)

    async def transfer(self, user: User, caller_channel: str | None, target_type: str, target: str,
                       mode: str, outside: OutsideUse | None = None) -> dict[str, str]:
        return await self.calls.transfer(user, caller_channel, target_type, target, mode, outside)

    async def call_out(self, user: User, number: str, caller_id: str,
                       customer_id: int | None = None) -> dict[str, str]:
        return await self.calls.call_out(user, number, caller_id, customer_id)

    async def join_conference(self, username: str, mode: str, seat: str, by: str) -> dict[str, Any]:
        return await self.supervisor.join_conference(username, mode, seat, by)

    async def conference_add(self, user: User, target_type: str, target: str, caller_number: str | None = None,
                             outside: OutsideUse | None = None) -> dict[str, Any]:
        return await self.conference.add_party(user, target_type, target, caller_number, outside)

    async def conference_leave(self, user: User) -> dict[str, Any]:
        return await self.conference.leave(user)

    async def conference_end(self, user: User) -> dict[str, Any]:
        return await self.conference.end(user)

    async def conference_state(self, user: User) -> dict[str, Any]:
        return await self.conference.state(user)

    # storage: the state log written behind ---------------------------------------------------------------------
    def start_writer(self) -> None:
        """Write state changes behind, in order, batched (the running service; unit tests write at once)."""
        self.states.writer.start()

    @property
    def writer(self) -> WriteBehind:
        """The agent-state writer (its refused rows are set aside by ``WriteFailureStore.attach``)."""
        return self.states.writer

    async def flush(self) -> None:
        """Wait until every state change made so far is stored (tests, shutdown)."""
        await self.states.writer.flush()

    async def stop_writer(self) -> None:
        """Store what is pending (never cancelling a batch mid-transaction), then stop; wrap-up timers end."""
        await self.states.stop_writer()

    # reads (what the other domains ask) ------------------------------------------------------------------------
    def logged_in(self) -> list[Agent]:
        return self.states.logged_in()

    def everyone(self) -> list[Agent]:
        """Every agent known since the start, logged in or not (attendance reads their live states)."""
        return list(self.states.agents.values())

    def handling(self, username: str) -> Agent | None:
        return self.states.handling(username)

    def at_seat(self, extension: str) -> Agent | None:
        """The agent logged in at that seat."""
        return self.states.by_ext.get(extension)

    def seat_and_state(self, user_id: int) -> tuple[str | None, str] | None:
        """(seat, state) of a logged-in agent; None when not logged in (the users' administration shows it)."""
        a = self.states.agents.get(user_id)
        if a is None or a.state == "logged_out":
            return None
        return a.extension, a.state

    def rename(self, user_id: int, display_name: str) -> None:
        """The user's display name changed (admin): the agent's rows show the new one."""
        a = self.states.agents.get(user_id)
        if a is not None:
            a.display_name = display_name

    def username_at(self, extension: str) -> str | None:
        """The username of the agent logged in at that seat (the recorder names a call's agent by it)."""
        a = self.states.by_ext.get(extension)
        return a.username if a else None
