"""A settings update: ranges, ids, role lists, and the channels each mode needs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.enums import ApplicationMode, ApprovalFlow, ChannelMode, ReviewStyle
from api.domain.errors import ErrorCode, ValidationErrors
from api.domain.models import GuildSettings
from api.domain.settings_rules import apply_settings_patch

from .builders import PROPERTY, SHOWCASE_CATEGORY, SHOWCASE_CHANNEL, SHOWCASE_FORUM, TICKET_CHANNEL

DEFAULTS = GuildSettings()


def problems(current: GuildSettings, patch: dict) -> list[tuple[ErrorCode, tuple[str, ...], str]]:
    """The violations of a refused patch, and proof that the caller's settings did not move."""
    before = replace(current)
    with pytest.raises(ValidationErrors) as caught:
        apply_settings_patch(current, patch)
    assert current == before
    violations = caught.value.violations
    assert str(caught.value) == "; ".join(v.message for v in violations)
    return [(v.code, v.field, v.message) for v in violations]


def invalid(camel: str, message: str) -> tuple[ErrorCode, tuple[str, ...], str]:
    return (ErrorCode.VALIDATION, ("input", camel), message)


# --- defaults and active_max -------------------------------------------------------------------------


def test_defaults_match_the_design():
    assert DEFAULTS.application_mode == ApplicationMode.SLASH
    assert DEFAULTS.channel_mode == ChannelMode.SINGLE_CHANNEL
    assert DEFAULTS.application_cooldown_hours == 24
    assert DEFAULTS.min_partner_member_count == 0
    assert DEFAULTS.max_active == 0
    assert DEFAULTS.track_joins is False


def test_round_two_defaults_match_the_contract():
    assert DEFAULTS.approval_flow == ApprovalFlow.DIRECT
    assert DEFAULTS.review_style == ReviewStyle.REACTIONS
    assert (DEFAULTS.confirm_hours, DEFAULTS.health_grace_hours, DEFAULTS.stale_queue_hours) == (72, 72, 48)
    assert DEFAULTS.health_checks is True and DEFAULTS.mutual_partnerships is True
    assert DEFAULTS.auto_end_unhealthy is False and DEFAULTS.log_channel_id is None


def test_staff_are_told_in_the_log_channel_or_else_the_review_channel():
    assert GuildSettings(review_channel_id=5).log_target_id == 5
    assert GuildSettings(review_channel_id=5, log_channel_id=6).log_target_id == 6
    assert GuildSettings().log_target_id is None


@pytest.mark.parametrize(
    ("name", "camel", "value", "expected"),
    [
        ("approval_flow", "approvalFlow", "CONFIRM", ApprovalFlow.CONFIRM),
        ("review_style", "reviewStyle", "BUTTONS", ReviewStyle.BUTTONS),
        ("health_checks", "healthChecks", False, False),
        ("auto_end_unhealthy", "autoEndUnhealthy", True, True),
        ("mutual_partnerships", "mutualPartnerships", False, False),
        ("log_channel_id", "logChannelId", "123", 123),
    ],
)
def test_round_two_settings_are_parsed(name, camel, value, expected):
    assert getattr(apply_settings_patch(DEFAULTS, {name: value}), name) == expected


@pytest.mark.parametrize(
    ("name", "camel", "value", "message"),
    [
        ("approval_flow", "approvalFlow", "LATER", "approvalFlow must be one of DIRECT, CONFIRM."),
        ("review_style", "reviewStyle", "EMOJI", "reviewStyle must be one of REACTIONS, BUTTONS."),
        ("health_checks", "healthChecks", "yes", "healthChecks must be true or false."),
        ("mutual_partnerships", "mutualPartnerships", None, "mutualPartnerships cannot be null."),
        ("approval_flow", "approvalFlow", None, "approvalFlow cannot be null."),
    ],
)
def test_bad_round_two_values_are_refused_on_their_field(name, camel, value, message):
    assert problems(DEFAULTS, {name: value}) == [invalid(camel, message)]


