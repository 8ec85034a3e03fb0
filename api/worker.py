"""The event worker: cluster events in, through the same services the mutations use.

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

log = logging.getLogger(__name__)


class EventWorker:
    def __init__(self, container: Container):
        c = container
        self._handlers = {
            "application.submitted": c.directory.remembering_representative(c.applications.submit),
            "member.joined": c.joins.joined,
            "member.left": c.joins.left,
            "review.reaction": c.cluster_events.reaction,
            "command.completed": c.cluster_events.command_completed,
            "guild.warning": c.cluster_events.guild_warning,
            "shard.ready": c.cluster_events.shard_ready,
            "guild.directory": c.directory.guild_directory,
        }

    async def handle(self, envelope: Envelope) -> None:
        """Returns once the effect is stored (the bus acks then); raises to have it retried."""
        with message_context(envelope):  # guild_id and message_id on every log line while it is handled
            handler = self._handlers.get(envelope.type)
            if handler is None:
                log.info("ignoring event type %s (%s)", envelope.type, envelope.id)
                return
            await handler(envelope)


def main() -> None:
    from bus.logs import configure_logging

    from .settings import load_settings_or_exit

    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, static={"service": "api.worker"})

    async def run() -> None:
        container = await Container.open(settings)
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
        await container.start_worker()
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
