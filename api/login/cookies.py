"""The two cookies of the login and their attributes.

- State cookie: carries the signed OAuth state between /auth/discord/login and the callback.
  SameSite=Lax, because the callback is a top-level navigation coming from discord.com (Strict would
  not be sent); scoped to /auth/discord; ten minutes.
- Refresh cookie: the refresh token. HttpOnly so page scripts (and any XSS) cannot read it; scoped to
  /auth so it is sent to /auth/refresh and /auth/logout only, never with GraphQL requests;
  SameSite=Strict, because only the dashboard's own scripts call those endpoints, which also keeps
  other sites from making a browser refresh or log out.
Both are Secure when the public callback URL (OAUTH_REDIRECT_URI) is https.
"""

from __future__ import annotations

from fastapi import Response

from .state import STATE_SECONDS

STATE_COOKIE = "partners_login_state"
STATE_PATH = "/auth/discord"
REFRESH_COOKIE = "partners_refresh"
REFRESH_PATH = "/auth"


class Cookies:
    def __init__(self, secure: bool, refresh_days: int):
        self._secure = secure
        self._refresh_seconds = refresh_days * 24 * 3600

    def set_state(self, response: Response, value: str) -> None:
        response.set_cookie(
            STATE_COOKIE,
            value,
            max_age=STATE_SECONDS,
            path=STATE_PATH,
            httponly=True,
            samesite="lax",
            secure=self._secure,
        )

    def clear_state(self, response: Response) -> None:
        response.delete_cookie(STATE_COOKIE, path=STATE_PATH, httponly=True, samesite="lax", secure=self._secure)

    def set_refresh(self, response: Response, token: str) -> None:
        response.set_cookie(
            REFRESH_COOKIE,
            token,
            max_age=self._refresh_seconds,
            path=REFRESH_PATH,
            httponly=True,
            samesite="strict",
            secure=self._secure,
        )

    def clear_refresh(self, response: Response) -> None:
        response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH, httponly=True, samesite="strict", secure=self._secure)
