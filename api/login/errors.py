"""The one error type of the login flow: an HTTP status, a short code and a sentence a person can act on.
Messages are written here, never built from exceptions, so no secret or internal detail leaks into them."""

from __future__ import annotations


class LoginError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def discord_unreachable(misconfigured: bool = False) -> LoginError:
    if misconfigured:
        return LoginError(
            502,
            "discord_misconfigured",
            "Discord refused this server's application credentials. An administrator must check the login settings.",
        )
    return LoginError(
        502, "discord_unavailable", "Discord could not be reached or answered with an error. Try again shortly."
    )


def session_ended() -> LoginError:
    return LoginError(401, "invalid_grant", "The login session has ended. Sign in again.")
