"""The wallboard wired: the board folds every call change and agent state change into its figures and pushes
them to the boards; seat discipline, the campaigns' figures and the other domains' alerts are plugged in; its
routes (``/api/board``, ``/ws/board``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from callcenter.acd.repository import AcdRepository
from callcenter.acd.service import AgentService
from callcenter.asterisk.ami import EventDispatcher
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallTracker
from callcenter.campaigns.service import Campaigns
from callcenter.clock import Clock
from callcenter.directory.repository import DirectoryRepository
from callcenter.realtime.hub import Hub
from callcenter.seat.service import SeatService
from callcenter.settings import Settings
from callcenter.wallboard.api import router
from callcenter.wallboard.board import Board


@dataclass(frozen=True)
class Wallboard:
    board: Board
    routers: tuple[APIRouter, ...]


def wire_wallboard(settings: Settings, clock: Clock, hub: Hub, tracker: CallTracker, acd: AgentService,
                   calls: CallRepository, acd_repo: AcdRepository, directory: DirectoryRepository,
                   dispatcher: EventDispatcher) -> Wallboard:
    """``acd_repo``: the agents' answered calls and wrap-ups (the ACD's state log); ``directory``: the queues."""
    # the dispatcher is read for the AMI time of the event behind a change (how far behind the board is)
    board = Board(settings.wallboard, settings.timezone, clock, hub, tracker, acd, calls, acd_repo, directory,
                  events=dispatcher)
    tracker.watch(board.on_call)
    acd.listen(board.on_agent)
    return Wallboard(board=board, routers=(router,))


def attach_campaigns(board: Board, campaigns: Campaigns) -> None:
    """The board shows the running campaigns' totals (dialled, connected, remaining, by outcome) as the campaigns
    service gives them, read again after each change the service tells."""
    board.attach_campaigns(campaigns)
    campaigns.watch(board.on_campaign)


def attach_seat_discipline(board: Board, seat: SeatService) -> None:
    """The board shows seat discipline's state: away time and levels, leave-seat requests (its rows follow every
    change)."""
    board.attach_seat(seat)
    seat.watch(board.on_seat)
