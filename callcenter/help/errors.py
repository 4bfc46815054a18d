"""The refusals of the lead's help."""

from __future__ import annotations

from callcenter.errors import Conflict, InvalidInput, NotFound, Refusal

NOT_ON_CALL = Refusal("help.not_on_call", Conflict,
                      en="help is asked for during a call: you are {state_text}",
                      zh="只能在通话中求助：您当前状态为{state_text}")
ALREADY_ASKED = Refusal("help.already_asked", Conflict,
                        en="help for this call was already asked (request {request_id}, {state})",
                        zh="本通话已发出求助（请求 {request_id}，{state}）")
NOT_FOUND = Refusal("help.not_found", NotFound, en="help request {request_id} not found",
                    zh="未找到求助请求 {request_id}")
NOT_OPEN = Refusal("help.not_open", Conflict,
                   en="help request {request_id} is {state} (taken by {taken_by}): it can no longer be taken",
                   zh="求助请求 {request_id} 状态为 {state}（接手人：{taken_by}），不能再接手")
NOT_YOURS = Refusal("help.not_yours", Conflict,
                    en="help request {request_id} was raised by {agent}: only they may withdraw it",
                    zh="求助请求 {request_id} 由 {agent} 发起，只有本人可以撤回")
SEAT_NEEDED = Refusal("help.seat_needed", InvalidInput,
                      en="to {how}, give your own seat (seat): your phone rings first, then you hear the call",
                      zh="{how}须填写您自己的座席号码（seat）：您的电话先振铃，接起后进入通话")
TRANSFER_TARGET_NEEDED = Refusal("help.transfer_target_needed", InvalidInput,
                                 en="a transfer to a senior needs the target: a seat (target_type extension) or a "
                                    "queue (target_type queue)",
                                 zh="转给资深座席须指定目标：座席号码（target_type extension）"
                                    "或队列（target_type queue）")
