"""A refusal in the UI's language, in a real browser: with the page in Chinese (the default), an admin creates a
user on the admin page whose username is already taken; the server refuses it (``auth.username_taken_by``) and the
page shows the catalogue's Chinese text of that refusal — not the English one — next to the form, with the field
marked. Switching the page to English redraws the same refusal in English, and back.

Runs `python -m callcenter up` as the README does, without a managed Asterisk (nothing here needs calls: the
refusal comes from the service's own rules), and Chromium headless through Playwright. Screenshot on failure:
test-artifacts/refusal-language-failure.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from callcenter.auth.errors import USERNAME_TAKEN_BY
from callcenter.errors import EN, ZH
from tests.browser.helpers import ADMIN, chromium_page
from tests.helpers import RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import CATALOGUES

pytestmark = [pytest.mark.db, pytest.mark.browser]


def _page_text(key: str) -> dict[str, str]:
    """A text of the pages' common catalogue (js/i18n/common.js) in each language."""
    zh, en = (CATALOGUES / "common.js").read_text(encoding="utf-8").split('\n  "en": {', 1)
    out = {}
    for lang, part in ((ZH, zh), (EN, en)):
        m = re.search(rf'^\s+"{re.escape(key)}": ("(?:[^"\\]|\\.)*"),?$', part, re.M)
        assert m, (key, lang)
        out[lang] = json.loads(m.group(1))
    return out


def _log_in_in_chinese(page: Page, base: str) -> None:
    page.goto(f"{base}/ui/index.html")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_test_id("login-username").fill(ADMIN[0])
    page.get_by_test_id("login-password").fill(ADMIN[1])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("link-admin").click()
    page.wait_for_url("**/ui/admin.html*")
    expect(page.get_by_test_id("admin-tab-users")).to_have_text("用户")


def test_the_admin_page_shows_a_refusal_in_the_pages_language(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    # the catalogue's texts of the refusal, the way the page frames a server's message (common.error)
    texts = USERNAME_TAKEN_BY.texts({"username": ADMIN[0]}, taken_by=ADMIN[0])
    frame = _page_text("common.error")
    shown = {lang: frame[lang].replace("{message}", texts[lang]) for lang in (EN, ZH)}
    assert shown[ZH] == "出错了：用户名 'admin' 已被使用（用户 'admin'）"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        # no Asterisk here, so /api/health answers 503 (AMI down): wait for the pages instead
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with chromium_page(page_errors, "refusal-language-failure.png") as page:
            _log_in_in_chinese(page, base)
            page.get_by_test_id("admin-user-create-username").fill(ADMIN[0])
            page.get_by_test_id("admin-user-create-password").fill("another-password-1")
            with page.expect_response(lambda r: r.url.endswith("/api/admin/users")
                                      and r.request.method == "POST") as answer:
                page.get_by_test_id("admin-user-create-submit").click()
            refused = answer.value
            assert refused.status == 409
            body = refused.json()
            assert (body["code"], body["message"], body["messages"]) == (
                USERNAME_TAKEN_BY.code, texts[EN], {"en": texts[EN], "zh-CN": texts[ZH]})

            # the page shows the Chinese text of the refusal, and marks the field it names
            status = page.get_by_test_id("admin-user-create-status")
            expect(status).to_have_text(shown[ZH])
            expect(status).not_to_contain_text(texts[EN])
            expect(page.get_by_test_id("admin-user-create-username")).to_have_attribute("aria-invalid", "true")

            # the language switch redraws the shown refusal in English, and back
            page.get_by_test_id("lang-switch").select_option("en")
            expect(page.get_by_test_id("admin-tab-users")).to_have_text("Users")
            expect(status).to_have_text(shown[EN])
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(status).to_have_text(shown[ZH])
    assert not page_errors, page_errors
