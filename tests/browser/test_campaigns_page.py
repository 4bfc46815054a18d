"""The campaigns page (campaigns.html, 外呼活动) and the board's campaigns panel in a real browser against the real
stack. A supervisor goes from the board (no campaign running) to the campaigns page, creates a progressive campaign
for an agent, imports a CSV with a bad row — refused naming the row, in English and then in Chinese, nothing stored
— then a good one of ten numbers (the figures show 10 remaining), starts it; the board shows the running campaign's
figures (pushed over /ws/board); back on the campaigns page they add the numbers of the customers tagged gold (one
added, with the customer; one without a number skipped) and of the open call-back tasks (none), pause it and put a
number on the do-not-call list.
An agent of a running preview campaign takes the next number and sees it — the number, the contact's name, the
customer, the script — and presses dial: not logged in at a seat, the server's refusal is shown (dialling itself
needs a seat and Asterisk: tests/integration/test_campaigns.py).

Runs `python -m callcenter up` as the README does, without a managed Asterisk, and Chromium headless through
Playwright. What is stored is checked on both databases by tests/unit/test_campaigns.py and the board's part by
tests/unit/test_wallboard_campaigns.py, so this runs on one (tests/browser/helpers.py on_one_database).
Screenshots: test-artifacts/campaigns.png, campaigns-board.png, campaigns-agent.png, campaigns-failure.png on
failure.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import i18n_keys, page_files

SUPERVISOR = ("sup8", "sup8-password")
AGENT = ("camp8", "camp8-password")  # the progressive campaign's agent
PREVIEW_AGENT = ("prev8", "prev8-password")
TEN = "number,name\n" + "".join(f"1380000{i:04d},Customer {i}\n" for i in range(10))
BAD = "number,name\n13800000001,Good Row\nnot a number,Bad Row\n13800000003,Fine\n"


def _csv(page: Page, name: str, text: str) -> None:
    page.get_by_test_id("camp-import-file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")})
    page.get_by_test_id("camp-import-submit").click()


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_a_supervisor_runs_a_campaign_and_an_agent_takes_a_preview_number(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Eight", ["supervisor"])
            add_user(admin, AGENT, "Agent Eight", ["agent"])
            add_user(admin, PREVIEW_AGENT, "Preview Eight", ["agent"])
            customer = ok(admin.post("/api/customers", json={"name": "Wang Wei", "numbers": ["13900000001"]}))
            gold = ok(admin.post("/api/customers", json={"name": "Zhao Lei", "numbers": ["13900000009"],
                                                         "tags": ["gold"]}))
            ok(admin.post("/api/customers", json={"name": "Qian Yu", "tags": ["gold"]}))  # no number
            # a preview campaign for the agent, running, its first number tied to the customer
            pv = ok(admin.post("/api/campaigns", json={
                "name": "Satisfaction calls", "mode": "preview", "agents": [PREVIEW_AGENT[0]],
                "hours_from": "00:00", "hours_to": "23:59", "script": "Good morning, this is the call centre."}))
            ok(admin.post(f"/api/campaigns/{pv['id']}/numbers", json={
                "csv": f"number,name,customer_id\n13900000001,Wang Wei,{customer['id']}\n13900000002,Li Na,\n"}))
            ok(admin.post(f"/api/campaigns/{pv['id']}/start"))

        with chromium_page(page_errors, "campaigns-failure.png") as page:
            # the supervisor: the board shows the running preview campaign; its panel links to the campaigns page
            sign_in(page, base, SUPERVISOR, "link-board")
            page.wait_for_url("**/ui/board.html*")
            preview_row = page.locator('[data-testid="board-campaign"][data-name="Satisfaction calls"]')
            expect(preview_row.get_by_test_id("board-campaign-remaining")).to_have_text("2")
            page.get_by_test_id("board-campaigns-link").click()
            page.wait_for_url("**/ui/campaigns.html*")

            page.get_by_test_id("camp-name").fill("Renewals")
            page.get_by_test_id("camp-mode").select_option("progressive")
            page.get_by_test_id("camp-agents-more").fill(AGENT[0])
            page.get_by_test_id("camp-hours-from").fill("00:00")
            page.get_by_test_id("camp-hours-to").fill("23:59")
            page.get_by_test_id("camp-retry-no-answer").fill("45")
            page.get_by_test_id("camp-max-attempts").fill("2")
            page.get_by_test_id("camp-script").fill("Hello, your contract is up for renewal.")
            page.get_by_test_id("camp-create-submit").click()
            expect(page.get_by_test_id("camp-create-status")).to_contain_text("Renewals created")
            row = page.locator('[data-testid="camp-row"][data-name="Renewals"]')
            expect(row).to_have_attribute("data-state", "draft")
            expect(row.get_by_test_id("camp-row-mode")).to_have_text("Progressive (automatic)")
            expect(page.get_by_test_id("camp-detail-name")).to_have_text("Renewals")
            expect(page.get_by_test_id("camp-detail-agents")).to_have_text(AGENT[0])
            expect(page.get_by_test_id("camp-detail-retry")).to_contain_text("no answer 45 min")
            expect(row.get_by_test_id("camp-remaining")).to_have_text("0")

            # a bad row: refused naming it, nothing stored
            _csv(page, "bad.csv", BAD)
            status = page.get_by_test_id("camp-import-status")
            expect(status).to_contain_text("row 3 of the list")
            expect(status).to_contain_text("nothing was stored")
            expect(row.get_by_test_id("camp-numbers")).to_have_text("0")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            _csv(page, "bad.csv", BAD)
            expect(status).to_contain_text("名单第 3 行")
            expect(status).to_contain_text("未保存任何号码")
            expect(row.get_by_test_id("camp-state")).to_have_text("草稿")
            page.get_by_test_id("lang-switch").select_option("en")

            # ten good numbers: 10 remaining
            _csv(page, "renewals.csv", TEN)
            expect(status).to_contain_text("renewals.csv: 10 numbers added, 0 already there")
            expect(row.get_by_test_id("camp-numbers")).to_have_text("10")
            expect(row.get_by_test_id("camp-remaining")).to_have_text("10")
            expect(row.get_by_test_id("camp-dialled")).to_have_text("0")
            expect(row.get_by_test_id("camp-in-hours")).to_have_attribute("data-in-hours", "true")

            row.get_by_test_id("camp-start").click()
            expect(row).to_have_attribute("data-state", "running")
            expect(page.get_by_test_id("camp-status")).to_contain_text("Renewals started")

            # the board shows it, live
            page.get_by_test_id("nav-board").click()
            page.wait_for_url("**/ui/board.html*")
            on_board = page.locator('[data-testid="board-campaign"][data-name="Renewals"]')
            expect(on_board.get_by_test_id("board-campaign-remaining")).to_have_text("10")
            expect(on_board.get_by_test_id("board-campaign-dialled")).to_have_text("0")
            expect(page.get_by_test_id("board-campaign-count")).to_have_text("2")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(page.get_by_test_id("board-campaigns")).to_contain_text("外呼活动")
            expect(page.get_by_test_id("board-campaigns")).to_contain_text("待拨")
            page.get_by_test_id("lang-switch").select_option("en")
            expect(page.get_by_test_id("board-campaigns")).to_contain_text("Remaining")
            page.screenshot(path=str(ARTIFACTS / "campaigns-board.png"), full_page=True)

            page.get_by_test_id("board-campaigns-link").click()
            page.wait_for_url("**/ui/campaigns.html*")
            # the customers tagged gold: the one with a number added, with the customer; the other skipped
            row.get_by_test_id("camp-row-mode").click()
            expect(page.get_by_test_id("camp-detail-name")).to_have_text("Renewals")
            page.get_by_test_id("camp-fc-tags").fill("gold")
            page.get_by_test_id("camp-fc-submit").click()
            fc = page.get_by_test_id("camp-fc-status")
            expect(fc).to_contain_text("2 customers found: 1 numbers added, 0 already there, 1 customers without a "
                                       "number skipped")
            expect(row.get_by_test_id("camp-numbers")).to_have_text("11")
            page.get_by_test_id("camp-fb-submit").click()  # no open call-back task yet
            expect(page.get_by_test_id("camp-fb-status")).to_contain_text("0 open call-back tasks found")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            page.get_by_test_id("camp-fc-submit").click()
            expect(fc).to_contain_text("匹配客户 2 位：新增 0 个号码，已有 1 个")
            page.get_by_test_id("lang-switch").select_option("en")
            with api_as(base, SUPERVISOR) as sup:
                nums = ok(sup.get(f"/api/campaigns/{row.get_attribute('data-id')}/numbers", params={"limit": 100}))
                assert [n["customer_id"] for n in nums["items"] if n["number"] == "13900000009"] == [gold["id"]]
            row.get_by_test_id("camp-pause").click()
            expect(row).to_have_attribute("data-state", "paused")
            expect(row.get_by_test_id("camp-resume")).to_be_visible()
            # stop asks once more
            row.get_by_test_id("camp-stop").click()
            expect(row.get_by_test_id("camp-stop")).to_have_attribute("data-confirm", "true")

            # the do-not-call list
            page.get_by_test_id("camp-dnc-number").fill("138 0000 0005")
            page.get_by_test_id("camp-dnc-reason").fill("asked not to be called")
            page.get_by_test_id("camp-dnc-add").click()
            expect(page.get_by_test_id("camp-dnc-status")).to_contain_text("13800000005 is on the do-not-call list")
            dnc = page.locator('[data-testid="camp-dnc-row"][data-number="13800000005"]')
            expect(dnc).to_contain_text("asked not to be called")
            expect(dnc).to_contain_text(SUPERVISOR[0])
            page.screenshot(path=str(ARTIFACTS / "campaigns.png"), full_page=True)
            page.get_by_test_id("logout").click()
            page.wait_for_url("**/ui/index.html*")

            # the board no longer shows the paused campaign (the API says so too)
            with api_as(base, SUPERVISOR) as sup:
                deadline = time.monotonic() + 5  # the board reads the figures again at most once a second
                while True:
                    shown = [c["name"] for c in ok(sup.get("/api/board"))["campaigns"].values()]
                    if shown == ["Satisfaction calls"] or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                assert shown == ["Satisfaction calls"]
                assert ok(sup.get("/api/dnc"))["items"][0]["number"] == "13800000005"

            # the preview agent: the next number, its customer and the script, then dial without a seat
            sign_in(page, base, PREVIEW_AGENT)
            expect(page.get_by_test_id("link-agent")).to_be_visible()  # logged in
            page.goto(f"{base}/ui/campaigns.html")
            expect(page.get_by_test_id("camp-create")).to_be_hidden()
            expect(page.get_by_test_id("camp-dnc")).to_be_hidden()
            item = page.locator(f'[data-testid="camp-work-item"][data-id="{pv["id"]}"]')
            expect(item).to_contain_text("Satisfaction calls")
            item.get_by_test_id("camp-next").click()
            expect(page.get_by_test_id("camp-taken-number")).to_have_text("13900000001")
            expect(page.get_by_test_id("camp-taken-name")).to_have_text("Wang Wei")
            link = page.get_by_test_id("camp-taken-customer-link")
            expect(link).to_have_attribute("data-customer-id", str(customer["id"]))
            expect(link).to_have_text(f"customer #{customer['id']}")
            expect(page.get_by_test_id("camp-taken-script")).to_have_text("Good morning, this is the call centre.")
            expect(page.get_by_test_id("camp-status")).to_contain_text("You took 13900000001")
            page.get_by_test_id("camp-dial").click()
            dial = page.get_by_test_id("camp-dial-status")
            expect(dial).to_contain_text("log in at a seat first")
            expect(page.get_by_test_id("camp-dial")).to_be_disabled()
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(dial).to_contain_text("请先在座席签入")
            page.get_by_test_id("lang-switch").select_option("en")
            page.screenshot(path=str(ARTIFACTS / "campaigns-agent.png"), full_page=True)
            # the number went back to the list: the next one is the same number again
            item.get_by_test_id("camp-next").click()
            expect(page.get_by_test_id("camp-taken-number")).to_have_text("13900000001")
            expect(page.get_by_test_id("camp-dial")).to_be_enabled()
            # opened anew, the page finds the number still held for the agent
            page.reload()
            expect(page.get_by_test_id("camp-taken-number")).to_have_text("13900000001")
    assert not page_errors, page_errors


def test_every_text_the_campaigns_page_and_the_board_panel_use_exists_in_both_languages() -> None:
    used: set[str] = set()
    for f in page_files("campaigns"):
        used |= set(re.findall(r'"(campaigns\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    used |= {f"campaigns.mode.{v}" for v in ("preview", "progressive")}
    used |= {f"campaigns.state.{v}" for v in ("draft", "running", "paused", "stopped", "done")}
    used |= {f"campaigns.outcome.{v}" for v in ("answered", "busy", "no_answer", "failed", "agent_missed")}
    used |= {f"campaigns.number_state.{v}" for v in ("pending", "reserved", "dialling", "done", "exhausted", "dnc")}
    used |= {f"campaigns.day.{v}" for v in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    used |= {f"campaigns.action.{v}" for v in ("start", "pause", "resume", "stop")}
    used |= {f"campaigns.done.{v}" for v in ("start", "pause", "resume", "stop")}
    for f in page_files("board"):
        used |= set(re.findall(r'"(board\.campaigns[a-z_.]*)"', f.read_text(encoding="utf-8")))
    used |= {f"board.campaigns.mode.{v}" for v in ("preview", "progressive")}
    used |= {f"board.campaigns.outcome.{v}" for v in ("answered", "busy", "no_answer", "failed", "agent_missed")}
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
