"""The B2B meeting scheduler: the `osmose-b2b/1` problem, its result, a validator and solvers.

Pure Python over plain data (no database): the marketplace builds an :class:`Instance` from an
event's accepted meetings, calls :func:`solve`, and stores the :class:`Result`.
"""

from osmose.matchmaking.scheduler.greedy import greedy_schedule
from osmose.matchmaking.scheduler.instance import (
    Instance,
    InstanceError,
    Meeting,
    Participant,
    Session,
    load_instance,
    parse_instance,
)
from osmose.matchmaking.scheduler.result import Placement, Result, Status, Unscheduled
from osmose.matchmaking.scheduler.solver import solve
from osmose.matchmaking.scheduler.validate import compute_breaks, validate_result

__all__ = [
    "Instance",
    "InstanceError",
    "Meeting",
    "Participant",
    "Placement",
    "Result",
    "Session",
    "Status",
    "Unscheduled",
    "compute_breaks",
    "greedy_schedule",
    "load_instance",
    "parse_instance",
    "solve",
    "validate_result",
]
