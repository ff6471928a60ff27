"""An event's meetings through the scheduler: the instance, a run, its result applied.

The event's problem is an ``osmose-b2b/1`` instance (participants ``p<pk>``, meetings
``m<pk>``, slots numbered from 1 as in ``Brokerage.slots``), so what the organiser exports
is what ``osmose schedule-meetings`` reads, and a result made elsewhere can be imported back
after the same validator has checked it.

Running again after late changes keeps the schedule stable: first every meeting that was
placed keeps its slot and only the new ones are placed around them; only when that cannot
place every meeting does the scheduler start afresh. Tables stay where they were whenever the
slot did not change.
"""

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from osmose.core.audit import log_action
from osmose.matchmaking import scheduler
from osmose.matchmaking.models import (
    Brokerage,
    Meeting,
    MeetingStatus,
    Participant,
    RunStatus,
    ScheduleRun,
)
from osmose.matchmaking.scheduler import Instance, Result, Status, solve, validate_result
from osmose.matchmaking.scheduler.result import parse_result

APPLICABLE = (Status.OPTIMAL, Status.FEASIBLE, Status.PARTIAL)
# A run still marked running this long after its time limit has lost its worker.
STALE_AFTER = timedelta(minutes=15)


def _pid(pk: int) -> str:
    return f"p{pk}"


def _mid(pk: int) -> str:
    return f"m{pk}"


def _pk(instance_id: str) -> int:
    return int(instance_id[1:])


def planned_meetings(brokerage: Brokerage) -> list[Meeting]:
    return list(
        Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED)
        .prefetch_related("participants", "after")
        .order_by("pk")
    )


def build_instance(brokerage: Brokerage, *, keep: dict[int, int] | None = None) -> Instance:
    """The brokerage's problem; ``keep`` (meeting pk -> slot) fixes those meetings' slots."""
    keep = keep or {}
    slots = brokerage.slots()
    sessions: list[scheduler.Session] = []
    for slot in slots:
        name = f"s{slot.session.pk}"
        if sessions and sessions[-1].name == name:
            sessions[-1] = scheduler.Session(name, sessions[-1].first_slot, slot.number)
        else:
            sessions.append(scheduler.Session(name, slot.number, slot.number))
    meetings = planned_meetings(brokerage)
    people: dict[int, Participant] = {}
    for meeting in meetings:
        for participant in meeting.participants.all():
            people[participant.pk] = participant
    planned = {m.pk for m in meetings}
    count = len(slots)
    return Instance(
        name=f"event-{brokerage.event_id}",
        slot_count=count,
        tables=brokerage.table_count,
        sessions=tuple(sessions),
        fairness=brokerage.fairness,
        participants=tuple(
            scheduler.Participant(
                _pid(p.pk),
                frozenset(s for s in p.unavailable_slots if 1 <= int(s) <= count),
            )
            for p in sorted(people.values(), key=lambda p: p.pk)
        ),
        meetings=tuple(
            scheduler.Meeting(
                id=_mid(m.pk),
                participants=tuple(_pid(p.pk) for p in m.participants.all()),
                session=f"s{m.session_id}" if m.session_id else None,
                fixed_slot=keep.get(m.pk, m.fixed_slot),
                after=tuple(_mid(a.pk) for a in m.after.all() if a.pk in planned),
                priority=m.priority,
            )
            for m in meetings
        ),
    )


def export_instance(brokerage: Brokerage) -> dict[str, Any]:
    return build_instance(brokerage).to_dict()


# -- running -------------------------------------------------------------------------------


def start_run(brokerage: Brokerage, *, actor: Any = None, time_limit: int = 60) -> ScheduleRun:
    """Record a run (the task or the caller then calls :func:`execute`); one at a time.

    A run still "running" long after its time limit lost its worker (stopped, crashed): it
    is marked failed so that it does not block the next one.
    """
    if not brokerage.slots():
        raise ValidationError(_("Add meeting sessions before scheduling."))
    with transaction.atomic():
        Brokerage.objects.select_for_update().get(pk=brokerage.pk)
        now = timezone.now()
        for stale in ScheduleRun.objects.filter(brokerage=brokerage, status=RunStatus.RUNNING):
            if stale.started_at + timedelta(seconds=stale.time_limit) + STALE_AFTER < now:
                stale.status = RunStatus.FAILED
                stale.message = _("Abandoned: no worker finished it.")
                stale.finished_at = now
                stale.save(update_fields=["status", "message", "finished_at"])
            else:
                raise ValidationError(_("The scheduler is already running for this event."))
        return ScheduleRun.objects.create(
            brokerage=brokerage,
            started_by=actor if getattr(actor, "is_authenticated", False) else None,
            time_limit=max(5, min(int(time_limit), 600)),
        )


