"""Tickets: the ticket page and its files, cancel and confirm, "My tickets", the survey."""

from datetime import timedelta

import icalendar
import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from osmose.events import services
from osmose.events.models import (
    Event,
    Registration,
    RegistrationStatus,
    SurveyResponse,
)
from osmose.events.tests import factories
from osmose.registry.models import Person
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def register(event, number=None, **kwargs) -> Registration:
    return services.register(
        event=event, registrant=factories.registrant(number), **kwargs
    ).registration


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def started(**values) -> Event:
    """An event that began an hour ago and is still on (its registration still open)."""
    now = timezone.now()
    return factories.event(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), **values
    )


# --- Ticket page ------------------------------------------------------------------------------


def test_the_ticket_is_reached_by_its_token_only(
    outsider_client, member_client, funder_client, animator_client
):
    registration = register(started())
    for client in (outsider_client, member_client, funder_client, animator_client):
        for name in ("events:ticket", "events:ticket_cancel", "events:survey"):
            assert client.get(reverse(name, args=[registration.token])).status_code == 200, name
        assert client.get(reverse("events:survey", args=["unknown"])).status_code == 404
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CONFIRMED
    for name in ("events:ticket", "events:ticket_qr", "events:ticket_pdf", "events:ticket_ics"):
        assert outsider_client.get(reverse(name, args=["not-a-token"])).status_code == 404


