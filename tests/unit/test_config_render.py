"""Rendering asterisk_conf/*.conf templates into a runtime directory (no Asterisk is started)."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.asterisk.config import (
    TEMPLATE_DIR,
    ConfigRenderError,
    QueueConf,
    RuntimeLayout,
    SeatConf,
    check_modules,
    render_config,
    render_text,
    required_modules,
)
from callcenter.settings import Settings, SettingsError, detect_modules_dir, load_settings
from tests.helpers import free_tcp_port, free_udp_port, short_tmpdir

Section = tuple[str, dict[str, list[str]]]

AGENTS: list[dict[str, str]] = [
    {"extension": "1001", "password": "pw-1001-secret", "name": "Alice"},
    {"extension": "1002", "password": "pw-1002-secret", "name": "Bob"},
    {"extension": "2001", "password": "pw-2001-secret", "name": ""},
]
QUEUES: list[dict[str, Any]] = [
    {"name": "support"},
    {"name": "sales", "strategy": "ringall"},
    {"name": "empty"},
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def tmpdirs() -> Iterator[list[Path]]:
    """Short /tmp folders (the control socket path must stay short); removed afterwards."""
    made: list[Path] = []
    yield made
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


def _new_dir(made: list[Path]) -> Path:
    d = short_tmpdir()
    made.append(d)
    return d


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "paths": {"data_dir": str(data_dir)},
        "inbound_context": "from-carrier",
        "http": {"port": free_tcp_port()},
        "ami": {"port": free_tcp_port(), "host": "127.0.0.1", "username": "cc_bridge",
                "secret": "ami-secret-for-tests", "permit": "127.0.0.0/255.0.0.0"},
        "agi": {"host": "127.0.0.1", "port": free_tcp_port()},
        "asterisk": {"sip_host": "127.0.0.1", "sip_port": free_udp_port(), "rtp_start": 31000, "rtp_end": 31198,
                     "trunk_match": "127.0.0.3", "modules_dir": "/opt/ast/modules", "data_dir": "/opt/ast/share"},
        "agents": AGENTS,
        "queues": QUEUES,
    }
    base.update(overrides)
    return load_settings(**base)


def _sections(text: str) -> list[Section]:
    """Asterisk config: ordered [sections] (names may repeat) of `key = value` / `key => value` lines."""
    out: list[Section] = []
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            out.append((line[1:-1], {}))
            continue
        assert out, f"option outside a section: {raw!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not an option line: {raw!r}"
        out[-1][1].setdefault(key.strip(), []).append(value.removeprefix(">").strip())
    return out


def _one(sections: list[Section], name: str, type_: str | None = None) -> dict[str, list[str]]:
    found = [opts for n, opts in sections if n == name and (type_ is None or opts.get("type") == [type_])]
    assert len(found) == 1, f"expected one [{name}] type={type_}, found {len(found)}"
    return found[0]


def _conf(layout: RuntimeLayout, name: str) -> list[Section]:
    return _sections((layout.etc / name).read_text(encoding="utf-8"))


@pytest.fixture
def rendered(tmpdirs: list[Path]) -> tuple[Settings, RuntimeLayout]:
    s = _settings(_new_dir(tmpdirs) / "data")
    return s, render_config(s)


def test_every_template_is_rendered_without_placeholders(rendered: tuple[Settings, RuntimeLayout]) -> None:
    s, layout = rendered
    assert layout.root == s.asterisk_runtime_dir == s.data_dir / "asterisk"
    templates = sorted(p.name for p in TEMPLATE_DIR.glob("*.conf"))
    assert templates, "no templates shipped"
    assert sorted(p.name for p in layout.etc.glob("*.conf")) == templates
    for name in templates:
        text = (layout.etc / name).read_text(encoding="utf-8")
        assert "@@" not in text, f"{name} still has a placeholder"
    for d in (layout.lib / "agi-bin", layout.spool, layout.run, layout.log, layout.cache):
        assert d.is_dir(), d


def test_manager_conf(rendered: tuple[Settings, RuntimeLayout]) -> None:
    s, layout = rendered
    conf = _conf(layout, "manager.conf")
    general = _one(conf, "general")
    assert general["enabled"] == ["yes"]
    assert general["port"] == [str(s.ami.port)]
    assert general["bindaddr"] == ["127.0.0.1"]
    user = _one(conf, "cc_bridge")
    assert user["secret"] == ["ami-secret-for-tests"]
    assert user["permit"] == ["127.0.0.0/255.0.0.0"]
    assert user["deny"] == ["0.0.0.0/0.0.0.0"]
    # least privilege: no `system` (MixMonitor is started by the dialplan, not by the AMI action)
    assert user["write"] == ["call,agent,originate,reporting"]
    mode = stat.S_IMODE((layout.etc / "manager.conf").stat().st_mode)
    assert mode == 0o600, oct(mode)


def test_manager_conf_gets_dev_secret_in_dev_mode(tmpdirs: list[Path]) -> None:
    s = _settings(_new_dir(tmpdirs), ami={"port": free_tcp_port()})
    user = _one(_conf(render_config(s), "manager.conf"), "callcenter")
    assert user["secret"] == [s.ami.secret] and s.ami.secret


def test_pjsip_conf(rendered: tuple[Settings, RuntimeLayout]) -> None:
    s, layout = rendered
    conf = _conf(layout, "pjsip.conf")
    transport = _one(conf, "transport-udp", "transport")
    assert transport["bind"] == [f"127.0.0.1:{s.asterisk.sip_port}"]
    assert transport["protocol"] == ["udp"]
    assert _one(conf, "trunk", "endpoint")["context"] == ["from-carrier"]
    identify = _one(conf, "trunk", "identify")
    assert identify["match"] == ["127.0.0.3"]
    assert identify["endpoint"] == ["trunk"]
    for agent in AGENTS:
        ext = agent["extension"]
        endpoint = _one(conf, ext, "endpoint")
        assert endpoint["auth"] == [ext] and endpoint["aors"] == [ext]
        assert endpoint["context"] == ["agents"]
        assert endpoint["callerid"] == [f'"{agent["name"] or ext}" <{ext}>']
        auth = _one(conf, ext, "auth")
        assert auth["username"] == [ext]
        assert auth["password"] == [agent["password"]]
        assert _one(conf, ext, "aor")["max_contacts"] == ["1"]
    agent_sections = {n for n, _ in conf} - {"global", "transport-udp", "trunk"}
    assert agent_sections == {a["extension"] for a in AGENTS}
    assert len([n for n, _ in conf if n in agent_sections]) == 3 * len(AGENTS)


def test_queues_conf(rendered: tuple[Settings, RuntimeLayout]) -> None:
    _, layout = rendered
    conf = _conf(layout, "queues.conf")
    assert [n for n, _ in conf] == ["general", "support", "sales", "empty"]
    for q in QUEUES:
        opts = _one(conf, q["name"])
        assert opts["strategy"] == [q.get("strategy", "rrmemory")]
        # no static members: the bridge adds logged-in agents (QueueAdd) with their skill's penalty
        assert "member" not in opts
        # wrap-up and auto-pause are the bridge's (stored, with reasons), not app_queue's
        assert opts["wrapuptime"] == ["0"] and opts["autopause"] == ["no"]


def test_seats_and_queues_from_the_database_replace_the_settings(tmpdirs: list[Path]) -> None:
    s = _settings(_new_dir(tmpdirs) / "data")
    layout = render_config(s, seats=[SeatConf("3001", "pw-3001-secret", "Carol", "sip:3001@127.0.0.1:16001")],
                           queues=[QueueConf("vip", "ringall", ring_timeout_seconds=9, announce="queue-thankyou")])
    pj = _conf(layout, "pjsip.conf")
    assert {n for n, _ in pj} - {"global", "transport-udp", "trunk"} == {"3001"}
    assert _one(pj, "3001", "aor")["contact"] == ["sip:3001@127.0.0.1:16001"]
    q = _conf(layout, "queues.conf")
    assert [n for n, _ in q] == ["general", "vip"]
    assert _one(q, "vip")["timeout"] == ["9"] and _one(q, "vip")["announce"] == ["queue-thankyou"]


def test_extensions_conf(rendered: tuple[Settings, RuntimeLayout]) -> None:
    s, layout = rendered
    conf = _conf(layout, "extensions.conf")
    agi_url = f"agi://127.0.0.1:{s.agi.port}"
    assert _one(conf, "globals")["CC_AGI"] == [agi_url]
    inbound = _one(conf, "from-carrier")
    lines = inbound["exten"] + inbound["same"]
    assert any("AGI(${CC_AGI}/inbound)" in v for v in lines)  # i.e. agi://<agi host>:<agi port>/inbound
    assert any("Queue(${CC_QUEUE}" in v for v in lines)
    assert _one(conf, "agents")  # agent-to-agent dialling context exists


# ---- dialplan rules (issue 12): phones, callers and handed-over values cannot steer Asterisk -----------------

SEAT_PATTERNS = {"_" + "X" * n for n in range(2, 17)}  # a seat: 2-16 digits
INTERNAL = ("cc-transfer", "cc-transfer-outside", "cc-outbound", "cc-spy", "cc-record", "cc-outside-transfer",
            "cc-outside-ivr", "cc-conference", "cc-conference-queue", "cc-survey")
OUTSIDE_CONTEXTS = ("cc-outside-transfer", "cc-outside-ivr")
# channel variables handed to the dialplan by the IVR or the bridge (and the uniqueid, which names the recording);
# used only behind a REGEX check
HANDED_OVER = ("CC_TRANSFER", "CC_OUTSIDE", "CC_QUEUE", "CC_SPY", "CC_QUEUE_TIMEOUT", "CC_CONF", "UNIQUEID")
# applications whose arguments cannot dial, jump or run anything
INERT = ("NoOp", "Set", "Log", "Hangup", "GotoIf")
_REGEX_CHECK = re.compile(r'^GotoIf\(\$\{REGEX\("([^"]*)" \$\{([A-Z_]+(?::\d+)?)\}\)\}\?')

Dialplan = dict[str, dict[str, list[str]]]  # context -> extension -> its applications in priority order


def _dialplan(text: str) -> tuple[Dialplan, list[str]]:
    """Contexts → extensions → applications (priorities in order); and every `include` line."""
    plan: Dialplan = {}
    includes: list[str] = []
    ctx = exten = ""
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            ctx = line[1:-1]
            plan.setdefault(ctx, {})
            continue
        key, _, value = line.partition("=>")
        key, value = key.strip(), value.strip()
        if key == "include":
            includes.append(f"{ctx}: {value}")
        elif key == "exten":
            exten, _, rest = value.partition(",")
            app = rest.partition(",")[2]
            plan[ctx].setdefault(exten, []).append(app)
        elif key == "same":
            app = value.partition(",")[2]
            plan[ctx][exten].append(app)
    return plan, includes


def _app(call: str) -> str:
    return call.split("(", 1)[0]


def _checked(apps: list[str]) -> dict[str, str]:
    """Values a REGEX GotoIf in these priorities checks (``EXTEN:2`` too), each with its regular expression."""
    out = {}
    for a in apps:
        m = _REGEX_CHECK.match(a)
        if m:
            out[m.group(2)] = m.group(1)
    return out


@pytest.fixture
def dialplan(rendered: tuple[Settings, RuntimeLayout]) -> Dialplan:
    plan, includes = _dialplan((rendered[1].etc / "extensions.conf").read_text(encoding="utf-8"))
    assert includes == [], "no context includes another: each is entered only where it says"
    return plan


def test_phones_dial_only_seat_numbers(dialplan: Dialplan) -> None:
    """`_X.` matched `1&Local/listen@cc-spy`: a seat is 2-16 digits, one pattern per length."""
    assert set(dialplan["agents"]) == SEAT_PATTERNS
    for pattern, apps in dialplan["agents"].items():
        assert apps == ["Dial(PJSIP/${EXTEN},30)"], pattern
    assert set(dialplan["cc-transfer"]) == SEAT_PATTERNS | {"_q-."}


_GATED_GOTO = re.compile(r"Goto\((cc-outside-[a-z]+),\$\{([A-Z_]+)\},1\)")


def _gated(call: str, before: list[str]) -> bool:
    """A computed Goto is allowed only into an outside-number context, for a value REGEX-checked as 3-20 digits
    and then found there by DIALPLAN_EXISTS (the gates of issue 15, part 7)."""
    m = _GATED_GOTO.fullmatch(call)
    if m is None:
        return False
    ctx, var = m.groups()
    return _checked(before).get(var) == "^[0-9]{3,20}$" and \
        f"GotoIf(${{DIALPLAN_EXISTS({ctx},${{{var}}},1)}}?:refused)" in before


def test_no_unchecked_value_reaches_an_application(dialplan: Dialplan) -> None:
    """${EXTEN} and the handed-over variables reach Dial/Queue/ChanSpy/... only when a digits-only pattern or a
    REGEX check before them says what they are; Goto never takes a computed target, except into an outside-number
    context through its gate (REGEX, then DIALPLAN_EXISTS)."""
    for ctx, extens in dialplan.items():
        for pattern, apps in extens.items():
            # a pattern of digits and X only (a seat's _XXXX, an allowed outside number's _138XXXXXXXX)
            digits_only = pattern.startswith("_") and set(pattern[1:]) <= set("0123456789X")
            literal = not pattern.startswith("_")
            for i, call in enumerate(apps):
                checked = _checked(apps[:i])
                if _app(call) == "Goto":
                    assert "${" not in call or _gated(call, apps[:i]), \
                        f"[{ctx}] {pattern}: computed Goto target {call}"
                    continue
                if _app(call) == "GotoIf":
                    assert "${" not in call.rpartition("?")[2], f"[{ctx}] {pattern}: computed GotoIf target {call}"
                if _app(call) in INERT:
                    continue
                if "${EXTEN" in call:
                    assert digits_only or literal or {"EXTEN", "EXTEN:2"} & set(checked), \
                        f"[{ctx}] {pattern}: ${{EXTEN}} unchecked in {call}"
                for var in HANDED_OVER:
                    if "${" + var + "}" in call:
                        assert var in checked, f"[{ctx}] {pattern}: ${{{var}}} unchecked in {call}"


def test_wildcard_patterns_are_checked_or_inert(dialplan: Dialplan) -> None:
    """A pattern with `.`/`!` either checks ${EXTEN} at once (internal contexts) or only logs and stores it (the
    inbound context, where the IVR reads the dialled number from the AGI environment)."""
    for ctx, extens in dialplan.items():
        for pattern, apps in extens.items():
            if not pattern.startswith("_") or not ({".", "!"} & set(pattern)):
                continue
            if ctx == "from-carrier":
                assert all("${EXTEN" not in a or _app(a) in ("NoOp", "Set") for a in apps), apps
            else:
                assert {"EXTEN", "EXTEN:2"} & set(_checked(apps[:2])), f"[{ctx}] {pattern} is not checked first"


def test_inbound_has_no_s_extension_that_jumps_to_itself(dialplan: Dialplan) -> None:
    inbound = dialplan["from-carrier"]
    assert "s" not in inbound  # refused by PJSIP before a channel exists (it used to Goto(${EXTEN},1) = s)
    assert set(inbound) == {"_[0-9a-zA-Z+*#]."}


@pytest.mark.parametrize(("var", "good", "bad"), [
    ("CC_SPY", ["PJSIP/1001-0000002a", "PJSIP/12-00000001"],
     ["", "PJSIP/", "PJSIP/1001", "PJSIP/trunk-0000002a", "PJSIP/1001-0000002a,qB", "Local/listen@cc-spy-1;1"]),
    ("CC_TRANSFER", ["1002", "12", "1234567890123456"],
     ["", "1", "1002&Local/listen@cc-spy", "+8613800138000", "12345678901234567", "1002,,tT"]),
    ("CC_OUTSIDE", ["110", "13800138000", "1" * 20],
     ["", "12", "+8613800138000", "1" * 21, "13800138000&Local/listen@cc-spy", "13800138000,,tT", "o-110"]),
    ("CC_QUEUE", ["support", "vip_2", "after-hours"], ["", "support,tT", "a b", "x" * 65]),
    ("EXTEN", ["138", "13800138000"], ["12", "123@127.0.0.9&Local/listen@cc-spy,", "1" * 21]),
    ("CC_CONF", ["1772384400.1", "1772384400.900000001"],
     ["", "1772384400", "1772384400.1,cc-bridge,cc-staff", "1772384400.1&x", "cc-1772384400.1", "1772384400.1/x"]),
    ("UNIQUEID", ["1772384400.1", "1772384400.123456"],
     ["", "c1", "1772384400", "pbx-1772384400.1", "1772384400.1,bm(x)", "../1772384400.1", "1772384400.1/x"]),
])
def test_the_checks_accept_exactly_what_is_meant(dialplan: Dialplan, var: str, good: list[str],
                                                 bad: list[str]) -> None:
    """The REGEX checks (POSIX extended, here with Python's re, which reads these the same way); ChanSpy's above
    all: an empty target would spy on every channel."""
    regexes = {rx for extens in dialplan.values() for apps in extens.values() for v, rx in _checked(apps).items()
               if v == var}
    assert regexes, f"no REGEX check of {var}"
    for rx in regexes:
        assert all(re.search(rx, v) for v in good), (rx, good)
        assert not any(re.search(rx, v) for v in bad), (rx, bad)


@pytest.mark.parametrize(("recording", "mode"), [
    ({}, "answer"), ({"include_ivr": True}, "arrival"), ({"enabled": False, "include_ivr": True}, "off")])
def test_recording_is_started_by_the_dialplan_from_settings(tmpdirs: list[Path], recording: dict[str, Any],
                                                             mode: str) -> None:
    """recording.enabled / include_ivr, the folder and the timezone are globals of the dialplan, which starts
    MixMonitor itself: from the answer (option b) before every Queue(), or at the arrival before the IVR."""
    s = _settings(_new_dir(tmpdirs) / "data", recording=recording, timezone="Asia/Shanghai")
    layout = render_config(s)
    g = _one(_conf(layout, "extensions.conf"), "globals")
    assert (g["CC_RECORD"], g["CC_RECORD_DIR"], g["CC_RECORD_TZ"]) == (
        [mode], [str(s.recordings_dir)], ["Asia/Shanghai"])
    plan, _ = _dialplan((layout.etc / "extensions.conf").read_text(encoding="utf-8"))
    [inbound] = plan["from-carrier"].values()
    agi = inbound.index("AGI(${CC_AGI}/inbound)")
    assert inbound[agi - 1] == 'GosubIf($["${CC_RECORD}" = "arrival"]?cc-record,start,1(arrival))'
    answer = 'GosubIf($["${CC_RECORD}" != "off"]?cc-record,start,1(answer))'
    for apps in (inbound, plan["cc-transfer"]["_q-."]):
        queues = [i for i, a in enumerate(apps) if a.startswith("Queue(")]
        assert queues and all(apps[i - 1] == answer for i in queues), apps
    record = plan["cc-record"]["start"]
    [mix] = [a for a in record if a.startswith("MixMonitor(")]
    assert mix == ("MixMonitor(${CC_RECORD_DIR}/${STRFTIME(${CUT(UNIQUEID,.,1)},${CC_RECORD_TZ},%Y/%m/%d)}/"
                   '${UNIQUEID}.wav,${IF($["${ARG1}" = "answer"]?b:)})')
    # once per channel: a blind transfer or the IVR's fallback queue finds it running
    assert record[0] == 'GotoIf($["${CC_RECORDING}" = "1"]?done)' and "Set(CC_RECORDING=1)" in record


@pytest.mark.parametrize("folder", ["/srv/rec,b", "/srv/rec ${EXTEN}", "/srv/rec;x", "/srv/rec)"])
def test_a_recordings_folder_the_dialplan_cannot_carry_is_refused(tmpdirs: list[Path], folder: str) -> None:
    s = _settings(_new_dir(tmpdirs) / "data", recording={"dir": folder})
    with pytest.raises(ConfigRenderError, match="recording.dir"):
        render_config(s)


def test_conferences_join_only_the_calls_own_conference_with_the_products_profiles(
        rendered: tuple[Settings, RuntimeLayout], dialplan: Dialplan) -> None:
    """[cc-conference] (issue 15, part 5): every way in names the call's conference (cc-<a REGEX-checked call id>)
    with cc-bridge and one of the product's user profiles and its empty menu; a phone the bridge rang joins only a
    conference that exists. confbridge.conf: nobody is an admin, no DTMF menu action, no ConfBridge recording (the
    call's own recording hears the conference), the staff hold it open and the customer is end_marked."""
    profiles = {"customer": "cc-customer", "agent": "cc-staff", "party": "cc-staff", "listen": "cc-listen",
                "talk": "cc-staff"}
    assert set(dialplan["cc-conference"]) == set(profiles)
    for exten, profile in profiles.items():
        apps = dialplan["cc-conference"][exten]
        joins = [a for a in apps if _app(a) == "ConfBridge"]
        assert joins == [f"ConfBridge(cc-${{CC_CONF}},cc-bridge,{profile},cc-menu)"], (exten, apps)
        assert "CC_CONF" in _checked(apps[:apps.index(joins[0])]), exten
        if exten in ("party", "listen", "talk"):  # only into a conference that is there
            assert any("CONFBRIDGE_INFO(parties,cc-${CC_CONF})" in a for a in apps[:apps.index(joins[0])]), exten
        else:  # the call's own channels: the name is their Linkedid
            assert apps[0] == "Set(CC_CONF=${CHANNEL(linkedid)})", exten
    assert set(dialplan["cc-conference-queue"]) == {"_q-."}
    conf = {name: opts for name, opts in _conf(rendered[1], "confbridge.conf")}
    assert {k: v[0] for k, v in conf["cc-bridge"].items()}["record_conference"] == "no"
    users = {n: {k: v[0] for k, v in o.items()} for n, o in conf.items() if o.get("type") == ["user"]}
    assert set(users) == {"cc-customer", "cc-staff", "cc-listen"}
    assert all(u.get("admin", "no") == "no" and u["quiet"] == "yes" and u["dtmf_passthrough"] == "no"
               for u in users.values())
    assert users["cc-staff"].get("marked") == "yes" and "end_marked" not in users["cc-staff"]
    assert users["cc-customer"]["end_marked"] == "yes" and "marked" not in users["cc-customer"]
    assert users["cc-listen"]["end_marked"] == "yes" and users["cc-listen"]["startmuted"] == "yes"
    assert {k: v for k, v in conf["cc-menu"].items()} == {"type": ["menu"]}  # no DTMF does anything
    assert {"app_confbridge.so", "bridge_softmix.so"} <= set(required_modules())


def test_internal_contexts_are_no_endpoints_context(rendered: tuple[Settings, RuntimeLayout]) -> None:
    contexts = {v[0] for _, opts in _conf(rendered[1], "pjsip.conf") for k, v in opts.items() if k == "context"}
    assert contexts == {"from-carrier", "agents"}
    assert not contexts & set(INTERNAL)


# ---- outside numbers (issue 15, part 7): the trunk only through click-to-call and the admin's list -------------

def _outside_plan(tmpdirs: list[Path], outside: dict[str, Any]) -> Dialplan:
    s = _settings(_new_dir(tmpdirs) / "data", outside_numbers=outside)
    s.asterisk.outbound_host = "127.0.0.9:5070"
    plan, includes = _dialplan((render_config(s).etc / "extensions.conf").read_text(encoding="utf-8"))
    assert includes == []
    return plan


OUTSIDE = {"transfer": {"allowed": ["138XXXXXXXX", "13900139000", "XXX"], "caller_id": "4008"},
           "ivr": {"allowed": ["01012345678"], "caller_id": "4009"}}


def test_each_allowed_entry_is_one_extension_of_its_uses_context(tmpdirs: list[Path]) -> None:
    """One extension per entry, an exact number as itself and a pattern as _<digits and X>, each showing the use's
    caller ID (Dial option f: the outgoing leg's only; I: no connected-line update from the transferring agent's
    side overrides it) and dialling that number over the trunk; nothing else."""
    plan = _outside_plan(tmpdirs, OUTSIDE)

    def ext(use: str, cid: str) -> list[str]:
        return [f"NoOp(callcenter outside {use} ${{EXTEN}} on ${{CHANNEL}})",
                f"Dial(PJSIP/trunk/sip:${{EXTEN}}@127.0.0.9:5070,60,If({cid}))", "Hangup()"]

    assert plan["cc-outside-transfer"] == {"_138XXXXXXXX": ext("transfer", "4008"),
                                           "13900139000": ext("transfer", "4008"), "_XXX": ext("transfer", "4008")}
    assert plan["cc-outside-ivr"] == {"01012345678": ext("ivr", "4009")}


def test_nothing_allowed_renders_empty_outside_contexts(dialplan: Dialplan) -> None:
    assert dialplan["cc-outside-transfer"] == {} and dialplan["cc-outside-ivr"] == {}


# contexts the bridge's Originate alone enters that dial a number the bridge checked, as cc-outbound does: the
# queued caller's call-back (issue 15, part 6), where present
ORIGINATED_DIALLING = {"cc-callback-dial"}


def test_only_click_to_call_and_the_outside_contexts_dial_the_trunk(tmpdirs: list[Path]) -> None:
    plan = _outside_plan(tmpdirs, OUTSIDE)
    dialling = {ctx for ctx, extens in plan.items() for apps in extens.values() for a in apps if "trunk" in a}
    assert dialling - ORIGINATED_DIALLING == {"cc-outbound", *OUTSIDE_CONTEXTS}
    for ctx in OUTSIDE_CONTEXTS:
        for pattern, apps in plan[ctx].items():
            assert [_app(a) for a in apps] == ["NoOp", "Dial", "Hangup"], (ctx, pattern)


def test_the_outside_contexts_are_entered_only_through_their_gates(tmpdirs: list[Path]) -> None:
    """cc-outside-transfer from [cc-transfer-outside] (the bridge's Redirect/Atxfer), cc-outside-ivr from the
    inbound context's CC_OUTSIDE (the IVR): in each gate the value is REGEX-checked (3-20 digits), then looked up
    with DIALPLAN_EXISTS, then the Goto; no other priority names those contexts."""
    plan = _outside_plan(tmpdirs, OUTSIDE)
    gates = {(ctx, pattern, target) for ctx, extens in plan.items() for pattern, apps in extens.items()
             for a in apps for target in OUTSIDE_CONTEXTS if target in a}
    assert gates == {("cc-transfer-outside", "_X.", "cc-outside-transfer"),
                     ("from-carrier", "_[0-9a-zA-Z+*#].", "cc-outside-ivr")}
    for ctx, pattern, target, var in (("cc-transfer-outside", "_X.", "cc-outside-transfer", "EXTEN"),
                                      ("from-carrier", "_[0-9a-zA-Z+*#].", "cc-outside-ivr", "CC_OUTSIDE")):
        apps = plan[ctx][pattern]
        goto = apps.index(f"Goto({target},${{{var}}},1)")
        assert apps[goto - 2:goto] == [f'GotoIf(${{REGEX("^[0-9]{{3,20}}$" ${{{var}}})}}?:refused)',
                                       f"GotoIf(${{DIALPLAN_EXISTS({target},${{{var}}},1)}}?:refused)"], apps
    # the transfer gate is a context of its own: cc-transfer (where a phone's feature code types digits) has no
    # way to an outside number
    assert set(plan["cc-transfer"]) == SEAT_PATTERNS | {"_q-."}
    assert not any("outside" in a for apps in plan["cc-transfer"].values() for a in apps)


def test_asterisk_conf_points_into_runtime_dir(rendered: tuple[Settings, RuntimeLayout]) -> None:
    s, layout = rendered
    dirs = {k: v[0] for k, v in _one(_conf(layout, "asterisk.conf"), "directories").items()}
    assert dirs["astetcdir"] == str(layout.etc)
    assert dirs["astrundir"] == str(layout.run)
    assert dirs["astlogdir"] == str(layout.log)
    assert dirs["astspooldir"] == str(layout.spool)
    assert dirs["astvarlibdir"] == dirs["astdbdir"] == dirs["astkeydir"] == str(layout.lib)
    assert dirs["astagidir"] == str(layout.lib / "agi-bin")
    assert dirs["astcachedir"] == str(layout.cache)
    assert dirs["astmoddir"] == "/opt/ast/modules"
    assert dirs["astdatadir"] == "/opt/ast/share"
    root = str(s.asterisk_runtime_dir) + "/"
    for key, value in dirs.items():
        if key not in ("astmoddir", "astdatadir", "astsbindir"):
            assert value.startswith(root), (key, value)
    assert _one(_conf(layout, "musiconhold.conf"), "default")["directory"] == ["/opt/ast/share/moh"]


def test_rtp_conf(rendered: tuple[Settings, RuntimeLayout]) -> None:
    _, layout = rendered
    general = _one(_conf(layout, "rtp.conf"), "general")
    assert general["rtpstart"] == ["31000"]
    assert general["rtpend"] == ["31198"]


def test_explicit_runtime_dir_is_used(tmpdirs: list[Path]) -> None:
    base = _new_dir(tmpdirs)
    s = _settings(base / "data", paths={"data_dir": str(base / "data"), "asterisk_runtime_dir": str(base / "ast")})
    layout = render_config(s)
    assert layout.root == base / "ast"
    assert (base / "ast" / "etc" / "manager.conf").is_file()
    assert not (base / "data" / "asterisk").exists()


def test_two_stacks_render_side_by_side(tmpdirs: list[Path]) -> None:
    a = _settings(_new_dir(tmpdirs) / "data")
    b = _settings(_new_dir(tmpdirs) / "data", asterisk={"sip_port": free_udp_port(), "rtp_start": 32000,
                                                        "rtp_end": 32198})
    assert a.ami.port != b.ami.port and a.agi.port != b.agi.port
    la = render_config(a)
    before = {p.name: p.read_bytes() for p in la.etc.iterdir()}
    lb = render_config(b)
    assert la.root != lb.root
    after = {p.name: p.read_bytes() for p in la.etc.iterdir()}
    assert after == before, "rendering the second stack changed the first one's files"
    for settings, layout in ((a, la), (b, lb)):
        assert _one(_conf(layout, "manager.conf"), "general")["port"] == [str(settings.ami.port)]
        assert _one(_conf(layout, "extensions.conf"), "globals")["CC_AGI"] == [f"agi://127.0.0.1:{settings.agi.port}"]
        assert _one(_conf(layout, "pjsip.conf"), "transport-udp")["bind"] == [
            f"127.0.0.1:{settings.asterisk.sip_port}"]
        assert _one(_conf(layout, "asterisk.conf"), "directories")["astetcdir"] == [str(layout.etc)]
    assert _one(_conf(lb, "rtp.conf"), "general")["rtpstart"] == ["32000"]


def test_render_is_repeatable(rendered: tuple[Settings, RuntimeLayout]) -> None:
    s, layout = rendered
    first = {p.name: p.read_bytes() for p in layout.etc.iterdir()}
    again = render_config(s)
    assert again == layout
    assert {p.name: p.read_bytes() for p in layout.etc.iterdir()} == first
    assert stat.S_IMODE((layout.etc / "manager.conf").stat().st_mode) == 0o600


# ---- render_text and errors ------------------------------------------------------------------------------

def test_render_text_substitutes_and_leaves_dialplan_variables() -> None:
    out = render_text("port = @@ami_port@@\nexten => ${EXTEN} @@ami_port@@", {"ami_port": "5038"}, "x.conf")
    assert out == "port = 5038\nexten => ${EXTEN} 5038"


def test_render_text_does_not_expand_placeholders_inside_values() -> None:
    out = render_text("secret = @@ami_secret@@", {"ami_secret": "@@ami_port@@", "ami_port": "1"})
    assert out == "secret = @@ami_port@@"


def test_render_text_unknown_placeholder() -> None:
    with pytest.raises(ConfigRenderError) as ei:
        render_text("a = @@ami_port@@\nb = @@no_such_thing@@\n", {"ami_port": "1"}, "odd.conf")
    msg = str(ei.value)
    assert "no_such_thing" in msg
    assert "odd.conf" in msg
    assert "ami_port" not in msg


def test_render_config_refuses_template_with_unknown_placeholder(tmpdirs: list[Path]) -> None:
    tpl = _new_dir(tmpdirs)
    (tpl / "good.conf").write_text("port = @@ami_port@@\n", encoding="utf-8")
    (tpl / "bad.conf").write_text("x = @@mystery@@\n", encoding="utf-8")
    s = _settings(_new_dir(tmpdirs))
    with pytest.raises(ConfigRenderError, match=r"bad\.conf.*mystery"):
        render_config(s, template_dir=tpl)


def test_render_config_refuses_empty_template_dir(tmpdirs: list[Path]) -> None:
    s = _settings(_new_dir(tmpdirs))
    with pytest.raises(ConfigRenderError, match="no \\*.conf templates"):
        render_config(s, template_dir=_new_dir(tmpdirs))


def _runtime_dir_with_socket_len(base: Path, length: int) -> Path:
    suffix = len("/run/asterisk.ctl")
    pad = length - suffix - len(str(base)) - 1
    assert pad > 0
    return base / ("r" * pad)


def test_too_deep_runtime_dir_is_refused(tmpdirs: list[Path]) -> None:
    base = _new_dir(tmpdirs)
    deep = _runtime_dir_with_socket_len(base, 101)
    s = _settings(base, paths={"data_dir": str(base), "asterisk_runtime_dir": str(deep)})
    assert len(str(RuntimeLayout(s.asterisk_runtime_dir).control_socket)) == 101
    with pytest.raises(ConfigRenderError) as ei:
        render_config(s)
    msg = str(ei.value)
    assert "paths.asterisk_runtime_dir" in msg
    assert "100 characters" in msg
    assert not deep.exists(), "nothing must be created for a refused runtime dir"


def test_runtime_dir_at_the_limit_is_accepted(tmpdirs: list[Path]) -> None:
    base = _new_dir(tmpdirs)
    edge = _runtime_dir_with_socket_len(base, 100)
    s = _settings(base, paths={"data_dir": str(base), "asterisk_runtime_dir": str(edge)})
    layout = render_config(s)
    assert len(str(layout.control_socket)) == 100
    assert (layout.etc / "asterisk.conf").is_file()


# ---- the module folder (issue 12, 3b): detected, and checked at start ---------------------------------------

def _modules(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_bytes(b"\x7fELF")
    return folder


def _root(tmpdirs: list[Path]) -> Path:
    return _new_dir(tmpdirs)


def test_module_dir_from_the_system_asterisk_conf(tmpdirs: list[Path]) -> None:
    """Debian's Asterisk 20/22 keep modules in the multiarch folder and say so in /etc/asterisk/asterisk.conf."""
    root = _root(tmpdirs)
    multiarch = _modules(root / "usr/lib/x86_64-linux-gnu/asterisk/modules", ["chan_pjsip.so"])
    _modules(root / "usr/lib/asterisk/modules", ["chan_pjsip.so"])  # a stale older one is not taken first
    (root / "etc/asterisk").mkdir(parents=True)
    (root / "etc/asterisk/asterisk.conf").write_text(
        "[directories](!)\nastetcdir => /etc/asterisk\nastmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules ; x\n",
        encoding="utf-8")
    assert detect_modules_dir("no-such-asterisk", root) == str(multiarch)


def test_module_dir_from_the_usual_locations(tmpdirs: list[Path]) -> None:
    root = _root(tmpdirs)
    (root / "etc/asterisk").mkdir(parents=True)
    # astmoddir naming a folder without the modules is passed over
    (root / "etc/asterisk/asterisk.conf").write_text("astmoddir => /opt/gone/modules\n", encoding="utf-8")
    assert detect_modules_dir("no-such-asterisk", root) == str(root / "usr/lib/asterisk/modules")  # none: default
    local = _modules(root / "usr/local/lib/asterisk/modules", ["chan_pjsip.so"])
    assert detect_modules_dir("no-such-asterisk", root) == str(local)
    multiarch = _modules(root / "usr/lib/aarch64-linux-gnu/asterisk/modules", ["chan_pjsip.so"])
    assert detect_modules_dir("no-such-asterisk", root) == str(multiarch)
    debian16 = _modules(root / "usr/lib/asterisk/modules", ["chan_pjsip.so"])
    assert detect_modules_dir("no-such-asterisk", root) == str(debian16)


def test_module_dir_next_to_the_asterisk_binary(tmpdirs: list[Path]) -> None:
    root = _root(tmpdirs)
    _modules(root / "usr/lib/asterisk/modules", ["chan_pjsip.so"])
    binary = root / "opt/ast22/sbin/asterisk"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n", encoding="utf-8")
    binary.chmod(0o755)
    own = _modules(root / "opt/ast22/lib/x86_64-linux-gnu/asterisk/modules", ["chan_pjsip.so"])
    assert detect_modules_dir(str(binary), root) == str(own)


def test_unset_module_dir_is_detected_and_a_set_one_kept(tmpdirs: list[Path]) -> None:
    d = _new_dir(tmpdirs)
    assert _settings(d, asterisk={"modules_dir": ""}).asterisk.modules_dir == detect_modules_dir("asterisk")
    assert _settings(d, asterisk={"modules_dir": "/opt/x"}).asterisk.modules_dir == "/opt/x"


def test_required_modules_are_what_modules_conf_loads() -> None:
    needed = required_modules()
    for m in ("res_pjsip.so", "chan_pjsip.so", "app_queue.so", "res_agi.so", "app_mixmonitor.so", "app_chanspy.so",
              "func_strings.so", "pbx_config.so"):
        assert m in needed
    assert len(needed) == len(set(needed)) and all(m.endswith(".so") for m in needed)


def test_module_check_refuses_a_folder_without_the_modules(tmpdirs: list[Path]) -> None:
    base = _new_dir(tmpdirs)
    complete = _modules(base / "complete", required_modules())
    check_modules(_settings(base / "d", asterisk={"modules_dir": str(complete)}))
    partial = _modules(base / "partial", [m for m in required_modules() if m not in ("app_queue.so", "res_agi.so")])
    with pytest.raises(SettingsError) as ei:
        check_modules(_settings(base / "d", asterisk={"modules_dir": str(partial)}))
    msg = str(ei.value)
    assert "asterisk.modules_dir" in msg and "CALLCENTER_ASTERISK__MODULES_DIR" in msg
    assert "app_queue.so" in msg and "res_agi.so" in msg and str(partial) in msg
    with pytest.raises(SettingsError, match="does not exist"):
        check_modules(_settings(base / "d", asterisk={"modules_dir": str(base / "nowhere")}))


def test_module_check_only_warns_for_an_external_asterisk(tmpdirs: list[Path], caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    """asterisk.managed = false: the Asterisk may run on another machine, whose folders are not ours to see."""
    base = _new_dir(tmpdirs)
    with caplog.at_level("WARNING", logger="callcenter.asterisk.config"):
        check_modules(_settings(base / "d", asterisk={"managed": False, "modules_dir": str(base / "nowhere")}))
    assert "asterisk.modules_dir" in caplog.text


async def test_start_is_refused_before_asterisk_runs(tmpdirs: list[Path]) -> None:
    """What a new user with Debian's Asterisk 22 met: Asterisk started with no module, AMI said only
    `QueueStatus: Invalid/unknown command`. Now the start stops at once with the setting's name."""
    from callcenter.app import Stack

    base = _new_dir(tmpdirs)
    s = _settings(base / "data", db={"url": f"sqlite+aiosqlite:///{base / 'cc.db'}"},
                  asterisk={"modules_dir": str(_modules(base / "empty", [])), "sip_port": free_udp_port()})
    stack = Stack(s)
    with pytest.raises(SettingsError, match=r"asterisk\.modules_dir .*CALLCENTER_ASTERISK__MODULES_DIR"):
        await stack.start()
    assert stack.asterisk_process is None  # refused before a managed Asterisk was started
