"""Login/logout/me, and the dependencies every other router uses to require a role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from callcenter.auth.errors import LOG_IN_FIRST, NEEDS_ROLE
from callcenter.auth.models import User
from callcenter.auth.schemas import LoginOut, MeOut, UserOut
from callcenter.auth.service import AuthService
from callcenter.deps import SettingsDep, lookup, provide
from callcenter.errors import DomainError, any_of

COOKIE = "cc_session"
router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


def _auth(conn: HTTPConnection) -> AuthService:
    return lookup(conn, AuthService)


AuthDep = Annotated[AuthService, Depends(provide(AuthService))]


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


async def current_user(request: Request) -> User:
    token = _token(request)
    user = await _auth(request).user_for_token(token) if token else None
    if user is None:
        raise LOG_IN_FIRST()
    request.state.user = user
    return user


async def authorise_scope(scope: MutableMapping[str, Any], roles: tuple[str, ...]) -> DomainError | None:
    """For the body-limit middleware: may this request (headers only, body not read) use a route needing
    ``roles``? None if so, else the refusal :func:`require_roles` would answer."""
    request = Request(scope)
    token = _token(request)
    user = await _auth(request).user_for_token(token) if token else None
    if user is None:
        return LOG_IN_FIRST()
    if not set(user.roles) & set(roles):
        return NEEDS_ROLE({"roles": any_of(roles)})
    return None


def require_roles(*roles: str) -> Callable[[Request], Awaitable[User]]:
    """Dependency: the user must hold at least one of ``roles``."""

    async def dep(request: Request) -> User:
        user = await current_user(request)
        if not set(user.roles) & set(roles):
            raise NEEDS_ROLE({"roles": any_of(roles)}, needed=list(roles), has=user.roles)
        return user

    return dep


@router.post("/login", response_model=LoginOut, summary="Log in; sets an HttpOnly session cookie")
async def login(body: LoginIn, request: Request, response: Response, svc: AuthDep,
                settings: SettingsDep) -> LoginOut:
    client = request.client.host if request.client else "?"
    token, user = await svc.login(body.username, body.password, client)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=settings.mode == "prod",
                        max_age=int(svc.session_hours * 3600), path="/")
    return LoginOut(token=token, user=UserOut(username=user.username, display_name=user.display_name,
                                              roles=user.roles))


@router.post("/logout", status_code=204, summary="End this session")
async def logout(request: Request, response: Response) -> Response:
    token = _token(request)
    if token:
        await _auth(request).logout(token)
    response.delete_cookie(COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=MeOut, summary="Who is logged in (and the centre's timezone)")
async def me(user: Annotated[User, Depends(current_user)], settings: SettingsDep) -> MeOut:
    return MeOut(username=user.username, display_name=user.display_name, roles=user.roles,
                 timezone=settings.timezone)
