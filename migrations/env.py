"""Alembic environment (async engines: aiosqlite / asyncpg)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from callcenter.acd import models as _acd  # noqa: F401
from callcenter.auth import models as _auth  # noqa: F401
from callcenter.callbacks import models as _callbacks  # noqa: F401
from callcenter.calls import models as _calls  # noqa: F401 - registers tables on Base.metadata
from callcenter.campaigns import models as _campaigns  # noqa: F401
from callcenter.cases import models as _cases  # noqa: F401
from callcenter.customers import models as _customers  # noqa: F401
from callcenter.db import Base, make_engine
from callcenter.departments import models as _departments  # noqa: F401
from callcenter.directory import models as _directory  # noqa: F401
from callcenter.ivr import models as _ivr  # noqa: F401
from callcenter.qc import models as _qc  # noqa: F401
from callcenter.recordings import models as _recordings  # noqa: F401
from callcenter.seat import models as _seat  # noqa: F401
from callcenter.shifts import models as _shifts  # noqa: F401
from callcenter.surveys import models as _surveys  # noqa: F401

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from callcenter.settings import load_settings

        url = load_settings().database_url
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    engine = make_engine(_url())
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    conn = config.attributes.get("connection")
    if conn is not None:
        _run(conn)
    else:
        asyncio.run(_online())
