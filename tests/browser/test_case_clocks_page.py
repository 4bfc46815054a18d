"""The cases page's clocks in a real browser against the real stack: a complaint whose dispatch clock is short
(``CALLCENTER_CASES__COMPLAINT__DISPATCH_MINUTES`` 0.4, no warning, the checker every second) shows its time
left counting down in the list and the detail, and turns overdue on the page without a reload; the breach
escalates to the team lead (level 1 at the breach), so the supervisor's page gets the notice over /ws/cases and
the case's timeline the clock event; the clock filter (kept in the address) lists it and not the suggestion
still running; a case waiting for the customer shows its report and closure clocks stopped; two complaints of
one cause (the incident threshold set to 2) notify the supervisor; the board page shows the case's alert with its
number and the incident with the list; the page and the board in Chinese. And a
case's linked call: the supervisor plays its recording in the page's player, a call without one says so, a
handler (an agent, not allowed to hear it) is told so plainly, in both languages.

Runs `python -m callcenter up` without a managed Asterisk (the cases come from letters, over the API as a
supervisor would enter them), and Chromium headless through Playwright. Screenshot: test-artifacts/case-clocks.png,
case-clocks-failure.png on failure.
"""

from __future__ import annotations

import array
import asyncio
import hashlib
import math
import re
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from callcenter.db import make_engine, make_sessionmaker
from callcenter.recordings.repository import RecordingRepository
from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok

SUPERVISOR = ("sup9", "sup9-password")
DISPATCH_SECONDS = 24  # 0.4 minutes

# the time left as the page writes it: mm:ss (or h:mm:ss)
LEFT = re.compile(r"(\d+:)?(\d\d):(\d\d)")


def _seconds(text: str) -> int:
    m = LEFT.search(text)
    assert m, text
    return int((m.group(1) or "0:")[:-1]) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


