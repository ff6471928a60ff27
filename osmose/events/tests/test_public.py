"""The public side of events: calendar, feed, event pages, the registration form, invitations."""

import json
import re
from datetime import timedelta

import icalendar
import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from osmose.events import services
from osmose.events.models import (
    Audience,
    EventStatus,
    Invitation,
    QuestionKind,
    Registration,
    RegistrationStatus,
    SessionChoiceStatus,
)
from osmose.events.tests import factories
from osmose.events.views.public import SESSION_INVITATION
from osmose.registry.models import ConsentRecord, Person
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def form_data(number: int = 1, /, **values: object) -> dict[str, object]:
    return {
        "given_name": "Louise",
        "family_name": f"Bernard{number}",
        "email": f"louise.bernard{number}@example.test",
        "organisation": "",
        "job_title": "",
        **values,
    }


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def json_ld(response) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


# --- Permissions ------------------------------------------------------------------------------


def test_public_pages_answer_everyone(
    outsider_client, member_client, funder_client, animator_client
):
    event = factories.event(capacity=10)
    for client in (outsider_client, member_client, funder_client, animator_client):
        for url in (
            reverse("events:calendar"),
            reverse("events:event", args=[event.pk]),
            reverse("events:register", args=[event.pk]),
        ):
            assert client.get(url).status_code == 200, url
        assert client.get(reverse("events:calendar_feed")).status_code == 200
        assert client.get(reverse("events:event_ics", args=[event.pk])).status_code == 200


def test_a_draft_is_hidden_from_the_public_and_shown_to_animators(
    outsider_client, member_client, funder_client, animator_client
):
    draft = factories.event(status=EventStatus.DRAFT, title_fr="Brouillon secret")
    for name in ("events:event", "events:register", "events:event_ics"):
        url = reverse(name, args=[draft.pk])
        for client in (outsider_client, member_client, funder_client):
            assert client.get(url).status_code == 404, url
        assert animator_client.get(url).status_code == 200, url
    assert "Brouillon secret" not in outsider_client.get(reverse("events:calendar")).text
    assert "Brouillon secret" not in animator_client.get(reverse("events:calendar")).text
    # An animator previewing a draft cannot register through the public form.
    response = animator_client.post(reverse("events:register", args=[draft.pk]), form_data())
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_unknown_event_is_404(outsider_client):
    assert outsider_client.get(reverse("events:event", args=[999999])).status_code == 404


# --- Calendar and feed ------------------------------------------------------------------------


def test_the_calendar_lists_coming_then_past_events_with_seats(
    outsider_client, django_assert_max_num_queries
):
    now = timezone.now()
    soon = factories.event(title_fr="Afterwork de juin", capacity=12)
    full = factories.event(
        title_fr="Congrès complet", kind="congress", capacity=1, starts_at=now + timedelta(days=40)
    )
    services.register(event=full, registrant=factories.registrant())
    factories.event(
        title_fr="Afterwork passé",
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30) + timedelta(hours=2),
    )
    factories.event(title_fr="Annulé", status=EventStatus.CANCELLED)
    with django_assert_max_num_queries(8):
        response = outsider_client.get(reverse("events:calendar"), **EN)
    assert response.status_code == 200
    assert [e.pk for e in response.context["upcoming"]] == [soon.pk, full.pk]
    assert [e.title for e in response.context["past"]] == ["Afterwork passé"]
    page = response.text
    assert "12 places left" in page
    assert "Full — waiting list open" in page
    assert "Annulé" not in page
    assert 'type="text/calendar"' in page and reverse("events:calendar_feed") in page


def test_the_calendar_filters_by_kind(outsider_client):
    factories.event(title_fr="Afterwork", kind="afterwork")
    training = factories.event(title_fr="Formation", kind="training")
    response = outsider_client.get(reverse("events:calendar") + "?kind=training")
    assert [e.pk for e in response.context["upcoming"]] == [training.pk]
    response = outsider_client.get(reverse("events:calendar") + "?kind=nonsense")
    assert len(response.context["upcoming"]) == 2


