"""Which dashboard permissions a Discord user has, from what Discord says about them and the
guild's settings. Pure: no I/O, so every rule is unit-tested directly.

Rules (DESIGN.md "Authentication and permissions"): the guild's owner, ADMINISTRATOR or MANAGE_GUILD
-> view + edit; a role in the guild's `managerRoleIds` -> view + edit; a role in `viewerRoleIds` -> view.
Only guilds that use the service appear; a guild where the user has none of these is left out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from ..auth import EDIT, VIEW

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5


@dataclass(frozen=True)
class UserGuild:
    """One entry of Discord's `/users/@me/guilds`: the user's standing in that guild."""

    id: int
    owner: bool = False
    permissions: int = 0


@dataclass(frozen=True)
class RoleGrants:
    """A guild's role lists from its settings (the guild uses the service)."""

    manager_role_ids: frozenset[int] = frozenset()
    viewer_role_ids: frozenset[int] = frozenset()


def manages_guild(guild: UserGuild) -> bool:
    return guild.owner or bool(guild.permissions & (ADMINISTRATOR | MANAGE_GUILD))


def needs_member_roles(guild: UserGuild, grants: RoleGrants | None) -> bool:
    """Whether the member's roles could change the outcome; the member endpoint is rate-limited hard,
    so it is only asked when they can."""
    if grants is None or manages_guild(guild):
        return False
    return bool(grants.manager_role_ids or grants.viewer_role_ids)


def compute_perms(
    guilds: Iterable[UserGuild], grants: Mapping[int, RoleGrants], member_roles: Mapping[int, Collection[int]]
) -> dict[int, list[str]]:
    """`grants` holds the guilds that use the service; `member_roles` the user's roles where asked."""
    perms: dict[int, list[str]] = {}
    for guild in guilds:
        guild_grants = grants.get(guild.id)
        if guild_grants is None:
            continue
        roles = set(member_roles.get(guild.id, ()))
        if manages_guild(guild) or roles & guild_grants.manager_role_ids:
            perms[guild.id] = [VIEW, EDIT]
        elif roles & guild_grants.viewer_role_ids:
            perms[guild.id] = [VIEW]
    return perms
