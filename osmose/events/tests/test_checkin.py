"""The check-in desk: the synced queue of scans, the name search, walk-ins, permissions."""

import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from osmose.events import services
from osmose.events.documents import ticket_payload
from osmose.events.models import Attendance, Registration, RegistrationSource
from osmose.events.tests import factories
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db


def register(event, number, **values):
    return services.register(
        event=event, registrant=factories.registrant(number, **values), organiser=True
    ).registration


@pytest.fixture
def event():
    return factories.event(
        title_fr="Afterwork Tours", starts_at=timezone.now() - timedelta(hours=1), capacity=3
    )


@pytest.fixture
def seats(event):
    """Three confirmed registrations and one on the waiting list."""
    biopharma = registry_factories.organisation(name="BioPharma Tours")
    registrations = [
        register(
            event, 1, given_name="Camille", family_name="Durand", organisation_id=biopharma.pk
        ),
        register(event, 2, given_name="Noé", family_name="Petit"),
        register(event, 3, given_name="Inès", family_name="Moreau"),
        register(event, 4, given_name="Jules", family_name="Lefèvre"),
    ]
    # Registered last week: a scan is never dated before its registration.
    Registration.objects.filter(event=event).update(created_at=timezone.now() - timedelta(days=7))
    for registration in registrations:
        registration.refresh_from_db()
    return registrations


def sync(client, event, items):
    return client.post(
        reverse("events:checkin_sync", args=[event.pk]),
        json.dumps({"items": items}),
        content_type="application/json",
    )


def results(response):
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["results"]}


def test_a_queued_scan_is_checked_in_at_the_time_of_the_scan(animator_client, event, seats):
    scanned_at = timezone.now() - timedelta(minutes=12)
    response = sync(
        animator_client,
        event,
        [{"id": "q1", "token": seats[0].token, "at": scanned_at.isoformat()}],
    )
    answer = results(response)["q1"]
    assert answer["result"] == "ok"
    assert answer["name"] == "Camille Durand"
    assert answer["organisation"] == "BioPharma Tours"
    seats[0].refresh_from_db()
    assert seats[0].checked_in_at == scanned_at
    assert seats[0].attendance == Attendance.ATTENDED
    assert response.json()["counts"] == {"confirmed": 3, "checked_in": 1}


def test_syncing_twice_changes_nothing_and_says_when_it_happened(animator_client, event, seats):
    first_at = timezone.now() - timedelta(minutes=5)
    item = {"id": "q1", "token": seats[0].token, "at": first_at.isoformat()}
    sync(animator_client, event, [item])
    again = {"id": "q2", "token": seats[0].token, "at": timezone.now().isoformat()}
    answers = results(sync(animator_client, event, [item, again]))
    assert answers["q1"]["result"] == answers["q2"]["result"] == "already"
    assert answers["q2"]["checked_in_at"] == first_at.isoformat()
    seats[0].refresh_from_db()
    assert seats[0].checked_in_at == first_at
    assert Registration.objects.filter(event=event, checked_in_at__isnull=False).count() == 1


def test_a_scan_time_from_the_future_or_before_the_registration_is_kept_in_bounds(
    animator_client, event, seats
):
    before = timezone.now()
    answers = results(
        sync(
            animator_client,
            event,
            [
                {"id": "future", "token": seats[0].token, "at": "2999-01-01T00:00:00Z"},
                {"id": "epoch", "token": seats[1].token, "at": 0},
                {"id": "garbage", "token": seats[2].token, "at": "yesterday-ish"},
            ],
        )
    )
    assert {a["result"] for a in answers.values()} == {"ok"}
    for registration in seats[:3]:
        registration.refresh_from_db()
    assert before <= seats[0].checked_in_at <= timezone.now()
    assert seats[1].checked_in_at >= seats[1].created_at - timedelta(seconds=1)
    assert before <= seats[2].checked_in_at <= timezone.now()


def test_unknown_waitlisted_and_other_events_tickets_are_refused(animator_client, event, seats):
    other_event = factories.event(title_fr="Congrès")
    elsewhere = register(other_event, 9)
    answers = results(
        sync(
            animator_client,
            event,
            [
                {"id": "unknown", "token": "no-such-ticket-token", "at": None},
                {"id": "waiting", "token": seats[3].token},
                {"id": "elsewhere", "token": elsewhere.token},
                {"id": "empty", "token": ""},
                "not an object",
            ],
        )
    )
    assert answers["unknown"]["result"] == "unknown"
    assert answers["waiting"]["result"] == "not_confirmed"
    assert answers["waiting"]["status"] == "waitlisted"
    assert answers["elsewhere"]["result"] == "wrong_event"
    assert "Congrès" in answers["elsewhere"]["message"]
    assert answers["empty"]["result"] == "unknown"
    assert answers[None]["result"] == "invalid"
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


def test_the_qr_payload_is_accepted_as_well_as_the_bare_token(animator_client, event, seats):
    answers = results(
        sync(animator_client, event, [{"id": "a", "token": ticket_payload(seats[1])}])
    )
    assert answers["a"]["result"] == "ok"


def test_a_bare_list_is_accepted_and_a_malformed_body_is_refused(animator_client, event, seats):
    url = reverse("events:checkin_sync", args=[event.pk])
    response = animator_client.post(
        url, json.dumps([{"id": 1, "token": seats[0].token}]), content_type="application/json"
    )
    assert results(response)[1]["result"] == "ok"
    assert animator_client.post(url, "{", content_type="application/json").status_code == 400
    too_many = json.dumps({"items": [{"id": i, "token": "x"} for i in range(501)]})
    assert animator_client.post(url, too_many, content_type="application/json").status_code == 400
    assert (
        animator_client.post(url, '{"items": 3}', content_type="application/json").status_code
        == 400
    )


