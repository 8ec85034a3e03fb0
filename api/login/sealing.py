"""Sealing of the Discord tokens kept server-side with a login session, so that a database dump alone
does not hand out users' Discord access: AES-256-GCM (the `cryptography` package) with a random
96-bit nonce per value and a key derived from AUTH_SECRET. The version byte is authenticated too.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import derive_key

_VERSION = b"\x02"
_NONCE_BYTES = 12


class SealError(Exception):
    """The sealed value was altered, truncated, or sealed under another AUTH_SECRET."""


class Sealer:
    def __init__(self, secret: bytes):
        self._aead = AESGCM(derive_key(secret, "discord-token/aes-gcm"))

    def seal(self, plaintext: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        ciphertext = self._aead.encrypt(nonce, plaintext.encode(), _VERSION)
        return base64.urlsafe_b64encode(_VERSION + nonce + ciphertext).decode()

    def open(self, sealed: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
        except (ValueError, TypeError):
            raise SealError("not a sealed value") from None
        if len(raw) < 1 + _NONCE_BYTES + 16 or raw[:1] != _VERSION:
            raise SealError("not a sealed value of this version")
        nonce, ciphertext = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, ciphertext, _VERSION).decode()
        except InvalidTag:
            raise SealError("the seal does not verify") from None
