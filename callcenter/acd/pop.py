"""The screen pop: when Asterisk rings an agent (AgentCalled), every websocket of that agent gets the caller's
number, customer record (or none: the page offers a new-customer form prefilled with the number), the last 5
calls and service records, open follow-ups, the IVR path and choice, the queue and the wait so far. On answer
the pop becomes the active call, on hang-up it moves to wrap-up; a browser that reconnects gets it again.

Message types (``docs/agent-desktop.md``): ``hello``, ``state``, ``pop``, ``pop_phase``, ``pop_cleared``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Protocol

from callcenter.acd.service import Agent
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock, from_epoch
from callcenter.realtime.hub import Hub

log = logging.getLogger(__name__)


class PopCustomers(Protocol):
    async def pop_view(self, caller_number: str | None, username: str) -> dict[str, Any]: ...


def agent_topic(username: str) -> str:
    return f"agent:{username}"


AGENTS_TOPIC = "agents"  # every agent's state, for supervisors


def ivr_choices(path: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The digits the caller pressed, menu by menu (``[{"node": "main", "digits": "3"}]``)."""
    return [{"node": s.get("node"), "digits": s.get("digits")} for s in path or []
            if s.get("kind") == "menu" or (s.get("digits") and s.get("result") == "option")]


class ScreenPop:
    def __init__(self, hub: Hub, tracker: CallTracker, customers: PopCustomers | None, clock: Clock) -> None:
        self.hub = hub
        self.tracker = tracker
        self.customers = customers
        self.clock = clock
        self.current: dict[str, dict[str, Any]] = {}  # username → the pop on screen (ringing/active/wrapup)
        self.build_ms: list[float] = []  # recent pop assembly times (bench / health)

    async def build(self, a: Agent, ami: dict[str, str]) -> dict[str, Any]:
        uid = a.call_uniqueid or ami.get("Uniqueid", "")
        st = self.tracker.active.get(uid)
        number = (st.caller_number if st else None) or ami.get("CallerIDNum") or None
        rang_at = _ts(ami) or self.clock.now()
        queued_at = st.queued_at if st else None
        pop: dict[str, Any] = {
            "call_uniqueid": uid,
            "phase": "ringing",
            "caller_number": number,
            "caller_name": (st.caller_name if st else None) or _clean(ami.get("CallerIDName")),
            "dialled_number": st.dialled_number if st else None,
            "queue": ami.get("Queue") or (st.queue if st else None),
            "arrived_at": st.arrived_at if st else None,
            "queued_at": queued_at,
            "rang_at": rang_at,
            "wait_seconds": round((rang_at - queued_at).total_seconds(), 1) if queued_at else None,
            "ivr_path": (st.ivr_path if st else None) or [],
            "ivr_choices": ivr_choices(st.ivr_path if st else None),
            "event_ts": ami.get("Timestamp"),
        }
        view: dict[str, Any] = {"customer": None, "recent_calls": [], "service_records": [], "open_follow_ups": []}
        if self.customers is not None:
            try:
                view = await self.customers.pop_view(number, a.username)
            except Exception:  # the pop still shows the call; the record part says it could not be loaded
                log.exception("customer part of the screen pop failed for %s", number)
                view = {**view, "error": "customer record could not be loaded"}
        pop.update(view)
        pop["caller_number"] = number
        return pop

    async def on_agent(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        """AgentService listener: state to the agent's sockets, then the pop for ringing / phase changes."""
        topic = agent_topic(a.username)
        state_msg = {"type": "state", "agent": a.public()}
        self.hub.publish(topic, state_msg)
        self.hub.publish(AGENTS_TOPIC, state_msg)
        cur = self.current.get(a.username)
        if a.state == "ringing" and (cur is None or cur["call_uniqueid"] != a.call_uniqueid):
            t0 = time.perf_counter()
            pop = await self.build(a, ev.get("ami") or {})
            self.build_ms.append((time.perf_counter() - t0) * 1000)
            del self.build_ms[:-1000]
            self.current[a.username] = pop
            self.hub.publish(topic, {"type": "pop", "pop": pop})
            return
        if cur is None:
            return
        if a.state in ("on_call", "wrapup") and cur["call_uniqueid"] == a.call_uniqueid:
            phase = "active" if a.state == "on_call" else "wrapup"
            if cur["phase"] != phase:
                cur["phase"] = phase
                cur[f"{phase}_at"] = a.since
                self.hub.publish(topic, {"type": "pop_phase", "call_uniqueid": cur["call_uniqueid"], "phase": phase,
                                         "at": a.since})
            return
        if a.state == "paused" and prev != "ringing":
            return  # paused from wrap-up (after-call work): the card stays until the agent is ready
        if a.state in ("ready", "paused", "logged_out") or a.call_uniqueid != cur["call_uniqueid"]:
            why = ev.get("why") or ("done" if cur["phase"] == "wrapup" else
                                    "not_answered" if prev == "ringing" else "done")
            del self.current[a.username]
            self.hub.publish(topic, {"type": "pop_cleared", "call_uniqueid": cur["call_uniqueid"], "why": why})


def _ts(ami: dict[str, str]) -> datetime | None:
    ts = ami.get("Timestamp")
    try:
        return from_epoch(float(ts)) if ts else None
    except ValueError:
        return None


def _clean(v: str | None) -> str | None:
    return None if not v or v == "<unknown>" else v
