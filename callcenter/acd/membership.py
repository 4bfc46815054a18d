"""Queue membership on app_queue: an agent's seat in the queues of their skills, at their level's penalty, paused or
not and why — the agent's own clicks (log in, ready, pause, log out) and what follows a skill change.

Logging in adds ``PJSIP/<seat>`` to each queue of the agent's skills (QueueAdd, paused ``not_ready``); ready and
pause are QueuePause on every queue (a pause's reason also goes to queue_log); logging out removes the member from
every queue. Asterisk's own QueueMemberPause echoes are not adopted: they arrive after our action, and adopting
them would undo a quick pause-then-ready.

Wrap-up: the member is paused in Asterisk with reason ``wrapup`` (app_queue's wrapuptime is 0) until the agent
goes ready or the queue's ``wrapup_seconds`` pass. There is a window of milliseconds between the agent's hang-up
and that pause in which Asterisk may offer the agent the next call; that call is handled normally.
"""

from __future__ import annotations

import asyncio
from typing import Any

from callcenter.acd.actions import AcdAmi, try_action
from callcenter.acd.agents import BUSY_STATES, SYSTEM_SOURCE, Agent, AgentStates
from callcenter.acd.config import AcdConfig
from callcenter.acd.errors import (
    ALREADY_LOGGED_IN,
    CANNOT_GO_READY,
    CANNOT_LOG_OUT,
    CANNOT_PAUSE,
    LOGIN_NEEDS_AGENT_ROLE,
    SEAT_NOT_FOUND,
    SEAT_TAKEN,
    state_words,
)
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.directory.repository import DirectoryRepository


