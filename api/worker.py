"""The event worker: cluster events in, through the same services the mutations use, and the
journal relay that finishes what a crash or a broker outage left in a guild's journal.

Runs inside the API process by default (RUN_WORKER=true) or alone: `python -m api.worker`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from bus import Envelope
from bus.logs import message_context

from .container import Container
from .event_batches import handle_batch
from .scheduled_jobs import run_scheduler
from .services.bump_ready_backfill import run_backfill
from .services.invite_deletions import InviteDeletions
from .services.writer import GuildWriter
from .store.ledgers import LedgerRepository

log = logging.getLogger(__name__)


class EventWorker:
    def __init__(self, container: Container):
        c = container
        self._joins = c.joins
        self._handlers = {
            "application.submitted": c.directory.remembering_representative(c.applications.submit),
            "member.joined": c.joins.joined,
            "member.left": c.joins.left,
            "review.reaction": c.review_reactions.handle,
            "review.button": c.review_buttons.handle,
            "partnership.answer": c.confirmations.answer,
            "command.completed": c.command_outcomes.handle,
            "guild.warning": c.guild_warnings.handle,
            "shard.ready": c.shard_readiness.handle,
            "guild.directory": c.directory.guild_directory,
            "invite.deleted": InviteDeletions(c.partnerships).handle,
            "representative.status": c.representatives.status,
            "representative.withdraw": c.representatives.withdraw,
            "representative.bump": c.representatives.bump,
            "representative.ad": c.ad_proposals.propose,
            "representative.bump_reminders_off": c.bump_reminders.stop,
        }

    async def handle(self, envelope: Envelope) -> None:
        """Returns once the effect is stored (the bus acks then); raises to have it retried."""
        with message_context(envelope):  # guild_id and message_id on every log line while it is handled
            handler = self._handlers.get(envelope.type)
            if handler is None:
                log.info("ignoring event type %s (%s)", envelope.type, envelope.id)
                return
            await handler(envelope)

    async def handle_batch(self, envelopes: list[Envelope]) -> list[BaseException | None]:
        """Many events at once (the RabbitMQ bus); joins and leaves in runs (api/event_batches.py)."""
        return await handle_batch(envelopes, self.handle, self._joins.handle_many)


async def journal_relay(ledgers: LedgerRepository, writer: GuildWriter, every: float) -> None:
    """Finishes journals that a crash or a broker outage left unfinished (see store/ledgers.py)."""
    while True:
        await asyncio.sleep(every)
        try:
            for guild_id in await ledgers.guilds_with_unfinished_work():
                await writer.finish_guild(guild_id)
        except Exception:
            log.exception("journal relay pass failed; retrying")


async def start_worker(container: Container) -> None:
    """Consumes cluster events into the container's services and runs the journal relay, the
    scheduled work and, once per process, the backfills of member claims and bump reminders (until
    `container.close()`)."""
    worker = EventWorker(container)
    # Before consuming: joins handled while the backfill is under way claim their members' history first.
    container.background.append(container.join_claims.start())
    await container.bus.consume_events(worker.handle, worker.handle_batch)
    container.expected_consumers += 1
    relay = journal_relay(container.ledgers, container.writer, container.settings.journal_relay_seconds)
    container.background.append(asyncio.create_task(relay, name="journal-relay"))
    # Health checks, deadlines and reminders: every replica runs its share (leases keep them single).
    container.background.append(asyncio.create_task(run_scheduler(container), name="scheduler"))
    # Once: the bump reminders owed by ads that were up before they shipped (resumes where it stopped).
    backfill = run_backfill(container.database, container.ledgers, container.scheduled)
    container.background.append(asyncio.create_task(backfill, name="bump-ready-backfill"))


def main() -> None:
    from bus.logs import configure_logging

    from .settings import load_settings_or_exit
    from .startup import open_container_or_exit, parser

    parser("python -m api.worker", __doc__).parse_args()
    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, static={"service": "api.worker"})

    async def run() -> None:
        container = await open_container_or_exit(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal(sig: signal.Signals) -> None:
            if stop.is_set():
                log.warning("%s again: exiting without waiting", sig.name)
                os._exit(1)
            log.info("%s received: draining", sig.name)
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, sig)
        await start_worker(container)
        log.info("event worker running")
        await stop.wait()
        # Graceful: cancel the consumers (no new events), let the running handlers finish and ack
        # (bounded by SHUTDOWN_GRACE_SECONDS); anything prefetched and not started stays unacked and
        # is redelivered to another worker. Then close the connections.
        await container.stop_consuming()
        await container.close()
        log.info("event worker stopped")

    asyncio.run(run())


if __name__ == "__main__":
    main()
