"""The shifts page in a real browser against the real service: a supervisor opens shifts.html from the home page and
puts an agent on tomorrow's day shift (with a seat); the week view shows both agents of that shift. The agent, in
another browser context, sees the entry under "My shifts", is refused leave on the public holiday with the rule named
in words, then asks for leave for the rostered shift, which shows as pending. The supervisor's first approval is
refused (no approver position: the required level is named); once the admin has made them department head over the
API, the approval goes through; the agent sees it approved; the attendance sheet of that day shows the approved leave;
the month's violations report lists the agent, and its CSV link downloads a CSV with its header row.

Runs `python -m callcenter up` as the README does (no calls: nothing here needs SIPp) and Chromium headless through
Playwright. Everything the test sets up goes through the HTTP API. Screenshot: test-artifacts/shifts.png.

One database (tests/browser/helpers.py, on_one_database): what is checked is the page's flow across two
users; rosters, leave, approvals, attendance and the report's rows are checked on both databases by the unit tier
(test_shifts_api.py, test_shifts_attendance.py, test_shifts_rules.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import ADMIN, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env
from tests.i18n_catalogue import i18n_keys

pytestmark = [pytest.mark.asterisk, pytest.mark.db, pytest.mark.browser]

LEAD = ("lead6", "lead6-password")
CHIEF = ("chief6", "chief6-password")  # an admin: approver positions, the template and the holiday
AGENT = ("agent61", "agent61-password")
OTHER = ("agent62", "agent62-password")
CSV_HEADER = ("month,username,shifts,late_count,late_minutes,away_count,away_minutes,absence_count,"
              "early_leave_count,early_leave_minutes,left_before_relief_count,early_arrival_count,violations,"
              "unapproved_absence_count,sick_leave_count")


def _log_in(page: Page, base: str, user: tuple[str, str]) -> None:
    """Log in on the home page (in English) and open the shifts page from its link."""
    sign_in(page, base, user, "link-shifts")
    page.wait_for_url("**/ui/shifts.html*")


@on_one_database
def test_a_lead_rosters_an_agent_whose_leave_is_approved_and_reported(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        clients: list[httpx.Client] = []
        try:
            up.wait_healthy(base)
            admin = api_as(base, ADMIN)
            clients.append(admin)
            for (name, password), roles in ((LEAD, ["supervisor"]), (CHIEF, ["admin"]), (AGENT, ["agent"]),
                                            (OTHER, ["agent"])):
                ok(admin.post("/api/admin/users", json={"username": name, "password": password,
                                                         "display_name": name.title(), "roles": roles}))
            chief = api_as(base, CHIEF)
            clients.append(chief)
            tpl = ok(chief.post("/api/shifts/templates", json={"name": "day", "start": "09:00", "end": "17:00"}))
            today = datetime.now(ZoneInfo(s.timezone)).date()
            day, holiday = today + timedelta(days=1), today + timedelta(days=3)
            month = day.strftime("%Y-%m")
            ok(chief.post("/api/shifts/holidays", json={"day": holiday.isoformat(), "name": "Harbour Day"}))
            seat, spare = s.agents[0].extension, s.agents[1].extension
            ok(chief.post("/api/shifts/roster", json={"day": day.isoformat(), "template_id": tpl["id"],
                                                        "username": OTHER[0], "seat": spare}))

            with chromium_page(page_errors, "shifts-failure.png") as page:
                # the supervisor: the roster tab opens first; put the agent on tomorrow's day shift
                _log_in(page, base, LEAD)
                expect(page.get_by_test_id("shifts-tab-roster")).to_have_attribute("aria-selected", "true")
                expect(page.get_by_test_id("shifts-tab-mine")).to_be_visible()  # a team lead has their own shifts too
                page.get_by_test_id("shifts-roster-day").fill(day.isoformat())
                page.get_by_test_id("shifts-roster-template").select_option(str(tpl["id"]))
                page.get_by_test_id("shifts-roster-username").fill(AGENT[0])
                page.get_by_test_id("shifts-roster-seat").fill(seat)
                page.get_by_test_id("shifts-roster-add").click()
                expect(page.get_by_test_id("shifts-roster-form-status")).to_contain_text(f"{AGENT[0]} is on {day}")
                cell = page.get_by_test_id(f"shifts-cell-{day}-{tpl['id']}")
                chip = cell.locator(f"[data-username='{AGENT[0]}']")
                expect(chip).to_contain_text(f"seat {seat}")
                expect(cell.locator(f"[data-username='{OTHER[0]}']")).to_contain_text(f"seat {spare}")
                entry_id = chip.get_attribute("data-id")
                assert entry_id and [e["id"] for e in ok(chief.get("/api/shifts/roster", params={
                    "from": day.isoformat(), "to": day.isoformat(), "username": AGENT[0]}))] == [int(entry_id)]

                # the agent, in another browser context: "My shifts"; leave on the holiday is refused by name
                browser = page.context.browser
                assert browser is not None
                agent_context = browser.new_context(viewport={"width": 1440, "height": 1000})
                desk = agent_context.new_page()
                desk.set_default_timeout(10_000)
                desk.on("pageerror", lambda e: page_errors.append(f"agent: {e}"))
                _log_in(desk, base, AGENT)
                expect(desk.get_by_test_id("shifts-tab-mine")).to_have_attribute("aria-selected", "true")
                expect(desk.get_by_test_id("shifts-tab-roster")).to_be_hidden()
                mine = desk.get_by_test_id(f"shifts-my-entry-{entry_id}")
                expect(mine).to_contain_text(f"#{entry_id}")
                expect(mine).to_contain_text(seat)
                desk.get_by_test_id("shifts-leave-start").fill(holiday.isoformat())
                desk.get_by_test_id("shifts-leave-submit").click()
                refusal = desk.get_by_test_id("shifts-leave-form-status")
                expect(refusal).to_have_attribute("data-rule", "leave_holiday_not_exceptional")
                expect(refusal).to_contain_text("Refused: leave on a public holiday is for exceptional cases only")

                # the real request: leave for the rostered shift, from the entry's own button; it is pending
                desk.get_by_test_id(f"shifts-my-leave-btn-{entry_id}").click()
                expect(desk.get_by_test_id("shifts-leave-start")).to_have_value(day.isoformat())
                desk.get_by_test_id("shifts-leave-reason").fill("Family matter")
                desk.get_by_test_id("shifts-leave-submit").click()
                expect(desk.get_by_test_id("shifts-leave-form-status")).to_contain_text("a department head decides it")
                my_leave = desk.locator("[data-testid^=shifts-my-leave-row-]")
                expect(my_leave).to_have_count(1)
                expect(my_leave).to_have_attribute("data-status", "pending")
                leave_id = my_leave.get_attribute("data-id")
                expect(mine).to_contain_text("leave: Pending")

                # the supervisor decides: refused for want of an approver position, then approved as department head
                page.get_by_test_id("shifts-tab-requests").click()
                row = page.get_by_test_id(f"shifts-leave-row-{leave_id}")
                expect(row).to_have_attribute("data-status", "pending")
                expect(row).to_contain_text("department head")
                page.get_by_test_id(f"shifts-leave-note-{leave_id}").fill("Covered by agent62")
                page.get_by_test_id(f"shifts-leave-approve-{leave_id}").click()
                error = page.get_by_test_id(f"shifts-leave-error-{leave_id}")
                expect(error).to_have_attribute("data-rule", "leave_approver_level")
                expect(error).to_have_text("Approver position too low: this request needs a department head or "
                                           "higher; your position: no approver position.")
                ok(chief.put(f"/api/shifts/approvers/{LEAD[0]}", json={"position": "department_head"}))
                page.get_by_test_id(f"shifts-leave-approve-{leave_id}").click()
                expect(page.get_by_test_id("shifts-requests-status")).to_have_text(
                    f"Leave request #{leave_id} of {AGENT[0]} approved.")
                expect(row).to_have_count(0)  # no longer pending
                expect(page.get_by_test_id("shifts-my-position")).to_have_text(
                    "Your approver position: department head")
                page.get_by_test_id("shifts-requests-filter").select_option("approved")
                expect(row).to_have_attribute("data-status", "approved")
                expect(row).to_contain_text(f"by {LEAD[0]}")
                expect(row).to_contain_text("Covered by agent62")

                # the agent sees it approved
                desk.get_by_test_id("shifts-my-refresh").click()
                expect(desk.get_by_test_id(f"shifts-my-leave-status-{leave_id}")).to_have_attribute(
                    "data-status", "approved")
                expect(mine).to_contain_text("leave: Approved")
                agent_context.close()

                # the week view marks the leave on the agent's entry
                page.get_by_test_id("shifts-tab-roster").click()
                expect(chip.locator("[data-kind=leave]")).to_have_attribute("data-status", "approved")

                # the attendance sheet of that day shows the approved leave
                page.get_by_test_id("shifts-tab-attendance").click()
                page.get_by_test_id("shifts-att-day").fill(day.isoformat())
                sheet_row = page.get_by_test_id(f"shifts-att-row-{entry_id}")
                expect(sheet_row.locator("[data-kind=leave]")).to_have_attribute("data-status", "approved")
                expect(page.get_by_test_id("shifts-att-csv")).to_have_attribute(
                    "href", f"/api/shifts/attendance?day={day}&format=csv")

                # the month's violations report lists the agent; its CSV has the header row
                page.get_by_test_id("shifts-tab-report").click()
                if page.get_by_test_id("shifts-report-month").input_value() != month:
                    page.get_by_test_id("shifts-report-month").fill(month)
                expect(page.get_by_test_id("shifts-report-title")).to_contain_text(f"Violations {month}")
                report_row = page.get_by_test_id(f"shifts-report-row-{AGENT[0]}")
                expect(report_row.locator("[data-col=shifts]")).to_have_text("1")
                expect(report_row).to_have_attribute("data-violations", "0")
                expect(page.get_by_test_id(f"shifts-report-row-{OTHER[0]}")).to_be_visible()
                page.screenshot(path=str(ARTIFACTS / "shifts.png"), full_page=True)
                csv_url = page.get_by_test_id("shifts-report-csv").get_attribute("href")
                assert csv_url == f"/api/shifts/reports/violations?month={month}&format=csv"
                csv = page.request.get(f"{base}{csv_url}")
                assert csv.ok and csv.headers["content-type"].startswith("text/csv"), csv.headers
                lines = csv.text().lstrip("\ufeff").splitlines()
                assert lines[0] == CSV_HEADER, lines
                assert any(re.match(rf"{month},{AGENT[0]},1,", line) for line in lines[1:]), lines

            leave = ok(chief.get("/api/shifts/leave", params={"username": AGENT[0]}))
            assert [(x["id"], x["status"], x["decided_by"], x["required_level"]) for x in leave] == [
                (int(leave_id), "approved", LEAD[0], "department_head")], leave
            assert page_errors == [], page_errors
        finally:
            for c in clients:
                c.close()


def test_every_shifts_text_the_page_uses_exists_in_both_languages_i18n() -> None:
    """Every shifts.* key the page uses (the families it builds by name too: rule codes, statuses, positions, levels,
    finding kinds, handover fields, column heads) is in zh-CN and English, and the two languages have the same
    shifts.* and home.shifts* keys."""
    ui = Path(__file__).resolve().parents[2] / "agent_ui" / "static"
    keys = i18n_keys()
    used: set[str] = set()
    panels = sorted(f"js/shifts/{p.name}" for p in (ui / "js" / "shifts").glob("*.js"))  # the page's modules
    for f in ("shifts.html", "js/shifts.js", "js/index.js", *panels):
        used |= set(re.findall(r'["`]((?:shifts\.|home\.shifts)[a-z_.]*)["`]', (ui / f).read_text(encoding="utf-8")))
    families = {
        "rule": ["swap_shift_started", "swap_public_holiday", "swap_job_mismatch", "swap_skill_mismatch",
                 "swap_leave_in_shift", "swap_monthly_limit", "swap_consecutive", "swap_overlap", "swap_same_approver",
                 "swap_back_to_back", "sick_leave_certificate", "sick_leave_not_phoned_in", "sick_leave_too_old",
                 "leave_in_past", "leave_holiday_not_exceptional", "leave_holiday_notice", "leave_night_after_noon",
                 "leave_in_swapped_shift", "leave_approver_level", "overlapping_assignment"],
        "status": ["pending", "approved", "rejected", "cancelled"],
        "position": ["team_lead", "department_head", "centre_director", "none"],
        "level": ["junior", "intermediate", "senior"],
        "kind": ["late", "late_open", "absence", "early_leave", "left_before_relief", "early_arrival", "sick_leave"],
        "side": ["requester", "counterpart"],
        "ho": ["equipment", "difficult_cases", "staffing", "notices"],
        "tab": ["roster", "templates", "attendance", "report", "handover", "requests", "approvers", "mine", "myatt"],
        "rcol": ["username", "shifts", "late_count", "late_minutes", "away_count", "away_minutes", "absence_count",
                 "early_leave_count", "early_leave_minutes", "left_before_relief_count", "early_arrival_count",
                 "violations", "unapproved_absence_count", "sick_leave_count"],
        "acol": ["agent", "shift", "seat", "first_login", "last_logout", "markers", "leave"],
        "tcol": ["name", "start", "end", "kind", "job", "level", "active"],
        "lcol": ["id", "agent", "days", "shift", "reason", "level", "status", "requested", "decision", "actions"],
        "scol": ["id", "requester", "counterpart", "reason", "approvals", "status", "requested", "actions"],
        "mcol": ["id", "day", "shift", "seat", "job", "notes", "actions"],
        "wcol": ["id", "mine", "theirs", "reason", "approvals", "status", "actions"],
        "ycol": ["day", "shift", "kind", "minutes", "at", "seat", "detail"],
    }
    used = {k for k in used if not k.endswith(".") and k != "shifts.html"}  # not the families' prefixes, the page
    used |= {f"shifts.{family}.{v}" for family, values in families.items() for v in values}
    for lang, have in keys.items():
        assert not used - have, (lang, sorted(used - have))
    ours = [{k for k in keys[lang] if k.startswith(("shifts.", "home.shifts"))} for lang in ("zh-CN", "en")]
    assert ours[0] == ours[1], sorted(ours[0] ^ ours[1])
    # the refusals docs/shifts.md names are all translated
    doc = (Path(__file__).resolve().parents[2] / "docs" / "shifts.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:swap|sick_leave|leave)_[a-z_]+)`", doc)) - {"swap_id", "leave_requests",
                                                                           "sick_leave_backdate_days"}  # rules
    assert named == set(families["rule"]) - {"overlapping_assignment"}, sorted(named ^ set(families["rule"]))
