"""The call-back desk's refusals."""

from __future__ import annotations

from callcenter.errors import Conflict, InvalidInput, NotFound, Refusal

TASK_NOT_FOUND = Refusal("callbacks.not_found", NotFound, en="call-back task {task_id} not found",
                         zh="未找到回访任务 {task_id}")
TASK_CLOSED = Refusal("callbacks.closed", Conflict, en="call-back task {task_id} is {state}: it is closed",
                      zh="回访任务 {task_id} 状态为 {state}，已关闭")
STALE_VERSION = Refusal("callbacks.stale_version", Conflict,
                        en="call-back task {task_id} was changed meanwhile: you had version {given}, it is now "
                           "version {current}; reload it and try again",
                        zh="回访任务 {task_id} 已被他人修改：您的版本为 {given}，当前为 {current}；请刷新后重试")
NO_NUMBER = Refusal("callbacks.no_number", Conflict,
                    en="call-back task {task_id} has no number to call: the customer has no phone number on record",
                    zh="回访任务 {task_id} 没有可拨打的号码：客户没有登记电话号码")
TOO_SOON = Refusal("callbacks.too_soon", Conflict,
                   en="call-back task {task_id} was last tried at {last}: the next attempt may be made from {next} "
                      "(attempts at least {minutes} minutes apart)",
                   zh="回访任务 {task_id} 上次尝试于 {last}：下一次尝试须在 {next} 之后"
                      "（两次尝试至少间隔 {minutes} 分钟）")
CALL_IN_PROGRESS = Refusal("callbacks.call_in_progress", Conflict,
                           en="call-back task {task_id} has an attempt whose call {call} has not ended yet",
                           zh="回访任务 {task_id} 有一次尝试的通话 {call} 尚未结束")
OUTCOME_PENDING = Refusal("callbacks.outcome_pending", Conflict,
                          en="call-back task {task_id}: record the outcome of the last attempt (call {call}) first",
                          zh="回访任务 {task_id}：请先记录上一次尝试（通话 {call}）的结果")
NO_ATTEMPT = Refusal("callbacks.no_attempt", Conflict,
                     en="call-back task {task_id} has no attempt waiting for its outcome: call the customer first",
                     zh="回访任务 {task_id} 没有待记录结果的尝试：请先拨打客户电话")
ATTEMPT_NOT_YOURS = Refusal("callbacks.attempt_not_yours", Conflict,
                            en="the open attempt of call-back task {task_id} was made by {agent}",
                            zh="回访任务 {task_id} 的当前尝试由 {agent} 发起")
SURVEY_NEEDED = Refusal("callbacks.survey_needed", InvalidInput,
                        en="a customer reached answers the survey: give all four points (attitude, skill, "
                           "timeliness, promises), each 1 to 4; a customer who would not answer is 'refused'",
                        zh="已联系上的客户须完成满意度调查：请给出全部四项（服务态度、业务技能、处理时效、承诺兑现），"
                           "每项 1 至 4；客户拒绝回答请记为“拒绝”")
NOTE_NEEDED = Refusal("callbacks.note_needed", InvalidInput,
                      en="'problem stands' needs the written feedback for the department head in note",
                      zh="“问题未解决”须在备注中填写给部门负责人的书面反馈")
DUE_TOO_LATE = Refusal("callbacks.due_too_late", InvalidInput,
                       en="the due time of call-back task {task_id} may be earlier, never later than {latest} "
                          "({hours} hours after the result)",
                       zh="回访任务 {task_id} 的截止时间只能提前，不能晚于 {latest}（结果后 {hours} 小时）")
DUE_BEFORE_CREATED = Refusal("callbacks.due_before_created", InvalidInput,
                             en="the due time of call-back task {task_id} cannot be before it was created ({created})",
                             zh="回访任务 {task_id} 的截止时间不能早于其创建时间（{created}）")
BAD_PERIOD = Refusal("callbacks.bad_period", InvalidInput,
                     en="the rate's period runs from since to until: since must be before until, at most 400 days",
                     zh="回访率的统计区间为 since 至 until：since 须早于 until，且不超过 400 天")
