"""The AMI bridge. This package is the only importer of panoramisk.

panoramisk 1.4 traps handled here (see docs/asterisk-notes.md):

* ``send_action`` has no timeout → every action is wrapped in ``asyncio.wait_for``.
* Single-response actions (QueueAdd...) are mistaken for the start of a list unless ``as_list=False``.
* An action answered with ``Error`` while ``as_list=True`` never resolves → list actions use
  ``as_list=None`` (the EventList header decides) and an Error response raises.
* A sync event callback that raises kills the connection; async ones lose their errors → we bypass
  panoramisk's callbacks: every event goes into one ordered queue consumed by our dispatcher, which logs
  a failing handler and carries on.
* Its ping never checks the pong, and it reconnects every 2 s forever re-sending stale actions after
  ``FullyBooted`` → we own the connection loop: connect, login, wait for FullyBooted, resync, then a
  watchdog Ping with a timeout; on any failure the transport is closed and we reconnect with backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.manager import Manager
from panoramisk.message import Message

from callcenter.asterisk.clean import clean_ami_event
from callcenter.asterisk.errors import (
    AmiActionError,
    AmiAuthError,
    AmiNotConnected,
    AmiTimeout,
)
from callcenter.asterisk.events import EVENT_TYPES, ORIGINATE_ACTION_PREFIX, E, TypedEvent, TypedHandler
from callcenter.settings import AmiSettings

log = logging.getLogger(__name__)


class AmiEvent(dict[str, str]):
    """One AMI event: header name → value (first value if a header repeats)."""

    @property
    def name(self) -> str:
        return self.get("Event", "")

    @property
    def timestamp(self) -> float | None:
        ts = self.get("Timestamp")
        try:
            return float(ts) if ts else None
        except ValueError:
            return None

    @classmethod
    def from_message(cls, message: Message) -> AmiEvent:
        """The one place AMI messages (events and action answers) become values for the bridge: each value is
        cleaned and bounded here (``callcenter.asterisk.clean``), so no caller-supplied caller ID, name or
        dialled number reaches a handler, or a database column, unbounded."""
        ev = cls()
        for k, v in message.items():
            if k == "content":
                continue
            ev[k] = v[0] if isinstance(v, list) and v else str(v)
        clean_ami_event(ev)
        return ev


EventHandler = Callable[[AmiEvent], Awaitable[None]]
ConnectedHook = Callable[["AmiClient"], Awaitable[None]]


class EventDispatcher:
    """Maps event names to handlers; runs them in arrival order; a failing handler is logged, not fatal.

    A handler of a typed event (:meth:`on`, or a :class:`~callcenter.asterisk.events.TypedHandler` in a
    ``handlers()`` map) is handed the parsed value: the event is parsed once, however many handlers it has. Any
    other handler gets the raw header map (the test harnesses' AMI stand-ins)."""

    def __init__(self) -> None:
        # event name → its handlers in order, each with whether it takes the typed event (True) or the raw one
        self._handlers: dict[str, list[tuple[bool, Callable[[Any], Awaitable[None]]]]] = {}
        self.errors = 0
        self.dispatched = 0
        # the event whose handlers are running (the wallboard reads its Timestamp to report how far behind it is)
        self.current: AmiEvent | None = None

    def register(self, name: str, handler: EventHandler) -> None:
        if isinstance(handler, TypedHandler):
            if handler.kind.NAME != name:
                raise ValueError(f"a {handler.kind.__name__} handler registered for {name} events")
            self.on(handler.kind, handler.handler)
        else:
            self._handlers.setdefault(name, []).append((False, handler))

    def register_map(self, mapping: Mapping[str, EventHandler]) -> None:
        for name, h in mapping.items():
            self.register(name, h)

    def on(self, kind: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._handlers.setdefault(kind.NAME, []).append((True, handler))

    @property
    def event_names(self) -> set[str]:
        return set(self._handlers)

    async def dispatch(self, event: AmiEvent) -> None:
        self.current = event
        typed: TypedEvent | None = None
        try:
            for wants_typed, handler in self._handlers.get(event.name, ()):
                try:
                    if wants_typed:
                        if typed is None:
                            typed = EVENT_TYPES[event.name].parse(event)
                        await handler(typed)
                    else:
                        await handler(event)
                except Exception:
                    self.errors += 1
                    log.exception("AMI event handler %s failed on %s (uniqueid=%s)",
                                  getattr(handler, "__qualname__", handler), event.name, event.get("Uniqueid"))
        finally:
            self.current = None
        self.dispatched += 1


class _Manager(Manager):
    """panoramisk Manager with its own reconnect/ping/callback machinery switched off."""

    def __init__(self, client: AmiClient, **config: Any) -> None:
        super().__init__(**config)
        self._client = client

    def dispatch(self, event: Message) -> list[str]:  # called synchronously by AMIProtocol
        try:
            self._client._on_message(event)
        except Exception:  # never let an exception reach the protocol (it would drop the link)
            log.exception("failed to enqueue AMI event")
        return []

    def connection_lost(self, exc: Any) -> None:
        self._connected = False
        self._client._on_connection_lost(exc)

    def ping(self) -> None:  # our watchdog pings and checks the answer
        return None

    async def send_awaiting_actions(self, *_: Any) -> None:
        # Actions pending when the link dropped already failed for their callers; never re-send them.
        self.awaiting_actions.clear()


@dataclass
class AmiStatus:
    connected: bool = False
    authenticated: bool = False
    fully_booted: bool = False
    last_error: str = ""
    last_error_at: float | None = None
    attempts: int = 0
    connects: int = 0
    resyncs: int = 0
    asterisk_version: str = ""
    events_received: int = 0
    event_counts: Counter[str] = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)


class AmiClient:
    """Owns the AMI session: connect + login, ordered event dispatch, actions with timeouts, watchdog,
    reconnect with backoff, and a resync hook run after every (re)connect."""

    def __init__(self, settings: AmiSettings, dispatcher: EventDispatcher | None = None) -> None:
        self.settings = settings
        self.dispatcher = dispatcher or EventDispatcher()
        self.status = AmiStatus()
        self._on_connected: list[ConnectedHook] = []
        self._queue: asyncio.Queue[AmiEvent | None] = asyncio.Queue()
        self._manager: _Manager | None = None
        self._lost: asyncio.Event = asyncio.Event()
        self._booted: asyncio.Event = asyncio.Event()
        self._ready: asyncio.Event = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._trace = open(settings.trace_file, "a", encoding="utf-8") if settings.trace_file else None  # noqa: SIM115
        self._t0 = time.monotonic()

    # lifecycle ------------------------------------------------------------------------------------------
    def on_connected(self, hook: ConnectedHook) -> None:
        self._on_connected.append(hook)

    async def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._consume(), name="ami-dispatch"),
            asyncio.create_task(self._run(), name="ami-connection"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        self._close_transport()
        await self._queue.put(None)
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks = []
        if self._trace:
            self._trace.close()
            self._trace = None
        self.status.connected = self.status.authenticated = False

    async def wait_ready(self, timeout: float) -> None:
        """Wait until logged in, FullyBooted seen and resync done."""
        await asyncio.wait_for(self._ready.wait(), timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    # internals ------------------------------------------------------------------------------------------
    def _record_error(self, msg: str) -> None:
        if msg != self.status.last_error:
            log.error("AMI: %s", msg)
        self.status.last_error = msg
        self.status.last_error_at = time.time()

    def _on_message(self, message: Message) -> None:
        ev = AmiEvent.from_message(message)
        self.status.events_received += 1
        self.status.event_counts[ev.name] += 1
        if ev.name == "FullyBooted":
            self._booted.set()
        if self._trace is not None:
            self._trace.write(json.dumps({"t": round(time.monotonic() - self._t0, 6), "event": ev}) + "\n")
            self._trace.flush()
        self._queue.put_nowait(ev)
        if ev.name == "Shutdown":
            # Asterisk is going away; treat as a lost link so state is marked down at once.
            self._lost.set()

    def _on_connection_lost(self, exc: Any) -> None:
        # recorded here, with the rest of the status, so nobody sees "not ready" without the reason (the
        # watchdog's ConnectionError reports the same message a moment later)
        log.debug("AMI transport lost: %s", exc)
        self._record_error("AMI connection lost")
        self.status.connected = False
        self.status.authenticated = False
        self._ready.clear()
        self._lost.set()

    def _close_transport(self) -> None:
        m = self._manager
        if m is not None and m.protocol is not None:
            try:
                m.protocol.close()
            except Exception:
                log.debug("closing AMI transport failed", exc_info=True)

    async def _consume(self) -> None:
        while True:
            ev = await self._queue.get()
            if ev is None:
                return
            await self.dispatcher.dispatch(ev)

    async def _connect_once(self) -> None:
        s = self.settings
        loop = asyncio.get_running_loop()
        self._lost = asyncio.Event()
        self._booted = asyncio.Event()
        manager = _Manager(self, host=s.host, port=s.port, loop=loop, ping_delay=10**6, reconnect_timeout=10**6)
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(AMIProtocol, s.host, s.port), s.connect_timeout
            )
        except TimeoutError as e:
            raise AmiTimeout(f"connect to {s.host}:{s.port} timed out") from e
        except OSError as e:
            raise ConnectionError(f"cannot connect to AMI at {s.host}:{s.port}: {e.strerror or e}") from e
        fut: asyncio.Future[Any] = loop.create_future()
        fut.set_result((transport, protocol))
        manager.connection_made(fut)  # wires protocol ↔ manager (no username in config: we log in ourselves)
        if manager.pinger is not None:
            manager.pinger.cancel()
            manager.pinger = None
        self._manager = manager
        self.status.connected = True
        try:
            resp = await self._send(
                {"Action": "Login", "Username": s.username, "Secret": s.secret, "Events": "on"},
                timeout=s.action_timeout,
            )
        except AmiActionError as e:
            raise AmiAuthError(f"login as {s.username!r} refused by Asterisk: {e.message}") from e
        del resp
        self.status.authenticated = True
        # A FullyBooted event follows a login to a booted Asterisk; during boot it comes when boot ends.
        try:
            await asyncio.wait_for(self._booted.wait(), max(s.action_timeout, 30.0))
        except TimeoutError as e:
            raise AmiTimeout("Asterisk did not report FullyBooted after login") from e
        self.status.fully_booted = True

    async def _run(self) -> None:
        s = self.settings
        delay = s.reconnect_min
        while not self._stopping:
            try:
                self.status.attempts += 1
                await self._connect_once()
                self.status.connects += 1
                try:
                    ver = await self.action("CoreSettings")
                    self.status.asterisk_version = str(ver.get("AsteriskVersion", ""))
                except Exception as e:  # version is informative only
                    log.warning("CoreSettings failed: %s", e)
                for hook in self._on_connected:
                    await hook(self)
                self.status.resyncs += 1
                self.status.last_error = ""
                self._ready.set()
                log.info("AMI connected to %s:%s (Asterisk %s)", s.host, s.port, self.status.asterisk_version)
                delay = s.reconnect_min
                await self._watchdog()
            except asyncio.CancelledError:
                raise
            except AmiAuthError as e:
                self._record_error(str(e))
            except (AmiTimeout, AmiNotConnected, AmiActionError, ConnectionError, OSError) as e:
                self._record_error(str(e) or type(e).__name__)
            except Exception as e:  # a resync hook bug must not end the connection loop
                log.exception("AMI session failed")
                self._record_error(f"{type(e).__name__}: {e}")
            finally:
                self._ready.clear()
                self._close_transport()
                self.status.connected = self.status.authenticated = self.status.fully_booted = False
            if self._stopping:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, s.reconnect_max)

    async def _watchdog(self) -> None:
        """Ping every ping_interval; a missing Pong (half-open TCP, hung Asterisk) ends the session."""
        s = self.settings
        while True:
            lost = asyncio.create_task(self._lost.wait())
            try:
                done, _ = await asyncio.wait({lost}, timeout=s.ping_interval)
            finally:
                lost.cancel()
            if done or self._lost.is_set():
                raise ConnectionError("AMI connection lost")
            try:
                await self.action("Ping", timeout=min(s.action_timeout, s.ping_interval))
            except AmiTimeout as e:
                raise AmiTimeout("AMI watchdog: no answer to Ping (half-open connection?)") from e

    async def _send(self, action: dict[str, Any], *, timeout: float, as_list: bool | None = False) -> Any:
        m = self._manager
        if m is None or m.protocol is None or getattr(m.protocol, "closed", True) or not self.status.connected:
            raise AmiNotConnected("AMI is not connected")
        name = str(action.get("Action"))
        fut = m.send_action(dict(action), as_list=as_list)
        try:
            result = await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError as e:
            fut.cancel()
            # drop the pending entry so a late answer does not linger
            for k in [k for k, v in m.protocol.responses.items() if v.future is fut]:
                m.protocol.responses.pop(k, None)
            raise AmiTimeout(f"AMI action {name} got no answer within {timeout:g}s") from e
        first = result[0] if isinstance(result, list) else result
        if first.get("Response") in ("Error", "Fail", "Failure"):
            raise AmiActionError(name, str(first.get("Message", "error")))
        return result

    # public actions -------------------------------------------------------------------------------------
    async def action(self, name: str, *, timeout: float | None = None, **fields: Any) -> AmiEvent:
        """A single-response action. Raises AmiNotConnected / AmiTimeout / AmiActionError."""
        msg = await self._send({"Action": name, **fields}, timeout=timeout or self.settings.action_timeout)
        return AmiEvent.from_message(msg)

    async def list_action(self, name: str, *, timeout: float | None = None, **fields: Any) -> list[AmiEvent]:
        """An action answered by an event list (…Complete). Returns the events between start and Complete."""
        res = await self._send(
            {"Action": name, **fields}, timeout=timeout or self.settings.action_timeout, as_list=None
        )
        msgs = res if isinstance(res, list) else [res]
        return [AmiEvent.from_message(m) for m in msgs[1:] if "Event" in m and not m["Event"].endswith("Complete")]

    async def core_show_channels(self) -> list[AmiEvent]:
        return await self.list_action("CoreShowChannels")

    async def queue_status(self) -> list[AmiEvent]:
        return await self.list_action("QueueStatus")

    async def queue_summary(self, queue: str | None = None) -> list[AmiEvent]:
        if queue:
            return await self.list_action("QueueSummary", Queue=queue)
        return await self.list_action("QueueSummary")

    # queue membership, transfers, calls: one small function per action (domain code sees only these) ---
    async def queue_add(self, queue: str, interface: str, *, penalty: int, paused: bool, member_name: str,
                        state_interface: str | None = None, reason: str = "") -> None:
        """Add a dynamic member. Asterisk 16's QueueAdd takes no pause reason, so a paused member with a reason
        gets a QueuePause with that reason right after (QueueStatus then shows PausedReason)."""
        await self.action("QueueAdd", Queue=queue, Interface=interface, Penalty=str(penalty),
                          Paused="true" if paused else "false", MemberName=member_name,
                          StateInterface=state_interface or interface)
        if paused and reason:
            await self.queue_pause(interface, True, reason, queue=queue)

    async def queue_remove(self, queue: str, interface: str) -> None:
        await self.action("QueueRemove", Queue=queue, Interface=interface)

    async def queue_pause(self, interface: str, paused: bool, reason: str = "", queue: str | None = None) -> None:
        """Pause/unpause a member in one queue, or in every queue it belongs to when ``queue`` is None."""
        fields: dict[str, Any] = {"Interface": interface, "Paused": "true" if paused else "false"}
        if queue:
            fields["Queue"] = queue
        if reason:
            fields["Reason"] = reason
        await self.action("QueuePause", **fields)

    async def queue_penalty(self, queue: str, interface: str, penalty: int) -> None:
        await self.action("QueuePenalty", Queue=queue, Interface=interface, Penalty=str(penalty))

    async def queue_log(self, queue: str, event: str, interface: str, message: str = "",
                        uniqueid: str = "NONE") -> None:
        """A line in Asterisk's queue_log (so queue-reporting tools see pause reasons, logins)."""
        await self.action("QueueLog", Queue=queue, Event=event, Interface=interface, Message=message,
                          UniqueID=uniqueid)

    async def queue_reload(self) -> None:
        """Re-read queues.conf (members, rules, parameters; dynamic members stay). AMI ``Reload`` of app_queue.so
        would do the same but needs the ``system`` or ``config`` class; QueueReload needs none."""
        await self.action("QueueReload")

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1, *,
                       extra_channel: str | None = None, extra_exten: str | None = None) -> None:
        """Move ``channel`` to ``context``/``exten``; with ``extra_channel`` the other one of a bridged pair moves in
        the same action (to ``extra_exten`` of the same context), so neither is left alone in the old bridge, which
        would hang a dialled leg up (the conference moves the customer and the agent together)."""
        fields: dict[str, Any] = {"Channel": channel, "Context": context, "Exten": exten, "Priority": str(priority)}
        if extra_channel:
            fields.update(ExtraChannel=extra_channel, ExtraContext=context, ExtraExten=extra_exten or exten,
                          ExtraPriority=str(priority))
        await self.action("Redirect", **fields)

    async def atxfer(self, channel: str, context: str, exten: str) -> None:
        await self.action("Atxfer", Channel=channel, Context=context, Exten=exten)

    async def originate(self, channel: str, context: str, exten: str, *, caller_id: str, timeout_ms: int = 30000,
                        variables: dict[str, str] | None = None, channel_id: str | None = None,
                        other_channel_id: str | None = None) -> None:
        """Async originate: Asterisk answers at once; the call's progress arrives as events. ``channel_id`` /
        ``other_channel_id``: the uniqueids of the originated channel and (a Local channel's) second half."""
        fields: dict[str, Any] = {"Channel": channel, "Context": context, "Exten": exten, "Priority": "1",
                                  "CallerID": caller_id, "Timeout": str(timeout_ms), "Async": "true"}
        if variables:
            fields["Variable"] = ",".join(f"{k}={v}" for k, v in variables.items())
        if channel_id:  # the originated channel's uniqueid (the caller chooses it, to know the call from the start)
            fields["ChannelId"] = channel_id
            # the OriginateResponse names the call even when no channel was ever made (events.OriginateResponse)
            fields["ActionID"] = f"{ORIGINATE_ACTION_PREFIX}{channel_id}"
        if other_channel_id:
            fields["OtherChannelId"] = other_channel_id
        await self.action("Originate", **fields)

    async def setvar(self, channel: str, variable: str, value: str) -> None:
        await self.action("Setvar", Channel=channel, Variable=variable, Value=value)

    async def hangup(self, channel: str) -> None:
        await self.action("Hangup", Channel=channel)

    async def confbridge_list(self, conference: str) -> list[AmiEvent]:
        """The members of a ConfBridge (class reporting); ``[]`` when there is no such conference. Asterisk quirk:
        ConfbridgeList answers Error ("No active conferences." / "No Conference by that name found.") rather than an
        empty list."""
        try:
            return await self.list_action("ConfbridgeList", Conference=conference)
        except AmiActionError as e:
            if "onference" in e.message:
                return []
            raise

    async def confbridge_kick(self, conference: str, channel: str) -> None:
        """Kick one channel from a ConfBridge, or every member with ``channel="all"`` (class call)."""
        await self.action("ConfbridgeKick", Conference=conference, Channel=channel)

    async def mix_monitor_mute(self, channel: str, muted: bool, direction: str = "both") -> None:
        """Silence (or un-silence) ``channel``'s recording: read = what the caller says, write = what they hear."""
        await self.action("MixMonitorMute", Channel=channel, Direction=direction, State="1" if muted else "0")