def test_the_calendar_shows_events_in_english(outsider_client):
    factories.event(title_fr="Rencontre", title_en="Meetup")
    assert "Meetup" in outsider_client.get(reverse("events:calendar"), **EN).text
    assert "Rencontre" in outsider_client.get(reverse("events:calendar")).text
    # The language switcher works too.
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Meetup" in client.get(reverse("events:calendar")).text


def test_the_feed_is_icalendar_with_public_events_of_the_last_90_days(outsider_client):
    now = timezone.now()
    coming = factories.event(title_fr="À venir")
    recent = factories.event(
        title_fr="Récent", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30)
    )
    factories.event(
        title_fr="Ancien", starts_at=now - timedelta(days=200), ends_at=now - timedelta(days=200)
    )
    factories.event(title_fr="Brouillon", status=EventStatus.DRAFT)
    response = outsider_client.get(reverse("events:calendar_feed"))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries == sorted([coming.title_fr, recent.title_fr])


def test_the_event_ics_parses(outsider_client):
    event = factories.event(title_fr="Afterwork ICS")
    response = outsider_client.get(reverse("events:event_ics", args=[event.pk]))
    [vevent] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Afterwork ICS"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)


# --- Event page -------------------------------------------------------------------------------


def test_the_event_page_carries_schema_org_json_ld(outsider_client):
    organiser = registry_factories.organisation(name="Polepharma </script><b>")
    partner = registry_factories.organisation(name="Région Centre-Val de Loire")
    event = factories.event(
        title_fr="Afterwork bioproduction",
        description_fr="Rencontres entre laboratoires et industriels.",
        venue="Le Studium",
        street="3 rue Dupanloup",
        capacity=1,
    )
    event.organisers.add(organiser)
    event.partners.add(partner)
    response = outsider_client.get(reverse("events:event", args=[event.pk]))
    assert "</script><b>" not in response.text.split("</head>")[0].split("ld+json")[1]
    data = json_ld(response)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Afterwork bioproduction"
    paris = event.starts_at.astimezone(timezone.get_default_timezone())
    assert data["startDate"] == paris.replace(microsecond=0).isoformat()
    assert re.search(r"[+-]\d\d:\d\d$", data["endDate"])
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place"
    assert data["location"]["address"]["addressCountry"] == "FR"
    assert data["location"]["address"]["streetAddress"] == "3 rue Dupanloup"
    assert data["organizer"] == [{"@type": "Organization", "name": "Polepharma </script><b>"}]
    assert data["maximumAttendeeCapacity"] == 1
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    services.register(event=event, registrant=factories.registrant())
    data = json_ld(outsider_client.get(reverse("events:event", args=[event.pk])))
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"


def test_an_online_event_has_a_virtual_location(outsider_client):
    event = factories.event(kind="webinar", online_url="https://visio.example.test/room")
    response = outsider_client.get(reverse("events:event", args=[event.pk]), **EN)
    data = json_ld(response)
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {
        "@type": "VirtualLocation",
        "url": "https://visio.example.test/room",
    }
    assert "Online" in response.text


def test_a_cancelled_event_says_so_to_animators(animator_client):
    event = factories.event(status=EventStatus.CANCELLED)
    data = json_ld(animator_client.get(reverse("events:event", args=[event.pk])))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_the_event_page_shows_sessions_and_the_registration_state(outsider_client):
    event = factories.event(capacity=5, title_fr="Congrès")
    services.save_session(
        actor=None,
        event=event,
        values={
            "title_fr": "Atelier purification",
            "title_en": "Purification workshop",
            "starts_at": event.starts_at,
            "ends_at": event.starts_at + timedelta(hours=1),
            "capacity": 3,
        },
    )
    response = outsider_client.get(reverse("events:event", args=[event.pk]), **EN)
    assert response.context["state"] == "open"
    page = response.text
    assert "Purification workshop" in page
    assert "3 places left" in page
    assert reverse("events:register", args=[event.pk]) in page
    assert reverse("events:event_ics", args=[event.pk]) in page


