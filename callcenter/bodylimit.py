"""Request body limits, enforced before a body is read (ASGI middleware).

FastAPI reads and parses a request's whole body (JSON, or a multipart form spooled to disk) before the route's
dependencies run, so the role check comes after the upload. This middleware runs first:

- a body longer than its route's limit is refused with 413 before any of it is read: at once when
  ``Content-Length`` says so, else as soon as the streamed bytes pass the limit (the route then never sees it);
- routes with a larger limit (the prompt upload, the customer CSV import) also name the roles they need, and
  a caller without a valid session holding one of them gets 401/403 before the body is read;
- every other route: ``http.max_body_bytes`` (1 MiB by default), plenty for any JSON this API takes.

An oversized request is refused with 413 whoever sends it: the size is checked first, since it needs no
database and it says what is wrong with the request itself.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from callcenter.errors import BODY_OVER_LIMIT, BODY_TOO_LARGE, DomainError, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# a multipart form wraps the file in boundaries and part headers, and carries small fields besides
MULTIPART_SLACK = 64 * 1024


@dataclass(frozen=True)
class RouteLimit:
    method: str
    path: str
    max_bytes: int
    roles: tuple[str, ...] = ()


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


class BodyLimit:
    """See the module docstring. ``authorise(scope, roles)`` returns None when the caller holds one of ``roles``,
    else the refusal to answer."""

    def __init__(self, app: ASGIApp, *, default_max: int, routes: Iterable[RouteLimit] = (),
                 authorise: Callable[[Scope, tuple[str, ...]], Awaitable[DomainError | None]] | None = None,
                 ) -> None:
        self.app = app
        self.default_max = default_max
        self.routes = {(r.method.upper(), r.path): r for r in routes}
        self.authorise = authorise

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.routes.get((scope["method"], scope["path"].rstrip("/") or "/"))
        limit = route.max_bytes if route is not None else self.default_max
        what = f"{scope['method']} {scope['path']}"
        length = _content_length(scope)
        if length is not None and length > limit:
            await _refuse(send, BODY_TOO_LARGE({"size": _mib(length), "what": what, "limit": _mib(limit)},
                                               limit_bytes=limit))
            return
        if route is not None and route.roles and self.authorise is not None:
            refused = await self.authorise(scope, route.roles)
            if refused is not None:
                await _refuse(send, refused)
                return

        received = 0
        too_large = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    # the route sees a client that went away; the answer below is ours
                    too_large = True
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg: Message) -> None:
            nonlocal response_started
            if too_large:
                return  # whatever the route answers to a body cut short, the client gets the 413
            if msg["type"] == "http.response.start":
                response_started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not response_started:
            await _refuse(send, BODY_OVER_LIMIT({"what": what, "limit": _mib(limit)}, limit_bytes=limit))


def _content_length(scope: Scope) -> int | None:
    for k, v in scope.get("headers", ()):
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, exc: DomainError) -> None:
    """The same JSON shape as every other error (callcenter.errors)."""
    body = json.dumps(error_body(exc)).encode()
    await send({"type": "http.response.start", "status": exc.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