class Membership:
    def __init__(self, states: AgentStates, directory: DirectoryRepository, config: AcdConfig, ami: AcdAmi,
                 clock: Clock) -> None:
        self.states = states
        self.directory = directory
        self.config = config
        self.ami = ami
        self.clock = clock

    # the agent's clicks ----------------------------------------------------------------------------------
    async def login(self, user: User, extension: str) -> Agent:
        if "agent" not in user.roles:
            raise LOGIN_NEEDS_AGENT_ROLE(field="user")
        seat = await self.directory.seat(extension)
        if seat is None or not seat.active:
            raise SEAT_NOT_FOUND({"extension": extension}, field="extension")
        a = self.states.agent_for(user)
        if a.state != "logged_out":
            if a.extension == extension:
                return a  # already here: a second browser tab
            raise ALREADY_LOGGED_IN(seat=a.extension)
        holder = self.states.by_ext.get(extension)
        if holder is not None and holder.user_id != user.id:
            raise SEAT_TAKEN(seat=extension, taken_by=holder.username)
        a.extension = extension
        a.memberships = await self.directory.memberships(user.id)
        a.logged_in_at = self.clock.now()
        a.missed_rings = 0
        self.states.by_ext[extension] = a
        await self.states.set(a, "paused", reason="not_ready", source="agent")
        for q, penalty in a.memberships.items():
            await try_action(f"QueueAdd {q}", self.ami.queue_add(q, a.interface, penalty=penalty, paused=True,
                                                                 member_name=a.display_name, reason="not_ready"))
        return a

    async def ready(self, user: User) -> Agent:
        a = self.states.logged_in_agent(user)
        if a.state == "ready":
            return a
        if a.state in BUSY_STATES:
            raise CANNOT_GO_READY({"state_text": state_words(a.state)}, state=a.state)
        a.missed_rings = 0
        await self.states.set(a, "ready", source="agent")
        await try_action("QueuePause off", self.ami.queue_pause(a.interface, False))
        return a

    async def pause(self, user: User, reason: str) -> Agent:
        a = self.states.logged_in_agent(user)
        self.config.reason(reason)
        if a.state in BUSY_STATES:
            raise CANNOT_PAUSE({"state_text": state_words(a.state)}, state=a.state)
        await self.pause_agent(a, reason, "agent")
        return a

    async def logout(self, user: User, source: str = "agent") -> Agent:
        a = self.states.logged_in_agent(user)
        if a.state in BUSY_STATES:
            raise CANNOT_LOG_OUT({"state_text": state_words(a.state)}, state=a.state)
        await self.logout_agent(a, source)
        return a

    # what the clicks, the supervisor and the AMI reactions share -----------------------------------------
    async def pause_agent(self, a: Agent, reason: str, source: str, event: dict[str, Any] | None = None) -> None:
        await self.states.set(a, "paused", reason=reason, source=source, event=event)
        await try_action("QueuePause on", self.ami.queue_pause(a.interface, True, reason))
        # the reason also goes to queue_log so queue-reporting tools see it (app_queue logs PAUSE itself)
        await try_action("QueueLog", self.ami.queue_log("NONE", "PAUSEREASON", a.interface, reason))

    async def logout_agent(self, a: Agent, source: str, event: dict[str, Any] | None = None) -> None:
        ext, queues = a.extension, list(a.memberships)
        for q in queues:
            await try_action(f"QueueRemove {q}", self.ami.queue_remove(q, a.interface))
        if ext:
            self.states.by_ext.pop(ext, None)
        a.extension = None
        a.logged_in_at = None
        a.memberships = {}
        await self.states.set(a, "logged_out", source=source, event=event)

    # skills or queues changed ----------------------------------------------------------------------------
    async def refresh(self, user_id: int) -> None:
        """Skills or queues changed: bring a logged-in agent's queue memberships in line."""
        a = self.states.agents.get(user_id)
        if a is None or a.state == "logged_out":
            return
        want = await self.directory.memberships(user_id)
        for q in set(a.memberships) - set(want):
            await try_action(f"QueueRemove {q}", self.ami.queue_remove(q, a.interface))
        for q, pen in want.items():
            if q not in a.memberships:
                await try_action(f"QueueAdd {q}", self.ami.queue_add(
                    q, a.interface, penalty=pen, paused=a.paused_in_asterisk, member_name=a.display_name,
                    reason=a.reason if a.paused_in_asterisk else ""))
            elif a.memberships[q] != pen:
                await try_action(f"QueuePenalty {q}", self.ami.queue_penalty(q, a.interface, pen))
        a.memberships = want

    async def refresh_all(self) -> None:
        """Every logged-in agent's queue memberships made to follow their skills again (queues changed)."""
        for a in list(self.states.by_ext.values()):
            await self.refresh(a.user_id)

    # wrap-up ---------------------------------------------------------------------------------------------
    async def enter_wrapup(self, a: Agent, queue: str | None, event: dict[str, Any]) -> None:
        """The agent's call ended: wrap-up (paused in Asterisk) for the queue's seconds, or ready at once."""
        if self.config.wrapup_of(queue) <= 0:
            await self.states.set(a, "ready", source="ami", event=event)
            return
        await self.states.set(a, "wrapup", reason="wrapup", source="ami", event=event)
        await try_action("QueuePause wrapup", self.ami.queue_pause(a.interface, True, "wrapup"))
        self.schedule_wrapup(a, queue)

    def schedule_wrapup(self, a: Agent, queue: str | None) -> None:
        """The wrap-up's end, counted from when it began (a wrap-up reloaded after a restart keeps its time)."""
        seconds: float = self.config.wrapup_seconds.get(queue or "", self.config.longest_wrapup())
        if a.since is not None:
            seconds = max(0.0, seconds - (self.clock.now() - a.since).total_seconds())
        a.wrapup_task = asyncio.get_running_loop().create_task(self._wrapup_ends(a, seconds),
                                                               name=f"wrapup {a.username}")

    async def _wrapup_ends(self, a: Agent, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if a.state == "wrapup":
            a.wrapup_task = None  # this task is ending; set() must not cancel it
            await self.states.set(a, "ready", source=SYSTEM_SOURCE, event={"why": "wrapup_over"})
            await try_action("QueuePause off", self.ami.queue_pause(a.interface, False))
