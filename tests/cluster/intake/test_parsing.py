"""Pure helpers: invite codes, the $partnership syntax, modal submissions."""

from __future__ import annotations

import pytest

from bus.contracts.common import ApplicationSource
from cluster.intake.dm_syntax import DmApplication, DmUsageError, is_partnership_command, parse_dm
from cluster.intake.invites import invite_code_from_url, parse_invite_code
from cluster.intake.views import modal_source, modal_values


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("https://discord.gg/abc123", "abc123"),
        ("discord.gg/abc123", "abc123"),
        ("<https://discord.gg/abc123>", "abc123"),
        ("https://discord.com/invite/cool-server", "cool-server"),
        ("http://www.discordapp.com/invite/abc123/", "abc123"),
        ("https://discord.gg/abc123?event=1", "abc123"),
        ("  abc123 ", "abc123"),
        ("1234567", "1234567"),  # numeric codes stay strings
        ("https://example.com/abc123", None),
        ("abc 123", None),
        ("", None),
        ("https://discord.gg/", None),
    ],
)
def test_invite_codes(text: str, code: str | None) -> None:
    assert parse_invite_code(text) == code


def test_only_links_count_as_invite_links() -> None:
    assert invite_code_from_url("discord.gg/abc") == "abc"
    assert invite_code_from_url("abc") is None


def test_dm_syntax() -> None:
    assert is_partnership_command("  $PARTNERSHIP x") and not is_partnership_command("$partnerships x")
    assert not is_partnership_command("hi $partnership")
    assert parse_dm("$partnership discord.gg/abc 123456789012345678 Our ad\n\n**bold**  ") == DmApplication(
        "abc", 123456789012345678, None, "Our ad\n\n**bold**"
    )
    assert parse_dm("$partnership\nabc\nhttps://discord.gg/target\nad") == DmApplication("abc", None, "target", "ad")
    assert parse_dm("$partnership abc <https://discord.gg/target>") == DmApplication("abc", None, "target", "")
    assert parse_dm("$partnership abc") == DmApplication("abc", None, None, "")  # the seed's form: asked later
    for bad in ("$partnership", "$partnership abc target", "$partnership ht!tp 123456789012345678"):
        with pytest.raises(DmUsageError):
            parse_dm(bad)


def test_modal_submissions_in_rows_or_labels() -> None:
    rows = {
        "custom_id": "partners:apply:PANEL",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "invite", "value": "abc"}]},
            {"type": 18, "component": {"type": 4, "custom_id": "advertisement", "value": "ad"}},
        ],
    }
    assert modal_values(rows) == {"invite": "abc", "advertisement": "ad"}
    assert modal_values(None) == {}
    assert modal_source("partners:apply:PANEL") is ApplicationSource.PANEL
    assert modal_source("partners:apply:MANUAL") is None and modal_source("other") is None


def test_the_seed_form_names_no_server_and_a_default_server_takes_the_words_as_the_ad() -> None:
    from cluster.intake.dm_syntax import parse_dm as parse

    seed = parse("$partnership https://discord.gg/abc123")
    assert not seed.names_target and seed.partner_invite == "abc123" and seed.advertisement == ""
    with_default = parse("$partnership abc123 Join us\nnow", default_target=True)
    assert not with_default.names_target and with_default.advertisement == "Join us\nnow"
    named = parse("$partnership abc123 123456789012345678 Join us", default_target=True)
    assert named.target_guild_id == 123456789012345678 and named.advertisement == "Join us"
