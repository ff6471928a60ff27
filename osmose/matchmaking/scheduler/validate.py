"""An independent check of a result against its instance: every hard rule, breaks from scratch.

It shares no code with the solvers (not even ``Instance.allowed_slots``), so a solver bug
cannot hide behind the same helper. Every schedule passes it before it is written.
"""

import itertools
from collections import defaultdict

from osmose.matchmaking.scheduler.instance import Instance
from osmose.matchmaking.scheduler.result import Result, Status


def compute_breaks(instance: Instance, slots: dict[str, int]) -> dict[str, int]:
    """Breaks per participant: consecutive meetings (in slot order) whose slots are not adjacent.

    ``slots`` maps the placed meetings' ids to their slot; a gap of any length is one break.
    """
    taken: dict[str, list[int]] = {p.id: [] for p in instance.participants}
    for meeting in instance.meetings:
        if meeting.id in slots:
            for participant_id in meeting.participants:
                taken[participant_id].append(slots[meeting.id])
    breaks = {}
    for participant_id, used in taken.items():
        used.sort()
        breaks[participant_id] = sum(1 for a, b in itertools.pairwise(used) if b > a + 1)
    return breaks


def validate_result(
    instance: Instance, result: Result, *, fairness: int | str | None = "instance"
) -> list[str]:
    """Every violation of a hard rule of FORMAT.md, as sentences; an empty list means valid.

    ``fairness`` is the bound to check: by default the instance's; ``None`` checks none (the
    ``without_fairness`` schedule). An ``infeasible`` or ``unknown`` result must place nothing;
    its ``without_fairness`` schedule, if any, is checked without the bound.
    """
    bound = instance.fairness if fairness == "instance" else fairness
    assert bound is None or isinstance(bound, int)
    problems: list[str] = []
    if result.instance != instance.name:
        problems.append(f"result is for {result.instance!r}, not {instance.name!r}")
    if result.status in (Status.INFEASIBLE, Status.UNKNOWN):
        if result.meetings:
            problems.append(f"a {result.status} result places no meeting")
        if result.without_fairness is not None:
            problems += [
                f"without_fairness: {problem}"
                for problem in validate_result(instance, result.without_fairness, fairness=None)
            ]
        return problems

    meetings = {m.id: m for m in instance.meetings}
    slots: dict[str, int] = {}
    for placement in result.meetings:
        meeting = meetings.get(placement.id)
        if meeting is None:
            problems.append(f"meeting {placement.id!r} is not in the instance")
            continue
        if placement.id in slots:
            problems.append(f"meeting {placement.id!r} is placed twice")
            continue
        slots[placement.id] = placement.slot
        where = f"meeting {placement.id!r} in slot {placement.slot}"
        if not 1 <= placement.slot <= instance.slot_count:
            problems.append(f"{where}: no such slot (1..{instance.slot_count})")
        if not 1 <= placement.table <= instance.tables:
            problems.append(f"{where}: no table {placement.table} (1..{instance.tables})")
        if meeting.fixed_slot is not None and placement.slot != meeting.fixed_slot:
            problems.append(f"{where}: it is fixed to slot {meeting.fixed_slot}")
        if meeting.session is not None:
            session = next(s for s in instance.sessions if s.name == meeting.session)
            if not session.first_slot <= placement.slot <= session.last_slot:
                problems.append(f"{where}: outside its session {session.name!r}")
        for participant_id in meeting.participants:
            if placement.slot in instance.participant(participant_id).unavailable_slots:
                problems.append(f"{where}: {participant_id!r} is unavailable then")

    unscheduled = [u.id for u in result.unscheduled]
    for meeting_id in unscheduled:
        if meeting_id not in meetings:
            problems.append(f"unscheduled meeting {meeting_id!r} is not in the instance")
        elif meeting_id in slots:
            problems.append(f"meeting {meeting_id!r} is both placed and unscheduled")
    if len(set(unscheduled)) != len(unscheduled):
        problems.append("a meeting is listed twice in unscheduled")
    missing = [m for m in meetings if m not in slots and m not in unscheduled]
    if missing:
        problems.append(f"meetings neither placed nor unscheduled: {', '.join(missing[:10])}")

    for meeting_id, slot in slots.items():
        for before in meetings[meeting_id].after:
            if before not in slots:
                problems.append(f"meeting {meeting_id!r} is placed but {before!r} (before) is not")
            elif slots[before] >= slot:
                problems.append(
                    f"meeting {meeting_id!r} in slot {slot} must come after {before!r} "
                    f"(slot {slots[before]})"
                )

    by_participant_slot: dict[tuple[str, int], list[str]] = defaultdict(list)
    by_table_slot: dict[tuple[int, int], list[str]] = defaultdict(list)
    for placement in result.meetings:
        if placement.id in meetings:
            for participant_id in meetings[placement.id].participants:
                by_participant_slot[participant_id, placement.slot].append(placement.id)
            by_table_slot[placement.table, placement.slot].append(placement.id)
    for (participant_id, slot), ids in sorted(by_participant_slot.items()):
        if len(set(ids)) > 1:
            problems.append(f"{participant_id!r} has {len(ids)} meetings in slot {slot}: {ids}")
    for (table, slot), ids in sorted(by_table_slot.items()):
        if len(set(ids)) > 1:
            problems.append(f"table {table} is used twice in slot {slot}: {ids}")

    breaks = compute_breaks(instance, slots)
    total = sum(breaks.values())
    if result.total_breaks != total:
        problems.append(f"total_breaks is {result.total_breaks}, the schedule has {total}")
    if bound is not None and breaks and max(breaks.values()) - min(breaks.values()) > bound:
        most = max(breaks, key=lambda p: breaks[p])
        least = min(breaks, key=lambda p: breaks[p])
        problems.append(
            f"fairness {bound} broken: {most!r} has {breaks[most]} breaks, "
            f"{least!r} has {breaks[least]}"
        )
    if result.lower_bound is not None and result.lower_bound > total:
        problems.append(f"lower_bound {result.lower_bound} exceeds total_breaks {total}")
    if result.status == Status.OPTIMAL and result.lower_bound not in (None, total):
        problems.append("an optimal result's lower bound must equal its total")
    if result.status in (Status.OPTIMAL, Status.FEASIBLE) and unscheduled:
        problems.append(f"status {result.status} but {len(unscheduled)} meetings unscheduled")
    if result.status == Status.PARTIAL and not unscheduled:
        problems.append("status partial but every meeting is placed")
    return problems
