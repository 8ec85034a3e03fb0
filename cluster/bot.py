"""The cluster node's Discord client: a discord.py ``AutoShardedBot`` owning a range of shards."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import discord
from discord.ext import commands

from bus import Envelope
from bus.contracts.commands import SettingsSync
from bus.logs import message_context
from bus.routing import shard_for
from cluster.background_work import BACKGROUND_COMMANDS, BackgroundGate
from cluster.bus_link import ClusterBus, LocalBus
from cluster.command_handlers import command_handlers_of
from cluster.command_runner import CommandHandler, CommandRunner
from cluster.guild_config import GuildConfigs
from cluster.guild_warnings import GuildWarnings
from cluster.identify import IdentifyPacer
from cluster.metrics import ClusterMetrics
from cluster.readiness import ShardReadiness
from cluster.settings import ClusterSettings

log = logging.getLogger(__name__)

# One module per feature, RoboDanny style: cluster/cogs/<feature>.py holds one cog, its
# ``@command_handler`` methods and ``@commands.Cog.listener`` methods, and ends in ``async def setup(bot)``.
DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "cluster.cogs.health",  # /healthz, /readyz, /metrics
    "cluster.cogs.guild_config",  # settings.sync; shard.ready
    "cluster.cogs.directory",  # guild.directory: names, channels and roles for the dashboard
    "cluster.cogs.intake",  # /ppartner apply, panel, tickets, $partnership DMs
    "cluster.cogs.representative",  # /ppartner status, withdraw, bump (after intake: its /ppartner group)
    "cluster.cogs.review",  # review posts and reviewers' reactions
    "cluster.cogs.showcase",  # showcase posts
    "cluster.cogs.tracked_invites",  # the partner's tracked invite
    "cluster.cogs.contact_roles",  # the partner contact role
    "cluster.cogs.direct_messages",  # DMs the api sends
    "cluster.cogs.confirmations",  # CONFIRM flow: the offer DM and its Continue / No thanks buttons
    "cluster.cogs.partner_checks",  # partner.check: what a partner's invite resolves to
    "cluster.cogs.joins",  # invite tracking and join attribution
    "cluster.cogs.staff_notices",  # notices for staff in the log channel (staff.notify, log.post)
)


def build_intents() -> discord.Intents:
    """Only what the partnership features use.

    - guilds: guild, channel, role and thread caches (GUILD_CREATE and friends); needed by everything.
    - members (privileged): GUILD_MEMBER_ADD / REMOVE for join attribution, retained counts and the
      contact role granted when a representative joins after approval.
    - invites: INVITE_CREATE / DELETE keep each guild's invite-uses snapshot current between joins.
    - guild_reactions: reviewers' reactions on review posts.
    - dm_messages: ``$partnership <invite>`` sent to the bot in a DM (DMs arrive on shard 0 only).

    Not message_content: Discord delivers the content of DMs sent to the bot (and of messages that
    mention it) without that privileged intent, and no feature reads other guild messages. Not
    guild_messages, presences, typing, voice: nothing uses them.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.invites = True
    intents.guild_reactions = True
    intents.dm_messages = True
    return intents


