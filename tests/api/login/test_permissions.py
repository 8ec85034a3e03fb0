"""The permission rules as a pure function."""

from __future__ import annotations

import pytest

from api.auth import EDIT, VIEW
from api.login.permissions import RoleGrants, UserGuild, compute_perms, manages_guild, needs_member_roles

G = 1100000000000000001
MANAGER, VIEWER, OTHER = 11, 12, 13
ROLE_LISTS = {G: RoleGrants(frozenset({MANAGER}), frozenset({VIEWER}))}


@pytest.mark.parametrize(
    "guild, roles, expected",
    [
        (UserGuild(G, owner=True), [], [VIEW, EDIT]),
        (UserGuild(G, permissions=0x8), [], [VIEW, EDIT]),  # ADMINISTRATOR
        (UserGuild(G, permissions=0x20), [], [VIEW, EDIT]),  # MANAGE_GUILD
        (UserGuild(G, permissions=0x8 | 0x20 | 0x400), [], [VIEW, EDIT]),
        (UserGuild(G), [MANAGER], [VIEW, EDIT]),
        (UserGuild(G), [VIEWER, MANAGER], [VIEW, EDIT]),  # the stronger role wins
        (UserGuild(G), [VIEWER], [VIEW]),
        (UserGuild(G, permissions=0x10 | 0x400 | 0x10000000), [VIEWER], [VIEW]),  # manage channels/roles: not enough
        (UserGuild(G, permissions=0x400), [OTHER], None),
        (UserGuild(G), [], None),
    ],
)
def test_rules(guild, roles, expected):
    perms = compute_perms([guild], ROLE_LISTS, {G: roles})
    assert perms == ({G: expected} if expected else {})


def test_only_guilds_using_the_service_appear():
    owner_elsewhere = UserGuild(999, owner=True)
    assert compute_perms([owner_elsewhere], ROLE_LISTS, {}) == {}


def test_several_guilds_are_judged_separately():
    plain = 1100000000000000002
    grants = {**ROLE_LISTS, plain: RoleGrants()}
    guilds = [UserGuild(G), UserGuild(plain, permissions=0x20), UserGuild(3, owner=True)]
    assert compute_perms(guilds, grants, {G: [VIEWER]}) == {G: [VIEW], plain: [VIEW, EDIT]}


def test_roles_asked_only_where_they_can_matter():
    assert manages_guild(UserGuild(G, owner=True))
    assert not needs_member_roles(UserGuild(G, owner=True), ROLE_LISTS[G])  # already edit
    assert not needs_member_roles(UserGuild(G, permissions=0x8), ROLE_LISTS[G])
    assert not needs_member_roles(UserGuild(G), RoleGrants())  # no role lists configured
    assert not needs_member_roles(UserGuild(G), None)  # guild not using the service
    assert needs_member_roles(UserGuild(G), ROLE_LISTS[G])
    assert needs_member_roles(UserGuild(G), RoleGrants(viewer_role_ids=frozenset({VIEWER})))
