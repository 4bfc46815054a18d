"""The campaigns' refusals."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal

CAMPAIGN_NOT_FOUND = Refusal("campaigns.not_found", NotFound, en="campaign {campaign_id} not found",
                             zh="未找到外呼活动 {campaign_id}")
NAME_TAKEN = Refusal("campaigns.name_taken", Conflict, en="a campaign named {name} exists already",
                     zh="已有名为 {name} 的外呼活动")
BAD_STATE = Refusal("campaigns.bad_state", Conflict,
                    en="campaign {campaign_id} is {state}: it cannot be {wanted}",
                    zh="外呼活动 {campaign_id} 当前为 {state}，不能{wanted}")
BAD_HOURS = Refusal("campaigns.bad_hours", InvalidInput,
                    en="calling hours run from hours_from to hours_to (HH:MM, the centre's time), from before to",
                    zh="呼叫时段为 hours_from 至 hours_to（HH:MM，中心时间），开始须早于结束")
BAD_ROW = Refusal("campaigns.bad_row", InvalidInput,
                  en="row {row} of the list: {why}; nothing was stored",
                  zh="名单第 {row} 行：{why}；未保存任何号码")
NO_HEADER = Refusal("campaigns.no_header", InvalidInput,
                    en="the list's first row names its columns: number (required), name, customer_id",
                    zh="名单第一行须为列名：number（必填）、name、customer_id")
UNKNOWN_AGENT = Refusal("campaigns.unknown_agent", InvalidInput,
                        en="{username} is not an active user with the agent role", zh="{username} 不是有效的座席用户")
NOT_CAMPAIGN_AGENT = Refusal("campaigns.not_campaign_agent", Forbidden,
                             en="you do not work campaign {campaign_id}", zh="您不是外呼活动 {campaign_id} 的座席")
NOT_PREVIEW = Refusal("campaigns.not_preview", Conflict,
                      en="campaign {campaign_id} dials by itself (progressive): numbers are not taken by hand",
                      zh="外呼活动 {campaign_id} 为自动外呼（渐进式），不能手动取号")
NOTHING_TO_CALL = Refusal("campaigns.nothing_to_call", Conflict,
                          en="campaign {campaign_id} has no number to call now",
                          zh="外呼活动 {campaign_id} 当前没有可拨打的号码")
OUT_OF_HOURS = Refusal("campaigns.out_of_hours", Conflict,
                       en="campaign {campaign_id} calls only {hours_from}-{hours_to} on its days (the centre's time)",
                       zh="外呼活动 {campaign_id} 只在其呼叫日的 {hours_from}-{hours_to}（中心时间）拨打")
NOT_YOUR_NUMBER = Refusal("campaigns.not_your_number", Conflict,
                          en="number {number_id} of campaign {campaign_id} is not reserved for you",
                          zh="外呼活动 {campaign_id} 的号码 {number_id} 未分配给您")
ON_DNC = Refusal("campaigns.on_dnc", Conflict, en="{number} is on the do-not-call list: it is never dialled",
                 zh="{number} 在免打扰名单中，永不拨打")
BAD_NUMBER = Refusal("campaigns.bad_number", InvalidInput, en="{number} is not a number: 3 to 20 digits",
                     zh="{number} 不是有效号码：须为 3 至 20 位数字")
TOO_MANY = Refusal("campaigns.too_many", InvalidInput,
                   en="{matched} {what} match: at most {cap} numbers are added at once; narrow the filter",
                   zh="匹配的{what}有 {matched} 个：一次最多添加 {cap} 个号码，请缩小筛选范围")
CALLBACK_CLOSED = Refusal("campaigns.callback_closed", Conflict,
                          en="number {number_id} calls back task {task_id}, which is closed ({state}): it is not "
                             "dialled (the number is done)",
                          zh="号码 {number_id} 对应的回访任务 {task_id} 已结束（{state}），不再拨打（该号码已完成）")
CALLBACK_WAITS = Refusal("campaigns.callback_waits", Conflict,
                         en="number {number_id} calls back task {task_id}, which may not be called now: {why}; the "
                            "number waits",
                         zh="号码 {number_id} 对应的回访任务 {task_id} 现在不能拨打：{why}；该号码稍后再拨")
CUSTOMERS_UNREADABLE = Refusal("campaigns.customers_unreadable", Forbidden,
                               en="adding the numbers of the customers a filter finds reads every one of them: it "
                                  "needs a role that may read any customer ({roles})",
                               zh="按筛选条件添加客户号码需要读取每一位匹配的客户：须具有可查看任何客户的角色（{roles}）")
