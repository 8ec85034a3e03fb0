"""Health checks at scale: 1,000,000 partnerships over 100,000 guilds on a fake clock, with the real
scheduler (`api.scheduler.Scheduler`, its per-kind budget) over the in-memory ScheduledWork twin and the
real per-cycle invite sharing (`api.services.health.InviteFacts`).

    .venv/bin/python -m bench.health [--partnerships 1000000] [--guilds 100000] [--hours 36]
                                     [--check-hours 24] [--budget 10] [--popular-share 0.4]

Each check is what `HealthService.check_due` does to Discord: an invite another guild's check resolved
this cycle costs nothing, else one request (answered at once here). Prints, per run:
- Discord requests per hour at most, against the budget (ratio <= 1 is the target);
- how late the latest check ran, against the cadence (a check at most one cadence late = at most twice
  the cadence between checks, the target when the budget allows the cadence);
- look-ups the sharing saved, against the baseline of one look-up per check;
- the scheduler's CPU per check (claim + reschedule, the handler's own work excluded), against a
  baseline measured in the same run (a heap push and pop of the same number of items) and the 1 ms target.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from api.domain.health import CheckFacts
from api.scheduler import Budget, Scheduler
from api.services.health import CHECK, InviteFacts
from api.store.scheduled_memory import MemoryScheduledWork

T0 = datetime(2026, 1, 1, tzinfo=UTC)
POLL = timedelta(seconds=5)
FACTS = CheckFacts(resolved=True, guild_id=1, name="Partner", member_count=1000)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def invites_for(n: int, popular_share: float, rng: random.Random) -> list[str]:
    """A share of partnerships advertise one of a few popular servers (Zipf-like: a few very popular),
    the rest an invite of their own."""
    popular = max(1, n // 500)
    codes = []
    for i in range(n):
        if rng.random() < popular_share:
            codes.append(f"pop{min(int(rng.paretovariate(1.1)) - 1, popular - 1)}")
        else:
            codes.append(f"inv{i}")
    return codes


async def simulate(args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(7)
    cadence = timedelta(hours=args.check_hours)
    codes = invites_for(args.partnerships, args.popular_share, rng)
    work = MemoryScheduledWork()
    # Partnerships started at all times of day: their checks are spread over one cadence.
    spread = cadence.total_seconds()
    for i in range(args.partnerships):
        due = T0 + timedelta(seconds=rng.uniform(0, spread))
        await work.schedule(CHECK, str(i), due, guild_id=i % args.guilds)
    clock = FakeClock()
    invites = InviteFacts(ttl=cadence, max_size=args.partnerships)
    per_hour: Counter[int] = Counter()
    checks = 0
    most_late = timedelta(0)
    handler_cpu = 0.0

    async def check(claim, now):
        nonlocal checks, most_late, handler_cpu
        started = time.process_time()
        checks += 1
        most_late = max(most_late, now - claim.due_at)
        code = codes[int(claim.key)]
        if invites.fresh(code, now) is not None:
            invites.saved += 1
        elif invites.join(code, claim.key, now):
            per_hour[int((now - T0).total_seconds() // 3600)] += 1  # one request to Discord
            invites.arrived(code, FACTS, now)
        handler_cpu += time.process_time() - started
        return now + cadence

    budget = Budget(rate=args.budget, burst=max(1.0, args.budget * POLL.total_seconds()))
    scheduler = Scheduler(work, {CHECK: check}, clock, batch=args.batch, budgets={CHECK: budget})
    end = T0 + timedelta(hours=args.hours)
    cpu_started = time.process_time()
    while clock.now < end:
        result = await scheduler.run_due()
        if result.ran + result.failed == 0 or result.budget_exhausted:
            clock.now += POLL
    total_cpu = time.process_time() - cpu_started
    scheduler_cpu = (total_cpu - handler_cpu) / max(checks, 1)

    baseline_started = time.process_time()
    heap: list[tuple[float, int]] = []
    for i in range(checks):
        heapq.heappush(heap, (rng.random(), i))
    for _ in range(checks):
        heapq.heappop(heap)
    baseline = (time.process_time() - baseline_started) / max(checks, 1)

    hours = [per_hour.get(h, 0) for h in range(int(args.hours))]
    return {
        "checks": checks,
        "requests": sum(hours),
        "requests_per_hour_max": max(hours, default=0),
        "budget_per_hour": args.budget * 3600,
        "most_late_s": most_late.total_seconds(),
        "cadence_s": cadence.total_seconds(),
        "saved": invites.saved,
        "scheduler_cpu_per_check_s": scheduler_cpu,
        "baseline_cpu_per_item_s": baseline,
        "backlog_at_end": await work.backlog(CHECK, clock.now),
    }


def report(args: argparse.Namespace, r: dict[str, float]) -> bool:
    needed = args.partnerships / (args.check_hours * 3600)  # checks per second the cadence needs (no sharing)
    req_ratio = r["requests_per_hour_max"] / r["budget_per_hour"]
    late_ratio = r["most_late_s"] / r["cadence_s"]
    saved_ratio = r["saved"] / max(r["checks"], 1)
    cpu_ms = r["scheduler_cpu_per_check_s"] * 1000
    rows = [
        ("partnerships / guilds", f"{args.partnerships:,} / {args.guilds:,}"),
        ("simulated hours / cadence", f"{args.hours:g} h / {args.check_hours:g} h"),
        ("checks run", f"{r['checks']:,.0f}"),
        ("Discord requests per hour, max", f"{r['requests_per_hour_max']:,.0f} = {req_ratio:.2f} x budget ({r['budget_per_hour']:,.0f}/h)"),
        ("latest check, late by", f"{r['most_late_s'] / 3600:.2f} h = {late_ratio:.2f} x cadence (between checks: {1 + late_ratio:.2f} x cadence)"),
        ("invite look-ups saved by sharing", f"{r['saved']:,.0f} = {saved_ratio:.2f} of the baseline (one look-up per check)"),
        ("scheduler CPU per check", f"{cpu_ms * 1000:.1f} us = {cpu_ms:.3f} x the 1 ms target = {r['scheduler_cpu_per_check_s'] / max(r['baseline_cpu_per_item_s'], 1e-12):.1f} x a heap push+pop"),
        ("budget vs what the cadence needs", f"{args.budget:g}/s vs {needed:.1f} checks/s before sharing"),
        ("due and not run at the end", f"{r['backlog_at_end']:,.0f}"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    budget_allows = args.budget * 3600 * args.check_hours >= args.partnerships * (1 - saved_ratio)
    ok = req_ratio <= 1.0 and cpu_ms < 1.0 and (late_ratio <= 1.0 or not budget_allows)
    print("targets met" if ok else "TARGET MISSED")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partnerships", type=int, default=1_000_000)
    parser.add_argument("--guilds", type=int, default=100_000)
    parser.add_argument("--hours", type=float, default=36.0, help="simulated time (one cycle and a half)")
    parser.add_argument("--check-hours", type=float, default=24.0, help="HEALTH_CHECK_HOURS")
    parser.add_argument(
        "--budget", type=float, default=20.0, help="checks started per second (HEALTH_CHECKS_PER_SECOND)"
    )
    parser.add_argument("--batch", type=int, default=100, help="SCHEDULER_BATCH")
    parser.add_argument(
        "--popular-share", type=float, default=0.4, help="share of partnerships advertising a popular server"
    )
    args = parser.parse_args()
    result = asyncio.run(simulate(args))
    sys.exit(0 if report(args, result) else 1)


if __name__ == "__main__":
    main()
