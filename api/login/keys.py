"""Keys of the login flow, derived from AUTH_SECRET so that one secret is configured and yet each use
has its own key: a MAC made for the state cookie can never pass as one made for sealed tokens."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: bytes, purpose: str) -> bytes:
    """HMAC-SHA256 as a key-derivation function (one HKDF-expand block with a fixed label)."""
    return hmac.new(secret, b"partners/login/" + purpose.encode(), hashlib.sha256).digest()
