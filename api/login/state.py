"""The OAuth `state`, bound to the browser that started the login.

The login sets a cookie holding the state and the redirect path, signed with a key derived from
AUTH_SECRET; the callback accepts only a `state` equal to the one in a valid cookie of the same
browser. A forged state, a missing cookie (another browser, cookies blocked) or a state taken from
someone else's login are all refused. Nothing is stored server-side, so any replica can check it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from .errors import LoginError
from .keys import derive_key
from .redirects import safe_redirect

STATE_SECONDS = 600  # long enough to read Discord's consent page, short enough to be useless later


@dataclass(frozen=True)
class LoginState:
    state: str
    redirect: str


class StateSigner:
    def __init__(self, secret: bytes):
        self._key = derive_key(secret, "oauth-state")

    def start(self, redirect: str | None, now: float | None = None) -> tuple[LoginState, str]:
        """A fresh state for a login, and the cookie value carrying it."""
        login = LoginState(secrets.token_urlsafe(24), safe_redirect(redirect))
        expires = int((now or time.time()) + STATE_SECONDS)
        payload = _b64(json.dumps({"s": login.state, "r": login.redirect, "e": expires}).encode())
        return login, f"{payload}.{_b64(self._mac(payload))}"

    def verify(self, cookie: str | None, state: str | None, now: float | None = None) -> LoginState:
        if not cookie:
            raise _refused(
                "This browser has no login in progress (the login was started elsewhere, it expired, "
                "or cookies are blocked)."
            )
        payload, _, mac = cookie.partition(".")
        if not hmac.compare_digest(mac.encode(), _b64(self._mac(payload)).encode()):
            raise _refused("The login cookie is not valid.")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if claims["e"] < (now or time.time()):
            raise _refused("The login took too long and expired.")
        if not state or not hmac.compare_digest(state.encode(), claims["s"].encode()):
            raise _refused("The login's state does not match the one this browser started.")
        return LoginState(claims["s"], safe_redirect(claims["r"]))

    def _mac(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()


def _refused(reason: str) -> LoginError:
    return LoginError(400, "invalid_state", f"{reason} Start again from the dashboard's login button.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
