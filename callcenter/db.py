"""Database engine/session factory and the declarative base shared by every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, TypeDecorator, event
from sqlalchemy.engine import CursorResult, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from callcenter.files import private_file


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC (SQLite has no zone), always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str) -> AsyncEngine:
    kwargs: dict[str, object] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        path = sqlite_path(url)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            # seat passwords and customer data: readable by the service alone. Before WAL is switched on, since
            # SQLite gives the -wal/-shm files the database file's mode; existing ones are fixed too
            if path is not None:
                for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                    private_file(f)
            # WAL: readers (the API) never block the writer (call tracking); NORMAL sync is durable in WAL
            # mode across application crashes, which is what the embedded setup needs.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None: not SQLite, or in memory)."""
    if not url.startswith("sqlite"):
        return None
    db = make_url(url).database
    return Path(db) if db and db != ":memory:" else None


def rows_affected(result: object) -> int:
    """The rows an UPDATE or DELETE matched. Its result is a ``CursorResult``, which ``AsyncSession.execute``'s
    type hints call a plain ``Result`` (no ``rowcount``); anything else is a programming error."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return int(result.rowcount)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions of one engine. Each sessionmaker gets its own sync session factory, so ORM session events
    (the auth service watches changes to users and sessions) can be listened to per database rather than on the
    process-wide ``Session`` class."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=sessionmaker())