def test_the_page_without_javascript_checks_in_with_a_plain_form(animator_client, event, seats):
    page = animator_client.get(reverse("events:checkin", args=[event.pk]), {"q": "durand"})
    assert page.status_code == 200
    assert [r.pk for r in page.context["results"]] == [seats[0].pk]
    html = page.content.decode()
    assert f'value="{seats[0].token}"' in html
    assert 'style="' not in html
    response = animator_client.post(
        reverse("events:checkin_sync", args=[event.pk]), {"token": seats[0].token, "q": "durand"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("events:checkin", args=[event.pk]) + "?q=durand"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Arrivée de Camille Durand enregistrée."
    ]
    seats[0].refresh_from_db()
    assert seats[0].checked_in_at is not None
    response = animator_client.post(
        reverse("events:checkin_sync", args=[event.pk]), {"token": seats[3].token}, follow=True
    )
    assert "pas de place confirmée" in response.content.decode()


def test_the_page_carries_its_configuration_for_the_script(animator_client, event, seats):
    response = animator_client.get(reverse("events:checkin", args=[event.pk]))
    config = response.context["config"]
    assert config["syncUrl"] == reverse("events:checkin_sync", args=[event.pk])
    assert config["ticketPrefix"] == "OSMOSE-TICKET:"
    assert config["counts"] == {"confirmed": 3, "checked_in": 0}
    html = response.content.decode()
    assert 'id="checkin-config"' in html
    assert "js/checkin.js" in html and "vendor/jsQR.js" in html
    assert "0 / 3 pointés" in html
    # The event has started: the no-shows can be marked from the desk.
    assert reverse("events:attendance_close", args=[event.pk]) in html


def test_the_no_shows_wait_for_the_event_to_start(animator_client):
    upcoming = factories.event()
    html = animator_client.get(reverse("events:checkin", args=[upcoming.pk])).content.decode()
    assert reverse("events:attendance_close", args=[upcoming.pk]) not in html


def test_the_search_finds_names_organisations_and_ticket_codes(animator_client, event, seats):
    url = reverse("events:checkin_search", args=[event.pk])

    def names(**params):
        return [r["name"] for r in animator_client.get(url, params).json()["results"]]

    assert names(q="camille dur") == ["Camille Durand"]
    assert names(q="biopharma") == ["Camille Durand"]
    assert names(q=seats[2].token[:8]) == ["Inès Moreau"]
    assert names(q="nobody") == []
    roster = animator_client.get(url, {"q": ""}).json()
    assert roster["complete"] is True
    assert len(roster["results"]) == 4
    waiting = next(r for r in roster["results"] if r["name"] == "Jules Lefèvre")
    assert (waiting["status"], waiting["checked_in_at"]) == ("waitlisted", None)
    assert roster["counts"] == {"confirmed": 3, "checked_in": 0}


def test_a_walk_in_is_registered_confirmed_and_checked_in(animator_client):
    event = factories.event(starts_at=timezone.now() - timedelta(hours=1), capacity=1)
    response = animator_client.post(
        reverse("events:walk_in", args=[event.pk]),
        {
            "given_name": "Lou",
            "family_name": "Garnier",
            "email": "lou.garnier@example.test",
            "organisation": "",
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    assert registration.status == "confirmed"
    assert registration.source == RegistrationSource.WALK_IN
    assert registration.checked_in_at is not None
    assert str(registration.person) == "Lou Garnier"


def test_a_walk_in_is_refused_when_the_event_is_full(animator_client):
    event = factories.event(starts_at=timezone.now() - timedelta(hours=1), capacity=1)
    register(event, 1)
    response = animator_client.post(
        reverse("events:walk_in", args=[event.pk]),
        {"given_name": "Lou", "family_name": "Garnier", "email": "lou@example.test"},
    )
    assert response.status_code == 400
    assert "L&#x27;événement est complet" in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 1


def test_a_walk_in_needs_a_family_name_and_an_e_mail(animator_client, event):
    response = animator_client.post(reverse("events:walk_in", args=[event.pk]), {"given_name": "X"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"family_name", "email"}
    assert not Registration.objects.filter(event=event).exists()


def test_the_desk_is_for_animators(
    animator_client, member_client, funder_client, outsider_client, event, seats
):
    page = reverse("events:checkin", args=[event.pk])
    search = reverse("events:checkin_search", args=[event.pk])
    sync_url = reverse("events:checkin_sync", args=[event.pk])
    # The congress has no seat limit: the walk-in is not refused for want of a seat.
    open_event = factories.event(starts_at=timezone.now() - timedelta(hours=1))
    walk_in_url = reverse("events:walk_in", args=[open_event.pk])
    body = json.dumps({"items": [{"id": 1, "token": seats[0].token}]})
    walk_in_data = {"family_name": "Roux", "email": "roux@example.test"}
    for client, expected in [
        (outsider_client, 302),
        (member_client, 403),
        (funder_client, 403),
        (animator_client, 200),
    ]:
        assert client.get(page).status_code == expected
        assert client.get(search, {"q": "a"}).status_code == expected
        assert client.get(walk_in_url).status_code == expected
        response = client.post(sync_url, body, content_type="application/json")
        assert response.status_code == expected
        response = client.post(walk_in_url, walk_in_data)
        assert response.status_code == (302 if expected == 200 else expected)
    # Only the animator's requests changed anything.
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 2
    assert outsider_client.get(page)["Location"].startswith(reverse("accounts:login"))
    assert animator_client.get(sync_url).status_code == 405
    missing = reverse("events:checkin", args=[event.pk + 999])
    assert animator_client.get(missing).status_code == 404
