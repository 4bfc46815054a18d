"""The refusals of departments: the directory of departments and their members."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal

NEEDS_EDITOR = Refusal("departments.needs_editor", Forbidden,
                       en="changing departments needs the role admin or supervisor",
                       zh="修改部门需要管理员或班长角色")
NOT_FOUND = Refusal("departments.not_found", NotFound, en="department {department_id} not found",
                    zh="未找到部门 {department_id}")
NAME_EMPTY = Refusal("departments.name_empty", InvalidInput, en="a department needs a name",
                     zh="部门名称不能为空")
NAME_TAKEN = Refusal("departments.name_taken", Conflict, en="there is already a department named {name}",
                     zh="已有名为 {name} 的部门")
NO_SUCH_USER = Refusal("departments.no_such_user", InvalidInput, en="there is no user {username}",
                       zh="没有用户 {username}")
NOT_MEMBER = Refusal("departments.not_member", NotFound, en="{username} is not a member of department {department_id}",
                     zh="{username} 不是部门 {department_id} 的成员")
