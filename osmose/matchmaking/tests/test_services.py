"""Meeting requests, meetings, exclusivity and limits, through the services."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from osmose.events import services as event_services
from osmose.matchmaking import services
from osmose.matchmaking.models import (
    ExclusionSource,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Priority,
    RequestStatus,
)
from osmose.matchmaking.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (French is the default language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def brokerage():
    return factories.brokerage()


def test_only_a_confirmed_registrant_joins(brokerage):
    event = brokerage.event
    event.capacity = 1
    event.save()
    first = factories.participant(brokerage)
    waitlisted = event_services.register(
        event=event, registrant=factories.event_factories.registrant(), notify=False
    ).registration
    assert first.active
    with pytest.raises(ValidationError):
        services.join(waitlisted)
    assert services.join(first.registration).pk == first.pk  # idempotent


def test_request_accept_makes_one_meeting_and_tells_both(
    brokerage, django_capture_on_commit_callbacks
):
    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_meeting(
            alice, bob, message="Parlons bioproduction", priority=Priority.MUST_MEET
        )
    assert [m.to for m in mail.outbox] == [[bob.person.email]]
    assert services.request_meeting(alice, bob).pk == request.pk  # a retry returns it
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_request(request, accept=True, reply="Avec plaisir")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    meeting = Meeting.objects.get()
    assert set(meeting.participants.all()) == {alice, bob}
    assert meeting.priority == Priority.MUST_MEET
    assert mail.outbox[-1].to == [alice.person.email]
    with pytest.raises(ValidationError):
        services.answer_request(request, accept=False)


def test_a_request_both_ways_is_accepted(brokerage):
    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    services.request_meeting(alice, bob)
    services.request_meeting(bob, alice)
    assert MeetingRequest.objects.get().status == RequestStatus.ACCEPTED
    assert Meeting.objects.count() == 1


def test_decline_with_a_suggestion(brokerage, django_capture_on_commit_callbacks):
    alice, bob, carol = (factories.participant(brokerage) for _ in range(3))
    request = services.request_meeting(alice, bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_request(request, accept=False, reply="Pas moi", suggested=carol)
    request.refresh_from_db()
    assert (request.status, request.suggested) == (RequestStatus.DECLINED, carol)
    assert str(carol.person) in mail.outbox[-1].body
    assert not Meeting.objects.exists()


def test_colleagues_join_one_meeting_with_the_same_person(brokerage):
    lab = factories.organisation(kind="academic_lab", sector="public")
    company = factories.organisation()
    researcher = factories.participant(brokerage, organisation=lab)
    colleague = factories.participant(brokerage, organisation=lab)
    buyer = factories.participant(brokerage, organisation=company)
    services.answer_request(services.request_meeting(researcher, buyer), accept=True)
    services.answer_request(services.request_meeting(buyer, colleague), accept=True)
    meeting = Meeting.objects.get()
    assert set(meeting.participants.all()) == {researcher, colleague, buyer}
    with pytest.raises(ValidationError):  # colleagues do not request each other
        services.request_meeting(researcher, colleague)


def test_meeting_limit_and_force(brokerage, animator):
    brokerage.max_meetings = 1
    brokerage.save()
    alice, bob, carol = (factories.participant(brokerage) for _ in range(3))
    services.answer_request(services.request_meeting(alice, bob), accept=True)
    with pytest.raises(ValidationError, match="maximum"):
        services.answer_request(services.request_meeting(carol, alice), accept=True)
    services.add_meeting(brokerage, [alice, carol], actor=animator, force=True)
    assert services.meeting_count(alice) == 2


def test_no_thanks_and_the_organisers_ban(brokerage, animator):
    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    services.no_thanks(bob, alice)
    with pytest.raises(ValidationError):
        services.request_meeting(alice, bob)
    meeting = services.add_meeting(brokerage, [alice, bob], actor=animator, force=True)
    services.forbid(brokerage, alice, bob, actor=animator)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert services.excluded(alice, bob) == ExclusionSource.ORGANISER
    with pytest.raises(ValidationError):
        services.add_meeting(brokerage, [alice, bob], actor=animator, force=True)


def test_requests_close_at_the_deadline(brokerage):
    from datetime import timedelta

    from django.utils import timezone

    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    brokerage.requests_close_at = timezone.now() - timedelta(minutes=1)
    brokerage.save()
    with pytest.raises(ValidationError, match="closed"):
        services.request_meeting(alice, bob)


def test_cancelling_the_registration_leaves_the_meetings(
    brokerage, django_capture_on_commit_callbacks
):
    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    services.answer_request(services.request_meeting(alice, bob), accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        event_services.cancel(actor=None, registration=alice.registration, notify=False)
    alice.refresh_from_db()
    assert not alice.active
    assert Meeting.objects.get().status == MeetingStatus.CANCELLED


def test_without_emails_sends_nothing(brokerage, django_capture_on_commit_callbacks):
    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    with services.without_emails(), django_capture_on_commit_callbacks(execute=True):
        services.request_meeting(alice, bob)
    assert mail.outbox == []
