"""The refusals of auth: logging in (and its limits), sessions and roles, creating users."""

from __future__ import annotations

from callcenter.errors import Forbidden, InvalidInput, Refusal, TooManyAttempts, Unauthorized, Unavailable

LOGINS_BUSY = Refusal(
    "auth.logins_busy", Unavailable,
    en="too many logins at once; try again in a second",
    zh="同时登录的人太多；请一秒后重试",
)
BAD_USERNAME = Refusal(
    "auth.bad_username", InvalidInput,
    en="username {username!r} must be 1-64 letters, digits, '_', '.' or '-'",
    zh="用户名 {username!r} 必须是 1-64 个字母、数字、'_'、'.' 或 '-'",
)
UNKNOWN_ROLES = Refusal(
    "auth.unknown_roles", InvalidInput,
    en="roles must be some of {roles}; got {roles2}",
    zh="角色必须是 {roles} 中的；收到的是 {roles2}",
)
PASSWORD_TOO_SHORT = Refusal(
    "auth.password_too_short", InvalidInput,
    en="password must be at least 8 characters",
    zh="密码至少需要 8 个字符",
)
USER_EXISTS = Refusal(
    "auth.user_exists", InvalidInput,
    en="user {username!r} already exists",
    zh="用户 {username!r} 已存在",
)
TOO_MANY_FROM_ADDRESS = Refusal(
    "auth.too_many_from_address", TooManyAttempts,
    en="too many failed logins from this address; try again in {retry_after_seconds} s",
    zh="此地址登录失败次数过多；请 {retry_after_seconds} 秒后重试",
)
TOO_MANY_FOR_USER = Refusal(
    "auth.too_many_for_user", TooManyAttempts,
    en="too many failed logins for {username!r}; try again in {retry_after_seconds} s",
    zh="{username!r} 登录失败次数过多；请 {retry_after_seconds} 秒后重试",
)
WRONG_PASSWORD = Refusal("auth.wrong_password", Unauthorized, en="wrong username or password", zh="用户名或密码错误")
LOG_IN_FIRST = Refusal(
    "auth.log_in_first", Unauthorized,
    en="log in first (session cookie or 'Authorization: Bearer <token>')",
    zh="请先登录（会话 cookie 或 'Authorization: Bearer <token>'）",
)
NEEDS_ROLE = Refusal("auth.needs_role", Forbidden, en="needs role {roles}", zh="需要角色 {roles}")
