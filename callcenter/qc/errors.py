"""The refusals of quality control (质检): forms, draws and samples, claims, scoring, corrections and disputes."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal, Words

NEEDS_ROLE = Refusal("qc.needs_role", Forbidden, en="{what} needs role {roles}", zh="{what} 需要角色 {roles}")

# What the caller was doing when NEEDS_ROLE refused it ({what}), in each language's words: require() looks them up by
# the English its call gives (tests/unit/test_error_catalogue.py checks that every call's wording is here).
ACTIONS = {en: Words(en, zh) for en, zh in {
    "creating a QC form": "新建质检考评表",
    "drawing the QC sample": "抽取质检样本",
    "hand-picking a call": "手动挑选通话",
    "assigning QC work": "分派质检工作",
    "claiming a QC sample": "认领质检样本",
    "scoring a QC sample": "为质检样本评分",
    "correcting a QC evaluation": "更正质检评分",
    "writing a QC note": "填写质检备注",
    "storing a survey result": "保存满意度调查结果",
}.items()}
FORM_NAME_LENGTH = Refusal(
    "qc.form_name_length", InvalidInput,
    en="name must be 1-100 characters",
    zh="名称必须是 1-100 个字符",
)
FORM_VERSION_RACE = Refusal(
    "qc.form_version_race", Conflict,
    en="form {name!r} version {version} was just created by someone else; reload",
    zh="考评表 {name!r} 版本 {version} 刚被其他人创建；请刷新",
)
FORM_NOT_FOUND = Refusal(
    "qc.form_not_found", NotFound,
    en="no QC form {template_id}",
    zh="没有质检考评表 {template_id}",
)
FORM_RETIRED = Refusal(
    "qc.form_retired", InvalidInput,
    en="QC form {name!r} version {version} is retired; use the current version",
    zh="质检考评表 {name!r} 版本 {version} 已停用；请使用当前版本",
)
MONTH_NOT_STARTED = Refusal(
    "qc.month_not_started", InvalidInput,
    en="month {month} has not started yet",
    zh="{month} 月尚未开始",
)
BAD_SEED = Refusal(
    "qc.bad_seed", InvalidInput,
    en="seed must be an integer from 0 to 2^63-1",
    zh="seed 必须是 0 到 2^63-1 之间的整数",
)
DRAW_NOT_FOUND = Refusal("qc.draw_not_found", NotFound, en="no QC draw {draw_id}", zh="没有质检抽样 {draw_id}")
CALL_NOT_FOUND = Refusal("qc.call_not_found", NotFound, en="no call {call_uniqueid!r}", zh="没有通话 {call_uniqueid!r}")
CALL_NO_RECORDING = Refusal(
    "qc.call_no_recording", InvalidInput,
    en="call {call_uniqueid!r} has no usable recording ({why})",
    zh="通话 {call_uniqueid!r} 没有可用的录音（{why}）",
)
CALL_NOT_ANSWERED = Refusal(
    "qc.call_not_answered", InvalidInput,
    en="call {call_uniqueid!r} was not answered by an agent",
    zh="通话 {call_uniqueid!r} 没有被座席接听",
)
CALL_IN_SAMPLE = Refusal(
    "qc.call_in_sample", Conflict,
    en="call {call_uniqueid!r} is already in the {month} sample (sample {sample_id})",
    zh="通话 {call_uniqueid!r} 已在 {month} 的抽检中（抽检 {sample_id}）",
)
CALL_IN_SAMPLE_RACE = Refusal(
    "qc.call_in_sample_race", Conflict,
    en="call {call_uniqueid!r} is already in the {month} sample",
    zh="通话 {call_uniqueid!r} 已在 {month} 的抽检中",
)
UNKNOWN_SAMPLE_STATUS = Refusal(
    "qc.unknown_sample_status", InvalidInput,
    en="status must be one of {sample_statuses}",
    zh="状态必须是 {sample_statuses} 之一",
)
SAMPLE_NOT_FOUND = Refusal(
    "qc.sample_not_found", NotFound,
    en="no QC sample {sample_id}",
    zh="没有质检抽检 {sample_id}",
)
NOT_QC_USER = Refusal(
    "qc.not_qc_user", InvalidInput,
    en="{username!r} is not an active user with the qc role",
    zh="{username!r} 不是具有质检角色的在用用户",
)
SAMPLE_SCORED_ASSIGN = Refusal(
    "qc.sample_scored_assign", Conflict,
    en="sample {sample_id} is already scored; correct its evaluation instead",
    zh="抽检 {sample_id} 已评分；请改为更正其评分",
)
SAMPLE_SCORED = Refusal(
    "qc.sample_scored", Conflict,
    en="sample {sample_id} is already scored",
    zh="抽检 {sample_id} 已评分",
)
SAMPLE_CLAIMED = Refusal(
    "qc.sample_claimed", Conflict,
    en="sample {sample_id} is claimed by {assignee}",
    zh="抽检 {sample_id} 已被 {assignee} 领取",
)
SAMPLE_NOT_CLAIMED = Refusal(
    "qc.sample_not_claimed", Conflict,
    en="sample {sample_id} is not claimed",
    zh="抽检 {sample_id} 未被领取",
)
RELEASE_NOT_OWN = Refusal(
    "qc.release_not_own", Forbidden,
    en="sample {sample_id} is claimed by {assignee}; only they or a supervisor may release it",
    zh="抽检 {sample_id} 已被 {assignee} 领取；只有本人或班长可以释放",
)
SAMPLE_CHANGED = Refusal(
    "qc.sample_changed", Conflict,
    en="sample {sample_id} changed meanwhile; reload",
    zh="抽检 {sample_id} 刚被修改；请刷新",
)
NOTE_EMPTY = Refusal("qc.note_empty", InvalidInput, en="text must not be empty", zh="text 不能为空")
NOTE_NEGATIVE_TIME = Refusal(
    "qc.note_negative_time", InvalidInput,
    en="at_seconds must be >= 0",
    zh="at_seconds 必须 >= 0",
)
NOTE_PAST_END = Refusal(
    "qc.note_past_end", InvalidInput,
    en="at_seconds {at_seconds:g} is past the end of the recording ({dur:g} s)",
    zh="at_seconds {at_seconds:g} 超出录音结尾（{dur:g} 秒）",
)
SCORE_LOCKED = Refusal(
    "qc.score_locked", Conflict,
    en=("sample {sample_id} already has evaluation {evaluation_id}, locked; correct it instead (POST "
        "/api/qc/evaluations/{evaluation_id}/corrections)"),
    zh=("抽检 {sample_id} 已有评分 {evaluation_id}，已锁定；请改为更正（POST "
        "/api/qc/evaluations/{evaluation_id}/corrections）"),
)
CLAIM_FIRST = Refusal("qc.claim_first", Conflict, en="claim sample {sample_id} first", zh="请先领取抽检 {sample_id}")
SAMPLE_CLAIMED_BY_OTHER = Refusal(
    "qc.sample_claimed_by_other", Forbidden,
    en="sample {sample_id} is claimed by {assignee}",
    zh="抽检 {sample_id} 已被 {assignee} 领取",
)
SAMPLE_SCORED_RACE = Refusal(
    "qc.sample_scored_race", Conflict,
    en="sample {sample_id} was just scored by someone else",
    zh="抽检 {sample_id} 刚被其他人评分",
)
CORRECTION_NEEDS_REASON = Refusal(
    "qc.correction_needs_reason", InvalidInput,
    en="reason must say why the evaluation is corrected",
    zh="reason 必须说明更正评分的原因",
)
EVALUATION_NOT_FOUND = Refusal(
    "qc.evaluation_not_found", NotFound,
    en="no QC evaluation {evaluation_id}",
    zh="没有质检评分 {evaluation_id}",
)
CORRECTION_NOT_ALLOWED = Refusal(
    "qc.correction_not_allowed", Forbidden,
    en=("evaluation {evaluation_id} may be corrected by its evaluator ({evaluator}), the sample's claimer or a "
        "supervisor"),
    zh="评分 {evaluation_id} 只能由其评分人（{evaluator}）、抽检的领取人或班长更正",
)
EVALUATION_CHANGED = Refusal(
    "qc.evaluation_changed", Conflict,
    en="evaluation {evaluation_id} changed meanwhile; reload",
    zh="评分 {evaluation_id} 刚被修改；请刷新",
)
DISPUTE_NEEDS_COMMENT = Refusal(
    "qc.dispute_needs_comment", InvalidInput,
    en="comment must say what is disputed",
    zh="comment 必须说明申诉的内容",
)
RESPONSE_NOT_AGENT = Refusal(
    "qc.response_not_agent", Forbidden,
    en="only the evaluated agent ({agent}) may acknowledge or dispute evaluation {evaluation_id}",
    zh="只有被评的座席（{agent}）可以确认或申诉评分 {evaluation_id}",
)
ALREADY_RESPONDED = Refusal(
    "qc.already_responded", Conflict,
    en="version {current_version} of evaluation {evaluation_id} was already {agent_response}",
    zh="评分 {evaluation_id} 的第 {current_version} 版已经{agent_response}",
)
BAD_SURVEY_LEVEL = Refusal(
    "qc.bad_survey_level", InvalidInput,
    en="{field} must be a level from 1 to 4 (1 very satisfied, 2 satisfied, 3 fair, 4 poor) or null",
    zh="{field} 必须是 1 到 4 的等级（1 很满意，2 满意，3 一般，4 较差）或 null",
)
SURVEY_EMPTY = Refusal(
    "qc.survey_empty", InvalidInput,
    en="a survey needs at least one point: attitude, skill, timeliness or promises (each 1-4)",
    zh=("满意度调查至少需要一项：attitude（服务态度）、skill（业务技能）、timeliness（处理时效）"
        "或 promises（承诺兑现），每项 1-4"),
)
CALL_NOT_ENDED = Refusal(
    "qc.call_not_ended", Conflict,
    en="call {call_uniqueid!r} has not ended yet",
    zh="通话 {call_uniqueid!r} 尚未结束",
)
BAD_PER_AGENT = Refusal(
    "qc.bad_per_agent", InvalidInput,
    en="per_agent must be 1 to 5 (the regulations: 1-5 checks per agent per month)",
    zh="per_agent 必须是 1 到 5（规定：每位座席每月抽检 1-5 通）",
)
BAD_MIN_TALK = Refusal(
    "qc.bad_min_talk", InvalidInput,
    en="min_talk_seconds must be 0 to 36000",
    zh="min_talk_seconds 必须是 0 到 36000",
)
BAD_WEIGHT = Refusal("qc.bad_weight", InvalidInput, en="{field} must be 0 to 1000", zh="{field} 必须是 0 到 1000")
BAD_POOR_LEVEL = Refusal(
    "qc.bad_poor_level", InvalidInput,
    en="poor_level must be a survey level from 1 to 4 (a point at this level or worse weighs; 4 poor, 3 fair)",
    zh="poor_level 必须是 1 到 4 的满意度等级（某项达到此等级或更差即加权；4 较差，3 一般）",
)
MONTH_DRAWN = Refusal(
    "qc.month_drawn", Conflict,
    en=("month {month} was already drawn (draw {draw_id} by {drawn_by} at {drawn_at}); hand-pick calls to add to "
        "it (POST /api/qc/samples)"),
    zh=("{month} 已经抽样（抽样 {draw_id}，由 {drawn_by} 于 {drawn_at}）；请手动挑选通话加入（POST "
        "/api/qc/samples）"),
)
CRITERIA_EMPTY = Refusal(
    "qc.criteria_empty", InvalidInput,
    en="criteria must be a non-empty list",
    zh="criteria（考评项）必须是非空列表",
)
TOO_MANY_CRITERIA = Refusal(
    "qc.too_many_criteria", InvalidInput,
    en="at most {max_criteria} criteria",
    zh="考评项最多 {max_criteria} 个",
)
CRITERION_NOT_OBJECT = Refusal(
    "qc.criterion_not_object", InvalidInput,
    en="{field} must be an object",
    zh="{field} 必须是对象",
)
BAD_CRITERION_KEY = Refusal(
    "qc.bad_criterion_key", InvalidInput,
    en="{where}.key must be 1-40 lower-case letters, digits or '_' (starting with a letter)",
    zh="{where}.key 必须是 1-40 个小写字母、数字或 '_'（以字母开头）",
)
CRITERION_KEY_TWICE = Refusal(
    "qc.criterion_key_twice", InvalidInput,
    en="criterion key {key!r} is used twice",
    zh="考评项键 {key!r} 重复使用",
)
CRITERION_TEXT_LENGTH = Refusal(
    "qc.criterion_text_length", InvalidInput,
    en="{where}.{label} of {key!r} must be 1-200 characters",
    zh="{key!r} 的 {where}.{label} 必须是 1-200 个字符",
)
CRITERION_WEIGHT = Refusal(
    "qc.criterion_weight", InvalidInput,
    en="{where}.weight of {key!r} must be a positive number of points",
    zh="{key!r} 的 {where}.weight 必须是正数分值",
)
CRITERION_SCALE_NUMBERS = Refusal(
    "qc.criterion_scale_numbers", InvalidInput,
    en="{field}.scale_min and scale_max of {key!r} must be numbers",
    zh="{key!r} 的 {field}.scale_min 和 scale_max 必须是数字",
)
CRITERION_SCALE_ORDER = Refusal(
    "qc.criterion_scale_order", InvalidInput,
    en="{where}: scale_min ({lo}) must be below scale_max ({hi}) for {key!r}",
    zh="{where}：{key!r} 的 scale_min（{lo}）必须小于 scale_max（{hi}）",
)
WEIGHTS_NOT_100 = Refusal(
    "qc.weights_not_100", InvalidInput,
    en="the criteria weights must sum to 100 points; they sum to {sum:g}",
    zh="考评项分值之和必须是 100 分；现在是 {sum:g}",
)
SCORES_NOT_OBJECT = Refusal(
    "qc.scores_not_object", InvalidInput,
    en="scores must be an object {{criterion key: number}}",
    zh="scores 必须是对象 {{考评项键: 数字}}",
)
SCORES_UNKNOWN = Refusal(
    "qc.scores_unknown", InvalidInput,
    en="scores has criteria not on this form: {unknown_text}",
    zh="scores 中有不在此考评表上的考评项：{unknown_text}",
)
COMMENTS_NOT_OBJECT = Refusal(
    "qc.comments_not_object", InvalidInput,
    en="comments must be an object {{criterion key: text}}",
    zh="comments 必须是对象 {{考评项键: 文本}}",
)
COMMENTS_UNKNOWN = Refusal(
    "qc.comments_unknown", InvalidInput,
    en="comments has criteria not on this form: {bad}",
    zh="comments 中有不在此考评表上的考评项：{bad}",
)
CRITERION_NOT_SCORED = Refusal(
    "qc.criterion_not_scored", InvalidInput,
    en="criterion {criterion!r} is not scored",
    zh="考评项 {criterion!r} 未评分",
)
SCORE_OUT_OF_SCALE = Refusal(
    "qc.score_out_of_scale", InvalidInput,
    en="score of {criterion!r} must be a number from {scale_min:g} to {scale_max:g}; got {v!r}",
    zh="{criterion!r} 的得分必须是 {scale_min:g} 到 {scale_max:g} 之间的数字；收到的是 {v!r}",
)
BAD_MONTH = Refusal(
    "qc.bad_month", InvalidInput,
    en="{field} must be YYYY-MM; got {month!r}",
    zh="{field} 必须是 YYYY-MM 格式；收到的是 {month!r}",
)
