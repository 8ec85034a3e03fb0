"""Which shards a node owns: ``SHARD_IDS`` specs and even ``CLUSTER_INDEX`` / ``CLUSTER_COUNT`` splits.

The shard of a guild is ``bus.routing.shard_for`` (the api routes commands by the same formula)."""

from __future__ import annotations

from collections.abc import Iterable


def parse_shard_ids(spec: str) -> list[int]:
    """``"0-3"`` -> [0, 1, 2, 3]; ``"0,2"`` -> [0, 2]; ``"0-3,8,10-11"`` mixes both. Sorted, no duplicates."""
    ids: list[int] = []
    parts = [p.strip() for p in spec.split(",")]
    if not spec.strip() or any(not p for p in parts):
        raise ValueError(f"{spec!r} is not a shard list (use a range like 0-3 or a list like 0,2)")
    for part in parts:
        lo, sep, hi = part.partition("-")
        try:
            start = int(lo)
            end = int(hi) if sep else start
        except ValueError:
            raise ValueError(f"{part!r} is not a shard id or range (use a range like 0-3 or a list like 0,2)") from None
        if start < 0 or end < start:
            raise ValueError(f"{part!r} is not a valid range")
        ids.extend(range(start, end + 1))
    if len(set(ids)) != len(ids):
        raise ValueError(f"{spec!r} names a shard twice")
    return sorted(ids)


def cluster_shard_ids(cluster_index: int, cluster_count: int, shard_count: int) -> list[int]:
    """The contiguous block of shards node ``cluster_index`` of ``cluster_count`` owns; blocks differ in
    size by at most one and together cover every shard exactly once."""
    if not 0 <= cluster_index < cluster_count:
        raise ValueError(f"cluster index {cluster_index} is not below cluster count {cluster_count}")
    if cluster_count > shard_count:
        raise ValueError(f"{cluster_count} clusters cannot split {shard_count} shards")
    start = cluster_index * shard_count // cluster_count
    end = (cluster_index + 1) * shard_count // cluster_count
    return list(range(start, end))


def format_shard_ids(ids: Iterable[int]) -> str:
    """[0, 1, 2, 3, 8] -> ``"0-3,8"``."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(ids):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out)
