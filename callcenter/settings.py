"""Settings: environment variables (``CALLCENTER_<SECTION>__<NAME>``) and an optional TOML file.

Validated once at startup; :func:`load_settings` turns pydantic's errors into a :class:`SettingsError`
whose message names each wrong setting (dotted name and environment variable) and why.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from callcenter.audit.config import AuditSettings
from callcenter.callbacks.config import CallbackSettings
from callcenter.campaigns.config import CampaignSettings
from callcenter.cases.config import CasesSettings
from callcenter.cases.policy import CasePolicySettings
from callcenter.clock import check_timezone
from callcenter.knowledge.config import KnowledgeSettings
from callcenter.notices.config import NoticeSettings
from callcenter.outside_numbers import OutsideNumbersSettings
from callcenter.reports.config import ReportSettings
from callcenter.reports.seeds_config import SeedReportSettings
from callcenter.surveys.config import SurveySettings

ENV_PREFIX = "CALLCENTER_"
DEV_AMI_SECRET = "dev-only-ami-secret"
_PLACEHOLDER_SECRETS = {"", DEV_AMI_SECRET, "change-me", "changeme", "secret", "password", "admin"}
# recording.transcode: "" keeps the wav
TRANSCODE_FORMATS = ("", "mp3", "ogg")

Port = int


def _named(dotted: str) -> str:
    """``ami.secret`` → ``ami.secret (CALLCENTER_AMI__SECRET)`` for messages of cross-field checks."""
    return f"{dotted} ({ENV_PREFIX}{'__'.join(p.upper() for p in dotted.split('.'))})"


def _check_port(v: int) -> int:
    if not 1 <= v <= 65535:
        raise ValueError(f"must be a TCP/UDP port between 1 and 65535, got {v}")
    return v


def _check_ip(v: str) -> str:
    try:
        ipaddress.ip_address(v)
    except ValueError as e:
        raise ValueError(f"must be an IP address, got {v!r}") from e
    return v


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: Port = 8080
    # a request body over this many bytes is refused with 413 before it is read (the JSON routes; the prompt
    # upload and the customer CSV import have their own documented limits, docs/security.md)
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Host header names (no port) the API and the websockets answer to; any other Host gets 400 (DNS rebinding).
    # Empty: localhost, 127.0.0.1, ::1 and http.host when it is one address (not 0.0.0.0 / ::). "*.example.com"
    # matches that domain's subdomains; "*" turns the check off. A list, or a comma-separated string in the env.
    allowed_hosts: Annotated[list[str], NoDecode] = []
    # reverse proxies (IP addresses or networks such as 10.0.0.0/8) whose X-Forwarded-For / X-Forwarded-Proto
    # are believed (client address for the login limits and the audit; scheme). Empty: those headers are ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = []

    _p = field_validator("port")(_check_port)

    @field_validator("allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _comma_list(cls, v: Any) -> Any:
        # from the environment: a JSON list or comma-separated names
        if isinstance(v, str):
            return json.loads(v) if v.strip().startswith("[") else [p.strip() for p in v.split(",") if p.strip()]
        return v

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        for h in v:
            if not re.fullmatch(r"\*|(\*\.)?[A-Za-z0-9_.-]+|\[?[0-9A-Fa-f:.]+\]?", h.strip()):
                raise ValueError(f"must be host names or addresses without port or scheme (or \"*.domain\", \"*\"); "
                                 f"got {h!r}")
        return [h.strip() for h in v]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: list[str]) -> list[str]:
        out = []
        for p in v:
            try:
                net = ipaddress.ip_network(p.strip(), strict=False)
            except ValueError as e:
                raise ValueError(f"must be IP addresses or networks (10.0.0.5, 10.0.0.0/8); got {p!r}") from e
            out.append(str(net) if "/" in p else str(net.network_address))
        return out

    @property
    def hosts(self) -> list[str]:
        """The Host names answered to: ``allowed_hosts``, or the loopback names and ``host`` when it is one
        address."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        out = ["localhost", "127.0.0.1", "::1"]
        if self.host not in ("0.0.0.0", "::", "") and self.host not in out:
            out.append(self.host)
        return out


