"""Outside numbers (issue 15, part 7): the settings refuse a bad entry at start-up, naming it; an entry matches a
number exactly as Asterisk's pattern would; nothing is allowed by default."""

from __future__ import annotations

import os

import pytest

from callcenter.outside_numbers import OutsideNumbersSettings, OutsideUse, matches, normalise
from callcenter.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)


def test_nothing_is_allowed_by_default() -> None:
    s = load_settings()
    assert s.outside_numbers == OutsideNumbersSettings()
    for use in (s.outside_numbers.transfer, s.outside_numbers.ivr):
        assert use.allowed == [] and use.caller_id == ""
        assert not use.allows("13800138000")


def test_entries_and_caller_ids_from_settings() -> None:
    s = load_settings(outside_numbers={"transfer": {"allowed": ["138XXXXXXXX", "13900139000"], "caller_id": "4000"},
                                       "ivr": {"allowed": ["XXX"], "caller_id": "01012345678"}})
    assert s.outside_numbers.transfer.allowed == ["138XXXXXXXX", "13900139000"]
    assert s.outside_numbers.transfer.caller_id == "4000"
    assert s.outside_numbers.ivr.allows("110") and not s.outside_numbers.transfer.allows("110")


def test_entries_from_the_environment_as_a_list_or_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_OUTSIDE_NUMBERS__TRANSFER__ALLOWED", "138XXXXXXXX, 13900139000")
    monkeypatch.setenv("CALLCENTER_OUTSIDE_NUMBERS__TRANSFER__CALLER_ID", "4000")
    monkeypatch.setenv("CALLCENTER_OUTSIDE_NUMBERS__IVR__ALLOWED", '["10086"]')
    monkeypatch.setenv("CALLCENTER_OUTSIDE_NUMBERS__IVR__CALLER_ID", "4001")
    s = load_settings()
    assert s.outside_numbers.transfer.allowed == ["138XXXXXXXX", "13900139000"]
    assert s.outside_numbers.ivr.allowed == ["10086"] and s.outside_numbers.ivr.caller_id == "4001"


@pytest.mark.parametrize(("use", "bad", "named"), [
    ("transfer", {"allowed": ["138x"], "caller_id": "4000"}, "entry '138x' must be 3-20 characters"),
    ("transfer", {"allowed": ["12"], "caller_id": "4000"}, "entry '12' must be 3-20 characters"),
    ("ivr", {"allowed": ["1" * 21], "caller_id": "4000"}, f"entry '{'1' * 21}' must be 3-20"),
    ("ivr", {"allowed": ["_138XXXXXXXX"], "caller_id": "4000"}, "entry '_138XXXXXXXX'"),  # no Asterisk syntax
    ("ivr", {"allowed": ["138."], "caller_id": "4000"}, "entry '138.'"),
    ("ivr", {"allowed": ["1[3-9]XXXXXXXXX"], "caller_id": "4000"}, "entry '1[3-9]XXXXXXXXX'"),
    ("ivr", {"allowed": ["+8613800138000"], "caller_id": "4000"}, "entry '+8613800138000'"),
    ("ivr", {"allowed": ["138 0013 8000"], "caller_id": "4000"}, "entry '138 0013 8000'"),
    ("transfer", {"allowed": ["1380013800&Local/x@cc-spy"], "caller_id": "4000"}, "entry '1380013800&Local"),
    ("transfer", {"allowed": ["13800138000", "13800138000"], "caller_id": "4000"},
     "entry '13800138000' is listed twice"),
    ("transfer", {"allowed": ["13800138000"]}, "caller_id: required when numbers are allowed"),
    ("transfer", {"allowed": ["13800138000"], "caller_id": "40 00"}, "must be 1-20 digits"),
    ("ivr", {"caller_id": "4000,tT"}, "must be 1-20 digits"),
    ("ivr", {"allowed": ["13800138000"], "caller_id": "4000", "numbers": ["1"]}, "Extra inputs are not permitted"),
])
def test_a_bad_entry_is_refused_at_start_up_naming_the_setting_and_the_entry(use: str, bad: dict[str, object],
                                                                            named: str) -> None:
    with pytest.raises(SettingsError) as ei:
        load_settings(outside_numbers={use: bad})
    text = str(ei.value)
    assert f"setting outside_numbers.{use}" in text and named in text, text


def test_an_unknown_use_is_refused() -> None:
    with pytest.raises(SettingsError, match="outside_numbers.conference"):
        load_settings(outside_numbers={"conference": {"allowed": ["110"], "caller_id": "1"}})


@pytest.mark.parametrize(("entry", "number", "hit"), [
    ("13800138000", "13800138000", True),
    ("13800138000", "13800138001", False),
    ("138XXXXXXXX", "13812345678", True),
    ("138XXXXXXXX", "13912345678", False),
    ("138XXXXXXXX", "1381234567", False),  # one digit short: a pattern has one length
    ("138XXXXXXXX", "138123456789", False),  # one too many
    ("XXX", "110", True),
    ("1X0", "1a0", False),  # X is a digit only
    ("010XXXXXXXX", "01012345678", True),
])
def test_an_entry_matches_as_asterisks_pattern_does(entry: str, number: str, hit: bool) -> None:
    assert matches(entry, number) is hit
    use = OutsideUse(allowed=[entry], caller_id="4000")
    assert use.allows(number) is hit and (use.entry_for(number) == entry) is hit


def test_only_digits_are_ever_allowed() -> None:
    use = OutsideUse(allowed=["XXX", "138XXXXXXXX"], caller_id="4000")
    for number in ("", "11", "1a0", "13812345678&Local/x", "13812345678,tT", "+8613812345678", "138 1234 5678"):
        assert not use.allows(number), number


@pytest.mark.parametrize(("typed", "digits"), [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("+86 138-0013-8000", "8613800138000"),
    ("(010) 1234 5678", "01012345678"), ("110", "110"),
    ("11", None), ("1" * 21, None), ("138a0013800", None), ("1380013800&x", None), ("", None), ("+ -", None),
])
def test_a_typed_number_is_its_digits(typed: str, digits: str | None) -> None:
    assert normalise(typed) == digits
