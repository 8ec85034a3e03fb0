"""py-spy on a child process of `bench/bus.py` for one measured phase, and a text summary of where
its busy time went (collapsed stacks: `py-spy record --format raw --function`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.common import table

REPO_PACKAGES = ("api", "bus", "cluster")


Stage = tuple[str, Callable[[str], bool]]


class PySpy:
    """`py-spy record` on a process for a measured phase; `finish()` summarises the raw (collapsed) stacks.
    `stages`: optional (label, frame predicate) pairs, reported as inclusive shares."""

    def __init__(
        self, pid: int, seconds: float, out: Path, label: str | None = None, rate: int = 200, stages: list[Stage] = ()
    ):
        binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(binary).exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.out, self.label, self.rate, self.stages = out, label, rate, list(stages)
        self.process = subprocess.Popen(
            [binary, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", str(rate),
             "--format", "raw", "--function", "--nonblocking", "--output", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(0.5)  # let it attach before the measured phase starts

    def stop(self) -> None:
        """Ends the recording early (py-spy writes what it has on SIGINT)."""
        if self.process.poll() is None:
            self.process.send_signal(2)

    def finish(self) -> str:
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return "py-spy did not finish"
        if not self.out.exists():
            return f"py-spy wrote no profile: {err.strip()[-300:]}"
        summary = summarize(self.out.read_text(), rate=self.rate, stages=self.stages)
        return summary if self.label is None else f"py-spy on {self.label} (raw stacks: {self.out}):\n\n{summary}"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _file(frame: str) -> str:
    """'func (pkg/module.py:12)' -> 'pkg/module.py'."""
    _, _, where = frame.rpartition(" (")
    return where.rstrip(")").rpartition(":")[0] or where


def _package(frame: str) -> str:
    top = _file(frame).split("/", 1)[0].removesuffix(".py")
    if top in REPO_PACKAGES:
        return f"{top} (this repo)"
    if top.startswith("<") or top in sys.stdlib_module_names:
        return "stdlib"
    return top


def summarize(raw: str, top: int = 14, rate: int = 200, stages: list[Stage] = ()) -> str:
    """Where the busy time went, from py-spy's collapsed stacks (`--format raw --function`)."""
    own, inclusive, package_own, package_inclusive = Counter(), Counter(), Counter(), Counter()
    samples: list[tuple[list[str], int]] = []
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if _package(f) != "bench"]
        if not frames:
            continue
        total += n
        samples.append((frames, n))
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
        # Own time of the stdlib (json, asyncio internals, ...) is counted to the library that called it.
        owner = next((_package(f) for f in reversed(frames) if _package(f) != "stdlib"), "stdlib")
        package_own[owner] += n
        for package in {_package(f) for f in frames} - {"stdlib"}:
            package_inclusive[package] += n
    if not total:
        return "py-spy recorded no busy samples"

    def rows(pairs: list[tuple[str, int]]) -> list[list[str]]:
        return [[f"{100 * n / total:5.1f}%", name[:130]] for name, n in pairs]

    repo = [(f, n) for f, n in inclusive.most_common() if _package(f).endswith("(this repo)")][:top]
    parts = [
        f"{total} busy samples at {rate}/s (time idle in the event loop is not sampled)",
        "by package, own time (stdlib time counted to its caller):\n"
        + table(["share", "package"], rows(package_own.most_common(top)), {0}),
        "by package, on the stack:\n" + table(["share", "package"], rows(package_inclusive.most_common(top)), {0}),
    ]
    if stages:
        shares = [(label, sum(n for stack, n in samples if any(map(matches, stack)))) for label, matches in stages]
        parts.append("stages, inclusive:\n" + table(["share", "stage"], rows(shares), {0}))
    parts += [
        "functions, own time:\n" + table(["share", "function (file:line)"], rows(own.most_common(top)), {0}),
        "this repo's functions, inclusive:\n" + table(["share", "function (file:line)"], rows(repo), {0}),
    ]
    return "\n\n".join(parts)
