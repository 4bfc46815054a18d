"""The refusal catalogues (callcenter/<domain>/errors.py, callcenter/errors.py): every kind has a
unique stable code and its text in English and Chinese with the same placeholders; no raise site builds a domain
error from an English string of its own; every raise of a kind gives the values its templates name; and the API
answers carry ``code`` and ``messages`` (one call per domain)."""

from __future__ import annotations

import ast
import importlib
import re
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.acd.errors import CANNOT_GO_READY, state_words
from callcenter.app import Stack, create_app  # imports every domain: every DomainError subclass is defined
from callcenter.auth.actor import Actor
from callcenter.errors import EN, ZH, DomainError, Refusal, placeholders
from callcenter.ivr.errors import PublishRefused
from callcenter.ivr.validation import Problem
from callcenter.qc.access import require
from callcenter.shifts.errors import LEAVE_APPROVER_LEVEL, LEAVE_REJECT_LEVEL, NO_POSITION, position_words
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
    assert {"request", "acd", "directory", "seat", "shifts", "qc", "customers", "recordings", "auth", "ivr",
            "calls", "health"} <= domains
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


# English prose in a Chinese text: two Latin words in a row once what is not prose is taken out. Not prose: the
# {placeholders} (values: ids, names, a Words in each language), quoted literals ('bytes=first-last', "CSV UTF-8"),
# and code-like tokens: identifiers, paths, formats and numbers (a '_', '.', '/', ':', '=', '@', '<', '>' or a digit
# in it: follow_up_due, /api/qc/samples, UTF-8, 2^63-1) and acronyms or methods in capitals (IVR, CSV, PATCH).
# Single field names between Chinese words ("tags（标签）", "true 或 false") are fine.
_QUOTED = re.compile("'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’")
_CJK_OR_PUNCTUATION = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # （：；，。、 included
_CODE = re.compile(r"[_./:=@<>\d^]")
_SEP = "\x00"  # where a placeholder or a literal was: it ends a run


def english_prose(zh: str) -> list[str]:
    """The runs of two or more English words in ``zh`` (a template or a filled message), by the rule above."""
    parts = string.Formatter().parse(zh)
    literal = "".join(text + (f" {_SEP} " if name is not None else "") for text, name, _, _ in parts)
    runs, run = [], []
    for token in _CJK_OR_PUNCTUATION.sub(f" {_SEP} ", _QUOTED.sub(f" {_SEP} ", literal)).split():
        word = token.strip("()[]{},;!?\"'")
        if re.search("[A-Za-z]", word) and not _CODE.search(word) and not (word.isupper() and len(word) > 1):
            run.append(word)
            continue
        if len(run) >= 2:
            runs.append(" ".join(run))
        run = []
    if len(run) >= 2:
        runs.append(" ".join(run))
    return runs


def test_the_english_prose_rule() -> None:
    assert english_prose("请假申请 {id}：你是 not an approver") == ["not an approver"]
    assert english_prose("需要角色 {roles}（supervisor or admin）") == ["supervisor or admin"]
    assert english_prose("文件大小为 {value:.1f} MB；请另存为“CSV UTF-8（逗号分隔）”") == []
    assert english_prose("follow_up_due 需要 follow_up_needed=true；请改为重新指派（PATCH username）") == []
    assert english_prose("tags（标签）必须是 true 或 false；{{考评项键: 数字}}") == []
    assert english_prose("{username} 的 {where}.weight must be positive") == ["must be positive"]


def test_no_chinese_text_has_english_prose_left() -> None:
    found = [f"{r.code}: {r.templates[ZH]!r} -> {english_prose(r.templates[ZH])}" for r in KINDS
             if english_prose(r.templates[ZH])]
    assert not found, "translate these (field names in placeholders are fine):\n" + "\n".join(found)


def _require_calls() -> list[tuple[str, str, str]]:
    """(domain, where, the English of what the caller was doing) of every ``require(actor, roles, "...")``."""
    out = []
    for path in SOURCES:
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "require"
                    and len(n.args) == 3 and isinstance(n.args[2], ast.Constant) and isinstance(n.args[2].value, str)):
                out.append((path.relative_to(ROOT).parts[1], f"{path.relative_to(ROOT)}:{n.lineno}", n.args[2].value))
    return out


