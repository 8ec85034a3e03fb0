"""Discord tokens kept server-side are sealed: unreadable and tamper-evident without AUTH_SECRET."""

from __future__ import annotations

import base64

import pytest

from api.login.sealing import Sealer, SealError

SECRET = b"unit-secret-0123456789abcdef0123456789"


def test_round_trip_hides_the_plaintext():
    sealer = Sealer(SECRET)
    token = "discord-access-token-" + "x" * 80  # longer than one keystream block
    sealed = sealer.seal(token)
    assert sealer.open(sealed) == token
    assert token not in sealed and "discord" not in base64.urlsafe_b64decode(sealed).decode("latin-1")
    assert sealer.seal(token) != sealed  # a fresh nonce each time
    assert sealer.open(sealer.seal("")) == ""


@pytest.mark.parametrize("where", [0, 5, 20, -1])
def test_any_altered_byte_is_refused(where):
    sealer = Sealer(SECRET)
    raw = bytearray(base64.urlsafe_b64decode(sealer.seal("secret-token")))
    raw[where] ^= 0x01
    with pytest.raises(SealError):
        sealer.open(base64.urlsafe_b64encode(bytes(raw)).decode())


def test_another_secret_cannot_open():
    with pytest.raises(SealError):
        Sealer(b"another-secret-0123456789abcdef01234").open(Sealer(SECRET).seal("secret-token"))
    with pytest.raises(SealError):
        Sealer(SECRET).open("too-short")
