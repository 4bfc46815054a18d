"""Settings: defaults, environment variables, the CALLCENTER_CONFIG TOML file, error messages, the CLI check."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli import main as cli_main
from callcenter.settings import DEV_AMI_SECRET, Settings, SettingsError, load_settings

GOOD_SECRET = "a-real-ami-secret-42"
PROD_AGENTS: list[dict[str, str]] = [
    {"extension": "1001", "password": "s3cure-phone-1001", "name": "Agent 1001"},
    {"extension": "1002", "password": "s3cure-phone-1002", "name": "Agent 1002"},
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No CALLCENTER_* variable of the developer's shell leaks in; relative paths resolve under tmp_path."""
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield


def _error(**overrides: Any) -> str:
    with pytest.raises(SettingsError) as ei:
        load_settings(**overrides)
    return str(ei.value)


def _write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---- defaults --------------------------------------------------------------------------------------------

def test_defaults_are_valid(tmp_path: Path) -> None:
    s = load_settings()
    assert isinstance(s, Settings)
    assert s.mode == "dev"
    assert (s.http.host, s.http.port) == ("127.0.0.1", 8080)
    assert s.db.url == ""
    assert s.data_dir == (tmp_path / "var").resolve()
    assert s.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'var' / 'callcenter.db'}"
    assert s.asterisk_runtime_dir == s.data_dir / "asterisk"
    # dev mode fills the AMI secret so the managed Asterisk and the bridge agree without configuration
    assert s.ami.secret == DEV_AMI_SECRET
    assert s.queue_names == ["support", "consultation", "business", "complaints"]
    assert s.ivr.default_queue == "support"
    assert [a.extension for a in s.agents] == ["1001", "1002"]


def test_dev_secret_does_not_leak_into_later_prod_settings() -> None:
    """Filling the dev secret must not mutate a shared default that a later prod load would then accept."""
    assert load_settings().ami.secret == DEV_AMI_SECRET
    msg = _error(mode="prod", agents=PROD_AGENTS)
    assert "ami.secret" in msg and "required outside dev mode" in msg


def test_explicit_secret_is_kept_in_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_AMI__SECRET", "my-own-dev-secret")
    assert load_settings().ami.secret == "my-own-dev-secret"


def test_valid_prod_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_MODE", "prod")
    monkeypatch.setenv("CALLCENTER_AMI__SECRET", GOOD_SECRET)
    s = load_settings(agents=PROD_AGENTS)
    assert s.mode == "prod"
    assert s.ami.secret == GOOD_SECRET


# ---- environment variables ----------------------------------------------------------------------------------

def test_nested_env_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_HTTP__PORT", "9090")
    monkeypatch.setenv("CALLCENTER_HTTP__HOST", "0.0.0.0")
    monkeypatch.setenv("CALLCENTER_TIMEZONE", "UTC")
    monkeypatch.setenv("CALLCENTER_AGI__COMMAND_TIMEOUT", "2.5")
    s = load_settings()
    assert (s.http.host, s.http.port) == ("0.0.0.0", 9090)
    assert s.timezone == "UTC"
    assert s.agi.command_timeout == 2.5


def test_overrides_win_over_env_and_merge_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_HTTP__PORT", "9100")
    monkeypatch.setenv("CALLCENTER_HTTP__HOST", "0.0.0.0")
    s = load_settings(http={"port": 9200})
    assert s.http.port == 9200  # keyword override beats the environment
    assert s.http.host == "0.0.0.0"  # and the rest of the section still comes from the environment