@pytest.mark.parametrize(("max_active", "active_max"), [(0, 100), (1, 1), (3, 3), (99, 99), (100, 100), (250, 100)])
def test_active_max_is_max_active_capped_at_100_and_0_means_100(max_active, active_max):
    assert GuildSettings(max_active=max_active).active_max == active_max


@pytest.mark.parametrize(
    ("mode", "target"),
    [
        (ChannelMode.SINGLE_CHANNEL, SHOWCASE_CHANNEL),
        (ChannelMode.CHANNEL_PER_PARTNER, SHOWCASE_CATEGORY),
        (ChannelMode.FORUM_PER_PARTNER, SHOWCASE_FORUM),
    ],
)
def test_showcase_target_is_the_channel_of_the_current_mode(mode, target):
    settings = GuildSettings(
        channel_mode=mode,
        showcase_channel_id=SHOWCASE_CHANNEL,
        showcase_category_id=SHOWCASE_CATEGORY,
        showcase_forum_id=SHOWCASE_FORUM,
    )
    assert settings.showcase_target_id == target
    assert GuildSettings(channel_mode=mode).showcase_target_id is None


# --- integer ranges ------------------------------------------------------------------------------------

RANGES = [
    ("min_partner_member_count", "minPartnerMemberCount", 0, 10_000_000),
    ("application_cooldown_hours", "applicationCooldownHours", 0, 8760),
    ("max_active", "maxActive", 0, 100),
    ("bump_interval_days", "bumpIntervalDays", 1, 365),
    ("confirm_hours", "confirmHours", 1, 720),
    ("health_grace_hours", "healthGraceHours", 0, 720),
    ("stale_queue_hours", "staleQueueHours", 0, 720),
]


@pytest.mark.parametrize(("name", "camel", "low", "high"), RANGES)
def test_integer_range_ends_are_accepted(name, camel, low, high):
    for value in (low, high):
        updated = apply_settings_patch(DEFAULTS, {name: value})
        assert getattr(updated, name) == value
        assert updated == replace(DEFAULTS, **{name: value})


@pytest.mark.parametrize(("name", "camel", "low", "high"), RANGES)
def test_one_beyond_either_end_is_refused(name, camel, low, high):
    for value in (low - 1, high + 1):
        assert problems(DEFAULTS, {name: value}) == [invalid(camel, f"{camel} must be between {low} and {high}.")]


@pytest.mark.parametrize(("name", "camel", "low", "high"), RANGES)
@pytest.mark.parametrize("value", [True, False, "5", "", 5.0, [5]])
def test_non_integers_are_refused_for_integer_settings(name, camel, low, high, value):
    assert problems(DEFAULTS, {name: value}) == [invalid(camel, f"{camel} must be between {low} and {high}.")]


@pytest.mark.parametrize(
    ("name", "camel"),
    [
        ("application_mode", "applicationMode"),
        ("channel_mode", "channelMode"),
        ("min_partner_member_count", "minPartnerMemberCount"),
        ("application_cooldown_hours", "applicationCooldownHours"),
        ("max_active", "maxActive"),
        ("bump_interval_days", "bumpIntervalDays"),
        ("track_joins", "trackJoins"),
        ("manager_role_ids", "managerRoleIds"),
        ("viewer_role_ids", "viewerRoleIds"),
    ],
)
def test_null_is_refused_for_non_nullable_settings(name, camel):
    assert problems(DEFAULTS, {name: None}) == [invalid(camel, f"{camel} cannot be null.")]


@PROPERTY
@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_max_active_is_accepted_exactly_within_0_to_100(value):
    if 0 <= value <= 100:
        assert apply_settings_patch(DEFAULTS, {"max_active": value}).max_active == value
    else:
        assert problems(DEFAULTS, {"max_active": value}) == [
            invalid("maxActive", "maxActive must be between 0 and 100.")
        ]


# --- ids, role lists, other fields ---------------------------------------------------------------------


