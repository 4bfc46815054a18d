"""Typed FastAPI dependencies: a route names the collaborators it needs by their type, and the composition root
(``callcenter.app``) says once which object is each.

In a domain's ``api.py``::

    Draws = Annotated[QcDraws, Depends(provide(QcDraws))]

    @router.get("/draws")
    async def draws(svc: Draws) -> ...: ...

What has no class of its own to be looked up by (a protocol, a callable) gets a :class:`Key`, declared next to
the code that uses it. Code that runs outside a route's dependencies (the body-limit middleware, a websocket's
handshake) uses :func:`lookup` with the request or websocket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar, cast

from fastapi import Depends, FastAPI
from starlette.requests import HTTPConnection

from callcenter.clock import Clock
from callcenter.settings import Settings

T = TypeVar("T")


class Key(Generic[T]):
    """The name of something provided that is not looked up by a class: ``Key[Clock]("clock")``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


class Services:
    """What the routes may ask for: one object per class or :class:`Key`, given once by the composition root."""

    def __init__(self) -> None:
        self._items: dict[object, object] = {}  # a class or a Key → its object

    def add(self, key: type[T] | Key[T], item: T) -> None:
        if key in self._items:
            raise ValueError(f"{key!r} is provided twice")
        self._items[key] = item

    def get(self, key: type[T] | Key[T]) -> T:
        try:
            item = self._items[key]
        except KeyError:
            raise LookupError(f"nothing provides {key!r}: give it in callcenter.app (Stack.services)") from None
        return cast(T, item)  # add() took it as a T for this key


def install(app: FastAPI, services: Services) -> None:
    """The app's services (``create_app``); the one place they are stored on the app."""
    app.state.services = services


def lookup(conn: HTTPConnection, key: type[T] | Key[T]) -> T:
    """The provided object, from a request or a websocket."""
    services = conn.app.state.services
    if not isinstance(services, Services):
        raise TypeError("app.state.services is not set by callcenter.deps.install")
    return services.get(key)


def provide(key: type[T] | Key[T]) -> Callable[[HTTPConnection], T]:
    """A FastAPI dependency giving the provided object: ``Annotated[QcDraws, Depends(provide(QcDraws))]``."""

    def dependency(conn: HTTPConnection) -> T:
        return lookup(conn, key)

    dependency.__name__ = f"provide_{getattr(key, '__name__', None) or getattr(key, 'name', 'service')}"
    return dependency


CLOCK: Key[Clock] = Key("clock")  # a protocol: no class to look it up by
SettingsDep = Annotated[Settings, Depends(provide(Settings))]
ClockDep = Annotated[Clock, Depends(provide(CLOCK))]
