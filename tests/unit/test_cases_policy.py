"""The cases' workflow policy (settings.case_policy) and the report files' names: pure checks, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from callcenter.cases.attachments import clean_name, extension
from callcenter.cases.policy import CasePolicySettings
from callcenter.settings import SettingsError, load_settings


@pytest.mark.parametrize(("raw", "clean"), [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\x\\调查报告.docx", "调查报告.docx"),
    (".hidden.png", "hidden.png"),
    ("a\x00b\r\nc.pdf", "abc.pdf"),
    ("<script>alert(1)</script>.txt", "script_.txt"),  # the last path part only
    ("<img src=x onerror=alert(1)>.txt", "img src_x onerror_alert(1)_.txt"),
    ("rm -rf $HOME; `id`.pdf", "rm -rf _HOME_ _id_.pdf"),
    ("  many    spaces .pdf ", "many spaces .pdf"),
    ("...", ""),
    ("x" * 300 + ".pdf", "x" * 124 + ".pdf"),
    ("e\u0301t\u00e9.pdf", "\u00e9t\u00e9.pdf"),  # NFC
])
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean
    assert len(clean_name(raw)) <= 128


def test_the_extension_is_the_last_part_in_lower_case() -> None:
    assert (extension("A.B.PDF"), extension("noext"), extension("x.")) == ("pdf", "", "")


def test_settlement_approvers_and_causes() -> None:
    p = CasePolicySettings()
    assert p.approver_for(Decimal("500")) is None  # "above": 500 itself needs nobody
    assert p.approver_for(Decimal("500.01")) == "department_head"
    assert p.approver_for(Decimal("5000.01")) == "centre_director"
    assert p.cause_class_of("attitude") == "quality" and p.cause_class_of("billing") == "non_quality"
    assert p.cause_class_of("nonsense") is None
    # the table is taken in any order
    p = CasePolicySettings(settlement_thresholds=[{"above": 100, "position": "centre_director"},
                                                  {"above": 0, "position": "team_lead"}])
    assert (p.approver_for(Decimal("50")), p.approver_for(Decimal("101"))) == ("team_lead", "centre_director")


@pytest.mark.parametrize(("policy", "problem"), [
    ({"serious_review_position": "ceo"}, "serious_review_position must be one of"),
    ({"settlement_thresholds": [{"above": 10, "position": "boss"}]}, "position must be one of"),
    ({"settlement_thresholds": [{"above": -1, "position": "team_lead"}]}, "greater than or equal to 0"),
    ({"causes": {"other": ["x"]}}, "cause classes are quality and non_quality"),
    ({"file_types": ["p df"]}, "file types are extensions"),
    ({"file_max_bytes": 10}, "greater than or equal to 1024"),
])
def test_bad_policy_settings_are_named(policy: dict[str, object], problem: str) -> None:
    with pytest.raises(SettingsError) as e:
        load_settings(case_policy=policy)
    assert "case_policy" in str(e.value) and problem in str(e.value)


def test_file_types_are_lower_case_without_dots() -> None:
    assert CasePolicySettings(file_types=[".PDF", "Png"]).file_types == ["pdf", "png"]
