"""B2B meeting scheduler: breaks and proofs on the sample instances, and an over-subscribed event.

    osmose bench scheduler [--time-limit 60] [--instances DIR] [--only NAME ...]
                           [--synthetic] [--synthetic-only] [--synthetic-time-limit 120]
                           [--loose N] [--loose-only] [--loose-time-limit 10]
                           [--seed 0] [--workers 2]

Per sample instance (read from ../shared/data/b2b, never copied into the repository): the
breaks found, the best known total (best_known.csv), the status (optimal = proved), the time
at which the final total was first reached and the total time, and the first-free-slot greedy's
breaks. ``--synthetic`` adds a generated over-subscribed event (500 participants, 3,000
requested meetings, 16 slots in two sessions, 60 tables, fairness 2, a few unavailable slots
and session-bound meetings, requests skewed towards popular participants). Its upper bound on
what can be placed is the smallest of: the meetings that have an allowed slot, tables × slots,
half the sum over participants of min(meetings requested, slots available), and the bound the
solver's placement model proves; it is reported with what we place and what the greedy places,
and both schedules' breaks. ``--loose N`` adds N generated loose events (seeds 1..N of
``loose_instance_data``: 60–200 participants with 1–8 meetings each, 12–24 slots, enough
tables, a few groups of three and unavailable slots), solved with the product's short limit:
most of them allow no break at all. Every schedule is checked by the validator.
"""

import argparse
import csv
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from osmose.matchmaking.scheduler import (
    Instance,
    greedy_schedule,
    load_instance,
    parse_instance,
    solve,
    validate_result,
)
from osmose.matchmaking.scheduler.solver import Progress, placement_upper_bound
from osmose.matchmaking.tests.helpers import loose_instance_data

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "b2b"


