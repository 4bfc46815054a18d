"""The board's alerts, raised and cleared by the server: a queue's service level below its target, a caller
waiting past the queue's maximum, an agent's away violation and a pending leave-seat request (seat discipline's),
and what other parts of the service raise for a while (a recording missing, an attendance finding).

Each push compares the alerts that hold now with those shown: new ones are raised (with the time they were first
seen), gone ones cleared.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from callcenter.acd.service import AgentService
from callcenter.clock import Clock
from callcenter.settings import WallboardSettings
from callcenter.wallboard.agents import SeatLink
from callcenter.wallboard.queues import QueueFigures


class Alerts:
    """``shown``: the alerts on the boards now, by id (the snapshot's ``alerts``)."""

    def __init__(self, settings: WallboardSettings, clock: Clock, queues: QueueFigures, acd: AgentService,
                 seat: SeatLink) -> None:
        self.settings = settings
        self.clock = clock
        self.queues = queues
        self.acd = acd
        self.seat = seat
        self.shown: dict[str, dict[str, Any]] = {}
        self._raised: dict[str, tuple[dict[str, Any], datetime]] = {}  # raise_alert(): alert, shown until

    def raise_alert(self, aid: str, kind: str, detail: dict[str, Any], *, queue: str | None = None,
                    username: str | None = None, minutes: float = 60) -> None:
        """An alert from another part of the service (a recording missing at the end of a call): on the boards
        from the next push for ``minutes``."""
        self._raised[aid] = ({"kind": kind, "queue": queue, "username": username, "detail": detail},
                             self.clock.now() + timedelta(minutes=minutes))

    def clear_alert(self, aid: str) -> None:
        """An alert raised by another part ends before its time (a case's clock met): gone at the next push."""
        self._raised.pop(aid, None)

    def current(self, now: datetime) -> dict[str, dict[str, Any]]:
        """The alerts that hold at ``now``, by id (those raised by other parts expire here)."""
        out: dict[str, dict[str, Any]] = {}
        minutes = self.settings.sl_alert_minutes
        info = self.queues.info
        for name, q in info.items():
            sl = self.queues.fig.service_level(name, now - timedelta(minutes=minutes))
            if sl is not None and sl < q["service_level_target"]:
                out[f"sl:{name}"] = {"kind": "service_level", "queue": name, "username": None,
                                     "detail": {"service_level": sl, "target": q["service_level_target"],
                                                "minutes": minutes}}
        for lc in self.queues.fig.waiting():
            limit = info.get(lc.queue, {}).get("max_wait_seconds")
            if limit is not None and (now - lc.queued_at).total_seconds() > limit:
                detail = {"caller_number": lc.caller_number, "queued_at": lc.queued_at, "max_wait_seconds": limit}
                if lc.callback:  # the same contact, waiting as a call-back's place (the same alert id)
                    detail["callback"] = True
                out[f"wait:{lc.uniqueid}"] = {"kind": "long_wait", "queue": lc.queue, "username": None,
                                              "detail": detail}
        seat = self.seat()
        for a in self.acd.by_ext.values():
            sa = seat.away_status(a.username, now)
            if sa is not None and sa["level"] == "violation":
                out[f"away:{a.username}"] = {"kind": "away", "queue": None, "username": a.username, "detail": {
                    "reason": sa["reason"], "minutes": sa["minutes"], "level": "violation", "violation": True,
                    "sources": sa["active_sources"], "since": sa["since"], "episode_id": sa["episode_id"],
                    "limit_minutes": sa["limit_minutes"], "approved_request_id": sa["approved_request_id"]}}
        for r in seat.pending_requests():
            out[f"leave:{r['id']}"] = {"kind": "leave_request", "queue": None, "username": r["username"],
                                       "detail": {"request_id": r["id"], "reason": r["reason"],
                                                  "minutes": r["minutes"], "created_at": r["created_at"]}}
        for aid, (alert, until) in list(self._raised.items()):
            if now >= until:
                del self._raised[aid]
            else:
                out[aid] = alert
        return out

    def changes(self, now: datetime) -> dict[str, Any]:
        """The delta's ``alerts_raised`` (new since the last push, with their ``since``) and ``alerts_cleared``
        (ids no longer holding); an alert still holding keeps its ``since`` and takes its new detail."""
        current = self.current(now)
        raised = []
        for aid, alert in current.items():
            if aid not in self.shown or self.shown[aid]["kind"] != alert["kind"]:
                # new, or replaced by another kind under its id (a case's warning by its breach): raised again
                self.shown[aid] = {"id": aid, "since": now, **alert}
                raised.append(self.shown[aid])
            else:
                self.shown[aid]["detail"] = alert["detail"]
        cleared = [aid for aid in self.shown if aid not in current]
        for aid in cleared:
            del self.shown[aid]
        out: dict[str, Any] = {}
        if raised:
            out["alerts_raised"] = raised
        if cleared:
            out["alerts_cleared"] = cleared
        return out
