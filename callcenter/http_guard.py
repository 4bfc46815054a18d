"""Who may reach the HTTP app: the Host-header check, and forwarded headers believed only from trusted proxies.

Host check (DNS rebinding): a page on another site can point its own name at this machine's address and have the
browser send requests to the API under that name — with the page's origin, so same-origin rules do not stop it.
The Host header names what the browser thinks it is talking to; a request (or a websocket handshake) whose Host is
not one of ``http.allowed_hosts`` is refused with 400 before any route runs.

Forwarded headers: ``X-Forwarded-For`` / ``X-Forwarded-Proto`` say who the client is only when a reverse proxy of
ours set them. They are believed from the peers in ``http.trusted_proxies`` alone (none by default); from anyone
else they are ignored, so a client cannot choose the address the login limiter and the audit log see. uvicorn's
own handling (which trusts 127.0.0.1 by default) is turned off where the server is started (``callcenter.cli``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from callcenter.errors import HOST_NOT_ALLOWED, NUL_IN_URL, error_body

log = logging.getLogger(__name__)

SETTING = "http.allowed_hosts (CALLCENTER_HTTP__ALLOWED_HOSTS)"


def host_name(header: str) -> str:
    """The name part of a Host header value, lower case, without port, brackets or a trailing dot:
    ``Example.COM:8080`` → ``example.com``, ``[::1]:8080`` → ``::1``, ``localhost.`` → ``localhost``."""
    h = header.strip().lower()
    if h.startswith("["):  # an IPv6 literal, maybe with a port after the bracket
        end = h.find("]")
        name = h[1:end] if end > 0 else h[1:]
    elif h.count(":") == 1:
        name = h.split(":", 1)[0]
    else:
        name = h  # no port (or a bare IPv6 address, which a Host header should not carry, taken as it is)
    return name.rstrip(".")


class AllowedHosts:
    """Matches host names: exact entries, ``*.example.com`` (that domain's subdomains) and ``*`` (any)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.suffixes: list[str] = []
        self.any = False
        for e in entries:
            e = e.strip().lower()
            if e == "*":
                self.any = True
            elif e.startswith("*."):
                self.suffixes.append(e[1:].rstrip("."))
            elif e:
                self.exact.add(host_name(e))

    def __contains__(self, name: str) -> bool:
        return self.any or name in self.exact or any(name.endswith(s) for s in self.suffixes)


class HostGuard:
    """ASGI middleware: HTTP requests and websocket handshakes whose Host is not allowed get 400 (JSON naming the
    host and the setting); nothing of the app runs for them."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = AllowedHosts(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allowed.any:
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope.get("headers", ()) if k == b"host"), None)
        header = raw.decode("latin-1") if raw is not None else None
        if header is not None and host_name(header) in self.allowed:
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, receive, send, header)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, header: str | None) -> None:
        shown = "no Host header" if header is None else f"Host {header[:200]!r}"
        refusal = HOST_NOT_ALLOWED({"shown": shown, "setting": SETTING}, host=header, setting="http.allowed_hosts")
        log.warning("refused %s %s: %s", scope["type"], scope.get("path", ""), refusal.message)
        response = JSONResponse(error_body(refusal), status_code=refusal.status)
        if scope["type"] == "http" or "websocket.http.response" in scope.get("extensions", {}):
            # for a websocket: the handshake answered with this HTTP response (the ASGI denial-response extension)
            await response(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": "host not allowed"})


class NoNulInUrl:
    """ASGI middleware: a NUL character in the path or the query string is refused with 400 naming the parameter.
    No text the service keeps may hold one (PostgreSQL refuses it in every text column and query parameter, which
    was a 500 on any search field); JSON bodies with one are refused by the database error mapping
    (``callcenter.errors``, SQLSTATE class 22)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            where = self._nul_at(scope)
            if where is not None:
                refusal = NUL_IN_URL({"where": where},
                                     problems=[{"field": where, "problem": "must not contain a NUL character"}])
                response = JSONResponse(error_body(refusal), status_code=refusal.status)
                if scope["type"] == "http" or "websocket.http.response" in scope.get("extensions", {}):
                    await response(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008, "reason": "NUL in the URL"})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _nul_at(scope: Scope) -> str | None:
        if "\x00" in scope.get("path", ""):
            return "path"
        query: bytes = scope.get("query_string", b"")
        if b"%00" not in query.lower() and b"\x00" not in query:
            return None
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
            if "\x00" in key or "\x00" in value:
                return key.replace("\x00", "\\0")[:64] or "query"
        return "query"


def install(app: Any, hosts: list[str], trusted_proxies: list[str]) -> None:
    """Wrap ``app`` (FastAPI) in these, outermost: the Host check first, then — only with trusted proxies configured
    — uvicorn's ProxyHeadersMiddleware, which takes the client address and scheme from X-Forwarded-For /
    X-Forwarded-Proto when the peer is one of ``trusted_proxies`` (addresses or networks) and leaves them alone
    otherwise; then the NUL check of the URL. Everything inside (``request.client`` for the login limiter and the
    audit) sees the result."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    app.add_middleware(NoNulInUrl)
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    app.add_middleware(HostGuard, allowed_hosts=hosts)  # added last: runs first
    if "*" in hosts:
        log.warning("http.allowed_hosts has \"*\": the Host check is off (DNS rebinding is not stopped)")