class PartnersBot(commands.AutoShardedBot):
    """One node: connects ``settings.owned_shards`` of ``settings.shard_count``.

    Client-wide: no member cache, no guild chunking, no message cache, and ``AllowedMentions.none()``
    so nothing the bot posts pings anyone unless a call explicitly allows it.
    """

    def __init__(
        self,
        settings: ClusterSettings,
        *,
        bus: ClusterBus | None = None,
        extensions: Iterable[str] = DEFAULT_EXTENSIONS,
        intents: discord.Intents | None = None,
        pacer: IdentifyPacer | None = None,
        **options: Any,
    ) -> None:
        self.settings = settings
        shard_ids = settings.owned_shards
        super().__init__(
            command_prefix=commands.when_mentioned,  # prefix commands are not used (see on_message)
            help_command=None,
            intents=intents or build_intents(),
            shard_count=settings.shard_count,
            shard_ids=shard_ids,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            **options,
        )
        self.bus: ClusterBus = bus if bus is not None else LocalBus()
        self.readiness = ShardReadiness(shard_ids)
        self.pacer = pacer
        self.command_handlers: dict[str, CommandHandler] = {}
        self.metrics = ClusterMetrics(self)  # served at /metrics on the health port
        self.commands_run = CommandRunner(self.bus.publish_event, metrics=self.metrics)
        # Health checks run after user-facing commands, within the node's check budget.
        self.background_work = BackgroundGate(settings.check_requests_per_second)
        self.draining = False  # close() began: /readyz answers 503
        self.configs = GuildConfigs()
        # Setup problems met while carrying out commands, one per guild and code an hour (per node).
        self.guild_warnings = GuildWarnings(self.bus.publish_event, every=3600.0)
        self._initial_extensions = tuple(extensions)
        self._consuming: set[int] = set()
        self.add_listener(self._on_shard_connect, "on_shard_connect")
        self.add_listener(self._on_shard_ready, "on_shard_ready")
        self.add_listener(self._on_shard_resumed, "on_shard_resumed")
        self.add_listener(self._on_shard_disconnect, "on_shard_disconnect")

    # ---- start-up ------------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        if self.pacer is None:
            concurrency = self.settings.identify_concurrency
            if concurrency == 0:
                concurrency = (await self.fetch_session_start_limits()).max_concurrency
            self.pacer = IdentifyPacer(concurrency, self.settings.identify_interval, self.settings.identify_lock_dir)
        await self.bus.start()
        for extension in self._initial_extensions:
            await self.load_extension(extension)
        if self.settings.sync_commands:
            synced = await self.tree.sync()
            log.info("synced %d application commands", len(synced))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Pace identifies by bucket ``shard_id % max_concurrency`` (see cluster.identify)."""
        if self.pacer is not None and shard_id is not None:
            await self.pacer.wait(shard_id)

    async def close(self) -> None:
        """Graceful: stop taking commands first (consumers cancelled; the commands already running
        finish, bounded by the bus's close_timeout, while Discord is still connected; the rest stay
        unacked and wait in their shard queue for the next owner), then leave the gateway, then close
        the bus (events published until then are delivered)."""
        self.draining = True
        stop_consuming = getattr(self.bus, "stop_consuming", None)
        if stop_consuming is not None:
            try:
                await stop_consuming()
            except Exception:
                log.exception("stopping the command consumers failed; closing anyway")
        try:
            await super().close()
        finally:
            await self.bus.close()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix-command processing: features (cogs) read the messages they care about."""

    # ---- shard readiness -------------------------------------------------------------------------------

    async def _on_shard_connect(self, shard_id: int) -> None:
        self.readiness.connecting(shard_id)

    async def _on_shard_ready(self, shard_id: int) -> None:
        self.readiness.ready(shard_id)
        log.info("shard %s ready (%d guilds)", shard_id, sum(1 for g in self.guilds if g.shard_id == shard_id))
        await self.on_shard_ready_hook(shard_id)

    async def _on_shard_resumed(self, shard_id: int) -> None:
        self.readiness.ready(shard_id)

    async def _on_shard_disconnect(self, shard_id: int) -> None:
        self.readiness.disconnected(shard_id)

    async def on_shard_ready_hook(self, shard_id: int) -> None:
        """Runs each time a shard becomes ready (first connect and every re-identify). Starts consuming
        the shard's command queue the first time: commands for a guild wait in their queue until the
        shard owning the guild is connected."""
        if shard_id in self._consuming:
            return
        self._consuming.add(shard_id)
        try:
            await self.bus.consume_commands([shard_id], self.handle_command)
        except BaseException:
            self._consuming.discard(shard_id)
            raise
        log.info("consuming commands of shard %s", shard_id)

    @property
    def consuming_shards(self) -> frozenset[int]:
        return frozenset(self._consuming)

    # ---- cogs: their command handlers come and go with them ---------------------------------------------

    async def add_cog(self, cog: commands.Cog, /, *, override: bool = False, **options: Any) -> None:
        """Add the cog, then its ``@command_handler`` methods (refused before it loads if another cog
        already handles one of its command types)."""
        handlers = command_handlers_of(cog)
        replaced = self.get_cog(cog.qualified_name) if override else None
        for command_type in handlers:
            owner = getattr(self.command_handlers.get(command_type), "__self__", None)
            if command_type in self.command_handlers and (replaced is None or owner is not replaced):
                raise ValueError(f"a handler for {command_type!r} is already registered")
        await super().add_cog(cog, override=override, **options)
        self.command_handlers.update(handlers)

    async def remove_cog(self, name: str, /, **options: Any) -> commands.Cog | None:
        cog = await super().remove_cog(name, **options)
        if cog is not None:
            for command_type, handler in command_handlers_of(cog).items():
                if self.command_handlers.get(command_type) == handler:
                    del self.command_handlers[command_type]
        return cog

    # ---- commands from the api ------------------------------------------------------------------------

    def register_command_handler(self, command_type: str, handler: CommandHandler) -> None:
        """A handler outside any cog (tests, tools); cogs use ``@command_handler`` instead."""
        if command_type in self.command_handlers:
            raise ValueError(f"a handler for {command_type!r} is already registered")
        self.command_handlers[command_type] = handler

    async def handle_command(self, env: Envelope) -> None:
        """The bus consumer callback. Unknown types raise, so the bus retries and then dead-letters them
        instead of dropping them silently (e.g. an api newer than this node)."""
        with message_context(env):  # guild_id and message_id on every log line while it runs
            handler = self.command_handlers.get(env.type)
            if handler is None:
                raise LookupError(f"no handler for command type {env.type!r}")
            if env.type in BACKGROUND_COMMANDS:
                await self.commands_run.run(env, handler)
            else:
                async with self.background_work.foreground():
                    await self.commands_run.run(env, handler)

    # ---- events between cogs ----------------------------------------------------------------------------

    def settings_changed(self, guild_id: int, config: SettingsSync) -> None:
        """Tell every interested cog (``on_guild_settings_changed(guild_id, config)`` listeners) that the
        api synced a guild's settings; ``self.configs`` already holds them."""
        self.dispatch("guild_settings_changed", guild_id, config)

    # ---- helpers -------------------------------------------------------------------------------------

    def shard_of(self, guild_id: int | str) -> int:
        return shard_for(guild_id, self.settings.shard_count)

    def owns_guild(self, guild_id: int | str) -> bool:
        """Whether this node is connected (or connecting) to the shard of ``guild_id``."""
        return self.shard_of(guild_id) in self.readiness.shard_ids
