"""What a committed change owes besides its new ledger: record changes and outgoing messages.

A service's `decide` returns a list of journal entries (see `writer.py`):
- a record change (`api.domain.records`), written to MongoDB by the store's projector;
- an `Outgoing` message: a command for the guild's shard, or a live event for every replica.
`command(guild_id, body)` is the one place a command model (`bus.contracts.commands`) becomes an
envelope: to send a new command type, register its model in bus/ and build it in `effects.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bus import Envelope
from bus.contracts import Command, LivePartnerJoin, LivePartnerJoins, LiveQueueEvent

from ..domain.enums import QueueEventType
from ..domain.records import RecordChange

LIVE_QUEUE = LiveQueueEvent.TYPE
LIVE_JOIN = LivePartnerJoin.TYPE
LIVE_JOINS = LivePartnerJoins.TYPE


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message a change owes; sent after the commit, in the order the change lists them."""

    op: Literal["command", "live"]
    envelope: Envelope


JournalEntry = RecordChange | Outgoing


def command(guild_id: int, body: Command) -> Outgoing:
    """A command to the node holding the guild's shard. The envelope id is fixed here, so a replay
    of the journal sends the same message and the cluster drops the duplicate."""
    return Outgoing("command", Envelope.new(body.TYPE, guild_id, body))


def live(
    event: QueueEventType,
    guild_id: int,
    seq: int,
    at: datetime,
    application_id: str | None = None,
    partnership_id: str | None = None,
    part: int = 0,
) -> Outgoing:
    """A queue change for the `partnershipQueue` subscription. `seq` (the ledger version) orders a
    guild's changes and lets every replica drop a replayed duplicate; `part` orders the several
    events of one change."""
    body = LiveQueueEvent(
        event_type=event.value,
        at=at,
        application_id=application_id,
        partnership_id=partnership_id,
        payload={"seq": seq, "part": part},
    )
    return Outgoing("live", Envelope.new(LIVE_QUEUE, guild_id, body))
