"""Who hears that an agent's seat discipline changed (the wallboard's rows follow it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

SeatWatcher = Callable[[str], None]


class SeatChanges:
    """``watcher(username)`` after every change of that agent's away state or leave-seat requests. The away rule
    and the leave-seat consent both tell it; a watcher that fails is logged and the others still hear."""

    def __init__(self) -> None:
        self._watchers: list[SeatWatcher] = []

    def watch(self, watcher: SeatWatcher) -> None:
        self._watchers.append(watcher)

    def changed(self, username: str) -> None:
        for w in self._watchers:
            try:
                w(username)
            except Exception:
                log.exception("seat watcher failed")
