"""Asks Discord who the user is and where they stand, and turns that into token permissions."""

from __future__ import annotations

import asyncio

from ..store.bot_guilds import BotGuildRepository
from ..store.ledgers import LedgerRepository
from ..store.people import PeopleRepository, Person
from .discord import DiscordClient
from .permissions import RoleGrants, compute_perms, needs_member_roles

_MEMBER_CONCURRENCY = 4  # the member endpoint is rate-limited per user; a few at a time stays under it


async def resolve_perms(
    discord: DiscordClient,
    access_token: str,
    ledgers: LedgerRepository,
    bot_guilds: BotGuildRepository | None = None,
    people: PeopleRepository | None = None,
) -> tuple[int, dict[int, list[str]]]:
    """(user id, perms). Raises DiscordRefused / DiscordUnavailable. With `people`, the user's display
    name and avatar are kept (the dashboard's "Signed in as", the audit log's actor names)."""
    me = await discord.me(access_token)
    user_id = me.id
    if people is not None and me.name:
        await people.remember(Person(user_id, me.name, me.avatar_url))
    guilds = await discord.guilds(access_token)
    ledgers_by_id = await ledgers.load_many([g.id for g in guilds]) if guilds else {}
    # A guild uses the service once the bot is in it (reported by the cluster) or it has a ledger
    # document (version 0 = none stored); before any settings exist only its managers get in.
    present = await bot_guilds.present([g.id for g in guilds]) if bot_guilds is not None and guilds else set()
    grants = {
        guild_id: RoleGrants(frozenset(ledger.settings.manager_role_ids), frozenset(ledger.settings.viewer_role_ids))
        for guild_id, ledger in ledgers_by_id.items()
        if ledger.version > 0 or guild_id in present
    }
    wanted = [g.id for g in guilds if needs_member_roles(g, grants.get(g.id))]
    limit = asyncio.Semaphore(_MEMBER_CONCURRENCY)

    async def roles_in(guild_id: int) -> frozenset[int]:
        async with limit:
            return await discord.member_roles(access_token, guild_id)

    roles = await asyncio.gather(*(roles_in(g) for g in wanted))
    return user_id, compute_perms(guilds, grants, dict(zip(wanted, roles, strict=True)))
