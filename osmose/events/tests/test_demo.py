"""The events demo step on a small registry: history, upcoming events, seats, determinism.

The registry is made here (a few dozen organisations, 240 people, no geography), then the
events step runs once for the module inside a transaction rolled back at the end.
"""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from osmose.accounts.models import Role
from osmose.accounts.services import create_user
from osmose.core.demo import DEMO_SEED, DemoContext
from osmose.events import demo, services
from osmose.events.models import (
    ACTIVE_STATUSES,
    Attendance,
    Event,
    EventKind,
    EventStatus,
    Invitation,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionChoiceStatus,
    SurveyResponse,
)
from osmose.registry.models import Organisation, Person, Scope, Sector

SECTORS = [Sector.PRIVATE] * 5 + [Sector.PUBLIC] * 4 + [Sector.NON_PROFIT]
KINDS = {Sector.PRIVATE: "company", Sector.PUBLIC: "academic_lab", Sector.NON_PROFIT: "cluster"}


def silent(_message: str) -> None:
    pass


def small_registry() -> dict[str, Any]:
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Organisation {number}",
            kind=KINDS[sector],
            sector=sector,
            scope=Scope.REGIONAL if number % 4 else Scope.NATIONAL,
            status="active",
        )
        for number, sector in enumerate(SECTORS * 3)
    )
    people = Person.objects.bulk_create(
        Person(
            given_name=f"Prénom{number}",
            family_name=f"Nom{number}",
            email=f"personne{number}@example.test",
            primary_organisation=organisations[number % len(organisations)],
            source="test",
        )
        for number in range(240)
    )
    animator = create_user(email="animator@example.test", role=Role.ANIMATOR, password="x" * 12)
    member = create_user(email="member@example.test", role=Role.MEMBER, password="x" * 12)
    Person.objects.filter(pk=people[0].pk).update(user=member)
    return {"organisations": organisations, "people": people, "member": member, "users": {
        Role.ANIMATOR: animator, Role.MEMBER: member,
    }}  # fmt: skip


@dataclass
class Built:
    context: DemoContext
    member: Any
    queued_callbacks: int


def run_step(seed: int, users: dict[str, Any]) -> DemoContext:
    context = DemoContext(
        rng=random.Random(seed), now=timezone.now(), shared={"users": users}, log=silent
    )
    demo.run(context)
    return context


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Built]:
    with django_db_blocker.unblock(), transaction.atomic():
        registry = small_registry()
        before = len(connection.run_on_commit)
        context = run_step(DEMO_SEED, registry["users"])
        # E-mails leave on commit: a demo that sends none has queued no callback.
        yield Built(context, registry["member"], len(connection.run_on_commit) - before)
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def past_events(built: Built) -> Any:
    return Event.objects.filter(starts_at__lt=built.context.now).exclude(status=EventStatus.DRAFT)


def upcoming_events(built: Built) -> Any:
    return Event.objects.filter(starts_at__gt=built.context.now, status=EventStatus.PUBLISHED)


def test_it_gives_past_events_attendance_no_shows_cancellations_and_surveys(built):
    for event in past_events(built):
        registrations = event.registrations.all()
        attendance = Counter(
            registrations.filter(status=RegistrationStatus.CONFIRMED).values_list(
                "attendance", flat=True
            )
        )
        assert attendance[Attendance.ATTENDED] > attendance[Attendance.NO_SHOW] >= 0
        assert attendance[Attendance.UNKNOWN] == 0  # attendance is closed after an event
        assert not registrations.filter(
            attendance=Attendance.ATTENDED, checked_in_at__isnull=True
        ).exists()
        assert not registrations.filter(created_at__gt=event.ends_at).exists()
    afterworks = past_events(built).filter(kind=EventKind.AFTERWORK)
    assert afterworks.count() >= 5
    for afterwork in afterworks:
        confirmed = afterwork.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        assert 55 <= confirmed <= 70
        assert afterwork.registrations.filter(status=RegistrationStatus.CANCELLED).exists()
    congress = past_events(built).get(kind=EventKind.CONGRESS)
    assert congress.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 160
    attended = Registration.objects.filter(
        event__in=past_events(built), attendance=Attendance.ATTENDED
    )
    answered = SurveyResponse.objects.filter(registration__in=attended).count()
    assert 0.3 <= answered / attended.count() <= 0.5
    assert Registration.objects.filter(source=RegistrationSource.WALK_IN).exists()