def execute(run: ScheduleRun, *, log: Callable[[str], None] | None = None) -> ScheduleRun:
    """Solve, store the result and apply it when it is a schedule; never leaves it running."""
    try:
        result, _moved = _solve_stably(run.brokerage, run.time_limit, log)
    except Exception as error:
        run.status = RunStatus.FAILED
        run.message = str(error)[:500]
        run.finished_at = timezone.now()
        run.save()
        raise
    _record(run, result)
    if result.status in APPLICABLE:
        apply(run)  # counts the meetings it moved
    return run


def _solve_stably(
    brokerage: Brokerage, time_limit: float, log: Callable[[str], None] | None
) -> tuple[Result, int]:
    """(result, how many placed meetings it moves). Keep what is placed when everything fits."""
    deadline = time.monotonic() + time_limit
    previous = {m.pk: m.slot for m in planned_meetings(brokerage) if m.slot is not None}
    instance = build_instance(brokerage)
    keep = _still_allowed(instance, previous)
    if keep:
        kept = solve(
            build_instance(brokerage, keep=keep), time_limit=max(1.0, time_limit / 3), log=log
        )
        if kept.status in (Status.OPTIMAL, Status.FEASIBLE):
            return kept, len(previous) - len(keep)
    remaining = max(1.0, deadline - time.monotonic())
    fresh = solve(instance, time_limit=remaining, log=log)
    slots = fresh.slots()
    moved = sum(1 for pk, slot in previous.items() if slots.get(_mid(pk)) != slot)
    return fresh, moved


def _still_allowed(instance: Instance, previous: dict[int, int]) -> dict[int, int]:
    """The previous slots that the meetings may still take (unavailability may have changed)."""
    allowed = {}
    for meeting in instance.meetings:
        pk = _pk(meeting.id)
        if pk in previous and previous[pk] in instance.allowed_slots(meeting):
            allowed[pk] = previous[pk]
    return allowed


def _record(run: ScheduleRun, result: Result) -> None:
    run.status = RunStatus(str(result.status))
    run.total_breaks = result.total_breaks
    run.lower_bound = result.lower_bound
    run.placed = len(result.meetings)
    run.unplaced = len(result.unscheduled)
    run.message = result.message
    run.result = result.to_dict()
    run.finished_at = timezone.now()
    run.save()


def describe(run: ScheduleRun) -> str:
    """One sentence about a run, in the active language."""
    if run.status == RunStatus.RUNNING:
        return _("The scheduler is running (at most %(seconds)d s).") % {"seconds": run.time_limit}
    if run.status == RunStatus.FAILED:
        return _("The scheduler failed: %(error)s") % {"error": run.message}
    if run.status == RunStatus.INFEASIBLE:
        return _(
            "No schedule keeps every participant within %(bound)s breaks of the others. "
            "The best schedule without that bound is offered below."
        ) % {"bound": run.result.get("fairness")}
    if run.status == RunStatus.UNKNOWN:
        return _(
            "No schedule meeting the fairness bound was found in time; the best one found "
            "without it is offered below."
        )
    breaks = run.total_breaks or 0
    parts = [
        ngettext(
            "%(placed)d meeting placed, %(breaks)d breaks in all.",
            "%(placed)d meetings placed, %(breaks)d breaks in all.",
            run.placed,
        )
        % {"placed": run.placed, "breaks": breaks}
    ]
    if run.status == RunStatus.OPTIMAL:
        parts.append(_("Proved optimal."))
    elif run.lower_bound is not None:
        parts.append(_("Not proved optimal (at least %(bound)d).") % {"bound": run.lower_bound})
    if run.unplaced:
        parts.append(
            ngettext(
                "%(count)d could not be placed.", "%(count)d could not be placed.", run.unplaced
            )
            % {"count": run.unplaced}
        )
    if run.applied and run.moved:
        parts.append(
            ngettext("%(count)d meeting moved.", "%(count)d meetings moved.", run.moved)
            % {"count": run.moved}
        )
    return " ".join(parts)


# -- applying ------------------------------------------------------------------------------


