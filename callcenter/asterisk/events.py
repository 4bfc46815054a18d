"""The AMI events the product handles, as typed values.

An AMI event arrives as header → text (:class:`~callcenter.asterisk.ami.AmiEvent`, already cleaned and bounded by
``callcenter.asterisk.clean``). The dispatcher turns it into one of the frozen classes below ONCE, before any
handler runs (:meth:`EventDispatcher.on <callcenter.asterisk.ami.EventDispatcher.on>`), so handlers read
attributes, not header strings, and every handler of an event sees the same value.

A field mirrors one header: snake_case of the header name (``CallerIDNum`` → ``caller_id_num``; the few
irregular ones are in ``_IRREGULAR``). An optional header that is absent is ``None`` (as ``ev.get(...)`` was), so
"absent" and "empty" stay apart where they mean different things (``Linkedid``); ``uniqueid`` is ``""`` when
absent. ``at`` is the event's own time (the ``Timestamp`` header, manager.conf ``timestampevents``), or None;
``timestamp`` that header as sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from callcenter.clock import from_epoch

# header names that are not the CamelCase of their field name
_IRREGULAR = {"caller_id_num": "CallerIDNum", "caller_id_name": "CallerIDName", "cause_txt": "Cause-txt",
              "uri": "URI", "aor": "AOR", "action_id": "ActionID"}


def _header(field_name: str) -> str:
    return _IRREGULAR.get(field_name) or "".join(p.capitalize() for p in field_name.split("_"))


def _at(ts: str | None) -> datetime | None:
    try:
        return from_epoch(float(ts)) if ts else None
    except ValueError:
        return None


@dataclass(frozen=True)
class TypedEvent:
    """What every event has: its name (``Event``) and its own time."""

    NAME: ClassVar[str] = ""
    # (field, header) of each text field, filled by @_event once the class exists
    _HEADERS: ClassVar[tuple[tuple[str, str], ...]] = ()

    at: datetime | None
    timestamp: str | None  # the Timestamp header as sent (the screen pop passes it on: the bench's latency base)

    @classmethod
    def parse(cls: type[E], ev: Mapping[str, str]) -> E:
        get = ev.get
        values: dict[str, Any] = {f: get(h) for f, h in cls._HEADERS}
        ts = values["timestamp"] = get("Timestamp")
        values["at"] = _at(ts)
        if values.get("uniqueid", "") is None:
            values["uniqueid"] = ""
        # Every AMI event is parsed on the ingest path: the values go straight into the new object's __dict__, as
        # the frozen dataclass's __init__ would set them but without its object.__setattr__ per field (several
        # times slower); the object is frozen all the same from here on.
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj


E = TypeVar("E", bound=TypedEvent)

# event name → class, for the dispatcher
EVENT_TYPES: dict[str, type[TypedEvent]] = {}


class TypedHandler(Generic[E]):
    """A handler of one typed event, in a domain's ``handlers()`` map beside raw ones: the dispatcher sees it, parses
    the event once for all such handlers and hands each the value. Called with a raw event, it parses it itself."""

    __slots__ = ("kind", "handler")

    def __init__(self, kind: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self.kind = kind
        self.handler = handler

    def __call__(self, ev: Mapping[str, str]) -> Awaitable[None]:
        return self.handler(self.kind.parse(ev))

    def __repr__(self) -> str:
        return f"{getattr(self.handler, '__qualname__', self.handler)} ({self.kind.__name__})"


def typed_handlers(*handlers: TypedHandler[Any]) -> dict[str, TypedHandler[Any]]:
    """A domain's handler map (event name → handler, for ``EventDispatcher.register_map``), each name taken from
    its handler's event class."""
    out: dict[str, TypedHandler[Any]] = {}
    for h in handlers:
        if h.kind.NAME in out:
            raise ValueError(f"two handlers of {h.kind.NAME} in one map")
        out[h.kind.NAME] = h
    return out


def _event(name: str) -> Callable[[type[E]], type[E]]:
    def register(cls: type[E]) -> type[E]:
        cls.NAME = name
        cls._HEADERS = tuple((f.name, _header(f.name)) for f in fields(cls) if f.name not in ("at", "timestamp"))
        EVENT_TYPES[name] = cls
        return cls
    return register


@dataclass(frozen=True)
class ChannelEvent(TypedEvent):
    """The channel snapshot Asterisk 16 puts in every channel event."""

    uniqueid: str
    linkedid: str | None
    channel: str | None
    context: str | None
    exten: str | None
    caller_id_num: str | None
    caller_id_name: str | None

    @property
    def first_leg(self) -> bool:
        """The channel that began its call (its Linkedid is its own), not a leg Asterisk made for it."""
        return self.linkedid is None or self.linkedid == self.uniqueid


def is_inbound_caller(ev: ChannelEvent, inbound_context: str) -> bool:
    """Is this the caller's own channel of an inbound call: it starts in the inbound context and began its call
    (agent legs, Local channels and originated calls are other channels of it, or start elsewhere)."""
    return ev.context == inbound_context and ev.first_leg


@_event("CoreShowChannel")
@dataclass(frozen=True)
class CoreShowChannel(ChannelEvent):
    """A live channel in the CoreShowChannels answer (the resync after a (re)connect)."""

    duration: str | None  # HH:MM:SS
    bridge_id: str | None


