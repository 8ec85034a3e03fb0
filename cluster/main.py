"""``python -m cluster``: run one node."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

import discord
import discord.gateway
import discord.http
import yarl

from bus.settings_help import settings_help
from cluster.bot import PartnersBot
from cluster.bus_link import ClusterBus, make_bus
from cluster.settings import ClusterSettings, SettingsError, configure_logging, load_settings

log = logging.getLogger("cluster")


def quiet_voice_warnings() -> None:
    """discord.py warns at every start that voice needs PyNaCl and davey; a partnership bot never joins
    voice. It warns once per process, when these flags are set, and clears them: clear them first."""
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)


def configure_discord(settings: ClusterSettings) -> None:
    """Point discord.py at the configured REST base and gateway (process-wide class attributes).

    The gateway URL is used because the node always passes an explicit shard_count (discord.py then
    skips ``GET /gateway/bot`` and connects to DEFAULT_GATEWAY); resumes use READY's resume URL."""
    discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def run_node(settings: ClusterSettings, *, bus: ClusterBus | None = None) -> None:
    """Connect the node's shards and run until SIGTERM / SIGINT (or the bot closes)."""
    configure_discord(settings)
    quiet_voice_warnings()
    bot = PartnersBot(settings, bus=bus if bus is not None else make_bus(settings))
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def stop(signame: str) -> None:
        log.info("%s received, closing", signame)
        if not closing:
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop, sig.name)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    finally:
        for task in closing:
            await task
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m cluster",
        description="One node of the bot cluster: owns some shards, turns Discord activity into events and "
        "the API's commands into Discord actions.",
        epilog=settings_help(ClusterSettings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    try:
        settings = load_settings()
        bus = make_bus(settings)
    except SettingsError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    log.info("starting %s", settings.summary())
    if not settings.rabbitmq_url.get_secret_value():
        log.warning(
            "RABBITMQ_URL is empty: this node uses the in-process bus, so nothing it sees reaches an API, "
            "and no command reaches it"
        )
    try:
        asyncio.run(run_node(settings, bus=bus))
    except discord.LoginFailure:
        print("cluster: Discord refused DISCORD_TOKEN (401 Unauthorized)", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "cluster: the Server Members intent is not enabled for this application (Developer Portal > Bot)",
            file=sys.stderr,
        )
        return 1
    return 0
