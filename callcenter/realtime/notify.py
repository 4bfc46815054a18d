"""One typed notifier per topic: everything the service sends to browsers goes through a method here.

``/ws/agent`` clients of user *u* listen on ``agent_topic(u)`` (:class:`DeskNotifier`); ``/ws/board`` clients on
:data:`BOARD_TOPIC` (:class:`BoardNotifier`); ``/ws/cases`` clients of user *u* on ``cases_topic(u)``
(:class:`CasesNotifier`). Each method is one message kind of
:mod:`callcenter.realtime.messages` (the models and the published schema ``docs/ws-messages.schema.json``), built
in this one place from typed arguments, so a caller cannot send a message the models do not describe and the
shape of each kind lives next to its siblings. The notifiers hold no state: they are thin over the
:class:`~callcenter.realtime.hub.Hub` (which serialises once per message and never awaits), so they cost the hot
path one call. The parts that are themselves REST answers (an agent, a pop, an episode, a request, a delta's rows)
are passed in as the dicts their owners build (``Agent.public()``, ``Request.public()``, ...); the unit tests check
every published message against the models (``tests/unit/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from callcenter.realtime.hub import Hub

BOARD_TOPIC = "board"
AGENT_TOPIC_PREFIX = "agent:"
CASES_TOPIC_PREFIX = "cases:"

AwayKind = Literal["away_started", "away_ended", "away_warning", "away_violation"]
DecidedKind = Literal["leave_approved", "leave_rejected"]
PopPhaseName = Literal["active", "wrapup"]
CaseNoticeKind = Literal["case_escalated", "incident", "review_due", "review_overdue", "employee_flagged",
                         "callback_feedback"]


def agent_topic(username: str) -> str:
    """The topic of one agent's desktops (every ``/ws/agent`` socket of that user)."""
    return AGENT_TOPIC_PREFIX + username


def cases_topic(username: str) -> str:
    """The topic of one user's cases pages (every ``/ws/cases`` socket of that user)."""
    return CASES_TOPIC_PREFIX + username


class DeskNotifier:
    """The agent desktop's messages (``/ws/agent``), one method per kind; each returns how many sockets got it."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def state(self, username: str, agent: dict[str, Any]) -> int:
        """The agent's state (or its phone's device state) changed: ``agent`` is ``Agent.public()``."""
        return self.hub.publish(agent_topic(username), {"type": "state", "agent": agent})

    def pop(self, username: str, pop: dict[str, Any]) -> int:
        """The screen pop of the call ringing (or the call found on the line after a restart)."""
        return self.hub.publish(agent_topic(username), {"type": "pop", "pop": pop})

    def pop_phase(self, username: str, call_uniqueid: str, phase: PopPhaseName, at: datetime | None) -> int:
        return self.hub.publish(agent_topic(username), {"type": "pop_phase", "call_uniqueid": call_uniqueid,
                                                        "phase": phase, "at": at})

    def pop_cleared(self, username: str, call_uniqueid: str, why: str) -> int:
        return self.hub.publish(agent_topic(username), {"type": "pop_cleared", "call_uniqueid": call_uniqueid,
                                                        "why": why})

    def away(self, username: str, kind: AwayKind, episode: dict[str, Any], minutes: float, limit_minutes: float,
             text: str, at: datetime) -> int:
        """An away episode started, ended, or reached its warning or violation threshold."""
        return self.hub.publish(agent_topic(username), {
            "type": "discipline", "kind": kind, "episode": episode, "minutes": minutes,
            "limit_minutes": limit_minutes, "text": text, "at": at})

    def leave_decided(self, username: str, kind: DecidedKind, request: dict[str, Any], by: str, note: str,
                      text: str, at: datetime | None) -> int:
        """A team lead approved or rejected the agent's leave-seat request."""
        return self.hub.publish(agent_topic(username), {"type": "discipline", "kind": kind, "request": request,
                                                        "by": by, "note": note, "text": text, "at": at})

    def leave_lapsed(self, username: str, request: dict[str, Any], text: str, at: datetime) -> int:
        return self.hub.publish(agent_topic(username), {"type": "discipline", "kind": "leave_lapsed",
                                                        "request": request, "text": text, "at": at})

    def notice(self, username: str, action: str, by: str, text: str, note: str, at: datetime) -> int:
        """A supervisor paused the agent or logged them out from the wallboard."""
        return self.hub.publish(agent_topic(username), {"type": "notice", "action": action, "by": by, "text": text,
                                                        "note": note, "at": at})

    def notice_published(self, username: str, notice: dict[str, Any]) -> int:
        """A notice addressed to the agent was published: ``notice`` is its REST answer (``NoticeOut``, JSON)."""
        return self.hub.publish(agent_topic(username), {"type": "notice_published", "notice": notice})

    def notice_withdrawn(self, username: str, notice_id: int, by: str, reason: str, at: datetime) -> int:
        """A notice addressed to the agent was withdrawn (it leaves their list)."""
        return self.hub.publish(agent_topic(username), {"type": "notice_withdrawn", "notice_id": notice_id, "by": by,
                                                        "reason": reason, "at": at})


