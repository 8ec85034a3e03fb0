"""The event worker: cluster events in, through the same services the mutations use.

Runs inside the API process by default (RUN_WORKER=true) or alone: `python -m api.worker`.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bus import Envelope

from .container import Container

log = logging.getLogger(__name__)


class EventWorker:
    def __init__(self, container: Container):
        c = container
        self._handlers = {
            "application.submitted": c.applications.submit,
            "member.joined": c.joins.joined,
            "member.left": c.joins.left,
            "review.reaction": c.cluster_events.reaction,
            "command.completed": c.cluster_events.command_completed,
            "guild.warning": c.cluster_events.guild_warning,
            "shard.ready": c.cluster_events.shard_ready,
        }

    async def handle(self, envelope: Envelope) -> None:
        """Returns once the effect is stored (the bus acks then); raises to have it retried."""
        handler = self._handlers.get(envelope.type)
        if handler is None:
            log.info("ignoring event type %s (%s)", envelope.type, envelope.id)
            return
        await handler(envelope)


def main() -> None:
    from .settings import load_settings_or_exit

    settings = load_settings_or_exit()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def run() -> None:
        container = await Container.open(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await container.start_worker()
        log.info("event worker running")
        await stop.wait()
        await container.close()

    asyncio.run(run())


if __name__ == "__main__":
    main()
