"""Bearer tokens: HS256 JWTs carrying per-guild permissions (DESIGN.md "Authentication and permissions")."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

VIEW = "partnerships.view"
EDIT = "partnerships.edit"


class AuthError(Exception):
    """UNAUTHENTICATED: missing, malformed, badly signed or expired token."""


@dataclass(frozen=True)
class Principal:
    user_id: int
    perms: dict[int, frozenset[str]]
    expires_at: datetime

    def can_view(self, guild_id: int) -> bool:
        granted = self.perms.get(guild_id, frozenset())
        return VIEW in granted or EDIT in granted  # edit implies view

    def can_edit(self, guild_id: int) -> bool:
        return EDIT in self.perms.get(guild_id, frozenset())

    def viewable_guilds(self) -> list[int]:
        return sorted(g for g in self.perms if self.can_view(g))


VERIFIED_TOKENS_KEPT = 4096


class TokenService:
    def __init__(self, secret: str, lifetime_minutes: int):
        if not secret:
            raise ValueError("AUTH_SECRET is empty")
        self._secret = secret
        self._lifetime = timedelta(minutes=lifetime_minutes)
        # Tokens verified before, by their exact text: a dashboard sends the same token with every
        # request, and checking its signature and claims again each time is most of an easy request's cost.
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    @staticmethod
    def generate_secret() -> str:
        return secrets.token_urlsafe(32)

    def issue(self, user_id: int, perms: dict[int, list[str]], lifetime: timedelta | None = None) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int((now + (lifetime or self._lifetime)).timestamp()),
            "perms": {str(g): list(p) for g, p in perms.items()},
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def decode(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at <= datetime.now(UTC):
                del self._verified[token]
                raise AuthError("The token has expired.")
            self._verified.move_to_end(token)
            return known
        principal = self._verify(token)
        self._verified[token] = principal
        if len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("The token has expired.") from None
        except jwt.PyJWTError:
            raise AuthError("The token is not valid.") from None
        try:
            perms = {int(g): frozenset(str(p) for p in ps) for g, ps in (claims.get("perms") or {}).items()}
            return Principal(int(claims["sub"]), perms, datetime.fromtimestamp(claims["exp"], UTC))
        except (TypeError, ValueError, AttributeError):
            raise AuthError("The token's claims are malformed.") from None

    def from_header(self, value: str | None) -> Principal:
        if not value:
            raise AuthError("A bearer token is required.")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Use 'Authorization: Bearer <token>'.")
        return self.decode(token.strip())
