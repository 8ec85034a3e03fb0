"""cluster/ never imports the api or the database drivers (it shares only `bus` with the api)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import importlib, pkgutil, sys
import cluster
for mod in pkgutil.walk_packages(cluster.__path__, "cluster."):
    if mod.name != "cluster.__main__":
        importlib.import_module(mod.name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"api", "motor", "pymongo", "mongomock_motor"})
print(",".join(bad))
"""


def test_cluster_imports_no_api_and_no_database() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
