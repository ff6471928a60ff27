"""Seats, the waiting list and the registry match: the reliability core of events."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from osmose.events import services
from osmose.events.models import (
    Audience,
    QuestionKind,
    Registration,
    RegistrationStatus,
    SessionChoiceStatus,
)
from osmose.events.tests import factories
from osmose.registry.models import ConsentRecord, Person
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db


def register(event, number=None, **kwargs):
    return services.register(event=event, registrant=factories.registrant(number), **kwargs)


def test_seats_then_waiting_list_in_arrival_order(django_capture_on_commit_callbacks):
    event = factories.event(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        results = [register(event, n, language="en") for n in range(5)]
    assert [r.registration.status for r in results] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert [r.waitlist_position for r in results] == [None, None, 1, 2, 3]
    subjects = [m.subject for m in mail.outbox]
    assert subjects[0].startswith("Your seat is confirmed")
    assert subjects[2].startswith("You are on the waiting list")
    assert "You are number 2 on the waiting list" in mail.outbox[3].body


def test_a_second_registration_returns_the_first():
    event = factories.event(capacity=10)
    first = register(event, 1)
    again = register(event, 1)
    assert again.created is False
    assert again.registration.pk == first.registration.pk
    assert Registration.objects.filter(event=event).count() == 1


def test_cancellation_offers_the_seat_to_exactly_one_person(django_capture_on_commit_callbacks):
    event = factories.event(capacity=1)
    holder = register(event, 1).registration
    second = register(event, 2).registration
    third = register(event, 3).registration
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(actor=None, registration=holder)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == RegistrationStatus.OFFERED
    assert second.offer_expires_at > timezone.now() + timedelta(hours=47)
    assert third.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_position(third) == 1
    offered_mail = [m for m in mail.outbox if m.to == [second.person.email]]
    assert offered_mail and f"/tickets/{second.token}/" in offered_mail[0].body
    services.confirm_offer(registration=second)
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED


def test_an_expired_offer_goes_to_the_next_person():
    event = factories.event(capacity=1)
    holder = register(event, 1).registration
    second = register(event, 2).registration
    third = register(event, 3).registration
    services.cancel(actor=None, registration=holder)
    Registration.objects.filter(pk=second.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.confirm_offer(registration=second).status == RegistrationStatus.CANCELLED
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == RegistrationStatus.CANCELLED
    assert third.status == RegistrationStatus.OFFERED


def test_periodic_expiry_promotes_the_next():
    event = factories.event(capacity=1)
    holder = register(event, 1).registration
    second = register(event, 2).registration
    third = register(event, 3).registration
    services.cancel(actor=None, registration=holder)
    assert services.expire_offers(now=timezone.now() + timedelta(hours=49)) == 1
    third.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, third.status) == ("cancelled", "offered")


def test_raising_the_capacity_offers_the_new_seats():
    event = factories.event(capacity=1)
    register(event, 1)
    waiting = [register(event, n).registration for n in (2, 3, 4)]
    services.update_event(actor=None, event=event, values={"capacity": 3})
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == ["offered", "offered", "waitlisted"]


def test_approval_mode_holds_no_seat_until_approved():
    event = factories.event(capacity=1, requires_approval=True)
    first = register(event, 1).registration
    second = register(event, 2).registration
    assert first.status == second.status == RegistrationStatus.PENDING
    services.approve(actor=None, registration=second)
    services.approve(actor=None, registration=first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, first.status) == ("confirmed", "waitlisted")


def test_sessions_have_their_own_seats_and_waiting_lists():
    event = factories.event(capacity=10)
    visit = services.save_session(
        actor=None,
        event=event,
        values={
            "title_fr": "Visite de la plateforme",
            "starts_at": event.starts_at,
            "ends_at": event.starts_at + timedelta(hours=1),
            "capacity": 1,
        },
    )
    first = register(event, 1, session_ids=[visit.pk]).registration
    second = register(event, 2, session_ids=[visit.pk]).registration
    assert first.session_choices.get().status == SessionChoiceStatus.CONFIRMED
    assert second.session_choices.get().status == SessionChoiceStatus.WAITLISTED
    services.cancel(actor=None, registration=first)
    assert second.session_choices.get().status == SessionChoiceStatus.CONFIRMED
    other = factories.event()
    with pytest.raises(ValidationError):
        register(other, 3, session_ids=[visit.pk])


def test_the_registry_is_matched_not_duplicated():
    known = registry_factories.person(
        given_name="Claire", family_name="Fontaine", email="claire.fontaine@example.test"
    )
    event = factories.event(capacity=10)
    result = services.register(
        event=event,
        registrant=services.Registrant(
            given_name="Claire", family_name="Fontaine", email="Claire.Fontaine@EXAMPLE.test"
        ),
    )
    assert result.registration.person == known
    newcomer = services.register(
        event=event,
        registrant=services.Registrant(
            given_name="Noé", family_name="Lambert", email="noe.lambert@example.test"
        ),
        consent=True,
    ).registration.person
    assert newcomer.source == "event registration"
    consent = ConsentRecord.objects.get(person=newcomer)
    assert (consent.legal_basis, consent.channel) == ("consent", "form")
    assert Person.objects.filter(family_name="Fontaine").count() == 1


def test_a_known_organisation_is_linked():
    lab = registry_factories.organisation(name="Institut des Biomolécules", kind="academic_lab")
    event = factories.event()
    registration = services.register(
        event=event,
        registrant=factories.registrant(organisation_name="institut des biomolécules"),
    ).registration
    assert registration.organisation == lab
    assert registration.person.primary_organisation == lab


def test_answers_are_checked_against_the_form():
    event = factories.event()
    diet = services.save_question(
        actor=None,
        event=event,
        values={
            "label_fr": "Régime alimentaire",
            "kind": QuestionKind.SINGLE,
            "choices_fr": ["Aucun", "Végétarien"],
            "required": True,
        },
    )
    with pytest.raises(ValidationError) as error:
        register(event, 1, answers={})
    assert f"q{diet.pk}" in error.value.message_dict
    with pytest.raises(ValidationError):
        register(event, 1, answers={str(diet.pk): 7})
    registration = register(event, 1, answers={str(diet.pk): "1"}).registration
    assert registration.answers == {str(diet.pk): 1}


def test_closed_window_members_only_and_invitation_only():
    closed = factories.event(registration_closes_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError):
        register(closed)
    members = factories.event(audience=Audience.MEMBERS)
    with pytest.raises(PermissionDenied):
        register(members)
    invited_only = factories.event(audience=Audience.INVITATION)
    with pytest.raises(PermissionDenied):
        register(invited_only)
    guest = registry_factories.person(email="guest@example.test")
    [invitation] = services.invite(actor=None, event=invited_only, people=[guest])
    result = services.register(
        event=invited_only,
        registrant=services.Registrant(
            given_name=guest.given_name, family_name=guest.family_name, email=guest.email
        ),
        invitation=invitation,
    )
    invitation.refresh_from_db()
    assert invitation.registration == result.registration


def test_check_in_is_idempotent_and_needs_a_seat():
    event = factories.event(capacity=1)
    holder = register(event, 1).registration
    waiting = register(event, 2).registration
    assert services.check_in(actor=None, registration=holder).already is False
    assert services.check_in(actor=None, registration=holder).already is True
    with pytest.raises(ValidationError):
        services.check_in(actor=None, registration=waiting)
    figures = services.close_attendance(actor=None, event=event)
    assert figures == {"attended": 1, "no_shows": 0}


def test_walk_in_respects_the_capacity():
    event = factories.event(capacity=1)
    walker = services.walk_in(actor=None, event=event, registrant=factories.registrant())
    assert walker.checked_in_at is not None and walker.source == "walk_in"
    with pytest.raises(ValidationError):
        services.walk_in(actor=None, event=event, registrant=factories.registrant())
    assert Registration.objects.filter(event=event).count() == 1


def test_status_transitions_are_enforced():
    event = factories.event(status="draft")
    services.change_event_status(actor=None, event=event, status="published")
    services.change_event_status(actor=None, event=event, status="archived")
    with pytest.raises(ValidationError):
        services.change_event_status(actor=None, event=event, status="published")


def test_a_namesake_with_another_address_is_not_taken_for_the_known_person():
    known = registry_factories.person(
        given_name="Marie", family_name="Martin", email="marie.martin@labo.example"
    )
    platform = registry_factories.organisation(name="Plateforme BioProd", kind="platform")
    without_email = registry_factories.person(
        given_name="Yves", family_name="Perrin", email="", organisation=platform
    )
    event = factories.event()
    namesake = services.register(
        event=event,
        registrant=services.Registrant(
            given_name="Marie", family_name="Martin", email="m.martin@startup.example"
        ),
    ).registration.person
    assert namesake != known
    linked = services.register(
        event=event,
        registrant=services.Registrant(
            given_name="Yves",
            family_name="Perrin",
            email="yves.perrin@example.test",
            organisation_name="Plateforme BioProd",
        ),
    ).registration.person
    assert linked == without_email
    linked.refresh_from_db()
    assert linked.email == "yves.perrin@example.test"


def test_a_walk_in_already_on_the_waiting_list_gets_a_free_seat():
    event = factories.event(capacity=1, requires_approval=True)
    pending = register(event, 1).registration  # waits for approval: no seat taken
    walker = services.walk_in(actor=None, event=event, registrant=factories.registrant(1))
    assert walker.pk == pending.pk
    assert (walker.status, walker.checked_in_at is not None) == ("confirmed", True)
    late = register(event, 2).registration
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.walk_in(actor=None, event=event, registrant=factories.registrant(2))
    late.refresh_from_db()
    assert late.status == RegistrationStatus.PENDING