@pytest.mark.db
@pytest.mark.browser
def test_a_short_dispatch_clock_counts_down_and_turns_overdue_on_the_page(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false",
                    CALLCENTER_CASES__COMPLAINT__DISPATCH_MINUTES=str(DISPATCH_SECONDS / 60),
                    CALLCENTER_CASES__COMPLAINT__DISPATCH_WARNING_MINUTES="0",
                    CALLCENTER_CASES__CHECK_INTERVAL_SECONDS="1",
                    CALLCENTER_CASES__INCIDENT_COMPLAINTS="2")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Nine", ["supervisor"])
        with api_as(base, SUPERVISOR) as sup_api:
            idea = ok(sup_api.post("/api/cases", json={"type": "suggestion", "description": "Longer hours."}))
            late = ok(sup_api.post("/api/cases", json={"type": "complaint",
                                                       "description": "Letter: nobody called back."}))
        number, other = late["number"], idea["number"]
        dispatch = next(k for k in late["clocks"] if k["clock"] == "dispatch")
        assert dispatch["status"] == "running" and 0 < dispatch["remaining_seconds"] <= DISPATCH_SECONDS, dispatch

        with chromium_page(page_errors, "case-clocks-failure.png") as page:
            sign_in(page, base, SUPERVISOR, "link-cases")
            page.wait_for_url("**/ui/cases.html*")
            cell = page.get_by_test_id(f"case-clock-{number}")
            expect(cell).to_have_attribute("data-status", "running")
            expect(cell).to_have_attribute("data-clock", "dispatch")
            expect(cell).to_contain_text("Dispatch")
            expect(cell).to_contain_text("left")
            expect(page.get_by_test_id(f"case-clock-{other}")).to_have_attribute("data-status", "running")
            page.evaluate("window.ccNoReload = true")  # gone if the page were loaded again

            # the detail: one row per clock, the dispatch clock counting down every second
            page.get_by_test_id(f"case-link-{number}").click()
            row = page.get_by_test_id("case-clock-row-dispatch")
            expect(row).to_have_attribute("data-status", "running")
            left = page.get_by_test_id("case-clock-left-dispatch")
            first = _seconds(left.inner_text())
            assert 0 < first <= DISPATCH_SECONDS, left.inner_text()
            page.wait_for_timeout(2500)
            later = _seconds(left.inner_text())
            assert first - 4 <= later < first, (first, later)
            expect(page.get_by_test_id("case-clock-row-report")).to_have_attribute("data-status", "running")
            expect(page.get_by_test_id("case-clock-row-close")).to_have_attribute("data-status", "running")

            # the deadline passes: overdue in the list and the detail, without a reload
            expect(cell).to_have_attribute("data-status", "breached", timeout=(DISPATCH_SECONDS + 15) * 1000)
            expect(cell).to_contain_text("overdue by")
            expect(row).to_have_attribute("data-status", "breached")
            expect(left).to_contain_text("overdue by")
            # the server's breach and escalation: the team lead (this supervisor) is told, the timeline says so
            notice = page.get_by_test_id("cases-notices").get_by_test_id("cases-notice")
            expect(notice.first).to_have_attribute("data-number", number, timeout=15000)
            expect(notice.first).to_contain_text(number)
            expect(page.get_by_test_id("case-clock-esc-dispatch")).to_contain_text("team lead", timeout=15000)
            events = page.get_by_test_id("cases-timeline").get_by_test_id("cases-event")
            expect(events.filter(has_text="Dispatch clock: overdue")).to_have_count(1)
            expect(cell).to_contain_text("↑1")
            assert page.evaluate("window.ccNoReload === true")
            expect(left).not_to_have_text("overdue by 00:00", timeout=3000)  # and the overdue time goes on
            page.screenshot(path=str(ARTIFACTS / "case-clocks.png"), full_page=True)

            # the clock filter, kept in the address
            page.get_by_test_id("cases-filter-clock").select_option("breached")
            expect(page.get_by_test_id(f"case-row-{other}")).to_have_count(0)
            expect(page.get_by_test_id(f"case-row-{number}")).to_be_visible()
            assert "clock=breached" in page.url, page.url
            page.get_by_test_id("cases-filter-clock").select_option("running")
            expect(page.get_by_test_id(f"case-row-{other}")).to_be_visible()
            # (the complaint's report and closure clocks still run: it is listed as running too)
            page.goto(f"{base}/ui/cases.html?clock=breached")
            expect(page.get_by_test_id("cases-filter-clock")).to_have_value("breached")
            # a page opened after the escalation still shows it, once (read back: GET /api/cases/notices)
            again = page.get_by_test_id("cases-notices").locator(f"[data-testid=cases-notice][data-number='{number}']")
            expect(again).to_have_count(1)
            expect(again).to_contain_text("team lead")
            expect(page.get_by_test_id(f"case-row-{number}")).to_be_visible()
            expect(page.get_by_test_id(f"case-row-{other}")).to_have_count(0)

            # the suggestion waits for the customer: its report and closure clocks stand still and say so (pushed)
            page.goto(f"{base}/ui/cases.html#case-{other}")
            expect(page.get_by_test_id("case-clock-row-report")).to_have_attribute("data-status", "running")
            with api_as(base, SUPERVISOR) as sup_api:
                ok(sup_api.post(f"/api/cases/{other}/pause", json={"version": idea["version"], "note": "asked"}))
            report = page.get_by_test_id("case-clock-row-report")
            expect(report).to_have_attribute("data-status", "paused")
            expect(report).to_contain_text("waiting for the customer")
            frozen = page.get_by_test_id("case-clock-left-report").inner_text()
            page.wait_for_timeout(1500)
            expect(page.get_by_test_id("case-clock-left-report")).to_have_text(frozen)
            expect(page.get_by_test_id("case-clock-row-dispatch")).to_have_attribute("data-status", "running")

            # an incident (two complaints of one cause here): the duty manager (unset: the supervisors) is told
            with api_as(base, SUPERVISOR) as sup_api:
                burst = [ok(sup_api.post("/api/cases", json={"type": "complaint", "cause": "network_fault",
                                                             "description": f"Line down, street {n}."}))["number"]
                         for n in (1, 2)]
            told = page.locator("[data-testid=cases-notice][data-kind=incident]")
            expect(told).to_contain_text(burst[0], timeout=15000)
            expect(told).to_contain_text(burst[1])

            page.goto(f"{base}/ui/cases.html?clock=breached")
            # in Chinese
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(cell).to_contain_text("派单")
            expect(cell).to_contain_text("已超时")
            page.get_by_test_id(f"case-link-{number}").click()
            expect(page.get_by_test_id("case-clock-row-dispatch")).to_contain_text("已超时")
            expect(page.get_by_test_id("case-clock-esc-dispatch")).to_contain_text("班组长")
            expect(page.get_by_test_id("case-clock-row-report")).to_contain_text("剩余")
            expect(page.get_by_test_id("cases-filter-clock")).to_contain_text("已超时")

            # the board: the case's alert in plain words with its number, in both languages
            page.goto(f"{base}/ui/board.html")
            page.get_by_test_id("lang-switch").select_option("en")
            alert = page.get_by_test_id(f"board-alert-case-{number}-dispatch")
            expect(alert).to_have_attribute("data-kind", "case_escalated", timeout=15000)
            expect(alert).to_contain_text(f"Case escalated: {number}")
            expect(alert).to_contain_text("overdue by")
            expect(alert).to_contain_text("team lead")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(alert).to_contain_text(f"工单超时升级：{number}")
            expect(alert).to_contain_text("班组长")
            incident = page.get_by_test_id(f"board-alert-incident-network_fault-{burst[0]}")
            expect(incident).to_have_attribute("data-kind", "incident")
            expect(incident).to_contain_text("突发事件：2 起同类投诉")
            expect(incident).to_contain_text("网络故障")
            page.get_by_test_id("lang-switch").select_option("en")
            expect(incident).to_contain_text("Incident: 2 complaints of one cause")
            expect(incident).to_contain_text(f"network fault\" within 30 min: {burst[0]}, {burst[1]}")
    assert not page_errors, page_errors




