"""The refusals of auth: logging in (and its limits), sessions and roles, creating users; the admin page's
edits of users."""

from __future__ import annotations

from callcenter.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Refusal,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
)

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

# The admin page's edits of what this domain owns (users and roles).
TEXT_EMPTY = Refusal("auth.text_empty", InvalidInput, en="{field} must not be empty", zh="{field} 不能为空")
TEXT_TOO_LONG = Refusal(
    "auth.text_too_long", InvalidInput,
    en="{field} must be at most {max_len} characters",
    zh="{field} 最多 {max_len} 个字符",
)
TEXT_BAD_CHARACTERS = Refusal(
    "auth.text_bad_characters", InvalidInput,
    en="{field} must not contain {what}",
    zh="{field} 不能包含 {what}",
)
FIELD_NULL = Refusal(
    "auth.field_null", InvalidInput,
    en="{field} must not be null (leave it out to keep the current value)",
    zh="{field} 不能为 null（不填则保留当前值）",
)
USER_PASSWORD_TOO_SHORT = Refusal(
    "auth.user_password_too_short", InvalidInput,
    en="{field} must be at least {min_password} characters",
    zh="{field} 至少需要 {min_password} 个字符",
)
PASSWORD_TOO_LONG = Refusal(
    "auth.password_too_long", InvalidInput,
    en="{field} must be at most 256 characters",
    zh="{field} 最多 256 个字符",
)
USER_UNKNOWN_ROLES = Refusal(
    "auth.user_unknown_roles", InvalidInput,
    en="unknown role(s) {unknown}; roles are some of {roles}",
    zh="未知的角色 {unknown}；角色必须是 {roles} 中的",
)
NO_ROLE = Refusal(
    "auth.no_role", InvalidInput,
    en="give at least one role of {roles}",
    zh="请至少选择一个角色：{roles}",
)
USER_NOT_FOUND = Refusal(
    "auth.user_not_found", NotFound,
    en="user {user_id} does not exist",
    zh="用户 {user_id} 不存在",
)
USERNAME_TAKEN_BY = Refusal(
    "auth.username_taken_by", Conflict,
    en="username {username!r} is taken (by user {taken_by!r})",
    zh="用户名 {username!r} 已被使用（用户 {taken_by!r}）",
)
USERNAME_TAKEN = Refusal(
    "auth.username_taken", Conflict,
    en="username {username!r} is taken",
    zh="用户名 {username!r} 已被使用",
)
OWN_ADMIN_ROLE = Refusal(
    "auth.own_admin_role", Conflict,
    en="you cannot remove your own admin role (another admin can)",
    zh="你不能去掉自己的管理员角色（可由其他管理员操作）",
)
DEACTIVATE_SELF = Refusal(
    "auth.deactivate_self", Conflict,
    en="you cannot deactivate yourself (another admin can)",
    zh="你不能停用自己（可由其他管理员操作）",
)
