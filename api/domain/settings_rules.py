"""Validation of a settings update: ranges, ids, and the channels a mode needs."""

from __future__ import annotations

import dataclasses
from typing import Any

from . import text
from .enums import ApplicationMode, ApprovalFlow, ChannelMode, ReviewStyle
from .errors import ErrorCode, RuleViolation, ValidationErrors
from .models import ACTIVE_HARD_MAX, GuildSettings
from .snowflake import parse_snowflake

# field name (snake_case) -> (min, max) for integer settings
INT_RANGES: dict[str, tuple[int, int]] = {
    "min_partner_member_count": (0, 10_000_000),
    "application_cooldown_hours": (0, 24 * 365),
    "max_active": (0, ACTIVE_HARD_MAX),
    "bump_interval_days": (1, 365),
    "confirm_hours": (1, 720),
    "health_grace_hours": (0, 720),
    "stale_queue_hours": (0, 720),
    "fake_join_seconds": (0, 7 * 24 * 3600),
    "min_account_age_days": (0, 365),
}
ENUM_FIELDS = {
    "application_mode": ApplicationMode,
    "channel_mode": ChannelMode,
    "approval_flow": ApprovalFlow,
    "review_style": ReviewStyle,
}
BOOL_FIELDS = ("track_joins", "health_checks", "auto_end_unhealthy", "mutual_partnerships")
ID_FIELDS = (
    "showcase_channel_id",
    "showcase_category_id",
    "showcase_forum_id",
    "review_channel_id",
    "review_ping_role_id",
    "ticket_channel_id",
    "partner_contact_role_id",
    "log_channel_id",
)
ROLE_LIST_FIELDS = ("manager_role_ids", "viewer_role_ids")
MAX_ROLES = 25
NON_NULLABLE = (*ENUM_FIELDS, *INT_RANGES, *BOOL_FIELDS, *ROLE_LIST_FIELDS)

# The channel each mode needs, checked when the mode or that channel changes (so a guild can
# still change unrelated settings before it has configured a showcase).
CHANNEL_MODE_NEEDS = {
    ChannelMode.SINGLE_CHANNEL: "showcase_channel_id",
    ChannelMode.CHANNEL_PER_PARTNER: "showcase_category_id",
    ChannelMode.FORUM_PER_PARTNER: "showcase_forum_id",
}
APPLICATION_MODE_NEEDS = {ApplicationMode.TICKET: "ticket_channel_id"}


def plain_settings(settings: GuildSettings) -> dict[str, Any]:
    """The settings as plain values (ids as strings, enums by value), as stored and audited."""
    plain: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if f.name in ID_FIELDS:
            value = None if value is None else str(value)
        elif f.name in ROLE_LIST_FIELDS:
            value = [str(v) for v in value]
        elif f.name in ENUM_FIELDS:
            value = value.value
        plain[f.name] = value
    return plain


def settings_diff(old: GuildSettings, new: GuildSettings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the fields that changed, camelCase keys as the API names them (the audit log)."""
    before, after = plain_settings(old), plain_settings(new)
    changed = [k for k in after if after[k] != before[k]]
    return {camel(k): before[k] for k in changed}, {camel(k): after[k] for k in changed}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def apply_settings_patch(current: GuildSettings, patch: dict[str, Any]) -> GuildSettings:
    """Returns the settings after `patch` (snake_case keys, only the fields the caller sent).

    Raises ValidationErrors listing every problem, each with the camelCase input path.
    """
    problems: list[RuleViolation] = []
    values: dict[str, Any] = {}
    known = {f.name for f in dataclasses.fields(GuildSettings)}
    for name, value in patch.items():
        path = ("input", camel(name))
        if name not in known:
            problems.append(RuleViolation(ErrorCode.VALIDATION, f"Unknown setting {name!r}.", path))
            continue
        if value is None and name in NON_NULLABLE:
            problems.append(RuleViolation(ErrorCode.VALIDATION, f"{camel(name)} cannot be null.", path))
            continue
        try:
            values[name] = _coerce(name, value, path)
        except RuleViolation as violation:
            problems.append(violation)
    if problems:
        raise ValidationErrors(problems)

    updated = dataclasses.replace(current, **values)
    problems.extend(_mode_requirements(updated, set(values)))
    if problems:
        raise ValidationErrors(problems)
    return updated


def _coerce(name: str, value: Any, path: tuple[str, ...]) -> Any:
    """Each value checked for its type too: the domain may be called with raw input, not only GraphQL's."""
    if name in ENUM_FIELDS:
        enum = ENUM_FIELDS[name]
        try:
            return enum(value)
        except ValueError:
            choices = ", ".join(member.value for member in enum)
            raise RuleViolation(ErrorCode.VALIDATION, f"{camel(name)} must be one of {choices}.", path) from None
    if name in INT_RANGES:
        low, high = INT_RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise RuleViolation(ErrorCode.VALIDATION, f"{camel(name)} must be between {low} and {high}.", path)
        return value
    if name in ID_FIELDS:
        return None if value is None else parse_snowflake(value, path)
    if name in ROLE_LIST_FIELDS:
        if not isinstance(value, list | tuple):
            raise RuleViolation(ErrorCode.VALIDATION, f"{camel(name)} must be a list of role ids.", path)
        ids = [parse_snowflake(item, (*path, str(index))) for index, item in enumerate(value)]
        if len(set(ids)) > MAX_ROLES:
            raise RuleViolation(ErrorCode.VALIDATION, f"At most {MAX_ROLES} roles.", path)
        return tuple(dict.fromkeys(ids))
    if name in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise RuleViolation(ErrorCode.VALIDATION, f"{camel(name)} must be true or false.", path)
        return value
    if name == "advertisement":
        if value is not None and not isinstance(value, str):
            raise RuleViolation(ErrorCode.VALIDATION, "advertisement must be text.", path)
        return None if value is None or not value.strip() else text.advertisement(value, path)
    raise AssertionError(name)  # every known field is handled above


def _mode_requirements(settings: GuildSettings, changed: set[str]) -> list[RuleViolation]:
    problems = []
    needed = CHANNEL_MODE_NEEDS[settings.channel_mode]
    if ({"channel_mode", needed} & changed) and getattr(settings, needed) is None:
        problems.append(
            RuleViolation(
                ErrorCode.VALIDATION,
                f"Channel mode {settings.channel_mode} needs {camel(needed)}.",
                ("input", camel(needed)),
            )
        )
    ticket_needed = APPLICATION_MODE_NEEDS.get(settings.application_mode)
    if ticket_needed and ({"application_mode", ticket_needed} & changed) and getattr(settings, ticket_needed) is None:
        problems.append(
            RuleViolation(
                ErrorCode.VALIDATION,
                f"Application mode {settings.application_mode} needs {camel(ticket_needed)}.",
                ("input", camel(ticket_needed)),
            )
        )
    return problems
