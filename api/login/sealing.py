"""Sealing of the Discord tokens kept server-side with a login session, so that a database dump alone
does not hand out users' Discord access.

The project has no AES dependency (`cryptography` is not installed), so this is a textbook
encrypt-then-MAC from the standard library: HMAC-SHA256 as a PRF in counter mode for the keystream
(random 128-bit nonce per message) and HMAC-SHA256 over version, nonce and ciphertext as the tag,
with two independent keys derived from AUTH_SECRET. Swap for `cryptography`'s AESGCM when that
dependency is added; `open` then only needs to accept the old version byte during the migration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from .keys import derive_key

_VERSION = b"\x01"
_NONCE_BYTES = 16
_TAG_BYTES = 32


class SealError(Exception):
    """The sealed value was altered, truncated, or sealed under another AUTH_SECRET."""


class Sealer:
    def __init__(self, secret: bytes):
        self._enc_key = derive_key(secret, "discord-token/encrypt")
        self._mac_key = derive_key(secret, "discord-token/authenticate")

    def seal(self, plaintext: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        data = plaintext.encode()
        body = _VERSION + nonce + _xor(data, self._keystream(nonce, len(data)))
        return base64.urlsafe_b64encode(body + self._tag(body)).decode()

    def open(self, sealed: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
        except (ValueError, TypeError):
            raise SealError("not a sealed value") from None
        body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        if len(body) < 1 + _NONCE_BYTES or not hmac.compare_digest(tag, self._tag(body)):
            raise SealError("the seal does not verify")
        if body[:1] != _VERSION:
            raise SealError("unknown seal version")
        nonce, ciphertext = body[1 : 1 + _NONCE_BYTES], body[1 + _NONCE_BYTES :]
        return _xor(ciphertext, self._keystream(nonce, len(ciphertext))).decode()

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._mac_key, body, hashlib.sha256).digest()

    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (length + 31) // 32
        return b"".join(
            hmac.new(self._enc_key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
        )[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