def test_ids_arrive_as_strings_and_are_stored_as_integers():
    updated = apply_settings_patch(
        DEFAULTS,
        {
            "showcase_channel_id": str(SHOWCASE_CHANNEL),
            "review_channel_id": "1600000000000000010",
            "review_ping_role_id": "1600000000000000011",
            "partner_contact_role_id": 1600000000000000012,
        },
    )
    assert updated.showcase_channel_id == SHOWCASE_CHANNEL
    assert updated.review_channel_id == 1600000000000000010
    assert updated.review_ping_role_id == 1600000000000000011
    assert updated.partner_contact_role_id == 1600000000000000012


def test_an_optional_id_can_be_cleared():
    current = GuildSettings(review_channel_id=1600000000000000010, partner_contact_role_id=1600000000000000012)
    updated = apply_settings_patch(current, {"review_channel_id": None, "partner_contact_role_id": None})
    assert updated.review_channel_id is None
    assert updated.partner_contact_role_id is None


@pytest.mark.parametrize("value", ["abc", "0", "-5", True, "1" * 21])
def test_a_bad_id_is_refused_on_its_field(value):
    [(code, field, _message)] = problems(DEFAULTS, {"review_channel_id": value})
    assert (code, field) == (ErrorCode.VALIDATION, ("input", "reviewChannelId"))


def test_role_ids_are_parsed_and_deduplicated_in_order():
    updated = apply_settings_patch(DEFAULTS, {"manager_role_ids": ["30", "10", "30", 20, "10"], "viewer_role_ids": []})
    assert updated.manager_role_ids == (30, 10, 20)
    assert updated.viewer_role_ids == ()


def test_25_distinct_roles_are_accepted_even_with_repeats():
    roles = [str(1000 + i) for i in range(25)]
    updated = apply_settings_patch(DEFAULTS, {"viewer_role_ids": roles + roles[:10]})
    assert updated.viewer_role_ids == tuple(1000 + i for i in range(25))


def test_26_distinct_roles_are_refused():
    roles = [str(1000 + i) for i in range(26)]
    assert problems(DEFAULTS, {"manager_role_ids": roles}) == [invalid("managerRoleIds", "At most 25 roles.")]


def test_a_bad_role_id_is_refused_with_its_index():
    [(code, field, message)] = problems(DEFAULTS, {"viewer_role_ids": ["1000", "nope"]})
    assert (code, field, message) == (
        ErrorCode.VALIDATION,
        ("input", "viewerRoleIds", "1"),
        "'nope' is not a Discord id.",
    )


def test_track_joins_and_modes():
    updated = apply_settings_patch(
        GuildSettings(showcase_forum_id=SHOWCASE_FORUM),
        {"track_joins": True, "channel_mode": "FORUM_PER_PARTNER", "application_mode": ApplicationMode.MANUAL},
    )
    assert updated.track_joins is True
    assert updated.channel_mode is ChannelMode.FORUM_PER_PARTNER
    assert updated.application_mode is ApplicationMode.MANUAL
    assert apply_settings_patch(updated, {"track_joins": False}).track_joins is False


def test_our_advertisement_is_cleaned_and_blank_clears_it():
    updated = apply_settings_patch(DEFAULTS, {"advertisement": "  Our ad\u200b\r\nwith a line  "})
    assert updated.advertisement == "Our ad\nwith a line"
    assert apply_settings_patch(updated, {"advertisement": "   "}).advertisement is None
    assert apply_settings_patch(updated, {"advertisement": None}).advertisement is None
    assert apply_settings_patch(DEFAULTS, {"advertisement": "a" * 2000}).advertisement == "a" * 2000


def test_our_advertisement_over_2000_characters_is_refused():
    assert problems(DEFAULTS, {"advertisement": "a" * 2001}) == [
        invalid("advertisement", "The advertisement is 2001 characters; the limit is 2000.")
    ]


def test_an_unknown_setting_is_refused():
    assert problems(DEFAULTS, {"max_actives": 3}) == [invalid("maxActives", "Unknown setting 'max_actives'.")]


