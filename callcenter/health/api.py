"""GET /api/health: AMI, FastAGI, DB, Asterisk, and rows the writers could not store. 503 when any part is down
or any such row is unresolved. Admins list, retry and dismiss those rows under /api/health/write-failures."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.asterisk.ami import AmiClient
from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.asterisk.process import ManagedAsterisk
from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Id
from callcenter.deps import Key, provide
from callcenter.health.errors import ROW_STILL_REFUSED, WRITE_FAILURE_NOT_FOUND, WRITE_FAILURE_RESOLVED
from callcenter.health.schemas import HealthOut, WriteFailureOut, WriteFailurePage
from callcenter.settings import Settings
from callcenter.writebehind import WriteFailureStore
from callcenter.writebehind_models import WriteFailure

router = APIRouter(prefix="/api", tags=["health"])


class Parts(Protocol):
    """What the health report reads: the running stack's parts (``callcenter.app.Stack``)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def ami(self) -> AmiClient: ...

    @property
    def agi(self) -> FastAgiServer: ...

    @property
    def engine(self) -> AsyncEngine: ...

    @property
    def write_failures(self) -> WriteFailureStore: ...

    @property
    def asterisk_process(self) -> ManagedAsterisk | None: ...


PARTS: Key[Parts] = Key("health.parts")


@router.get("/health", response_model=HealthOut, summary="Health of every part of the stack",
            responses={503: {"model": HealthOut, "description": "A part is down, or a row could not be stored"}})
async def health(svc: Annotated[Parts, Depends(provide(PARTS))]) -> JSONResponse:
    ami = svc.ami.status
    db_ok, db_error = True, ""
    failures: dict[str, Any] | None = None
    try:
        async with svc.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        failures = await svc.write_failures.summary()
    except Exception as e:  # noqa: BLE001 - reported, not raised
        db_ok, db_error = False, f"{type(e).__name__}: {e}"[:300]
    writers = svc.write_failures.writers.values()
    proc = svc.asterisk_process
    body: dict[str, Any] = {
        "ami": {
            "connected": ami.connected and ami.authenticated and svc.ami.ready,
            "authenticated": ami.authenticated,
            "host": svc.settings.ami.host,
            "port": svc.settings.ami.port,
            "last_error": ami.last_error or None,
            "reconnects": max(0, ami.connects - 1),
        },
        "fastagi": {
            "listening": svc.agi.listening,
            "host": svc.settings.agi.host,
            "port": svc.settings.agi.port,
        },
        "db": {"ok": db_ok, "dialect": svc.engine.dialect.name, "error": db_error or None},
        "asterisk": {
            "version": ami.asterisk_version or None,
            "managed": svc.settings.asterisk.managed,
            "running": proc.running if proc is not None else None,
        },
        # rows a writer (call records, agent states) could not store: set aside with their error, the rest stored;
        # "pending" counts rows waiting to be written (it grows while the database is unreachable)
        "write_failures": {
            "unresolved": failures["unresolved"] if failures else None,
            "latest": failures["latest"] if failures else None,
            "pending": {w.name: w.pending for w in writers},
        },
    }
    ok = body["ami"]["connected"] and body["fastagi"]["listening"] and db_ok and not (failures or {}).get("unresolved")
    if proc is not None and not proc.running:
        ok = False
    body["status"] = "ok" if ok else "degraded"
    return JSONResponse(body, status_code=200 if ok else 503)


# rows the writers could not store (admins) --------------------------------------------------------------------
admin = Depends(require_roles("admin"))


StoreDep = Annotated[WriteFailureStore, Depends(provide(WriteFailureStore))]


class DismissIn(BaseModel):
    note: str = Field("", max_length=300, description="why the row is not needed (kept with it)")


@router.get("/health/write-failures", response_model=WriteFailurePage,
            summary="Rows that could not be stored, newest first (admin)",
            dependencies=[admin])
async def list_write_failures(
    store: StoreDep,
    include_resolved: Annotated[bool, Query(description="resolved ones too")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    rows = await store.recent(unresolved=not include_resolved, limit=limit)
    return {"items": [store.out(f) for f in rows]}


async def _stored(store: WriteFailureStore, failure_id: int) -> WriteFailure:
    f = await store.get(failure_id)
    if f is None:
        raise WRITE_FAILURE_NOT_FOUND(id=failure_id)
    return f


async def _failure(store: WriteFailureStore, failure_id: int) -> WriteFailure:
    """An unresolved failure (retry and dismiss act on those only)."""
    f = await _stored(store, failure_id)
    if f.resolved_at is not None:
        raise WRITE_FAILURE_RESOLVED({"resolution": f.resolution}, id=failure_id)
    return f


@router.post("/health/write-failures/{failure_id}/retry", response_model=WriteFailureOut,
             summary="Store the row again (admin)")
async def retry_write_failure(store: StoreDep, failure_id: Id,
                              user: Annotated[User, Depends(require_roles("admin"))]) -> dict[str, Any]:
    f = await _failure(store, failure_id)
    error = await store.retry(f, user.username)
    if error is not None:
        raise ROW_STILL_REFUSED(id=failure_id, error=error)
    return store.out(await _stored(store, failure_id))


@router.post("/health/write-failures/{failure_id}/dismiss", response_model=WriteFailureOut,
             summary="Mark the row as not needed (admin)")
async def dismiss_write_failure(store: StoreDep, failure_id: Id,
                                user: Annotated[User, Depends(require_roles("admin"))],
                                body: Annotated[DismissIn, Body()]) -> dict[str, Any]:
    f = await _failure(store, failure_id)
    await store.dismiss(f, user.username, body.note)
    return store.out(await _stored(store, failure_id))
