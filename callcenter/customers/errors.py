"""The refusals of customers: access to a customer and their service records, the fields, the CSV import."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal

NEEDS_ROLE = Refusal("customers.needs_role", Forbidden, en="{what} needs role {roles}", zh="{what} 需要角色 {roles}")
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
