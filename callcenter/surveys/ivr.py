"""The post-call survey in the IVR (issue 16, "1."; docs/survey.md).

A queue that asks it (``surveys.ivr``: ``enabled``, ``queues``) gets ``CC_SURVEY=1`` from the IVR engine when the
caller is sent there; the dialplan then queues them with app_queue's ``c`` option (the caller goes on in the
dialplan when the agent hangs up) and, after ``Queue()``, stops the call's recording and runs the FastAGI route
``survey`` (:meth:`IvrSurvey.agi`). An agent can also send a caller to it by a transfer (``[cc-survey]``).

- Only a call an agent answered is asked (a caller who gave up, timed out or was never connected is not), once per
  call: a second entry (a transfer to the survey after it was taken) changes nothing.
- The survey is stored before the first question (channel ``ivr``, the call, the agent who answered, the month of
  the answer) and each answer as soon as it is pressed, so a caller who hangs up or does not answer leaves a
  partial or empty survey, recorded as such (``complete`` false) — also if the service stops meanwhile.
- Each question names the four keys: 1 很满意 very satisfied, 2 满意 satisfied, 3 一般 fair, 4 较差 poor. A wrong
  key or silence asks it again (``repeats`` times), then the point stays unanswered and the next is asked.
- The prompts are the IVR's (``cc-survey-*`` in the caller's language; an upload replaces the shipped speech).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from callcenter.asterisk.errors import AgiCommandError, AgiHangup, AgiTimeout
from callcenter.asterisk.fastagi import AgiChannel
from callcenter.clock import Clock
from callcenter.ivr.seed import generate_prompts
from callcenter.surveys.config import IvrSurveySettings
from callcenter.surveys.models import LEVELS, POINTS
from callcenter.surveys.repository import SurveyRepository

log = logging.getLogger(__name__)
KEYS = "0123456789*#"

SURVEY_PROMPTS: dict[str, dict[str, str]] = {
    "cc-survey-intro": {
        "zh": "感谢您的来电，请对我们的服务进行评价。",
        "en": "Thank you for calling. Please rate our service.",
    },
    "cc-survey-attitude": {
        "zh": "对服务态度，很满意请按1，满意请按2，一般请按3，较差请按4。",
        "en": "For the agent's attitude: very satisfied, press 1; satisfied, 2; fair, 3; poor, 4.",
    },
    "cc-survey-skill": {
        "zh": "对业务技能，很满意请按1，满意请按2，一般请按3，较差请按4。",
        "en": "For the agent's skill: very satisfied, press 1; satisfied, 2; fair, 3; poor, 4.",
    },
    "cc-survey-timeliness": {
        "zh": "对处理及时性，很满意请按1，满意请按2，一般请按3，较差请按4。",
        "en": "For how quickly it was handled: very satisfied, press 1; satisfied, 2; fair, 3; poor, 4.",
    },
    "cc-survey-promises": {
        "zh": "对承诺兑现，很满意请按1，满意请按2，一般请按3，较差请按4。",
        "en": "For promises kept: very satisfied, press 1; satisfied, 2; fair, 3; poor, 4.",
    },
    "cc-survey-invalid": {"zh": "输入无效。", "en": "Sorry, that key is not valid."},
    "cc-survey-thanks": {"zh": "谢谢您的评价，再见。", "en": "Thank you for your rating. Goodbye."},
}
QUESTIONS = {p: f"cc-survey-{p}" for p in POINTS}


class Tracker(Protocol):
    def call(self, uniqueid: str) -> Any: ...


class Prompts(Protocol):
    def resolve(self, name: str, lang: str, fallback_lang: str = "en") -> str: ...


@dataclass
class IvrSurvey:
    settings: IvrSurveySettings
    repo: SurveyRepository
    clock: Clock
    tracker: Tracker
    prompts: Prompts
    month_of: Callable[[datetime], str]
    agent_of: Callable[[str], str | None]  # the username of the agent logged in at a seat
    stored: Callable[[str], Awaitable[Any]] | None = None  # the call's stored record (a call ended meanwhile)

    def offered(self, queue: str | None) -> bool:
        """Are the callers of ``queue`` asked after their call?"""
        return self.settings.enabled and bool(queue) and (not self.settings.queues or queue in self.settings.queues)

    def prompts_for(self, queue: str) -> list[str]:
        """The prompts a caller of ``queue`` hears after the call (a flow sending callers there needs them in each
        of its languages to be published)."""
        return list(SURVEY_PROMPTS) if self.offered(queue) else []

    async def seed_prompts(self, prompt_dir: Path) -> list[Path]:
        """When it is on: any missing survey prompt, spoken by espeak-ng in zh and en (an upload is kept)."""
        if not self.settings.enabled:
            return []
        return await asyncio.to_thread(generate_prompts, prompt_dir, prompts=SURVEY_PROMPTS)

    def _prompt(self, name: str, lang: str) -> str:
        return self.prompts.resolve(name, lang or "zh", "en")

    async def agi(self, agi: AgiChannel) -> None:
        """The caller's agent hung up (or the agent transferred them here): the four questions, each answer stored
        as it is pressed. ``CC_SURVEYED=1`` once asked (the dialplan then hangs up), ``0`` when not asked."""
        uid = agi.uniqueid
        st = self.tracker.call(uid)
        if st is None and self.stored is not None:
            st = await self.stored(uid)
        answered_at = getattr(st, "answered_at", None)
        ext = getattr(st, "agent_extension", None)
        why = ("the call is not known" if st is None else "not answered by an agent" if answered_at is None
               else "not a queue's call" if getattr(st, "queue", None) is None else "")
        if why or answered_at is None:
            log.info("call %s: no survey (%s)", uid, why)
            await agi.set_variable("CC_SURVEYED", "0")
            return
        agent = (self.agent_of(ext) if ext else None) or getattr(st, "agent_username", None) or getattr(
            st, "agent_name", None)
        survey = await self.repo.add_once_for_call(uid, {
            "channel": "ivr", "call_uniqueid": uid, "agent_username": agent, "month": self.month_of(answered_at),
            **dict.fromkeys(POINTS), "taken_by": "ivr", "taken_at": self.clock.now()})
        if survey is None:
            log.info("call %s: already surveyed", uid)
            await agi.set_variable("CC_SURVEYED", "1")
            return
        await agi.set_variable("CC_SURVEYED", "1")
        lang = await agi.get_variable("CHANNEL(language)") or ""
        answered = 0
        try:
            await agi.exec("StopMixMonitor")  # the call's recording is the conversation, not the keys
            pressed = await agi.stream_file(self._prompt("cc-survey-intro", lang), KEYS)
            for point in POINTS:
                level = await self._ask(agi, point, lang, pressed)
                pressed = ""
                if level is not None:
                    await self.repo.set_point(survey.id, point, level)
                    answered += 1
            await agi.stream_file(self._prompt("cc-survey-thanks", lang))
        except AgiHangup:
            log.info("call %s: the caller hung up during the survey (%d of 4 answered)", uid, answered)
        except (AgiTimeout, AgiCommandError) as e:
            log.warning("call %s: the survey stopped (%s; %d of 4 answered)", uid, e, answered)

    async def _ask(self, agi: AgiChannel, point: str, lang: str, typed_ahead: str) -> int | None:
        """One question: the level pressed (1-4), or None after ``repeats`` more tries of a wrong key or
        silence. A key pressed during the words before it answers it."""
        timeout_ms = int(self.settings.answer_seconds * 1000)
        for attempt in range(self.settings.repeats + 1):
            key = typed_ahead if attempt == 0 and typed_ahead else await agi.get_data(
                self._prompt(QUESTIONS[point], lang), timeout_ms, 1)
            if key.isdigit() and int(key) in LEVELS:
                return int(key)
            if key and attempt < self.settings.repeats:
                await agi.stream_file(self._prompt("cc-survey-invalid", lang))
        return None
