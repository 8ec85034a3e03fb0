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

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Response

from .state import STATE_SECONDS

STATE_COOKIE = "partners_login_state"
STATE_PATH = "/auth/discord"
REFRESH_COOKIE = "partners_refresh"
REFRESH_PATH = "/auth"


@dataclass(frozen=True)
class Cookie:
    """One HttpOnly cookie of the login, set and cleared with the same attributes."""

    name: str
    path: str
    samesite: Literal["lax", "strict"]
    max_age: int
    secure: bool

    def set(self, response: Response, value: str) -> None:
        response.set_cookie(self.name, value, max_age=self.max_age, **self._scope())

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.name, **self._scope())

    def _scope(self) -> dict[str, Any]:
        return {"path": self.path, "httponly": True, "samesite": self.samesite, "secure": self.secure}


class Cookies:
    def __init__(self, secure: bool, refresh_days: int):
        self.state = Cookie(STATE_COOKIE, STATE_PATH, "lax", STATE_SECONDS, secure)
        self.refresh = Cookie(REFRESH_COOKIE, REFRESH_PATH, "strict", refresh_days * 24 * 3600, secure)
