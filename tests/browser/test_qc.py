"""Quality control in a real browser against the real stack: one real call (a SIPp caller speaks sip-tester's
g711a.pcap, the agent's SIPp phone answers and echoes it) is recorded and indexed; a QC inspector opens qc.html,
draws the month's sample, claims the call, replays it (the audio element really plays; a click at the middle of the
waveform seeks to the middle; speed 1.5), writes a timeline note (clicking it seeks there) and scores every
criterion (a known total and grade, shown live), submits (the form locks, version 1), corrects it (a new version that
needs a reason; both versions listed), sees the month's per-agent report (with the customer survey a lead typed in
for the call) and its CSV, and the page in Chinese; the
agent then sees the corrected score on the desktop's "My QC scores", opens it (scores, comments, notes, the player)
and acknowledges it, which the API confirms.

Runs `python -m callcenter up` as the README does and Chromium headless through Playwright. Everything the test
sets up goes through the HTTP API as an admin would. Screenshots go to test-artifacts/ (qc.png, qc-reports.png,
qc-zh.png, my-qc.png).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, route_all_calls_to, sign_in
from tests.helpers import ARTIFACTS, RunningUp, Sipp, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

INSPECTOR = ("qc1", "qc1-password")
AGENT = ("agent9", "agent9-password")
# the default form: five criteria scored 0..10, 20 points each → 20 + 18 + 18 + 16 + 18 = 90 points, "good"
SCORES = {"service_language": 10, "attitude": 9, "tone": 9, "summarising": 8, "unexpected": 9}
TOTAL, GRADE = "90", "good"
# the correction (version 2): tone 9 → 4 takes 10 points off → 80, "competent"
CORRECTED_TOTAL, CORRECTED_GRADE = "80", "competent"
# the customer's survey of the call, typed in by a lead: one point (timeliness) poor, promises not answered
SURVEY = {"attitude": 1, "skill": 2, "timeliness": 4}


def _set_up(admin: httpx.Client) -> None:
    """As an admin over the API: a QC inspector, an agent serving `support`, a flow sending every call there."""
    add_user(admin, INSPECTOR, "Inspector One", ["qc"])
    add_user(admin, AGENT, "Agent Nine", ["agent"], {"support": "senior"})
    route_all_calls_to(admin, "support")


def _recorded_call(qc: httpx.Client, timeout: float = 25) -> dict[str, Any]:
    """The agent's recording once it is indexed (status ok)."""
    deadline = time.monotonic() + timeout
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        items = ok(qc.get("/api/recordings", params={"agent": AGENT[0]}))["items"]
        if items and items[0]["status"] != "recording":
            assert items[0]["status"] == "ok", items[0]
            return items[0]
        time.sleep(0.3)
    raise AssertionError(f"the recording was not indexed in {timeout}s: {items}")


def _audio(page: Page, expr: str) -> Any:
    return page.get_by_test_id("qc-player").get_by_test_id("player-audio").evaluate(f"a => {expr}")


