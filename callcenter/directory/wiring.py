"""The directory wired: its rules (``Directory``: seats, queues, skills, pause reasons as the admin page edits them)
and their routes (``/api/admin/...``). Its storage (``DirectoryRepository``) is built first, by the composition
root, because the ACD reads it (who may log in where, which queues at which penalty, the pause reasons) and the
directory's rules in turn need the ACD's live agents (a seat in use, a logged-in agent's queues follow a skill)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter

from callcenter.clock import Clock
from callcenter.directory.api import router
from callcenter.directory.repository import DirectoryRepository
from callcenter.directory.service import Directory, LiveAgents


@dataclass(frozen=True)
class DirectoryDomain:
    """The directory the admin page edits (seats, queues, skills, pause reasons)."""

    directory: Directory
    routers: tuple[APIRouter, ...]


def wire_directory(repo: DirectoryRepository, acd: LiveAgents, clock: Clock, *, mode: str, fallback_queue: str,
                   apply_config: Callable[[], Awaitable[None]],
                   flows_using_queue: Callable[[str], Awaitable[tuple[list[str], list[str]]]],
                   prompt_exists: Callable[[str, str], bool], lock: asyncio.Lock) -> DirectoryDomain:
    """``apply_config`` renders and reloads Asterisk's seats and queues after a change (the stack's step: the
    directory does not know the Asterisk process); ``flows_using_queue`` and ``prompt_exists`` are the IVR's
    answers, so the directory does not import the IVR; ``acd`` is the ACD's live agents; ``lock`` is shared with
    the users' administration (one admin change at a time across both)."""
    directory = Directory(repo, acd, clock, mode=mode, fallback_queue=fallback_queue, apply_config=apply_config,
                          flows_using_queue=flows_using_queue, prompt_exists=prompt_exists, lock=lock)
    return DirectoryDomain(directory=directory, routers=(router,))