def test_the_ticket_page_keeps_its_token_secret(outsider_client):
    registration = register(factories.event())
    for name in ("events:ticket", "events:ticket_qr", "events:ticket_ics", "events:ticket_cancel"):
        response = outsider_client.get(reverse(name, args=[registration.token]))
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cache-Control"] == "private, no-store", name
    page = outsider_client.get(reverse("events:ticket", args=[registration.token])).text
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_a_confirmed_ticket_shows_the_qr_code_and_its_files(outsider_client):
    event = factories.event(title_fr="Afterwork QR")
    registration = register(event)
    token = registration.token
    response = outsider_client.get(reverse("events:ticket", args=[token]), **EN)
    page = response.text
    assert reverse("events:ticket_qr", args=[token]) in page
    assert reverse("events:ticket_pdf", args=[token]) in page
    assert reverse("events:ticket_ics", args=[token]) in page
    assert "Cancel my registration" in page

    qr = outsider_client.get(reverse("events:ticket_qr", args=[token]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    pdf = outsider_client.get(reverse("events:ticket_pdf", args=[token]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    ics = outsider_client.get(reverse("events:ticket_ics", args=[token]))
    [vevent] = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(vevent["SUMMARY"]).startswith("Afterwork QR")


def test_a_waitlisted_ticket_shows_its_position_and_no_qr_code(outsider_client):
    event = factories.event(capacity=1)
    register(event)
    register(event)
    third = register(event)
    response = outsider_client.get(reverse("events:ticket", args=[third.token]), **EN)
    assert "You are number 2 on the waiting list" in response.text
    assert reverse("events:ticket_qr", args=[third.token]) not in response.text
    for name in ("events:ticket_qr", "events:ticket_pdf"):
        assert outsider_client.get(reverse(name, args=[third.token])).status_code == 404
    assert outsider_client.get(reverse("events:ticket_ics", args=[third.token])).status_code == 200


def test_a_pending_ticket_says_it_waits_for_approval(outsider_client):
    registration = register(factories.event(requires_approval=True))
    response = outsider_client.get(reverse("events:ticket", args=[registration.token]), **EN)
    assert "Waiting for the organisers" in response.text


def test_the_ticket_lists_the_chosen_sessions(outsider_client):
    event = factories.event()
    session = services.save_session(
        actor=None,
        event=event,
        values={
            "title_fr": "Visite de l'usine",
            "starts_at": event.starts_at,
            "ends_at": event.starts_at + timedelta(hours=1),
        },
    )
    registration = register(event, session_ids=[session.pk])
    response = outsider_client.get(reverse("events:ticket", args=[registration.token]))
    assert "Visite de l&#x27;usine" in response.text


# --- Cancel and confirm -----------------------------------------------------------------------


def test_cancelling_from_the_ticket_promotes_the_next_person(
    outsider_client, django_capture_on_commit_callbacks
):
    event = factories.event(capacity=1)
    holder = register(event)
    waiting = register(event)
    url = reverse("events:ticket_cancel", args=[holder.token])
    # The first click only asks.
    response = outsider_client.get(url, **EN)
    assert response.status_code == 200
    assert "Yes, cancel my registration" in response.text
    holder.refresh_from_db()
    assert holder.status == RegistrationStatus.CONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider_client.post(url, **EN)
    assert response["Location"] == reverse("events:ticket", args=[holder.token])
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.OFFERED
    assert "Your seat went to the next person on the waiting list" in message_texts(response)[0]
    assert {m.to[0] for m in mail.outbox} == {holder.person.email, waiting.person.email}
    # Cancelled, the ticket says so and offers no second cancellation.
    page = outsider_client.get(reverse("events:ticket", args=[holder.token]), **EN).text
    assert "This registration is cancelled" in page
    assert url not in page
    assert outsider_client.post(url).status_code == 302
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.OFFERED


def test_cancelling_without_a_waiting_list_frees_the_seat(outsider_client):
    registration = register(factories.event(capacity=5))
    response = outsider_client.post(
        reverse("events:ticket_cancel", args=[registration.token]), **EN
    )
    assert "free for someone else" in message_texts(response)[0]
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CANCELLED


def test_an_offered_seat_is_confirmed_from_the_ticket(outsider_client):
    event = factories.event(capacity=1)
    holder = register(event)
    waiting = register(event)
    services.cancel(actor=None, registration=holder)
    page = outsider_client.get(reverse("events:ticket", args=[waiting.token]), **EN).text
    assert "Confirm my seat" in page
    url = reverse("events:ticket_confirm", args=[waiting.token])
    assert outsider_client.get(url).status_code == 405
    response = outsider_client.post(url, **EN)
    assert response.status_code == 302
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.CONFIRMED
    assert "Your seat is confirmed" in message_texts(response)[0]


def test_an_expired_offer_is_explained(outsider_client):
    event = factories.event(capacity=1)
    holder = register(event)
    waiting = register(event)
    services.cancel(actor=None, registration=holder)
    Registration.objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = outsider_client.post(
        reverse("events:ticket_confirm", args=[waiting.token]), follow=True, **EN
    )
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.CANCELLED
    assert "the time to confirm this seat has passed" in response.text
    assert "was not confirmed in time" in response.text


def test_confirming_without_an_offer_is_refused_politely(outsider_client):
    registration = register(factories.event(capacity=1), 1)
    waitlisted = register(registration.event, 2)
    response = outsider_client.post(reverse("events:ticket_confirm", args=[waitlisted.token]), **EN)
    assert response.status_code == 302
    assert "no seat waiting" in message_texts(response)[0]
    assert Registration.objects.get(pk=waitlisted.pk).status == RegistrationStatus.WAITLISTED


# --- My tickets -------------------------------------------------------------------------------


def test_my_tickets_needs_a_login(outsider_client, member_client, funder_client, animator_client):
    url = reverse("events:my_tickets")
    response = outsider_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    for client in (member_client, funder_client, animator_client):
        assert client.get(url).status_code == 200


def test_my_tickets_lists_mine_coming_first(member, member_client, django_assert_max_num_queries):
    now = timezone.now()
    later = factories.event(title_fr="Plus tard", starts_at=now + timedelta(days=60))
    sooner = factories.event(title_fr="Bientôt", starts_at=now + timedelta(days=5))
    past = factories.event(
        title_fr="Passé", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30)
    )
    mine_by_account = register(later, user=member)
    # A registration made without logging in, by the person linked to this account.
    person = registry_factories.person(email="member.person@example.test")
    Person.objects.filter(pk=person.pk).update(user=member)
    mine_by_person = services.register(
        event=sooner,
        registrant=services.Registrant(
            given_name=person.given_name,
            family_name=person.family_name,
            email="member.person@example.test",
        ),
    ).registration
    services.register(
        event=past,
        registrant=services.Registrant(
            given_name="", family_name=person.family_name, email="member.person@example.test"
        ),
        organiser=True,
    )
    someone_else = register(sooner)
    with django_assert_max_num_queries(8):
        response = member_client.get(reverse("events:my_tickets"), **EN)
    upcoming = list(response.context["upcoming"])
    assert upcoming == [mine_by_person, mine_by_account]
    assert [r.event.title for r in response.context["past"]] == ["Passé"]
    assert reverse("events:ticket", args=[mine_by_account.token]) in response.text
    assert reverse("events:ticket", args=[someone_else.token]) not in response.text


# --- Survey -----------------------------------------------------------------------------------


def test_the_survey_is_for_confirmed_people_once_the_event_started(outsider_client, member_client):
    coming = register(factories.event())
    response = outsider_client.get(reverse("events:survey", args=[coming.token]), **EN)
    assert response.status_code == 403
    assert "opens when the event starts" in response.text
    assert (
        outsider_client.post(
            reverse("events:survey", args=[coming.token]), {"satisfaction": 5, "met_someone": "yes"}
        ).status_code
        == 403
    )

    event = started(capacity=1)
    confirmed = register(event)
    waitlisted = register(event)
    response = outsider_client.get(reverse("events:survey", args=[waitlisted.token]), **EN)
    assert response.status_code == 403
    assert "confirmed seat" in response.text
    assert member_client.get(reverse("events:survey", args=[confirmed.token])).status_code == 200
    assert not SurveyResponse.objects.exists()
    ticket = outsider_client.get(reverse("events:ticket", args=[confirmed.token])).text
    assert reverse("events:survey", args=[confirmed.token]) in ticket


def test_the_survey_is_answered_then_edited(outsider_client):
    registration = register(started())
    url = reverse("events:survey", args=[registration.token])
    response = outsider_client.post(url, {"satisfaction": "9", "met_someone": "perhaps"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"satisfaction", "met_someone"}
    response = outsider_client.post(
        url, {"satisfaction": "4", "met_someone": "maybe", "comment": " Très utile "}, **EN
    )
    assert response.status_code == 200
    assert "Thank you!" in response.text
    survey = SurveyResponse.objects.get(registration=registration)
    assert (survey.satisfaction, survey.met_someone, survey.comment) == (4, "maybe", "Très utile")
    response = outsider_client.get(url, **EN)
    assert response.context["form"].initial["satisfaction"] == 4
    assert "You already answered" in response.text
    assert 'value="4" required id="id_satisfaction_3" checked' in response.text
    outsider_client.post(url, {"satisfaction": "5", "met_someone": "yes"})
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.met_someone) == (5, "yes")
    assert SurveyResponse.objects.count() == 1
