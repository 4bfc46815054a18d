"""The refusals of the knowledge base: roles, the workflow's steps, optimistic locking, validity, the source
documents' limits and the calls an entry is marked used on."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal, Words

NEEDS_ROLE = Refusal("knowledge.needs_role", Forbidden, en="{what} needs role {roles}", zh="{what} 需要角色 {roles}")
# what the caller was doing when NEEDS_ROLE refused it ({what}), in each language's words
ACTIONS = {en: Words(en, zh) for en, zh in {
    "writing a knowledge entry": "编写知识条目",
    "reviewing a knowledge entry": "审核知识条目",
    "publishing a knowledge entry": "发布知识条目",
    "withdrawing a knowledge entry": "撤销知识条目",
    "reading the versions of an entry": "查看条目的历史版本",
    "uploading a source document": "上传来源文件",
    "marking an entry used on a call": "标记通话中使用的条目",
    "reading the usage counts": "查看使用统计",
}.items()}
ENTRY_NOT_FOUND = Refusal("knowledge.not_found", NotFound, en="knowledge entry {entry_id} not found",
                          zh="未找到知识条目 {entry_id}")
STALE_VERSION = Refusal("knowledge.stale_version", Conflict,
                        en="knowledge entry {entry_id} was changed meanwhile: you had version {given}, it is now "
                           "version {current}; reload it and try again",
                        zh="知识条目 {entry_id} 已被他人修改：您的版本为 {given}，当前为 {current}；请刷新后重试")
BAD_STATE = Refusal("knowledge.bad_state", Conflict,
                    en="knowledge entry {entry_id} has no version that can be {wanted}: {state}",
                    zh="知识条目 {entry_id} 没有可以{wanted}的版本：{state}")
OWN_REVIEW = Refusal("knowledge.own_review", Forbidden,
                     en="version {number} of knowledge entry {entry_id} was written by you: another reviewer "
                        "reviews it",
                     zh="知识条目 {entry_id} 的第 {number} 版由您编写，须由其他审核人审核")
VALIDITY_ORDER = Refusal("knowledge.validity_order", InvalidInput,
                         en="valid_to ({valid_to}) must be after valid_from ({valid_from})",
                         zh="valid_to（{valid_to}）必须晚于 valid_from（{valid_from}）",
                         details={"fields": ["valid_from", "valid_to"]})
UNKNOWN_CATEGORY = Refusal("knowledge.unknown_category", InvalidInput,
                           en="category {category} is not one of {categories}",
                           zh="分类 {category} 不在可选分类之中：{categories}")
TEXT_EMPTY = Refusal("knowledge.text_empty", InvalidInput, en="{field} must not be empty", zh="{field} 不能为空")
DEPARTMENT_NEEDED = Refusal("knowledge.department_needed", InvalidInput,
                            en="knowledge entry {entry_id} names no issuing department (department_id): it is "
                               "confirmed by that department once published",
                            zh="知识条目 {entry_id} 未指明发文部门（department_id）：发布后须由该部门确认")
DEPARTMENT_NOT_FOUND = Refusal("knowledge.department_not_found", InvalidInput,
                               en="there is no department {department_id}", zh="没有部门 {department_id}")
NOT_DEPARTMENT_HEAD = Refusal("knowledge.not_department_head", Forbidden,
                              en="the wording of knowledge entry {entry_id} is confirmed by the head of department "
                                 "{department}; you are not one",
                              zh="知识条目 {entry_id} 的口径须由部门 {department} 的负责人确认；您不是该部门负责人")
ALREADY_CONFIRMED = Refusal("knowledge.already_confirmed", Conflict,
                            en="version {number} of knowledge entry {entry_id} was already confirmed by {by}",
                            zh="知识条目 {entry_id} 的第 {number} 版已由 {by} 确认")
REASON_NEEDED = Refusal("knowledge.reason_needed", InvalidInput, en="a withdrawal needs a reason (reason)",
                        zh="撤销须填写原因（reason）")
DOCUMENT_TOO_LARGE = Refusal("knowledge.document_too_large", InvalidInput,
                             en="the document is {size} bytes; at most {limit} bytes",
                             zh="文件大小为 {size} 字节；最多 {limit} 字节")
DOCUMENT_EMPTY = Refusal("knowledge.document_empty", InvalidInput, en="the document is empty", zh="文件为空")
DOCUMENT_TYPE = Refusal("knowledge.document_type", InvalidInput,
                        en="documents of type {type} are not taken; the types are: {types}",
                        zh="不接受 {type} 类型的文件；可接受：{types}")
DOCUMENT_NAME = Refusal("knowledge.document_name", InvalidInput,
                        en="the file name {name} has nothing usable left once cleaned",
                        zh="文件名 {name} 清理后没有可用的字符")
DOCUMENT_NOT_FOUND = Refusal("knowledge.document_not_found", NotFound, en="there is no document {document_id}",
                             zh="没有文件 {document_id}")
CALL_NOT_YOURS = Refusal("knowledge.call_not_yours", Forbidden,
                         en="call {call_uniqueid} is not a call you are handling or answered",
                         zh="通话 {call_uniqueid} 不是您正在处理或接听过的通话")
NOT_IN_USE = Refusal("knowledge.not_in_use", Conflict,
                     en="knowledge entry {entry_id} is not published and valid now: it cannot be used on a call",
                     zh="知识条目 {entry_id} 当前未发布或不在有效期内，不能在通话中使用")

# the states and steps those refusals name, in each language's words
STATE_WORDS = {
    "new": Words("not published yet", "尚未发布"), "draft": Words("a draft", "草稿"),
    "reviewed": Words("reviewed", "已审核"), "published": Words("published", "已发布"),
    "superseded": Words("superseded", "已被取代"), "withdrawn": Words("withdrawn", "已撤销"),
    "none": Words("no open version", "没有待处理的版本"),
}
STEP_WORDS = {
    "reviewed": Words("reviewed", "审核"), "published": Words("published", "发布"),
    "confirmed": Words("confirmed", "确认"), "withdrawn": Words("withdrawn", "撤销"),
}
NO_SUCH_DOCUMENT = Refusal("knowledge.no_such_document", InvalidInput,
                           en="there is no document {document_id} (document_id): upload it first",
                           zh="没有文件 {document_id}（document_id）：请先上传")
