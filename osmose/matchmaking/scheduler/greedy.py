"""The first-free-slot baseline (b2match's "Quick Schedule"), and helpers the solver shares.

Each meeting, in the instance's order (a meeting after those it must follow), goes to the
first slot it allows where every participant is free and a table is left, at the lowest free
table. It ignores breaks and fairness: it is what the optimiser is measured against.
"""

import heapq
import time

from osmose.matchmaking.scheduler.instance import Instance
from osmose.matchmaking.scheduler.result import Placement, Result, Status, Unscheduled


def precedence_order(instance: Instance) -> list[int]:
    """Meeting indexes in instance order, each after the meetings it must follow."""
    index = {m.id: i for i, m in enumerate(instance.meetings)}
    waiting = [len(m.after) for m in instance.meetings]
    followers: list[list[int]] = [[] for _ in instance.meetings]
    for i, meeting in enumerate(instance.meetings):
        for before in meeting.after:
            followers[index[before]].append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in followers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    return order


def assign_tables(instance: Instance, slots: dict[str, int]) -> list[Placement]:
    """Tables 1..n within each slot, in instance order (any matching works: tables are alike)."""
    used: dict[int, int] = {}
    placements = []
    for meeting in instance.meetings:
        if meeting.id in slots:
            slot = slots[meeting.id]
            used[slot] = used.get(slot, 0) + 1
            placements.append(Placement(meeting.id, slot, used[slot]))
    return placements


def unscheduled_reason(
    instance: Instance, meeting_index: int, slots: dict[str, int], allowed: list[int]
) -> str:
    """Why a meeting did not fit, given where the placed meetings are."""
    meeting = instance.meetings[meeting_index]
    if not allowed:
        where = f"in session {meeting.session!r}" if meeting.session else "in the event"
        if meeting.fixed_slot is not None:
            where = f"in its fixed slot {meeting.fixed_slot}"
        return f"no slot {where} in which all its participants are available"
    missing = [b for b in meeting.after if b not in slots]
    if missing:
        return f"it must follow {missing[0]!r}, which is not scheduled"
    earliest = max((slots[b] for b in meeting.after), default=0)
    allowed = [t for t in allowed if t > earliest]
    if not allowed:
        return f"no allowed slot left after those of the meetings it must follow ({earliest})"
    per_slot: dict[int, int] = {}
    busy: dict[str, set[int]] = {p: set() for p in meeting.participants}
    for other in instance.meetings:
        if other.id in slots:
            per_slot[slots[other.id]] = per_slot.get(slots[other.id], 0) + 1
            for p in other.participants:
                if p in busy:
                    busy[p].add(slots[other.id])
    if all(per_slot.get(t, 0) >= instance.tables for t in allowed):
        return f"all {instance.tables} tables are taken in every slot it allows"
    for p, taken in busy.items():
        if all(t in taken for t in allowed):
            return f"{p!r} is in other meetings in every slot it allows"
    return "in every slot it allows, the tables are full or one of its participants is busy"


def greedy_schedule(instance: Instance) -> Result:
    started = time.monotonic()
    busy: dict[str, set[int]] = {p.id: set() for p in instance.participants}
    per_slot = [0] * (instance.slot_count + 1)
    slots: dict[str, int] = {}
    failed = []
    for i in precedence_order(instance):
        meeting = instance.meetings[i]
        if any(b not in slots for b in meeting.after):
            failed.append(i)
            continue
        earliest = max((slots[b] for b in meeting.after), default=0)
        for t in instance.allowed_slots(meeting):
            if (
                t > earliest
                and per_slot[t] < instance.tables
                and all(t not in busy[p] for p in meeting.participants)
            ):
                slots[meeting.id] = t
                per_slot[t] += 1
                for p in meeting.participants:
                    busy[p].add(t)
                break
        else:
            failed.append(i)
    from osmose.matchmaking.scheduler.validate import compute_breaks

    unscheduled = [
        Unscheduled(
            instance.meetings[i].id,
            unscheduled_reason(instance, i, slots, instance.allowed_slots(instance.meetings[i])),
        )
        for i in sorted(failed)
    ]
    return Result(
        instance=instance.name,
        status=Status.PARTIAL if unscheduled else Status.FEASIBLE,
        total_breaks=sum(compute_breaks(instance, slots).values()),
        meetings=assign_tables(instance, slots),
        unscheduled=unscheduled,
        seconds=time.monotonic() - started,
        message="first free slot (greedy); breaks and fairness not considered",
    )
