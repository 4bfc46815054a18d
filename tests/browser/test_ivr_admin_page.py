"""The IVR admin page in a real browser: an admin logs in, uploads a prompt, builds a two-level menu, sees the
publish refusal next to the broken node, fixes it, publishes and routes every number to it — all through the
page — then a real SIP caller pressing 1 then 3 follows the published menu into the consultation queue.

Runs `python -m callcenter up` as the README does (no seeded flow) and Chromium headless through Playwright.
Screenshots go to test-artifacts/.

One database (tests/browser/helpers.py, on_one_database): what is checked is the editor page and the real
call following the published menu; storing flows, versions and prompts is checked on both databases by the unit
tier (test_ivr_service.py, test_ivr_api.py).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import ADMIN, chromium_page, on_one_database
from tests.helpers import ARTIFACTS, RunningUp, Sipp, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]



def _tone_mp3(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=500:duration=1",
                    "-ac", "1", str(path)], check=True, timeout=30)
    return path


def _add_node(page: Page, node_id: str, kind: str) -> None:
    page.get_by_test_id("add-node-id").fill(node_id)
    page.get_by_test_id("add-node-kind").select_option(kind)
    page.get_by_test_id("add-node-submit").click()
    expect(page.get_by_test_id(f"node-{node_id}")).to_be_visible()


def _log_in(page: Page, base: str) -> None:
    # not logged in: the admin page sends the browser to the login page
    page.goto(f"{base}/ui/ivr.html")
    page.wait_for_url("**/ui/index.html")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    # Chinese by default, every text from the js/i18n/ catalogues
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")
    page.get_by_test_id("login-username").fill(ADMIN[0])
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码错误。")
    # switching the language translates the page, the shown error included, and is remembered
    page.get_by_test_id("lang-switch").select_option("en")
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")
    page.reload()
    expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    page.get_by_test_id("login-username").fill(ADMIN[0])
    page.get_by_test_id("login-password").fill(ADMIN[1])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("home-heading")).to_contain_text("Welcome")
    page.get_by_test_id("link-ivr").click()
    page.wait_for_url("**/ui/ivr.html*")
    expect(page.get_by_test_id("user-name")).to_have_text(ADMIN[0])


def _build_and_publish(page: Page, base: str, mp3: Path) -> None:
    expect(page.get_by_test_id("flow-list")).to_contain_text("No flows yet.")
    page.get_by_test_id("new-flow-name").fill("two-level")
    page.get_by_test_id("new-flow-submit").click()
    expect(page.get_by_test_id("flow-title")).to_have_text("two-level")
    expect(page.get_by_test_id("flow-live")).to_have_text("not published")

    # the prompt: upload, listed with a working preview
    page.get_by_test_id("prompt-name").fill("menu-main")
    page.get_by_test_id("prompt-language").fill("en")
    page.get_by_test_id("prompt-file").set_input_files(str(mp3))
    page.get_by_test_id("prompt-upload").click()
    expect(page.get_by_test_id("prompt-status")).to_contain_text("Uploaded “menu-main” (en, 1")
    audio = page.get_by_test_id("prompt-audio-en-menu-main")
    expect(audio).to_have_attribute("src", "/api/ivr/prompts/en/menu-main/audio")
    preview = page.request.get(f"{base}/api/ivr/prompts/en/menu-main/audio")  # with the page's session cookie
    assert preview.ok and preview.headers["content-type"] == "audio/wav" and len(preview.body()) > 10_000

    # main (the new flow's start menu): prompt, 1 → sub, 2 → biz (not made yet)
    page.get_by_test_id("field-main-prompt").select_option("menu-main")
    _add_node(page, "sub", "menu")
    _add_node(page, "cons", "queue")
    expect(page.get_by_test_id("unreachable")).to_contain_text("sub")
    page.get_by_test_id("add-option-main").click()
    page.get_by_test_id("option-main-0-digit").select_option("1")
    page.get_by_test_id("option-main-0-target").select_option("sub")
    page.get_by_test_id("add-option-main").click()
    page.get_by_test_id("option-main-1-digit").select_option("2")
    page.get_by_test_id("option-main-1-target").select_option(label="Other node id…")
    page.get_by_test_id("option-main-1-target-text").fill("biz")
    page.get_by_test_id("option-main-1-target-text").press("Enter")
    expect(page.get_by_test_id("missing-biz")).to_be_visible()
    # sub: prompt, 3 → cons (queue consultation)
    page.get_by_test_id("field-sub-prompt").select_option("menu-main")
    page.get_by_test_id("add-option-sub").click()
    page.get_by_test_id("option-sub-0-digit").select_option("3")
    page.get_by_test_id("option-sub-0-target").select_option("cons")
    page.get_by_test_id("field-cons-queue").fill("consultation")
    expect(page.get_by_test_id("unreachable")).to_be_hidden()  # sub and cons now hang off main
    expect(page.get_by_test_id("dirty")).to_be_visible()

    # publishing is refused: the problem is shown next to the node whose option leads nowhere
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("editor-status")).to_contain_text("Publishing refused: 1 problem(s)")
    problems = page.get_by_test_id("problems-main")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("option 2 leads to 'biz', which does not exist")
    expect(problems).to_have_css("color", "rgb(179, 38, 30)")
    expect(page.get_by_test_id("problems-sub")).to_be_hidden()
    expect(page.get_by_test_id("flow-problems")).to_be_hidden()
    expect(page.get_by_test_id("flow-live")).to_have_text("not published")
    problems.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "ivr-admin-publish-error.png"), full_page=True)
    # in Chinese the same problem reads in Chinese (the server's check sends both languages)
    page.get_by_test_id("lang-switch").select_option("zh-CN")
    expect(page.get_by_test_id("problems-main")).to_contain_text("按键 2 指向的节点 'biz' 不存在")
    page.get_by_test_id("lang-switch").select_option("en")
    expect(page.get_by_test_id("problems-main")).to_contain_text("option 2 leads to 'biz', which does not exist")

    # fix it: make the missing node from the tree, a queue for "business"
    page.get_by_test_id("create-missing-biz").click()
    expect(page.get_by_test_id("add-node-id")).to_have_value("biz")
    page.get_by_test_id("add-node-kind").select_option("queue")
    page.get_by_test_id("add-node-submit").click()
    page.get_by_test_id("field-biz-queue").fill("business")
    page.get_by_test_id("publish-note").fill("two-level menu")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("editor-status")).to_have_text("Published: version 1 is live.")
    expect(page.get_by_test_id("flow-live")).to_have_text("live: version 1")
    expect(page.get_by_test_id("version-1")).to_contain_text("live")
    expect(page.get_by_test_id("version-1")).to_contain_text("two-level menu")
    expect(page.get_by_test_id("problems-main")).to_be_hidden()
    expect(page.get_by_test_id("dirty")).to_be_hidden()

    # every dialled number goes to this flow
    page.get_by_test_id("entry-did").fill("*")
    page.get_by_test_id("entry-assign").click()
    expect(page.get_by_test_id("entry-status")).to_have_text("Number * now goes to this flow.")
    expect(page.get_by_test_id("entry-*")).to_contain_text("this flow")
    flow_item = page.locator("[data-flow-name='two-level']")
    expect(flow_item).to_contain_text("live: version 1")
    expect(flow_item).to_contain_text("numbers: *")
    page.screenshot(path=str(ARTIFACTS / "ivr-admin-published.png"), full_page=True)

    # the prompt in use cannot be deleted; the page says where it is used
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("prompt-delete-en-menu-main").click()
    expect(page.get_by_test_id("prompt-error-en-menu-main")).to_contain_text("flow 'two-level' (live version), "
                                                                              "node 'main'")
    expect(page.get_by_test_id("prompt-en-menu-main")).to_be_visible()

    # what the page saved is what the server holds (read back after a reload)
    page.reload()
    expect(page.get_by_test_id("flow-title")).to_have_text("two-level")
    expect(page.get_by_test_id("option-main-1-target")).to_have_value("biz")
    expect(page.get_by_test_id("field-biz-queue")).to_have_value("business")


def _admin_headers(base: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _ended_call(base: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        items = httpx.get(f"{base}/api/calls", headers=headers, timeout=5).json()["items"]
        if items and not items[0]["in_progress"] and items[0]["ended_at"]:
            return items[0]
        time.sleep(0.2)
    raise AssertionError(f"no ended call in GET /api/calls: {items}")


@on_one_database
def test_admin_builds_a_two_level_menu_in_the_browser_and_a_call_follows_it(db_url: str, workdir: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    mp3 = _tone_mp3(workdir / "p.mp3")
    data = workdir / "data"
    env, s = up_env(db_url, data, CALLCENTER_IVR__SEED_DEFAULT_FLOW="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:  # leaving it: SIGTERM, exit 0, no traceback
        sipp = Sipp(s, workdir / "sipp")
        try:
            up.wait_healthy(base)

            with chromium_page(page_errors, "ivr-admin-failure.png") as page:
                _log_in(page, base)
                _build_and_publish(page, base, mp3)
            assert page_errors == [], page_errors

            # a real caller: the menu prompt (1 s tone) plays, 1 → sub, its prompt plays, 3 → queue consultation
            caller = sipp.call_pressing([(2.0, "1"), (2.5, "3")], hold=3.0)
            assert caller.wait(40) == 0, "the SIPp caller's scenario failed"
            call = _ended_call(base, _admin_headers(base), 15)
            assert call["queue"] == "consultation", call
            path = call["ivr_path"] or []
            assert [st["node"] for st in path] == ["main", "sub", "cons"], path
            assert (path[0]["digits"], path[0]["result"]) == ("1", "option"), path
            assert (path[1]["digits"], path[1]["result"]) == ("3", "option"), path
            assert call["ivr_flow_version_id"] is not None
        finally:
            sipp.close()