def run(argv: list[str], log: Callable[[str], Any]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="osmose bench scheduler")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--instances", type=Path, default=DATA / "instances")
    parser.add_argument("--only", nargs="*", default=None, help="Instance names to run.")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--synthetic-only", action="store_true")
    parser.add_argument("--synthetic-time-limit", type=float, default=120.0)
    parser.add_argument("--loose", type=int, default=0, help="How many loose events.")
    parser.add_argument("--loose-only", action="store_true")
    parser.add_argument("--loose-time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"time_limit": args.time_limit, "workers": args.workers}
    if not (args.synthetic_only or args.loose_only):
        figures["instances"] = _samples(args, log)
        rows = figures["instances"]
        reached = [r for r in rows if r["best_known"] is not None and r["reached_best_known"]]
        figures["reached_best_known"] = f"{len(reached)}/{len(rows)}"
        figures["proved_optimal"] = f"{sum(r['status'] == 'optimal' for r in rows)}/{len(rows)}"
        times = [r["seconds_to_best_known"] for r in reached]
        figures["median_seconds_to_best_known"] = (
            round(statistics.median(times), 1) if times else None
        )
    if args.synthetic or args.synthetic_only:
        figures["synthetic"] = _synthetic(args, log)
    if args.loose or args.loose_only:
        figures["loose"] = _loose(args, log)
        rows = figures["loose"]
        figures["loose_optimal"] = f"{sum(r['status'] == 'optimal' for r in rows)}/{len(rows)}"
    return figures


def _best_known() -> dict[str, int]:
    path = DATA / "best_known.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as file:
        return {r["instance"]: int(r["best_known_total_breaks"]) for r in csv.DictReader(file)}


def _samples(args: argparse.Namespace, log: Callable[[str], Any]) -> list[dict[str, Any]]:
    best = _best_known()
    rows = []
    for path in sorted(args.instances.glob("*.json")):
        instance = load_instance(path)
        if args.only and instance.name not in args.only:
            continue
        progress = Progress()
        result = solve(
            instance,
            time_limit=args.time_limit,
            seed=args.seed,
            workers=args.workers,
            progress=progress,
        )
        assert validate_result(instance, result) == []
        known = best.get(instance.name)
        total = result.total_breaks
        row = {
            "instance": instance.name,
            "participants": len(instance.participants),
            "meetings": len(instance.meetings),
            "breaks": total,
            "best_known": known,
            "status": str(result.status),
            "lower_bound": result.lower_bound,
            "reached_best_known": total is not None and known is not None and total <= known,
            "seconds_to_best_found": _round(progress.time_to(total) if total is not None else None),
            "seconds_to_best_known": _round(progress.time_to(known) if known is not None else None),
            "seconds": round(result.seconds, 1),
            "greedy_breaks": greedy_schedule(instance).total_breaks,
            "greedy_unscheduled": len(greedy_schedule(instance).unscheduled),
        }
        log(str(row))
        rows.append(row)
    return rows


def synthetic_instance(seed: int = 0) -> Instance:
    """500 participants, 3,000 distinct requested pairs, 16 slots, 60 tables, fairness 2."""
    rng = random.Random(seed)
    people = [f"p{i}" for i in range(1, 501)]
    # Popularity: a few participants are asked by many (more than they have slots for).
    weight = [1 / (rank + 10) ** 0.8 for rank in range(len(people))]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < 3000:
        a = rng.choice(people)
        b = rng.choices(people, weight)[0]
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    participants = []
    for person in people:
        unavailable = (
            sorted(rng.sample(range(1, 17), rng.randint(1, 3))) if rng.random() < 0.1 else []
        )
        participants.append({"id": person, "unavailable_slots": unavailable})
    meetings = []
    for index, (a, b) in enumerate(sorted(sorted(pairs), key=lambda _: rng.random()), start=1):
        session = rng.choice(["morning", "afternoon"]) if rng.random() < 0.1 else None
        meetings.append(
            {"id": f"m{index}", "participants": [a, b], "session": session, "fixed_slot": None,
             "after": []}
        )  # fmt: skip
    return parse_instance(
        {
            "format": "osmose-b2b/1",
            "name": "synthetic-500x3000",
            "slot_count": 16,
            "sessions": [
                {"name": "morning", "first_slot": 1, "last_slot": 8},
                {"name": "afternoon", "first_slot": 9, "last_slot": 16},
            ],
            "tables": 60,
            "fairness": 2,
            "participants": participants,
            "meetings": meetings,
        }
    )


def _synthetic(args: argparse.Namespace, log: Callable[[str], Any]) -> dict[str, Any]:
    instance = synthetic_instance(args.seed)
    started = time.monotonic()
    greedy = greedy_schedule(instance)
    greedy_seconds = time.monotonic() - started
    assert validate_result(instance, greedy, fairness=None) == []
    progress = Progress()
    result = solve(
        instance,
        time_limit=args.synthetic_time_limit,
        seed=args.seed,
        workers=args.workers,
        progress=progress,
        log=log,
    )
    assert validate_result(instance, result) == []
    simple_bound = placement_upper_bound(instance)
    bound = min(simple_bound, result.placed_upper_bound or simple_bound)
    placed = len(result.meetings)
    figures = {
        "participants": len(instance.participants),
        "requested": len(instance.meetings),
        "slots": instance.slot_count,
        "tables": instance.tables,
        "upper_bound": bound,
        "simple_upper_bound": simple_bound,
        "placed": placed,
        "placed_ratio": round(placed / bound, 4),
        "breaks": result.total_breaks,
        "status": str(result.status),
        "seconds": round(result.seconds, 1),
        "placement_seconds": round(progress.placement_seconds, 1),
        "greedy_placed": len(greedy.meetings),
        "greedy_breaks": greedy.total_breaks,
        "greedy_seconds": round(greedy_seconds, 2),
    }
    if result.total_breaks is not None and greedy.total_breaks:
        figures["fewer_breaks_than_greedy"] = round(
            1 - result.total_breaks / greedy.total_breaks, 3
        )
    log(str(figures))
    return figures


def _loose(args: argparse.Namespace, log: Callable[[str], Any]) -> list[dict[str, Any]]:
    rows = []
    for seed in range(1, max(1, args.loose) + 1):
        instance = parse_instance(loose_instance_data(seed))
        progress = Progress()
        result = solve(
            instance,
            time_limit=args.loose_time_limit,
            seed=args.seed,
            workers=args.workers,
            progress=progress,
        )
        assert validate_result(instance, result) == []
        greedy = greedy_schedule(instance)
        total = result.total_breaks
        row = {
            "instance": instance.name,
            "participants": len(instance.participants),
            "meetings": len(instance.meetings),
            "slots": instance.slot_count,
            "tables": instance.tables,
            "breaks": total,
            "status": str(result.status),
            "lower_bound": result.lower_bound,
            "seconds_to_best_found": _round(progress.time_to(total) if total is not None else None),
            "seconds": round(result.seconds, 1),
            "greedy_breaks": greedy.total_breaks,
            "greedy_unscheduled": len(greedy.unscheduled),
        }
        log(str(row))
        rows.append(row)
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
