"""Small instances built in code, and where the shared sample instances live."""

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