@_event("Newchannel")
@dataclass(frozen=True)
class Newchannel(ChannelEvent):
    pass


@_event("Hangup")
@dataclass(frozen=True)
class Hangup(ChannelEvent):
    cause: str | None
    cause_txt: str | None


@_event("BridgeEnter")
@dataclass(frozen=True)
class BridgeEnter(ChannelEvent):
    bridge_uniqueid: str | None


@dataclass(frozen=True)
class DialEvent(ChannelEvent):
    """Dial() from a channel (the snapshot fields: the dialling channel) to another (``dest_*``)."""

    dest_channel: str | None
    dest_uniqueid: str | None


@_event("DialBegin")
@dataclass(frozen=True)
class DialBegin(DialEvent):
    dial_string: str | None  # what Dial() was given after the technology, e.g. trunk/sip:<number>@<host>


@_event("DialEnd")
@dataclass(frozen=True)
class DialEnd(DialEvent):
    dial_status: str | None  # ANSWER, NOANSWER, BUSY, CONGESTION, CHANUNAVAIL, CANCEL, ...


@dataclass(frozen=True)
class QueueCallerEvent(ChannelEvent):
    queue: str | None


@_event("QueueCallerJoin")
@dataclass(frozen=True)
class QueueCallerJoin(QueueCallerEvent):
    pass


@_event("QueueCallerLeave")
@dataclass(frozen=True)
class QueueCallerLeave(QueueCallerEvent):
    pass


@_event("QueueCallerAbandon")
@dataclass(frozen=True)
class QueueCallerAbandon(QueueCallerEvent):
    hold_time: str | None


@_event("QueueEntry")
@dataclass(frozen=True)
class QueueEntry(QueueCallerEvent):
    """A caller waiting in a queue, in the QueueStatus answer (the resync after a (re)connect)."""

    wait: str | None  # seconds


@dataclass(frozen=True)
class AgentEvent(QueueCallerEvent):
    """An app_queue agent event: the caller's channel (the snapshot fields) and the member rung for it."""

    interface: str | None
    member_name: str | None
    dest_channel: str | None


@_event("AgentCalled")
@dataclass(frozen=True)
class AgentCalled(AgentEvent):
    pass


@_event("AgentConnect")
@dataclass(frozen=True)
class AgentConnect(AgentEvent):
    hold_time: str | None


@_event("AgentComplete")
@dataclass(frozen=True)
class AgentComplete(AgentEvent):
    hold_time: str | None
    talk_time: str | None
    reason: str | None


@_event("AgentRingNoAnswer")
@dataclass(frozen=True)
class AgentRingNoAnswer(AgentEvent):
    pass


@_event("QueueMemberStatus")
@dataclass(frozen=True)
class QueueMemberStatus(TypedEvent):
    queue: str | None
    interface: str | None
    state_interface: str | None
    location: str | None
    member_name: str | None
    status: str | None


@_event("QueueMemberAdded")
@dataclass(frozen=True)
class QueueMemberAdded(QueueMemberStatus):
    pass


@_event("QueueMember")
@dataclass(frozen=True)
class QueueMember(TypedEvent):
    """A queue member in the QueueStatus answer (the ACD's resync after a (re)connect): which interface is in which
    queue, at which penalty, paused or not, added by the bridge (``dynamic``) or by queues.conf."""

    queue: str | None
    name: str | None
    location: str | None
    state_interface: str | None
    membership: str | None  # dynamic / static / realtime
    penalty: str | None
    paused: str | None  # "1" / "0"
    paused_reason: str | None

    @property
    def interface(self) -> str:
        """The member's interface as QueueAdd named it (``Location``; its state interface when that is absent)."""
        return self.location or self.state_interface or ""

    @property
    def is_paused(self) -> bool:
        return self.paused == "1"

    @property
    def dynamic(self) -> bool:
        return self.membership == "dynamic"


# the ActionID the bridge gives an Originate of a call it tracks from the start (``channel_id``): its prefix, then
# that uniqueid, so the OriginateResponse of a call that never got a channel still names the call
ORIGINATE_ACTION_PREFIX = "cc-originate-"


@_event("OriginateResponse")
@dataclass(frozen=True)
class OriginateResponse(TypedEvent):
    """The end of an asynchronous Originate: ``Success`` (the channel was answered) or ``Failure`` — the phone did
    not answer, or no channel could be made at all (a seat with no registered phone: then no Newchannel or Hangup
    ever comes, ``Uniqueid`` is ``<null>``, and only this event, by its ActionID, says the call is over)."""

    action_id: str | None
    response: str | None
    channel: str | None
    reason: str | None

    @property
    def failed_call(self) -> str | None:
        """The uniqueid of the bridge's own call whose Originate failed, or None."""
        aid = self.action_id or ""
        if self.response != "Failure" or not aid.startswith(ORIGINATE_ACTION_PREFIX):
            return None
        return aid[len(ORIGINATE_ACTION_PREFIX):] or None


@_event("DeviceStateChange")
@dataclass(frozen=True)
class DeviceStateChange(TypedEvent):
    """A device's state: an event, and each row of the DeviceStateList answer (the phones' resync)."""

    device: str | None
    state: str | None


@_event("ContactStatus")
@dataclass(frozen=True)
class ContactStatus(TypedEvent):
    aor: str | None
    endpoint_name: str | None
    contact_status: str | None
    uri: str | None
