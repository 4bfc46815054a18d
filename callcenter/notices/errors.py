"""The refusals of the notices: roles (publishers, department heads), the notice's fields and audience, its
validity, acknowledging, the attached file's limits."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal, Words

NEEDS_ROLE = Refusal("notices.needs_role", Forbidden,
                     en="{what} needs role {roles}, or to be the head of a department",
                     zh="{what} 需要角色 {roles}，或须为部门负责人")
# what the caller was doing when NEEDS_ROLE refused it ({what}), in each language's words
ACTIONS = {en: Words(en, zh) for en, zh in {
    "publishing a notice": "发布通告",
    "withdrawing a notice": "撤销通告",
    "uploading a notice file": "上传通告附件",
    "reading who has not read a notice": "查看未读人员",
    "reading the handover's notices": "查看交接班的通告",
    "reading the audience choices": "查看通告对象",
}.items()}
NOT_FOUND = Refusal("notices.not_found", NotFound, en="notice {notice_id} not found", zh="未找到通告 {notice_id}")
TEXT_EMPTY = Refusal("notices.text_empty", InvalidInput, en="{field} must not be empty", zh="{field} 不能为空")
AUDIENCE_EMPTY = Refusal("notices.audience_empty", InvalidInput,
                         en="a notice needs an audience (audience): everyone, queues, shifts or agents",
                         zh="通告须指定对象（audience）：全体、队列、班次或指定座席",
                         details={"field": "audience"})
UNKNOWN_QUEUES = Refusal("notices.unknown_queues", InvalidInput, en="there is no queue {queues} (audience.queues)",
                         zh="没有队列 {queues}（audience.queues）", details={"field": "audience.queues"})
UNKNOWN_SHIFTS = Refusal("notices.unknown_shifts", InvalidInput,
                         en="there is no shift {shifts} (audience.shifts: shift template ids)",
                         zh="没有班次 {shifts}（audience.shifts：班次模板编号）", details={"field": "audience.shifts"})
UNKNOWN_AGENTS = Refusal("notices.unknown_agents", InvalidInput,
                         en="{agents}: not an active agent (audience.agents)",
                         zh="{agents}：不是在用的座席账号（audience.agents）", details={"field": "audience.agents"})
NO_RECIPIENTS = Refusal("notices.no_recipients", InvalidInput,
                        en="the audience reaches no agent now (audience): nobody has the queues, is rostered on the "
                           "shifts until the notice ends, or is named",
                        zh="该对象目前不包含任何座席（audience）：没有座席属于所选队列、"
                           "在通告有效期内排在所选班次或被指定",
                        details={"field": "audience"})
VALID_UNTIL_PAST = Refusal("notices.valid_until_past", InvalidInput,
                           en="valid_until ({valid_until}) must be in the future",
                           zh="有效期至（valid_until：{valid_until}）必须晚于当前时间",
                           details={"field": "valid_until"})
DEPARTMENT_NOT_FOUND = Refusal("notices.department_not_found", InvalidInput,
                               en="there is no department {department_id} (department_id)",
                               zh="没有部门 {department_id}（department_id）", details={"field": "department_id"})
DEPARTMENT_NEEDED = Refusal("notices.department_needed", InvalidInput,
                            en="as the head of a department, name the department the notice is from (department_id)",
                            zh="部门负责人发布通告时须指明发文部门（department_id）",
                            details={"field": "department_id"})
NOT_DEPARTMENT_HEAD = Refusal("notices.not_department_head", Forbidden,
                              en="you are not the head of department {department_id}",
                              zh="您不是部门 {department_id} 的负责人")
FILE_NOT_FOUND = Refusal("notices.file_not_found", NotFound, en="notice {notice_id} has no file",
                         zh="通告 {notice_id} 没有附件")
NO_SUCH_FILE = Refusal("notices.no_such_file", InvalidInput,
                       en="there is no uploaded file {file_id} (file_id): upload it first",
                       zh="没有已上传的文件 {file_id}（file_id）：请先上传", details={"field": "file_id"})
FILE_TOO_LARGE = Refusal("notices.file_too_large", InvalidInput,
                         en="the file is {size} bytes; at most {limit} bytes",
                         zh="文件大小为 {size} 字节；最多 {limit} 字节",
                         details={"field": "file"})
FILE_EMPTY = Refusal("notices.file_empty", InvalidInput, en="the file is empty", zh="文件为空",
                     details={"field": "file"})
FILE_TYPE = Refusal("notices.file_type", InvalidInput,
                    en="files of type {type} are not taken; the types are: {types}",
                    zh="不接受 {type} 类型的文件；可接受：{types}", details={"field": "file"})
FILE_NAME = Refusal("notices.file_name", InvalidInput, en="the file name {name} has nothing usable left once cleaned",
                    zh="文件名 {name} 清理后没有可用的字符", details={"field": "file"})
REASON_NEEDED = Refusal("notices.reason_needed", InvalidInput, en="a withdrawal needs a reason (reason)",
                        zh="撤销须填写原因（reason）", details={"field": "reason"})
ALREADY_WITHDRAWN = Refusal("notices.already_withdrawn", Conflict,
                            en="notice {notice_id} was already withdrawn by {by}", zh="通告 {notice_id} 已由 {by} 撤销")
NOT_ACTIVE = Refusal("notices.not_active", Conflict,
                     en="notice {notice_id} is {state}: it can no longer be acknowledged",
                     zh="通告 {notice_id} {state}，不能再确认")
NOT_A_RECIPIENT = Refusal("notices.not_a_recipient", Forbidden,
                          en="notice {notice_id} is not addressed to you: only its agents acknowledge it",
                          zh="通告 {notice_id} 不是发给您的：只有通告对象可以确认")
HANDOVER_NOT_FOUND = Refusal("notices.handover_not_found", NotFound, en="there is no handover {handover_id}",
                             zh="没有交接记录 {handover_id}")

# the states NOT_ACTIVE names, in each language's words
STATE_WORDS = {"expired": Words("past its validity", "已过有效期"), "withdrawn": Words("withdrawn", "已撤销")}
