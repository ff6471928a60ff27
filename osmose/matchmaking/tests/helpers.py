"""Small instances built in code, and where the shared sample instances live."""

import math
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "b2b" / "instances"


def sample(name: str) -> Path:
    """A sample instance of shared/data/b2b (never copied into the repository)."""
    path = SAMPLES / f"{name}.json"
    assert path.exists(), f"sample instance {path} not found: the tests read ../shared/data/b2b"
    return path


def instance_data(**changes: Any) -> dict[str, Any]:
    """Four participants, four meetings, one table short of running them all at once."""
    data: dict[str, Any] = {
        "format": "osmose-b2b/1",
        "name": "tiny",
        "slot_count": 6,
        "sessions": [
            {"name": "morning", "first_slot": 1, "last_slot": 3},
            {"name": "afternoon", "first_slot": 4, "last_slot": 6},
        ],
        "tables": 2,
        "fairness": 2,
        "participants": [
            {"id": "a", "unavailable_slots": []},
            {"id": "b", "unavailable_slots": [2]},
            {"id": "c", "unavailable_slots": []},
            {"id": "d", "unavailable_slots": []},
        ],
        "meetings": [
            {"id": "m1", "participants": ["a", "b"], "session": None, "fixed_slot": None,
             "after": []},
            {"id": "m2", "participants": ["a", "c"], "session": "morning", "fixed_slot": None,
             "after": []},
            {"id": "m3", "participants": ["a", "d"], "session": None, "fixed_slot": None,
             "after": ["m2"]},
            {"id": "m4", "participants": ["b", "c"], "session": None, "fixed_slot": None,
             "after": []},
        ],
    }  # fmt: skip
    data.update(changes)
    return data


def meeting(id: str, *participants: str, **fields: Any) -> dict[str, Any]:
    return {"id": id, "participants": list(participants), "session": None, "fixed_slot": None,
            "after": [], **fields}  # fmt: skip


def loose_instance_data(
    seed: int,
    *,
    participants: int | None = None,
    slots: int | None = None,
    table_ratio: float | None = None,
) -> dict[str, Any]:
    """A loose, realistic event: most people have 1–4 meetings, a few up to 8, in 12–24 slots.

    Degrees are skewed (many 1–3, few 6–8), a few meetings are groups of 3, one participant in
    ten is away for two slots at a session's edge, and a meeting or two is bound to a session.
    ``table_ratio`` is tables × slots / meetings (1.0: just enough, below 1: short); drawn in
    1.2–2.5 by default. The same seed gives the same instance.
    """
    import random

    rng = random.Random(seed)
    count = participants or rng.randint(60, 200)
    slot_count = slots or rng.randint(12, 24)
    half = slot_count // 2
    people = [f"p{i}" for i in range(1, count + 1)]
    degree = {p: rng.choices(range(1, 9), [12, 16, 18, 14, 8, 5, 3, 2])[0] for p in people}
    stubs = [p for p in people for _ in range(degree[p])]
    rng.shuffle(stubs)
    pairs: set[tuple[str, str]] = set()
    for a, b in zip(stubs[::2], stubs[1::2], strict=False):
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    groups = []
    for a, b in sorted(pairs):
        others = [p for p in rng.sample(people, 3) if p not in (a, b)]
        groups.append([a, b, others[0]] if rng.random() < 0.03 else [a, b])
    rng.shuffle(groups)
    away = []
    for p in people:
        edge = rng.choice([[1, 2], [half, half + 1], [slot_count - 1, slot_count]])
        away.append({"id": p, "unavailable_slots": edge if rng.random() < 0.1 else []})
    meetings = []
    for index, group in enumerate(groups, start=1):
        session = rng.choice(["morning", "afternoon"]) if rng.random() < 0.02 else None
        meetings.append(meeting(f"m{index}", *group, session=session))
    ratio = table_ratio if table_ratio is not None else rng.uniform(1.2, 2.5)
    return {
        "format": "osmose-b2b/1",
        "name": f"loose-{seed}",
        "slot_count": slot_count,
        "sessions": [
            {"name": "morning", "first_slot": 1, "last_slot": half},
            {"name": "afternoon", "first_slot": half + 1, "last_slot": slot_count},
        ],
        "tables": max(1, math.ceil(len(meetings) * ratio / slot_count)),
        "fairness": 2,
        "participants": away,
        "meetings": meetings,
    }
