"""The partner contact role: ``role.grant`` / ``role.revoke``.

The role is added / removed by REST (no member cache needed). A user not in the guild -> UNKNOWN_MEMBER
for a grant (the api grants it when they join); for a revoke it is done (they do not have the role), as
is revoking a role they no longer have or a role that was deleted. A deleted role, a role above the
bot's or a missing Manage Roles also raises a rate-limited ``guild.warning`` (ROLE_MISSING,
ROLE_ABOVE_BOT, MISSING_PERMISSIONS).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import discord

from bus import Envelope, parse
from bus.contracts.commands import RoleGrant, RoleRevoke
from bus.contracts.common import GuildWarningCode
from cluster.command_handlers import CommandCog, command_handler
from cluster.discord_errors import DiscordError, is_code

if TYPE_CHECKING:
    from cluster.bot import PartnersBot


class ContactRoles(CommandCog):
    @command_handler("role.grant")
    async def on_role_grant(self, env: Envelope) -> dict[str, Any]:
        cmd: RoleGrant = parse(env)
        guild = self.guild_of(env)
        role_id, user_id = int(cmd.role_id), int(cmd.user_id)
        async with self._role_problems(guild, role_id):
            await self.bot.http.add_role(guild.id, user_id, role_id, reason="Partner contact role (partnership active)")
        return {}

    @command_handler("role.revoke")
    async def on_role_revoke(self, env: Envelope) -> dict[str, Any]:
        cmd: RoleRevoke = parse(env)
        guild = self.guild_of(env)
        role_id, user_id = int(cmd.role_id), int(cmd.user_id)
        try:
            async with self._role_problems(guild, role_id):
                await self.bot.http.remove_role(
                    guild.id, user_id, role_id, reason="Partner contact role (partnership ended)"
                )
        except discord.NotFound as exc:
            if is_code(exc, DiscordError.UNKNOWN_MEMBER, DiscordError.UNKNOWN_ROLE):
                return {}  # not in the server, or the role is gone: they do not have it
            raise
        return {}

    @contextlib.asynccontextmanager
    async def _role_problems(self, guild: discord.Guild, role_id: int) -> AsyncIterator[None]:
        try:
            yield
        except discord.HTTPException as exc:
            role = guild.get_role(role_id)
            name = f"@{role.name}" if role is not None else f"the role {role_id}"
            if is_code(exc, DiscordError.UNKNOWN_ROLE):
                await self.warnings.warn(
                    guild.id,
                    GuildWarningCode.ROLE_MISSING,
                    f"The partner contact role ({role_id}) no longer exists: choose another one in the partnership settings.",
                )
            elif exc.status == 403:
                me = guild.me
                if role is not None and me is not None and (role.managed or role >= me.top_role):
                    await self.warnings.warn(
                        guild.id,
                        GuildWarningCode.ROLE_ABOVE_BOT,
                        f"The bot cannot give or take {name}: it is above the bot's highest role (or managed by an "
                        "integration). Move the bot's role above it in Server Settings → Roles.",
                    )
                else:
                    await self.warnings.warn(
                        guild.id,
                        GuildWarningCode.MISSING_PERMISSIONS,
                        f"The bot cannot give or take {name}: give it Manage Roles.",
                    )
            raise


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(ContactRoles(bot))
