"""Who may decide an application: the same rule as the api's ``api.domain.reviewers.is_manager`` (the
cluster never imports the api). Used only to spare a non-manager a form they cannot use; the api
checks every decision again and is the authority."""

from __future__ import annotations

from collections.abc import Iterable

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5


def is_manager(is_owner: bool, permissions: int, role_ids: Iterable[int], manager_role_ids: Iterable[int]) -> bool:
    """The owner, a member with ADMINISTRATOR or MANAGE_GUILD, or one holding a manager role."""
    return (
        is_owner or bool(permissions & (ADMINISTRATOR | MANAGE_GUILD)) or not set(role_ids).isdisjoint(manager_role_ids)
    )
