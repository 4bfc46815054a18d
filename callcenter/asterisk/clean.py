"""Values from Asterisk, bounded and cleaned where they enter (AMI events and action answers, the FastAGI
environment and AGI variable reads).

A caller controls much of what Asterisk reports: the caller ID number and name (the SIP From header), the dialled
number (the Request-URI), hence the extension and the channel name built from them. Nothing in Asterisk bounds
them, so a trunk call to a 70-digit number arrives as ``Exten: <70 digits>`` and a caller name can carry control
characters, a NUL byte, bidi overrides or undecodable bytes. Stored unchanged, such a value fails the row it lands
in on PostgreSQL (``varchar(64)``, no NUL in text, UTF-8 only) while SQLite takes it silently.

So every value is cleaned here, once: control characters (C0, DEL, C1, NUL), lone surrogates and bidirectional
overrides are removed, and a value longer than the narrowest column it is stored in is cut to that length (a
prefix: for a number the leading digits are the meaningful ones). What fits is kept unchanged. A cut value is
logged once per call and header, and the event is marked: :data:`CUT_HEADER` lists the headers that were cut.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict

log = logging.getLogger(__name__)

# the event header naming the headers that were cut (comma separated); absent when nothing was cut
CUT_HEADER = "X-Callcenter-Cut"
# a number (caller ID, connected line) lands in calls.caller_number (64) and, normalised, in
# service_records.caller_number / customer_phones.number (32): the narrowest wins
NUMBER_MAX = 32
NAME_MAX = 128  # calls.caller_name, calls.agent_name
EXTEN_MAX = 64  # calls.dialled_number
CHANNEL_MAX = 128  # calls.channel, calls.agent_interface
UNIQUEID_MAX = 64  # calls.uniqueid / linkedid, recordings.call_uniqueid, agent_status.call_uniqueid
QUEUE_MAX = 64  # calls.queue
CAUSE_MAX = 64  # calls.hangup_cause
DEFAULT_MAX = 1024  # any other header: nothing the bridge stores, but no value is unbounded

_NUMBER = ("CallerIDNum", "ConnectedLineNum", "DestCallerIDNum", "DestConnectedLineNum")
_NAME = ("CallerIDName", "ConnectedLineName", "DestCallerIDName", "DestConnectedLineName", "MemberName")
_EXTEN = ("Exten", "DestExten", "Extension")
_CHANNEL = ("Channel", "DestChannel", "Interface", "StateInterface", "BridgedChannel", "Peer", "DestinationChannel",
            "TransferTargetChannel")
_UNIQUEID = ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid", "BridgedUniqueid", "UniqueID")

AMI_LIMITS: dict[str, int] = {
    **dict.fromkeys(_NUMBER, NUMBER_MAX), **dict.fromkeys(_NAME, NAME_MAX), **dict.fromkeys(_EXTEN, EXTEN_MAX),
    **dict.fromkeys(_CHANNEL, CHANNEL_MAX), **dict.fromkeys(_UNIQUEID, UNIQUEID_MAX),
    "Queue": QUEUE_MAX, "Cause-txt": CAUSE_MAX, "Cause": CAUSE_MAX,
}
AGI_LIMITS: dict[str, int] = {
    "agi_callerid": NUMBER_MAX, "agi_calleridname": NAME_MAX, "agi_dnid": EXTEN_MAX, "agi_rdnis": EXTEN_MAX,
    "agi_extension": EXTEN_MAX, "agi_channel": CHANNEL_MAX, "agi_uniqueid": UNIQUEID_MAX,
    "agi_context": 80, "agi_accountcode": 80, "agi_language": 20, "agi_network_script": 200,
}

# C0 controls (NUL, tab, line breaks...), DEL, C1 controls, lone surrogates (undecodable bytes kept by
# surrogateescape), bidi embeddings/overrides/isolates (a caller name that reverses the text after it)
_BAD = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_value(value: str, limit: int = DEFAULT_MAX) -> tuple[str, bool]:
    """``value`` without control characters, cut to ``limit`` characters; and whether it was cut."""
    if len(value) <= limit and value.isprintable():
        return value, False  # the usual case: nothing to do
    value = _BAD.sub("", value)
    if len(value) > limit:
        return value[:limit], True
    return value, False


class _Once:
    """Log a cut once per (call, header): a long caller name is in every one of a call's ~80 events."""

    def __init__(self, size: int = 2000) -> None:
        self.seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.size = size

    def first(self, key: tuple[str, str]) -> bool:
        if key in self.seen:
            return False
        self.seen[key] = None
        while len(self.seen) > self.size:
            self.seen.popitem(last=False)
        return True


_logged = _Once()


def clean_fields(fields: dict[str, str], limits: dict[str, int], call_key: str, source: str) -> list[str]:
    """Clean every value of ``fields`` in place (``limits`` per name, :data:`DEFAULT_MAX` otherwise); the names of
    the values that were cut. ``call_key`` names the field holding the call's id (for the log)."""
    cut: list[str] = []
    for k, v in fields.items():
        limit = limits.get(k, DEFAULT_MAX)
        new, was_cut = clean_value(v, limit)
        if new is not v:
            fields[k] = new
        if was_cut:
            cut.append(k)
            if _logged.first((fields.get(call_key, ""), k)):
                log.warning("%s: %s of call %s cut to %d characters (it had more; the rest is not stored)",
                            source, k, fields.get(call_key) or "?", limit)
    return cut


def clean_ami_event(ev: dict[str, str]) -> dict[str, str]:
    """An AMI event or action answer, cleaned in place; cut headers are listed in :data:`CUT_HEADER`."""
    cut = clean_fields(ev, AMI_LIMITS, "Uniqueid", f"AMI {ev.get('Event') or ev.get('Response') or 'message'}")
    if cut:
        ev[CUT_HEADER] = ",".join(cut)
    return ev


def clean_agi_env(env: dict[str, str]) -> dict[str, str]:
    """The FastAGI environment (``agi_*``), cleaned in place; cut names are listed in :data:`CUT_HEADER`."""
    cut = clean_fields(env, AGI_LIMITS, "agi_uniqueid", "FastAGI")
    if cut:
        env[CUT_HEADER] = ",".join(cut)
    return env
