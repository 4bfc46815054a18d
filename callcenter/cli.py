"""``callcenter`` command line: up, migrate, render-config, check-config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from typing import Any

from callcenter.asterisk.errors import AsteriskError
from callcenter.errors import DomainError
from callcenter.files import apply_umask
from callcenter.settings import Settings, SettingsError, load_settings

log = logging.getLogger("callcenter")


def _settings(args: argparse.Namespace) -> Settings:
    if getattr(args, "config", None):
        os.environ["CALLCENTER_CONFIG"] = args.config
    return load_settings()


def _bind_http(settings: Settings) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.http.host, settings.http.port))
    except OSError as e:
        sock.close()
        raise AsteriskError(
            f"http.port: cannot listen on {settings.http.host}:{settings.http.port} ({e.strerror})"
        ) from e
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> Any:
    """How ``callcenter up`` serves the app (a ``uvicorn.Config``; the socket is bound by the caller)."""
    import uvicorn

    # websockets-sansio: the websockets package's current API (the legacy one is deprecated)
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 (or $FORWARDED_ALLOW_IPS) by
    # default; forwarded headers are believed from http.trusted_proxies alone, in the app (http_guard.py)
    kw: dict[str, Any] = {"log_level": settings.log_level.lower(), "lifespan": "on", "access_log": False,
                          "ws": "websockets-sansio", "proxy_headers": False, **overrides}
    return uvicorn.Config(app, **kw)


async def _up(settings: Settings) -> int:
    import uvicorn

    from callcenter.app import Stack, create_app

    sock = _bind_http(settings)  # fail fast, before Asterisk starts, if the HTTP port is taken
    stack = Stack(settings)
    app = create_app(settings, stack=stack, manage_stack=False)
    server = uvicorn.Server(uvicorn_config(app, settings))
    if settings.http.host in ("0.0.0.0", "::") and not settings.http.allowed_hosts:
        log.warning("http.host %s listens on every address, but requests are answered only with Host %s; set "
                    "http.allowed_hosts (CALLCENTER_HTTP__ALLOWED_HOSTS) to the names clients use",
                    settings.http.host, ", ".join(settings.http.hosts))
    log.info("callcenter %s: HTTP on http://%s:%s  AMI %s:%s  FastAGI %s:%s  SIP udp %s:%s  DB %s",
             settings.mode, settings.http.host, settings.http.port, settings.ami.host, settings.ami.port,
             settings.agi.host, settings.agi.port, settings.asterisk.sip_host, settings.asterisk.sip_port,
             settings.database_url.split("://", 1)[0])
    # Our own SIGINT/SIGTERM handling: a signal during startup aborts it cleanly; during serving uvicorn
    # captures it, shuts HTTP down, restores these handlers and re-raises it, which lands here harmlessly,
    # so the stack (FastAGI, AMI, managed Asterisk) is always stopped before we exit 0.
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_requested.set)
    try:
        starting = asyncio.create_task(stack.start())
        stopper = asyncio.create_task(stop_requested.wait())
        await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            log.info("stop requested during startup")
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return 0
        stopper.cancel()
        starting.result()  # re-raise a startup error
        try:
            await server.serve(sockets=[sock])
        finally:
            await stack.stop()
    finally:
        sock.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("callcenter stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="callcenter", description="Asterisk-integrated call-centre")
    p.add_argument("--config", help="TOML settings file (same as CALLCENTER_CONFIG)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="migrate, render Asterisk config, start Asterisk (managed) + AMI + FastAGI + HTTP")
    sub.add_parser("migrate", help="run database migrations")
    sub.add_parser("render-config", help="render asterisk_conf/ into the runtime directory and print it")
    sub.add_parser("check-config", help="validate settings and exit")
    reports = sub.add_parser("reports", help="the interval reports' rollups").add_subparsers(dest="reports_cmd",
                                                                                             required=True)
    rebuild = reports.add_parser("rebuild", help="recompute the rollups exactly from the raw rows (docs/reports.md)")
    rebuild.add_argument("--from", dest="start", help="YYYY-MM-DD (centre's timezone; default: the first fact)")
    rebuild.add_argument("--to", dest="end", help="YYYY-MM-DD, that day included (default: now)")
    args = p.parse_args(argv)

    try:
        settings = _settings(args)
    except SettingsError as e:
        print(f"callcenter: {e}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # before anything is created: the database, rendered config, prompts, and whatever the managed Asterisk (a
    # child, which inherits it) writes are readable by the service's user alone (docs/security.md)
    apply_umask(settings.paths.umask_bits)

    try:
        if args.cmd == "check-config":
            print("settings ok")
            return 0
        if args.cmd == "migrate":
            from callcenter.migrate import upgrade

            upgrade(settings.database_url)
            print("migrations applied")
            return 0
        if args.cmd == "render-config":
            from callcenter.asterisk.config import render_config

            layout = render_config(settings)
            print(layout.asterisk_conf)
            return 0
        if args.cmd == "up":
            return asyncio.run(_up(settings))
        if args.cmd == "reports":
            from callcenter.reports.commands import rebuild as rebuild_reports

            print(asyncio.run(rebuild_reports(settings, args.start, args.end)))
            return 0
    except AsteriskError as e:
        print(f"callcenter: {e}", file=sys.stderr)
        return 1
    except SettingsError as e:
        print(f"callcenter: {e}", file=sys.stderr)
        return 2
    except DomainError as e:
        print(f"callcenter: {e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
