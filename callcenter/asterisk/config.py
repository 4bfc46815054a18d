"""Renders the shipped ``asterisk_conf/`` templates into a runtime directory.

Templates use ``@@name@@`` placeholders (``${...}`` is Asterisk's own dialplan syntax). Every placeholder
must be known; an unknown one is a packaging bug and fails loudly rather than reaching Asterisk.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from callcenter.files import file_mode
from callcenter.outside_numbers import CONTEXTS, OutsideUse
from callcenter.settings import Settings, SettingsError

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "asterisk_conf"
_PLACEHOLDER = re.compile(r"@@([a-z_]+)@@")


log = logging.getLogger(__name__)


class ConfigRenderError(Exception):
    pass


def required_modules(template_dir: Path = TEMPLATE_DIR) -> list[str]:
    """The modules ``modules.conf`` loads (``autoload = no``: these are all Asterisk loads, so all are needed)."""
    out = []
    for raw in (template_dir / "modules.conf").read_text(encoding="utf-8").splitlines():
        key, sep, value = raw.split(";", 1)[0].partition("=>")
        if sep and key.strip() == "load" and value.strip():
            out.append(value.strip())
    return out


def check_modules(settings: Settings, template_dir: Path = TEMPLATE_DIR) -> None:
    """Refuse to start an Asterisk from a module folder that lacks a module the product loads.

    Asterisk quirk: with a wrong ``astmoddir`` Asterisk starts anyway, loads nothing, and the only sign is AMI
    answering ``Invalid/unknown command`` (e.g. to QueueStatus). A managed Asterisk is refused with a
    :class:`SettingsError` naming ``asterisk.modules_dir``; with ``asterisk.managed = false`` the Asterisk may run
    on another machine, so the same finding is only logged as a warning."""
    folder = Path(settings.asterisk.modules_dir)
    missing = [m for m in required_modules(template_dir) if not (folder / m).is_file()]
    if not missing:
        return
    where = "does not exist" if not folder.is_dir() else f"lacks {len(missing)} module(s) modules.conf loads: " \
        + ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
    msg = (f"setting asterisk.modules_dir (CALLCENTER_ASTERISK__MODULES_DIR): {str(folder)!r} {where}; point it "
           "at the installed Asterisk's module folder (e.g. /usr/lib/x86_64-linux-gnu/asterisk/modules for "
           "Debian's Asterisk 20/22, /usr/lib/asterisk/modules for Asterisk 16, /usr/local/lib/asterisk/modules "
           "for a source build)")
    if settings.asterisk.managed:
        raise SettingsError(msg)
    log.warning("%s (asterisk.managed is false: not refused, the Asterisk may run elsewhere)", msg)


@dataclass(frozen=True)
class RuntimeLayout:
    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def asterisk_conf(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def spool(self) -> Path:
        return self.root / "spool"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def queue_log(self) -> Path:
        return self.log / "queue_log"

    @property
    def control_socket(self) -> Path:
        return self.run / "asterisk.ctl"


@dataclass(frozen=True)
class SeatConf:
    """What pjsip.conf needs of a seat (from the ``seats`` table; on first run from settings.agents)."""

    extension: str
    password: str
    name: str = ""
    static_contact: str = ""


@dataclass(frozen=True)
class QueueConf:
    """What queues.conf needs of a queue (from the ``queues`` table). No members: the bridge adds them."""

    name: str
    strategy: str = "rrmemory"
    ring_timeout_seconds: int = 15
    retry_seconds: int = 2
    service_level_seconds: int = 20
    announce: str = ""


def seats_from_settings(settings: Settings) -> list[SeatConf]:
    return [SeatConf(a.extension, a.password, a.name) for a in settings.agents]


def queues_from_settings(settings: Settings) -> list[QueueConf]:
    return [QueueConf(q.name, q.strategy, service_level_seconds=q.service_level_seconds) for q in settings.queues]


def _agent_endpoints(seats: list[SeatConf], qualify_frequency: int = 0) -> str:
    out = []
    # qualify: Asterisk sends OPTIONS to the phone every qualify_frequency s; one that stops answering becomes
    # Unreachable (ContactStatus, device UNAVAILABLE), which seat discipline counts as away (callcenter/seat)
    qualify = f"qualify_frequency = {qualify_frequency}\n" if qualify_frequency else ""
    for a in seats:
        contact = f"contact = {a.static_contact}\n" if a.static_contact else ""
        out.append(
            f"""[{a.extension}]
type = endpoint
context = agents
disallow = all
allow = ulaw,alaw
direct_media = no
rtp_symmetric = yes
force_rport = yes
rewrite_contact = yes
dtmf_mode = rfc4733
transport = transport-udp
auth = {a.extension}
aors = {a.extension}
callerid = "{a.name or a.extension}" <{a.extension}>

[{a.extension}]
type = auth
auth_type = userpass
username = {a.extension}
password = {a.password}

