"""The refusals of cases: who may see or work a case, the workflow's transitions, optimistic locking, the
approvals a resolution needs, and the report's files."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal

CASE_NOT_FOUND = Refusal("cases.not_found", NotFound, en="case {number} not found", zh="未找到工单 {number}")
NOT_YOURS = Refusal("cases.not_yours", Forbidden,
                    en="you may not see case {number}: it is not of your calls, your cases or your department",
                    zh="您无权查看工单 {number}：它不属于您的通话、您受理的工单或您的部门")
MAY_NOT = Refusal("cases.may_not", Forbidden, en="you may not {action} case {number}",
                  zh="您无权对工单 {number} 执行 {action}")
MAY_NOT_CREATE = Refusal("cases.may_not_create", Forbidden,
                         en="creating a case needs the agent, supervisor or admin role",
                         zh="创建工单需要座席、班长或管理员角色")
CALL_NEEDED = Refusal("cases.call_needed", InvalidInput,
                      en="an agent opens a case from a call they handle or answered: give call_uniqueid",
                      zh="座席须从自己处理或接听的通话创建工单：请提供 call_uniqueid")
CALL_NOT_YOURS = Refusal("cases.call_not_yours", Forbidden,
                         en="call {call_uniqueid} is not a call you are handling or answered",
                         zh="通话 {call_uniqueid} 不是您正在处理或接听过的通话")
CALL_ALREADY_LINKED = Refusal("cases.call_already_linked", Conflict,
                              en="call {call_uniqueid} is already linked to case {number}",
                              zh="通话 {call_uniqueid} 已关联到工单 {number}")
NO_SUCH_CUSTOMER = Refusal("cases.no_such_customer", InvalidInput, en="there is no customer {customer_id}",
                           zh="没有客户 {customer_id}")
UNKNOWN_CAUSE = Refusal("cases.unknown_cause", InvalidInput,
                        en="unknown cause {cause} for {cause_class}; the causes are: {causes}",
                        zh="{cause_class} 没有原因 {cause}；可选原因：{causes}")
CAUSE_ONLY_COMPLAINTS = Refusal("cases.cause_only_complaints", InvalidInput,
                                en="only a complaint has a cause classification",
                                zh="只有投诉才有原因分类")
TEXT_EMPTY = Refusal("cases.text_empty", InvalidInput, en="{field} must not be empty", zh="{field} 不能为空")
BAD_TRANSITION = Refusal("cases.bad_transition", Conflict,
                         en="case {number} is {state}: it cannot be {wanted} from there",
                         zh="工单 {number} 当前为 {state}，不能从该状态变为 {wanted}")
STALE_VERSION = Refusal("cases.stale_version", Conflict,
                        en="case {number} was changed meanwhile: you had version {given}, it is now version "
                           "{current}; reload it and try again",
                        zh="工单 {number} 已被他人修改：您的版本为 {given}，当前为 {current}；请刷新后重试")
DEPARTMENT_NOT_FOUND = Refusal("cases.department_not_found", InvalidInput, en="there is no department {department_id}",
                               zh="没有部门 {department_id}")
DEPARTMENT_INACTIVE = Refusal("cases.department_inactive", Conflict,
                              en="department {name} is not active: cases are not dispatched to it",
                              zh="部门 {name} 已停用，不能派单给它")
HANDLER_NOT_MEMBER = Refusal("cases.handler_not_member", InvalidInput,
                             en="{handler} is not a member of department {name}",
                             zh="{handler} 不是部门 {name} 的成员")
REVIEW_NEEDED = Refusal("cases.review_needed", Conflict,
                        en="case {number} is a serious complaint: it needs the review of the {position} before it "
                           "is resolved",
                        zh="工单 {number} 为重大投诉，须经 {position} 审核后才能办结")
REVIEW_NOT_NEEDED = Refusal("cases.review_not_needed", Conflict,
                            en="case {number} is not a serious complaint: it needs no review",
                            zh="工单 {number} 不是重大投诉，无需审核")
REVIEW_NEEDS_POSITION = Refusal("cases.review_needs_position", Forbidden,
                                en="the review of case {number} needs the {position}; you are not one",
                                zh="工单 {number} 的审核须由 {position} 进行；您没有该职位")
SETTLEMENT_NEEDS_POSITION = Refusal("cases.settlement_needs_position", Forbidden,
                                    en="a settlement of {amount} needs the approval of the {position}; you are "
                                       "not one",
                                    zh="{amount} 的赔付须经 {position} 批准；您没有该职位")
DISPATCH_OTHER_DEPARTMENT = Refusal("cases.dispatch_other_department", Forbidden,
                                    en="a department head dispatches within their own department; department "
                                       "{department_id} is not yours",
                                    zh="部门负责人只能在本部门内派单；部门 {department_id} 不是您的部门")
BACKLOG_NOT_YOURS = Refusal("cases.backlog_not_yours", Forbidden,
                            en="the backlog of department {department_id} is for its members and the supervisors",
                            zh="部门 {department_id} 的积压工单仅供其成员和班长查看")
ALREADY_PAUSED = Refusal("cases.already_paused", Conflict, en="case {number} is already waiting for the customer",
                         zh="工单 {number} 已在等待客户")
NOT_PAUSED = Refusal("cases.not_paused", Conflict, en="case {number} is not waiting for the customer",
                     zh="工单 {number} 未在等待客户")
FILE_TOO_LARGE = Refusal("cases.file_too_large", InvalidInput, en="the file is {size} bytes; at most {limit} bytes",
                         zh="文件大小为 {size} 字节；最多 {limit} 字节")
FILE_EMPTY = Refusal("cases.file_empty", InvalidInput, en="the file is empty", zh="文件为空")
FILE_TYPE = Refusal("cases.file_type", InvalidInput, en="files of type {type} are not taken; the types are: {types}",
                    zh="不接受 {type} 类型的文件；可接受：{types}")
FILE_NAME = Refusal("cases.file_name", InvalidInput, en="the file name {name} has nothing usable left once cleaned",
                    zh="文件名 {name} 清理后没有可用的字符")
TOO_MANY_FILES = Refusal("cases.too_many_files", Conflict, en="case {number} already has {limit} files",
                         zh="工单 {number} 已有 {limit} 个文件")
FILE_NOT_FOUND = Refusal("cases.file_not_found", NotFound, en="case {number} has no file {file_id}",
                         zh="工单 {number} 没有文件 {file_id}")
# the monthly responsibility review (callcenter/cases/review.py)
REVIEW_NOT_CLOSED_COMPLAINT = Refusal("cases.review_not_closed_complaint", Conflict,
                                      en="case {number} is a {type} in state {state}: only a closed complaint has "
                                         "its responsibility reviewed",
                                      zh="工单 {number} 为{type}，状态 {state}：只有已结案的投诉才进行责任评审")
REVIEW_RECORDED = Refusal("cases.review_recorded", Conflict,
                          en="the responsibility of case {number} was already reviewed by {by} at {at}",
                          zh="工单 {number} 的责任已由 {by} 于 {at} 评审")
REVIEW_EMPLOYEE_NEEDED = Refusal("cases.review_employee_needed", InvalidInput,
                                 en="an upheld complaint names the employee responsible: case {number} names none",
                                 zh="投诉成立须指明责任员工：工单 {number} 未指明员工")
REVIEW_NOT_REVIEWER = Refusal("cases.review_not_reviewer", Forbidden,
                              en="the monthly review of case {number} is done by {reviewer} or the head of its "
                                 "department",
                              zh="工单 {number} 的月度评审由 {reviewer} 或其所属部门负责人进行")
REVIEW_LIST_NOT_YOURS = Refusal("cases.review_list_not_yours", Forbidden,
                                en="the monthly review is for the reviewers, supervisors, QC, admins and the "
                                   "department heads",
                                zh="月度评审仅供评审人、班长、质检、管理员和部门负责人查看")
