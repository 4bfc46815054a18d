"""The wallboard service: live queue and agent figures pushed to supervisors' boards, made of one part per concept:

- ``queues.QueueFigures``: the queues shown and their figures (``figures.Figures``, fed by the call tracker and the
  agents' wrap-ups), the agents serving each;
- ``agents.AgentRows``: one row per agent at a seat, its away state from seat discipline; ``agents.LeaveRequests``:
  the pending leave-seat requests;
- ``alerts.Alerts``: the alerts raised and cleared (service level, long waits, away violations, leave requests,
  what other parts raise);
- ``chart.Chart``: the waiting / service-level series;
- ``campaigns.CampaignTotals``: the running campaigns' totals, as the campaigns service gives them;
- ``push.Pusher``: the push loop, each delta from what the parts say changed, the snapshot; everything sent goes
  through ``realtime.notify.BoardNotifier``.

:class:`Board` composes them and is what the rest of the service and the tests use; its listeners are registered in
``wallboard.wiring`` only. Restart: figures come from the stored calls (loaded at start), calls-today from the agent
state log, the chart from both, so neither a service restart nor an Asterisk restart resets them.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from callcenter.acd.service import Agent, AgentService
from callcenter.asterisk.events import TypedEvent
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.settings import WallboardSettings
from callcenter.wallboard.agents import AgentRows, LeaveRequests, SeatDiscipline, SeatLink
from callcenter.wallboard.alerts import Alerts
from callcenter.wallboard.campaigns import CampaignSource, CampaignTotals
from callcenter.wallboard.chart import Chart
from callcenter.wallboard.push import Events, Pusher
from callcenter.wallboard.queues import AcdRepo, Calls, Directory, QueueFigures


class Board:
    def __init__(self, settings: WallboardSettings, timezone: str, clock: Clock, hub: Hub, tracker: CallTracker,
                 acd: AgentService, calls: Calls, acd_repo: AcdRepo, directory: Directory,
                 events: Events | None = None) -> None:
        self.settings = settings
        self.timezone = timezone
        self.clock = clock
        self.acd_repo = acd_repo
        self.seat = SeatLink()
        self.figures = QueueFigures(settings, timezone, tracker, acd, calls, acd_repo, directory)
        self.rows = AgentRows(timezone, clock.now(), tracker, acd, self.seat)
        self.requests = LeaveRequests(self.seat)
        self.alerting = Alerts(settings, clock, self.figures, acd, self.seat)
        self.chart = Chart(settings, self.figures)
        self.campaigns = CampaignTotals()
        self.push = Pusher(settings, timezone, clock, hub, acd, self.seat, self.figures, self.rows, self.requests,
                           self.alerting, self.chart, self.campaigns, events)

    # inputs (registered by wallboard.wiring) -------------------------------------------------------------------
    def attach_seat(self, seat: SeatDiscipline) -> None:
        """Away time, levels, thresholds and ``away`` alerts come from seat discipline (its episodes and thresholds:
        the agent's phone being unreachable counts too, an approved absence is not a violation); its pending
        leave-seat requests are shown (``leave_requests``, alerts ``leave_request``). The wiring also has the seat
        service call :meth:`on_seat` on every change."""
        self.seat.attach(seat)

    def attach_campaigns(self, campaigns: CampaignSource) -> None:
        """The running campaigns' totals come from the campaigns service (``running_figures``); the wiring also has
        it call :meth:`on_campaign` on every change."""
        self.campaigns.attach(campaigns)

    def on_campaign(self, campaign_id: int) -> None:
        """A campaign's state or numbers changed: its figures are read again and go out with a following push."""
        self.campaigns.mark(campaign_id)

    async def refresh_campaigns(self) -> None:
        """Read the running campaigns' figures now (what the board's own loop does after a change)."""
        await self.campaigns.refresh()

    def on_seat(self, username: str) -> None:
        """That agent's away state or leave-seat requests changed: its row goes out with the next push."""
        self.rows.mark(username)

    def on_call(self, st: Any) -> None:
        """A tracked call changed (``CallTracker.watch``)."""
        if self.figures.observe(st):
            self.push.src.note()

    async def on_agent(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        """An agent's state changed (``AgentService.listen``)."""
        self.figures.on_agent(a, prev)
        self.rows.on_agent(a, prev, self.clock.now())
        ami = ev.get("ami")  # the AMI event behind the change, if one was
        self.push.src.note(ami.timestamp if isinstance(ami, TypedEvent) else None)

    # start / stop ----------------------------------------------------------------------------------------------
    async def reload_queues(self) -> None:
        """Queue names, labels and thresholds (start, and after an admin changed queues)."""
        await self.figures.reload()

    async def load(self) -> None:
        """Today's (and the chart's) figures from the stored calls and the agents' answered calls from the state
        log; calls still in progress are those the tracker loaded."""
        await self.reload_queues()
        now = self.clock.now()
        calls = await self.figures.load(now)
        await self.rows.load(now, self.acd_repo)
        await self.campaigns.refresh()
        self.chart.backfill(calls, now)
        self.push.compute(now, publish=False)
        self.push.src.take()

    def start(self) -> None:
        self.push.start()
        self.campaigns.start()

    async def stop(self) -> None:
        await self.campaigns.stop()
        await self.push.stop()

    # pushing ---------------------------------------------------------------------------------------------------
    def tick(self) -> dict[str, Any] | None:
        """One push: what changed since the last one (None if nothing); a chart point when one is due."""
        return self.push.tick()

    def raise_alert(self, aid: str, kind: str, detail: dict[str, Any], *, queue: str | None = None,
                    username: str | None = None, minutes: float = 60) -> None:
        """An alert from another part of the service (a recording missing at the end of a call): on the boards
        from the next push for ``minutes``."""
        self.alerting.raise_alert(aid, kind, detail, queue=queue, username=username, minutes=minutes)

    def clear_alert(self, aid: str) -> None:
        """An alert raised by ``raise_alert`` ends now (cleared from the boards at the next push)."""
        self.alerting.clear_alert(aid)

    # reading ---------------------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """What a board is sent when it connects: the figures as of the last push (later deltas build on it)."""
        return self.push.snapshot()

    def snapshot_text(self) -> str:
        """The snapshot serialised, shared by every board connecting before the next tick."""
        return self.push.snapshot_text()

    def queue_figures(self, now: datetime) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Every queue's figures and the totals, computed now."""
        return self.figures.figures(now)

    def figures_since(self, queue: str, since: datetime) -> dict[str, Any]:
        """One queue's live waiting count and its counts since ``since``, computed now (the exactness check)."""
        return self.figures.since(queue, since)

    def agent_row(self, a: Agent, now: datetime) -> dict[str, Any]:
        """An agent's row as it would be pushed now."""
        return self.rows.row(a, now)

    def current_alerts(self, now: datetime, queues: object = None) -> dict[str, dict[str, Any]]:
        """The alerts that hold at ``now`` (``queues`` is not read: the thresholds are the board's own queues')."""
        return self.alerting.current(now)

    @property
    def queues(self) -> dict[str, dict[str, Any]]:
        """The queues shown: name → display name, labels, thresholds."""
        return self.figures.info

    @property
    def alerts(self) -> dict[str, dict[str, Any]]:
        """The alerts on the boards now, by id."""
        return self.alerting.shown

    @property
    def calls_today(self) -> dict[str, int]:
        """Calls answered today per agent."""
        return self.rows.calls_today

    @property
    def series(self) -> deque[dict[str, Any]]:
        """The chart's points."""
        return self.chart.series
