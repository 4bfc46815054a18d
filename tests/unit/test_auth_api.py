"""/api/auth: login (cookie + bearer token), rate limiting, logout, session expiry, deactivated users,
password hashing, AuthService.create_user validation, the audit log, and Stack.bootstrap_admin()."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry, User
from callcenter.clock import FakeClock
from callcenter.errors import InvalidInput
from callcenter.settings import DEV_ADMIN_PASSWORD, SettingsError
from tests.helpers import bearer, stack_settings

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct-horse-1"


@dataclass
class Api:
    stack: Stack
    client: httpx.AsyncClient
    clock: FakeClock


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=clock, run_migrations=False)
    try:
        await stack.load_directory()
        await stack.auth.create_user("alice", PASSWORD, ["agent", "supervisor"], "Alice A.")
        app = create_app(stack.settings, stack=stack, manage_stack=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            yield Api(stack, c, clock)
    finally:
        await stack.engine.dispose()


async def _login(c: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD) -> httpx.Response:
    return await c.post("/api/auth/login", json={"username": username, "password": password})


async def _audit(stack: Stack, action: str | None = None) -> list[AuditEntry]:
    async with stack.sessions() as s:
        q = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            q = q.where(AuditEntry.action == action)
        return list((await s.execute(q)).scalars())


async def test_login_sets_an_httponly_strict_cookie_and_returns_token_and_roles(api: Api) -> None:
    r = await _login(api.client)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert body["user"] == {"username": "alice", "display_name": "Alice A.", "roles": ["agent", "supervisor"]}
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"cc_session={body['token']};")
    attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
    assert "httponly" in attrs
    assert "samesite=strict" in attrs
    assert "path=/" in attrs
    assert f"max-age={12 * 3600}" in attrs
    assert "secure" not in attrs  # dev mode is plain http; prod sets Secure


async def test_me_with_the_cookie_alone_and_with_a_bearer_token(api: Api) -> None:
    token = (await _login(api.client)).json()["token"]
    app = create_app(api.stack.settings, stack=api.stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as fresh:
        r = await fresh.get("/api/auth/me")
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        r = await fresh.get("/api/auth/me", headers={"Cookie": f"cc_session={token}"})
        assert r.status_code == 200, r.text
        # with the centre's timezone, from which the pages take "today" and "this month"
        assert r.json() == {"username": "alice", "display_name": "Alice A.", "roles": ["agent", "supervisor"],
                            "timezone": api.stack.settings.timezone}
        r = await fresh.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["username"] == "alice"
        r = await fresh.get("/api/auth/me", headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401
    # the client that logged in keeps the cookie in its jar
    r = await api.client.get("/api/auth/me")
    assert r.status_code == 200 and r.json()["username"] == "alice"


async def test_wrong_password_is_401_without_a_cookie(api: Api) -> None:
    for username, password in (("alice", "wrong-password"), ("nobody", PASSWORD)):
        r = await _login(api.client, username, password)
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "unauthorized"
        assert "set-cookie" not in r.headers
        assert "token" not in r.json()
    assert not api.client.cookies
    assert (await api.client.get("/api/auth/me")).status_code == 401


async def test_five_failures_lock_the_username_for_this_client_until_the_window_passes(api: Api) -> None:
    window = api.stack.settings.auth.login_failure_window_seconds
    assert api.stack.settings.auth.login_max_failures == 5
    for _ in range(5):
        assert (await _login(api.client, password="wrong-password")).status_code == 401
        api.clock.advance(1)
    r = await _login(api.client)  # the right password does not help now
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["error"] == "too_many_attempts"
    retry = body["details"]["retry_after_seconds"]
    assert isinstance(retry, int) and 0 < retry <= window
    assert r.headers["retry-after"] == str(retry)
    assert "set-cookie" not in r.headers
    # the same username differently written is the same key
    assert (await _login(api.client, username=" ALICE ")).status_code == 429
    # another username from the same client is not locked
    await api.stack.auth.create_user("bob", PASSWORD, ["agent"])
    assert (await _login(api.client, username="bob")).status_code == 200

    api.clock.advance(retry - 1)
    assert (await _login(api.client)).status_code == 429
    api.clock.advance(1.5)
    r = await _login(api.client)
    assert r.status_code == 200, r.text
    # a success clears the counter: one more failure is just a 401
    assert (await _login(api.client, password="wrong-password")).status_code == 401
    assert (await _login(api.client)).status_code == 200


async def test_the_lock_is_per_client_address(api: Api) -> None:
    for _ in range(5):
        await _login(api.client, password="wrong-password")
    assert (await _login(api.client)).status_code == 429
    app = create_app(api.stack.settings, stack=api.stack, manage_stack=False)
    other = httpx.ASGITransport(app=app, client=("10.0.0.9", 40000))
    async with httpx.AsyncClient(transport=other, base_url="http://testserver") as c:
        assert (await _login(c)).status_code == 200


async def test_logout_ends_the_session(api: Api) -> None:
    token = (await _login(api.client)).json()["token"]
    bearer_header = {"Authorization": f"Bearer {token}"}
    assert (await api.client.get("/api/auth/me", headers=bearer_header)).status_code == 200
    r = await api.client.post("/api/auth/logout")  # with the cookie
    assert r.status_code == 204
    assert r.content == b""
    assert 'cc_session=""' in r.headers["set-cookie"] or "max-age=0" in r.headers["set-cookie"].lower()
    r = await api.client.get("/api/auth/me", headers=bearer_header)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = await api.client.get("/api/auth/me", headers={"Cookie": f"cc_session={token}"})
    assert r.status_code == 401
    # logging out without a session is harmless
    assert (await api.client.post("/api/auth/logout")).status_code == 204


async def test_logout_with_a_bearer_token_only_ends_that_session(api: Api) -> None:
    t1 = (await _login(api.client)).json()["token"]
    t2 = (await _login(api.client)).json()["token"]
    assert t1 != t2
    r = await api.client.post("/api/auth/logout", headers={"Authorization": f"Bearer {t1}"})
    assert r.status_code == 204
    assert (await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {t1}"})).status_code == 401
    assert (await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {t2}"})).status_code == 200


async def test_a_session_expires_after_session_hours(api: Api) -> None:
    hours = api.stack.settings.auth.session_hours
    token = (await _login(api.client)).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    api.clock.advance(hours * 3600 - 1)
    assert (await api.client.get("/api/auth/me", headers=h)).status_code == 200
    api.clock.advance(2)
    r = await api.client.get("/api/auth/me", headers=h)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert (await api.client.get("/api/auth/me")).status_code == 401  # the cookie holds the same token


async def test_a_deactivated_user_cannot_log_in_and_loses_open_sessions(api: Api) -> None:
    token = (await _login(api.client)).json()["token"]
    async with api.stack.sessions() as s:
        await s.execute(update(User).where(User.username == "alice").values(active=False))
        await s.commit()
    r = await _login(api.client)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert "set-cookie" not in r.headers
    r = await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_passwords_are_stored_as_scrypt_hashes(api: Api) -> None:
    await api.stack.auth.create_user("carol", PASSWORD, ["qc"])
    async with api.stack.sessions() as s:
        rows = (await s.execute(text("SELECT username, password_hash FROM users ORDER BY username"))).all()
    assert [r[0] for r in rows] == ["alice", "carol"]
    hashes = [r[1] for r in rows]
    for h in hashes:
        assert PASSWORD not in h
        algo, n, r_, p, salt, digest = h.split("$")
        assert (algo, n, r_, p) == ("scrypt", str(2**14), "8", "1")
        assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert hashes[0] != hashes[1]  # same password, different salt
    # the token is not stored in clear either
    token = (await _login(api.client, "carol")).json()["token"]
    async with api.stack.sessions() as s:
        stored = [r[0] for r in (await s.execute(text("SELECT token_hash FROM auth_sessions"))).all()]
    assert stored and token not in stored and all(len(t) == 64 for t in stored)


@pytest.mark.parametrize(
    ("username", "password", "roles", "fragment"),
    [
        ("dave", PASSWORD, ["superuser"], "roles"),
        ("dave", PASSWORD, ["agent", "root"], "roles"),
        ("dave", PASSWORD, [], "roles"),
        ("dave", "short7!", ["agent"], "password"),
        ("", PASSWORD, ["agent"], "username"),
        ("bad name", PASSWORD, ["agent"], "username"),
        ("a/b", PASSWORD, ["agent"], "username"),
        ("x" * 65, PASSWORD, ["agent"], "username"),
        ("alice", PASSWORD, ["agent"], "already exists"),
        (" alice ", PASSWORD, ["agent"], "already exists"),
    ],
)
async def test_create_user_refuses_bad_input(
    api: Api, username: str, password: str, roles: list[str], fragment: str
) -> None:
    with pytest.raises(InvalidInput) as e:
        await api.stack.auth.create_user(username, password, roles)
    assert fragment in e.value.message
    async with api.stack.sessions() as s:
        assert (await s.execute(select(User.username))).scalars().all() == ["alice"]


async def test_create_user_accepts_good_input(api: Api) -> None:
    user = await api.stack.auth.create_user("e.ve-2_x", "12345678", ["qc", "agent", "qc"])
    assert user.roles == ["agent", "qc"] and user.display_name == "e.ve-2_x" and user.active


async def test_logins_are_audited(api: Api) -> None:
    assert (await _login(api.client)).status_code == 200
    assert (await _login(api.client, password="wrong-password")).status_code == 401
    entries = await _audit(api.stack, "login")
    assert len(entries) == 1
    e = entries[0]
    assert e.username == "alice" and e.at == T0
    assert e.detail == {"client": "127.0.0.1"}


async def test_ivr_changes_are_audited(api: Api) -> None:
    h = await bearer(api.stack, ("admin",), "root")
    draft: dict[str, Any] = {"start": "greet", "language": "en", "nodes": {
        "greet": {"kind": "play", "prompt": "hello-world", "next": "q"},
        "q": {"kind": "queue", "queue": "support"},
    }}
    c = api.client
    fid = (await c.post("/api/ivr/flows", json={"name": "main", "draft": draft}, headers=h)).json()["id"]
    assert (await c.put(f"/api/ivr/flows/{fid}/draft", json={"draft": draft}, headers=h)).status_code == 200
    assert (await c.post(f"/api/ivr/flows/{fid}/publish", json={}, headers=h)).status_code == 201
    assert (await c.post(f"/api/ivr/flows/{fid}/publish", json={}, headers=h)).status_code == 201
    assert (await c.post(f"/api/ivr/flows/{fid}/rollback", json={"version": 1}, headers=h)).status_code == 200
    assert (await c.put("/api/ivr/entry-points/4000", json={"flow_id": fid}, headers=h)).status_code == 200
    # refused changes are not written
    assert (await c.put("/api/ivr/entry-points/abc", json={"flow_id": fid}, headers=h)).status_code == 400
    entries = [e for e in await _audit(api.stack) if e.action != "login"]
    assert [(e.username, e.action, e.target, e.detail) for e in entries] == [
        ("root", "ivr.flow.create", f"flow:{fid}", {"name": "main"}),
        ("root", "ivr.flow.save_draft", f"flow:{fid}", None),
        ("root", "ivr.flow.publish", f"flow:{fid}", {"version": 1}),
        ("root", "ivr.flow.publish", f"flow:{fid}", {"version": 2}),
        ("root", "ivr.flow.rollback", f"flow:{fid}", {"version": 1}),
        ("root", "ivr.entry_point.set", "did:4000", {"flow_id": fid}),
    ]


# ---- Stack.bootstrap_admin -----------------------------------------------------------------------------------


async def test_bootstrap_admin_creates_the_dev_admin_once(db_url: str, workdir: Path) -> None:
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    try:
        assert stack.settings.auth.bootstrap_admin_password == DEV_ADMIN_PASSWORD == "admin-dev-password"
        assert not await stack.auth.has_users()
        await stack.bootstrap_admin()
        token, user = await stack.auth.login("admin", "admin-dev-password", "test")
        assert user.roles == ["admin"] and token
        await stack.bootstrap_admin()  # users exist: nothing happens
        async with stack.sessions() as s:
            assert (await s.execute(select(User.username))).scalars().all() == ["admin"]
    finally:
        await stack.engine.dispose()


async def test_bootstrap_admin_does_nothing_when_users_exist(db_url: str, workdir: Path) -> None:
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    try:
        await stack.auth.create_user("ops", PASSWORD, ["supervisor"])
        await stack.bootstrap_admin()
        async with stack.sessions() as s:
            assert (await s.execute(select(User.username))).scalars().all() == ["ops"]
    finally:
        await stack.engine.dispose()


def _prod_settings(db_url: str, data_dir: Path, **auth: Any) -> Any:
    return stack_settings(
        db_url, data_dir, mode="prod",
        ami={"secret": "a-long-production-ami-secret"},
        agents=[{"extension": "1001", "password": "phone-1001-strong", "name": "Agent 1001"},
                {"extension": "1002", "password": "phone-1002-strong", "name": "Agent 1002"}],
        auth=auth,
    )


async def test_bootstrap_admin_in_prod_needs_a_password(db_url: str, workdir: Path) -> None:
    settings = _prod_settings(db_url, workdir / "data")
    assert settings.mode == "prod" and settings.auth.bootstrap_admin_password == ""
    stack = Stack(settings, run_migrations=False)
    try:
        with pytest.raises(SettingsError, match=r"auth\.bootstrap_admin_password"):
            await stack.bootstrap_admin()
        assert not await stack.auth.has_users()
        # once users exist, no password is needed
        await stack.auth.create_user("ops", PASSWORD, ["admin"])
        await stack.bootstrap_admin()
    finally:
        await stack.engine.dispose()


async def test_bootstrap_admin_in_prod_uses_the_configured_password(db_url: str, workdir: Path) -> None:
    settings = _prod_settings(db_url, workdir / "data", bootstrap_admin_username="boss",
                              bootstrap_admin_password="a-real-admin-password")
    stack = Stack(settings, run_migrations=False)
    try:
        await stack.bootstrap_admin()
        _, user = await stack.auth.login("boss", "a-real-admin-password", "test")
        assert user.roles == ["admin"]
    finally:
        await stack.engine.dispose()


async def test_in_prod_the_session_cookie_is_secure(db_url: str, workdir: Path) -> None:
    settings = _prod_settings(db_url, workdir / "data", bootstrap_admin_password="a-real-admin-password")
    stack = Stack(settings, run_migrations=False)
    try:
        await stack.bootstrap_admin()
        app = create_app(settings, stack=stack, manage_stack=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
            r = await _login(c, "admin", "a-real-admin-password")
        assert r.status_code == 200, r.text
        attrs = [a.strip().lower() for a in r.headers["set-cookie"].split(";")[1:]]
        assert {"secure", "httponly", "samesite=strict"} <= set(attrs)
    finally:
        await stack.engine.dispose()


# ---- dev credentials refused in prod -------------------------------------------------------------------------


async def test_a_database_first_created_in_dev_mode_is_refused_in_prod_until_its_dev_passwords_are_changed(
        db_url: str, workdir: Path) -> None:
    # first run in dev mode: the dev admin and the seats' -dev passwords (from the default settings)
    dev = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    try:
        await dev.load_directory()
        await dev.bootstrap_admin()
        await dev.auth.create_user("ops", PASSWORD, ["admin"])  # an admin with a password of their own
        assert sorted(x.extension for x in await dev.directory_repo.seats()) == ["1001", "1002"]
    finally:
        await dev.engine.dispose()

    prod = Stack(_prod_settings(db_url, workdir / "data"), run_migrations=False)
    with pytest.raises(SettingsError) as refused:
        await prod.start()  # refused before Asterisk, FastAGI or AMI start
    message = str(refused.value)
    assert "refusing to start in prod mode with dev credentials" in message
    assert "user admin still has the dev password" in message
    assert "seat 1001 still has its dev password" in message and "seat 1002 still has its dev password" in message
    assert "ops" not in message
    assert prod.asterisk_process is None

    # the operator changes them (in dev mode, through the admin API), one seat forgotten: only it is named
    await _change_in_dev(db_url, workdir, {"/api/admin/seats/1001": "phone-1001-strong",
                                           "/api/admin/users/{admin}": "a-real-admin-password"})
    prod = Stack(_prod_settings(db_url, workdir / "data"), run_migrations=False)
    try:
        with pytest.raises(SettingsError) as refused:
            await prod.refuse_dev_credentials()
        assert [x.strip() for x in str(refused.value).splitlines() if "still has" in x] == [
            "seat 1002 still has its dev password"]
        await _change_in_dev(db_url, workdir, {"/api/admin/seats/1002": "phone-1002-strong"})
        await prod.refuse_dev_credentials()  # nothing left: the start goes on
    finally:
        await prod.engine.dispose()


async def _change_in_dev(db_url: str, workdir: Path, passwords: dict[str, str]) -> None:
    """Log in as the admin of a dev-mode stack and PATCH each resource's password."""
    dev = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    try:
        await dev.load_directory()
        app = create_app(dev.settings, stack=dev, manage_stack=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            r = await _login(c, "admin", DEV_ADMIN_PASSWORD)
            if r.status_code != 200:
                r = await _login(c, "admin", "a-real-admin-password")
            assert r.status_code == 200, r.text
            async with dev.sessions() as s:
                admin_id = (await s.execute(select(User.id).where(User.username == "admin"))).scalar_one()
            for path, password in passwords.items():
                r = await c.patch(path.format(admin=admin_id), json={"password": password})
                assert r.status_code == 200, r.text
    finally:
        await dev.engine.dispose()