[{a.extension}]
type = aor
max_contacts = 1
remove_existing = yes
{qualify}{contact}"""
        )
    return "\n".join(out)


@dataclass(frozen=True)
class CallbackOffer:
    """The spoken offer of the queued caller's call-back: the prompt's absolute path without language and
    extension (Asterisk inserts the channel's language before its last part: ``<dir>/<lang>/<name>``) and how
    often it is said."""

    prompt: str
    every_seconds: int


def _queues(queues: list[QueueConf], exit_context: set[str] | None = None, offer: CallbackOffer | None = None) -> str:
    """``exit_context``: the queues whose callers may press the call-back key (``[cc-queue-exit]``), and hear
    ``offer`` said every so often."""
    out = []
    for q in queues:
        lines = [
            f"[{q.name}]",
            f"strategy = {q.strategy}",
            f"timeout = {q.ring_timeout_seconds}",
            f"retry = {q.retry_seconds}",
            # wrap-up is the bridge's (the agent is paused with reason 'wrapup' until ready or its timer ends)
            "wrapuptime = 0",
            "ringinuse = no",
            # auto-pause after unanswered rings is the bridge's too (counted, with a reason, stored)
            "autopause = no",
            "joinempty = yes",
            "leavewhenempty = no",
            "announce-frequency = 0",
            f"servicelevel = {q.service_level_seconds}",
            "musicclass = default",
        ]
        if q.announce:
            lines.append(f"announce = {q.announce}")
        offers = exit_context is not None and q.name in exit_context
        if offers:
            lines.append("context = cc-queue-exit")  # the call-back key (callbacks.queue.key)
        if offers and offer is not None and offer.every_seconds:
            lines += [f"periodic-announce = {offer.prompt}",
                      f"periodic-announce-frequency = {offer.every_seconds}"]
        else:
            lines.append("periodic-announce-frequency = 0")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


# what may reach MixMonitor's file name from settings: no comma (its argument separator), no `$`/`[`/`(` (dialplan
# expressions), no `;` (a comment in extensions.conf), no space or quote
_DIALPLAN_PATH = re.compile(r"^/[A-Za-z0-9_./+~@-]*$")
_TIMEZONE = re.compile(r"^[A-Za-z0-9_+/-]{1,64}$")


def recording_values(settings: Settings) -> dict[str, str]:
    """The dialplan's recording globals (``CC_RECORD``, ``CC_RECORD_DIR``, ``CC_RECORD_TZ``): the dialplan starts
    MixMonitor itself (the bridge's AMI user then needs no ``system`` write class), at the same path the Recorder
    expects. A recordings folder or timezone the dialplan cannot carry safely is refused, naming the setting."""
    r = settings.recording
    mode = "off" if not r.enabled else "arrival" if r.include_ivr else "answer"
    folder = str(settings.recordings_dir)
    if r.enabled and not _DIALPLAN_PATH.match(folder):
        raise ConfigRenderError(
            f"setting recording.dir (CALLCENTER_RECORDING__DIR): {folder!r} cannot be handed to Asterisk's dialplan: "
            "use an absolute path of letters, digits and _ . / + ~ @ - only (no spaces, commas, $, ; or brackets)")
    if not _TIMEZONE.match(settings.timezone):
        raise ConfigRenderError(f"setting timezone: {settings.timezone!r} is not an IANA zone name Asterisk can read")
    return {"recording_mode": mode, "recordings_dir": folder, "timezone": settings.timezone}


# how long an outside number rings before the transfer gives up (the caller then hears the call end)
OUTSIDE_RING_SECONDS = 60


def outside_extensions(use: str, outside: OutsideUse, outbound_host: str) -> str:
    """The dialplan of one use's outside numbers (``[cc-outside-transfer]``, ``[cc-outside-ivr]``): one extension
    per allowed entry, an exact number as itself and a pattern as ``_<digits and X>``, each showing the use's caller
    ID and dialling the number over the trunk; nothing else. Entries and caller ID are digits and X only
    (``OutsideUse`` refused anything else at start-up), so nothing here reaches the dialplan unchecked. Empty when
    nothing is allowed: the context exists and matches no number.

    Asterisk quirks: Dial's ``f(<number>)`` sets the caller ID of the outgoing leg only (``Set(CALLERID(...))``
    would change the caller's own channel too: a blind transfer dials from the caller's channel). In an attended
    transfer Dial runs on the Local channel Atxfer made, whose other half is bridged with the agent's phone; the
    bridge's connected-line update (the seat, 1001) then reached the trunk leg before its INVITE went out and
    became the From the called party saw. Option ``I`` makes Dial ignore those updates."""
    out = []
    for entry in outside.allowed:
        exten = f"_{entry}" if "X" in entry else entry
        out.append(f"exten => {exten},1,NoOp(callcenter outside {use} ${{EXTEN}} on ${{CHANNEL}})\n"
                   f" same => n,Dial(PJSIP/trunk/sip:${{EXTEN}}@{outbound_host},{OUTSIDE_RING_SECONDS},"
                   f"If({outside.caller_id}))\n"
                   " same => n,Hangup()\n")
    return "".join(out) or f"; no outside numbers are allowed for {use} (outside_numbers.{use}.allowed)\n"


def _callback_queues(settings: Settings, queues: list[QueueConf]) -> set[str]:
    qc = settings.callbacks.queue
    if not qc.enabled:
        return set()
    return {q.name for q in queues if not qc.queues or q.name in qc.queues}


def callback_offer(settings: Settings) -> CallbackOffer:
    """The offer's prompt (``cc-callback-offer-<key>``, seeded per language in ``<data_dir>/prompts/<lang>/``; an
    upload under that name replaces it) as app_queue's ``periodic-announce``. Its value is a comma-separated list
    of files: a data folder Asterisk cannot take there is refused, naming the setting."""
    qc = settings.callbacks.queue
    folder = str(settings.data_dir / "prompts")
    if qc.enabled and qc.offer_every_seconds and not _DIALPLAN_PATH.match(folder):
        raise ConfigRenderError(
            f"setting paths.data_dir (CALLCENTER_PATHS__DATA_DIR): {folder!r} cannot be handed to app_queue's "
            "periodic-announce (the call-back's spoken offer, callbacks.queue.offer_every_seconds): use an absolute "
            "path of letters, digits and _ . / + ~ @ - only, or set callbacks.queue.offer_every_seconds = 0")
    return CallbackOffer(f"{folder}/cc-callback-offer-{qc.key}", qc.offer_every_seconds)


def _queue_callback_extension(settings: Settings) -> str:
    """``[cc-queue-exit]``'s one extension: the call-back key (a digit, checked by the settings); none when off."""
    qc = settings.callbacks.queue
    if not qc.enabled:
        return "; the queued caller's call-back is off (callbacks.queue.enabled)\n"
    return (f"exten => {qc.key},1,NoOp(callcenter: call-back asked by ${{UNIQUEID}} at ${{QUEUEPOSITION}})\n"
            " same => n,Goto(cc-queue-callback,s,1)\n")


