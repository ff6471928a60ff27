"""An event's meetings through the scheduler: run, apply, re-run stably, import, agendas."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from icalendar import Calendar

from osmose.events import documents
from osmose.matchmaking import agenda, scheduling, services
from osmose.matchmaking.models import Meeting, MeetingStatus, RunStatus
from osmose.matchmaking.scheduler import compute_breaks, parse_instance, validate_result
from osmose.matchmaking.scheduler.result import parse_result
from osmose.matchmaking.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (French is the default language)."""
    with translation.override("en"):
        yield


def _meet(a, b):
    return services.answer_request(services.request_meeting(a, b), accept=True)


def _run(brokerage, **kwargs):
    run = scheduling.start_run(brokerage, time_limit=10)
    return scheduling.execute(run, **kwargs)


def _stored_slots(brokerage):
    return {
        f"m{m.pk}": (m.slot, m.table)
        for m in Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED)
    }


@pytest.fixture
def star():
    """One busy person meeting four others, plus one more pair."""
    brokerage = factories.brokerage(slots=6, tables=2)
    hub, *others = (factories.participant(brokerage) for _ in range(6))
    for other in others[:4]:
        _meet(other, hub)
    _meet(others[3], others[4])
    return brokerage, hub, others


def test_a_run_places_every_meeting_without_breaks_and_proves_it(star):
    brokerage, _hub, _others = star
    run = _run(brokerage)
    assert run.status == RunStatus.OPTIMAL
    assert (run.placed, run.unplaced, run.total_breaks, run.applied) == (5, 0, 0, True)
    instance = scheduling.build_instance(brokerage)
    stored = _stored_slots(brokerage)
    assert all(slot and table for slot, table in stored.values())
    result = parse_result(run.result)
    assert validate_result(instance, result) == []
    assert compute_breaks(instance, {k: v[0] for k, v in stored.items()}) == {
        p.id: 0 for p in instance.participants
    }
    assert "Proved optimal" in scheduling.describe(run)


def test_a_late_meeting_keeps_the_schedule_stable(star):
    brokerage, _hub, others = star
    _run(brokerage)
    before = _stored_slots(brokerage)
    _meet(others[0], others[1])
    run = _run(brokerage)
    after = _stored_slots(brokerage)
    assert {k: after[k] for k in before} == before  # nothing moved, tables included
    assert len(after) == 6 and all(slot for slot, _table in after.values())
    assert run.moved == 0


def test_unavailability_and_the_table_count_are_respected(star):
    brokerage, hub, _others = star
    services.update_profile(hub, unavailable_slots=[1, 2])
    run = _run(brokerage)
    hub_slots = {m.slot for m in Meeting.objects.filter(participants=hub)}
    assert not hub_slots & {1, 2}
    assert run.placed == 5
    per_slot: dict[int, int] = {}
    for slot, _table in _stored_slots(brokerage).values():
        per_slot[slot] = per_slot.get(slot, 0) + 1
    assert max(per_slot.values()) <= brokerage.table_count


def test_over_subscription_places_the_most_and_says_why(animator):
    brokerage = factories.brokerage(slots=2, tables=1)
    people = [factories.participant(brokerage) for _ in range(6)]
    for a, b in zip(people[::2], people[1::2], strict=True):
        services.add_meeting(brokerage, [a, b], actor=animator)
    run = _run(brokerage)
    assert run.status == RunStatus.PARTIAL
    assert (run.placed, run.unplaced) == (2, 1)
    unplaced = Meeting.objects.get(slot__isnull=True, status=MeetingStatus.PLANNED)
    assert unplaced.unscheduled_reason
    assert "could not be placed" in scheduling.describe(run)


def test_fairness_that_cannot_hold_is_said_and_the_unfair_schedule_offered(animator):
    # A meets B in slot 1 (fixed) and C in slot 3 (fixed): A has one break, others none.
    brokerage = factories.brokerage(slots=3, tables=1, fairness=0)
    a, b, c = (factories.participant(brokerage) for _ in range(3))
    services.add_meeting(brokerage, [a, b], actor=animator, fixed_slot=1)
    services.add_meeting(brokerage, [a, c], actor=animator, fixed_slot=3)
    run = _run(brokerage)
    assert run.status == RunStatus.INFEASIBLE
    assert not run.applied
    assert "without that bound" in scheduling.describe(run)
    scheduling.apply(run, without_fairness=True, actor=animator)
    assert sorted(s for s, _t in _stored_slots(brokerage).values()) == [1, 3]


def test_a_result_made_elsewhere_is_validated_before_it_is_applied(star):
    brokerage, _hub, _others = star
    data = scheduling.export_instance(brokerage)
    instance = parse_instance(data)  # the exported file is a valid osmose-b2b/1 instance
    bad = {
        "format": "osmose-b2b-result/1",
        "instance": instance.name,
        "status": "feasible",
        "total_breaks": 0,
        "meetings": [{"id": m.id, "slot": 1, "table": 1} for m in instance.meetings],
        "unscheduled": [],
    }
    with pytest.raises(ValidationError):
        scheduling.import_result(brokerage, bad)
    assert not Meeting.objects.filter(slot__isnull=False).exists()
    from osmose.matchmaking.scheduler import solve

    good = solve(instance, time_limit=10).to_dict()
    run = scheduling.import_result(brokerage, good)
    assert run.applied and len(_stored_slots(brokerage)) == 5


def test_agenda_ics_and_badge_lines(star, django_capture_on_commit_callbacks):
    brokerage, hub, others = star
    _run(brokerage)
    items = agenda.agenda(hub)
    assert len(items) == 4 and all(item.slot for item in items)
    numbers = [i.slot.number for i in items if i.slot]
    assert numbers == sorted(numbers)
    calendar = Calendar.from_ical(agenda.agenda_ics(hub))
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 4
    assert str(others[0].person) in " ".join(str(e["SUMMARY"]) for e in events)
    assert agenda.badge_lines([hub.registration]) == {}  # not published yet
    brokerage.schedule_published = True
    brokerage.save()
    lines = agenda.badge_lines([hub.registration])[hub.registration.pk]
    assert len(lines) == 4 and "Table" in lines[0]
    html = documents.badges_html([hub.registration])
    assert lines[0].split(" · ")[0] in html
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(items[0].meeting)
    assert {m.to[0] for m in mail.outbox} == {
        p.person.email for p in items[0].meeting.participants.all()
    }
    assert len(agenda.agenda(hub)) == 3


def test_the_agenda_email_lists_the_meetings_with_the_calendar(star):
    from osmose.matchmaking import emails

    brokerage, hub, _others = star
    _run(brokerage)
    message = emails.message("agenda", participant_id=hub.pk)
    assert message is not None and message.to == [hub.person.email]
    assert message.body.count("\n- ") == 4
    (name, content, _type) = message.attachments[0]
    assert name.endswith(".ics") and "VEVENT" in str(content)


def test_one_run_at_a_time_but_a_lost_run_does_not_block(star):
    from datetime import timedelta

    from django.utils import timezone

    from osmose.matchmaking.models import ScheduleRun

    brokerage, _hub, _others = star
    first = scheduling.start_run(brokerage, time_limit=10)
    with pytest.raises(ValidationError, match="already running"):
        scheduling.start_run(brokerage)
    ScheduleRun.objects.filter(pk=first.pk).update(started_at=timezone.now() - timedelta(hours=1))
    second = scheduling.start_run(brokerage, time_limit=10)
    first.refresh_from_db()
    assert first.status == RunStatus.FAILED and second.status == RunStatus.RUNNING