def test_an_empty_patch_changes_nothing():
    current = GuildSettings(max_active=5, showcase_channel_id=SHOWCASE_CHANNEL)
    assert apply_settings_patch(current, {}) == current


def test_a_valid_patch_changes_only_what_it_names():
    current = GuildSettings(max_active=5, showcase_channel_id=SHOWCASE_CHANNEL, track_joins=True)
    updated = apply_settings_patch(current, {"max_active": 7, "bump_interval_days": 3})
    assert updated == replace(current, max_active=7, bump_interval_days=3)
    assert current.max_active == 5  # the caller's object is untouched


def test_several_problems_are_reported_together_in_patch_order():
    current = GuildSettings(max_active=5)
    assert problems(
        current,
        {
            "max_active": 101,
            "track_joins": True,
            "bump_interval_days": 0,
            "colour": "blue",
            "channel_mode": None,
            "showcase_channel_id": "abc",
            "manager_role_ids": [str(i) for i in range(1, 27)],
        },
    ) == [
        invalid("maxActive", "maxActive must be between 0 and 100."),
        invalid("bumpIntervalDays", "bumpIntervalDays must be between 1 and 365."),
        invalid("colour", "Unknown setting 'colour'."),
        invalid("channelMode", "channelMode cannot be null."),
        invalid("showcaseChannelId", "'abc' is not a Discord id."),
        invalid("managerRoleIds", "At most 25 roles."),
    ]


# --- the channels a mode needs ---------------------------------------------------------------------------


def test_forum_mode_without_a_forum_is_refused():
    assert problems(DEFAULTS, {"channel_mode": "FORUM_PER_PARTNER"}) == [
        invalid("showcaseForumId", "Channel mode FORUM_PER_PARTNER needs showcaseForumId.")
    ]


def test_forum_mode_with_a_forum_in_the_same_patch_is_accepted():
    updated = apply_settings_patch(
        DEFAULTS, {"channel_mode": "FORUM_PER_PARTNER", "showcase_forum_id": str(SHOWCASE_FORUM)}
    )
    assert (updated.channel_mode, updated.showcase_forum_id) == (ChannelMode.FORUM_PER_PARTNER, SHOWCASE_FORUM)
    assert updated.showcase_target_id == SHOWCASE_FORUM


def test_forum_mode_with_a_forum_already_stored_is_accepted():
    current = GuildSettings(showcase_forum_id=SHOWCASE_FORUM)
    assert apply_settings_patch(current, {"channel_mode": "FORUM_PER_PARTNER"}).showcase_target_id == SHOWCASE_FORUM


def test_a_channel_of_another_mode_does_not_satisfy_the_new_mode():
    current = GuildSettings(showcase_channel_id=SHOWCASE_CHANNEL, showcase_forum_id=SHOWCASE_FORUM)
    assert problems(current, {"channel_mode": "CHANNEL_PER_PARTNER"}) == [
        invalid("showcaseCategoryId", "Channel mode CHANNEL_PER_PARTNER needs showcaseCategoryId.")
    ]


def test_channel_per_partner_with_a_category_is_accepted():
    updated = apply_settings_patch(
        DEFAULTS, {"channel_mode": "CHANNEL_PER_PARTNER", "showcase_category_id": str(SHOWCASE_CATEGORY)}
    )
    assert updated.showcase_target_id == SHOWCASE_CATEGORY


def test_single_channel_named_in_the_patch_needs_its_channel():
    assert problems(DEFAULTS, {"channel_mode": "SINGLE_CHANNEL"}) == [
        invalid("showcaseChannelId", "Channel mode SINGLE_CHANNEL needs showcaseChannelId.")
    ]
    assert problems(DEFAULTS, {"showcase_channel_id": None}) == [
        invalid("showcaseChannelId", "Channel mode SINGLE_CHANNEL needs showcaseChannelId.")
    ]
    assert apply_settings_patch(DEFAULTS, {"showcase_channel_id": str(SHOWCASE_CHANNEL)}).showcase_target_id == (
        SHOWCASE_CHANNEL
    )