def test_past_events_mix_private_and_public_actors(built):
    for event in past_events(built).filter(kind=EventKind.AFTERWORK):
        sectors = Counter(
            event.registrations.filter(status=RegistrationStatus.CONFIRMED).values_list(
                "organisation__sector", flat=True
            )
        )
        total = sum(sectors.values())
        assert 0.4 <= sectors[Sector.PRIVATE] / total <= 0.7
        assert 0.2 <= sectors[Sector.PUBLIC] / total <= 0.5
        assert sectors[Sector.NON_PROFIT] > 0


def test_upcoming_events_are_open_with_registrations_already(built):
    upcoming = upcoming_events(built)
    kinds = set(upcoming.values_list("kind", flat=True))
    assert {
        EventKind.AFTERWORK,
        EventKind.CONGRESS,
        EventKind.TRAINING,
        EventKind.SITE_VISIT,
    } <= kinds
    for event in upcoming:
        assert event.registration_is_open(), event
        assert event.registrations.filter(status__in=ACTIVE_STATUSES).count() >= 5
        assert event.description_fr and event.description_en
        assert event.organisers.exists()
    assert Event.objects.filter(status=EventStatus.DRAFT).count() == 1


def test_confirmed_seats_never_exceed_the_capacity_of_an_event_or_a_session(built):
    for event in Event.objects.annotate(
        seats=Count("registrations", filter=Q(registrations__status__in=["confirmed", "offered"]))
    ):
        assert event.capacity is None or event.seats <= event.capacity, event
        for session in event.sessions.annotate(
            seats=Count("choices", filter=Q(choices__status=SessionChoiceStatus.CONFIRMED))
        ):
            assert session.capacity is None or session.seats <= session.capacity, session


def test_a_full_upcoming_event_has_a_waiting_list_in_order(built):
    visit = upcoming_events(built).get(kind=EventKind.SITE_VISIT)
    assert services.seats_taken(visit) == visit.capacity
    waiting = list(
        visit.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
            "waitlisted_at", "pk"
        )
    )
    assert len(waiting) >= 3
    assert [services.waitlist_position(r) for r in waiting] == list(range(1, len(waiting) + 1))
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)  # first come, first served


def test_the_training_with_approval_has_pending_registrations(built):
    training = upcoming_events(built).get(kind=EventKind.TRAINING)
    assert training.requires_approval
    statuses = Counter(training.registrations.values_list("status", flat=True))
    assert statuses[RegistrationStatus.PENDING] >= 3
    assert statuses[RegistrationStatus.CONFIRMED] >= 1


def test_the_congress_has_tracks_a_small_visit_and_three_questions_answered(built):
    for congress in Event.objects.filter(kind=EventKind.CONGRESS):
        sessions = list(congress.sessions.all())
        assert 3 <= len(sessions) <= 4
        assert min(s.capacity or 10**6 for s in sessions) <= 30  # the visit
        kinds = [q.kind for q in congress.questions.all()]
        assert kinds == [QuestionKind.SINGLE, QuestionKind.YES_NO, QuestionKind.MULTIPLE]
        registration = congress.registrations.filter(status=RegistrationStatus.CONFIRMED)[0]
        assert set(registration.answers) == {str(q.pk) for q in congress.questions.all()}
        assert registration.session_choices.exists()


def test_the_next_afterwork_has_invitations_to_a_segment(built):
    afterwork = upcoming_events(built).get(kind=EventKind.AFTERWORK)
    invitations = Invitation.objects.filter(event=afterwork)
    assert invitations.count() >= 10
    assert not invitations.filter(sent_at=None).exists()
    assert invitations.exclude(declined_at=None).exists() or invitations.count() < 20
    assert invitations.exclude(registration=None).exists()
    assert afterwork.registrations.filter(source=RegistrationSource.INVITATION).exists()


def test_the_demo_member_has_tickets(built):
    registrations = Registration.objects.filter(person__user=built.member)
    assert registrations.filter(event__in=upcoming_events(built)).exists()
    assert registrations.filter(attendance=Attendance.ATTENDED).exists() or (
        registrations.filter(event__in=past_events(built)).count() == 0
    )


def test_it_sends_no_e_mail(built):
    assert built.queued_callbacks == 0


def test_it_builds_the_same_history_for_the_same_seed(built):
    def shape() -> list[tuple[str, str, str, str]]:
        return sorted(
            Registration.objects.values_list(
                "event__title_fr", "person__email", "status", "attendance"
            )
        )

    first = shape()
    with transaction.atomic():
        demo.reset()
        run_step(DEMO_SEED, built.context.shared["users"])
        again = shape()
        transaction.set_rollback(True)
    assert again == first
    assert timedelta(0) < timezone.now() - built.context.now < timedelta(minutes=10)
