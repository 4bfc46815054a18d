"""The refusals of recordings: who may play which, what is left of a recording, muting it during a call."""

from __future__ import annotations

from callcenter.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Refusal, Unavailable


class AudioUnreadable(DomainError):
    """The stored audio is there but cannot be decoded: the service's fault, not the caller's."""

    status = 500
    error_id = "audio_unreadable"


class RangeNotSatisfiable(DomainError):
    """The Range header of an audio request cannot be served (answered 416 with the file's size)."""

    status = 416
    error_id = "range_not_satisfiable"

RECORDING_NOT_FOUND = Refusal(
    "recordings.recording_not_found", NotFound,
    en="recording {recording_id} not found",
    zh="未找到录音 {recording_id}",
)
CALL_HAS_NO_RECORDING = Refusal(
    "recordings.call_has_no_recording", NotFound,
    en="call {call_uniqueid} has no recording",
    zh="通话 {call_uniqueid} 没有录音",
)
AGENT_NOT_OWN_SCORED = Refusal(
    "recordings.agent_not_own_scored", Forbidden,
    en="agents may only listen to their own calls that QC has scored",
    zh="座席只能收听自己的、已经质检评分的通话",
)
STILL_RECORDING = Refusal(
    "recordings.still_recording", Conflict,
    en="the call is still being recorded; the recording can be played when the call has ended",
    zh="通话仍在录音中；通话结束后才能播放录音",
)
DELETED_BY_RETENTION = Refusal(
    "recordings.deleted_by_retention", NotFound,
    en="the recording was deleted by its queue's retention ({deleted_at})",
    zh="录音已按队列的保留期限删除（{deleted_at}）",
)
NO_AUDIO = Refusal(
    "recordings.no_audio", NotFound,
    en="there is no audio: the recording is {status} ({problem})",
    zh="没有音频：录音状态为 {status}（{problem}）",
)
PATH_OUTSIDE = Refusal(
    "recordings.path_outside", NotFound,
    en="the recording's stored path is outside the recordings directory; refused",
    zh="录音的存储路径不在录音目录内；已拒绝",
)
FILE_MISSING = Refusal(
    "recordings.file_missing", NotFound,
    en="the recording's file is missing on disk",
    zh="录音文件在磁盘上不存在",
)
DATE_TO_BEFORE_FROM = Refusal(
    "recordings.date_to_before_from", InvalidInput,
    en="date_to must not be before date_from",
    zh="date_to（结束日期）不能早于 date_from（开始日期）",
)
FILE_EMPTY = Refusal(
    "recordings.file_empty", NotFound,
    en="the recording's file is empty on disk",
    zh="录音文件在磁盘上是空的",
)
AUDIO_UNREADABLE = Refusal(
    "recordings.audio_unreadable", AudioUnreadable,
    en="the recording's audio could not be decoded: {first}",
    zh="无法解码录音的音频：{first}",
)
NO_RECORDING_RUNNING = Refusal(
    "recordings.no_recording_running", Conflict,
    en="no recording is running for your call",
    zh="你的通话没有正在进行的录音",
)
MUTE_FAILED = Refusal(
    "recordings.mute_failed", Unavailable,
    en="could not mute the recording: {e}",
    zh="无法暂停录音：{e}",
)
RESUME_FAILED = Refusal(
    "recordings.resume_failed", Unavailable,
    en="could not resume the recording: {e}",
    zh="无法恢复录音：{e}",
)

RANGE_UNSUPPORTED = Refusal(
    "recordings.range_unsupported", RangeNotSatisfiable,
    en="unsupported Range {header!r}: one range 'bytes=first-last' is served",
    zh="不支持的 Range {header!r}：只提供一个范围 'bytes=first-last'",
)
RANGE_EMPTY_SUFFIX = Refusal(
    "recordings.range_empty_suffix", RangeNotSatisfiable,
    en="empty suffix range {header!r}",
    zh="空的后缀范围 {header!r}",
)
RANGE_REVERSED = Refusal(
    "recordings.range_reversed", RangeNotSatisfiable,
    en="the range {header!r} ends before it starts",
    zh="范围 {header!r} 的结束早于开始",
)
RANGE_PAST_END = Refusal(
    "recordings.range_past_end", RangeNotSatisfiable,
    en="the range {header!r} starts at or after the end of the {size}-byte file",
    zh="范围 {header!r} 的起点在 {size} 字节文件的结尾或之后",
)
