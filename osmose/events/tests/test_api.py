"""The events API under /api/v1/events: roles, registration like the public form, limits."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from osmose.accounts.models import User
from osmose.accounts.services import create_api_token
from osmose.core.models import AuditLogEntry
from osmose.events import services
from osmose.events.models import (
    Attendance,
    Audience,
    Event,
    EventStatus,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionChoiceStatus,
)
from osmose.events.tests import factories
from osmose.registry.models import Person
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer_client(user: User) -> Client:
    _token, secret = create_api_token(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.fixture
def animator_api(animator: User) -> Client:
    return bearer_client(animator)


@pytest.fixture
def member_api(member: User) -> Client:
    return bearer_client(member)


@pytest.fixture
def funder_api(funder: User) -> Client:
    return bearer_client(funder)


@pytest.fixture
def anonymous() -> Client:
    return Client()


def post(client: Client, path: str, data: Any = None) -> Any:
    return client.post(f"{API}{path}", data or {}, content_type="application/json")


def patch(client: Client, path: str, data: Any) -> Any:
    return client.patch(f"{API}{path}", data, content_type="application/json")


def person_data(number: int, **values: Any) -> dict[str, Any]:
    return {
        "given_name": "Camille",
        "family_name": f"Lefèvre{number}",
        "email": f"camille.lefevre{number}@example.test",
        "organisation": "Laboratoire des Biomolécules",
        **values,
    }


def error_locations(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.content
    return [error["loc"] for error in response.json()["detail"]]


# --- Events -----------------------------------------------------------------------------------


def test_it_lists_public_events_to_everyone_and_every_event_to_animators(
    anonymous, member_api, funder_api, animator_api
):
    published = factories.event()
    closed = factories.event(status=EventStatus.REGISTRATION_CLOSED)
    draft = factories.event(status=EventStatus.DRAFT)
    archived = factories.event(status=EventStatus.ARCHIVED)
    for client in (anonymous, member_api, funder_api):
        response = client.get(f"{API}/events")
        assert response.status_code == 200, response.content
        assert {item["id"] for item in response.json()["items"]} == {published.pk, closed.pk}
    items = animator_api.get(f"{API}/events").json()["items"]
    assert {item["id"] for item in items} == {published.pk, closed.pk, draft.pk, archived.pk}


def test_it_reads_one_event_with_its_seats_and_hides_drafts(anonymous, member_api, animator_api):
    event = factories.event(capacity=2, title_en="Afterwork in English")
    services.register(event=event, registrant=factories.registrant(1))
    body = anonymous.get(f"{API}/events/{event.pk}").json()
    assert body["title_en"] == "Afterwork in English"
    assert (body["capacity"], body["seats_taken"], body["seats_left"]) == (2, 1, 1)
    assert body["registration_open"] is True
    assert body["url"].endswith(f"/events/{event.pk}/")
    draft = factories.event(status=EventStatus.DRAFT)
    assert anonymous.get(f"{API}/events/{draft.pk}").status_code == 404
    assert member_api.get(f"{API}/events/{draft.pk}").status_code == 404
    assert animator_api.get(f"{API}/events/{draft.pk}").status_code == 200
    assert anonymous.get(f"{API}/events/999999").status_code == 404


def test_it_filters_events_by_kind_status_and_dates(animator_api):
    now = timezone.now()
    soon = factories.event(kind="afterwork", starts_at=now + timedelta(days=3))
    later = factories.event(kind="congress", starts_at=now + timedelta(days=90))
    past = factories.event(
        kind="afterwork", starts_at=now - timedelta(days=30), status=EventStatus.ARCHIVED
    )

    def ids(query: str) -> list[int]:
        response = animator_api.get(f"{API}/events?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("kind=afterwork") == [past.pk, soon.pk]
    assert ids("status=archived") == [past.pk]
    assert ids(f"from={(now - timedelta(days=1)).isoformat().replace('+', '%2B')}") == [
        soon.pk,
        later.pk,
    ]
    assert ids(f"to={(now + timedelta(days=10)).date().isoformat()}") == [past.pk, soon.pk]


def test_it_lists_events_in_a_fixed_number_of_queries(anonymous, django_assert_max_num_queries):
    organiser = registry_factories.organisation(name="Biopharma Centre-Val de Loire")
    for _ in range(8):
        event = factories.event(capacity=10)
        event.organisers.set([organiser])
        services.register(event=event, registrant=factories.registrant())
    # Six of them are the throttle's, in the database cache.
    with django_assert_max_num_queries(10):
        response = anonymous.get(f"{API}/events")
    items = response.json()["items"]
    assert len(items) == 8
    assert all(item["seats_taken"] == 1 for item in items)
    assert items[0]["organisers"] == [{"id": organiser.pk, "name": organiser.name}]


EVENT = {
    "kind": "afterwork",
    "title_fr": "Afterwork : la bioproduction en Touraine",
    "title_en": "Afterwork: bioproduction in Touraine",
    "starts_at": "2031-03-13T18:30:00+01:00",
    "ends_at": "2031-03-13T21:00:00+01:00",
    "venue": "Espace ligérien de l'innovation",
    "capacity": 70,
}


def test_only_animators_create_events(anonymous, member_api, funder_api, animator_api, animator):
    assert post(anonymous, "/events", EVENT).status_code == 401
    assert post(member_api, "/events", EVENT).status_code == 403
    assert post(funder_api, "/events", EVENT).status_code == 403
    assert not Event.objects.exists()
    organiser = registry_factories.organisation(name="Cluster Biopharma")
    response = post(animator_api, "/events", {**EVENT, "organisers": [organiser.pk]})
    assert response.status_code == 201, response.content
    body = response.json()
    event = Event.objects.get(pk=body["id"])
    assert (event.status, event.capacity, event.created_by) == ("draft", 70, animator)
    assert list(event.organisers.all()) == [organiser]
    assert body["organisers"] == [{"id": organiser.pk, "name": "Cluster Biopharma"}]
    assert AuditLogEntry.objects.filter(action="events.event.created", actor=animator).exists()


def test_an_event_can_be_created_published(animator_api):
    response = post(animator_api, "/events", {**EVENT, "status": "published"})
    assert response.status_code == 201, response.content
    assert Event.objects.get().status == EventStatus.PUBLISHED


def test_event_errors_name_the_field_and_change_nothing(animator_api):
    assert ["body", "payload", "title_fr"] in error_locations(
        post(animator_api, "/events", {k: v for k, v in EVENT.items() if k != "title_fr"})
    )
    assert ["body", "payload", "organisers"] in error_locations(
        post(animator_api, "/events", {**EVENT, "organisers": [999999]})
    )
    assert ["body", "payload", "commune"] in error_locations(
        post(animator_api, "/events", {**EVENT, "commune": "99999"})
    )
    # A draft cannot be archived straight away: the whole request is refused.
    assert ["body", "payload", "status"] in error_locations(
        post(animator_api, "/events", {**EVENT, "status": "archived"})
    )
    assert not Event.objects.exists()


def test_only_animators_change_events_and_a_larger_capacity_offers_seats(
    anonymous, member_api, funder_api, animator_api
):
    event = factories.event(capacity=1)
    services.register(event=event, registrant=factories.registrant(1))
    waiting = services.register(event=event, registrant=factories.registrant(2)).registration
    assert patch(anonymous, f"/events/{event.pk}", {"capacity": 2}).status_code == 401
    assert patch(member_api, f"/events/{event.pk}", {"capacity": 2}).status_code == 403
    assert patch(funder_api, f"/events/{event.pk}", {"capacity": 2}).status_code == 403
    response = patch(animator_api, f"/events/{event.pk}", {"capacity": 2, "venue": "Tours"})
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.capacity, event.venue) == (2, "Tours")
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED


def test_a_status_change_follows_the_transitions(animator_api):
    event = factories.event(status=EventStatus.DRAFT)
    response = patch(animator_api, f"/events/{event.pk}", {"status": "published"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    archived = factories.event(status=EventStatus.ARCHIVED)
    response = patch(animator_api, f"/events/{archived.pk}", {"status": "draft", "venue": "X"})
    assert ["body", "payload", "status"] in error_locations(response)
    archived.refresh_from_db()
    assert (archived.status, archived.venue) == ("archived", "")


# --- Sessions ---------------------------------------------------------------------------------


SESSION = {
    "title_fr": "Visite de la plateforme",
    "starts_at": "2031-03-13T14:00:00+01:00",
    "ends_at": "2031-03-13T16:00:00+01:00",
    "capacity": 20,
}


def test_everyone_reads_sessions_and_only_animators_add_them(
    anonymous, member_api, funder_api, animator_api
):
    event = factories.event(kind="congress")
    assert post(anonymous, f"/events/{event.pk}/sessions", SESSION).status_code == 401
    assert post(member_api, f"/events/{event.pk}/sessions", SESSION).status_code == 403
    assert post(funder_api, f"/events/{event.pk}/sessions", SESSION).status_code == 403
    response = post(animator_api, f"/events/{event.pk}/sessions", SESSION)
    assert response.status_code == 201, response.content
    assert event.sessions.get().capacity == 20
    body = anonymous.get(f"{API}/events/{event.pk}/sessions").json()
    assert [(s["title_fr"], s["capacity"], s["seats_taken"]) for s in body] == [
        ("Visite de la plateforme", 20, 0)
    ]
    draft = factories.event(status=EventStatus.DRAFT)
    assert anonymous.get(f"{API}/events/{draft.pk}/sessions").status_code == 404


def test_a_session_ending_before_it_starts_is_refused(animator_api):
    event = factories.event()
    response = post(
        animator_api,
        f"/events/{event.pk}/sessions",
        {**SESSION, "ends_at": "2031-03-13T13:00:00+01:00"},
    )
    assert response.status_code == 422
    assert not event.sessions.exists()


# --- Registration -----------------------------------------------------------------------------


def test_anyone_registers_for_a_public_event_and_gets_a_ticket(anonymous, mailoutbox):
    event = factories.event(capacity=10)
    response = post(
        anonymous, f"/events/{event.pk}/registrations", {**person_data(1), "language": "en"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    registration = Registration.objects.get(pk=body["id"])
    assert body["status"] == "confirmed"
    assert body["waitlist_position"] is None
    assert body["ticket_url"].endswith(f"/tickets/{registration.token}/")
    assert body["person"] is None  # an anonymous caller learns nothing of the registry
    assert registration.source == RegistrationSource.API
    assert registration.language == "en"
    assert registration.person.email == "camille.lefevre1@example.test"
    assert registration.person.source == services.REGISTRATION_SOURCE
    assert registration.organisation_name == "Laboratoire des Biomolécules"


def test_registering_twice_answers_200_with_the_same_registration(anonymous):
    event = factories.event(capacity=10)
    first = post(anonymous, f"/events/{event.pk}/registrations", person_data(1))
    again = post(anonymous, f"/events/{event.pk}/registrations", person_data(1))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "confirmed"
    # The ticket went out by e-mail; whoever knows an address does not get it here.
    assert again.json()["ticket_url"] is None
    assert Registration.objects.filter(event=event).count() == 1


def test_a_full_event_puts_people_on_the_waiting_list_in_order(anonymous):
    event = factories.event(capacity=2)
    url = f"/events/{event.pk}/registrations"
    bodies = [post(anonymous, url, person_data(n)).json() for n in range(5)]
    assert [b["status"] for b in bodies] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert [b["waitlist_position"] for b in bodies] == [None, None, 1, 2, 3]


def test_an_event_with_approval_answers_pending(anonymous):
    event = factories.event(capacity=10, requires_approval=True)
    response = post(anonymous, f"/events/{event.pk}/registrations", person_data(1))
    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_answers_and_sessions_are_stored(anonymous, animator):
    event = factories.event(capacity=10)
    question = services.save_question(
        actor=animator,
        event=event,
        values={
            "label_fr": "Thèmes",
            "kind": QuestionKind.MULTIPLE,
            "choices_fr": ["Procédés", "Qualité", "Financement"],
            "required": True,
        },
    )
    now = timezone.now()
    visit = services.save_session(
        actor=animator,
        event=event,
        values={
            "title_fr": "Visite",
            "starts_at": now + timedelta(days=20),
            "ends_at": now + timedelta(days=20, hours=2),
            "capacity": 1,
        },
    )
    bodies = [
        post(
            anonymous,
            f"/events/{event.pk}/registrations",
            person_data(n, answers={str(question.pk): [2, 0]}, sessions=[visit.pk]),
        ).json()
        for n in (1, 2)
    ]
    assert [b["sessions"] for b in bodies] == [
        [{"session": visit.pk, "status": SessionChoiceStatus.CONFIRMED}],
        [{"session": visit.pk, "status": SessionChoiceStatus.WAITLISTED}],
    ]
    registration = Registration.objects.get(pk=bodies[0]["id"])
    assert registration.answers == {str(question.pk): [0, 2]}


def test_registration_errors_name_the_field(anonymous, animator):
    event = factories.event(capacity=10)
    question = services.save_question(
        actor=animator,
        event=event,
        values={"label_fr": "Rendez-vous B2B ?", "kind": QuestionKind.YES_NO, "required": True},
    )
    url = f"/events/{event.pk}/registrations"
    answered = {"answers": {str(question.pk): True}}
    no_email = {k: v for k, v in person_data(1).items() if k != "email"}
    assert ["body", "payload", "email"] in error_locations(post(anonymous, url, no_email))
    assert ["body", "payload", "email"] in error_locations(
        post(anonymous, url, person_data(1, email="not-an-address", **answered))
    )
    assert ["body", "payload", "answers", str(question.pk)] in error_locations(
        post(anonymous, url, person_data(1))
    )
    assert ["body", "payload", "sessions"] in error_locations(
        post(anonymous, url, person_data(1, sessions=[999999], **answered))
    )
    assert ["body", "payload", "language"] in error_locations(
        post(anonymous, url, person_data(1, language="de", **answered))
    )
    assert not Registration.objects.exists()
    assert not Person.objects.filter(email="camille.lefevre1@example.test").exists()


def test_closed_registration_is_a_409_with_a_message(anonymous):
    closed = factories.event(status=EventStatus.REGISTRATION_CLOSED)
    response = post(anonymous, f"/events/{closed.pk}/registrations", person_data(1))
    assert response.status_code == 409
    assert "not open" in response.json()["detail"]
    late = factories.event(registration_closes_at=timezone.now() - timedelta(hours=1))
    assert post(anonymous, f"/events/{late.pk}/registrations", person_data(1)).status_code == 409
    draft = factories.event(status=EventStatus.DRAFT)
    assert post(anonymous, f"/events/{draft.pk}/registrations", person_data(1)).status_code == 404
    assert not Registration.objects.exists()


def test_a_members_only_event_needs_a_signed_in_caller(anonymous, member_api, member):
    event = factories.event(audience=Audience.MEMBERS)
    refused = anonymous.post(
        f"{API}/events/{event.pk}/registrations",
        person_data(1),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 403
    assert "members only" in refused.json()["detail"]
    own = registry_factories.person(email="mia@example.test")
    Person.objects.filter(pk=own.pk).update(user=member)
    response = post(member_api, f"/events/{event.pk}/registrations", person_data(2))
    assert response.status_code == 201, response.content
    registration = Registration.objects.get()
    # A signed-in member registers themself, as on the form.
    assert (registration.person, registration.user) == (own, member)
    assert response.json()["person"]["email"] == "mia@example.test"
    assert response.json()["ticket_url"] is not None


def test_an_invitation_only_event_is_refused_except_to_animators(
    anonymous, member_api, animator_api
):
    event = factories.event(audience=Audience.INVITATION, capacity=5)
    for client in (anonymous, member_api):
        response = post(client, f"/events/{event.pk}/registrations", person_data(1))
        assert response.status_code == 403
        assert "invitation" in response.json()["detail"]
    response = post(animator_api, f"/events/{event.pk}/registrations", person_data(1))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"]["email"] == "camille.lefevre1@example.test"
    assert Registration.objects.get().user is None  # the animator registered someone else


def test_animators_register_people_even_when_registration_is_closed(animator_api):
    event = factories.event(status=EventStatus.REGISTRATION_CLOSED, requires_approval=True)
    response = post(animator_api, f"/events/{event.pk}/registrations", person_data(1))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "confirmed"


def test_a_wrong_token_is_a_401_not_an_anonymous_registration():
    event = factories.event()
    client = Client(HTTP_AUTHORIZATION="Bearer osm_wrong")
    assert post(client, f"/events/{event.pk}/registrations", person_data(1)).status_code == 401
    assert not Registration.objects.exists()


@override_settings(RATELIMIT_ENABLE=True, RATELIMIT_REGISTRATION="2/m")
def test_anonymous_registrations_are_rate_limited_per_address(anonymous, member_api):
    event = factories.event()
    url = f"/events/{event.pk}/registrations"
    assert [post(anonymous, url, person_data(n)).status_code for n in (1, 2)] == [201, 201]
    refused = post(anonymous, url, person_data(3))
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json; charset=utf-8"
    assert "Too many" in refused.json()["detail"]
    assert Registration.objects.count() == 2
    # Another address, and signed-in callers, are not held back.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert post(other, url, person_data(4)).status_code == 201
    assert post(member_api, url, person_data(5)).status_code == 201


@override_settings(RATELIMIT_ENABLE=False, RATELIMIT_REGISTRATION="1/m")
def test_the_rate_limit_can_be_turned_off(anonymous):
    event = factories.event()
    url = f"/events/{event.pk}/registrations"
    assert [post(anonymous, url, person_data(n)).status_code for n in range(3)] == [201] * 3


def test_only_animators_list_registrations_with_waitlist_positions(
    anonymous, member_api, funder_api, animator_api, django_assert_max_num_queries
):
    event = factories.event(capacity=1)
    for number in range(4):
        services.register(event=event, registrant=factories.registrant(number))
    url = f"{API}/events/{event.pk}/registrations"
    assert anonymous.get(url).status_code == 401
    assert member_api.get(url).status_code == 403
    assert funder_api.get(url).status_code == 403
    with django_assert_max_num_queries(13):  # token, throttle (6), event, list
        response = animator_api.get(url)
    items = response.json()["items"]
    assert [(i["status"], i["waitlist_position"]) for i in items] == [
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    assert items[0]["person"]["family_name"] == "Martin0"
    waiting = animator_api.get(f"{url}?status=waitlisted").json()["items"]
    assert len(waiting) == 3


# --- Check-in and cancellation ----------------------------------------------------------------


def test_only_animators_check_in_and_twice_says_already(
    anonymous, member_api, funder_api, animator_api, animator
):
    event = factories.event(capacity=1)
    holder = services.register(event=event, registrant=factories.registrant(1)).registration
    waiting = services.register(event=event, registrant=factories.registrant(2)).registration
    url = f"/events/{event.pk}/registrations/{holder.pk}/check-in"
    assert post(anonymous, url).status_code == 401
    assert post(member_api, url).status_code == 403
    assert post(funder_api, url).status_code == 403
    first = post(animator_api, url)
    assert first.status_code == 200, first.content
    assert first.json()["already"] is False
    assert first.json()["registration"]["attendance"] == Attendance.ATTENDED
    again = post(animator_api, url)
    assert (again.status_code, again.json()["already"]) == (200, True)
    holder.refresh_from_db()
    assert holder.checked_in_at is not None
    assert AuditLogEntry.objects.filter(action="events.registration.checked_in").count() == 1
    refused = post(animator_api, f"/events/{event.pk}/registrations/{waiting.pk}/check-in")
    assert refused.status_code == 409
    other = factories.event()
    elsewhere = f"/events/{other.pk}/registrations/{holder.pk}/check-in"
    assert post(animator_api, elsewhere).status_code == 404


def test_cancellation_by_token_frees_the_seat_for_the_next_person(anonymous):
    event = factories.event(capacity=1)
    holder = services.register(event=event, registrant=factories.registrant(1)).registration
    waiting = services.register(event=event, registrant=factories.registrant(2)).registration
    url = f"/events/{event.pk}/registrations/{holder.pk}/cancel"
    assert post(anonymous, url).status_code == 401
    assert post(anonymous, f"{url}?token=wrong").status_code == 403
    holder.refresh_from_db()
    assert holder.status == RegistrationStatus.CONFIRMED
    response = post(anonymous, f"{url}?token={holder.token}", {"reason": "Empêchée"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert (holder.status, holder.cancel_reason) == ("cancelled", "Empêchée")
    assert waiting.status == RegistrationStatus.OFFERED
    # Twice is harmless.
    assert post(anonymous, f"{url}?token={holder.token}").json()["status"] == "cancelled"


def test_the_registrant_signed_in_or_an_animator_may_cancel_others_may_not(
    member, member_api, funder_api, animator_api
):
    event = factories.event(capacity=5)
    own = services.register(
        event=event, registrant=factories.registrant(1), user=member
    ).registration
    someone = services.register(event=event, registrant=factories.registrant(2)).registration
    refused = post(member_api, f"/events/{event.pk}/registrations/{someone.pk}/cancel")
    assert refused.status_code == 403
    assert post(funder_api, f"/events/{event.pk}/registrations/{own.pk}/cancel").status_code == 403
    mine = post(member_api, f"/events/{event.pk}/registrations/{own.pk}/cancel")
    assert mine.status_code == 200, mine.content
    theirs = post(animator_api, f"/events/{event.pk}/registrations/{someone.pk}/cancel")
    assert theirs.status_code == 200
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert statuses == {RegistrationStatus.CANCELLED}


def test_session_writes_need_the_csrf_token(member):
    event = factories.event()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post(client, f"/events/{event.pk}/registrations", person_data(1))
    assert response.status_code == 403
    assert not Registration.objects.exists()
    # An anonymous browser has no session to forge: the public form's rules apply.
    anonymous = Client(enforce_csrf_checks=True)
    assert post(anonymous, f"/events/{event.pk}/registrations", person_data(1)).status_code == 201


def test_it_publishes_the_event_paths_with_pinned_operation_ids(anonymous):
    paths = anonymous.get(f"{API}/openapi.json").json()["paths"]
    operations = {
        operation["operationId"]
        for path, methods in paths.items()
        if path.startswith("/api/v1/events")
        for operation in methods.values()
        if not operation["operationId"].startswith("osmose_matchmaking_")  # the B2B meetings'
    }
    assert operations == {
        "osmose_events_api_list_events",
        "osmose_events_api_get_event",
        "osmose_events_api_create_event",
        "osmose_events_api_update_event",
        "osmose_events_api_list_sessions",
        "osmose_events_api_create_session",
        "osmose_events_api_list_registrations",
        "osmose_events_api_register",
        "osmose_events_api_check_in",
        "osmose_events_api_cancel_registration",
    }
    assert Event.objects.count() == 0


@override_settings(RATELIMIT_ENABLE=True, RATELIMIT_REGISTRATION="2/m")
def test_the_form_and_the_api_share_one_allowance_per_address(anonymous):
    event = factories.event()
    form = anonymous.post(
        f"/events/{event.pk}/register/",
        {"given_name": "Camille", "family_name": "Form", "email": "form@example.test"},
    )
    assert form.status_code in (200, 302, 400)
    assert post(anonymous, f"/events/{event.pk}/registrations", person_data(1)).status_code == 201
    assert post(anonymous, f"/events/{event.pk}/registrations", person_data(2)).status_code == 429


def test_the_browser_session_works_as_well_as_a_token(
    animator_client, member_client, funder_client, outsider_client
):
    event = factories.event(capacity=5)
    services.register(event=event, registrant=factories.registrant(1))
    url = f"{API}/events/{event.pk}/registrations"
    assert animator_client.get(url).status_code == 200
    assert member_client.get(url).status_code == 403
    assert funder_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 401
    response = post(member_client, f"/events/{event.pk}/registrations", person_data(2))
    assert response.status_code == 201
    assert Registration.objects.get(pk=response.json()["id"]).user is not None


def test_after_the_event_the_registrant_may_no_longer_cancel(anonymous):
    from datetime import timedelta

    from django.utils import timezone

    event = factories.event(starts_at=timezone.now() - timedelta(days=2))
    registration = services.register(
        event=event, registrant=factories.registrant(1), organiser=True
    ).registration
    url = f"/events/{event.pk}/registrations/{registration.pk}/cancel"
    response = post(anonymous, f"{url}?token={registration.token}")
    assert response.status_code == 409
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
