"""Domain errors carry an HTTP status, an error id and details; mapped to JSON in one place."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError

log = logging.getLogger(__name__)

# ValueError messages of the datetime module when arithmetic or construction leaves its range (years 1..9999)
_DATE_RANGE = re.compile(r"year -?\d+ is out of range|date value out of range|day is out of range for month"
                         r"|month must be in 1\.\.12")


class DomainError(Exception):
    status = 400
    error_id = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status = 404
    error_id = "not_found"


class InvalidInput(DomainError):
    status = 400
    error_id = "invalid_input"


class Unauthorized(DomainError):
    status = 401
    error_id = "unauthorized"


class Forbidden(DomainError):
    status = 403
    error_id = "forbidden"


class Conflict(DomainError):
    status = 409
    error_id = "conflict"


class Unavailable(DomainError):
    """A part the request needs (Asterisk, AMI) is down right now."""

    status = 503
    error_id = "unavailable"


class TooManyAttempts(DomainError):
    """``details['retry_after_seconds']`` becomes the Retry-After header."""

    status = 429
    error_id = "too_many_attempts"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {}
        if "retry_after_seconds" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after_seconds"])
        return JSONResponse(
            {"error": exc.error_id, "message": exc.message, "details": exc.details}, status_code=exc.status,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
            problems.append({"field": where, "problem": e.get("msg", "")})
        msg = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(
            {"error": "invalid_input", "message": msg, "details": {"problems": problems}}, status_code=400
        )

    # Safety net below the edge: the routers bound ids, days and offsets (callcenter.bounds), so these mean a value
    # that got through is still out of range somewhere inside. The caller gets a 400, not a 500; the log says where.
    def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s: value out of range: %s", request.method, request.url.path, exc, exc_info=exc)
        return JSONResponse({"error": "invalid_input", "message": f"a value is out of range: {exc}",
                             "details": {"problem": str(exc)}}, status_code=400)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return _out_of_range(request, exc)

    @app.exception_handler(ValueError)
    async def _value(request: Request, exc: ValueError) -> JSONResponse:
        if not _DATE_RANGE.search(str(exc)):
            raise exc  # any other ValueError is a bug: a 500 with its traceback in the log
        return _out_of_range(request, exc)

    @app.exception_handler(DBAPIError)
    async def _data(request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL refusing a bound value: SQLSTATE class 22, "data exception" (an integer out of range, a string
        # too long for its column, a NUL character in text: asyncpg's CharacterNotInRepertoireError, which
        # SQLAlchemy wraps as a plain DBAPIError). Anything else from the database is a 500 (a bug or an outage).
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        if not (isinstance(exc, DataError) or sqlstate.startswith("22")):
            raise exc
        problem = str(exc.orig).splitlines()[0] if exc.orig is not None else "value refused by the database"
        log.warning("%s %s: the database refused a value: %s", request.method, request.url.path, problem)
        return JSONResponse({"error": "invalid_input", "message": f"a value does not fit: {problem}",
                             "details": {"problem": problem}}, status_code=400)
