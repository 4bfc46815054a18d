"""The recordings domain wired: the recorder indexes the file the dialplan records for each answered call (AMI
AgentConnect, the caller's Newchannel; an outbound call's DialEnd ANSWER) and follows the tracked calls; its routes
(``/api/recordings``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.ami import EventDispatcher
from callcenter.asterisk.events import AgentConnect, DialEnd, Newchannel
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock
from callcenter.recordings.api import PlaybackLog, router
from callcenter.recordings.peaks import PeaksCache
from callcenter.recordings.repository import RecordingRepository
from callcenter.recordings.service import Recorder, RecorderAmi
from callcenter.settings import Settings


@dataclass(frozen=True)
class Recordings:
    repo: RecordingRepository
    recorder: Recorder
    playback: PlaybackLog  # which audio requests start a playback (audited)
    peaks: PeaksCache  # the player's waveforms, cached under <data_dir>/peaks
    routers: tuple[APIRouter, ...]


def wire_recordings(settings: Settings, clock: Clock, ami: RecorderAmi,
                    sessions: async_sessionmaker[AsyncSession],
                    dispatcher: EventDispatcher, tracker: CallTracker, *, agent_of: Callable[[str], str | None],
                    on_problem: Callable[[dict[str, Any]], None]) -> Recordings:
    """``agent_of(extension)``: the username of the agent at a seat; ``on_problem(problem)``: a recording missing
    or cut short at the end of a call (the boards show it)."""
    repo = RecordingRepository(sessions)
    recorder = Recorder(settings.recording, settings.recordings_dir, settings.timezone, ami, repo, clock,
                        agent_of=agent_of)

    async def on_newchannel(ev: Newchannel) -> None:
        await recorder.on_newchannel(ev, settings.inbound_context)

    async def on_dial_end(ev: DialEnd) -> None:
        """An outbound call the product placed was answered by the customer: the dialplan records it from now."""
        st = tracker.call(ev.uniqueid)
        if st is not None and st.direction == "outbound" and (ev.dial_status or "").upper() == "ANSWER":
            recorder.on_outbound_answered(ev.uniqueid, ev.channel or st.channel or "", ev.at or clock.now(),
                                          st.agent_extension, st.agent_username)

    dispatcher.on(AgentConnect, recorder.on_agent_connect)
    dispatcher.on(Newchannel, on_newchannel)
    dispatcher.on(DialEnd, on_dial_end)
    tracker.watch(recorder.on_call)
    recorder.on_problem(on_problem)
    return Recordings(repo=repo, recorder=recorder, playback=PlaybackLog(clock),
                      peaks=PeaksCache(settings.data_dir / "peaks"), routers=(router,))
