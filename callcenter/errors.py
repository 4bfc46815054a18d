"""Domain errors carry an HTTP status, an error id and details; mapped to JSON in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


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
