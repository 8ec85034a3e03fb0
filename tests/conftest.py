"""Tiers of the suite, by folder, so the fast tier runs alone:

    pytest -m "not integration and not browser and not slow"

`integration`: several processes, the real broker and a shared database (tests/integration);
`browser`: Chromium drives the dashboard (tests/dashboard); `slow`: marked one by one on tests that
take many seconds wherever they live. Plain `pytest` still runs everything.

The suite runs on two pytest-xdist workers (`-n 2 --dist loadgroup`, pyproject.toml; `-n 0` for
one process). Each worker is a session of its own: its own vhost, SecantusDB server and, if needed,
RabbitMQ node. `_GROUPS` keeps some tests on one worker: the dashboard's (one Chromium for all) and
the mid-stream fault tests (each keeps both cores busy for a while, so they run one after another
rather than side by side, and share one private RabbitMQ node). Every other test goes to whichever
worker is free.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
_FOLDER_MARKERS = {"integration": "integration", "dashboard": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = Path(item.path).resolve().relative_to(_TESTS).parts[0]
        except ValueError:  # not under tests/
            continue
        marker = _FOLDER_MARKERS.get(folder)
        if marker is not None:
            item.add_marker(marker)


# Test ids (prefixes) that run on one worker, one after another. By id rather than by xdist_group
# marker: pytest-xdist 3.8 marks a group by rewriting Item._nodeid, which pytest 9.2 no longer reads.
_GROUPS = {
    "browser": ("tests/dashboard/",),
    "faults": (
        "tests/integration/test_worker_faults.py::",
        "tests/integration/test_graceful_shutdown.py::test_sigterm_mid_stream",
        "tests/bus/test_rabbit.py::test_publish_waits_through_a_broker_outage",
    ),
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ByPrefix(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for group, prefixes in _GROUPS.items():
                if nodeid.startswith(prefixes):
                    return group
            return super()._split_scope(nodeid)  # each test on its own, or an xdist_group mark

    return ByPrefix(config, log)
