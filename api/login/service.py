"""The login use cases: finish a Discord login, refresh (rotating the refresh token), log out.

HTTP concerns (cookies, redirects, pages) stay in `routes.py`; this module only sees strings.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..auth import TokenService
from ..clock import as_utc, utcnow
from ..settings import ApiSettings
from ..store.bot_guilds import BotGuildRepository
from ..store.ledgers import LedgerRepository
from ..store.people import PeopleRepository
from ..store.sessions import RefreshSession, SessionStore
from .discord import SCOPES, DiscordClient, DiscordGrant, DiscordMisconfigured, DiscordRefused, DiscordUnavailable
from .errors import LoginError, discord_unreachable, session_ended
from .resolve import resolve_perms
from .sealing import Sealer, SealError

log = logging.getLogger(__name__)

# Discord's codes live about ten minutes; a used one is remembered a little longer than that.
CODE_MEMORY = timedelta(minutes=15)


@dataclass(frozen=True)
class Issued:
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str = field(repr=False)
    user_id: int


@dataclass(frozen=True, eq=False, slots=True)
class LoginService:
    _settings: ApiSettings
    _sessions: SessionStore
    _ledgers: LedgerRepository
    _tokens: TokenService
    _sealer: Sealer
    _discord: DiscordClient
    _bot_guilds: BotGuildRepository | None = None
    _people: PeopleRepository | None = None

    async def complete_login(self, code: str) -> Issued:
        now = utcnow()
        # Remembered before the exchange, so that two concurrent uses of one code cannot both proceed.
        if not await self._sessions.use_code(code, now + CODE_MEMORY):
            raise LoginError(400, "invalid_grant", "This login link was already used. Start the login again.")
        try:
            grant = await self._discord.exchange_code(code)
        except DiscordRefused:
            raise LoginError(
                400,
                "invalid_grant",
                "Discord did not accept the login code (it may have expired). Start the login again.",
            ) from None
        except DiscordUnavailable as down:
            raise discord_unreachable(isinstance(down, DiscordMisconfigured)) from None
        if grant.scopes and not set(SCOPES) <= grant.scopes:
            raise LoginError(
                400, "invalid_scope", "The login needs all the requested Discord permissions. Start again."
            )
        user_id, perms = await self._perms(grant.access_token)
        refresh_token = await self._new_refresh(secrets.token_hex(16), user_id, grant, now)
        log.info("dashboard login: user %s, permissions on %d guild(s)", user_id, len(perms))
        return self._issue(user_id, perms, refresh_token)

    async def refresh(self, refresh_token: str) -> Issued:
        """Rotates the refresh token and recomputes the permissions from Discord.

        The old token is used (revoked) only once Discord has answered: if Discord is down the
        client keeps a working token and can retry. A token found already used is a replay —
        someone holds a copy — so its whole family is revoked, ending the thief's and the user's
        session alike.
        """
        now = utcnow()
        session = await self._sessions.find(refresh_token, now)
        if session is None:
            raise session_ended()
        if session.revoked:
            revoked = await self._sessions.revoke_family(session.family_id)
            log.warning(
                "refresh token reuse for user %s: session family revoked (%d live token(s))", session.user_id, revoked
            )
            raise session_ended()
        grant = self._open_grant(session)
        if grant is None:
            await self._sessions.revoke_family(session.family_id)
            raise session_ended()
        try:
            if grant.expired(now):
                grant = await self._renew(refresh_token, grant)
            try:
                user_id, perms = await resolve_perms(
                    self._discord, grant.access_token, self._ledgers, self._bot_guilds, self._people
                )
            except DiscordRefused as refused:
                if refused.status != 401:
                    raise
                # Discord may end an access token early; its refresh token still says whether the user
                # keeps authorizing the app.
                grant = await self._renew(refresh_token, grant)
                user_id, perms = await resolve_perms(
                    self._discord, grant.access_token, self._ledgers, self._bot_guilds, self._people
                )
        except DiscordRefused:
            await self._sessions.revoke_family(session.family_id)
            log.info("refresh for user %s refused by Discord: session ended", session.user_id)
            raise session_ended() from None
        except DiscordUnavailable as down:
            raise discord_unreachable(isinstance(down, DiscordMisconfigured)) from None
        if user_id != session.user_id or not await self._sessions.use(refresh_token, now):
            # Lost a race with another use of the same token (a replay too), or Discord now names
            # another account for this grant: either way the family is not to be trusted.
            await self._sessions.revoke_family(session.family_id)
            log.warning("refresh token of user %s used concurrently: session family revoked", session.user_id)
            raise session_ended()
        new_token = await self._new_refresh(session.family_id, user_id, grant, now)
        return self._issue(user_id, perms, new_token)

    async def _perms(self, access_token: str) -> tuple[int, dict[int, list[str]]]:
        try:
            return await resolve_perms(self._discord, access_token, self._ledgers, self._bot_guilds, self._people)
        except DiscordRefused:
            raise LoginError(
                400, "discord_refused", "Discord refused to tell who is signing in. Start the login again."
            ) from None
        except DiscordUnavailable as down:
            raise discord_unreachable(isinstance(down, DiscordMisconfigured)) from None

    async def _renew(self, refresh_token: str, grant: DiscordGrant) -> DiscordGrant:
        renewed = await self._discord.refresh(grant.refresh_token)
        await self._sessions.update_discord(refresh_token, self._seal_grant(renewed))
        return renewed

    async def _new_refresh(self, family_id: str, user_id: int, grant: DiscordGrant, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(days=self._settings.auth_refresh_days)
        await self._sessions.add(
            token, RefreshSession(family_id, user_id, now, expires, discord=self._seal_grant(grant))
        )
        return token

    def _issue(self, user_id: int, perms: dict[int, list[str]], refresh_token: str) -> Issued:
        access = self._tokens.issue(user_id, perms)
        return Issued(access, self._settings.auth_token_minutes * 60, refresh_token, user_id)

    def _seal_grant(self, grant: DiscordGrant) -> dict:
        return {
            "access": self._sealer.seal(grant.access_token),
            "refresh": self._sealer.seal(grant.refresh_token),
            "expires_at": grant.expires_at,
            "scopes": sorted(grant.scopes),
        }

    def _open_grant(self, session: RefreshSession) -> DiscordGrant | None:
        """None when the grant cannot be read (AUTH_SECRET changed since the login)."""
        stored = session.discord
        try:
            return DiscordGrant(
                access_token=self._sealer.open(stored["access"]),
                refresh_token=self._sealer.open(stored["refresh"]),
                expires_at=as_utc(stored["expires_at"]),
                scopes=frozenset(stored.get("scopes", ())),
            )
        except (SealError, KeyError, TypeError):
            return None


async def end_session(sessions: SessionStore, refresh_token: str) -> None:
    """Revokes every token of the session `refresh_token` belongs to. Needs no Discord call, so it
    works even when Discord is down or the login is not configured."""
    session = await sessions.find(refresh_token)
    if session is not None:
        await sessions.revoke_family(session.family_id)
        log.info("dashboard logout: user %s", session.user_id)