def apply(run: ScheduleRun, *, without_fairness: bool = False, actor: Any = None) -> ScheduleRun:
    """Write the run's schedule onto the meetings (tables kept where the slot did not move).

    ``without_fairness``: use the schedule the solver offered without the fairness bound.
    Refused if the meetings changed since the run (the result would not fit them).
    """
    data = run.result.get("without_fairness") if without_fairness else run.result
    if not data:
        raise ValidationError(_("This run has no schedule to apply."))
    result = parse_result(data)
    if result.status not in APPLICABLE:
        raise ValidationError(_("This run has no schedule to apply."))
    with transaction.atomic():
        brokerage = Brokerage.objects.select_for_update().get(pk=run.brokerage_id)
        instance = build_instance(brokerage)
        problems = validate_result(
            instance, result, fairness=None if without_fairness else "instance"
        )
        if problems:
            raise ValidationError(
                _("The meetings changed since this schedule was made; run the scheduler again.")
            )
        moved, moved_people = _write(brokerage, result)
        run.applied = True
        run.moved = moved
        run.save(update_fields=["applied", "moved"])
        log_action(
            "matchmaking.schedule_applied",
            actor=actor,
            target=brokerage.event,
            data={"run": run.pk, "without_fairness": without_fairness},
        )
        if brokerage.schedule_published and moved_people:
            from osmose.matchmaking.emails import send_or_queue

            def notify() -> None:
                for participant_id in sorted(moved_people):
                    send_or_queue("agenda_changed", participant_id=participant_id)

            transaction.on_commit(notify)
    return run


def _write(brokerage: Brokerage, result: Result) -> tuple[int, set[int]]:
    """Store slots and tables: how many placed meetings moved, and their participants."""
    meetings = {m.pk: m for m in planned_meetings(brokerage)}
    before = {pk: (m.slot, m.table) for pk, m in meetings.items()}
    slots = {_pk(p.id): p.slot for p in result.meetings}
    tables = _stable_tables(brokerage, slots, before)
    reasons = {_pk(u.id): u.reason for u in result.unscheduled}
    # Clear first: the unique (slot, table) constraint must hold after every row's update.
    Meeting.objects.filter(pk__in=meetings).update(slot=None, table=None)
    moved_people: set[int] = set()
    moved = 0
    for pk, meeting in meetings.items():
        meeting.slot = slots.get(pk)
        meeting.table = tables.get(pk)
        meeting.unscheduled_reason = reasons.get(pk, "")[:300] if pk not in slots else ""
        if before[pk] != (meeting.slot, meeting.table):
            if before[pk][0] is not None:
                moved += 1
            # Placed, moved or taken off the grid: its people get their new agenda.
            moved_people.update(p.pk for p in meeting.participants.all())
    Meeting.objects.bulk_update(
        list(meetings.values()), ["slot", "table", "unscheduled_reason"], batch_size=500
    )
    return moved, moved_people


def _stable_tables(
    brokerage: Brokerage, slots: dict[int, int], before: dict[int, tuple[int | None, int | None]]
) -> dict[int, int]:
    """A table for each placed meeting: its previous one if it kept its slot, else the lowest
    free one (meetings of a slot never exceed the table count: the validator checked)."""
    by_slot: dict[int, list[int]] = defaultdict(list)
    for pk, slot in slots.items():
        by_slot[slot].append(pk)
    tables: dict[int, int] = {}
    for slot, pks in by_slot.items():
        taken: set[int] = set()
        for pk in pks:
            old_slot, old_table = before.get(pk, (None, None))
            if (
                old_slot == slot
                and old_table is not None
                and old_table <= brokerage.table_count
                and old_table not in taken
            ):
                tables[pk] = old_table
                taken.add(old_table)
        free = (t for t in range(1, brokerage.table_count + 1) if t not in taken)
        for pk in sorted(pks):
            if pk not in tables:
                tables[pk] = next(free)
    return tables


def import_result(brokerage: Brokerage, data: Any, *, actor: Any = None) -> ScheduleRun:
    """Apply an ``osmose-b2b-result/1`` made elsewhere, once the validator accepts it."""
    try:
        result = parse_result(data)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    problems = validate_result(build_instance(brokerage), result)
    if problems:
        raise ValidationError(problems[:10])
    run = ScheduleRun.objects.create(
        brokerage=brokerage,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
        time_limit=0,
    )
    _record(run, result)
    if result.status in APPLICABLE:
        apply(run, actor=actor)
    return run


@transaction.atomic
def clear(brokerage: Brokerage, *, actor: Any = None) -> int:
    """Take every meeting off the grid (they stay accepted, to be scheduled again)."""
    count = Meeting.objects.filter(
        brokerage=brokerage, status=MeetingStatus.PLANNED, slot__isnull=False
    ).update(slot=None, table=None)
    log_action(
        "matchmaking.schedule_cleared", actor=actor, target=brokerage.event, data={"count": count}
    )
    return count