class DbSettings(BaseModel):
    # Empty means: SQLite file ``callcenter.db`` in ``paths.data_dir``.
    url: str = ""

    @field_validator("url")
    @classmethod
    def _driver(cls, v: str) -> str:
        if v.startswith("postgresql://") or v.startswith("postgres://"):
            v = "postgresql+asyncpg://" + v.split("://", 1)[1]
        if v and not (v.startswith("sqlite+aiosqlite://") or v.startswith("postgresql+asyncpg://")):
            raise ValueError(
                "must be a sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db URL "
                f"(got scheme {v.split('://', 1)[0]!r})"
            )
        return v


class AmiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: Port = 5038
    username: str = "callcenter"
    secret: str = ""
    # Hosts allowed to log in as the AMI user (rendered into manager.conf's permit=).
    permit: str = "127.0.0.1/255.255.255.255"
    action_timeout: float = Field(5.0, gt=0)
    connect_timeout: float = Field(5.0, gt=0)
    ping_interval: float = Field(5.0, gt=0)
    reconnect_min: float = Field(0.5, gt=0)
    reconnect_max: float = Field(15.0, gt=0)
    # Optional JSON-lines file receiving every AMI event (used to record test traces).
    trace_file: str = ""

    _p = field_validator("port")(_check_port)

    @field_validator("username")
    @classmethod
    def _user(cls, v: str) -> str:
        if not v or not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError("must be a non-empty name of letters, digits, '-' or '_'")
        return v


class AgiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: Port = 4573
    command_timeout: float = Field(10.0, gt=0)

    _p = field_validator("port")(_check_port)
    _h = field_validator("host")(_check_ip)


# a folder is taken for Asterisk's modules when it holds this one (the product's SIP channel driver)
_MODULE_MARKER = "chan_pjsip.so"


def detect_modules_dir(binary: str = "asterisk", root: Path = Path("/")) -> str:
    """Where the installed Asterisk keeps its modules (``asterisk.modules_dir`` when not set).

    Asterisk quirk: the folder differs between builds. Debian 11's Asterisk 16 uses ``/usr/lib/asterisk/modules``;
    Debian's newer builds (20, 22) the multiarch ``/usr/lib/x86_64-linux-gnu/asterisk/modules``; a source build
    ``/usr/local/lib/asterisk/modules``. In order: the system Asterisk's own ``/etc/asterisk/asterisk.conf``
    (``astmoddir``), the folders next to the ``binary`` found on PATH (``<prefix>/lib[/<multiarch>|64]``), then
    the usual locations; the first that holds chan_pjsip.so wins. None: the Debian 11 default, which the start-up
    module check (``callcenter.asterisk.config.check_modules``) then refuses, naming this setting."""
    candidates: list[Path] = []
    try:
        conf = (root / "etc/asterisk/asterisk.conf").read_text(encoding="utf-8", errors="replace")
    except OSError:
        conf = ""
    for line in conf.splitlines():
        key, sep, value = line.split(";", 1)[0].partition("=>")
        if sep and key.strip() == "astmoddir" and value.strip():
            candidates.append(root / value.strip().lstrip("/"))
    prefixes = [root / "usr", root / "usr/local"]
    found = shutil.which(binary)
    if found:
        prefixes.insert(0, Path(found).resolve().parent.parent)
    for prefix in prefixes:
        candidates.append(prefix / "lib/asterisk/modules")
        candidates.extend(sorted(prefix.glob("lib/*/asterisk/modules")))
        candidates.append(prefix / "lib64/asterisk/modules")
    for c in candidates:
        if (c / _MODULE_MARKER).is_file():
            return str(c)
    return str(root / "usr/lib/asterisk/modules")


