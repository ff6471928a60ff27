"""Colleagues grouped in one meeting, and changes under a placed schedule (found in review)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from osmose.matchmaking import agenda, reasons, scheduling, services
from osmose.matchmaking.models import Meeting, MeetingStatus, RequestStatus
from osmose.matchmaking.scheduler import Placement, Result, Status
from osmose.matchmaking.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def group():
    """A1 and A2 (one organisation) in one meeting with C."""
    brokerage = factories.brokerage()
    org = factories.organisation(name="OrgX")
    a1 = factories.participant(brokerage, organisation=org, given_name="A1")
    a2 = factories.participant(brokerage, organisation=org, given_name="A2")
    c = factories.participant(brokerage, given_name="C")
    r1 = services.request_meeting(a1, c)
    services.answer_request(r1, accept=True)
    r2 = services.request_meeting(a2, c)
    services.answer_request(r2, accept=True)
    meeting = Meeting.objects.get(status=MeetingStatus.PLANNED)
    assert set(meeting.participants.all()) == {a1, a2, c}
    return brokerage, a1, a2, c, meeting, r1, r2


@pytest.mark.parametrize("how", ["cancels", "leaves"])
def test_when_the_other_side_goes_the_colleagues_meeting_is_cancelled(group, how):
    _brokerage, _a1, _a2, c, meeting, r1, r2 = group
    if how == "cancels":
        services.cancel_my_meeting(meeting, c)
    else:
        services.leave(c)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert (r1.status, r2.status) == (RequestStatus.WITHDRAWN, RequestStatus.WITHDRAWN)


def test_a_colleague_who_leaves_can_ask_again(group):
    _brokerage, a1, a2, c, meeting, r1, r2 = group
    services.cancel_my_meeting(meeting, a2)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert set(meeting.participants.all()) == {a1, c}
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert (r1.status, r2.status) == (RequestStatus.ACCEPTED, RequestStatus.WITHDRAWN)
    assert services.request_meeting(a2, c).pk != r2.pk


def test_a_colleague_busy_at_the_meetings_time_takes_it_off_the_grid():
    brokerage = factories.brokerage()
    org = factories.organisation()
    a1 = factories.participant(brokerage, organisation=org)
    a2 = factories.participant(brokerage, organisation=org)
    c, d = factories.participant(brokerage), factories.participant(brokerage)
    services.answer_request(services.request_meeting(a1, c), accept=True)
    services.answer_request(services.request_meeting(a2, d), accept=True)
    Meeting.objects.filter(participants=a1).update(slot=1, table=1)
    Meeting.objects.filter(participants=d).update(slot=1, table=2)
    services.answer_request(services.request_meeting(a2, c), accept=True)
    joined = Meeting.objects.get(participants=a1)
    assert a2 in joined.participants.all()
    assert (joined.slot, joined.unscheduled_reason) == (None, reasons.NEWCOMER_BUSY)
    assert "placed again" in reasons.explain(joined.unscheduled_reason)


def test_the_organiser_cannot_fix_a_slot_on_a_colleagues_meeting_by_adding_one():
    brokerage = factories.brokerage()
    org = factories.organisation()
    a1 = factories.participant(brokerage, organisation=org)
    a2 = factories.participant(brokerage, organisation=org)
    c = factories.participant(brokerage)
    services.add_meeting(brokerage, [a1, c])
    with pytest.raises(ValidationError, match="colleague"):
        services.add_meeting(brokerage, [a2, c], fixed_slot=3)


def test_slot_length_and_tables_cannot_change_under_placed_meetings():
    brokerage = factories.brokerage(slots=6, tables=4)
    x, y = factories.participant(brokerage), factories.participant(brokerage)
    meeting = services.add_meeting(brokerage, [x, y])
    Meeting.objects.filter(pk=meeting.pk).update(slot=6, table=4)
    with pytest.raises(ValidationError):
        services.update(brokerage, slot_minutes=40)
    with pytest.raises(ValidationError):
        services.update(brokerage, table_count=2)
    services.update(brokerage, table_count=5)
    brokerage.refresh_from_db()
    assert (brokerage.slot_minutes, brokerage.table_count) == (20, 5)


def test_saving_the_same_sessions_keeps_the_meetings_session():
    brokerage = factories.brokerage(sessions=2)
    x, y = factories.participant(brokerage), factories.participant(brokerage)
    second = brokerage.sessions.order_by("starts_at")[1]
    meeting = services.add_meeting(brokerage, [x, y], session=second)
    same = [(s.name, s.starts_at, s.ends_at) for s in brokerage.sessions.order_by("starts_at")]
    services.set_sessions(brokerage, same)
    meeting.refresh_from_db()
    assert meeting.session_id == second.pk


def test_badge_lines_take_a_fixed_number_of_queries():
    brokerage = factories.brokerage(slots=6, tables=10)
    people = [factories.participant(brokerage) for _ in range(12)]
    for i in range(0, 12, 2):
        services.add_meeting(brokerage, [people[i], people[i + 1]])
    for table, meeting in enumerate(Meeting.objects.filter(brokerage=brokerage), start=1):
        Meeting.objects.filter(pk=meeting.pk).update(slot=1, table=table)
    brokerage.schedule_published = True
    brokerage.save()
    with CaptureQueriesContext(connection) as four:
        agenda.badge_lines([p.registration for p in people[:4]])
    with CaptureQueriesContext(connection) as twelve:
        lines = agenda.badge_lines([p.registration for p in people])
    assert len(lines) == 12 and all(len(rows) == 1 for rows in lines.values())
    assert len(twelve) == len(four)


def test_a_meeting_placed_after_publication_is_announced():
    brokerage = factories.brokerage()
    x, y, z = (factories.participant(brokerage) for _ in range(3))
    first = services.add_meeting(brokerage, [x, y])
    second = services.add_meeting(brokerage, [x, z])
    Meeting.objects.filter(pk=first.pk).update(slot=1, table=1)
    result = Result(
        instance="x",
        status=Status.OPTIMAL,
        total_breaks=0,
        meetings=[Placement(f"m{first.pk}", 1, 1), Placement(f"m{second.pk}", 2, 1)],
    )
    moved, people = scheduling._write(brokerage, result)
    assert moved == 0  # nothing that was placed moved…
    assert people == {x.pk, z.pk}  # …but x and z have a new meeting on their agenda