class CasesNotifier:
    """The cases page's messages (``/ws/cases``), one method per kind, to one user's sockets (who may see a case
    is the cases domain's rule: ``callcenter.cases.live.CaseLive`` resolves it before calling here)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def watching(self, username: str) -> bool:
        """Has ``username`` a cases page open?"""
        return self.hub.subscribers(cases_topic(username)) > 0

    def case(self, username: str, case: dict[str, Any]) -> int:
        """A case changed (or a clock event was recorded on it): ``case`` is its REST answer (``CaseOut``, JSON)."""
        return self.hub.publish(cases_topic(username), {"type": "case", "case": case})

    def notice(self, username: str, number: str, numbers: Sequence[str], kind: CaseNoticeKind, clock: str | None,
               level: int, to: str, text: dict[str, str], at: datetime, *, month: str | None = None,
               employee: str | None = None) -> int:
        """A case's clock escalated to this user, an incident for the duty manager, the monthly review's reminder
        or deadline, an employee flagged; ``text`` in each language (``en``, ``zh-CN``)."""
        msg: dict[str, Any] = {"type": "case_notice", "number": number, "numbers": list(numbers), "kind": kind,
                               "clock": clock, "level": level, "to": to, "text": text, "at": at}
        if month is not None:
            msg["month"] = month
        if employee is not None:
            msg["employee"] = employee
        return self.hub.publish(cases_topic(username), msg)


class BoardNotifier:
    """The wallboard's messages (``/ws/board``), one method per kind (the snapshot is sent by the socket itself on
    connect: ``Board.snapshot_text``)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def delta(self, at: datetime, src: Sequence[float] | None, changed: dict[str, Any]) -> dict[str, Any]:
        """What changed since the previous push; ``changed`` holds only the keys of :class:`messages.Delta` that
        changed (queues, queues_gone, totals, agents, agents_gone, leave_requests(_gone), alerts_raised/cleared).
        Returns the message as sent."""
        msg = {"type": "delta", "at": at, "src": src, **changed}
        self.hub.publish(BOARD_TOPIC, msg)
        return msg

    def point(self, point: dict[str, Any]) -> int:
        """A chart point (every chart step)."""
        return self.hub.publish(BOARD_TOPIC, {"type": "point", "point": point})

    def notice(self, action: str, by: str, agent: str, text: str, at: datetime | None,
               request_id: int | None = None) -> int:
        """A supervisor's action on an agent (board.pause, board.logout) or a leave-seat decision (with
        ``request_id``), told to every board."""
        msg: dict[str, Any] = {"type": "notice", "action": action, "by": by, "agent": agent, "text": text, "at": at}
        if request_id is not None:
            msg["request_id"] = request_id
        return self.hub.publish(BOARD_TOPIC, msg)
