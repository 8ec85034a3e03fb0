"""Logging shared by the api and the cluster: one JSON object per line (LOG_FORMAT=json) or plain text,
and the message being handled (guild_id, message_id, message_type) on every line logged while it is.

    configure_logging("INFO", "json", service="api")
    with message_context(envelope):     # the consumer path: EventWorker.handle, handle_command, the bus
        log.info("approved")            # -> {"time": ..., "level": "INFO", "logger": ..., "message": "approved",
                                        #     "guild_id": "...", "message_id": "...", "message_type": "...", ...}

The context lives in a contextvar, so it follows the handler's coroutine (and tasks it starts) and no
other. Secrets: settings keep them in SecretStr (printed as '**********'); as a second line of defence
the formatters mask the password of any URL (scheme://user:password@host) and bearer tokens.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
CONTEXT_FIELDS = ("guild_id", "message_id", "message_type")

_context: ContextVar[Mapping[str, str] | None] = ContextVar("partners_log_context", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def redact(text: str) -> str:
    """Masks URL passwords and bearer tokens in free text."""
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    if "earer" in text:
        text = _BEARER.sub(r"\1***", text)
    return text


@contextlib.contextmanager
def message_context(envelope: Any = None, **fields: Any) -> Iterator[None]:
    """Marks every log line inside as being about one message: an Envelope (its guild_id, id and type),
    and/or explicit fields. Nested contexts add to (and override) the outer one."""
    values: dict[str, str] = dict(_context.get() or {})
    if envelope is not None:
        values.update(guild_id=str(envelope.guild_id), message_id=str(envelope.id), message_type=str(envelope.type))
    values.update({k: str(v) for k, v in fields.items() if v is not None})
    token = _context.set(values)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, str]:
    return _context.get() or {}


class MessageContextFilter(logging.Filter):
    """Copies the current message context onto each record (attach it to handlers, so it sees the
    records of every logger). Fields given explicitly with `extra=` win."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601 UTC), level, logger, message, the message context,
    `extra=` fields, the static fields given here (service, node), and `exc` for a traceback."""

    def __init__(self, static: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self._static = dict(static or {})

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        for key, value in self._static.items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format, with the message context appended when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        extra = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if getattr(record, k, None))
        return f"{line} [{extra}]" if extra else line


def configure_logging(
    level: str,
    fmt: LogFormat = "text",
    *,
    static: Mapping[str, Any] | None = None,
    text_format: str = "%(asctime)s %(levelname)s %(name)s %(message)s",
    stream: Any = None,
) -> logging.Handler:
    """Replaces the root logger's handlers with one on stderr in the chosen format. Returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(static) if fmt == "json" else TextFormatter(text_format))
    handler.addFilter(MessageContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


__all__ = [
    "CONTEXT_FIELDS",
    "JsonFormatter",
    "LogFormat",
    "MessageContextFilter",
    "TextFormatter",
    "configure_logging",
    "current_context",
    "message_context",
    "redact",
]
