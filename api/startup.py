"""Start-up of the API processes (`python -m api`, `python -m api.worker`): the command line and its
`--help`, and the connections that must work before anything is served.

Each refusal is one line on stderr naming the setting, then a non-zero exit: an operator reading a
container's log sees what to fix, not a traceback. After a good start an outage is not fatal (the
database and the broker have their own degraded modes), so these waits apply to start-up only.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator

from bus import BrokerUnavailable
from bus.settings_help import settings_help

from .container import Container
from .settings import ApiSettings
from .store.database import DatabaseUnreachable, check_reachable

EXIT_UNREACHABLE = 3
# While start-up waits for the broker, each attempt logs three lines (ours, aiormq's, aio-pika's);
# the wait ends with one line instead. Later reconnects keep their logs.
_BROKER_RETRY_LOGGERS = ("bus.rabbit_connection", "aiormq.connection", "aio_pika.robust_connection")


def parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    """The command line, with every setting in --help (generated from ApiSettings)."""
    return argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=settings_help(ApiSettings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def refuse(line: str, code: int = EXIT_UNREACHABLE) -> SystemExit:
    print(line, file=sys.stderr, flush=True)
    return SystemExit(code)


async def open_container_or_exit(settings: ApiSettings) -> Container:
    """The container, once MongoDB and RabbitMQ answered within their start-up waits."""
    if settings.mongodb_url:
        wait = settings.mongodb_connect_timeout_seconds
        try:
            await check_reachable(settings.mongodb_url, wait)
        except DatabaseUnreachable as error:
            raise refuse(
                f"cannot use MONGODB_URL: no answer within {wait:g} s ({error}); check the URL and the server, "
                "or raise MONGODB_CONNECT_TIMEOUT_SECONDS"
            ) from None
    try:
        with _quiet(_BROKER_RETRY_LOGGERS):
            return await Container.open(settings)
    except BrokerUnavailable as error:
        cause = type(error.__cause__).__name__ if error.__cause__ else "no answer"
        raise refuse(
            f"cannot use RABBITMQ_URL: no connection within {settings.rabbitmq_connect_timeout_seconds:g} s "
            f"({cause}); check the URL and the broker, or raise RABBITMQ_CONNECT_TIMEOUT_SECONDS"
        ) from None


@contextlib.contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