def test_an_inspector_scores_a_recorded_call_and_the_agent_acknowledges_it(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        sipp = Sipp(s, workdir / "sipp")
        clients: list[httpx.Client] = []
        try:
            up.wait_healthy(base)
            admin = api_as(base, ADMIN)
            clients.append(admin)
            _set_up(admin)
            qc = api_as(base, INSPECTOR)
            agent = api_as(base, AGENT)
            clients += [qc, agent]

            # one real call: the caller speaks (g711a.pcap) for ~6 s, the agent's phone answers and echoes it
            seat = s.agents[0]
            port = free_udp_port()
            sipp.register(seat.extension, seat.password, port)
            ok(agent.post("/api/agent/login", json={"extension": seat.extension}))
            ok(agent.post("/api/agent/ready"))
            phone = sipp.answer(seat.extension, port, calls=1)
            caller = sipp.call_pressing([], hold=6.3)
            assert caller.wait(40) == 0, "the SIPp caller's scenario failed"
            assert phone.wait(10) == 0, "the SIPp agent phone's scenario failed"
            rec = _recorded_call(qc)
            uid, duration = rec["call_uniqueid"], float(rec["duration_seconds"])
            assert duration > 3, rec
            month = datetime.fromisoformat(rec["started_at"]).astimezone(ZoneInfo(s.timezone)).strftime("%Y-%m")

            with chromium_page(page_errors, "qc-failure.png") as page:
                # the inspector: the QC page from the home page, the month's draw
                sign_in(page, base, INSPECTOR, "link-qc")
                page.wait_for_url("**/ui/qc.html*")
                expect(page.get_by_test_id("qc-month")).to_be_visible()
                if page.get_by_test_id("qc-month").input_value() != month:
                    page.get_by_test_id("qc-month").fill(month)
                page.get_by_test_id("qc-per-agent").fill("1")
                page.get_by_test_id("qc-min-talk").fill("2")
                page.get_by_test_id("qc-draw").click()
                result = page.get_by_test_id("qc-draw-result")
                expect(result).to_contain_text("seed")
                expect(result).to_contain_text("1 candidate calls")
                row = page.locator(f"[data-testid^=qc-sample-][data-call='{uid}']")
                expect(row).to_have_attribute("data-status", "open")
                sample_id = row.get_attribute("data-id")
                expect(row).to_contain_text(AGENT[0])

                # claim and open it
                page.get_by_test_id(f"qc-claim-{sample_id}").click()
                expect(row).to_have_attribute("data-status", "claimed")
                page.get_by_test_id(f"qc-open-{sample_id}").click()
                detail = page.get_by_test_id("qc-detail")
                expect(detail).to_be_visible()
                expect(page.get_by_test_id("qc-detail-call")).to_have_text(uid)

                # the player: the waveform, real playback, seeking by a click, speed
                wave = detail.get_by_test_id("player-waveform")
                expect(wave).to_have_attribute("data-loaded", "true")
                detail.get_by_test_id("player-play").click()
                page.wait_for_function(
                    "() => document.querySelector('#qc-player audio').currentTime > 0.5", timeout=5000)
                assert _audio(page, "a.paused") is False
                box = wave.bounding_box()
                assert box is not None
                wave.click(position={"x": box["width"] * 0.5, "y": box["height"] / 2})
                at = _audio(page, "a.currentTime")
                assert abs(at - duration / 2) < 0.6, (at, duration)
                detail.get_by_test_id("player-speed").select_option("1.5")
                assert _audio(page, "a.playbackRate") == 1.5
                expect(detail.get_by_test_id("player-time")).to_contain_text(
                    f"/ 00:{int(duration):02d}")

                # a timeline note at the current position; clicking it seeks back there
                detail.get_by_test_id("player-play").click()  # pause
                expect(detail.get_by_test_id("player-play")).to_have_attribute("data-state", "paused")
                paused_at = _audio(page, "a.currentTime")
                page.get_by_test_id("note-text").fill("Greeting is clear; the farewell is missing")
                page.get_by_test_id("note-add").click()
                note = page.get_by_test_id("note-item")
                expect(note).to_have_count(1)
                expect(note).to_contain_text("the farewell is missing")
                wave.click(position={"x": 2, "y": box["height"] / 2})
                assert _audio(page, "a.currentTime") < 0.5
                note.click()
                assert abs(_audio(page, "a.currentTime") - paused_at) < 0.2

                # score every criterion: a known total and grade, live
                for key, value in SCORES.items():
                    page.get_by_test_id(f"qc-score-{key}").fill(str(value))
                page.get_by_test_id("qc-comment-summarising").fill("Restate the customer's need before answering")
                page.get_by_test_id("qc-summary").fill("Good call; close with the farewell.")
                expect(page.get_by_test_id("qc-total")).to_have_text(TOTAL)
                expect(page.get_by_test_id("qc-grade")).to_have_attribute("data-grade", GRADE)
                expect(page.get_by_test_id("qc-grade")).to_have_text("Good")
                page.get_by_test_id("qc-submit").click()

                # locked: read-only, version 1, the stored total and grade
                locked = page.get_by_test_id("qc-locked")
                expect(locked).to_be_visible()
                expect(locked).to_have_attribute("data-version", "1")
                expect(locked).to_contain_text("Locked")
                expect(page.get_by_test_id("qc-submit")).to_be_hidden()
                expect(page.get_by_test_id("qc-score-attitude")).to_be_disabled()
                expect(page.get_by_test_id("qc-total")).to_have_text(TOTAL)
                expect(page.get_by_test_id("qc-grade")).to_have_attribute("data-grade", GRADE)
                expect(page.get_by_test_id("qc-correct")).to_be_visible()
                expect(row).to_have_attribute("data-status", "scored")
                expect(page.get_by_test_id("qc-agent-response-state")).to_have_text("Awaiting the agent")

                # a correction is a new version and needs a reason; version 1 stays in the history
                page.get_by_test_id("qc-correct").click()
                expect(page.get_by_test_id("qc-score-tone")).to_be_enabled()
                page.get_by_test_id("qc-score-tone").fill("4")
                expect(page.get_by_test_id("qc-total")).to_have_text(CORRECTED_TOTAL)
                page.get_by_test_id("qc-correct-submit").click()
                expect(page.get_by_test_id("qc-form-status")).to_contain_text("reason")
                page.get_by_test_id("qc-correct-reason").fill("Re-listened: the tone was curt after 00:03")
                page.get_by_test_id("qc-correct-submit").click()
                expect(locked).to_have_attribute("data-version", "2")
                expect(page.get_by_test_id("qc-score-tone")).to_be_disabled()
                expect(page.get_by_test_id("qc-total")).to_have_text(CORRECTED_TOTAL)
                expect(page.get_by_test_id("qc-grade")).to_have_attribute("data-grade", CORRECTED_GRADE)
                history = page.get_by_test_id("qc-history-item")
                expect(history).to_have_count(2)
                expect(history.first).to_contain_text("Re-listened")
                page.screenshot(path=str(ARTIFACTS / "qc.png"), full_page=True)

                # a lead types in the customer's survey of the call (four points, 1 very satisfied .. 4 poor)
                survey = ok(admin.post("/api/qc/survey", json={"call_uniqueid": uid, **SURVEY}))
                assert (survey["channel"], survey["agent_username"], survey["timeliness"]) == ("manual", AGENT[0], 4)

                # the month's report per agent (QC scores and the customer surveys), with its CSV; the page in
                # Chinese
                page.get_by_test_id("qc-tab-reports").click()
                today = datetime.now(ZoneInfo(s.timezone)).date()
                page.get_by_test_id("qc-week-start").fill((today - timedelta(days=today.weekday())).isoformat())
                report_row = page.get_by_test_id(f"qc-report-agent-{AGENT[0]}")
                expect(report_row.get_by_test_id("qc-report-average")).to_have_text(CORRECTED_TOTAL)
                expect(page.get_by_test_id("qc-report-surveys-heading")).to_have_text(
                    f"Customer surveys, {month} (share satisfied)")
                expect(report_row.get_by_test_id("qc-report-surveys")).to_have_text("1")
                expect(report_row.get_by_test_id("qc-report-surveys-poor")).to_have_text("1")
                # each point's share satisfied: attitude 1 and skill 2 satisfied, timeliness 4 poor, promises unanswered
                expect(report_row.get_by_test_id("qc-report-survey-point")).to_have_text(["100%", "100%", "0%", "—"])
                expect(page.get_by_test_id("qc-report-weekly-summary")).to_contain_text("1 evaluations")
                page.screenshot(path=str(ARTIFACTS / "qc-reports.png"), full_page=True)
                csv_url = page.get_by_test_id("qc-report-agents-csv").get_attribute("href")
                assert csv_url == f"/api/qc/reports/agents?month={month}&format=csv"
                csv = page.request.get(f"{base}{csv_url}")
                assert csv.ok and AGENT[0] in csv.text(), csv.text()
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(page.get_by_test_id("qc-tab-reports")).to_have_text("报表")
                expect(page.get_by_test_id("qc-report-surveys-heading")).to_have_text(f"{month} 客户满意度（满意率）")
                page.get_by_test_id("qc-tab-queue").click()
                expect(page.get_by_test_id("qc-grade")).to_have_text("称职")
                expect(page.get_by_test_id("qc-criteria")).to_contain_text("语气语调")
                page.screenshot(path=str(ARTIFACTS / "qc-zh.png"), full_page=True)

                # the agent, in another browser context: the desktop's "My QC scores"
                browser = page.context.browser
                assert browser is not None
                agent_context = browser.new_context(viewport={"width": 1440, "height": 1000})
                desk = agent_context.new_page()
                desk.set_default_timeout(10_000)
                desk.on("pageerror", lambda e: page_errors.append(f"agent: {e}"))
                sign_in(desk, base, AGENT, "link-agent")
                desk.wait_for_url("**/ui/agent.html*")
                card = desk.get_by_test_id("my-qc-card")
                item = card.get_by_test_id("my-qc-item")
                expect(item).to_have_count(1)
                expect(item.get_by_test_id("my-qc-total")).to_have_text(CORRECTED_TOTAL)
                expect(item.get_by_test_id("my-qc-grade")).to_have_attribute("data-grade", CORRECTED_GRADE)
                evaluation_id = item.get_attribute("data-id")
                desk.get_by_test_id(f"my-qc-open-{evaluation_id}").click()
                expect(card.get_by_test_id("my-qc-score-tone")).to_have_text("4 / 10")
                expect(card.get_by_test_id("my-qc-score-summarising")).to_have_text("8 / 10")
                expect(card).to_contain_text("Restate the customer's need before answering")
                expect(card.get_by_test_id("note-item")).to_contain_text("the farewell is missing")
                expect(card.get_by_test_id("player-waveform")).to_have_attribute("data-loaded", "true")
                card.get_by_test_id("qc-ack-comment").fill("Understood, I will close every call properly.")
                card.get_by_test_id("qc-ack").click()
                expect(card.get_by_test_id("my-qc-response")).to_have_attribute("data-response", "acknowledged")
                expect(item).to_have_attribute("data-response", "acknowledged")
                desk.screenshot(path=str(ARTIFACTS / "my-qc.png"), full_page=True)
                agent_context.close()

            ev = ok(qc.get(f"/api/qc/samples/{sample_id}"))["evaluation"]
            assert (ev["agent_response"], ev["current_version"], ev["total"], ev["grade"]) == (
                "acknowledged", 2, float(CORRECTED_TOTAL), CORRECTED_GRADE), ev
            assert ev["agent_comment"] == "Understood, I will close every call properly."
            assert [v["total"] for v in ev["versions"]] == [float(TOTAL), float(CORRECTED_TOTAL)]
            assert page_errors == [], page_errors
        finally:
            for c in clients:
                c.close()
            sipp.close()
