"""Checking a partner's own invite: ``partner.check``.

Resolves ``invite_code`` (``GET /invites/{code}?with_counts=true``) and answers what Discord says:
``{resolved: true, guild_id, name, icon_url, member_count}``, or ``{resolved: false, ...null}`` when the
invite is unknown, expired or not a server's. The api decides what that means (``api.domain.health``):
it compares ``guild_id`` with the partner server it knows. Discord failing to answer (5xx, rate
limits) is raised, so the bus redelivers the command.

One command for every check (the recurring health check, checkPartnershipHealth, a manual partner just
created or with an edited invite), run on the background path (``cluster.background_work``): after
user-facing commands, within the node's CHECK_REQUESTS_PER_SECOND.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bus import Envelope, parse
from bus.contracts.commands import PartnerCheck
from cluster.command_handlers import CommandCog, command_handler
from cluster.intake.invites import InviteError, InviteProblem, resolve_invite

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

NOT_RESOLVED: dict[str, Any] = {
    "resolved": False,
    "guild_id": None,
    "name": None,
    "icon_url": None,
    "member_count": None,
}


class TransientInviteError(RuntimeError):
    """Discord did not answer about the invite: left for redelivery."""


class PartnerChecks(CommandCog):
    @command_handler("partner.check")
    async def check_partner(self, env: Envelope) -> dict[str, Any]:
        cmd: PartnerCheck = parse(env)
        async with self.bot.background_work.background():  # the one Discord request, when it is our turn
            try:
                server = await resolve_invite(self.bot, cmd.invite_code)
            except InviteError as exc:
                if exc.problem is InviteProblem.UNAVAILABLE:
                    raise TransientInviteError(f"Discord did not answer about invite {cmd.invite_code!r}") from exc
                return dict(NOT_RESOLVED)
        return {
            "resolved": True,
            "guild_id": str(server.id),
            "name": server.name,
            "icon_url": server.icon_url,
            "member_count": server.member_count,
        }


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(PartnerChecks(bot))