class AsteriskSettings(BaseModel):
    managed: bool = True
    binary: str = "asterisk"
    # Asterisk's module folder (rendered as astmoddir); empty = detected from the installed Asterisk
    # (detect_modules_dir). At start the modules modules.conf loads must be there (check_modules).
    modules_dir: str = ""
    data_dir: str = "/usr/share/asterisk"
    sip_host: str = "127.0.0.1"
    sip_port: Port = 5060
    rtp_start: Port = 10000
    rtp_end: Port = 10999
    # Source address(es) of the inbound SIP trunk (PJSIP identify match=).
    trunk_match: str = "127.0.0.2"
    # host[:port] that outbound calls (click-to-call, call-backs) are sent to over the trunk
    outbound_host: str = "127.0.0.2:5060"
    start_timeout: float = Field(30.0, gt=0)
    # A managed Asterisk that exits unexpectedly is restarted after this delay (doubling up to 30 s).
    restart_delay: float = Field(1.0, gt=0)
    # Does stopping the service stop the managed Asterisk (and hang up every call)? Unset: yes in dev mode, no in
    # prod — Asterisk is left running and the next start attaches to it (docs/production.md).
    stop_with_service: bool | None = None

    _p = field_validator("sip_port", "rtp_start", "rtp_end")(_check_port)
    _h = field_validator("sip_host")(_check_ip)

    @model_validator(mode="after")
    def _rtp_range(self) -> AsteriskSettings:
        if self.rtp_end <= self.rtp_start:
            raise ValueError(f"rtp_end ({self.rtp_end}) must be greater than rtp_start ({self.rtp_start})")
        if not self.modules_dir.strip():
            self.modules_dir = detect_modules_dir(self.binary)
        return self


class AgentPhone(BaseModel):
    extension: str
    password: str
    name: str = ""

    @field_validator("extension")
    @classmethod
    def _ext(cls, v: str) -> str:
        if not v.isdigit():
            raise ValueError(f"agent extension must be digits, got {v!r}")
        return v


class QueueConfig(BaseModel):
    """A queue created on first run (afterwards queues live in the database and are edited by admins).
    Who answers a queue is set by agent skills, not here."""

    name: str
    display_name: str = Field("", max_length=128)  # what people read (boards, reports); empty: the name
    timeout_seconds: int = Field(300, gt=0)  # how long a caller waits before leaving the queue
    strategy: Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom"] = "rrmemory"
    # equal: one penalty for all levels; seniors_first: senior 0, intermediate 1, junior 2; juniors_first: reverse
    routing: Literal["equal", "seniors_first", "juniors_first"] = "equal"
    wrapup_seconds: int = Field(30, ge=0, le=3600)
    service_level_seconds: int = Field(20, gt=0)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v or not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"queue name must be letters, digits, '-' or '_', got {v!r}")
        return v


class IvrSettings(BaseModel):
    # Queue a caller goes to when no IVR flow is published for the dialled number (never silence).
    default_queue: str = "support"
    # On first run (no flows at all): generate prompts and publish the default flow for every number.
    seed_default_flow: bool = True


DEV_ADMIN_PASSWORD = "admin-dev-password"


class AuthSettings(BaseModel):
    # First run only (no users yet): this admin is created. Dev mode fills a known password; prod requires one.
    bootstrap_admin_username: str = "admin"
    bootstrap_admin_password: str = ""
    session_hours: float = Field(12.0, gt=0, le=24 * 30)
    login_max_failures: int = Field(5, ge=1)
    login_failure_window_seconds: float = Field(300.0, gt=0)
    # failed logins from one client address (any usernames) within the window before it is locked out too
    login_max_failures_per_address: int = Field(20, ge=1)
    # at most this many (username, address) and address entries are remembered (least recently failed dropped)
    login_failure_map_max: int = Field(10_000, ge=100, le=10_000_000)
    # password hashes (scrypt, ~50 ms of CPU each) computed at once, in worker threads off the event loop
    hash_concurrency: int = Field(2, ge=1, le=64)
    # logins waiting for a hashing slot; one more is refused at once with 503 and Retry-After: 1
    hash_queue_max: int = Field(64, ge=1, le=100_000)
    # an open websocket's session is re-read from the database this often (changes made by another instance);
    # changes made through this instance close it at once
    ws_recheck_seconds: float = Field(30.0, gt=0, le=3600)


class AcdSettings(BaseModel):
    # an agent whose phone rings this many times in a row unanswered is paused (reason no_answer); 0 = never
    auto_pause_after_missed_rings: int = Field(1, ge=0, le=100)
    # queue priority given to a caller whose customer record is VIP (the IVR's lookup node may set more)
    vip_priority: int = Field(10, ge=0, le=1000)
    # the number customers see on click-to-call / call-back calls
    outbound_caller_id: str = "4000"


