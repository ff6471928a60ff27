"""The matchmaking demo step: a brokerage on the next congress, from offers to a published grid.

The small registry of the events demo test, the taxonomy, the events step, then this step,
once for the module inside a transaction rolled back at the end (the scheduler runs for its
short time limit, the longest part).
"""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from osmose.accounts.models import Role
from osmose.core.demo import DEMO_SEED, DemoContext
from osmose.core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
from osmose.events import demo as events_demo
from osmose.events.models import EventKind, RegistrationStatus
from osmose.events.tests.test_demo import silent, small_registry
from osmose.matchmaking import agenda, demo, recommend, scheduling
from osmose.matchmaking.models import (
    Brokerage,
    Exclusion,
    Meeting,
    MeetingOrigin,
    MeetingRequest,
    MeetingStatus,
    Offer,
    Participant,
    Priority,
    RequestStatus,
    ScheduleRun,
)
from osmose.matchmaking.scheduler import (
    Placement,
    Result,
    Status,
    compute_breaks,
    validate_result,
)
from osmose.registry.models import Sector


@dataclass
class Built:
    context: DemoContext
    brokerage: Brokerage
    member: Any
    queued_callbacks: int
    taken_rng_state: Any


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Built]:
    with django_db_blocker.unblock(), transaction.atomic():
        load_taxonomy(DEFAULT_TAXONOMY)
        registry = small_registry()
        context = DemoContext(
            rng=random.Random(DEMO_SEED),
            now=timezone.now(),
            shared={"users": registry["users"]},
            log=silent,
        )
        events_demo.run(context)
        state = context.rng.getstate()
        before = len(connection.run_on_commit)
        demo.run(context)
        queued = len(connection.run_on_commit) - before
        yield Built(
            context, Brokerage.objects.get(), registry["member"], queued, (state, context.rng)
        )
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_next_congress_has_the_brokerage_with_two_sessions(built):
    brokerage = built.brokerage
    event = brokerage.event
    assert event.kind == EventKind.CONGRESS and event.starts_at > built.context.now
    sessions = list(brokerage.sessions.all())
    hours = [(timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)) for s in sessions]
    local = [(start.strftime("%H:%M"), end.strftime("%H:%M")) for start, end in hours]
    assert local == [("09:00", "12:15"), ("14:00", "17:30")]
    assert len(brokerage.slots()) == 9 + 10  # 20-minute slots
    assert brokerage.table_count == 20 and brokerage.table_name(1) == "Salon Loire"
    assert brokerage.table_name(20) == "Table 20"
    assert brokerage.max_meetings == 8
    assert brokerage.requests_close_at < sessions[0].starts_at
    assert sessions[0].starts_at - brokerage.requests_close_at < timedelta(days=1)
    confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED)
    assert 110 <= confirmed.count() <= 130
    sectors = Counter(confirmed.values_list("organisation__sector", flat=True))
    assert sectors[Sector.PRIVATE] and sectors[Sector.PUBLIC]


def test_about_a_hundred_participants_publish_offers_with_terms(built):
    participants = Participant.objects.filter(brokerage=built.brokerage)
    assert 90 <= participants.count() <= 100
    per_participant = Counter(
        Offer.objects.filter(participant__brokerage=built.brokerage).values_list(
            "participant_id", flat=True
        )
    )
    assert set(per_participant) == set(participants.values_list("pk", flat=True))
    assert set(per_participant.values()) <= {1, 2, 3}
    assert not Offer.objects.filter(participant__brokerage=built.brokerage, terms=None).exists()
    kinds = Counter(Offer.objects.values_list("kind", flat=True))
    assert kinds["offer"] and kinds["request"]
    # Academic labs offer expertise (the small registry has labs, companies and clusters).
    assert Offer.objects.filter(
        participant__registration__organisation__kind="academic_lab", category="expertise"
    ).exists()
    assert all(p.headline for p in participants)
    assert Exclusion.objects.filter(brokerage=built.brokerage).count() >= 5


def test_the_demo_member_takes_part_with_meetings_and_a_request_to_answer(built):
    participant = Participant.objects.get(registration__person__user=built.member)
    assert participant.registration.user == built.member  # registered signed in
    assert participant.meetings.filter(status=MeetingStatus.PLANNED, slot__isnull=False).exists()
    assert MeetingRequest.objects.filter(
        recipient=participant, status=RequestStatus.PENDING
    ).exists()
    found = recommend.recommendations(participant)
    assert found and all(r.reasons for r in found)


def test_requests_have_every_status_and_mixed_priorities(built):
    requests = MeetingRequest.objects.filter(brokerage=built.brokerage)
    assert 200 <= requests.count() <= 260
    statuses = Counter(requests.values_list("status", flat=True))
    assert set(statuses) == set(RequestStatus.values)
    assert statuses[RequestStatus.ACCEPTED] > requests.count() / 2
    assert requests.filter(status=RequestStatus.DECLINED).exclude(suggested=None).count() == 1
    priorities = Counter(requests.values_list("priority", flat=True))
    assert priorities[Priority.MUST_MEET] and priorities[Priority.WOULD_LIKE]


def test_the_published_schedule_is_valid_and_the_grid_has_no_clash(built):
    brokerage = built.brokerage
    assert brokerage.schedule_published
    run = ScheduleRun.objects.get(brokerage=brokerage)
    assert run.applied and run.finished_at is not None
    planned = Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED)
    assert planned.filter(origin=MeetingOrigin.ORGANISER).count() >= 2
    assert planned.filter(origin=MeetingOrigin.ORGANISER, fixed_slot=1).exists()
    placed = list(planned.filter(slot__isnull=False))
    assert len(placed) >= 0.9 * planned.count() > 100
    instance = scheduling.build_instance(brokerage)
    slots = {f"m{m.pk}": m.slot for m in placed if m.slot}
    result = Result(
        instance=instance.name,
        status=Status.FEASIBLE,
        total_breaks=sum(compute_breaks(instance, slots).values()),
        meetings=[Placement(f"m{m.pk}", m.slot, m.table) for m in placed if m.slot and m.table],
    )
    assert validate_result(instance, result, fairness=None) == []
    cells = [cell for row in agenda.grid(brokerage) for cell in row.cells if cell is not None]
    assert sorted(m.pk for m in cells) == sorted(m.pk for m in placed)  # one meeting per cell
    seats = Counter(
        (m.slot, p) for m in placed for p in m.participants.values_list("pk", flat=True)
    )
    assert max(seats.values()) == 1  # nobody in two meetings at once


def test_it_sends_no_e_mail_and_leaves_the_shared_generator_alone(built):
    assert built.queued_callbacks == 0
    state, rng = built.taken_rng_state
    assert rng.getstate() == state  # the steps after it draw the same numbers


def test_reset_deletes_the_brokerage(built):
    with transaction.atomic():
        demo.reset()
        assert not Brokerage.objects.exists()
        assert not Participant.objects.exists() and not Meeting.objects.exists()
        transaction.set_rollback(True)
    assert Participant.objects.exists()


def test_the_demo_animator_made_the_organiser_meetings(built):
    animator = built.context.shared["users"][Role.ANIMATOR]
    made = Meeting.objects.filter(brokerage=built.brokerage, origin=MeetingOrigin.ORGANISER)
    assert set(made.values_list("created_by", flat=True)) == {animator.pk}
