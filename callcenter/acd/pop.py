"""The screen pop: when Asterisk rings an agent (AgentCalled), every websocket of that agent gets the caller's
number, customer record (or none: the page offers a new-customer form prefilled with the number), the last 5
calls and service records, open follow-ups, the customer's open cases with their clock states and the type a new
case of the call starts as, the IVR path and choice, the queue and the wait so far. On answer the pop becomes
the active call, on hang-up it moves to wrap-up; a browser that reconnects gets it again.

Message types (``docs/agent-desktop.md``): ``hello``, ``state``, ``pop``, ``pop_phase``, ``pop_cleared``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from callcenter.acd.service import Agent
from callcenter.asterisk.events import AgentEvent, Hangup, Newchannel, QueueCallerJoin, is_inbound_caller
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import DeskNotifier, PopPhaseName

log = logging.getLogger(__name__)


class PopCustomers(Protocol):
    async def pop_data(self, caller_number: str | None) -> dict[str, Any]: ...

    async def audit_pop(self, username: str, customer_id: int) -> None: ...


class PopFlows(Protocol):
    """The published IVR flow versions (``callcenter.ivr.service.IvrService``; cached there, versions never change)."""

    async def version(self, version_id: int) -> Any: ...


class PopCalls(Protocol):
    """Stored call records (``callcenter.calls.repository.CallRepository``): a call that ended before the pop
    was rebuilt (wrap-up across a service restart)."""

    async def get_by_uniqueid(self, uniqueid: str) -> Any: ...


class PopCases(Protocol):
    """The cases domain's part of the pop (``callcenter.cases.lookup.PopCaseLookup``): the customer's open cases
    with their clock states, and the type a new case of the call starts as (by the call's queue)."""

    def type_for_queue(self, queue: str | None) -> str | None: ...

    async def open_cases(self, username: str, customer_id: int | None) -> dict[str, Any]: ...


PREFETCH_MAX_AGE = 60.0  # seconds: a caller who waited longer gets a fresh lookup when an agent is rung


def ivr_choices(path: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The digits the caller pressed, menu by menu (``[{"node": "main", "digits": "3"}]``)."""
    return [{"node": s.get("node"), "digits": s.get("digits")} for s in path or []
            if s.get("kind") == "menu" or (s.get("digits") and s.get("result") == "option")]


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def split_label(label: str) -> dict[str, str]:
    """A node's label in each language. Flow labels are one text; the seeded ones (and the editor's hint) write
    both languages as ``English / 中文``: the part with Chinese characters is the zh label, the other the en one.
    A label in one language only is used for both."""
    parts = [p.strip() for p in label.split(" / ") if p.strip()]
    if not parts:
        return {}
    zh = next((p for p in parts if _has_cjk(p)), None)
    en = next((p for p in parts if not _has_cjk(p)), None)
    return {"zh": zh or en or parts[0], "en": en or zh or parts[0]}


def ivr_labels(flow: Any, path: list[dict[str, Any]] | None) -> tuple[dict[str, dict[str, str]],
                                                                          list[dict[str, Any]]]:
    """The labels (zh, en) of the nodes on the call's IVR path and of the options the caller chose, from the flow
    version the call ran: ``({node: {"zh", "en"}}, choices with target and label_zh/label_en)``."""
    nodes: dict[str, Any] = getattr(flow, "nodes", {}) or {}
    labels: dict[str, dict[str, str]] = {}

    def label_of(node_id: str | None) -> dict[str, str]:
        node = nodes.get(node_id) if node_id else None
        found = split_label(getattr(node, "label", "") or "") if node is not None else {}
        if found and node_id:
            labels[node_id] = found
        return found

    for step in path or []:
        label_of(step.get("node"))
    choices = []
    for c in ivr_choices(path):
        choice = dict(c)
        menu = nodes.get(c["node"]) if c.get("node") else None
        target = (menu.target_for(c["digits"]) if menu is not None and c.get("digits") and hasattr(menu, "target_for")
                  else None)
        if target:
            choice["target"] = target
            got = label_of(target)
            if got:
                choice["label_zh"], choice["label_en"] = got["zh"], got["en"]
        choices.append(choice)
    return labels, choices


class ScreenPop:
    def __init__(self, hub: Hub, tracker: CallTracker, customers: PopCustomers | None, clock: Clock,
                 flows: PopFlows | None = None, calls: PopCalls | None = None) -> None:
        self.desk = DeskNotifier(hub)  # every message to the agent's desktop goes through it
        self.tracker = tracker
        self.customers = customers
        self.clock = clock
        self.flows = flows
        self.calls = calls
        self.cases: PopCases | None = None  # plugged in by the composition root (``set_cases``)
        self.current: dict[str, dict[str, Any]] = {}  # username → the pop on screen (ringing/active/wrapup)
        self.build_ms: list[float] = []  # recent pop assembly times (bench / health)
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._prefetched: dict[str, tuple[float, str | None, asyncio.Task[dict[str, Any]]]] = {}

    def set_cases(self, cases: PopCases) -> None:
        """The cases domain's lookup (wired after the pop: the cases read the customers' access rule, which reads
        the pop)."""
        self.cases = cases

    async def case_part(self, username: str, pop: dict[str, Any]) -> dict[str, Any]:
        """The customer's open cases (with their clocks) and the type a new case of the call starts as; nothing
        when the cases are not wired, the open cases left empty when they cannot be read."""
        if self.cases is None:
            return {}
        out: dict[str, Any] = {"case_type": self.cases.type_for_queue(pop.get("queue"))}
        customer = pop.get("customer")
        try:
            out.update(await self.cases.open_cases(username, customer["id"] if customer else None))
        except Exception:  # the pop still shows the call and the customer
            log.exception("open cases of the screen pop of %s could not be read", pop.get("call_uniqueid"))
        return out

    def call_part(self, a: Agent, ami: AgentEvent | None, queue: str | None = None) -> dict[str, Any]:
        """The pop from what is in memory (the tracked call): no I/O. ``ami``: the event that rang the agent or
        put the call through, if one did; ``queue``: the call's queue when no event says it."""
        uid = a.call_uniqueid or (ami.uniqueid if ami else "")
        st = self.tracker.active.get(uid)
        number = (st.caller_number if st else None) or (ami.caller_id_num if ami else None) or None
        rang_at = (ami.at if ami else None) or self.clock.now()
        queued_at = st.queued_at if st else None
        return {
            "call_uniqueid": uid,
            "phase": "ringing",
            "caller_number": number,
            "caller_name": (st.caller_name if st else None) or _clean(ami.caller_id_name if ami else None),
            "dialled_number": st.dialled_number if st else None,
            "queue": (ami.queue if ami else queue) or (st.queue if st else None),
            "arrived_at": st.arrived_at if st else None,
            "queued_at": queued_at,
            "rang_at": rang_at,
            "wait_seconds": round((rang_at - queued_at).total_seconds(), 1) if queued_at else None,
            "ivr_path": (st.ivr_path if st else None) or [],
            "ivr_choices": ivr_choices(st.ivr_path if st else None),
            "ivr_labels": {},
            "ivr_flow_version_id": st.ivr_flow_version_id if st else None,
            "event_ts": ami.timestamp if ami else None,
            "customer": None, "recent_calls": [], "service_records": [], "open_follow_ups": [],
        }

    async def _customer_data(self, number: str | None) -> dict[str, Any]:
        if self.customers is None:
            return {}
        try:
            return await self.customers.pop_data(number)
        except Exception:  # the pop still shows the call; the record part says it could not be loaded
            log.exception("customer part of the screen pop failed for %s", number)
            return {"error": "customer record could not be loaded"}

    def prefetch(self, uniqueid: str, number: str | None) -> None:
        """Start loading the caller's record when the call arrives (and again on queue join if it was not), so the
        pop is sent the moment an agent is rung: the lookup is off the AgentCalled → pop path."""
        if not uniqueid or self.customers is None or uniqueid in self._prefetched:
            return
        task = asyncio.get_running_loop().create_task(self._customer_data(number), name=f"prefetch {uniqueid}")
        self._prefetched[uniqueid] = (time.monotonic(), number, task)
        while len(self._prefetched) > 2000:  # callers that never reached an agent
            self._prefetched.pop(next(iter(self._prefetched)))

    def forget(self, uniqueid: str) -> None:
        self._prefetched.pop(uniqueid, None)

    async def on_newchannel(self, ev: Newchannel) -> None:
        """An inbound call starts: fetch the caller's record while the IVR runs."""
        if is_inbound_caller(ev, self.tracker.inbound_context):
            self.prefetch(ev.uniqueid, ev.caller_id_num)

    async def on_queue_caller_join(self, ev: QueueCallerJoin) -> None:
        uid = ev.uniqueid
        st = self.tracker.active.get(uid)
        self.prefetch(uid, (st.caller_number if st else None) or ev.caller_id_num)

    async def on_hangup(self, ev: Hangup) -> None:
        self.forget(ev.uniqueid)

    async def label_part(self, pop: dict[str, Any]) -> dict[str, Any]:
        """``ivr_labels`` and labelled ``ivr_choices`` from the flow version the call ran (cached by the IVR
        service, so no query after the first call of a version); nothing when it cannot be read."""
        version = pop.get("ivr_flow_version_id")
        if self.flows is None or not version or not pop.get("ivr_path"):
            return {}
        try:
            flow = await self.flows.version(int(version))
        except Exception:  # the pop still shows node ids
            log.warning("IVR flow version %s for the pop of %s could not be read", version, pop["call_uniqueid"])
            return {}
        labels, choices = ivr_labels(flow, pop["ivr_path"])
        return {"ivr_labels": labels, "ivr_choices": choices}

    async def customer_part(self, uniqueid: str, number: str | None) -> dict[str, Any]:
        """The customer record, last calls, service records and follow-ups: prefetched if fresh, else now."""
        got = self._prefetched.get(uniqueid)
        if got is not None and got[1] == number and time.monotonic() - got[0] < PREFETCH_MAX_AGE:
            return await asyncio.shield(got[2])
        return await self._customer_data(number)

    def _lane(self, username: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` after the agent's earlier pop jobs: messages keep their order per agent, and the AMI
        dispatcher never waits for the customer lookup (a slow query delays only this agent's pop)."""
        prev = self._lanes.get(username)

        async def run() -> None:
            if prev is not None:
                await asyncio.wait([prev])
            try:
                await job()
            except Exception:
                log.exception("screen pop job failed for %s", username)

        task = asyncio.get_running_loop().create_task(run(), name=f"pop {username}")
        self._lanes[username] = task
        task.add_done_callback(lambda t: self._lanes.pop(username, None) if self._lanes.get(username) is t else None)

    async def close(self, timeout: float = 5.0) -> None:
        """Shutdown: pops being sent finish (bounded), record lookups nobody waits for are dropped."""
        lookups = [task for _, _, task in self._prefetched.values()]
        for task in lookups:
            task.cancel()
        self._prefetched.clear()
        # a cancelled lookup gives its DB connection back before the pool closes (else it is left to the GC)
        await asyncio.gather(*lookups, return_exceptions=True)
        try:
            await asyncio.wait_for(self.idle(), timeout)
        except TimeoutError:
            log.warning("screen pops still being sent at shutdown were dropped")

    async def idle(self) -> None:
        """Wait until every queued pop job has run (tests)."""
        while self._lanes:
            await asyncio.wait(list(self._lanes.values()))

    async def on_agent(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        """AgentService listener: state to the agent's sockets at once; the pop and its phases in the agent's
        lane."""
        self.desk.state(a.username, a.public())
        cur = self.current.get(a.username)
        if a.state in ("ringing", "on_call") and a.call_uniqueid and (cur is None
                                                                     or cur["call_uniqueid"] != a.call_uniqueid):
            # rung (AgentCalled), or put through without a ring we saw (AgentConnect after a missed AgentCalled, a
            # call found in the resync): the pop for this call, in the phase the agent is in
            self._show(a, self.call_part(a, ev.get("ami")))
            return
        if cur is None:
            return
        if a.state in ("on_call", "wrapup") and cur["call_uniqueid"] == a.call_uniqueid:
            phase: PopPhaseName = "active" if a.state == "on_call" else "wrapup"
            if cur["phase"] != phase:
                cur["phase"] = phase
                cur[f"{phase}_at"] = a.since
                uid, user, at = cur["call_uniqueid"], a.username, a.since
                self._lane(a.username, lambda: self._send(lambda: self.desk.pop_phase(user, uid, phase, at)))
            return
        if a.state == "paused" and prev != "ringing":
            return  # paused from wrap-up (after-call work): the card stays until the agent is ready
        if a.state in ("ready", "paused", "logged_out") or a.call_uniqueid != cur["call_uniqueid"]:
            why = ev.get("why") or ("done" if cur["phase"] == "wrapup" else
                                    "not_answered" if prev == "ringing" else "done")
            del self.current[a.username]
            uid, user = cur["call_uniqueid"], a.username
            self._lane(a.username, lambda: self._send(lambda: self.desk.pop_cleared(user, uid, why)))

    def _show(self, a: Agent, pop: dict[str, Any]) -> None:
        """Put ``pop`` on the agent's screen in the agent's phase now; the customer and IVR-label parts are added
        in the agent's lane, then the ``pop`` message goes out."""
        phase = {"on_call": "active", "wrapup": "wrapup"}.get(a.state, "ringing")
        pop["phase"] = phase
        if phase != "ringing":
            pop[f"{phase}_at"] = a.since
        self.current[a.username] = pop  # on screen from now on (a reconnecting browser gets it in its hello)
        t0 = time.perf_counter()

        async def send_pop() -> None:
            pop.update(await self.customer_part(pop["call_uniqueid"], pop["caller_number"]))
            pop.update(await self.label_part(pop))
            pop.update(await self.case_part(a.username, pop))
            self.build_ms.append((time.perf_counter() - t0) * 1000)
            del self.build_ms[:-1000]
            self.desk.pop(a.username, pop)
            customer = pop.get("customer")
            if customer and self.customers is not None:  # the agent was shown the record: audited
                await self.customers.audit_pop(a.username, customer["id"])

        self._lane(a.username, send_pop)

    async def restore(self, a: Agent) -> bool:
        """After a service restart (or a resync that found the agent's call): the pop of the call the agent is
        ringing for, talking on or wrapping up, rebuilt from the tracked call (or its stored record when it has
        ended) and pushed to the agent's sockets. Returns whether a pop was put on screen."""
        uid = a.call_uniqueid
        if a.state not in ("ringing", "on_call", "wrapup") or not uid:
            return False
        cur = self.current.get(a.username)
        if cur is not None and cur["call_uniqueid"] == uid:
            return False
        pop = self.call_part(a, None, queue=a.call_queue)
        if uid not in self.tracker.active and self.calls is not None:
            row = await self.calls.get_by_uniqueid(uid)
            if row is not None:
                pop.update({"caller_number": row.caller_number, "caller_name": row.caller_name,
                            "dialled_number": row.dialled_number, "queue": pop["queue"] or row.queue,
                            "arrived_at": row.arrived_at, "queued_at": row.queued_at,
                            "ivr_path": row.ivr_path or [], "ivr_choices": ivr_choices(row.ivr_path),
                            "ivr_flow_version_id": row.ivr_flow_version_id})
        st = self.tracker.active.get(uid)
        rang_at = (st.ringing_at if st else None) or pop["rang_at"]
        pop["rang_at"] = rang_at
        pop["event_ts"] = None
        queued = pop.get("queued_at")
        pop["wait_seconds"] = round((rang_at - queued).total_seconds(), 1) if queued else None
        self._show(a, pop)
        return True

    # reads -----------------------------------------------------------------------------------------------
    def shown(self, username: str) -> dict[str, Any] | None:
        """The pop on that agent's screen (ringing, active or wrap-up), if any."""
        return self.current.get(username)

    def handled_pop(self, a: Agent | None) -> dict[str, Any] | None:
        """The pop still on screen of an agent handling its call: ringing, on it, in wrap-up, or paused from
        wrap-up (after-call work on that call)."""
        pop = self.current.get(a.username) if a is not None else None
        if a is None or pop is None or a.state not in ("ringing", "on_call", "wrapup", "paused"):
            return None
        return pop

    def handled_call_ids(self, a: Agent | None) -> set[str]:
        """Uniqueids of the calls the agent handles: its call while ringing, on it or in wrap-up (the ACD's
        fact), and the call of the pop still on its screen."""
        if a is None:
            return set()
        out = {a.call_uniqueid} if a.call_uniqueid and a.state in ("ringing", "on_call", "wrapup") else set()
        pop = self.handled_pop(a)
        if pop and pop.get("call_uniqueid"):
            out.add(pop["call_uniqueid"])
        return out

    async def handled_numbers(self, a: Agent | None) -> list[str | None]:
        """Caller numbers of those calls, as given (not normalised): from the tracked call, else the pop, else
        the stored call record (a call that ended while the agent wraps up)."""
        out: list[str | None] = []
        pop = (self.current.get(a.username) if a is not None else None) or {}
        for uid in self.handled_call_ids(a):
            st = self.tracker.call(uid)
            number = st.caller_number if st else None
            if number is None and pop.get("call_uniqueid") == uid:
                number = pop.get("caller_number")
            if number is None and self.calls is not None:
                row = await self.calls.get_by_uniqueid(uid)
                number = row.caller_number if row is not None else None
            out.append(number)
        return out

    @staticmethod
    async def _send(send: Callable[[], int]) -> None:
        send()


def _clean(v: str | None) -> str | None:
    return None if not v or v == "<unknown>" else v