HANDLER = ("hand9", "hand9-password")
CALL = "1772416800.42"


def _tone(path: Path, seconds: float = 2.0, rate: int = 8000) -> bytes:
    """8 kHz 16-bit mono, a 440 Hz tone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(array.array("h", [int(0.6 * 32767 * math.sin(2 * math.pi * 440 * i / rate))
                                        for i in range(int(rate * seconds))]).tobytes())
    return path.read_bytes()


async def _index_recording(db_url: str, root: Path) -> None:
    """The call's recording as the recorder would have indexed it (no Asterisk here)."""
    rel = f"2026/03/02/{CALL}.wav"
    data = _tone(root / rel)
    engine = make_engine(db_url)
    try:
        at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        await RecordingRepository(make_sessionmaker(engine)).add({
            "call_uniqueid": CALL, "path": rel, "queue": "support", "agent_extension": "1001",
            "agent_username": "a9", "started_at": at, "ended_at": at, "duration_seconds": 2.0,
            "size_bytes": len(data), "format": "wav", "sha256": hashlib.sha256(data).hexdigest(), "status": "ok",
            "problem": "", "mutes": []})
    finally:
        await engine.dispose()


@pytest.mark.db
@pytest.mark.browser
def test_a_linked_call_plays_for_the_supervisor_and_is_refused_plainly_to_a_handler(db_url: str,
                                                                                    workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        asyncio.run(_index_recording(db_url, s.recordings_dir))
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Nine", ["supervisor"])
            add_user(admin, HANDLER, "Handler Nine", ["agent"])
            dept = ok(admin.post("/api/departments", json={"name": "Network"}))
            ok(admin.put(f"/api/departments/{dept['id']}/members/{HANDLER[0]}", json={"role": "handler"}))
        with api_as(base, SUPERVISOR) as sup_api:
            fault = ok(sup_api.post("/api/cases", json={"type": "fault", "call_uniqueid": CALL,
                                                        "description": "The line is down since noon."}))
            ok(sup_api.post(f"/api/cases/{fault['number']}/dispatch",
                            json={"version": fault["version"], "department_id": dept["id"], "handler": HANDLER[0]}))
            other = ok(sup_api.post("/api/cases", json={"type": "fault", "call_uniqueid": "1772416800.43",
                                                        "description": "No dial tone."}))
        number = fault["number"]

        with chromium_page(page_errors, "case-calls-failure.png") as page:
            sign_in(page, base, SUPERVISOR, "link-cases")
            page.get_by_test_id(f"case-link-{number}").click()
            call = page.get_by_test_id("cases-calls").get_by_test_id("cases-call")
            expect(call).to_contain_text(CALL)
            call.get_by_test_id("cases-call-listen").click()
            expect(call.get_by_test_id("player")).to_be_visible()
            expect(call.get_by_test_id("player-waveform")).to_have_attribute("data-loaded", "true")
            expect(call.get_by_test_id("player-time")).to_contain_text("00:02")
            # a call without a recording says so
            page.get_by_test_id(f"case-link-{other['number']}").click()
            call = page.get_by_test_id("cases-calls").get_by_test_id("cases-call")
            expect(call).to_contain_text("1772416800.43")
            expect(page.get_by_test_id("player")).to_have_count(0)  # the other case's player is closed
            call.get_by_test_id("cases-call-listen").click()
            expect(call.get_by_test_id("cases-call-status")).to_have_text("This call has no recording.")

            # the handler sees the case but may not hear the call (an agent: only their own scored calls)
            ctx = page.context.browser.new_context(viewport={"width": 1440, "height": 1000})  # type: ignore[union-attr]
            try:
                hand = ctx.new_page()
                hand.on("pageerror", lambda e: page_errors.append(str(e)))
                sign_in(hand, base, HANDLER, "link-cases")
                hand.get_by_test_id(f"case-link-{number}").click()
                call = hand.get_by_test_id("cases-calls").get_by_test_id("cases-call")
                with hand.expect_response(lambda r: "/api/recordings/of-call/" in r.url) as answer:
                    call.get_by_test_id("cases-call-listen").click()
                assert answer.value.status == 403
                expect(call.get_by_test_id("cases-call-status")).to_have_text(
                    "You are not allowed to hear this call's recording.")
                expect(call.get_by_test_id("player")).to_have_count(0)
                hand.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(call.get_by_test_id("cases-call-status")).to_have_text("您无权收听这通电话的录音。")
            finally:
                ctx.close()
    assert not page_errors, page_errors
