"""The inbound flow: answer, play the greeting, choose the queue, hand back to the dialplan.

The dialplan (asterisk_conf/extensions.conf) runs ``Queue(${CC_QUEUE})`` after this returns.
"""

from __future__ import annotations

import logging
from typing import Protocol

from callcenter.asterisk.errors import AgiHangup
from callcenter.asterisk.fastagi import AgiChannel

log = logging.getLogger(__name__)


class IvrCallSink(Protocol):
    """What the flow reports to (the call tracker)."""

    async def ivr_entered(self, uniqueid: str, env: dict[str, str]) -> None: ...

    async def ivr_exited(self, uniqueid: str, queue: str | None) -> None: ...


class InboundFlow:
    def __init__(self, sink: IvrCallSink, greeting: str, default_queue: str, queue_timeout: int = 300) -> None:
        self.sink = sink
        self.greeting = greeting
        self.default_queue = default_queue
        self.queue_timeout = queue_timeout

    async def __call__(self, agi: AgiChannel) -> None:
        uid = agi.uniqueid
        await self.sink.ivr_entered(uid, agi.env)
        try:
            await agi.answer()
            if self.greeting:
                await agi.stream_file(self.greeting)
            queue = self.default_queue
            await agi.set_variable("CC_QUEUE", queue)
            await agi.set_variable("CC_QUEUE_TIMEOUT", str(self.queue_timeout))
        except AgiHangup:
            log.info("caller %s hung up in the IVR", uid)
            raise
        await self.sink.ivr_exited(uid, queue)
