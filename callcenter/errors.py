"""Domain errors carry an HTTP status, an error id and details; mapped to JSON in one place.

Every kind of refusal is a ``Refusal``: a stable dotted ``code`` ("qc.score_locked"), the HTTP class it is raised
as (``Conflict`` ...) and its message in both UI languages, as templates with the same named placeholders. Each
domain keeps its refusals in one catalogue module (``callcenter/<domain>/errors.py``)::

    SCORE_LOCKED = Refusal("qc.score_locked", Conflict, en="score {id} is locked", zh="评分 {id} 已锁定")
    raise SCORE_LOCKED(id=score.id)                      # details {"id": ...}; the templates read them too
    raise SCORE_LOCKED({"id": score.id}, field="score")  # values only the message shows, then the details

The JSON answer: ``{"error": <class id>, "code": <stable code>, "message": <English>,
"messages": {"en": ..., "zh-CN": ...}, "details": {...}}``; the pages show ``messages[<page language>]``.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError

log = logging.getLogger(__name__)

# ValueError messages of the datetime module when arithmetic or construction leaves its range (years 1..9999)
_DATE_RANGE = re.compile(r"year -?\d+ is out of range|date value out of range|day is out of range for month"
                         r"|month must be in 1\.\.12")


# The UI languages, as the pages name them (agent_ui/static/js/i18n.js LANGUAGES)
EN = "en"
ZH = "zh-CN"


class DomainError(Exception):
    status = 400
    error_id = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # a Refusal sets both; an error raised without one answers its class id and the English text only
        self.code = self.error_id
        self.messages: dict[str, str] = {EN: message}


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


@dataclass(frozen=True)
class Words:
    """A value a message shows in each language's own words (an agent state: "on call" / "通话中")."""

    en: str
    zh: str

    def say(self, lang: str) -> str:
        return self.zh if lang == ZH else self.en


def any_of(names: Iterable[str]) -> Words:
    """Names of which any one will do, in each language's words: "qc or admin" / "qc 或 admin"."""
    names = list(names)
    return Words(" or ".join(names), " 或 ".join(names))


def placeholders(template: str) -> set[str]:
    """The named placeholders of a message template: ``"seat {seat} is taken by {taken_by}"`` -> seat, taken_by."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Refusal:
    """One kind of refusal: raise ``KIND(**details)`` (or ``KIND({values}, **details)``), see the module doc."""

    def __init__(self, code: str, kind: type[DomainError], *, en: str, zh: str, error_id: str | None = None,
                 details: Mapping[str, Any] | None = None) -> None:
        if placeholders(en) != placeholders(zh):
            raise ValueError(f"{code}: the en and zh templates name different placeholders")
        self.code = code
        self.kind = kind
        self.templates = {EN: en, ZH: zh}
        self.error_id = error_id  # overrides the class id where the answer's "error" is this kind's own name
        self.details = dict(details or {})  # what every refusal of this kind carries (a house rule's name)

    def texts(self, values: Mapping[str, Any] | None = None, /, **details: Any) -> dict[str, str]:
        """The message in each language; for an error class that builds itself
        (``callcenter.ivr.errors.PublishRefused``)."""
        fill = {**self.details, **details, **(values or {})}
        return {lang: template.format_map({k: v.say(lang) if isinstance(v, Words) else v for k, v in fill.items()})
                for lang, template in self.templates.items()}

    def __call__(self, values: Mapping[str, Any] | None = None, /, **details: Any) -> DomainError:
        details = {**self.details, **details}
        messages = self.texts(values, **details)
        exc = self.kind(messages[EN], **details)
        exc.code = self.code
        exc.messages = messages
        if self.error_id is not None:
            exc.error_id = self.error_id
        return exc

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.kind.__name__})"


def error_body(exc: DomainError) -> dict[str, Any]:
    """The JSON of a refusal: the same from a route and from a middleware (callcenter.bodylimit, http_guard)."""
    return {"error": exc.error_id, "code": exc.code, "message": exc.message, "messages": dict(exc.messages),
            "details": dict(exc.details)}


class BodyTooLarge(DomainError):
    status = 413
    error_id = "body_too_large"


class InvalidHost(DomainError):
    status = 400
    error_id = "invalid_host"


# The refusals of the edge itself. pydantic's and the database's own texts stay English inside the Chinese frame.
REQUEST_INVALID = Refusal("request.invalid", InvalidInput, en="{problems_text}", zh="请求有误：{problems_text}")
VALUE_OUT_OF_RANGE = Refusal("request.out_of_range", InvalidInput, en="a value is out of range: {problem}",
                             zh="有数值超出范围：{problem}")
VALUE_REFUSED_BY_DATABASE = Refusal("request.value_refused", InvalidInput, en="a value does not fit: {problem}",
                                    zh="有数值不符合要求：{problem}")


BODY_TOO_LARGE = Refusal("request.body_too_large", BodyTooLarge,
                         en="the request body is {size}; {what} takes at most {limit}",
                         zh="请求体大小为 {size}；{what} 最多接受 {limit}")
BODY_OVER_LIMIT = Refusal("request.body_over_limit", BodyTooLarge,
                          en="the request body is over the limit: {what} takes at most {limit}",
                          zh="请求体超出上限：{what} 最多接受 {limit}")
HOST_NOT_ALLOWED = Refusal("request.host_not_allowed", InvalidHost,
                           en="{shown} is not a name this service answers to; if it is one, add it to {setting}",
                           zh="{shown} 不是本服务使用的名称；如果是，请把它加入 {setting}")
NUL_IN_URL = Refusal("request.nul_in_url", InvalidInput, en="{where}: must not contain a NUL character",
                     zh="{where}：不能包含 NUL 字符")


def _refused(exc: DomainError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(exc), status_code=exc.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {}
        if "retry_after_seconds" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after_seconds"])
        return _refused(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
            problems.append({"field": where, "problem": e.get("msg", "")})
        msg = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return _refused(REQUEST_INVALID({"problems_text": msg}, problems=problems))

    # Safety net below the edge: the routers bound ids, days and offsets (callcenter.bounds), so these mean a value
    # that got through is still out of range somewhere inside. The caller gets a 400, not a 500; the log says where.
    def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s: value out of range: %s", request.method, request.url.path, exc, exc_info=exc)
        return _refused(VALUE_OUT_OF_RANGE(problem=str(exc)))

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
        return _refused(VALUE_REFUSED_BY_DATABASE(problem=problem))