class ShiftStart(BaseModel):
    name: str = Field(min_length=1, max_length=32)
    start: str  # HH:MM in the centre's timezone

    @field_validator("start")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        try:
            h, m = (int(x) for x in v.split(":"))
        except ValueError:
            raise ValueError(f"shift start must be HH:MM, got {v!r}") from None
        if not (0 <= h < 24 and 0 <= m < 60) or len(v) != 5:
            raise ValueError(f"shift start must be HH:MM (00:00-23:59), got {v!r}")
        return v


def _default_shifts() -> list[ShiftStart]:
    return [ShiftStart(name="day", start="08:00"), ShiftStart(name="night", start="20:00")]


# wallboard settings that are seat discipline's (``seat.<name>``) now; the wallboard section refuses them
_MOVED_TO_SEAT = ("away_warning_minutes", "away_violation_minutes")


class WallboardSettings(BaseModel):
    # deltas go out at most this often (coalesced), so a busy centre does not flood browsers
    push_interval_ms: int = Field(250, ge=50, le=5000)
    # the service-level alert and the chart's service level look at this many minutes back
    sl_alert_minutes: int = Field(15, ge=1, le=240)
    # (the away thresholds the board shows are seat discipline's: seat.away_warning_minutes/away_violation_minutes)
    chart_hours: int = Field(4, ge=1, le=24)
    chart_step_seconds: int = Field(60, ge=5, le=3600)
    # the centre's shifts by start time (centre timezone); the current shift is the one started most recently
    shifts: list[ShiftStart] = Field(default_factory=_default_shifts, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        """One setting per rule: the away thresholds are seat discipline's only. A config still setting them here
        is refused (not ignored: the centre would run on thresholds it did not choose), naming where they went."""
        if isinstance(data, dict):
            moved = [name for name in _MOVED_TO_SEAT if name in data]
            if moved:
                raise ValueError("; ".join(f"{_named('wallboard.' + name)} is no longer a setting: set "
                                           f"{_named('seat.' + name)} instead (the board shows seat discipline's "
                                           "thresholds)" for name in moved))
        return data

    @model_validator(mode="after")
    def _checks(self) -> WallboardSettings:
        starts = [s.start for s in self.shifts]
        if len(set(starts)) != len(starts):
            raise ValueError(f"wallboard.shifts: two shifts start at the same time in {starts}")
        return self


class SeatSettings(BaseModel):
    """Seat discipline (``docs/seat-discipline.md``): the away-from-desk rule. Its thresholds are the only ones:
    the wallboard shows these (it refuses the older ``wallboard.away_*`` settings)."""

    # one away episode (paused "away", auto-paused after unanswered rings, or the phone unreachable/unregistered)
    # is a warning from, and a disciplinary violation at, these many minutes
    away_warning_minutes: float = Field(15.0, gt=0, le=24 * 60)
    away_violation_minutes: float = Field(20.0, gt=0, le=24 * 60)
    # how often the thresholds are checked against the clock
    check_interval_seconds: float = Field(1.0, gt=0, le=60)
    # Asterisk sends SIP OPTIONS to every seat's phone this often (PJSIP AOR qualify_frequency), so a phone that
    # stops answering is seen as unreachable (= away) within this + 3 s; 0 = no qualify (only a phone that
    # unregisters, or whose registration expires, is seen)
    qualify_frequency_seconds: int = Field(30, ge=0, le=3600)
    # an approved leave-seat request the agent has not started using (gone away) within this many minutes lapses
    approval_valid_minutes: float = Field(30.0, gt=0, le=24 * 60)
    # leaving the seat needs the lead's consent: an episode that ends under the violation threshold without an
    # approved leave-seat request is recorded as an "unapproved absence" when it lasted at least this long
    # (shorter ones, e.g. the moment between logging in and going ready, are clicks, not absences; 0 = all)
    unapproved_absence_min_seconds: float = Field(60.0, ge=0, le=24 * 3600)

    @model_validator(mode="after")
    def _checks(self) -> SeatSettings:
        if self.away_warning_minutes > self.away_violation_minutes:
            raise ValueError("seat.away_warning_minutes must not be more than away_violation_minutes")
        return self


class ShiftSettings(BaseModel):
    """Attendance and shift rules (callcenter/shifts, docs/shifts.md); the seeds' values are the defaults."""

    # a first login this many minutes or more after the shift start, without approved leave, is a violation
    late_minutes: float = Field(20.0, gt=0, le=24 * 60)
    # a first login this many minutes or more before the start is shown as arrived for roll call
    early_arrival_minutes: float = Field(10.0, gt=0, le=24 * 60)
    # a login at most this long before a shift counts as arriving for it
    login_window_minutes: float = Field(120.0, gt=0, le=24 * 60)
    # the next shift on the same seat is the relief when it starts at most this long after the shift's end
    relief_gap_minutes: float = Field(60.0, ge=0, le=24 * 60)
    # a seat holds one agent: the relief counts as at the seat when logged in (anywhere) at the outgoing agent's
    # logout, or logging in at that seat within this many seconds after it; else the logout is flagged then
    relief_grace_seconds: float = Field(120.0, ge=0, le=3600)
    # at most this many swaps per person per month
    max_swaps_per_month: int = Field(2, ge=0, le=31)
    # leave on a public holiday (exceptional only) must be asked this many hours before the holiday begins
    holiday_leave_notice_hours: float = Field(48.0, ge=0)
    # leave for a night shift must be asked before this local time of the shift's date
    night_leave_cutoff: str = "12:00"
    # sick leave (phoned in before the shift, certificate handed in on the first day back) may be recorded for a
    # day at most this many days in the past
    sick_leave_backdate_days: int = Field(31, ge=0, le=366)
    # the live check (late at start + late_minutes, absence at the end, ...) runs this often
    check_interval_seconds: float = Field(15.0, gt=0, le=3600)

    @field_validator("night_leave_cutoff")
    @classmethod
    def _cutoff(cls, v: str) -> str:
        try:
            h, m = (int(x) for x in v.split(":"))
        except ValueError:
            raise ValueError(f"must be a local time HH:MM, got {v!r}") from None
        if not (0 <= h < 24 and 0 <= m < 60) or len(v) != 5:
            raise ValueError(f"must be a local time HH:MM (00:00-23:59), got {v!r}")
        return v


class RecordingSettings(BaseModel):
    # every queue call that reaches an agent is recorded (MixMonitor on the caller's channel, both legs, one file,
    # started by Asterisk's dialplan: these settings are rendered into extensions.conf)
    enabled: bool = True
    # also record the IVR part: from the call's arrival instead of from the agent's answer (one file per call)
    include_ivr: bool = False
    # <dir>/YYYY/MM/DD/<call uniqueid>.wav (the centre's calendar day of the call's arrival); default
    # <data_dir>/recordings; letters, digits and _ . / + ~ @ - only (it is written into the dialplan)
    dir: Path | None = None
    # how long after the hang-up a recording may take to be complete on disk before it is judged missing/empty
    finish_timeout_seconds: float = Field(10.0, gt=0, le=300)
    # how often recordings past their queue's retention (admin: queue "recording retention days") are deleted
    purge_interval_minutes: float = Field(60.0, gt=0)
    # "" keeps the wav (default); "mp3" or "ogg" (Vorbis): after the call a background job converts the wav with
    # pydub/ffmpeg, stores the compressed file instead and deletes the wav
    transcode: str = ""
    # target bitrate of the compressed file (ffmpeg's -b:a), e.g. "32k"
    transcode_bitrate: str = "32k"

    @field_validator("transcode")
    @classmethod
    def _transcode(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in TRANSCODE_FORMATS:
            raise ValueError(f"must be \"\" (keep wav), \"mp3\" or \"ogg\", got {v!r}")
        if v and not (shutil.which("ffmpeg") or shutil.which("avconv")):
            raise ValueError(f"transcoding to {v} needs ffmpeg, which is not on PATH (install ffmpeg or set \"\")")
        return v

    @field_validator("transcode_bitrate")
    @classmethod
    def _bitrate(cls, v: str) -> str:
        v = v.strip().lower()
        m = re.fullmatch(r"(\d{1,3})k", v)
        if m is None or not 8 <= int(m.group(1)) <= 320:
            raise ValueError(f"must be a bitrate in kbit/s between 8k and 320k such as \"32k\", got {v!r}")
        return v


class PathSettings(BaseModel):
    data_dir: Path = Path("var")
    # Rendered Asterisk configuration + its runtime folders; default: <data_dir>/asterisk
    asterisk_runtime_dir: Path | None = None
    # the service's umask (octal): "077" = data files readable by the service's user alone (-rw-------); "027"
    # lets the service's group read them (e.g. an external Asterisk running as another user in that group)
    umask: str = "077"

    @field_validator("umask")
    @classmethod
    def _umask(cls, v: str) -> str:
        v = v.strip().removeprefix("0o")
        if not re.fullmatch(r"0?[0-7]{3}", v) or (int(v, 8) & 0o700) or (int(v, 8) & 0o007) != 0o007:
            raise ValueError(f"must be an octal umask that keeps the owner's access and gives others none, such as "
                             f"\"077\" or \"027\"; got {v!r}")
        return v[-3:]

    @property
    def umask_bits(self) -> int:
        return int(self.umask, 8)


def _default_agents() -> list[AgentPhone]:
    return [
        AgentPhone(extension="1001", password="agent1001-dev", name="Agent 1001"),
        AgentPhone(extension="1002", password="agent1002-dev", name="Agent 1002"),
    ]


# the seeded queues' display names, worded as the default IVR menu offers them ("English / 中文": the pages show
# the part in their language)
_DEFAULT_QUEUE_NAMES = {"support": "Human service / 人工服务",
                        "consultation": "Business consultation / 业务咨询",
                        "business": "Business handling / 业务办理",
                        "complaints": "Complaints and suggestions / 投诉与建议"}


def _default_queues() -> list[QueueConfig]:
    return [QueueConfig(name=n, display_name=label, routing="seniors_first" if n == "complaints" else "equal")
            for n, label in _DEFAULT_QUEUE_NAMES.items()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
    )

    mode: Literal["dev", "prod"] = "dev"
    timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    inbound_context: str = "from-trunk"
    http: HttpSettings = HttpSettings()
    db: DbSettings = DbSettings()
    ami: AmiSettings = AmiSettings()
    agi: AgiSettings = AgiSettings()
    asterisk: AsteriskSettings = AsteriskSettings()
    ivr: IvrSettings = IvrSettings()
    auth: AuthSettings = AuthSettings()
    acd: AcdSettings = AcdSettings()
    wallboard: WallboardSettings = WallboardSettings()
    seat: SeatSettings = SeatSettings()
    shifts: ShiftSettings = ShiftSettings()
    recording: RecordingSettings = RecordingSettings()
    # case clocks (callcenter/cases/config.py, docs/cases.md "Clocks"): CALLCENTER_CASES__...
    cases: CasesSettings = Field(default_factory=CasesSettings)
    # the cases' workflow: causes, the serious review, settlement approvers, file limits
    # (callcenter/cases/policy.py, docs/cases.md): CALLCENTER_CASE_POLICY__...
    case_policy: CasePolicySettings = Field(default_factory=CasePolicySettings)
    # the call-back desk (callcenter/callbacks/config.py, docs/outbound.md): CALLCENTER_CALLBACKS__...
    callbacks: CallbackSettings = Field(default_factory=CallbackSettings)
    # campaigns: the pacer's tick, the preview hold (callcenter/campaigns/config.py): CALLCENTER_CAMPAIGNS__...
    campaigns: CampaignSettings = Field(default_factory=CampaignSettings)
    # the numbers over the trunk a transfer and the IVR may reach, and the caller ID each shows
    # (callcenter/outside_numbers.py, docs/outbound.md "Outside numbers"): CALLCENTER_OUTSIDE_NUMBERS__...
    outside_numbers: OutsideNumbersSettings = Field(default_factory=OutsideNumbersSettings)
    # the post-call survey in the IVR (callcenter/surveys/config.py, docs/survey.md): CALLCENTER_SURVEYS__...
    surveys: SurveySettings = Field(default_factory=SurveySettings)
    # the knowledge base: categories, who writes, reviews, publishes; the source documents' limits
    # (callcenter/knowledge/config.py, docs/knowledge.md): CALLCENTER_KNOWLEDGE__...
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    # notices: who publishes, the file's limits, how far a shift audience reaches (callcenter/notices/config.py,
    # docs/notices.md): CALLCENTER_NOTICES__...
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    # the seeds' reports: workload categories, the appraisal's weights (callcenter/reports/seeds_config.py)
    seed_reports: SeedReportSettings = Field(default_factory=SeedReportSettings)
    # the interval reports: the rollups' pass, the longest range per bucket size (callcenter/reports/config.py,
    # docs/reports.md): CALLCENTER_REPORTS__...
    reports: ReportSettings = Field(default_factory=ReportSettings)
    # who reads the audit log besides admins; the export's longest range (callcenter/audit/config.py,
    # docs/audit.md): CALLCENTER_AUDIT__...
    audit: AuditSettings = Field(default_factory=AuditSettings)
    paths: PathSettings = PathSettings()
    agents: list[AgentPhone] = Field(default_factory=_default_agents)
    queues: list[QueueConfig] = Field(default_factory=_default_queues)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(ENV_PREFIX + "CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    _tz = field_validator("timezone")(check_timezone)

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        if not self.ami.secret:
            if self.mode == "dev":
                self.ami.secret = DEV_AMI_SECRET
            else:
                raise ValueError(f"{_named('ami.secret')}: required outside dev mode")
        if not self.auth.bootstrap_admin_password and self.mode == "dev":
            self.auth.bootstrap_admin_password = DEV_ADMIN_PASSWORD
        if self.mode == "prod" and self.auth.bootstrap_admin_password in (DEV_ADMIN_PASSWORD,):
            raise ValueError(f"{_named('auth.bootstrap_admin_password')}: the dev password is refused outside dev mode")
        if self.mode == "prod":
            if self.ami.secret.lower() in _PLACEHOLDER_SECRETS or len(self.ami.secret) < 12:
                raise ValueError(
                    f"{_named('ami.secret')}: a placeholder or short secret (< 12 characters) is refused "
                    "outside dev mode"
                )
            weak = [a.extension for a in self.agents if a.password.endswith("-dev") or len(a.password) < 8]
            if weak:
                raise ValueError(
                    f"{_named('agents')}: placeholder/short phone passwords refused outside dev mode: {weak}"
                )
        exts = [a.extension for a in self.agents]
        if len(set(exts)) != len(exts):
            raise ValueError(f"{_named('agents')}: duplicate extensions in {exts}")
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError(f"{_named('queues')}: duplicate queue names in {names}")
        if self.ivr.default_queue not in names:
            raise ValueError(
                f"{_named('ivr.default_queue')}: {self.ivr.default_queue!r} is not one of the queues {names}"
            )
        ports = {
            "http.port": ("tcp", self.http.port),
            "ami.port": ("tcp", self.ami.port),
            "agi.port": ("tcp", self.agi.port),
        }
        seen: dict[int, str] = {}
        for name, (_, port) in ports.items():
            if port in seen:
                raise ValueError(f"{_named(name)}: port {port} is also used by {seen[port]}")
            seen[port] = name
        return self

    # Derived values -------------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.paths.data_dir.resolve()

    @property
    def recordings_dir(self) -> Path:
        return (self.recording.dir or self.data_dir / "recordings").resolve()

    @property
    def asterisk_runtime_dir(self) -> Path:
        return (self.paths.asterisk_runtime_dir or self.data_dir / "asterisk").resolve()

    @property
    def database_url(self) -> str:
        return self.db.url or f"sqlite+aiosqlite:///{self.data_dir / 'callcenter.db'}"

    @property
    def queue_names(self) -> list[str]:
        return [q.name for q in self.queues]


class SettingsError(Exception):
    """Startup refused: one line per wrong setting, each naming the setting and why."""


def _env_name(loc: tuple[Any, ...]) -> str:
    """The variable that sets ``loc``; list items (agents, queues) are set as JSON in the list's variable."""
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int) or (isinstance(p, str) and p.isdigit()):
            break
        parts.append(str(p))
    return ENV_PREFIX + "__".join(p.upper() for p in parts)


def load_settings(**overrides: Any) -> Settings:
    """Build and validate settings from the environment (+ CALLCENTER_CONFIG TOML file) and overrides."""
    config_file = os.environ.get(ENV_PREFIX + "CONFIG")
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"setting CALLCENTER_CONFIG: config file {config_file!r} does not exist")
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"setting CALLCENTER_CONFIG: {config_file} is not valid TOML: {e}") from None
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = tuple(p for p in err["loc"] if p not in ("function-after",))
            msg = err["msg"].removeprefix("Value error, ")
            if loc:
                dotted = ".".join(str(p) for p in loc)
                lines.append(f"setting {dotted} ({_env_name(loc)}): {msg}")
            else:
                lines.append(f"setting {msg}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