@pytest.mark.parametrize(
    ("values", "state"),
    [
        ({"registration_opens_at": timezone.now() + timedelta(days=3)}, "not_yet_open"),
        ({"registration_closes_at": timezone.now() - timedelta(days=1)}, "closed"),
        ({"audience": Audience.MEMBERS}, "members_only"),
        ({"audience": Audience.INVITATION}, "invitation_only"),
        ({"capacity": 0}, "full"),
    ],
)
def test_the_registration_state_for_a_visitor(outsider_client, values, state):
    event = factories.event(**values)
    response = outsider_client.get(reverse("events:event", args=[event.pk]))
    assert response.context["state"] == state


# --- Registration -----------------------------------------------------------------------------


def test_registering_creates_the_registration_and_mails_the_ticket(
    outsider_client, django_capture_on_commit_callbacks
):
    lab = registry_factories.organisation(name="Institut des Biomolécules")
    event = factories.event(capacity=10, title_fr="Afterwork", title_en="Afterwork EN")
    url = reverse("events:register", args=[event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider_client.post(
            url,
            form_data(organisation="Institut des Biomolécules", job_title="Chercheuse"),
            **EN,
        )
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:ticket", args=[registration.token])
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.source == "form"
    assert registration.language == "en"
    assert registration.organisation == lab
    assert registration.person.job_title == "Chercheuse"
    assert registration.user is None
    assert "Your seat is confirmed" in message_texts(response)[0]
    [email] = mail.outbox
    assert email.to == ["louise.bernard1@example.test"]
    assert f"/tickets/{registration.token}/" in email.body
    # No consent box ticked, no consent recorded.
    assert not ConsentRecord.objects.filter(person=registration.person).exists()


def test_the_consent_box_records_consent(outsider_client):
    event = factories.event()
    outsider_client.post(reverse("events:register", args=[event.pk]), form_data(consent="on"))
    person = Registration.objects.get().person
    consent = ConsentRecord.objects.get(person=person)
    assert (consent.legal_basis, consent.channel) == ("consent", "form")


def test_a_full_event_puts_you_on_the_waiting_list_with_your_position(outsider_client):
    event = factories.event(capacity=1)
    services.register(event=event, registrant=factories.registrant())
    url = reverse("events:register", args=[event.pk])
    page = outsider_client.get(url, **EN)
    assert "Join the waiting list" in page.text
    outsider_client.post(url, form_data(1), **EN)
    response = outsider_client.post(url, form_data(2), follow=True, **EN)
    second = Registration.objects.get(person__email="louise.bernard2@example.test")
    assert second.status == RegistrationStatus.WAITLISTED
    assert "you are number 2 on the waiting list" in response.text


def test_approval_mode_says_pending(outsider_client):
    event = factories.event(requires_approval=True)
    response = outsider_client.post(reverse("events:register", args=[event.pk]), form_data(), **EN)
    assert Registration.objects.get().status == RegistrationStatus.PENDING
    assert "approval" in message_texts(response)[0]


def test_registering_twice_mails_the_ticket_instead_of_showing_it(
    outsider_client, django_capture_on_commit_callbacks
):
    event = factories.event()
    url = reverse("events:register", args=[event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = outsider_client.post(url, form_data(), **EN)
    registration = Registration.objects.get()
    assert first["Location"] == reverse("events:ticket", args=[registration.token])
    mail.outbox.clear()
    # Someone else typing the same address gets no ticket: the owner gets the link again.
    again = Client().post(url, form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200
    assert registration.token not in again.text
    assert "already registered" in again.text
    assert Registration.objects.count() == 1
    [resent] = mail.outbox
    assert resent.to == [registration.person.email]
    assert registration.token in resent.body


def test_a_member_registering_twice_sees_their_ticket(member, member_client):
    event = factories.event()
    url = reverse("events:register", args=[event.pk])
    data = {**form_data(), "email": member.email}
    first = member_client.post(url, data, **EN)
    again = member_client.post(url, data, **EN)
    assert first["Location"] == again["Location"]
    assert "already registered" in message_texts(again)[-1]


def test_errors_show_field_by_field(outsider_client):
    event = factories.event()
    diet = services.save_question(
        actor=None,
        event=event,
        values={
            "label_fr": "Régime",
            "label_en": "Diet",
            "kind": QuestionKind.SINGLE,
            "choices_fr": ["Aucun", "Végétarien"],
            "choices_en": ["None", "Vegetarian"],
            "required": True,
        },
    )
    url = reverse("events:register", args=[event.pk])
    response = outsider_client.post(url, form_data(family_name="", email="not-an-address"), **EN)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"family_name", "email", f"q{diet.pk}"}
    assert "Vegetarian" in response.text
    assert not Registration.objects.exists()
    response = outsider_client.post(url, form_data(**{f"q{diet.pk}": "1"}))
    assert response.status_code == 302
    assert Registration.objects.get().answers == {str(diet.pk): 1}


def test_every_kind_of_question_is_answered(outsider_client):
    lab = registry_factories.organisation(name="Plateforme ARD")
    event = factories.event()

    def question(kind, **values):
        return services.save_question(
            actor=None, event=event, values={"label_fr": kind, "kind": kind, **values}
        )

    text = question(QuestionKind.TEXT)
    many = question(QuestionKind.MULTIPLE, choices_fr=["A", "B", "C"])
    yes_no = question(QuestionKind.YES_NO)
    organisation = question(QuestionKind.ORGANISATION)
    guests_only = question(QuestionKind.TEXT, audience="members", required=True)
    url = reverse("events:register", args=[event.pk])
    assert f"q{guests_only.pk}" not in outsider_client.get(url).context["form"].fields
    response = outsider_client.post(
        url, form_data(**{f"q{organisation.pk}": "Inconnue SA", f"q{yes_no.pk}": "yes"})
    )
    assert response.status_code == 400
    assert f"q{organisation.pk}" in response.context["form"].errors
    outsider_client.post(
        url,
        form_data(
            **{
                f"q{text.pk}": " Allergie aux noix ",
                f"q{many.pk}": ["2", "0"],
                f"q{yes_no.pk}": "no",
                f"q{organisation.pk}": "plateforme ard",
            }
        ),
    )
    assert Registration.objects.get().answers == {
        str(text.pk): "Allergie aux noix",
        str(many.pk): [0, 2],
        str(yes_no.pk): False,
        str(organisation.pk): lab.pk,
    }


def test_sessions_are_chosen_with_checkboxes(outsider_client):
    event = factories.event(capacity=10)
    visit = services.save_session(
        actor=None,
        event=event,
        values={
            "title_fr": "Visite",
            "starts_at": event.starts_at,
            "ends_at": event.starts_at + timedelta(hours=1),
            "capacity": 1,
        },
    )
    url = reverse("events:register", args=[event.pk])
    assert 'type="checkbox" name="sessions"' in outsider_client.get(url).text
    outsider_client.post(url, form_data(1, sessions=[str(visit.pk)]))
    outsider_client.post(url, form_data(2, sessions=[str(visit.pk)]))
    statuses = [r.session_choices.get().status for r in Registration.objects.order_by("pk")]
    assert statuses == [SessionChoiceStatus.CONFIRMED, SessionChoiceStatus.WAITLISTED]
    response = outsider_client.get(url, **EN)
    assert "full: waiting list" in response.text


def test_members_only_needs_a_login(member, outsider_client, member_client, funder_client):
    event = factories.event(audience=Audience.MEMBERS)
    url = reverse("events:register", args=[event.pk])
    response = outsider_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert outsider_client.post(url, form_data()).status_code == 302
    assert not Registration.objects.exists()
    assert funder_client.get(url).status_code == 200
    response = member_client.post(url, form_data())
    assert response.status_code == 302
    assert Registration.objects.get().user == member


def test_invitation_only_needs_the_invitation(outsider_client, member_client):
    event = factories.event(audience=Audience.INVITATION)
    url = reverse("events:register", args=[event.pk])
    assert outsider_client.get(url).status_code == 403
    assert member_client.get(url).status_code == 403
    assert outsider_client.post(url, form_data()).status_code == 403
    guest = registry_factories.person(
        given_name="Inès", family_name="Moreau", email="ines.moreau@example.test"
    )
    [invitation] = services.invite(actor=None, event=event, people=[guest])
    outsider_client.get(reverse("events:invitation", args=[invitation.token]))
    response = outsider_client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["email"] == "ines.moreau@example.test"
    response = outsider_client.post(
        url, form_data(given_name="Inès", family_name="Moreau", email="ines.moreau@example.test")
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.person == guest
    assert registration.source == "invitation"
    invitation.refresh_from_db()
    assert invitation.registration == registration


def test_an_invitation_to_another_event_does_not_open_this_one(outsider_client):
    other = factories.event()
    event = factories.event(audience=Audience.INVITATION)
    guest = registry_factories.person(email="guest@example.test")
    [invitation] = services.invite(actor=None, event=other, people=[guest])
    outsider_client.get(reverse("events:invitation", args=[invitation.token]))
    assert outsider_client.get(reverse("events:register", args=[event.pk])).status_code == 403


def test_the_form_is_prefilled_from_the_members_record(member, member_client):
    lab = registry_factories.organisation(name="BioProd")
    person = registry_factories.person(
        given_name="Marc", family_name="Petit", email="marc.petit@example.test", organisation=lab
    )
    Person.objects.filter(pk=person.pk).update(user=member)
    event = factories.event()
    response = member_client.get(reverse("events:register", args=[event.pk]))
    initial = response.context["form"].initial
    assert (initial["given_name"], initial["email"], initial["organisation"]) == (
        "Marc",
        "marc.petit@example.test",
        "BioProd",
    )
    member_client.post(
        reverse("events:register", args=[event.pk]),
        form_data(given_name="Marc", family_name="Petit", email="marc.petit@example.test"),
    )
    assert Registration.objects.get().person == person
    # Registered, the page says so and links the ticket instead of showing the form again.
    response = member_client.get(reverse("events:register", args=[event.pk]))
    assert response.context["form"] is None
    assert reverse("events:ticket", args=[Registration.objects.get().token]) in response.text


def test_closed_registration_shows_no_form(outsider_client):
    event = factories.event(registration_closes_at=timezone.now() - timedelta(hours=1))
    url = reverse("events:register", args=[event.pk])
    assert outsider_client.get(url).context["form"] is None
    outsider_client.post(url, form_data())
    assert not Registration.objects.exists()


# Per hour, not per minute: a window boundary inside the test would reset the count.
@override_settings(RATELIMIT_REGISTRATION="2/h")
def test_registration_posts_are_rate_limited(outsider_client):
    event = factories.event()
    url = reverse("events:register", args=[event.pk])
    assert outsider_client.post(url, form_data(1)).status_code == 302
    assert outsider_client.post(url, form_data(2)).status_code == 302
    assert outsider_client.post(url, form_data(3)).status_code == 429
    assert Registration.objects.count() == 2
    # Reading the form is not limited.
    assert outsider_client.get(url).status_code == 200


@override_settings(RATELIMIT_REGISTRATION="1/h", RATELIMIT_ENABLE=False)
def test_the_rate_limit_can_be_turned_off(outsider_client):
    event = factories.event()
    url = reverse("events:register", args=[event.pk])
    for number in range(3):
        assert outsider_client.post(url, form_data(number)).status_code == 302


def test_the_form_needs_csrf():
    event = factories.event()
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("events:register", args=[event.pk]), form_data()).status_code == 403


def test_the_form_is_in_english_on_request(outsider_client):
    event = factories.event(title_fr="Congrès", title_en="Congress")
    response = outsider_client.get(reverse("events:register", args=[event.pk]), **EN)
    assert "Register: Congress" in response.text
    assert "Keep me informed of the network&#x27;s events" in response.text
    assert "Your personal data" in response.text


# --- Organisation suggestions -----------------------------------------------------------------


def test_suggestions_give_organisation_names_only(outsider_client, member_client):
    for number in range(12):
        registry_factories.organisation(name=f"Biolab {number}", city="Tours", siren="")
    url = reverse("events:organisation_suggestions")
    assert outsider_client.get(url, {"organisation": "b"}).text.strip() == ""
    response = outsider_client.get(url, {"organisation": "Biolab"})
    assert response.status_code == 200
    options = re.findall(r'<option value="([^"]*)"></option>', response.text)
    assert len(options) == 10
    assert all(o.startswith("Biolab") for o in options)
    assert "Tours" not in response.text
    assert member_client.get(url, {"q3": "biolab"}).text.count("<option") == 10


@override_settings(RATELIMIT_ENABLE=True)
def test_suggestions_are_rate_limited(outsider_client, monkeypatch):
    monkeypatch.setattr("osmose.events.views.public.SUGGESTIONS_RATE", "3/h")
    url = reverse("events:organisation_suggestions")
    statuses = [outsider_client.get(url, {"organisation": "ab"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


# --- Invitations ------------------------------------------------------------------------------


def invited(event=None):
    event = event or factories.event()
    guest = registry_factories.person(
        given_name="Yanis", family_name="Roux", email="yanis.roux@example.test"
    )
    [invitation] = services.invite(actor=None, event=event, people=[guest])
    return invitation


def test_invitation_pages_answer_whoever_holds_the_token(
    outsider_client, member_client, funder_client, animator_client
):
    invitation = invited()
    for client in (outsider_client, member_client, funder_client, animator_client):
        for name in ("events:invitation", "events:invitation_decline"):
            assert client.get(reverse(name, args=[invitation.token])).status_code == 200
            assert client.get(reverse(name, args=["unknown"])).status_code == 404
        suggestions = reverse("events:organisation_suggestions")
        assert client.get(suggestions, {"organisation": "bio"}).status_code == 200
    invitation.refresh_from_db()
    assert invitation.declined_at is None


def test_the_invitation_link_is_counted_and_remembered(outsider_client, member_client):
    invitation = invited()
    url = reverse("events:invitation", args=[invitation.token])
    response = outsider_client.get(url, **EN)
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.opened_at is not None
    assert outsider_client.session[SESSION_INVITATION] == invitation.pk
    assert "Hello Yanis" in response.text
    assert reverse("events:invitation_decline", args=[invitation.token]) in response.text
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert member_client.get(url).status_code == 200
    assert outsider_client.get(reverse("events:invitation", args=["nope"])).status_code == 404


def test_an_invitation_to_a_draft_is_404(outsider_client):
    invitation = invited(factories.event(status=EventStatus.DRAFT))
    assert (
        outsider_client.get(reverse("events:invitation", args=[invitation.token])).status_code
        == 404
    )


def test_declining_needs_a_click_not_a_link_scanner(outsider_client):
    invitation = invited()
    url = reverse("events:invitation_decline", args=[invitation.token])
    response = outsider_client.get(url)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    invitation.refresh_from_db()
    assert invitation.declined_at is None
    response = outsider_client.post(url, **EN)
    assert response.status_code == 200
    assert "Thank you for letting us know" in response.text
    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    # Changing one's mind: the invitation page offers to register again.
    response = outsider_client.get(reverse("events:invitation", args=[invitation.token]), **EN)
    assert "Changed your mind?" in response.text


def test_a_registered_invitee_sees_the_ticket_link(outsider_client):
    invitation = invited()
    registration = services.register(
        event=invitation.event,
        registrant=services.Registrant(
            given_name="Yanis", family_name="Roux", email="yanis.roux@example.test"
        ),
        invitation=invitation,
    ).registration
    response = outsider_client.get(reverse("events:invitation", args=[invitation.token]))
    assert reverse("events:ticket", args=[registration.token]) in response.text
    assert Invitation.objects.get(pk=invitation.pk).registration == registration
