"""The `osmose-b2b-result/1` result: a schedule, its breaks and what the solver could prove.

Fields of ``shared/data/b2b/FORMAT.md`` plus Osmose extensions, all optional for readers:
- ``lower_bound``: a proved lower bound on ``total_breaks`` (equal to it when ``optimal``);
- ``fairness``: the fairness bound the schedule respects (``null`` for none);
- ``placed_upper_bound``: when ``partial``, a proved upper bound on how many meetings (or how
  much priority) any schedule could place;
- ``message``: one human sentence about the outcome;
- ``without_fairness``: when the status is ``infeasible`` because of fairness alone (or no
  fair schedule was found in time: ``unknown``), the best schedule found without the fairness
  bound, itself an ``osmose-b2b-result/1`` object. The top-level ``meetings`` is then empty.
"""

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

FORMAT = "osmose-b2b-result/1"


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    PARTIAL = "partial"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Placement:
    id: str
    slot: int
    table: int


@dataclass(frozen=True)
class Unscheduled:
    id: str
    reason: str


@dataclass
class Result:
    instance: str
    status: Status
    total_breaks: int | None
    meetings: list[Placement] = field(default_factory=list)
    unscheduled: list[Unscheduled] = field(default_factory=list)
    seconds: float = 0.0
    lower_bound: int | None = None
    fairness: int | None = None
    placed_upper_bound: int | None = None
    message: str = ""
    without_fairness: "Result | None" = None

    def slots(self) -> dict[str, int]:
        return {p.id: p.slot for p in self.meetings}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "instance": self.instance,
            "status": str(self.status),
            "total_breaks": self.total_breaks,
            "meetings": [{"id": p.id, "slot": p.slot, "table": p.table} for p in self.meetings],
            "unscheduled": [{"id": u.id, "reason": u.reason} for u in self.unscheduled],
            "seconds": round(self.seconds, 2),
            "lower_bound": self.lower_bound,
            "fairness": self.fairness,
        }
        if self.placed_upper_bound is not None:
            data["placed_upper_bound"] = self.placed_upper_bound
        if self.message:
            data["message"] = self.message
        if self.without_fairness is not None:
            data["without_fairness"] = self.without_fairness.to_dict()
        return data

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


def parse_result(data: Any) -> Result:
    """Read a result document back (raises ``ValueError`` naming the field on a defect)."""
    if not isinstance(data, dict):
        raise ValueError("a result must be a JSON object")
    if data.get("format") != FORMAT:
        raise ValueError(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
    try:
        status = Status(data["status"])
    except (KeyError, ValueError) as error:
        raise ValueError(f"status: not one of {[s.value for s in Status]}") from error
    meetings = []
    for index, item in enumerate(data.get("meetings", [])):
        try:
            meetings.append(Placement(str(item["id"]), int(item["slot"]), int(item["table"])))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"meetings[{index}]: needs id, slot and table") from error
    unscheduled = []
    for index, item in enumerate(data.get("unscheduled", [])):
        try:
            unscheduled.append(Unscheduled(str(item["id"]), str(item.get("reason", ""))))
        except (KeyError, TypeError) as error:
            raise ValueError(f"unscheduled[{index}]: needs id") from error
    without = data.get("without_fairness")
    return Result(
        instance=str(data.get("instance", "")),
        status=status,
        total_breaks=data.get("total_breaks"),
        meetings=meetings,
        unscheduled=unscheduled,
        seconds=float(data.get("seconds", 0.0)),
        lower_bound=data.get("lower_bound"),
        fairness=data.get("fairness"),
        placed_upper_bound=data.get("placed_upper_bound"),
        message=str(data.get("message", "")),
        without_fairness=parse_result(without) if without is not None else None,
    )


def load_result(path: str | Path) -> Result:
    return parse_result(json.loads(Path(path).read_text(encoding="utf-8")))
