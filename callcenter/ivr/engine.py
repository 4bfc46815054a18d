"""The IVR engine: runs a published flow per call over FastAGI.

Routes (``AGI(agi://host:port/<route>)`` in the dialplan):

* ``inbound`` — a new call: pick the live flow version for the dialled number, remember it on the channel
  (``CC_IVR_VERSION``) and run from the start node.
* ``resume`` — after ``Queue()`` gave up (max wait): continue the *same* version at the queue node's
  fallback (``CC_IVR_NEXT``), so a flow published mid-call never changes that call's path.

The engine hands back to the dialplan by setting channel variables: ``CC_QUEUE``, ``QUEUE_PRIO``,
``CC_QUEUE_TIMEOUT``, ``CC_IVR_NEXT`` (queue), ``CC_TRANSFER`` (transfer); voicemail and hangup are done
here. Every node visited is reported to the call tracker as one step of the call's IVR path.
"""

from __future__ import annotations

import asyncio
import logging
import wave
import zoneinfo
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from callcenter.asterisk.errors import AgiHangup
from callcenter.asterisk.fastagi import AgiChannel
from callcenter.clock import Clock
from callcenter.ivr.flowdef import (
    DIGITS,
    FlowDef,
    HangupNode,
    HoursNode,
    LanguageNode,
    LookupNode,
    MenuNode,
    PlayNode,
    QueueNode,
    TransferNode,
    VoicemailNode,
)
from callcenter.ivr.prompts import PromptStore
from callcenter.outside_numbers import OutsideUse

log = logging.getLogger(__name__)
MAX_STEPS = 200  # a published flow cannot loop without an exit, but a caller can keep choosing "repeat"


class IvrCallSink(Protocol):
    async def ivr_entered(self, uniqueid: str, env: dict[str, str], flow_version_id: int | None = None) -> None: ...

    async def ivr_step(self, uniqueid: str, step: dict[str, Any]) -> None: ...

    async def ivr_exited(self, uniqueid: str, queue: str | None, exit_kind: str = "queue") -> None: ...


class CustomerLookup(Protocol):
    async def lookup(self, raw_number: str | None) -> Any: ...  # CustomerMatch(customer_id, name, vip) | None


class FlowSource(Protocol):
    async def resolve(self, did: str) -> tuple[int, FlowDef] | None: ...

    async def version(self, version_id: int) -> FlowDef: ...

    async def add_voicemail(self, *, call_uniqueid: str, caller_number: str | None, mailbox: str, path: str,
                            recorded_at: datetime, duration_seconds: float | None) -> Any: ...