def test_every_action_a_role_refusal_names_has_its_chinese_words() -> None:
    calls = _require_calls()
    assert len(calls) >= 25
    missing = []
    for domain, where, what in calls:
        actions = importlib.import_module(f"callcenter.{domain}.errors").ACTIONS
        if what not in actions:
            missing.append(f"{where}: {what!r} (add it to callcenter/{domain}/errors.py ACTIONS)")
            continue
        words = actions[what]
        assert words.en == what and CJK.search(words.zh) and not english_prose(words.zh), (where, words)
    assert not missing, "\n".join(missing)


def test_the_values_a_refusal_names_read_in_chinese_too() -> None:
    """What a raise site fills in (the action refused, the roles, approver positions, a flow's version) is in each
    language's words, so the Chinese message has no English prose: the English one is as before."""
    with pytest.raises(DomainError) as refused:
        require(Actor("ann", frozenset({"agent"})), {"qc", "admin"}, "writing a QC note")
    assert refused.value.messages == {EN: "writing a QC note needs role admin or qc",
                                      ZH: "填写质检备注 需要角色 admin 或 qc"}
    chain = position_words(["department_head", "centre_director"], " then ", " → ")
    e = LEAVE_APPROVER_LEVEL({"id": 5, "days": 2, "chain_text": chain, "step": position_words(["centre_director"]),
                              "held": NO_POSITION})
    assert e.message == ("leave request 5 (2 day(s)) is approved level by level (department head then centre "
                         "director); it waits for the centre director; you are not an approver")
    assert e.messages[ZH] == ("请假申请 5（2 天）须逐级审批（部门负责人 → 中心主任）；当前等待 中心主任 审批；"
                              "你的审批职务：无审批职务")
    e = LEAVE_REJECT_LEVEL({"id": 5, "step": position_words(["department_head"]), "chain_text": chain,
                            "held": position_words(["team_lead"])})
    assert "你的审批职务：班长" in e.messages[ZH] and "you are team lead" in e.message
    published = PublishRefused("two-level", [Problem(None, "x")], version=3)
    assert published.messages == {EN: "flow 'two-level version 3' cannot be published: 1 problem(s)",
                                  ZH: "流程 'two-level 版本 3' 无法发布：有 1 个问题"}
    for exc in (refused.value, e, published):
        assert not english_prose(exc.messages[ZH]), exc.messages


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


def _english_in_value(node: ast.expr) -> str | None:
    """English a raise site writes into a value a template names: a string constant with prose in it, or an English
    word joining names (``" or ".join(roles)``); a ``Words`` gives both languages instead."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Words":
            return None
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and english_prose(n.value):
            return n.value
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "join"
                and isinstance(n.func.value, ast.Constant) and isinstance(n.func.value.value, str)
                and re.search("[A-Za-z]", n.func.value.value)):
            return f"{n.func.value.value!r}.join(...)"
    return None


def test_no_raise_site_writes_english_into_a_chinese_text() -> None:
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = _imported_kinds(tree)
        for n in ast.walk(tree):
            if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in kinds):
                continue
            named = placeholders(kinds[n.func.id].templates[ZH])
            values = [(k.arg, k.value) for k in n.keywords if k.arg]
            for a in n.args:
                if isinstance(a, ast.Dict):
                    values += [(k.value, v) for k, v in zip(a.keys, a.values, strict=True)
                               if isinstance(k, ast.Constant)]
            for name, v in values:
                english = _english_in_value(v) if name in named else None
                if english:
                    found.append(f"{path.relative_to(ROOT)}:{n.lineno} {n.func.id} {name}={english}")
    assert not found, "give these in each language's words (callcenter.errors.Words, any_of):\n" + "\n".join(found)


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
    if code != "request.invalid":  # (pydantic's own texts stay English inside the Chinese frame)
        assert not english_prose(b["messages"]["zh-CN"]), b
    if code == "request.invalid":
        assert b["messages"]["zh-CN"] == "请求有误：" + b["message"]
