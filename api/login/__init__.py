"""Dashboard login with Discord OAuth2: issues the API's bearer tokens (DESIGN.md "Authentication and
permissions") and keeps sessions alive with rotating refresh tokens. `build_login_router` is the entry."""

from .routes import build_login_router

__all__ = ["build_login_router"]
