"""Intake: partnership applications made on Discord. This node collects, resolves and reports; the api
decides (blacklist, closed source, member minimum, cooldown, duplicates, limits, ad length).

Entry points, by the guild's ``application_mode`` (``bot.configs``, synced by the api):

- ``/ppartner apply`` (guild only) and the panel's "Apply for partnership" button:
  SLASH -> the application form (a modal: the partner server's invite, the advertisement);
  TICKET -> a private ticket thread (below); MANUAL -> a polite refusal.
- The form's submission: the invite is resolved (partner guild id, name, icon, approximate member count;
  an invalid or expired invite, or one to this same server, is refused in plain words), the applicant
  sees "Checking your application…" at once, and ``application.submitted`` is published with source
  SLASH / PANEL and ``reply`` = the interaction's application id and token: the api answers with the
  outcome through ``interaction.followup`` (an ephemeral follow-up message, handled here).
- Tickets: a private thread under ``ticket_channel_id`` (not invitable), the applicant added, a
  "Fill in the application" button that opens the same form (for that applicant only); one open ticket
  per applicant (remembered by this process: a restart forgets it, harmlessly). Submitting
  publishes source TICKET with ``ticket_channel_id`` = the thread and no ``reply``: the api posts the
  outcome with ``ticket.close`` (handled here: post, then archive and lock; a second ``ticket.close``
  for the later decision re-opens the thread to post and closes it again). Nobody is mentioned. Staff
  see the ticket through Discord's rule for private threads: members with Manage Threads on the ticket
  channel see every private thread in it. Adding the review role's members is not possible without a
  member cache, which this bot does not keep.
- ``/ppartner panel [channel]`` (staff: Manage Server) and the ``panel.post`` command post the panel.
  Discord applies default permissions to top-level commands only, and ``/ppartner`` must stay visible
  to every member for ``apply``, so ``panel`` checks Manage Server when it runs.
- Direct messages (they arrive on shard 0 only; bots are ignored)::

      $partnership <your server's invite> <server you want to partner with> [advertisement...]

  A DM carries no guild and the bot serves many, so the server applied to must be named: its id or an
  invite link to it (a bot cannot see which servers it shares with a user without a member cache).
  The first invite is the partner's, as in the form; the rest of the message, line breaks kept, is the
  advertisement (empty is published as is: the seed's form carries none). The seed's own form,
  ``$partnership <server-invite>``, applies to the node's ``DM_DEFAULT_GUILD_ID`` when set (a
  one-community deployment); otherwise the bot asks which server it is for and the applicant's next DM
  (an id or an invite link) completes it (``cluster.intake.dm_conversation``). Malformed requests get
  the usage help; other DMs get no answer. A user's DMs are handled one at a time in the order sent, so
  one sent while the previous is still being checked waits and is answered too.
  When this node holds the target guild's settings, a guild not taking DM applications (TICKET,
  MANUAL) is refused here; otherwise the api refuses it. The target must be a guild the bot is in
  (checked in the cache, or with ``GET /guilds/{id}`` when another node owns its shard).

Everything the bot posts goes out with no mentions allowed (the client default, never overridden), so
an ad or a server name full of @everyone, @here or role mentions pings nobody.

Missing permissions or a deleted channel met while serving an applicant: a plain-words ephemeral answer,
a ``guild.warning`` event (MISSING_PERMISSIONS / CHANNEL_MISSING) and a log line. For the api's commands
(``panel.post``, ``ticket.close``, ``interaction.followup``) Discord errors propagate and the
CommandRunner reports them as ``command.completed`` failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import InteractionFollowup, PanelPost, TicketClose
from bus.contracts.common import (
    ApplicationMode,
    ApplicationSource,
    CommandErrorCode,
    GuildWarningCode,
    InteractionReply,
)
from bus.contracts.events import ApplicationSubmittedV2
from cluster.command_handlers import CommandCog, command_handler
from cluster.command_runner import CommandRefused
from cluster.guild_warnings import GuildWarnings
from cluster.intake import texts
from cluster.intake.dm_conversation import OpenRequests
from cluster.intake.dm_syntax import DmTarget, DmUsageError, is_partnership_command, parse_dm, parse_target
from cluster.intake.invites import InviteError, InviteProblem, ResolvedServer, resolve_invite
from cluster.intake.views import (
    AD_FIELD,
    INVITE_FIELD,
    ApplicationForm,
    PanelView,
    TicketFormButton,
    modal_source,
    modal_values,
    submitted_form,
    ticket_view,
)

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)

MESSAGE_MAX = 2000
TICKET_ARCHIVE_MINUTES = 10080  # a week: the decision may take days; ticket.close re-opens if needed


class TargetError(Exception):
    """The server a DM applies to cannot take the application; ``message`` is for the applicant."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Intake(CommandCog):
    ppartner = app_commands.Group(name="ppartner", description="Partnerships between servers", guild_only=True)
    dynamic_items = (TicketFormButton,)

    def __init__(self, bot: PartnersBot) -> None:
        super().__init__(bot)
        # Met while serving applicants (a click each): re-sent at most once a minute per guild and code.
        self.warnings = GuildWarnings(bot.bus.publish_event, every=60.0)
        self._tickets: dict[tuple[int, int], int] = {}  # (guild, applicant) -> open ticket thread id
        # Per user, while one of their DMs is handled (a weak map: a lock nobody holds or waits for goes).
        self._dm_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._dm_open = OpenRequests()  # $partnership requests waiting for the applicant to name the server

    async def cog_load(self) -> None:
        # Persistent components: clicks on messages posted before a restart still reach this cog.
        self.bot.add_view(PanelView(self._apply_from_panel))
        await super().cog_load()

    # ---- /ppartner apply and the panel button -------------------------------------------------------------

    @ppartner.command(name="apply", description="Apply to partner your server with this one")
    async def apply(self, interaction: discord.Interaction) -> None:
        await self.start_application(interaction, ApplicationSource.SLASH)

    async def _apply_from_panel(self, interaction: discord.Interaction) -> None:
        await self.start_application(interaction, ApplicationSource.PANEL)

    async def start_application(self, interaction: discord.Interaction, source: ApplicationSource) -> None:
        if interaction.guild_id is None:
            await interaction.response.send_message(texts.GUILD_ONLY, ephemeral=True)
            return
        config = self.bot.configs.get(interaction.guild_id)
        mode = ApplicationMode(config.application_mode)
        if mode is ApplicationMode.MANUAL:
            await interaction.response.send_message(texts.MANUAL_MODE, ephemeral=True)
        elif mode is ApplicationMode.TICKET:
            await self.open_ticket(interaction, config.ticket_channel_id)
        else:
            await interaction.response.send_modal(ApplicationForm(source))

    # ---- the form's submission ----------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        source = modal_source(submitted_form(interaction))
        if source is None:
            return
        try:
            await self.submit_form(interaction, source, modal_values(interaction.data))  # type: ignore[arg-type]
        except discord.HTTPException:
            # The applicant's interaction expired or Discord failed: nothing more can be said to them.
            log.exception("guild %s: answering an application form failed", interaction.guild_id)

    async def submit_form(
        self, interaction: discord.Interaction, source: ApplicationSource, values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id
        if guild_id is None:
            await interaction.edit_original_response(content=texts.GUILD_ONLY)
            return
        ticket_id: int | None = None
        reply: InteractionReply | None = None
        if source is ApplicationSource.TICKET:
            if not isinstance(interaction.channel, discord.Thread):
                await interaction.edit_original_response(content=texts.TICKET_NOT_A_TICKET)
                return
            ticket_id = interaction.channel.id  # the api answers in the ticket (ticket.close)
        else:
            reply = InteractionReply(application_id=str(interaction.application_id), token=interaction.token)
        try:
            partner = await resolve_invite(self.bot, values.get(INVITE_FIELD, ""))
        except InviteError as err:
            await interaction.edit_original_response(content=texts.PARTNER_INVITE[err.problem])
            return
        if partner.id == guild_id:
            await interaction.edit_original_response(content=texts.SAME_SERVER)
            return
        body = ApplicationSubmittedV2(
            source=source,
            representative_id=str(interaction.user.id),
            **representative(interaction.user),
            advertisement=values.get(AD_FIELD, "").strip(),
            partner=partner.as_partner(),
            reply=reply,
            ticket_channel_id=None if ticket_id is None else str(ticket_id),
        )
        await interaction.edit_original_response(content=texts.checking(partner.name))
        if not await self._publish(Envelope.new("application.submitted", guild_id, body)):
            await interaction.edit_original_response(content=texts.SEND_FAILED)

    async def _publish(self, env: Envelope) -> bool:
        try:
            await self.bot.bus.publish_event(env)
        except Exception:
            log.exception("guild %s: could not publish %s %s", env.guild_id, env.type, env.id)
            return False
        log.info("guild %s: %s %s published", env.guild_id, env.type, env.id)
        return True

    # ---- interaction.followup (api -> applicant) -------------------------------------------------------------

    @command_handler("interaction.followup")
    async def on_interaction_followup(self, env: Envelope) -> dict[str, Any]:
        data: InteractionFollowup = parse(env)
        # An application webhook (type 3) like discord.Interaction.followup builds, so ephemeral works;
        # Webhook.partial / from_url make incoming webhooks (type 1), which refuse ephemeral messages.
        webhook = discord.Webhook.from_state(
            {"id": int(data.application_id), "type": 3, "token": data.token},  # type: ignore[typeddict-item]
            state=self.bot._connection,
        )
        message = await webhook.send(
            _fit(data.content),
            ephemeral=data.ephemeral,
            allowed_mentions=discord.AllowedMentions.none(),
            wait=True,
        )
        return {"message_id": str(message.id)}

    # ---- tickets -----------------------------------------------------------------------------------------------

    def _open_ticket_of(self, guild: discord.Guild, user_id: int) -> discord.Thread | None:
        thread_id = self._tickets.get((guild.id, user_id))
        if thread_id is None:
            return None
        thread = guild.get_thread(thread_id)
        if thread is None or thread.archived or thread.locked:
            self._tickets.pop((guild.id, user_id), None)
            return None
        return thread

    async def open_ticket(self, interaction: discord.Interaction, ticket_channel_id: str | None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        user = interaction.user

        async def answer(content: str) -> None:
            await interaction.edit_original_response(content=content)

        if guild is None:  # known by id only: the guild is in an outage
            await answer(texts.TICKET_DISCORD_FAILED)
            return

        existing = self._open_ticket_of(guild, user.id)
        if existing is not None:
            await answer(texts.ticket_already_open(existing.mention))
            return
        if ticket_channel_id is None:
            log.warning("guild %s: application mode TICKET without a ticket channel", guild.id)
            await answer(texts.TICKET_NOT_SET_UP)
            return
        guild_id = guild.id

        async def refuse(code: GuildWarningCode, warning: str, content: str) -> None:
            # Staff learn what to fix; the applicant learns why no ticket opened.
            await self.warnings.warn(guild_id, code, warning)
            await answer(content)

        gone = f"The ticket channel ({ticket_channel_id}) no longer exists: application tickets cannot open."
        parent = guild.get_channel(int(ticket_channel_id))
        if parent is None:
            await refuse(GuildWarningCode.CHANNEL_MISSING, gone, texts.TICKET_CHANNEL_MISSING)
            return
        if not isinstance(parent, discord.TextChannel):
            await refuse(
                GuildWarningCode.CHANNEL_MISSING,
                f"The ticket channel #{parent.name} is not a text channel: private ticket threads cannot open there.",
                texts.TICKET_CHANNEL_WRONG_TYPE,
            )
            return
        try:
            thread = await self._create_ticket(parent, user)
        except discord.Forbidden:
            await refuse(
                GuildWarningCode.MISSING_PERMISSIONS,
                f"The bot needs Create Private Threads and Send Messages in Threads in #{parent.name} "
                "to open application tickets.",
                texts.TICKET_NO_PERMISSION.format(channel=parent.mention),
            )
            return
        except discord.NotFound:
            await refuse(GuildWarningCode.CHANNEL_MISSING, gone, texts.TICKET_CHANNEL_MISSING)
            return
        except discord.HTTPException:
            log.exception("guild %s: opening a ticket failed", guild.id)
            await answer(texts.TICKET_DISCORD_FAILED)
            return
        self._tickets[(guild.id, user.id)] = thread.id
        log.info("guild %s: ticket %s opened for %s", guild.id, thread.id, user.id)
        await answer(texts.ticket_opened(thread.mention))

    async def _create_ticket(self, parent: discord.TextChannel, user: discord.abc.User) -> discord.Thread:
        thread = await parent.create_thread(
            name=texts.ticket_thread_name(user.name),
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=TICKET_ARCHIVE_MINUTES,
            reason=f"Partnership application ticket for {user} ({user.id})",
        )
        try:
            await thread.add_user(user)
            await thread.send(texts.ticket_welcome(user.mention), view=ticket_view(user.id))
        except discord.HTTPException:
            with contextlib.suppress(discord.HTTPException):  # do not leave an empty ticket behind
                await thread.delete()
            raise
        return thread

    @command_handler("ticket.close")
    async def on_ticket_close(self, env: Envelope) -> dict[str, Any]:
        data: TicketClose = parse(env)
        guild = self._guild_for_command(env, "close the ticket")
        thread_id = int(data.thread_id)
        thread = guild.get_thread(thread_id)
        if thread is None:
            channel = await guild.fetch_channel(thread_id)  # archived threads are not cached
            if not isinstance(channel, discord.Thread):
                raise CommandRefused(
                    CommandErrorCode.INVALID_COMMAND, "Could not close the ticket: that channel is not a thread."
                )
            thread = channel
        if data.content:
            if thread.archived:  # a second close (the decision after the queued notice): re-open to post
                thread = await thread.edit(archived=False, reason="Partnership application: posting the outcome")
            await thread.send(_fit(data.content))
        result: dict[str, Any] = {"thread_id": str(thread.id)}
        if not data.archive:
            return result  # a notice only (e.g. "queued"): the ticket stays open until the decision
        if not (thread.archived and thread.locked):
            try:
                await thread.edit(archived=True, locked=True, reason="Partnership application answered")
            except discord.Forbidden:
                # Locking needs Manage Threads; a closed (archived) ticket is still better than an open one.
                await thread.edit(archived=True, reason="Partnership application answered")
                await self.warnings.warn(
                    guild.id,
                    GuildWarningCode.MISSING_PERMISSIONS,
                    "The bot needs Manage Threads to lock answered application tickets.",
                )
                result["locked"] = False
        for key, value in list(self._tickets.items()):
            if value == thread.id:
                del self._tickets[key]
        return result

    # ---- the panel ---------------------------------------------------------------------------------------------

    @ppartner.command(name="panel", description="Post the 'Apply for partnership' button (staff: Manage Server)")
    @app_commands.describe(channel="Where to post it (default: this channel)")
    async def panel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        if not interaction.permissions.manage_guild:
            await interaction.response.send_message(texts.PANEL_STAFF_ONLY, ephemeral=True)
            return
        guild = interaction.guild
        target: Any = channel if channel is not None else interaction.channel
        if guild is None or not isinstance(target, discord.TextChannel | discord.VoiceChannel | discord.Thread):
            await interaction.response.send_message(texts.PANEL_NOT_TEXT, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await self.post_panel(target)
        except discord.Forbidden:
            await self.warnings.warn(
                guild.id,
                GuildWarningCode.MISSING_PERMISSIONS,
                f"The bot needs View Channel and Send Messages in #{target.name} to post the application panel.",
            )
            await interaction.edit_original_response(content=texts.PANEL_NO_PERMISSION.format(channel=target.mention))
            return
        except discord.NotFound:
            await interaction.edit_original_response(content=texts.PANEL_CHANNEL_GONE)
            return
        except discord.HTTPException:
            log.exception("guild %s: posting the panel failed", guild.id)
            await interaction.edit_original_response(content=texts.PANEL_DISCORD_FAILED)
            return
        mode = self.bot.configs.get(guild.id).application_mode
        await interaction.edit_original_response(content=texts.panel_posted(target.mention, str(mode)))

    async def post_panel(self, channel: discord.abc.Messageable) -> discord.Message:
        return await channel.send(texts.PANEL_MESSAGE, view=PanelView(self._apply_from_panel))

    @command_handler("panel.post")
    async def on_panel_post(self, env: Envelope) -> dict[str, Any]:
        data: PanelPost = parse(env)
        guild = self._guild_for_command(env, "post the application panel")
        channel = guild.get_channel_or_thread(int(data.channel_id))
        if channel is None:
            raise CommandRefused(
                CommandErrorCode.UNKNOWN_CHANNEL,
                "Could not post the application panel: the channel no longer exists (or is not in this server).",
            )
        if not isinstance(channel, discord.abc.Messageable):
            raise CommandRefused(
                CommandErrorCode.INVALID_COMMAND,
                "Could not post the application panel: the channel is not a text channel.",
            )
        message = await self.post_panel(channel)
        return {"channel_id": str(channel.id), "message_id": str(message.id)}

    def _guild_for_command(self, env: Envelope, action: str) -> discord.Guild:
        guild = self.bot.get_guild(int(env.guild_id))
        if guild is None:
            raise CommandRefused(
                CommandErrorCode.GUILD_UNAVAILABLE,
                f"Could not {action}: the bot is not in the server, or the server is unavailable.",
            )
        return guild

    # ---- $partnership in direct messages ------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot:
            return
        user_id = message.author.id
        is_command = is_partnership_command(message.content)
        if not is_command and self._dm_open.pending(user_id) is None:
            return  # other DMs get no answer
        # One request at a time per user, in the order sent: a DM that arrives while the previous one is
        # being checked waits its turn and is answered too (never dropped).
        lock = self._dm_locks.get(user_id)
        if lock is None:
            lock = self._dm_locks[user_id] = asyncio.Lock()
        async with lock:
            if is_command:
                await self.handle_dm(message)
            else:
                await self.handle_dm_answer(message)

    async def handle_dm(self, message: discord.Message) -> None:
        self._dm_open.close(message.author.id)  # a new command replaces an unanswered question
        default_id = self.bot.settings.dm_default_guild_id
        try:
            request = parse_dm(message.content, default_target=default_id is not None)
        except DmUsageError as err:
            await self._answer_dm(message, texts.dm_usage(err.reason))
            return
        try:
            partner = await resolve_invite(self.bot, request.partner_invite)
        except InviteError as err:
            await self._answer_dm(message, texts.PARTNER_INVITE[err.problem])
            return
        if request.names_target:
            target = DmTarget(request.target_guild_id, request.target_invite)
        elif default_id is not None:
            target = DmTarget(default_id, None)  # a one-community node: the seed's form applies here
        else:
            self._dm_open.ask(message.author.id, partner, request.advertisement)
            await self._answer_dm(message, texts.dm_ask_target(partner.name))
            return
        await self._complete_dm(message, partner, target, request.advertisement)

    async def handle_dm_answer(self, message: discord.Message) -> None:
        """The applicant's answer to "which server is this request for?"."""
        user_id = message.author.id
        request = self._dm_open.pending(user_id)
        if request is None:
            return
        token = (message.content or "").strip()
        if token.lower() in texts.DM_CANCEL_WORDS:
            self._dm_open.close(user_id)
            await self._answer_dm(message, texts.DM_CANCELLED)
            return
        target = parse_target(token.split()[0]) if token else None
        if target is None:
            await self._answer_dm(message, texts.DM_TARGET_NOT_UNDERSTOOD)
            return
        self._dm_open.close(user_id)
        await self._complete_dm(message, request.partner, target, request.advertisement)

    async def _complete_dm(
        self, message: discord.Message, partner: ResolvedServer, target: DmTarget, advertisement: str
    ) -> None:
        try:
            target_id, target_name = await self._dm_target(target)
        except TargetError as err:
            await self._answer_dm(message, err.message)
            return
        if partner.id == target_id:
            await self._answer_dm(message, texts.SAME_SERVER_DM)
            return
        refusal = self._dm_mode_refusal(target_id, target_name)
        if refusal is not None:
            await self._answer_dm(message, refusal)
            return
        body = ApplicationSubmittedV2(
            source=ApplicationSource.DM,
            representative_id=str(message.author.id),
            **representative(message.author),
            advertisement=advertisement,
            partner=partner.as_partner(),
            reply=None,
            ticket_channel_id=None,
        )
        if await self._publish(Envelope.new("application.submitted", target_id, body)):
            await self._answer_dm(message, texts.checking_dm(partner.name, target_name))
        else:
            await self._answer_dm(message, texts.SEND_FAILED)

    async def _dm_target(self, target: DmTarget) -> tuple[int, str]:
        """The guild a DM applies to, as (id, name); it must be a guild the bot is in."""
        name: str | None = None
        if target.invite is not None:
            try:
                server: ResolvedServer = await resolve_invite(self.bot, target.invite)
            except InviteError as err:
                raise TargetError(texts.TARGET_INVITE[err.problem]) from None
            guild_id, name = server.id, server.name
        else:
            assert target.guild_id is not None
            guild_id = target.guild_id
        if self.bot.owns_guild(guild_id):
            guild = self.bot.get_guild(guild_id)
            if guild is None:
                raise TargetError(texts.TARGET_NOT_JOINED)
            return guild_id, guild.name
        try:  # another node holds the guild's shard: ask Discord whether the bot is in it
            fetched = await self.bot.fetch_guild(guild_id, with_counts=False)
        except (discord.Forbidden, discord.NotFound):
            raise TargetError(texts.TARGET_NOT_JOINED) from None
        except discord.HTTPException:
            raise TargetError(texts.TARGET_INVITE[InviteProblem.UNAVAILABLE]) from None
        return guild_id, name or fetched.name

    def _dm_mode_refusal(self, guild_id: int, guild_name: str) -> str | None:
        if not self.bot.configs.known(guild_id):
            return None  # another node's guild: the api refuses a closed source itself
        mode = ApplicationMode(self.bot.configs.get(guild_id).application_mode)
        if mode is ApplicationMode.TICKET:
            return texts.dm_mode_ticket(guild_name)
        if mode is ApplicationMode.MANUAL:
            return texts.dm_mode_manual(guild_name)
        return None

    async def _answer_dm(self, message: discord.Message, content: str) -> None:
        try:
            await message.channel.send(_fit(content))
        except discord.HTTPException as exc:
            log.info("could not answer %s's $partnership by DM: %s %s", message.author.id, exc.status, exc.text)


def _fit(content: str) -> str:
    """Discord refuses messages over 2,000 characters: cut, visibly, rather than fail."""
    return content if len(content) <= MESSAGE_MAX else content[: MESSAGE_MAX - 1] + "…"


def representative(user: discord.abc.User) -> dict[str, str | None]:
    """The applicant's display name and avatar, as the dashboard shows them (from the interaction or
    message the bot already has: no REST call)."""
    return {"representative_name": user.display_name[:100], "representative_avatar_url": user.display_avatar.url}


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(Intake(bot))
