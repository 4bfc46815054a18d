"""GET /api/health: AMI, FastAGI, DB, Asterisk. 503 when any part is down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", summary="Health of every part of the stack")
async def health(request: Request) -> JSONResponse:
    svc = request.app.state.services
    ami = svc.ami.status
    db_ok, db_error = True, ""
    try:
        async with svc.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - reported, not raised
        db_ok, db_error = False, f"{type(e).__name__}: {e}"[:300]
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
    }
    ok = body["ami"]["connected"] and body["fastagi"]["listening"] and db_ok
    if proc is not None and not proc.running:
        ok = False
    body["status"] = "ok" if ok else "degraded"
    return JSONResponse(body, status_code=200 if ok else 503)
