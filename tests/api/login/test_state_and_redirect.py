"""The signed state cookie and the redirect-path filter, as units."""

from __future__ import annotations

import pytest

from api.login.errors import LoginError
from api.login.redirects import safe_redirect
from api.login.state import STATE_SECONDS, StateSigner

SECRET = b"unit-secret-0123456789abcdef0123456789"


def test_state_round_trip_and_uniqueness():
    signer = StateSigner(SECRET)
    first, cookie = signer.start("/guilds/1?tab=queue")
    second, _ = signer.start("/")
    assert first.state != second.state and len(first.state) >= 32
    assert signer.verify(cookie, first.state) == first
    assert first.redirect == "/guilds/1?tab=queue"


@pytest.mark.parametrize("case", ["missing", "other_state", "no_state", "tampered", "other_key", "expired", "garbage"])
def test_state_refusals(case):
    signer = StateSigner(SECRET)
    login, cookie = signer.start("/", now=1_000_000)
    now = 1_000_000 + 1
    cookie_arg, state_arg = cookie, login.state
    if case == "missing":
        cookie_arg = None
    elif case == "other_state":
        state_arg = signer.start("/")[0].state
    elif case == "no_state":
        state_arg = None
    elif case == "tampered":  # the payload swapped for one naming another redirect, signature kept
        other_payload = signer.start("https://evil.example")[1].split(".")[0]
        cookie_arg = other_payload + "." + cookie.split(".")[1]
    elif case == "other_key":
        cookie_arg = StateSigner(b"another-secret-0123456789abcdef012345").start("/", now=1_000_000)[1]
    elif case == "expired":
        now = 1_000_000 + STATE_SECONDS + 1
    elif case == "garbage":
        cookie_arg = "not-a-cookie"
    with pytest.raises(LoginError) as refused:
        signer.verify(cookie_arg, state_arg, now=now)
    assert refused.value.status == 400 and refused.value.code == "invalid_state"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/dashboard", "/dashboard"),
        ("/guilds/1?tab=queue", "/guilds/1?tab=queue"),
        ("/a#fragment", "/a"),  # the fragment carries the token
        (None, "/"),
        ("", "/"),
        ("dashboard", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/" + "a" * 600, "/"),
    ],
)
def test_only_relative_paths_are_honoured(value, expected):
    assert safe_redirect(value) == expected
