from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from callcenter.app import Stack
from callcenter.migrate import upgrade
from tests.helpers import Sipp, pg_url, short_tmpdir, stack_settings, wait_for

# The stack fixture's IVR: a greeting, then the support queue (tests of IVR menus publish their own flows).
DIRECT_FLOW = {"start": "greet", "language": "en", "nodes": {
    "greet": {"kind": "play", "prompt": "hello-world", "next": "support"},
    "support": {"kind": "queue", "queue": "support", "max_wait_seconds": 300},
}}
DB_BACKENDS = ["sqlite"] + (["postgresql"] if pg_url() else [])
# before pytest-timeout (pyproject) fails a hung test, print where every asyncio task is waiting: the main
# thread's own stack only shows the event loop's poll
TASK_DUMP_AFTER_SECONDS = 240


def _dump_tasks() -> None:
    print(f"\n=== asyncio tasks still pending after {TASK_DUMP_AFTER_SECONDS} s ===", file=sys.stderr)
    for task in asyncio.all_tasks():
        task.print_stack(file=sys.stderr)


# The slowest tiers run first, so a long test never starts last and holds up the end of the run: the fuzz run
# (minutes per database), then the browser pages (a `callcenter up`, a real Asterisk and a Chromium each, tens of
# seconds), then the other real-Asterisk tests, then the unit tier (mostly well under a second per test).
# scripts/test hands tests out one at a time to whichever pytest-xdist worker is free (--dist load
# --maxschedchunk 1), so in this order the long tests spread over the workers from the start and the many short
# ones fill the gaps at the end. The order within a tier is the collection's (pytest's sort is stable).
_TIER_ORDER = {"fuzz": 0, "browser": 1, "integration": 2}


def _tier_rank(item: pytest.Item) -> int:
    tests = Path(__file__).parent
    parts = item.path.relative_to(tests).parts if item.path.is_relative_to(tests) else ()
    return _TIER_ORDER.get(parts[0], len(_TIER_ORDER)) if len(parts) > 1 else len(_TIER_ORDER)


# A real-Asterisk test costs a stack (an Asterisk, SIPp, seconds of SIP timers). Where what it checks is Asterisk, the
# dialplan and the service's reactions, and the database only stores what the unit tier checks on both databases,
# it runs on one of them: half of these tests on SQLite (the README's embedded default), half on PostgreSQL, each
# test always on the same one (a hash of its name), so both databases carry real calls end to end in every run. A
# test whose point is the database (a kill -9, a refused row, a restart's recovery) is marked ``both_databases`` and
# runs on each. The page tests choose theirs in tests/browser/helpers.py (ONE_DATABASE).
def _one_database_for(item: pytest.Item) -> str:
    return DB_BACKENDS[zlib.crc32(f"{item.path.name}::{getattr(item, 'originalname', item.name)}".encode())
                       % len(DB_BACKENDS)]


def _runs_here(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("db_url") if callspec is not None else None
    if backend is None or _tier_rank(item) != _TIER_ORDER["integration"]:
        return True
    if item.get_closest_marker("both_databases") is not None:
        return True
    if any("db_url" in str(m.args[0]) for m in item.iter_markers("parametrize")):
        return True  # the test names its database itself
    return bool(backend == _one_database_for(item))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dropped = [i for i in items if not _runs_here(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [i for i in items if id(i) not in gone]
    items.sort(key=_tier_rank)


@pytest.fixture(autouse=True)
async def _report_hung_tasks() -> AsyncIterator[None]:
    handle = asyncio.get_running_loop().call_later(TASK_DUMP_AFTER_SECONDS, _dump_tasks)
    try:
        yield
    finally:
        handle.cancel()


def _normalise_pg(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    u = make_url(_normalise_pg(url))
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
        password=u.password, database=u.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def workdir() -> Iterator[Path]:
    d = short_tmpdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


# Migrating a database costs ~0.7 s (SQLite) / ~1.1 s (PostgreSQL) and about a thousand tests want one: each
# backend is migrated once per run into a template, and every test gets a copy of it (SQLite's backup API,
# PostgreSQL's CREATE DATABASE ... TEMPLATE). The templates are made by this run's own migrations, so a copy is
# exactly what migrating would give; tests of the migrations themselves migrate their own databases.
_TEMPLATES: dict[str, str] = {}
_TEMPLATE_DIR = short_tmpdir()


def _sqlite_copy(src: Path, dst: Path) -> None:
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


async def _template(backend: str) -> str:
    """The migrated template of ``backend``: a SQLite file path or a PostgreSQL database name."""
    if backend not in _TEMPLATES:
        if backend == "sqlite":
            path = _TEMPLATE_DIR / "template.db"
            await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}")
            _TEMPLATES[backend] = str(path)
        else:
            base = pg_url()
            assert base
            name = "cc_tpl_" + uuid.uuid4().hex[:12]
            await _pg_admin(base, f'CREATE DATABASE "{name}"')
            url = make_url(_normalise_pg(base)).set(database=name).render_as_string(hide_password=False)
            await asyncio.to_thread(upgrade, url)
            _TEMPLATES[backend] = name
    return _TEMPLATES[backend]


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    name = _TEMPLATES.get("postgresql")
    base = pg_url()
    if name and base:
        asyncio.run(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    shutil.rmtree(_TEMPLATE_DIR, ignore_errors=True)


@pytest.fixture(params=DB_BACKENDS)
async def db_url(request: pytest.FixtureRequest, workdir: Path) -> AsyncIterator[str]:
    """An empty, migrated database: SQLite always, PostgreSQL too when CALLCENTER_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        path = workdir / "test.db"
        await asyncio.to_thread(_sqlite_copy, Path(await _template("sqlite")), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    base = pg_url()
    assert base
    template = await _template("postgresql")
    name = "cc_test_" + uuid.uuid4().hex[:12]
    await _pg_admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = make_url(_normalise_pg(base)).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def stack_overrides() -> dict[str, object]:
    """Settings overrides for the ``stack`` fixture; a test parametrizes this to change them."""
    return {}


@pytest.fixture
async def stack(db_url: str, workdir: Path, stack_overrides: dict[str, object]) -> AsyncIterator[Stack]:
    """A whole stack (managed real Asterisk from asterisk_conf/, FastAGI, AMI) on free loopback ports."""
    settings = stack_settings(db_url, workdir / "data", **stack_overrides)
    st = Stack(settings, run_migrations=False)
    await st.start()
    try:
        await wait_for(lambda: st.ami.ready, 20, "AMI ready")
        flow = await st.ivr.create_flow("direct", DIRECT_FLOW)
        await st.ivr.publish(flow.id, by="test")
        await st.ivr.set_entry_point("*", flow.id)
        yield st
    finally:
        await st.stop()


@pytest.fixture
def sipp(stack: Stack, workdir: Path) -> Iterator[Sipp]:
    s = Sipp(stack.settings, workdir / "sipp")
    yield s
    s.close()
