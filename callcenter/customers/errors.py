"""The refusals of customers: access to a customer and their service records, the fields, the CSV import."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal, Words

NEEDS_ROLE = Refusal("customers.needs_role", Forbidden, en="{what} needs role {roles}", zh="{what} 需要角色 {roles}")

# What the caller was doing when NEEDS_ROLE refused it ({what}), in each language's words: require() looks them up by
# the English its call gives (tests/unit/test_error_catalogue.py checks that every call's wording is here).
ACTIONS = {en: Words(en, zh) for en, zh in {
    "creating a customer": "新建客户",
    "changing a customer": "修改客户",
    "deleting a customer": "删除客户",
    "reading a customer": "查看客户",
    "searching customers": "搜索客户",
    "writing a service record": "填写服务记录",
    "reading service records": "查看服务记录",
    "exporting customers": "导出客户",
    "importing customers": "导入客户",
}.items()}
CUSTOMER_NOT_FOUND = Refusal(
    "customers.customer_not_found", NotFound,
    en="customer {customer_id} not found",
    zh="未找到客户 {customer_id}",
)
VIEW_NOT_HANDLING = Refusal(
    "customers.view_not_handling", Forbidden,
    en="an agent may only open the customer of the call they are handling; customer {customer_id} is not",
    zh="座席只能打开自己正在处理的通话的客户；客户 {customer_id} 不是",
)
EDIT_NOT_HANDLING = Refusal(
    "customers.edit_not_handling", Forbidden,
    en="an agent may only change the customer of the call they are handling; customer {customer_id} is not",
    zh="座席只能修改自己正在处理的通话的客户；客户 {customer_id} 不是",
)
UNKNOWN_CUSTOMER_FIELD = Refusal(
    "customers.unknown_customer_field", InvalidInput,
    en="unknown customer field {field!r}",
    zh="未知的客户字段 {field!r}",
)
NAME_EMPTY = Refusal("customers.name_empty", InvalidInput, en="name must not be empty", zh="名称不能为空")
NOTHING_TO_CHANGE = Refusal(
    "customers.nothing_to_change", InvalidInput,
    en="nothing to change: give at least one field",
    zh="没有要修改的内容：请至少填写一个字段",
)
NUMBER_NOT_FOUND = Refusal(
    "customers.number_not_found", NotFound,
    en="customer {customer_id} has no number {number}",
    zh="客户 {customer_id} 没有号码 {number}",
)
UNKNOWN_RECORD_FIELD = Refusal(
    "customers.unknown_record_field", InvalidInput,
    en="unknown service record field {field!r}",
    zh="未知的服务记录字段 {field!r}",
)
NO_SUCH_CUSTOMER = Refusal(
    "customers.no_such_customer", InvalidInput,
    en="no customer {customer_id}",
    zh="没有客户 {customer_id}",
)
RECORD_NOT_HANDLING = Refusal(
    "customers.record_not_handling", Forbidden,
    en=("an agent may only write a service record for a call they are handling or answered; call {call_uniqueid} "
        "is not"),
    zh="座席只能为自己正在处理或接听过的通话写服务记录；通话 {call_uniqueid} 不是",
)
RECORD_NOT_FOUND = Refusal(
    "customers.record_not_found", NotFound,
    en="service record {record_id} not found",
    zh="未找到服务记录 {record_id}",
)
RECORD_NOT_AUTHOR = Refusal(
    "customers.record_not_author", Forbidden,
    en="only the author ({agent_username}), a supervisor or an admin may {what} service record {record_id}",
    zh="只有撰写人（{agent_username}）、班长或管理员可以{what}服务记录 {record_id}",
)
NO_FOLLOW_UP = Refusal(
    "customers.no_follow_up", Conflict,
    en="service record {record_id} has no follow-up",
    zh="服务记录 {record_id} 没有跟进",
)
FOLLOW_UP_DONE = Refusal(
    "customers.follow_up_done", Conflict,
    en="the follow-up of service record {record_id} was done at {follow_up_done_at}",
    zh="服务记录 {record_id} 的跟进已于 {follow_up_done_at} 完成",
)
RECORDS_NOT_HANDLING = Refusal(
    "customers.records_not_handling", Forbidden,
    en=("an agent may only read the service records of a call they are handling or answered; call {call_uniqueid} "
        "is not"),
    zh="座席只能查看自己正在处理或接听过的通话的服务记录；通话 {call_uniqueid} 不是",
)
IMPORT_TOO_BIG = Refusal(
    "customers.import_too_big", InvalidInput,
    en="the file is {value:.1f} MB; at most 5 MB per import (split it)",
    zh="文件大小为 {value:.1f} MB；每次导入最多 5 MB（请拆分）",
)
IMPORT_NOT_UTF8 = Refusal(
    "customers.import_not_utf8", InvalidInput,
    en="the file is not UTF-8 text (in Excel: Save As 'CSV UTF-8 (Comma delimited)')",
    zh="文件不是 UTF-8 文本（在 Excel 中：另存为“CSV UTF-8（逗号分隔）”）",
)
IMPORT_TOO_MANY_ROWS = Refusal(
    "customers.import_too_many_rows", InvalidInput,
    en="the file has more than {max_csv_rows} rows; split it",
    zh="文件超过 {max_csv_rows} 行；请拆分",
)
IMPORT_NOT_CSV = Refusal(
    "customers.import_not_csv", InvalidInput,
    en="row {line_num}: not readable as CSV ({e})",
    zh="第 {line_num} 行：无法按 CSV 读取（{e}）",
)
IMPORT_EMPTY = Refusal(
    "customers.import_empty", InvalidInput,
    en="the file is empty; the first row must name the columns: {columns}",
    zh="文件是空的；第一行必须写明列名：{columns}",
)
IMPORT_UNKNOWN_COLUMNS = Refusal(
    "customers.import_unknown_columns", InvalidInput,
    en="unknown column(s) {unknown}; the columns are {columns}",
    zh="未知的列 {unknown}；可用的列是 {columns}",
)
IMPORT_DUPLICATE_COLUMNS = Refusal(
    "customers.import_duplicate_columns", InvalidInput,
    en="column(s) {dupes} appear more than once",
    zh="列 {dupes} 出现了不止一次",
)
IMPORT_NAME_COLUMN = Refusal(
    "customers.import_name_column", InvalidInput,
    en="column 'name' is required",
    zh="必须有 'name' 列",
)
IMPORT_NO_ROWS = Refusal(
    "customers.import_no_rows", InvalidInput,
    en="the file has no customer rows",
    zh="文件中没有客户行",
)
IMPORT_BAD_CREATED_AT = Refusal(
    "customers.import_bad_created_at", InvalidInput,
    en="created_at {v!r} is not an ISO 8601 date and time",
    zh="created_at {v!r} 不是 ISO 8601 日期时间",
)
IMPORT_ROWS_BAD = Refusal(
    "customers.import_rows_bad", InvalidInput,
    en="{n_problems} row(s) have problems; nothing was imported. {summary}{more}",
    zh="{n_problems} 行有问题；未导入任何数据。{summary}{more}",
)
CUSTOMER_NAME_EMPTY = Refusal(
    "customers.customer_name_empty", InvalidInput,
    en="customer name must not be empty",
    zh="客户名称不能为空",
)
NUMBER_TOO_FEW_DIGITS = Refusal(
    "customers.number_too_few_digits", InvalidInput,
    en="phone number {n!r} has too few digits",
    zh="电话号码 {n!r} 位数太少",
)
NUMBERS_TAKEN = Refusal(
    "customers.numbers_taken", InvalidInput,
    en="number(s) already belong to another customer: {taken}",
    zh="号码已属于其他客户：{taken}",
)
IMPORT_NUMBERS_CHANGED = Refusal(
    "customers.import_numbers_changed", Conflict,
    en="customer numbers changed while the file was imported; nothing was imported, try again",
    zh="导入期间客户号码发生了变化；未导入任何数据，请重试",
)
NUMBER_TAKEN = Refusal(
    "customers.number_taken", Conflict,
    en="number {number} already belongs to customer {customer_id}",
    zh="号码 {number} 已属于客户 {customer_id}",
)

TEXT_NOT_TEXT = Refusal("customers.text_not_text", InvalidInput, en="{field} must be text", zh="{field} 必须是文本")
TEXT_EMPTY = Refusal("customers.text_empty", InvalidInput, en="{field} must not be empty", zh="{field} 不能为空")
TEXT_TOO_LONG = Refusal(
    "customers.text_too_long", InvalidInput,
    en="{field} is {n_text} characters; at most {max_len}",
    zh="{field} 有 {n_text} 个字符；最多 {max_len} 个",
)
NOT_BOOL = Refusal(
    "customers.not_bool", InvalidInput,
    en="{field} must be true or false",
    zh="{field} 必须是 true 或 false",
)
TAGS_NOT_LIST = Refusal(
    "customers.tags_not_list", InvalidInput,
    en="tags must be a list of texts",
    zh="tags（标签）必须是文本列表",
)
TOO_MANY_TAGS = Refusal(
    "customers.too_many_tags", InvalidInput,
    en="{field}: {n_out} tags; at most {max_tags}",
    zh="{field}：{n_out} 个标签；最多 {max_tags} 个",
)
PHONE_NOT_TEXT = Refusal(
    "customers.phone_not_text", InvalidInput,
    en="{field}: phone number {raw!r} must be text",
    zh="{field}：电话号码 {raw!r} 必须是文本",
)
PHONE_BAD_CHARACTERS = Refusal(
    "customers.phone_bad_characters", InvalidInput,
    en=("{field}: phone number {raw!r} may only contain digits, spaces and + - ( ) . (a spreadsheet may have "
        "turned it into '1.38E+10': format that column as text)"),
    zh=("{field}：电话号码 {raw!r} 只能包含数字、空格和 + - ( ) .（电子表格可能把它变成了 "
        "'1.38E+10'：请把该列设为文本格式）"),
)
PHONE_TOO_FEW_DIGITS = Refusal(
    "customers.phone_too_few_digits", InvalidInput,
    en="{field}: phone number {raw!r} has too few digits",
    zh="{field}：电话号码 {raw!r} 位数太少",
)
PHONE_TOO_MANY_DIGITS = Refusal(
    "customers.phone_too_many_digits", InvalidInput,
    en="{field}: phone number {raw!r} has too many digits",
    zh="{field}：电话号码 {raw!r} 位数太多",
)
NUMBERS_NOT_LIST = Refusal(
    "customers.numbers_not_list", InvalidInput,
    en="numbers must be a list of phone numbers",
    zh="numbers 必须是电话号码列表",
)
TOO_MANY_NUMBERS = Refusal(
    "customers.too_many_numbers", InvalidInput,
    en="{field}: {n_out} numbers; at most {max_numbers}",
    zh="{field}：{n_out} 个号码；最多 {max_numbers} 个",
)
NUMBER_BAD_CHARACTERS = Refusal(
    "customers.number_bad_characters", InvalidInput,
    en="number {raw!r} may only contain digits, spaces and + - ( ) .",
    zh="号码 {raw!r} 只能包含数字、空格和 + - ( ) .",
)
NUMBER_NEEDS_3_DIGITS = Refusal(
    "customers.number_needs_3_digits", InvalidInput,
    en="number {raw!r}: give at least 3 digits",
    zh="号码 {raw!r}：请至少填写 3 位数字",
)
NUMBER_TOO_MANY_DIGITS = Refusal(
    "customers.number_too_many_digits", InvalidInput,
    en="number {raw!r} has too many digits",
    zh="号码 {raw!r} 位数太多",
)
NOT_DATETIME = Refusal(
    "customers.not_datetime", InvalidInput,
    en="{field} must be a date and time (ISO 8601)",
    zh="{field} 必须是日期时间（ISO 8601）",
)
UNKNOWN_WHY = Refusal(
    "customers.unknown_why", InvalidInput,
    en="why must be one of {why}; got {why2!r}",
    zh="why 必须是 {why} 之一；收到的是 {why2!r}",
)
TAG_NOT_TEXT = Refusal(
    "customers.tag_not_text", InvalidInput,
    en="{field}: tag {t!r} is not text (tags must be a list of texts)",
    zh="{field}：标签 {t!r} 不是文本（标签必须是文本列表）",
)
TAG_EMPTY = Refusal(
    "customers.tag_empty", InvalidInput,
    en="{field}: a tag must not be empty",
    zh="{field}：标签不能为空",
)
TAG_TOO_LONG = Refusal(
    "customers.tag_too_long", InvalidInput,
    en="{field}: tag {t!r}… is longer than {max_tag_len} characters",
    zh="{field}：标签 {t!r}… 超过 {max_tag_len} 个字符",
)
TAG_BAD_CHARACTERS = Refusal(
    "customers.tag_bad_characters", InvalidInput,
    en="{field}: tag {t!r} must not contain ';' or control characters",
    zh="{field}：标签 {t!r} 不能包含 ';' 或控制字符",
)
UNKNOWN_SORT = Refusal(
    "customers.unknown_sort", InvalidInput,
    en="sort must be one of {sorts}; got {sort!r}",
    zh="sort 必须是 {sorts} 之一；收到的是 {sort!r}",
)
BAD_LIMIT = Refusal("customers.bad_limit", InvalidInput, en="limit must be 1..500", zh="limit 必须是 1..500")
BAD_OFFSET = Refusal("customers.bad_offset", InvalidInput, en="offset must be 0 or more", zh="offset 必须大于或等于 0")
FOLLOW_UP_TOO_LATE = Refusal(
    "customers.follow_up_too_late", InvalidInput,
    en="follow_up_due may be earlier, never later than {latest} ({hours} hours after the follow-up was asked for)",
    zh="follow_up_due 只能提前，不能晚于 {latest}（提出跟进后 {hours} 小时）")
DUE_NEEDS_FOLLOW_UP = Refusal(
    "customers.due_needs_follow_up", InvalidInput,
    en="follow_up_due needs follow_up_needed=true",
    zh="follow_up_due 需要 follow_up_needed=true",
)
CUSTOMER_NUMBERS_FULL = Refusal(
    "customers.customer_numbers_full", InvalidInput,
    en="{field}: customer already has {max_numbers} numbers",
    zh="{field}：客户已有 {max_numbers} 个号码",
)
RECORD_NEEDS_CALL = Refusal(
    "customers.record_needs_call", InvalidInput,
    en="call_uniqueid: an agent writes a service record for a call",
    zh="call_uniqueid：座席须为一通通话写服务记录",
)
RECORD_NEEDS_TARGET = Refusal(
    "customers.record_needs_target", InvalidInput,
    en="{field}: give call_uniqueid, customer_id or caller_number",
    zh="{field}：请提供 call_uniqueid、customer_id 或 caller_number",
)
IMPORT_BAD_ID = Refusal(
    "customers.import_bad_id", InvalidInput,
    en="id {v!r} is not a customer id (leave it empty to create)",
    zh="id {v!r} 不是客户编号（新建客户请留空）",
)
IMPORT_BAD_VIP = Refusal(
    "customers.import_bad_vip", InvalidInput,
    en="vip {v!r} must be true or false",
    zh="vip {v!r} 必须是 true 或 false",
)
UNKNOWN_CATEGORY = Refusal(
    "customers.unknown_category", InvalidInput,
    en="category must be one of {categories}; got {v!r}",
    zh="category 必须是 {categories} 之一；收到的是 {v!r}",
)
CUSTOMER_ID_NOT_NUMBER = Refusal(
    "customers.customer_id_not_number", InvalidInput,
    en="customer_id must be a number",
    zh="customer_id 必须是数字",
)
