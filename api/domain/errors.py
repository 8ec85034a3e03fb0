"""The one error type of the domain: a broken business rule, shown to clients as a `UserError`."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Mirrors the contract's `UserErrorCode`."""

    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    INVALID_STATE = "INVALID_STATE"
    APPLICATIONS_CLOSED = "APPLICATIONS_CLOSED"
    BLACKLISTED = "BLACKLISTED"
    COOLDOWN = "COOLDOWN"
    BELOW_MIN_MEMBERS = "BELOW_MIN_MEMBERS"
    DUPLICATE = "DUPLICATE"
    ACTIVE_LIMIT_REACHED = "ACTIVE_LIMIT_REACHED"
    PENDING_LIMIT_REACHED = "PENDING_LIMIT_REACHED"
    BLACKLIST_LIMIT_REACHED = "BLACKLIST_LIMIT_REACHED"
    BUMP_TOO_SOON = "BUMP_TOO_SOON"


class RuleViolation(Exception):
    """A refusal in plain words. `field` is the path to the offending input, when there is one."""

    def __init__(self, code: ErrorCode, message: str, field: tuple[str, ...] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"RuleViolation({self.code}, {self.message!r}, field={self.field})"


class ValidationErrors(Exception):
    """Several input problems found at once (e.g. a settings update), each a VALIDATION violation."""

    def __init__(self, violations: list[RuleViolation]):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations
