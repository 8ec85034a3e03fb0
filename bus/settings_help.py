"""`--help` text of a process: its usage and every setting of its pydantic-settings class (name,
default, meaning), generated from the class so the help cannot drift from the code. Shared by the api
and the cluster, like bus/logs.py."""

from __future__ import annotations

import textwrap
from typing import Any

from pydantic import SecretStr
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings


def default_text(field: Any) -> str:
    """How a field's default reads in help and in the README: `(required)`, `empty`, `[]`, `true`…"""
    if field.is_required():
        return "(required)"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None or value == "" or value is PydanticUndefined:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def settings_help(settings_class: type[BaseSettings], width: int = 100) -> str:
    """One entry per setting: `NAME (default: …)` and its meaning, indented below."""
    lines = ["settings (from the environment or a .env file):"]
    for name, field in settings_class.model_fields.items():
        lines.append(f"  {name.upper()} (default: {default_text(field)})")
        meaning = field.description or ""
        lines.extend(textwrap.wrap(meaning, width, initial_indent="      ", subsequent_indent="      "))
    return "\n".join(lines)
