"""The refusals of the IVR: flows, their versions and publishing, entry points, prompts, voicemail."""

from __future__ import annotations

from callcenter.errors import EN, Conflict, DomainError, InvalidInput, NotFound, Refusal, Words
from callcenter.ivr.validation import Problem


class PromptInUse(Conflict):
    error_id = "prompt_in_use"


class PublishRefused(DomainError):
    """A flow with problems is not published; ``problems`` lists them (each names its node)."""

    status = 422
    error_id = "flow_invalid"

    def __init__(self, flow: str, problems: list[Problem], version: int | None = None) -> None:
        # the flow's name, and which version of it, in each language's words
        label = flow if version is None else Words(f"{flow} version {version}", f"{flow} 版本 {version}")
        messages = FLOW_NOT_PUBLISHABLE.texts({"label": label, "count": len(problems)})
        super().__init__(messages[EN], problems=[p.as_dict() for p in problems])
        self.code, self.messages = FLOW_NOT_PUBLISHABLE.code, messages
        self.problems = problems


FLOW_NOT_PUBLISHABLE = Refusal("ivr.flow_not_publishable", PublishRefused,
                               en="flow {label!r} cannot be published: {count} problem(s)",
                               zh="流程 {label!r} 无法发布：有 {count} 个问题")

FLOW_NOT_FOUND = Refusal(
    "ivr.flow_not_found", NotFound,
    en="IVR flow {flow_id} not found",
    zh="未找到 IVR 流程 {flow_id}",
)
VOICEMAIL_NOT_FOUND = Refusal(
    "ivr.voicemail_not_found", NotFound,
    en="voicemail {voicemail_id} not found",
    zh="未找到语音留言 {voicemail_id}",
)
FLOW_NAME_LENGTH = Refusal(
    "ivr.flow_name_length", InvalidInput,
    en="flow name must be 1-80 characters",
    zh="流程名称必须是 1-80 个字符",
)
FLOW_EXISTS = Refusal(
    "ivr.flow_exists", InvalidInput,
    en="a flow named {name!r} already exists",
    zh="名为 {name!r} 的流程已存在",
)
VERSION_NOT_FOUND = Refusal(
    "ivr.version_not_found", NotFound,
    en="flow {name!r} has no version {version}",
    zh="流程 {name!r} 没有版本 {version}",
)
BAD_DID = Refusal(
    "ivr.bad_did", InvalidInput,
    en="dialled number {did!r} must be digits (optionally with +) or '*' for the default",
    zh="拨入号码 {did!r} 必须是数字（可带 +），或用 '*' 表示默认",
)
FLOW_VERSION_NOT_FOUND = Refusal(
    "ivr.flow_version_not_found", NotFound,
    en="IVR flow version {version_id} not found",
    zh="未找到 IVR 流程版本 {version_id}",
)
PROMPT_IN_USE = Refusal(
    "ivr.prompt_in_use", PromptInUse,
    en="prompt {name!r} ({language}) is in use: {used}",
    zh="提示音 {name!r}（{language}）正在使用：{used}",
)
PROMPT_NOT_FOUND = Refusal(
    "ivr.prompt_not_found", NotFound,
    en="no uploaded prompt {name!r} in language {language!r}",
    zh="没有已上传的提示音 {name!r}（语言 {language!r}）",
)
VOICEMAIL_NO_AUDIO = Refusal(
    "ivr.voicemail_no_audio", NotFound,
    en="voicemail {voicemail_id} has no audio file",
    zh="语音留言 {voicemail_id} 没有音频文件",
)
BAD_PROMPT_NAME = Refusal(
    "ivr.bad_prompt_name", InvalidInput,
    en="prompt name {name!r} must be 1-80 letters, digits, '-' or '_'",
    zh="提示音名称 {name!r} 必须是 1-80 个字母、数字、'-' 或 '_'",
)
BAD_LANGUAGE = Refusal(
    "ivr.bad_language", InvalidInput,
    en="language {lang!r} must look like 'zh' or 'en'",
    zh="语言 {lang!r} 必须形如 'zh' 或 'en'",
)
BAD_FILE_TYPE = Refusal(
    "ivr.bad_file_type", InvalidInput,
    en="{filename!r}: file type {value!r} not accepted; upload wav, mp3, ogg or m4a",
    zh="{filename!r}：不接受文件类型 {value!r}；请上传 wav、mp3、ogg 或 m4a",
)
FILE_TOO_BIG = Refusal(
    "ivr.file_too_big", InvalidInput,
    en="{filename!r} is {value:.1f} MB; the limit is 20 MB",
    zh="{filename!r} 大小为 {value:.1f} MB；上限是 20 MB",
)
FILE_EMPTY = Refusal("ivr.file_empty", InvalidInput, en="{filename!r} is empty", zh="{filename!r} 是空的")
AUDIO_UNREADABLE = Refusal(
    "ivr.audio_unreadable", InvalidInput,
    en="{filename!r} is not a readable {ext} audio file (corrupt, or not audio)",
    zh="{filename!r} 不是可读的 {ext} 音频文件（已损坏或不是音频）",
)
NO_AUDIO = Refusal("ivr.no_audio", InvalidInput, en="the recording has no audio", zh="录音中没有音频")
TOO_LONG = Refusal(
    "ivr.too_long", InvalidInput,
    en="the recording is {seconds:.0f} s long; the limit is 10 minutes",
    zh="录音长 {seconds:.0f} 秒；上限是 10 分钟",
)
UPLOADED_PROMPT_NOT_FOUND = Refusal(
    "ivr.uploaded_prompt_not_found", NotFound,
    en="no uploaded prompt {name!r} in language {lang!r}",
    zh="没有已上传的提示音 {name!r}（语言 {lang!r}）",
)
