"""/api/admin: users (roles, deactivation, password reset, skills), seats, queues and pause reasons.

The stack is not started (no Asterisk): ``Stack.apply_config()`` renders pjsip.conf/queues.conf from the DB and
skips the AMI reload, and the ACD's AMI actions fail and are logged (the DB stays the truth) — so the effects
checked here are the rendered files, the ACD's in-memory state and the database."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from callcenter.app import Stack, create_app
from callcenter.asterisk.events import AgentComplete, AgentConnect
from callcenter.auth.models import AuditEntry, AuthSession, User
from callcenter.clock import FakeClock
from callcenter.directory.models import AgentSkill, PauseReason, QueueDef, Seat
from callcenter.errors import InvalidInput
from tests.helpers import bearer, stack_settings
from tests.i18n_catalogue import i18n_keys, page_files

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SEAT_PASSWORD = "Seat-2001-secret"
UI = Path(__file__).resolve().parents[2] / "agent_ui" / "static"
QUEUE_FLOW = {"start": "q", "language": "en", "nodes": {"q": {"kind": "queue", "queue": "business"}}}


@dataclass
class Api:
    stack: Stack
    client: httpx.AsyncClient
    admin: dict[str, str]
    seen: list[str] = dataclasses.field(default_factory=list)  # every response body, to prove no password leaks

    async def call(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
                   ) -> httpx.Response:
        r = await self.client.request(method, path, json=json, headers=self.admin if headers is None else headers)
        self.seen.append(r.text)
        return r

    def etc(self, name: str) -> str:
        """A rendered Asterisk config file ("" before the first render)."""
        f = self.stack.settings.asterisk_runtime_dir / "etc" / name
        return f.read_text() if f.exists() else ""


async def _make(db_url: str, data: Path, **overrides: Any) -> tuple[Stack, httpx.AsyncClient]:
    stack = Stack(stack_settings(db_url, data, **overrides), clock=FakeClock(T0), run_migrations=False)
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return stack, client


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    stack, client = await _make(db_url, workdir / "data")
    try:
        async with client:
            yield Api(stack, client, await bearer(stack, ("admin",), "root"))
    finally:
        for a in stack.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await stack.engine.dispose()


def _field(r: httpx.Response) -> str:
    """The field a 400 names: a domain refusal's details.field, or request validation's first problem."""
    assert r.status_code == 400, r.text
    d = r.json()["details"]
    return d["field"] if "field" in d else d["problems"][0]["field"]


async def _audit(stack: Stack, action: str) -> list[AuditEntry]:
    async with stack.sessions() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id))).scalars())


async def _user(stack: Stack, username: str) -> User:
    async with stack.sessions() as s:
        return (await s.execute(select(User).where(User.username == username))).scalar_one()


async def _agent(api: Api, username: str = "bob", roles: tuple[str, ...] = ("agent",)) -> dict[str, Any]:
    r = await api.call("POST", "/api/admin/users", {"username": username, "password": "bob-password-1",
                                                    "display_name": username.title(), "roles": list(roles)})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


# roles ---------------------------------------------------------------------------------------------------------
ENDPOINTS = [
    ("GET", "/api/admin/meta", None),
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"username": "x1", "password": "long-enough-1", "roles": ["agent"]}),
    ("PATCH", "/api/admin/users/1", {"display_name": "X"}),
    ("PUT", "/api/admin/users/1/skills", {"skills": []}),
    ("GET", "/api/admin/seats", None),
    ("POST", "/api/admin/seats", {"extension": "3001", "name": "S", "password": "long-enough-1"}),
    ("PATCH", "/api/admin/seats/1001", {"name": "renamed"}),
    ("DELETE", "/api/admin/seats/1002", None),
    ("GET", "/api/admin/queues", None),
    ("POST", "/api/admin/queues", {"name": "sales"}),
    ("PATCH", "/api/admin/queues/support", {"display_name": "renamed"}),
    ("DELETE", "/api/admin/queues/business", None),
    ("GET", "/api/admin/pause-reasons", None),
    ("POST", "/api/admin/pause-reasons", {"code": "x", "label_zh": "x", "label_en": "x"}),
    ("PATCH", "/api/admin/pause-reasons/meal", {"label_en": "renamed"}),
]


async def test_every_endpoint_needs_the_admin_role_and_a_refusal_changes_nothing(api: Api) -> None:
    agent = await bearer(api.stack, ("agent",), "ag")
    sup = await bearer(api.stack, ("supervisor", "qc"), "sup")
    before = [(await api.call("GET", p)).json() for p in ("/api/admin/users", "/api/admin/seats",
                                                          "/api/admin/queues", "/api/admin/pause-reasons")]
    for method, path, body in ENDPOINTS:
        r = await api.call(method, path, body, headers={})
        assert r.status_code == 401, (method, path, r.text)
        for who in (agent, sup):
            r = await api.call(method, path, body, headers=who)
            assert r.status_code == 403, (method, path, r.text)
            assert r.json()["details"]["needed"] == ["admin"]
    after = [(await api.call("GET", p)).json() for p in ("/api/admin/users", "/api/admin/seats",
                                                         "/api/admin/queues", "/api/admin/pause-reasons")]
    assert after == before
    async with api.stack.sessions() as s:
        assert (await s.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("admin.%")))
                ).scalar_one() == 0


async def test_meta_lists_the_choices(api: Api) -> None:
    r = await api.call("GET", "/api/admin/meta")
    assert r.status_code == 200
    assert r.json() == {"roles": ["agent", "supervisor", "qc", "admin"], "levels": ["junior", "intermediate", "senior"],
                        "strategies": ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear",
                                       "wrandom"],
                        "routings": ["equal", "seniors_first", "juniors_first"], "mode": "dev",
                        "fallback_queue": "support"}


# users ---------------------------------------------------------------------------------------------------------
async def test_create_user_hashes_the_password_audits_and_the_user_can_log_in(api: Api) -> None:
    r = await api.call("POST", "/api/admin/users", {"username": "bob", "password": "bob-password-1",
                                                    "display_name": "Bob B.", "roles": ["agent", "agent", "qc"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert {k: body[k] for k in ("username", "display_name", "roles", "active", "skills", "logged_in_seat")} == {
        "username": "bob", "display_name": "Bob B.", "roles": ["agent", "qc"], "active": True, "skills": [],
        "logged_in_seat": None}
    assert "password" not in r.text and "bob-password-1" not in r.text
    u = await _user(api.stack, "bob")
    assert u.password_hash.startswith("scrypt$") and "bob-password-1" not in u.password_hash
    login = await api.client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
    assert login.status_code == 200
    listed = (await api.call("GET", "/api/admin/users")).json()
    assert [x["username"] for x in listed] == ["bob", "root"]
    (entry,) = await _audit(api.stack, "admin.user.create")
    assert (entry.username, entry.target) == ("root", "user:bob")
    assert entry.detail == {"roles": ["agent", "qc"], "display_name": "Bob B."}


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "bad name", "password": "long-enough-1", "roles": ["agent"]}, "username"),
    ({"username": "", "password": "long-enough-1", "roles": ["agent"]}, "username"),
    ({"username": "ok", "password": "short", "roles": ["agent"]}, "password"),
    ({"username": "ok", "password": "long-enough-1", "roles": ["boss"]}, "roles"),
    ({"username": "ok", "password": "long-enough-1", "roles": []}, "roles"),
    ({"username": "ok", "password": "long-enough-1", "roles": ["agent"], "display_name": "a\nb"}, "display_name"),
    ({"username": "ok", "password": "long-enough-1", "roles": ["agent"], "display_name": "x" * 129},
     "display_name"),
    ({"username": "ok", "password": "long-enough-1"}, "roles"),
    ({"username": "ok", "password": "long-enough-1", "roles": "agent"}, "roles"),
    ({"username": "ok", "passwd": "long-enough-1", "roles": ["agent"]}, "password"),
])
async def test_create_user_refusals_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    r = await api.call("POST", "/api/admin/users", body)
    assert _field(r) == field
    assert [u["username"] for u in (await api.call("GET", "/api/admin/users")).json()] == ["root"]


async def test_duplicate_username_is_a_conflict_even_in_another_case(api: Api) -> None:
    await _agent(api, "bob")
    for name in ("bob", "BOB"):
        r = await api.call("POST", "/api/admin/users", {"username": name, "password": "long-enough-1",
                                                        "roles": ["qc"]})
        assert r.status_code == 409, r.text
        assert r.json()["details"]["field"] == "username" and "bob" in r.json()["message"]
    assert len((await api.call("GET", "/api/admin/users")).json()) == 2


async def test_patch_user_display_name_roles_and_password_reset(api: Api) -> None:
    bob = await _agent(api, "bob")
    token = (await api.client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
             ).json()["token"]
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}",
                       {"display_name": " Robert ", "roles": ["agent", "supervisor"]})
    assert r.status_code == 200, r.text
    assert (r.json()["display_name"], r.json()["roles"]) == ("Robert", ["agent", "supervisor"])
    me = await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200  # no password change, no deactivation: the session goes on

    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"password": "new-password-2"})
    assert r.status_code == 200 and "new-password-2" not in r.text
    # a reset password ends the user's sessions
    assert (await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    assert (await api.client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
            ).status_code == 401
    assert (await api.client.post("/api/auth/login", json={"username": "bob", "password": "new-password-2"})
            ).status_code == 200
    updates = await _audit(api.stack, "admin.user.update")
    assert [e.detail for e in updates] == [
        {"display_name": "Robert", "roles": ["agent", "supervisor"]},
        {"password": "reset", "sessions_ended": True},
    ]
    assert all("new-password-2" not in str(e.detail) for e in updates)


@pytest.mark.parametrize(("body", "field"), [
    ({"password": "short"}, "password"),
    ({"roles": ["agent", "king"]}, "roles"),
    ({"roles": []}, "roles"),
    ({"display_name": "  "}, "display_name"),
    ({"display_name": None}, "display_name"),
    ({"active": "no"}, "active"),
    ({"username": "renamed"}, "username"),
])
async def test_patch_user_refusals_name_the_field_and_change_nothing(api: Api, body: dict[str, Any],
                                                                     field: str) -> None:
    bob = await _agent(api, "bob")
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"display_name": "Changed", **body}
                       if field != "display_name" else body)
    assert _field(r) == field
    u = await _user(api.stack, "bob")
    assert (u.display_name, u.roles, u.active) == ("Bob", ["agent"], True)


async def test_unknown_user_is_404(api: Api) -> None:
    assert (await api.call("PATCH", "/api/admin/users/999", {"display_name": "x"})).status_code == 404
    assert (await api.call("PUT", "/api/admin/users/999/skills", {"skills": []})).status_code == 404


async def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(api: Api) -> None:
    root = await _user(api.stack, "root")
    r = await api.call("PATCH", f"/api/admin/users/{root.id}", {"roles": ["supervisor"]})
    assert r.status_code == 409 and r.json()["details"]["field"] == "roles"
    r = await api.call("PATCH", f"/api/admin/users/{root.id}", {"active": False, "display_name": "Gone"})
    assert r.status_code == 409 and r.json()["details"]["field"] == "active"
    u = await _user(api.stack, "root")
    assert (u.roles, u.active, u.display_name) == (["admin"], True, "root")
    # another admin can
    other = await bearer(api.stack, ("admin",), "other-admin")
    r = await api.call("PATCH", f"/api/admin/users/{root.id}", {"roles": ["admin", "supervisor"]}, headers=other)
    assert r.status_code == 200
    # adding roles to oneself, or resetting one's own password, is fine (and keeps one's own session)
    r = await api.call("PATCH", f"/api/admin/users/{root.id}", {"roles": ["admin", "qc"], "password": "new-pass-123"})
    assert r.status_code == 200, r.text
    assert (await api.call("GET", "/api/admin/users")).status_code == 200


async def test_deactivated_user_loses_their_sessions_and_cannot_log_in(api: Api) -> None:
    bob = await _agent(api, "bob", ("agent", "supervisor"))
    token = (await api.client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
             ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.client.get("/api/auth/me", headers=headers)).status_code == 200
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert (await api.client.get("/api/auth/me", headers=headers)).status_code == 401
    async with api.stack.sessions() as s:
        assert (await s.execute(select(func.count(AuthSession.id)).where(AuthSession.user_id == bob["id"]))
                ).scalar_one() == 0
    assert (await api.client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
            ).status_code == 401
    (entry,) = await _audit(api.stack, "admin.user.update")
    assert entry.detail == {"active": False, "sessions_ended": True}
    # and back
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"active": True})
    assert r.json()["active"] is True
    assert (await api.client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
            ).status_code == 200


async def test_deactivating_a_logged_in_agent_logs_them_out_of_the_seat_but_not_during_a_call(api: Api) -> None:
    bob = await _agent(api, "bob")
    user = await _user(api.stack, "bob")
    await api.stack.acd.login(user, "1001")
    listed = {u["username"]: u for u in (await api.call("GET", "/api/admin/users")).json()}
    assert (listed["bob"]["logged_in_seat"], listed["bob"]["agent_state"]) == ("1001", "paused")
    # on a call: refused, nothing changes
    call = {"Interface": "PJSIP/1001", "Uniqueid": "1700000000.1", "Queue": "support"}
    await api.stack.acd.reactions.on_agent_connect(AgentConnect.parse(call))
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"active": False})
    assert r.status_code == 409 and "on call" in r.json()["message"]
    assert (await _user(api.stack, "bob")).active is True
    assert api.stack.acd.by_ext["1001"].state == "on_call"
    # removing the agent role while on the call: refused as well
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"roles": ["qc"]})
    assert r.status_code == 409 and r.json()["details"]["field"] == "roles"
    # the call ends (wrap-up): now the deactivation logs bob out of the seat
    await api.stack.acd.reactions.on_agent_complete(AgentComplete.parse(call))
    r = await api.call("PATCH", f"/api/admin/users/{bob['id']}", {"active": False})
    assert r.status_code == 200, r.text
    assert r.json()["logged_in_seat"] is None
    assert "1001" not in api.stack.acd.by_ext
    assert api.stack.acd.agents[bob["id"]].state == "logged_out"
    (entry,) = await _audit(api.stack, "admin.user.update")
    assert entry.detail == {"active": False, "left_seat": "1001", "sessions_ended": True}
    rows = await api.stack.acd_repo.state_log(bob["id"])
    assert rows[0].state == "logged_out" and rows[0].source == "admin"


# skills --------------------------------------------------------------------------------------------------------
async def test_skills_replace_and_a_logged_in_agents_memberships_follow_with_the_right_penalties(api: Api) -> None:
    bob = await _agent(api, "bob")
    user = await _user(api.stack, "bob")
    r = await api.call("PUT", f"/api/admin/users/{bob['id']}/skills",
                       {"skills": [{"queue": "support", "level": "junior"}]})
    assert r.status_code == 200, r.text
    assert r.json()["skills"] == [{"queue": "support", "level": "junior"}]
    agent = await api.stack.acd.login(user, "1001")
    assert agent.memberships == {"support": 0}
    # complaints routes seniors first: senior 0, intermediate 1, junior 2 — applied at once, no re-login
    for level, penalty in (("senior", 0), ("intermediate", 1), ("junior", 2)):
        r = await api.call("PUT", f"/api/admin/users/{bob['id']}/skills",
                           {"skills": [{"queue": "complaints", "level": level},
                                       {"queue": "consultation", "level": "senior"}]})
        assert r.status_code == 200, r.text
        assert api.stack.acd.agents[bob["id"]].memberships == {"complaints": penalty, "consultation": 0}
    assert r.json()["skills"] == [{"queue": "complaints", "level": "junior"},
                                  {"queue": "consultation", "level": "senior"}]
    # replaced, not merged: support is gone
    assert await api.stack.directory_repo.skills(bob["id"]) == r.json()["skills"]
    # a queue's routing change moves the penalties too (apply_config refreshes logged-in agents)
    r = await api.call("PATCH", "/api/admin/queues/complaints", {"routing": "juniors_first"})
    assert r.status_code == 200
    assert api.stack.acd.agents[bob["id"]].memberships == {"complaints": 0, "consultation": 0}
    # a deactivated queue drops out of the memberships
    await api.call("PATCH", "/api/admin/queues/consultation", {"active": False})
    assert api.stack.acd.agents[bob["id"]].memberships == {"complaints": 0}
    # an empty list clears them
    r = await api.call("PUT", f"/api/admin/users/{bob['id']}/skills", {"skills": []})
    assert r.json()["skills"] == [] and api.stack.acd.agents[bob["id"]].memberships == {}
    entries = await _audit(api.stack, "admin.user.skills")
    assert len(entries) == 5 and entries[0].target == "user:bob"
    assert entries[1].detail == {"before": [{"queue": "support", "level": "junior"}],
                                 "after": [{"queue": "complaints", "level": "senior"},
                                           {"queue": "consultation", "level": "senior"}]}


@pytest.mark.parametrize(("skills", "field", "named"), [
    ([{"queue": "nope", "level": "junior"}], "skills[0].queue", "nope"),
    ([{"queue": "support", "level": "junior"}, {"queue": "ghost", "level": "senior"}], "skills[1].queue", "ghost"),
    ([{"queue": "support", "level": "expert"}], "skills[0].level", "expert"),
    ([{"queue": "support", "level": "junior"}, {"queue": "support", "level": "senior"}], "skills[1].queue",
     "support"),
    ([{"queue": "support"}], "skills.0.level", "level"),
])
async def test_bad_skills_are_refused_naming_the_field_and_keep_the_old_ones(api: Api, skills: list[Any],
                                                                            field: str, named: str) -> None:
    bob = await _agent(api, "bob")
    await api.call("PUT", f"/api/admin/users/{bob['id']}/skills", {"skills": [{"queue": "business",
                                                                               "level": "senior"}]})
    r = await api.call("PUT", f"/api/admin/users/{bob['id']}/skills", {"skills": skills})
    assert _field(r) == field
    assert named in r.json()["message"]
    assert await api.stack.directory_repo.skills(bob["id"]) == [{"queue": "business", "level": "senior"}]


async def test_only_agents_get_skills(api: Api) -> None:
    sup = await _agent(api, "sue", ("supervisor",))
    r = await api.call("PUT", f"/api/admin/users/{sup['id']}/skills",
                       {"skills": [{"queue": "support", "level": "senior"}]})
    assert r.status_code == 409 and r.json()["details"]["field"] == "skills"
    assert "agent role" in r.json()["message"]
    assert await api.stack.directory_repo.skills(sup["id"]) == []


# seats ---------------------------------------------------------------------------------------------------------
async def test_seats_never_show_a_password(api: Api) -> None:
    r = await api.call("GET", "/api/admin/seats")
    assert r.status_code == 200
    assert [(s["extension"], s["name"], s["has_password"], s["active"], s["in_use_by"]) for s in r.json()] == [
        ("1001", "Agent 1001", True, True, None), ("1002", "Agent 1002", True, True, None)]
    assert all("password" not in s for s in r.json())
    assert "agent1001-dev" not in r.text


async def test_create_seat_renders_pjsip_conf_and_the_password_is_in_no_response(api: Api) -> None:
    assert "[2001]" not in api.etc("pjsip.conf")
    r = await api.call("POST", "/api/admin/seats", {"extension": "2001", "name": "Front desk 1",
                                                    "password": SEAT_PASSWORD,
                                                    "static_contact": "sip:2001@127.0.0.1:16001"})
    assert r.status_code == 201, r.text
    assert r.json() == {"extension": "2001", "name": "Front desk 1", "static_contact": "sip:2001@127.0.0.1:16001",
                        "active": True, "has_password": True, "created_at": "2026-11-24T09:00:00Z",
                        "in_use_by": None}
    conf = api.etc("pjsip.conf")
    assert "[2001]\ntype = endpoint" in conf
    assert f"username = 2001\npassword = {SEAT_PASSWORD}" in conf
    assert "contact = sip:2001@127.0.0.1:16001" in conf
    assert 'callerid = "Front desk 1" <2001>' in conf
    assert ((api.stack.settings.asterisk_runtime_dir / "etc" / "pjsip.conf").stat().st_mode & 0o777) == 0o600
    await api.call("GET", "/api/admin/seats")
    (entry,) = await _audit(api.stack, "admin.seat.create")
    assert entry.target == "seat:2001" and SEAT_PASSWORD not in str(entry.detail)
    # the agent desktop's seat list has it too
    agent = await bearer(api.stack, ("agent",), "ag")
    seats = await api.call("GET", "/api/agent/seats", headers=agent)
    assert "2001" in [s["extension"] for s in seats.json()]
    assert all(SEAT_PASSWORD not in text for text in api.seen)


@pytest.mark.parametrize(("body", "field"), [
    ({"extension": "1", "name": "x", "password": SEAT_PASSWORD}, "extension"),
    ({"extension": "12a4", "name": "x", "password": SEAT_PASSWORD}, "extension"),
    ({"extension": "1" * 17, "name": "x", "password": SEAT_PASSWORD}, "extension"),
    ({"extension": 2001, "name": "x", "password": SEAT_PASSWORD}, "extension"),
    ({"extension": "2001", "name": "", "password": SEAT_PASSWORD}, "name"),
    ({"extension": "2001", "name": 'say "hi"', "password": SEAT_PASSWORD}, "name"),
    ({"extension": "2001", "name": "x\n[evil]", "password": SEAT_PASSWORD}, "name"),
    ({"extension": "2001", "name": "x", "password": "short"}, "password"),
    ({"extension": "2001", "name": "x", "password": "has;semicolon"}, "password"),
    ({"extension": "2001", "name": "x", "password": "has a space"}, "password"),
    ({"extension": "2001", "name": "x"}, "password"),
    ({"extension": "2001", "name": "x", "password": SEAT_PASSWORD, "static_contact": "2001@host"},
     "static_contact"),
    ({"extension": "2001", "name": "x", "password": SEAT_PASSWORD, "static_contact": "sip:2001@h:70000"},
     "static_contact"),
    ({"extension": "2001", "name": "x", "password": SEAT_PASSWORD, "secret": "x"}, "secret"),
])
async def test_create_seat_refusals_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    r = await api.call("POST", "/api/admin/seats", body)
    assert _field(r) == field
    assert [s["extension"] for s in (await api.call("GET", "/api/admin/seats")).json()] == ["1001", "1002"]


async def test_duplicate_seat_is_a_conflict(api: Api) -> None:
    r = await api.call("POST", "/api/admin/seats", {"extension": "1001", "name": "again", "password": SEAT_PASSWORD})
    assert r.status_code == 409 and r.json()["details"]["field"] == "extension" and "1001" in r.json()["message"]
    assert (await api.stack.directory_repo.seat("1001")).name == "Agent 1001"


async def test_prod_mode_refuses_dev_placeholder_seat_passwords(db_url: str, workdir: Path) -> None:
    stack, client = await _make(db_url, workdir / "prod", mode="prod", ami={"secret": "a-long-prod-secret-1"},
                                auth={"bootstrap_admin_password": "prod-admin-password-1"},
                                agents=[{"extension": "1001", "password": "prod-seat-pass-1"}])
    try:
        async with client:
            admin = await bearer(stack, ("admin",), "root")
            r = await client.post("/api/admin/seats", headers=admin,
                                  json={"extension": "2001", "name": "x", "password": "agent2001-dev"})
            assert _field(r) == "password" and "-dev" in r.json()["message"]
            r = await client.post("/api/admin/seats", headers=admin,
                                  json={"extension": "2001", "name": "x", "password": "real-seat-pw-2001"})
            assert r.status_code == 201
            r = await client.patch("/api/admin/seats/2001", headers=admin, json={"password": "other-dev"})
            assert _field(r) == "password"
    finally:
        await stack.engine.dispose()


async def test_patch_seat_rerenders_and_deactivating_removes_the_endpoint(api: Api) -> None:
    r = await api.call("PATCH", "/api/admin/seats/1002", {"name": "Desk two", "password": "new-seat-pass-2",
                                                          "static_contact": "sip:1002@127.0.0.1:16002"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["static_contact"]) == ("Desk two", "sip:1002@127.0.0.1:16002")
    conf = api.etc("pjsip.conf")
    assert "password = new-seat-pass-2" in conf and "agent1002-dev" not in conf
    assert 'callerid = "Desk two" <1002>' in conf
    (entry,) = await _audit(api.stack, "admin.seat.update")
    assert entry.detail == {"name": "Desk two", "password": "changed", "static_contact": "sip:1002@127.0.0.1:16002"}
    r = await api.call("PATCH", "/api/admin/seats/1002", {"static_contact": ""})
    assert r.json()["static_contact"] == "" and "contact = sip:1002" not in api.etc("pjsip.conf")
    r = await api.call("PATCH", "/api/admin/seats/1002", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert "[1002]" not in api.etc("pjsip.conf") and "[1001]" in api.etc("pjsip.conf")
    agent = await bearer(api.stack, ("agent",), "ag")
    assert [s["extension"] for s in (await api.call("GET", "/api/agent/seats", headers=agent)).json()] == ["1001"]
    assert all("new-seat-pass-2" not in text for text in api.seen)
    assert (await api.call("PATCH", "/api/admin/seats/9999", {"name": "x"})).status_code == 404
    assert _field(await api.call("PATCH", "/api/admin/seats/1001", {"password": "short"})) == "password"
    assert _field(await api.call("PATCH", "/api/admin/seats/1001", {"name": None})) == "name"


async def test_a_seat_in_use_cannot_be_deleted_or_deactivated(api: Api) -> None:
    await _agent(api, "bob")
    user = await _user(api.stack, "bob")
    await api.stack.acd.login(user, "1001")
    seats = {s["extension"]: s for s in (await api.call("GET", "/api/admin/seats")).json()}
    assert seats["1001"]["in_use_by"] == "bob"
    r = await api.call("DELETE", "/api/admin/seats/1001")
    assert r.status_code == 409 and "bob" in r.json()["message"]
    r = await api.call("PATCH", "/api/admin/seats/1001", {"active": False, "name": "changed"})
    assert r.status_code == 409 and r.json()["details"]["field"] == "active"
    seat = await api.stack.directory_repo.seat("1001")
    assert (seat.active, seat.name) == (True, "Agent 1001")
    await api.stack.acd.logout(user)
    r = await api.call("DELETE", "/api/admin/seats/1001")
    assert r.status_code == 204
    assert await api.stack.directory_repo.seat("1001") is None
    assert "[1001]" not in api.etc("pjsip.conf")
    (entry,) = await _audit(api.stack, "admin.seat.delete")
    assert entry.target == "seat:1001"
    assert (await api.call("DELETE", "/api/admin/seats/1001")).status_code == 404


# queues --------------------------------------------------------------------------------------------------------
async def test_queue_list_and_create_renders_queues_conf(api: Api) -> None:
    r = await api.call("GET", "/api/admin/queues")
    assert [(q["name"], q["routing"], q["active"], q["agents"]) for q in r.json()] == [
        ("business", "equal", True, 0), ("complaints", "seniors_first", True, 0), ("consultation", "equal", True, 0),
        ("support", "equal", True, 0)]
    r = await api.call("POST", "/api/admin/queues", {"name": "vip-line", "display_name": "VIP 专线",
                                                     "strategy": "ringall", "ring_timeout_seconds": 20,
                                                     "retry_seconds": 0, "wrapup_seconds": 10,
                                                     "max_wait_seconds": 600, "announce": "queue-thankyou",
                                                     "service_level_seconds": 30, "service_level_target": 90,
                                                     "routing": "seniors_first"})
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "vip-line", "display_name": "VIP 专线", "strategy": "ringall",
                        "ring_timeout_seconds": 20, "retry_seconds": 0, "wrapup_seconds": 10,
                        "max_wait_seconds": 600, "announce": "queue-thankyou", "service_level_seconds": 30,
                        "service_level_target": 90, "recording_retention_days": 0, "routing": "seniors_first",
                        "active": True, "agents": 0}
    for bad in (0, 101):
        r = await api.call("POST", "/api/admin/queues", {"name": "bad-target", "service_level_target": bad})
        assert r.status_code == 400 and "service_level_target must be 1-100" in r.text
    r = await api.call("POST", "/api/admin/queues", {"name": "bad-retention", "recording_retention_days": -1})
    assert r.status_code == 400 and "recording_retention_days must be 0-3650" in r.text
    conf = api.etc("queues.conf")
    section = conf.split("[vip-line]\n", 1)[1].split("\n\n", 1)[0]
    for line in ("strategy = ringall", "timeout = 20", "retry = 0", "servicelevel = 30", "announce = queue-thankyou"):
        assert line in section
    assert "vip-line" in api.stack.acd.queue_names and api.stack.acd.wrapup_seconds["vip-line"] == 10
    # defaults
    r = await api.call("POST", "/api/admin/queues", {"name": "plain"})
    assert r.status_code == 201
    assert {k: r.json()[k] for k in ("display_name", "strategy", "ring_timeout_seconds", "retry_seconds",
                                     "wrapup_seconds", "max_wait_seconds", "service_level_seconds", "routing")} == {
        "display_name": "plain", "strategy": "rrmemory", "ring_timeout_seconds": 15, "retry_seconds": 2,
        "wrapup_seconds": 30, "max_wait_seconds": 300, "service_level_seconds": 20, "routing": "equal"}
    assert "[plain]" in api.etc("queues.conf")
    assert [e.target for e in await _audit(api.stack, "admin.queue.create")] == ["queue:vip-line", "queue:plain"]


@pytest.mark.parametrize(("extra", "field"), [
    ({"name": "has space"}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"name": "general"}, "name"),
    ({"strategy": "fastest"}, "strategy"),
    ({"routing": "vip_first"}, "routing"),
    ({"ring_timeout_seconds": 0}, "ring_timeout_seconds"),
    ({"ring_timeout_seconds": 301}, "ring_timeout_seconds"),
    ({"retry_seconds": -1}, "retry_seconds"),
    ({"retry_seconds": 61}, "retry_seconds"),
    ({"wrapup_seconds": 3601}, "wrapup_seconds"),
    ({"max_wait_seconds": 0}, "max_wait_seconds"),
    ({"max_wait_seconds": 86401}, "max_wait_seconds"),
    ({"service_level_seconds": 0}, "service_level_seconds"),
    ({"service_level_seconds": 3601}, "service_level_seconds"),
    ({"service_level_seconds": "20"}, "service_level_seconds"),
    ({"announce": "../../etc/passwd x"}, "announce"),
    ({"announce": "no-such-prompt"}, "announce"),
    ({"display_name": "a\tb"}, "display_name"),
    ({"active": 1}, "active"),
])
async def test_create_queue_refusals_name_the_field(api: Api, extra: dict[str, Any], field: str) -> None:
    r = await api.call("POST", "/api/admin/queues", {"name": "sales", **extra})
    assert _field(r) == field
    assert len((await api.call("GET", "/api/admin/queues")).json()) == 4
    assert "[sales]" not in api.etc("queues.conf")


async def test_duplicate_queue_is_a_conflict_even_in_another_case(api: Api) -> None:
    for name in ("support", "Support"):
        r = await api.call("POST", "/api/admin/queues", {"name": name})
        assert r.status_code == 409 and r.json()["details"]["field"] == "name" and "support" in r.json()["message"]


async def test_patch_queue_changes_every_field_but_not_the_name(api: Api) -> None:
    body = {"display_name": "业务办理", "strategy": "leastrecent", "ring_timeout_seconds": 25, "retry_seconds": 5,
            "wrapup_seconds": 60, "max_wait_seconds": 900, "announce": "queue-thankyou",
            "service_level_seconds": 15, "routing": "juniors_first"}
    r = await api.call("PATCH", "/api/admin/queues/business", {"name": "business", **body})
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in body} == body
    section = api.etc("queues.conf").split("[business]\n", 1)[1].split("\n\n", 1)[0]
    for line in ("strategy = leastrecent", "timeout = 25", "retry = 5", "servicelevel = 15",
                 "announce = queue-thankyou"):
        assert line in section
    assert api.stack.acd.wrapup_seconds["business"] == 60
    (entry,) = await _audit(api.stack, "admin.queue.update")
    assert entry.detail == body
    r = await api.call("PATCH", "/api/admin/queues/business", {"name": "sales"})
    assert _field(r) == "name" and "renamed" in r.json()["message"]
    r = await api.call("PATCH", "/api/admin/queues/business", {"retry_seconds": 99, "display_name": "x"})
    assert _field(r) == "retry_seconds"
    async with api.stack.sessions() as s:
        q = (await s.execute(select(QueueDef).where(QueueDef.name == "business"))).scalar_one()
    assert (q.retry_seconds, q.display_name) == (5, "业务办理")
    assert (await api.call("PATCH", "/api/admin/queues/nope", {"retry_seconds": 1})).status_code == 404
    # announce can be cleared
    r = await api.call("PATCH", "/api/admin/queues/business", {"announce": ""})
    assert r.json()["announce"] == "" and "announce = " not in api.etc("queues.conf").split("[business]\n", 1)[1] \
        .split("\n\n", 1)[0]


async def test_deactivated_queue_leaves_queues_conf_and_comes_back(api: Api) -> None:
    r = await api.call("PATCH", "/api/admin/queues/consultation", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert "[consultation]" not in api.etc("queues.conf")
    assert "consultation" not in api.stack.acd.queue_names
    r = await api.call("PATCH", "/api/admin/queues/consultation", {"active": True})
    assert "[consultation]" in api.etc("queues.conf") and "consultation" in api.stack.acd.queue_names


async def test_delete_queue_is_refused_while_ivr_flows_or_skills_use_it(api: Api) -> None:
    flow = await api.stack.ivr.create_flow("main menu", QUEUE_FLOW)
    # a draft using it
    r = await api.call("DELETE", "/api/admin/queues/business")
    assert r.status_code == 409 and "main menu" in r.json()["message"]
    assert r.json()["details"]["flows"] == ["main menu"]
    # published (and the draft moved on): still refused, and deactivating it is refused too (live calls go there)
    await api.stack.ivr.publish(flow.id, by="test")
    await api.stack.ivr.save_draft(flow.id, {"start": "q", "nodes": {"q": {"kind": "queue", "queue": "support"}}})
    r = await api.call("DELETE", "/api/admin/queues/business")
    assert r.status_code == 409 and "published: main menu" in r.json()["message"]
    r = await api.call("PATCH", "/api/admin/queues/business", {"active": False})
    assert r.status_code == 409 and r.json()["details"]["field"] == "active" and "main menu" in r.json()["message"]
    # the live version moves on: now only skills hold it
    await api.stack.ivr.publish(flow.id, by="test")
    bob = await _agent(api, "bob")
    ann = await _agent(api, "ann")
    for who in (bob, ann):
        await api.call("PUT", f"/api/admin/users/{who['id']}/skills",
                       {"skills": [{"queue": "business", "level": "senior"}]})
    assert {q["name"]: q["agents"] for q in (await api.call("GET", "/api/admin/queues")).json()}["business"] == 2
    r = await api.call("DELETE", "/api/admin/queues/business")
    assert r.status_code == 409 and "2 agent(s)" in r.json()["message"] and r.json()["details"]["agents"] == 2
    # deactivation is the way out while skills remain
    r = await api.call("PATCH", "/api/admin/queues/business", {"active": False})
    assert r.status_code == 200
    for who in (bob, ann):
        await api.call("PUT", f"/api/admin/users/{who['id']}/skills", {"skills": []})
    r = await api.call("DELETE", "/api/admin/queues/business")
    assert r.status_code == 204
    assert "business" not in [q["name"] for q in (await api.call("GET", "/api/admin/queues")).json()]
    assert "[business]" not in api.etc("queues.conf")
    (entry,) = await _audit(api.stack, "admin.queue.delete")
    assert entry.target == "queue:business"
    assert (await api.call("DELETE", "/api/admin/queues/business")).status_code == 404


async def test_the_ivr_fallback_queue_cannot_be_deleted_or_deactivated(api: Api) -> None:
    r = await api.call("DELETE", "/api/admin/queues/support")
    assert r.status_code == 409 and "ivr.default_queue" in r.json()["message"]
    r = await api.call("PATCH", "/api/admin/queues/support", {"active": False})
    assert r.status_code == 409
    assert "support" in api.stack.acd.queue_names


# pause reasons -------------------------------------------------------------------------------------------------
async def test_pause_reasons_list_create_and_the_acd_offers_the_new_one(api: Api) -> None:
    r = await api.call("GET", "/api/admin/pause-reasons")
    by_code = {x["code"]: x for x in r.json()}
    assert set(by_code) == {"away", "meal", "meeting", "acw", "not_ready", "no_answer"}
    assert by_code["not_ready"]["system"] is True and by_code["meal"] == {
        "code": "meal", "label_zh": "用餐", "label_en": "Meal", "away": True, "system": False, "active": True}
    r = await api.call("POST", "/api/admin/pause-reasons", {"code": "coaching", "label_zh": "辅导",
                                                            "label_en": "Coaching", "away": False})
    assert r.status_code == 201, r.text
    assert r.json() == {"code": "coaching", "label_zh": "辅导", "label_en": "Coaching", "away": False,
                        "system": False, "active": True}
    assert "coaching" in api.stack.acd.selectable_reasons()
    (entry,) = await _audit(api.stack, "admin.pause_reason.create")
    assert entry.target == "pause_reason:coaching"
    r = await api.call("POST", "/api/admin/pause-reasons", {"code": "coaching", "label_zh": "再", "label_en": "again"})
    assert r.status_code == 409 and r.json()["details"]["field"] == "code"


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "Coffee", "label_zh": "咖啡", "label_en": "Coffee"}, "code"),
    ({"code": "x" * 33, "label_zh": "咖啡", "label_en": "Coffee"}, "code"),
    ({"code": "wrapup", "label_zh": "咖啡", "label_en": "Coffee"}, "code"),
    ({"code": "coffee", "label_zh": "", "label_en": "Coffee"}, "label_zh"),
    ({"code": "coffee", "label_zh": "咖啡", "label_en": "x" * 65}, "label_en"),
    ({"code": "coffee", "label_zh": "咖啡"}, "label_en"),
    ({"code": "coffee", "label_zh": "咖啡", "label_en": "Coffee", "away": "yes"}, "away"),
    ({"code": "coffee", "label_zh": "咖啡", "label_en": "Coffee", "system": True}, "system"),
])
async def test_create_pause_reason_refusals_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    r = await api.call("POST", "/api/admin/pause-reasons", body)
    assert _field(r) == field
    assert len((await api.call("GET", "/api/admin/pause-reasons")).json()) == 6


async def test_patch_pause_reason_and_system_reasons_change_labels_only(api: Api) -> None:
    # the centre marks meetings as not away (seeded away since 0014: every non-working state counts)
    r = await api.call("PATCH", "/api/admin/pause-reasons/meeting", {"label_en": "Meeting", "away": False})
    assert r.status_code == 200 and (r.json()["label_en"], r.json()["away"]) == ("Meeting", False)
    assert {x["code"]: x for x in api.stack.acd.reason_list()}["meeting"]["label_en"] == "Meeting"
    # deactivating: the ACD no longer offers it, an agent cannot pause with it
    r = await api.call("PATCH", "/api/admin/pause-reasons/meal", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert "meal" not in api.stack.acd.selectable_reasons()
    await _agent(api, "bob")
    user = await _user(api.stack, "bob")
    await api.stack.acd.login(user, "1001")
    with pytest.raises(InvalidInput):
        await api.stack.acd.pause(user, "meal")
    assert "meal" in [x["code"] for x in (await api.call("GET", "/api/admin/pause-reasons")).json()]
    # system reasons: labels and the away flag yes, active no (sending the unchanged value is fine)
    r = await api.call("PATCH", "/api/admin/pause-reasons/no_answer", {"label_zh": "振铃未接", "away": True})
    assert r.status_code == 200 and r.json()["label_zh"] == "振铃未接"
    r = await api.call("PATCH", "/api/admin/pause-reasons/no_answer", {"active": False, "label_en": "x"})
    assert _field(r) == "active" and "system" in r.json()["message"]
    r = await api.call("PATCH", "/api/admin/pause-reasons/not_ready", {"away": False})
    assert r.status_code == 200 and r.json()["away"] is False and "not_ready" not in api.stack.acd.away_reasons()
    async with api.stack.sessions() as s:
        r2 = (await s.execute(select(PauseReason).where(PauseReason.code == "no_answer"))).scalar_one()
    assert (r2.label_en, r2.away, r2.active) == ("Auto-paused: ring not answered", True, True)
    assert _field(await api.call("PATCH", "/api/admin/pause-reasons/meeting", {"label_zh": ""})) == "label_zh"
    assert _field(await api.call("PATCH", "/api/admin/pause-reasons/meeting", {"code": "x"})) == "code"
    assert (await api.call("PATCH", "/api/admin/pause-reasons/nope", {"label_en": "x"})).status_code == 404
    assert [e.detail for e in await _audit(api.stack, "admin.pause_reason.update")] == [
        {"label_en": "Meeting", "away": False}, {"active": False}, {"label_zh": "振铃未接"}, {"away": False}]
    # a new reason counts as away unless the admin says otherwise
    r = await api.call("POST", "/api/admin/pause-reasons", {"code": "smoke", "label_zh": "吸烟", "label_en": "Smoke"})
    assert r.status_code == 201 and r.json()["away"] is True


async def test_no_delete_routes_for_users_or_pause_reasons(api: Api) -> None:
    bob = await _agent(api, "bob")
    assert (await api.call("DELETE", f"/api/admin/users/{bob['id']}")).status_code == 405
    assert (await api.call("DELETE", "/api/admin/pause-reasons/meal")).status_code == 405
    async with api.stack.sessions() as s:
        assert (await s.execute(select(func.count(User.id)))).scalar_one() == 2
        assert (await s.execute(select(func.count(PauseReason.id)))).scalar_one() == 6
        assert (await s.execute(select(func.count(Seat.id)))).scalar_one() == 2
        assert (await s.execute(select(func.count(AgentSkill.id)))).scalar_one() == 0


async def test_concurrent_changes_are_serialized(api: Api) -> None:
    body = {"extension": "2002", "name": "Twin", "password": SEAT_PASSWORD}
    results = await asyncio.gather(*(api.call("POST", "/api/admin/seats", body) for _ in range(3)),
                                   *(api.call("POST", "/api/admin/queues", {"name": "twin"}) for _ in range(3)))
    assert sorted(r.status_code for r in results[:3]) == [201, 409, 409]
    assert sorted(r.status_code for r in results[3:]) == [201, 409, 409]
    assert api.etc("pjsip.conf").count("[2002]\ntype = endpoint") == 1
    assert api.etc("queues.conf").count("[twin]") == 1


# the page ------------------------------------------------------------------------------------------------------
async def test_the_admin_page_is_served_and_every_text_it_uses_exists_in_both_languages(api: Api) -> None:
    r = await api.client.get("/ui/admin.html")
    assert r.status_code == 200 and 'src="js/admin.js"' in r.text
    used = set()
    for f in page_files("admin"):
        used |= set(re.findall(r'"((?:admin|home)\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    meta = (await api.call("GET", "/api/admin/meta")).json()
    for prefix, values in (("role", meta["roles"]), ("level", meta["levels"]), ("strategy", meta["strategies"]),
                           ("routing", meta["routings"]), ("state", ["ready", "ringing", "on_call", "wrapup",
                                                                      "paused"])):
        used |= {f"admin.{prefix}.{v}" for v in values}
    used |= {"home.admin", "home.admin_desc"}
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
    index = (UI / "js" / "index.js").read_text(encoding="utf-8")
    assert 'href: "admin.html", key: "home.admin"' in index
