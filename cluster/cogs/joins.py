"""Invite tracking and join attribution: ``member.joined`` (with the invite it came through) and
``member.left``.

Per guild with ``track_joins`` (from ``settings.sync``):

- Snapshot: the guild's invite uses (code -> uses, ints only; see cluster.invites.snapshot), fetched
  once when tracking becomes known for the guild (the ``guild_settings_changed`` bot event; GET
  /guilds/{id}/invites, plus GET /vanity-url when the guild has a vanity code), then kept current
  from INVITE_CREATE / INVITE_DELETE without refetching. Refetched only after the shard re-identified
  (events may have been missed), when a batch needed a fetch anyway, or after a failed fetch.
- Joins: queued per guild (cluster.invites.batching); a batch closes ``window`` seconds after its first
  join (or when the previous batch is done), then ONE fetch serves the whole batch. The new uses are
  compared with the snapshot and every member of the batch gets the label the rules in
  cluster.invites.attribution give (INVITE / VANITY only when provable, else AMBIGUOUS with the
  candidates, or UNKNOWN). The fetched uses become the new snapshot.
- Uses counted by the fetch whose GUILD_MEMBER_ADD has not arrived yet: the batch waits up to
  ``settle`` seconds for those joins (no second fetch) so they are judged together with the uses.
- 403 on the invites (no MANAGE_GUILD) or on the vanity URL: one ``guild.warning``
  MISSING_MANAGE_GUILD per guild and problem (until a fetch works again), a log line, joins published
  as UNKNOWN (vanity joins as UNKNOWN when only the vanity cannot be read); no new attempt for
  ``forbidden_retry`` seconds unless the bot's roles change or the settings are re-sent, so a guild
  without the permission does not cost a failed request per join.

Guilds without ``track_joins`` (and any guild the api never configured): no fetch and no snapshot;
every join is still published at once as ``member.joined`` with join_type UNKNOWN (cheap, no REST
call), because the api grants the partner contact role to a representative who joins after approval.
``member.left`` is published for every guild, from ``on_raw_member_remove`` (no member cache, so the
non-raw event never fires).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bus import Envelope
from bus.contracts.commands import SettingsSync
from bus.contracts.common import GuildWarningCode
from bus.contracts.events import MemberJoined, MemberLeft
from cluster.guild_warnings import GuildWarnings
from cluster.invites.attribution import (
    UNKNOWN,
    Label,
    invite_rises,
    label_batch,
    uses_accounted,
    vanished_rises,
    vanity_rise,
)
from cluster.invites.batching import Batch, GuildBatches
from cluster.invites.snapshot import InviteSnapshot

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)

INVITES = "invites"
VANITY = "vanity"
WARNINGS = {
    INVITES: "The bot cannot read this server's invites (it needs the Manage Server permission), so joins "
    "cannot be attributed to partnerships: they are recorded as unknown until the permission is given.",
    VANITY: "The bot cannot read how often the vanity URL was used (it needs the Manage Server permission), "
    "so joins through the vanity URL are recorded as unknown.",
}


class Joins(commands.Cog):
    def __init__(
        self,
        bot: PartnersBot,
        *,
        window: float = 0.75,
        settle: float = 1.0,
        vanish_ttl: float = 30.0,
        forbidden_retry: float = 600.0,
        fetch_concurrency: int = 8,
    ) -> None:
        self.bot = bot
        self.snapshots: dict[int, InviteSnapshot] = {}
        self.batches: GuildBatches[discord.Member] = GuildBatches(self._process, window=window)
        self.settle = settle  # longest wait for joins whose uses a fetch already counted
        self.vanish_ttl = vanish_ttl  # an INVITE_DELETE older than this was not a used-up invite
        self.forbidden_retry = forbidden_retry
        self.invite_fetches = 0  # GET /guilds/{id}/invites calls made (for the benchmark and logs)
        self._forbidden: dict[tuple[int, str], float] = {}  # (guild, what) -> monotonic time of next try
        # one warning per guild and problem, until a fetch works again
        self.warnings = GuildWarnings(bot.bus.publish_event, every=math.inf)
        self._generation: dict[int, int] = {}  # shard -> how many times it became ready
        self._fetch_slots = asyncio.Semaphore(fetch_concurrency)
        self._snapshot_tasks: dict[int, asyncio.Task[None]] = {}

    @property
    def window(self) -> float:
        return self.batches.window

    @window.setter
    def window(self, value: float) -> None:
        self.batches.window = value

    # ---- load / unload ------------------------------------------------------------------------------------

    async def cog_unload(self) -> None:
        for task in self._snapshot_tasks.values():
            task.cancel()
        self._snapshot_tasks.clear()
        await self.batches.close()

    # ---- tracking on / off -------------------------------------------------------------------------------

    def tracking(self, guild_id: int) -> bool:
        return self.bot.configs.get(guild_id).track_joins

    @commands.Cog.listener()
    async def on_guild_settings_changed(self, guild_id: int, config: SettingsSync) -> None:
        self.settings_changed(guild_id)

    def settings_changed(self, guild_id: int) -> None:
        """After a settings.sync: take the snapshot when tracking is (still) on and none is current;
        forget everything when it is off. Re-sent settings also allow a new try after a 403."""
        if not self.tracking(guild_id):
            self._forget(guild_id)
            return
        self._forbidden.pop((guild_id, INVITES), None)
        self._forbidden.pop((guild_id, VANITY), None)
        if not self._current(self.snapshots.get(guild_id), guild_id):
            self.schedule_snapshot(guild_id)

    def schedule_snapshot(self, guild_id: int) -> None:
        task = self._snapshot_tasks.get(guild_id)
        if task is not None and not task.done():
            return
        task = asyncio.create_task(self._take_snapshot(guild_id), name=f"invite-snapshot-{guild_id}")
        self._snapshot_tasks[guild_id] = task
        task.add_done_callback(
            lambda t, g=guild_id: self._snapshot_tasks.pop(g, None) if self._snapshot_tasks.get(g) is t else None
        )

    async def _take_snapshot(self, guild_id: int) -> None:
        async with self._fetch_slots, self.batches.locked(guild_id):
            guild = self.bot.get_guild(guild_id)
            if guild is None or not self.tracking(guild_id):
                return
            if self._current(self.snapshots.get(guild_id), guild_id):
                return  # a batch refreshed it while we waited
            snap = await self._fetch(guild)
            if snap is not None:
                self.snapshots[guild_id] = snap
                log.debug("guild %s: invite snapshot of %d invites", guild_id, len(snap))

    def _current(self, snap: InviteSnapshot | None, guild_id: int) -> bool:
        return snap is not None and snap.generation == self._generation.get(self.bot.shard_of(guild_id), 0)

    def _forget(self, guild_id: int) -> None:
        self.snapshots.pop(guild_id, None)
        for what in (INVITES, VANITY):
            self._forbidden.pop((guild_id, what), None)
        self.warnings.forget(guild_id)
        task = self._snapshot_tasks.pop(guild_id, None)
        if task is not None:
            task.cancel()

    # ---- fetching ----------------------------------------------------------------------------------------

    async def _fetch(self, guild: discord.Guild) -> InviteSnapshot | None:
        """The guild's invite uses now, or None when they cannot be read (403 / Discord error)."""
        gid = guild.id
        now = time.monotonic()
        if self._forbidden.get((gid, INVITES), 0.0) > now:
            return None
        me = guild.me
        if me is not None and not me.guild_permissions.manage_guild:
            await self._missing(guild, INVITES, "Manage Server missing from the bot's roles")
            return None
        try:
            self.invite_fetches += 1
            invites = await self.bot.http.invites_from(gid)
        except discord.Forbidden as exc:
            await self._missing(guild, INVITES, f"403 {exc.text}")
            return None
        except discord.HTTPException as exc:
            log.warning(
                "guild %s: reading invites failed (%s %s); joins of this batch are UNKNOWN", gid, exc.status, exc.text
            )
            return None
        self._recovered(gid, INVITES)
        code, uses = guild.vanity_url_code, None
        if code and self._forbidden.get((gid, VANITY), 0.0) <= now:
            try:
                vanity = await self.bot.http.get_vanity_code(gid)
            except discord.Forbidden as exc:
                await self._missing(guild, VANITY, f"403 {exc.text}")
            except discord.HTTPException as exc:
                log.warning("guild %s: reading the vanity URL failed (%s %s)", gid, exc.status, exc.text)
            else:
                self._recovered(gid, VANITY)
                code, uses = vanity.get("code") or None, int(vanity.get("uses") or 0)
        generation = self._generation.get(guild.shard_id, 0)
        return InviteSnapshot.from_payloads(invites, vanity_code=code, vanity_uses=uses, generation=generation)  # type: ignore[arg-type]

    async def _missing(self, guild: discord.Guild, what: str, detail: str) -> None:
        self._forbidden[(guild.id, what)] = time.monotonic() + self.forbidden_retry
        if what == INVITES:
            self.snapshots.pop(guild.id, None)
        log.info("guild %s: cannot read %s (%s): joins are published as UNKNOWN", guild.id, what, detail)
        await self.warnings.warn(guild.id, GuildWarningCode.MISSING_MANAGE_GUILD, WARNINGS[what], about=what)

    def _recovered(self, guild_id: int, what: str) -> None:
        self._forbidden.pop((guild_id, what), None)
        if self.warnings.sent(guild_id, GuildWarningCode.MISSING_MANAGE_GUILD, about=what):
            self.warnings.resolved(guild_id, GuildWarningCode.MISSING_MANAGE_GUILD, about=what)
            log.info("guild %s: %s readable again", guild_id, what)

    # ---- joins -------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if self.tracking(member.guild.id):
            self.batches.add(member.guild.id, member)
        else:
            await self._publish_join(member, UNKNOWN)

    async def _process(self, guild_id: int, batch: Batch[discord.Member]) -> None:
        """One batch (under the guild's lock): one fetch, then a label for each join."""
        guild = self.bot.get_guild(guild_id)
        labels: list[Label] | None = None
        if guild is not None and self.tracking(guild_id):
            labels = await self._attribute(guild, batch)
        for member, label in zip(batch.items, labels or [UNKNOWN] * len(batch.items), strict=True):
            await self._publish_join(member, label)

    async def _attribute(self, guild: discord.Guild, batch: Batch[discord.Member]) -> list[Label] | None:
        before = self.snapshots.get(guild.id)
        after = await self._fetch(guild)
        if after is None:
            # What rose during this batch is unknowable now: start from a fresh baseline next time.
            self.snapshots.pop(guild.id, None)
            return None
        self.snapshots[guild.id] = after
        if before is None or before.generation != after.generation:
            return None  # this fetch is the baseline: nothing to compare with
        rises = invite_rises(before.uses, after.uses)
        rises.update(
            vanished_rises(
                before.uses,
                after.uses,
                before.limited,
                now=time.time(),
                deleted_at=before.deleted,
                recent_since=time.monotonic() - self.vanish_ttl,
            )
        )
        vrise = vanity_rise(before.vanity_code, before.vanity_uses, after.vanity_code, after.vanity_uses)
        accounted = uses_accounted(rises, vrise)
        if self.settle > 0 and accounted > _humans(batch.items):
            await batch.absorb(lambda items: _humans(items) < accounted, self.settle)
        return label_batch([m.bot for m in batch.items], rises, vanity_code=after.vanity_code, vanity_rise=vrise)

    async def _publish_join(self, member: discord.Member, label: Label) -> None:
        body = MemberJoined(
            user_id=str(member.id),
            invite_code=label.invite_code,
            join_type=label.join_type,
            candidates=list(label.candidates),
            joined_at=member.joined_at or datetime.now(UTC),
            account_created_at=member.created_at,
            bot=member.bot,
        )
        await self._publish(Envelope.new("member.joined", member.guild.id, body))
        self.bot.metrics.join_attributed(label.join_type)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        body = MemberLeft(user_id=str(payload.user.id), left_at=datetime.now(UTC))
        await self._publish(Envelope.new("member.left", payload.guild_id, body))

    async def _publish(self, env: Envelope) -> None:
        try:
            await self.bot.bus.publish_event(env)
        except Exception:
            log.exception("guild %s: publishing %s failed", env.guild_id, env.type)

    # ---- keeping the snapshot current -----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_invite_create(self, invite: discord.Invite) -> None:
        snap = self.snapshots.get(invite.guild.id) if invite.guild is not None else None
        if snap is not None:
            snap.put(invite.code, invite.uses or 0, invite.max_uses or 0, invite.expires_at)

    @commands.Cog.listener()
    async def on_invite_delete(self, invite: discord.Invite) -> None:
        snap = self.snapshots.get(invite.guild.id) if invite.guild is not None else None
        if snap is not None:
            snap.remove(invite.code, now=time.monotonic())

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        snap = self.snapshots.get(after.id)
        if snap is not None and before.vanity_url_code != after.vanity_url_code:
            snap.vanity_code, snap.vanity_uses = after.vanity_url_code, None  # read again at the next fetch

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A (re-)identified shard may have missed invite events: its snapshots are no baseline any
        more. Take them again now (the api also re-sends the settings after shard.ready)."""
        self._generation[shard_id] = self._generation.get(shard_id, 0) + 1
        for guild_id in [g for g in self.snapshots if self.bot.shard_of(g) == shard_id]:
            if self.tracking(guild_id):
                self.schedule_snapshot(guild_id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if self.tracking(guild.id):
            self.schedule_snapshot(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self._forget(guild.id)
        self.batches.forget(guild.id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        if before.permissions != after.permissions:
            self._permissions_changed(after.guild)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if self.bot.user is not None and after.id == self.bot.user.id and before.roles != after.roles:
            self._permissions_changed(after.guild)

    def _permissions_changed(self, guild: discord.Guild) -> None:
        """The bot may have been given Manage Server: try again now instead of after the back-off."""
        if (guild.id, INVITES) in self._forbidden or (guild.id, VANITY) in self._forbidden:
            self._forbidden.pop((guild.id, INVITES), None)
            self._forbidden.pop((guild.id, VANITY), None)
            if self.tracking(guild.id):
                self.schedule_snapshot(guild.id)


def _humans(members: list[discord.Member]) -> int:
    return sum(1 for m in members if not m.bot)


async def setup(bot) -> None:
    await bot.add_cog(Joins(bot))
