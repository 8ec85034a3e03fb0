"""The short DM conversation of ``$partnership <server-invite>`` sent without naming a server.

The seed's command names only the applicant's own server. On a node without ``DM_DEFAULT_GUILD_ID`` the
bot asks which server the request is for; the request is kept (not refused) and the applicant's next
direct message answers the question. This module only remembers the open questions, per user, for
``ASK_TIMEOUT`` seconds (in this process: a restart forgets them, and the applicant sends the command
again); the cog does the talking.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from cluster.intake.invites import ResolvedServer

ASK_TIMEOUT = 15 * 60.0
MAX_OPEN = 10_000  # a flood of half-finished requests cannot grow the node's memory without bound


@dataclass(frozen=True)
class OpenRequest:
    """A ``$partnership`` request waiting for its target server."""

    partner: ResolvedServer
    advertisement: str
    asked_at: float


class OpenRequests:
    def __init__(self, clock: Callable[[], float] = time.monotonic, timeout: float = ASK_TIMEOUT) -> None:
        self._clock = clock
        self._timeout = timeout
        self._open: dict[int, OpenRequest] = {}

    def ask(self, user_id: int, partner: ResolvedServer, advertisement: str) -> None:
        self._drop_expired()
        if len(self._open) >= MAX_OPEN:
            self._open.pop(next(iter(self._open)))  # the oldest question gives way
        self._open.pop(user_id, None)
        self._open[user_id] = OpenRequest(partner, advertisement, self._clock())

    def pending(self, user_id: int) -> OpenRequest | None:
        """The user's open request, unless it has expired."""
        request = self._open.get(user_id)
        if request is not None and self._clock() - request.asked_at > self._timeout:
            del self._open[user_id]
            return None
        return request

    def close(self, user_id: int) -> None:
        self._open.pop(user_id, None)

    def _drop_expired(self) -> None:
        now = self._clock()
        for user_id in [u for u, r in self._open.items() if now - r.asked_at > self._timeout]:
            del self._open[user_id]
