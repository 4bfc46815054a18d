"""The refusal catalogues (callcenter/<domain>/errors.py, callcenter/errors.py): every kind has a
unique stable code and its text in English and Chinese with the same placeholders; no raise site builds a domain
error from an English string of its own; every raise of a kind gives the values its templates name; and the API
answers carry ``code`` and ``messages`` (one call per domain)."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.acd.errors import CANNOT_GO_READY, state_words
from callcenter.app import Stack, create_app  # imports every domain: every DomainError subclass is defined
from callcenter.errors import EN, ZH, DomainError, Refusal, placeholders
from tests.helpers import bearer, stack_settings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "callcenter").rglob("*.py"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _catalogues() -> dict[str, dict[str, Refusal]]:
    """module name -> {constant name: Refusal} for every errors.py under callcenter/."""
    out = {}
    for path in SOURCES:
        if path.name == "errors.py":
            mod = importlib.import_module(_module_name(path))
            out[mod.__name__] = {k: v for k, v in vars(mod).items() if isinstance(v, Refusal)}
    return out


CATALOGUES = _catalogues()
# each kind once (a catalogue may import another's kind)
KINDS = list({id(r): r for kinds in CATALOGUES.values() for r in kinds.values()}.values())


def test_the_catalogues_hold_the_refusals_of_every_domain() -> None:
    domains = {r.code.split(".")[0] for r in KINDS}
    # (the admin page's refusals belong to the domains that own what it edits: no "admin" required here)
    assert {"request", "acd", "seat", "shifts", "qc", "customers", "recordings", "auth", "ivr", "calls",
            "health"} <= domains
    assert len(KINDS) > 300


def test_every_code_is_unique_and_named_for_its_domain() -> None:
    codes = [r.code for r in KINDS]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    for module, kinds in CATALOGUES.items():
        domain = "request" if module == "callcenter.errors" else module.split(".")[-2]
        for name, r in kinds.items():
            assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", r.code), (module, name, r.code)
            if r.code.split(".")[0] == domain or module == "callcenter.errors":
                continue
            # a kind imported from another domain's catalogue keeps that domain's code
            assert any(r is other for m, ks in CATALOGUES.items() if m != module for other in ks.values()), (
                module, name, r.code)


def test_english_and_chinese_name_the_same_placeholders_and_the_chinese_is_chinese() -> None:
    for r in KINDS:
        en, zh = r.templates[EN], r.templates[ZH]
        assert placeholders(en) == placeholders(zh), r.code
        assert CJK.search(zh), (r.code, zh)
        assert en.strip() and not CJK.search(en), (r.code, en)


def _domain_error_classes() -> set[str]:
    seen: set[str] = set()
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        c = todo.pop()
        seen.add(c.__name__)
        todo.extend(c.__subclasses__())
    return seen


def _has_text(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) or isinstance(n, ast.JoinedStr)
               for n in ast.walk(node))


def test_no_domain_error_is_built_from_an_english_string_outside_the_catalogues() -> None:
    classes = _domain_error_classes()
    found = []
    for path in SOURCES:
        if path.name == "errors.py":
            continue  # the catalogues and the error classes themselves
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in classes
                    and any(_has_text(a) for a in n.args)):
                found.append(f"{path.relative_to(ROOT)}:{n.lineno} {n.func.id}(...)")
    assert not found, "name a Refusal from the domain's errors.py instead:\n" + "\n".join(found)


def _imported_kinds(tree: ast.Module) -> dict[str, Refusal]:
    out = {}
    for n in tree.body:
        if isinstance(n, ast.ImportFrom) and n.module in CATALOGUES:
            for a in n.names:
                if a.name in CATALOGUES[n.module]:
                    out[a.asname or a.name] = CATALOGUES[n.module][a.name]
    return out


def _given(call: ast.Call, skip: int) -> set[str] | None:
    """The names a raise site gives (keywords and the keys of a literal values dict); None if not known here."""
    names = set()
    for k in call.keywords:
        if k.arg is None:
            return None  # **mapping: not known statically
        names.add(k.arg)
    for a in call.args[skip:]:
        if not isinstance(a, ast.Dict) or not all(isinstance(k, ast.Constant) for k in a.keys):
            return None
        names |= {k.value for k in a.keys if isinstance(k, ast.Constant)}
    return names


def test_every_raise_of_a_kind_gives_the_values_its_templates_name() -> None:
    checked, missing = 0, []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = _imported_kinds(tree)
        for n in ast.walk(tree):
            if not isinstance(n, ast.Call):
                continue
            if isinstance(n.func, ast.Name) and n.func.id == "_need" and len(n.args) >= 3:
                # customers' field checks: _need(cond, KIND, field, **values)
                target, given = n.args[1], _given(ast.Call(n.func, [], n.keywords), 0)
                given = None if given is None else given | {"field"}
            else:
                target, given = n.func, _given(n, 0)
            options = [target.body, target.orelse] if isinstance(target, ast.IfExp) else [target]
            for t in options:
                if isinstance(t, ast.Name) and t.id in kinds and given is not None:
                    r = kinds[t.id]
                    need = placeholders(r.templates[EN]) - set(r.details)
                    checked += 1
                    if not need <= given:
                        missing.append(f"{path.relative_to(ROOT)}:{n.lineno} {t.id}: {sorted(need - given)}")
    assert checked > 250
    assert not missing, "\n".join(missing)


def test_a_refusal_keeps_its_details_and_fills_both_languages() -> None:
    kind = Refusal("test.seat_taken", DomainError, en="seat {seat} is taken by {who}", zh="座席 {seat} 已被 {who} 占用")
    e = kind({"who": "alice"}, seat="1001")
    assert (e.message, e.details, e.code) == ("seat 1001 is taken by alice", {"seat": "1001"}, "test.seat_taken")
    assert e.messages == {EN: "seat 1001 is taken by alice", ZH: "座席 1001 已被 alice 占用"}
    with pytest.raises(ValueError, match="different placeholders"):
        Refusal("test.bad", DomainError, en="{a}", zh="{b}")


def test_a_value_in_each_languages_words() -> None:
    # an agent state reads as the pages say it, in both languages; the details keep the state's id
    e = CANNOT_GO_READY({"state_text": state_words("on_call")}, state="on_call")
    assert (e.message, e.details) == ("cannot go ready while on call", {"state": "on_call"})
    assert e.messages[ZH] == "当前状态（通话中）不能就绪"


# ---- through the app: one refusal per domain -----------------------------------------------------------------
@pytest.fixture
async def client(db_url: str, workdir: Path) -> AsyncIterator[tuple[Stack, httpx.AsyncClient]]:
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield stack, c
    await stack.engine.dispose()


CASES = [
    # (roles of the caller, method, url, json body, status, code)
    (("agent",), "POST", "/api/agent/ready", None, 409, "acd.not_logged_in"),
    (("agent",), "GET", "/api/seat/leave-requests?username=someone-else", None, 403, "seat.others_leave_requests"),
    (("supervisor",), "GET", "/api/shifts/roster?from=2026-03-10&to=2026-03-01", None, 400, "shifts.range_reversed"),
    (("qc",), "GET", "/api/qc/samples/999999", None, 404, "qc.sample_not_found"),
    (("supervisor",), "GET", "/api/customers/999999", None, 404, "customers.customer_not_found"),
    (("qc",), "GET", "/api/recordings/999999", None, 404, "recordings.recording_not_found"),
    ((), "POST", "/api/auth/login", {"username": "nobody", "password": "wrong-password"}, 401, "auth.wrong_password"),
    ((), "GET", "/api/calls", None, 401, "auth.log_in_first"),
    (("admin",), "PATCH", "/api/admin/users/999999", {"display_name": "x"}, 404, "auth.user_not_found"),
    (("admin",), "GET", "/api/ivr/flows/999999", None, 404, "ivr.flow_not_found"),
    (("supervisor",), "GET", "/api/calls/999999", None, 404, "calls.call_not_found"),
    (("admin",), "POST", "/api/health/write-failures/999999/dismiss", {"note": ""}, 404,
     "health.write_failure_not_found"),
    (("supervisor",), "GET", "/api/calls?limit=0", None, 400, "request.invalid"),
]


@pytest.mark.db
@pytest.mark.parametrize(("roles", "method", "url", "body", "status", "code"), CASES,
                         ids=[c[-1] for c in CASES])
async def test_an_api_refusal_answers_its_code_and_both_languages(
    client: tuple[Stack, httpx.AsyncClient], roles: tuple[str, ...], method: str, url: str,
    body: dict[str, Any] | None, status: int, code: str,
) -> None:
    stack, c = client
    headers = await bearer(stack, roles) if roles else {}
    r = await c.request(method, url, json=body, headers=headers)
    assert r.status_code == status, r.text
    b = r.json()
    assert set(b) == {"error", "code", "message", "messages", "details"}
    assert b["code"] == code
    assert b["messages"]["en"] == b["message"]
    assert CJK.search(b["messages"]["zh-CN"]), b
    if code == "request.invalid":
        assert b["messages"]["zh-CN"] == "请求有误：" + b["message"]