class IvrEngine:
    def __init__(self, flows: FlowSource, sink: IvrCallSink, prompts: PromptStore, clock: Clock,
                 voicemail_dir: Path, fallback_queue: str | None = None, timezone: str = "UTC",
                 customers: CustomerLookup | None = None, vip_priority: int = 0,
                 queue_max_wait: Callable[[str], int | None] | None = None,
                 outside: OutsideUse | None = None,
                 survey_after: Callable[[str], bool] | None = None) -> None:
        self.flows = flows
        # is a caller of this queue asked the post-call survey (CC_SURVEY: the dialplan's Queue() goes on after the
        # agent hangs up, then the FastAGI survey)
        self.survey_after = survey_after
        # the outside numbers a transfer node may reach (outside_numbers.ivr): checked at publish, and here again
        # for a version published before the admin narrowed the list
        self.outside = outside
        # the queue's own longest wait (admin setting): a caller leaves at the earlier of it and the node's
        self.queue_max_wait = queue_max_wait
        # a VIP caller (customer record) reaching a queue node gets at least this priority, lookup node or not
        self.vip_priority = vip_priority
        self.sink = sink
        self.prompts = prompts
        self.clock = clock
        self.voicemail_dir = voicemail_dir
        self.fallback_queue = fallback_queue
        self.tz = zoneinfo.ZoneInfo(timezone)
        self.customers = customers

    def routes(self) -> dict[str, Callable[[AgiChannel], Awaitable[None]]]:
        return {"inbound": self.inbound, "resume": self.resume}

    async def inbound(self, agi: AgiChannel) -> None:
        did = agi.env.get("agi_extension") or agi.env.get("agi_dnid") or ""
        resolved = await self.flows.resolve(did)
        uid = agi.uniqueid
        if resolved is None:
            # no published flow: never leave a caller in silence — straight to the fallback queue if any
            log.error("IVR: no live flow for dialled number %r (uniqueid %s)", did, uid)
            await self.sink.ivr_entered(uid, agi.env)
            await agi.answer()
            if self.fallback_queue:
                await self._to_queue(agi, QueueNode(kind="queue", queue=self.fallback_queue), "no_flow")
            else:
                await agi.command("HANGUP")
                await self.sink.ivr_exited(uid, None, "hangup")
            return
        version_id, flow = resolved
        await self.sink.ivr_entered(uid, agi.env, version_id)
        await agi.answer()
        await agi.set_variable("CC_IVR_VERSION", str(version_id))
        # always set: a resumed call reads its language back from the channel, whatever the endpoint's default
        await agi.set_variable("CHANNEL(language)", flow.language)
        await self._run(agi, flow, flow.start, flow.language)

    async def resume(self, agi: AgiChannel) -> None:
        uid = agi.uniqueid
        version = await agi.get_variable("CC_IVR_VERSION")
        node = await agi.get_variable("CC_IVR_NEXT")
        lang = await agi.get_variable("CHANNEL(language)") or "en"
        await agi.set_variable("CC_IVR_NEXT", "")
        if not version or not version.isdigit() or not node:
            log.error("IVR resume without CC_IVR_VERSION/CC_IVR_NEXT on %s", uid)
            await agi.command("HANGUP")
            return
        flow = await self.flows.version(int(version))
        await self.sink.ivr_entered(uid, agi.env, int(version))
        await self._run(agi, flow, node, lang)

    # ------------------------------------------------------------------------------------------------------
    def _step(self, node_id: str, kind: str, **extra: Any) -> dict[str, Any]:
        return {"node": node_id, "kind": kind, "at": self.clock.now().isoformat(), **extra}

    def _prompt(self, name: str, lang: str, flow: FlowDef) -> str:
        return self.prompts.resolve(name, lang, flow.language)

    async def _run(self, agi: AgiChannel, flow: FlowDef, node_id: str, lang: str) -> None:
        uid = agi.uniqueid
        current = node_id
        typed_ahead = ""  # a digit pressed during an interruptible prompt, kept for the next menu
        min_priority = 0  # raised by a lookup that finds a VIP
        looked_up = False
        try:
            for _ in range(MAX_STEPS):
                node = flow.nodes[current]
                if isinstance(node, MenuNode):
                    nxt = await self._menu(agi, flow, current, node, lang, typed_ahead)
                    typed_ahead = ""
                    if nxt == "":  # retries used up and no default: hang up (current stays the menu)
                        await self.sink.ivr_step(uid, self._step(current, "hangup", result="menu_exhausted"))
                        await agi.command("HANGUP")
                        await self.sink.ivr_exited(uid, None, "hangup")
                        return
                    current = nxt
                    continue
                if isinstance(node, PlayNode):
                    await self.sink.ivr_step(uid, self._step(current, "play", prompt=node.prompt))
                    pressed = await agi.stream_file(self._prompt(node.prompt, lang, flow),
                                                    DIGITS if node.interruptible else "")
                    typed_ahead = pressed or typed_ahead
                    current = node.next
                elif isinstance(node, LanguageNode):
                    await self.sink.ivr_step(uid, self._step(current, "language", language=node.language))
                    await agi.set_variable("CHANNEL(language)", node.language)
                    lang = node.language
                    current = node.next
                elif isinstance(node, HoursNode):
                    is_open = node.schedule.is_open(self.clock.now())
                    await self.sink.ivr_step(uid, self._step(current, "hours", result="open" if is_open else "closed"))
                    current = node.open if is_open else node.closed
                elif isinstance(node, LookupNode):
                    match = await self.customers.lookup(agi.env.get("agi_callerid")) if self.customers else None
                    looked_up = True
                    if match is None:
                        result, nxt = "not_found", node.not_found
                    elif match.vip:
                        result, nxt = "vip", node.vip or node.found
                        min_priority = max(min_priority, node.vip_priority)
                    else:
                        result, nxt = "found", node.found
                    await self.sink.ivr_step(uid, self._step(current, "lookup", result=result,
                                                             customer_id=match.customer_id if match else None))
                    if match is not None:
                        await agi.set_variable("CC_CUSTOMER_ID", str(match.customer_id))
                    current = nxt
                elif isinstance(node, QueueNode):
                    if not looked_up and self.vip_priority and self.customers is not None:
                        looked_up = True
                        match = await self.customers.lookup(agi.env.get("agi_callerid"))
                        if match is not None:
                            await agi.set_variable("CC_CUSTOMER_ID", str(match.customer_id))
                            if match.vip:
                                min_priority = max(min_priority, self.vip_priority)
                    if min_priority > node.priority:
                        node = node.model_copy(update={"priority": min_priority})
                    await self.sink.ivr_step(uid, self._step(current, "queue", queue=node.queue,
                                                             priority=node.priority))
                    await self._to_queue(agi, node, current)
                    return
                elif isinstance(node, TransferNode) and node.target_type == "outside":
                    await self._to_outside(agi, current, node)
                    return
                elif isinstance(node, TransferNode):
                    await self.sink.ivr_step(uid, self._step(current, "transfer", target=node.target))
                    await agi.set_variable("CC_TRANSFER", node.target)
                    await self.sink.ivr_exited(uid, None, "transfer")
                    return
                elif isinstance(node, VoicemailNode):
                    await self._voicemail(agi, flow, current, node, lang)
                    return
                elif isinstance(node, HangupNode):
                    await self.sink.ivr_step(uid, self._step(current, "hangup"))
                    if node.prompt:
                        await agi.stream_file(self._prompt(node.prompt, lang, flow))
                    await agi.command("HANGUP")
                    await self.sink.ivr_exited(uid, None, "hangup")
                    return
            log.warning("IVR: call %s exceeded %d steps; hanging up", uid, MAX_STEPS)
            await agi.command("HANGUP")
            await self.sink.ivr_exited(uid, None, "hangup")
        except AgiHangup:
            await self.sink.ivr_step(uid, self._step(current, flow.nodes[current].kind, result="caller_hangup"))
            raise

    async def _to_outside(self, agi: AgiChannel, node_id: str, node: TransferNode) -> None:
        """An outside number: ``CC_OUTSIDE`` for the dialplan, which dials it from ``cc-outside-ivr`` (rendered from
        the same allowed entries). A number no longer allowed (the list changed after the version was published) is
        refused here: the caller is hung up, as the dialplan would."""
        uid = agi.uniqueid
        if self.outside is None or not self.outside.allows(node.target):
            log.warning("IVR: node %r transfers to outside number %s, which outside_numbers.ivr does not allow; "
                        "hanging up call %s", node_id, node.target, uid)
            await self.sink.ivr_step(uid, self._step(node_id, "transfer", target=node.target,
                                                     target_type="outside", result="refused"))
            await agi.command("HANGUP")
            await self.sink.ivr_exited(uid, None, "hangup")
            return
        await self.sink.ivr_step(uid, self._step(node_id, "transfer", target=node.target, target_type="outside"))
        await agi.set_variable("CC_OUTSIDE", node.target)
        await self.sink.ivr_exited(uid, None, "transfer")

    async def _menu(self, agi: AgiChannel, flow: FlowDef, node_id: str, node: MenuNode, lang: str,
                    typed_ahead: str = "") -> str:
        """Returns the next node id, or '' to hang up (retries used up and no default)."""
        uid = agi.uniqueid
        timeout_ms = int(node.timeout_seconds * 1000)
        prompt = self._prompt(node.prompt, lang, flow)
        for attempt in range(node.max_retries + 1):
            started = asyncio.get_running_loop().time()
            if attempt == 0 and typed_ahead:
                digits = typed_ahead  # pressed during the previous prompt: the menu prompt is skipped
            else:
                r = await agi.command(f"GET DATA {prompt} {timeout_ms} 1",
                                      timeout=agi.command_timeout + node.timeout_seconds + 600)
                if r.result == "-1":
                    raise AgiHangup("channel hung up during GET DATA")
                digits = r.result
            waited = round(asyncio.get_running_loop().time() - started, 3)
            target = node.target_for(digits) if digits else None
            if target is not None:
                await self.sink.ivr_step(uid, self._step(node_id, "menu", digits=digits, result="option",
                                                         attempt=attempt + 1, seconds=waited))
                return target
            result = "invalid" if digits else "timeout"
            await self.sink.ivr_step(uid, self._step(node_id, "menu", digits=digits or None, result=result,
                                                     attempt=attempt + 1, seconds=waited))
            if attempt < node.max_retries:
                again = node.invalid_prompt if digits else node.timeout_prompt
                if again:
                    await agi.stream_file(self._prompt(again, lang, flow))
        return node.default or ""

    async def _to_queue(self, agi: AgiChannel, node: QueueNode, node_id: str) -> None:
        await agi.set_variable("CC_QUEUE", node.queue)
        await agi.set_variable("QUEUE_PRIO", str(node.priority))
        limit = self.queue_max_wait(node.queue) if self.queue_max_wait else None
        await agi.set_variable("CC_QUEUE_TIMEOUT", str(min(node.max_wait_seconds, limit or node.max_wait_seconds)))
        await agi.set_variable("CC_IVR_NEXT", node.fallback or "")
        if self.survey_after is not None:  # set either way: a fallback to another queue may not ask it
            await agi.set_variable("CC_SURVEY", "1" if self.survey_after(node.queue) else "")
        await self.sink.ivr_exited(agi.uniqueid, node.queue, "queue")

    async def _voicemail(self, agi: AgiChannel, flow: FlowDef, node_id: str, node: VoicemailNode,
                         lang: str) -> None:
        uid = agi.uniqueid
        now = self.clock.now()
        local = now.astimezone(self.tz)  # folders by the centre's calendar day, not UTC's
        folder = self.voicemail_dir / node.mailbox / local.strftime("%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / f"{local.strftime('%H%M%S')}-{uid.replace('.', '_')}"
        await self.sink.ivr_step(uid, self._step(node_id, "voicemail", mailbox=node.mailbox))
        await self.sink.ivr_exited(uid, None, "voicemail")
        try:
            if node.prompt:
                await agi.stream_file(self._prompt(node.prompt, lang, flow))
            await agi.record_file(str(base), node.max_seconds)
        except AgiHangup:
            pass  # hanging up is how most callers end a message; Asterisk keeps what was recorded
        finally:
            path = base.with_suffix(".wav")
            await self.flows.add_voicemail(
                call_uniqueid=uid, caller_number=agi.env.get("agi_callerid") or None, mailbox=node.mailbox,
                path=str(path), recorded_at=now, duration_seconds=_wav_seconds(path),
            )
        await agi.hangup()


def _wav_seconds(path: Path) -> float | None:
    try:
        with wave.open(str(path), "rb") as w:
            return round(w.getnframes() / float(w.getframerate()), 3)
    except (OSError, wave.Error, EOFError, ZeroDivisionError):
        return None