def template_values(settings: Settings, layout: RuntimeLayout, seats: list[SeatConf] | None = None,
                    queues: list[QueueConf] | None = None) -> dict[str, str]:
    a = settings.asterisk
    return {
        "etc_dir": str(layout.etc),
        "lib_dir": str(layout.lib),
        "spool_dir": str(layout.spool),
        "run_dir": str(layout.run),
        "log_dir": str(layout.log),
        "cache_dir": str(layout.cache),
        "modules_dir": a.modules_dir,
        "data_dir": a.data_dir,
        "ami_port": str(settings.ami.port),
        "ami_bind": settings.ami.host,
        "ami_username": settings.ami.username,
        "ami_secret": settings.ami.secret,
        "ami_permit": settings.ami.permit,
        "sip_host": a.sip_host,
        "sip_port": str(a.sip_port),
        "trunk_match": a.trunk_match,
        "inbound_context": settings.inbound_context,
        "agi_host": settings.agi.host,
        "agi_port": str(settings.agi.port),
        "rtp_start": str(a.rtp_start),
        "rtp_end": str(a.rtp_end),
        "agent_endpoints": _agent_endpoints(seats if seats is not None else seats_from_settings(settings),
                                           settings.seat.qualify_frequency_seconds),
        "queues": _queues(qs := queues if queues is not None else queues_from_settings(settings),
                          _callback_queues(settings, qs), callback_offer(settings)),
        "queue_callback": _queue_callback_extension(settings),
        "outbound_host": a.outbound_host,
        **{f"outside_{use}": outside_extensions(use, getattr(settings.outside_numbers, use), a.outbound_host)
           for use in CONTEXTS},
        **recording_values(settings),
    }


def render_text(template: str, values: dict[str, str], name: str = "<template>") -> str:
    missing = sorted({m for m in _PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise ConfigRenderError(f"{name}: unknown placeholder(s) {missing}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def render_config(settings: Settings, template_dir: Path = TEMPLATE_DIR, *, seats: list[SeatConf] | None = None,
                  queues: list[QueueConf] | None = None) -> RuntimeLayout:
    """Render every ``*.conf`` template into ``<runtime>/etc`` and create the runtime folders. Seats and queues
    come from the database (``seats``/``queues``); without them, from settings (first run, ``render-config``)."""
    layout = RuntimeLayout(settings.asterisk_runtime_dir)
    ctl = str(layout.control_socket)
    if len(ctl) > 100:  # sun_path is 108 bytes; Asterisk silently fails to create a longer socket
        raise ConfigRenderError(
            f"paths.asterisk_runtime_dir is too deep: control socket path {ctl!r} exceeds 100 characters"
        )
    for d in (layout.etc, layout.lib / "agi-bin", layout.spool, layout.run, layout.log, layout.cache):
        d.mkdir(parents=True, exist_ok=True)
    values = template_values(settings, layout, seats, queues)
    templates = sorted(template_dir.glob("*.conf"))
    if not templates:
        raise ConfigRenderError(f"no *.conf templates in {template_dir}")
    for tpl in templates:
        text = render_text(tpl.read_text(encoding="utf-8"), values, tpl.name)
        target = layout.etc / tpl.name
        # manager.conf and pjsip.conf hold secrets: created 0600, never readable by others even briefly
        mode = 0o600 if tpl.name in ("manager.conf", "pjsip.conf") else file_mode()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(target, mode)
    return layout