@pytest.mark.parametrize(
    "patch",
    [
        {"min_partner_member_count": 100},
        {"max_active": 3, "bump_interval_days": 14},
        {"review_channel_id": "1600000000000000010", "track_joins": True},
        {"showcase_forum_id": None, "showcase_category_id": None},
    ],
)
def test_unrelated_changes_pass_before_any_showcase_is_configured(patch):
    updated = apply_settings_patch(DEFAULTS, patch)
    assert updated.showcase_channel_id is None
    assert updated.channel_mode == ChannelMode.SINGLE_CHANNEL


@pytest.mark.parametrize(
    ("current", "patch", "camel"),
    [
        (GuildSettings(showcase_channel_id=SHOWCASE_CHANNEL), {"showcase_channel_id": None}, "showcaseChannelId"),
        (
            GuildSettings(channel_mode=ChannelMode.CHANNEL_PER_PARTNER, showcase_category_id=SHOWCASE_CATEGORY),
            {"showcase_category_id": None},
            "showcaseCategoryId",
        ),
        (
            GuildSettings(channel_mode=ChannelMode.FORUM_PER_PARTNER, showcase_forum_id=SHOWCASE_FORUM),
            {"showcase_forum_id": None},
            "showcaseForumId",
        ),
    ],
)
def test_clearing_the_channel_the_current_mode_needs_is_refused(current, patch, camel):
    [(code, field, message)] = problems(current, patch)
    assert (code, field) == (ErrorCode.VALIDATION, ("input", camel))
    assert message == f"Channel mode {current.channel_mode} needs {camel}."


def test_clearing_a_channel_another_mode_would_need_is_accepted():
    current = GuildSettings(
        channel_mode=ChannelMode.FORUM_PER_PARTNER,
        showcase_forum_id=SHOWCASE_FORUM,
        showcase_channel_id=SHOWCASE_CHANNEL,
    )
    assert apply_settings_patch(current, {"showcase_channel_id": None}).showcase_channel_id is None


def test_ticket_mode_needs_a_ticket_channel():
    assert problems(DEFAULTS, {"application_mode": "TICKET"}) == [
        invalid("ticketChannelId", "Application mode TICKET needs ticketChannelId.")
    ]
    updated = apply_settings_patch(DEFAULTS, {"application_mode": "TICKET", "ticket_channel_id": str(TICKET_CHANNEL)})
    assert (updated.application_mode, updated.ticket_channel_id) == (ApplicationMode.TICKET, TICKET_CHANNEL)
    assert problems(updated, {"ticket_channel_id": None}) == [
        invalid("ticketChannelId", "Application mode TICKET needs ticketChannelId.")
    ]


@pytest.mark.parametrize("mode", ["SLASH", "MANUAL"])
def test_other_application_modes_need_no_ticket_channel(mode):
    assert apply_settings_patch(DEFAULTS, {"application_mode": mode}).application_mode == mode


def test_both_mode_requirements_are_reported_together():
    assert problems(DEFAULTS, {"channel_mode": "FORUM_PER_PARTNER", "application_mode": "TICKET"}) == [
        invalid("showcaseForumId", "Channel mode FORUM_PER_PARTNER needs showcaseForumId."),
        invalid("ticketChannelId", "Application mode TICKET needs ticketChannelId."),
    ]


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"application_mode": "BOGUS"}, "applicationMode"),
        ({"channel_mode": 3}, "channelMode"),
        ({"track_joins": "false"}, "trackJoins"),
        ({"manager_role_ids": "123"}, "managerRoleIds"),
        ({"advertisement": 42}, "advertisement"),
    ],
)
def test_raw_values_of_the_wrong_type_are_validation_errors(patch, field):
    with pytest.raises(ValidationErrors) as raised:
        apply_settings_patch(GuildSettings(), patch)
    assert [v.field for v in raised.value.violations] == [("input", field)]