@pytest.mark.parametrize("url", ["postgresql://cc:pw@db.example/cc", "postgres://cc:pw@db.example/cc"])
def test_postgres_url_is_normalised_to_asyncpg(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CALLCENTER_DB__URL", url)
    s = load_settings()
    assert s.db.url == "postgresql+asyncpg://cc:pw@db.example/cc"
    assert s.database_url == "postgresql+asyncpg://cc:pw@db.example/cc"


def test_sqlite_url_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("CALLCENTER_DB__URL", url)
    assert load_settings().database_url == url


# ---- bad values: message names the dotted setting, its environment variable and why -----------------------------

@pytest.mark.parametrize(
    ("env", "dotted", "env_name", "why"),
    [
        ({"CALLCENTER_HTTP__PORT": "0"}, "http.port", "CALLCENTER_HTTP__PORT", "between 1 and 65535, got 0"),
        ({"CALLCENTER_HTTP__PORT": "70000"}, "http.port", "CALLCENTER_HTTP__PORT", "between 1 and 65535, got 70000"),
        ({"CALLCENTER_AMI__PORT": "0"}, "ami.port", "CALLCENTER_AMI__PORT", "between 1 and 65535"),
        ({"CALLCENTER_AGI__PORT": "70000"}, "agi.port", "CALLCENTER_AGI__PORT", "between 1 and 65535"),
        ({"CALLCENTER_TIMEZONE": "Mars/Olympus_Mons"}, "timezone", "CALLCENTER_TIMEZONE",
         "unknown timezone 'Mars/Olympus_Mons'"),
        ({"CALLCENTER_DB__URL": "mysql://cc@db/cc"}, "db.url", "CALLCENTER_DB__URL", "got scheme 'mysql'"),
        ({"CALLCENTER_AGI__HOST": "localhost"}, "agi.host", "CALLCENTER_AGI__HOST", "must be an IP address"),
    ],
)
def test_bad_field_value_names_setting_env_and_reason(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], dotted: str, env_name: str, why: str
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    msg = _error()
    assert f"setting {dotted} ({env_name})" in msg
    assert why in msg


def test_bad_rtp_range_names_section_and_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_ASTERISK__RTP_START", "20000")
    monkeypatch.setenv("CALLCENTER_ASTERISK__RTP_END", "20000")
    msg = _error()
    assert "setting asterisk" in msg
    assert "rtp_end (20000) must be greater than rtp_start (20000)" in msg


def test_several_bad_values_are_all_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_HTTP__PORT", "0")
    monkeypatch.setenv("CALLCENTER_TIMEZONE", "Nowhere/Special")
    msg = _error()
    assert "http.port (CALLCENTER_HTTP__PORT)" in msg
    assert "timezone (CALLCENTER_TIMEZONE)" in msg
    assert len(msg.splitlines()) == 3  # header + one line per wrong setting


def test_prod_without_ami_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_MODE", "prod")
    msg = _error(agents=PROD_AGENTS)
    assert "ami.secret" in msg
    assert "CALLCENTER_AMI__SECRET" in msg
    assert "required outside dev mode" in msg


# Cross-field checks: each case with the dotted name and reason that the message must contain.
CROSS_CHECKS: list[Any] = [
    pytest.param({"CALLCENTER_MODE": "prod", "CALLCENTER_AMI__SECRET": "change-me"},
                 {"agents": PROD_AGENTS}, "ami.secret", "CALLCENTER_AMI__SECRET", "placeholder or short secret",
                 id="prod-placeholder-secret"),
    pytest.param({"CALLCENTER_MODE": "prod", "CALLCENTER_AMI__SECRET": DEV_AMI_SECRET},
                 {"agents": PROD_AGENTS}, "ami.secret", "CALLCENTER_AMI__SECRET", "placeholder or short secret",
                 id="prod-dev-secret"),
    pytest.param({"CALLCENTER_MODE": "prod", "CALLCENTER_AMI__SECRET": "Sh0rt-pw"},
                 {"agents": PROD_AGENTS}, "ami.secret", "CALLCENTER_AMI__SECRET", "< 12 characters",
                 id="prod-short-secret"),
    pytest.param({"CALLCENTER_MODE": "prod", "CALLCENTER_AMI__SECRET": GOOD_SECRET},
                 {}, "agents", "CALLCENTER_AGENTS", "placeholder/short phone passwords",
                 id="prod-dev-agent-passwords"),
    pytest.param({"CALLCENTER_QUEUES": '[{"name": "support", "routing": "bosses_first"}]'},
                 {}, "queues.0.routing", "CALLCENTER_QUEUES", "'equal', 'seniors_first' or 'juniors_first'",
                 id="queue-unknown-routing"),
    pytest.param({"CALLCENTER_IVR__DEFAULT_QUEUE": "sales"},
                 {}, "ivr.default_queue", "CALLCENTER_IVR__DEFAULT_QUEUE", "'sales' is not one of the queues",
                 id="default-queue-not-a-queue"),
    pytest.param({"CALLCENTER_AMI__PORT": "8080"},
                 {}, "ami.port", "CALLCENTER_AMI__PORT", "port 8080 is also used by http.port",
                 id="ami-port-equals-http-port"),
    pytest.param({"CALLCENTER_HTTP__PORT": "4573"},
                 {}, "agi.port", "CALLCENTER_AGI__PORT", "port 4573 is also used by http.port",
                 id="http-port-equals-agi-port"),
]


@pytest.mark.parametrize(("env", "overrides", "dotted", "env_name", "why"), CROSS_CHECKS)
def test_cross_check_names_setting_env_variable_and_reason(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], overrides: dict[str, Any], dotted: str,
    env_name: str, why: str,
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    msg = _error(**overrides)
    assert f"setting {dotted} ({env_name})" in msg
    assert why in msg


def test_list_item_error_names_real_env_variable() -> None:
    msg = _error(agents=[{"extension": "abc", "password": "whatever-123"}])
    assert "agents.0.extension" in msg
    assert "CALLCENTER_AGENTS__EXTENSION" not in msg
    assert "CALLCENTER_AGENTS" in msg


def test_list_item_error_names_dotted_path_and_reason() -> None:
    msg = _error(agents=[{"extension": "abc", "password": "whatever-123"}])
    assert "setting agents.0.extension" in msg
    assert "agent extension must be digits, got 'abc'" in msg


def test_duplicate_ports_via_overrides() -> None:
    msg = _error(http={"port": 6000}, agi={"port": 6000})
    assert "agi.port (CALLCENTER_AGI__PORT): port 6000 is also used by http.port" in msg


def test_unknown_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    msg = _error(bogus=1)
    assert "setting bogus (CALLCENTER_BOGUS)" in msg


# ---- CALLCENTER_CONFIG TOML file ------------------------------------------------------------------------------

def test_toml_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = _write_toml(tmp_path / "cc.toml", 'timezone = "UTC"\n[http]\nport = 9999\n[ami]\nport = 6001\n')
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    s = load_settings()
    assert s.http.port == 9999
    assert s.http.host == "127.0.0.1"  # unset keys keep their defaults
    assert s.ami.port == 6001
    assert s.timezone == "UTC"


def test_env_beats_toml_and_combines_with_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = _write_toml(tmp_path / "cc.toml", '[http]\nport = 9999\nhost = "0.0.0.0"\n[ami]\nport = 6001\n')
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    monkeypatch.setenv("CALLCENTER_HTTP__PORT", "9100")
    monkeypatch.setenv("CALLCENTER_AMI__SECRET", "from-the-env")
    s = load_settings()
    assert s.http.port == 9100  # environment wins over the file for the same key
    assert s.http.host == "0.0.0.0"  # the file's other keys of the same section survive (deep merge)
    assert s.ami.port == 6001
    assert s.ami.secret == "from-the-env"
    # keyword overrides beat both
    assert load_settings(http={"port": 9200}).http.port == 9200


def test_toml_lists_of_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = _write_toml(
        tmp_path / "cc.toml",
        '[ivr]\ndefault_queue = "sales"\n'
        '[[agents]]\nextension = "2001"\npassword = "pw-2001-long"\nname = "Ann"\n'
        '[[queues]]\nname = "sales"\nrouting = "seniors_first"\ntimeout_seconds = 60\n',
    )
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    s = load_settings()
    assert [(a.extension, a.name) for a in s.agents] == [("2001", "Ann")]
    assert s.queue_names == ["sales"]
    assert s.queues[0].timeout_seconds == 60
    assert s.ivr.default_queue == "sales"


def test_bad_value_in_toml_names_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = _write_toml(tmp_path / "cc.toml", "[http]\nport = 0\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    msg = _error()
    assert "setting http.port (CALLCENTER_HTTP__PORT)" in msg
    assert "got 0" in msg


def test_missing_config_file_names_callcenter_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("CALLCENTER_CONFIG", str(missing))
    msg = _error()
    assert "CALLCENTER_CONFIG" in msg
    assert str(missing) in msg
    assert "does not exist" in msg


def test_config_pointing_at_a_directory_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALLCENTER_CONFIG", str(tmp_path))
    assert "CALLCENTER_CONFIG" in _error()


def test_malformed_toml_is_a_settings_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = _write_toml(tmp_path / "cc.toml", "[http\nport = 1\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    msg = _error()
    assert "CALLCENTER_CONFIG" in msg


# ---- CLI ---------------------------------------------------------------------------------------------------

def test_cli_check_config_ok(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CALLCENTER_HTTP__PORT", "9090")
    assert cli_main(["check-config"]) == 0
    out, err = capsys.readouterr()
    assert "settings ok" in out
    assert err == ""


def test_cli_check_config_bad_setting(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CALLCENTER_AGI__PORT", "0")
    assert cli_main(["check-config"]) == 2
    out, err = capsys.readouterr()
    assert "settings ok" not in out
    assert "agi.port" in err
    assert "CALLCENTER_AGI__PORT" in err


def test_cli_config_option_missing_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.toml"
    # cli writes os.environ["CALLCENTER_CONFIG"] itself; set it through monkeypatch first so it is undone
    monkeypatch.setenv("CALLCENTER_CONFIG", str(missing))
    assert cli_main(["--config", str(missing), "check-config"]) == 2
    assert "CALLCENTER_CONFIG" in capsys.readouterr().err


def test_cli_config_option_reads_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cfg = _write_toml(tmp_path / "cc.toml", "[http]\nport = 0\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(tmp_path / "other.toml"))
    assert cli_main(["--config", str(cfg), "check-config"]) == 2
    assert "http.port (CALLCENTER_HTTP__PORT)" in capsys.readouterr().err


@pytest.mark.parametrize(("wallboard", "expected"), [
    ({"shifts": [{"name": "day", "start": "25:00"}]}, "setting wallboard.shifts.0.start"),
    ({"shifts": [{"name": "day", "start": "8:00"}]}, "shift start must be HH:MM"),
    ({"shifts": []}, "setting wallboard.shifts"),
    ({"shifts": [{"name": "a", "start": "08:00"}, {"name": "b", "start": "08:00"}]}, "start at the same time"),
    # one setting per rule: the away thresholds are seat discipline's, the older wallboard names are refused
    ({"away_warning_minutes": 25}, "set seat.away_warning_minutes (CALLCENTER_SEAT__AWAY_WARNING_MINUTES) instead"),
    ({"push_interval_ms": 10}, "setting wallboard.push_interval_ms"),
])
def test_bad_wallboard_settings_are_named(wallboard: dict[str, Any], expected: str) -> None:
    assert expected in _error(wallboard=wallboard)


def test_the_away_thresholds_are_seat_disciplines_only(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert "seat.away_warning_minutes must not be more than away_violation_minutes" in _error(
        seat={"away_warning_minutes": 25})
    assert not hasattr(load_settings().wallboard, "away_warning_minutes")
    # an environment or a config file still setting the wallboard's older names: start-up is refused, naming the new
    monkeypatch.setenv("CALLCENTER_WALLBOARD__AWAY_WARNING_MINUTES", "10")
    assert ("wallboard.away_warning_minutes (CALLCENTER_WALLBOARD__AWAY_WARNING_MINUTES) is no longer a setting: "
            "set seat.away_warning_minutes (CALLCENTER_SEAT__AWAY_WARNING_MINUTES) instead") in _error()
    monkeypatch.delenv("CALLCENTER_WALLBOARD__AWAY_WARNING_MINUTES")
    cfg = _write_toml(tmp_path / "cc.toml", "[wallboard]\naway_violation_minutes = 30\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    assert cli_main(["check-config"]) == 2
    assert "set seat.away_violation_minutes (CALLCENTER_SEAT__AWAY_VIOLATION_MINUTES) instead" in \
        capsys.readouterr().err


def test_wallboard_shifts_from_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = _write_toml(tmp_path / "cc.toml", '[wallboard]\nshifts = [{name = "early", start = "06:30"}, '
                                            '{name = "late", start = "14:30"}]\n[seat]\naway_violation_minutes = 30\n')
    monkeypatch.setenv("CALLCENTER_CONFIG", str(cfg))
    s = load_settings()
    assert [(x.name, x.start) for x in s.wallboard.shifts] == [("early", "06:30"), ("late", "14:30")]
    assert s.seat.away_violation_minutes == 30


# ---- recording transcoding ---------------------------------------------------------------------------------

def test_recording_transcode_defaults_and_values() -> None:
    s = load_settings()
    assert (s.recording.transcode, s.recording.transcode_bitrate) == ("", "32k")  # wav kept by default
    s = load_settings(recording={"transcode": "MP3", "transcode_bitrate": "48K"})
    assert (s.recording.transcode, s.recording.transcode_bitrate) == ("mp3", "48k")
    assert load_settings(recording={"transcode": "ogg"}).recording.transcode == "ogg"


@pytest.mark.parametrize(("recording", "expected"), [
    ({"transcode": "flac"}, 'setting recording.transcode (CALLCENTER_RECORDING__TRANSCODE): must be "" (keep wav), '
                            "\"mp3\" or \"ogg\", got 'flac'"),
    ({"transcode_bitrate": "fast"}, "setting recording.transcode_bitrate (CALLCENTER_RECORDING__TRANSCODE_BITRATE): "
                                    'must be a bitrate in kbit/s between 8k and 320k such as "32k"'),
    ({"transcode_bitrate": "1000k"}, "setting recording.transcode_bitrate"),
    ({"transcode_bitrate": "4k"}, "setting recording.transcode_bitrate"),
])
def test_bad_recording_transcode_settings_are_named(recording: dict[str, Any], expected: str) -> None:
    assert expected in _error(recording=recording)


def test_recording_transcode_from_env_without_ffmpeg_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("CALLCENTER_RECORDING__TRANSCODE", "mp3")
    assert load_settings().recording.transcode == "mp3"
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg
    msg = _error()
    assert "setting recording.transcode (CALLCENTER_RECORDING__TRANSCODE): transcoding to mp3 needs ffmpeg" in msg
    monkeypatch.delenv("CALLCENTER_RECORDING__TRANSCODE")
    assert load_settings().recording.transcode == ""  # keeping wav needs no ffmpeg
