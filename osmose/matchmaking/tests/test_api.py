"""The B2B meetings API: offers, meeting requests, meetings and the scheduler, by role.

Personas: an animator, a member who takes part (their confirmed registration joined), a
member who does not (an outsider), a funder, and anonymous callers.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from osmose.accounts.models import User
from osmose.api.tests.client import API, bearer_client, error_locations, patch, post
from osmose.core.models import JobProgress, Term, Vocabulary
from osmose.events import services as event_services
from osmose.events.models import Event, EventStatus
from osmose.events.tests import factories as event_factories
from osmose.matchmaking import scheduling, services
from osmose.matchmaking.models import (
    Brokerage,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Offer,
    Participant,
    RequestStatus,
    ScheduleRun,
)
from osmose.matchmaking.scheduler import Placement, Result, Status, validate_result
from osmose.matchmaking.tests import factories
from osmose.registry.models import Person
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def brokerage() -> Brokerage:
    return factories.brokerage(slots=4, sessions=2, tables=3, table_names=["Loire"])


@pytest.fixture
def me(brokerage: Brokerage, member: User) -> Participant:
    """The member's own participant: their registration (signed in), joined."""
    registration = event_services.register(
        event=brokerage.event,
        registrant=event_factories.registrant(email=member.email),
        user=member,
        notify=False,
    ).registration
    return services.join(registration)


@pytest.fixture
def other(brokerage: Brokerage) -> Participant:
    return factories.participant(brokerage, organisation=factories.organisation(name="Biolab"))


@pytest.fixture
def third(brokerage: Brokerage) -> Participant:
    return factories.participant(brokerage, organisation=factories.organisation(name="Pharmco"))


@pytest.fixture
def outsider(db) -> User:
    """A member who is no participant (registered for nothing)."""
    from osmose.accounts.models import Role
    from osmose.accounts.services import create_user

    return create_user(email="outsider@example.test", role=Role.MEMBER, password="x" * 12)


@pytest.fixture
def clients(animator, member, funder, outsider) -> dict[str, Client]:
    return {
        "animator": bearer_client(animator),
        "participant": bearer_client(member),
        "outsider": bearer_client(outsider),
        "funder": bearer_client(funder),
        "anonymous": Client(),
    }


@pytest.fixture
def term() -> Term:
    vocabulary, _created = Vocabulary.objects.get_or_create(
        slug="modalities", defaults={"name_fr": "Modalités", "name_en": "Modalities"}
    )
    term, _created = Term.objects.get_or_create(
        vocabulary=vocabulary,
        slug="vaccines",
        defaults={"name_fr": "Vaccins", "name_en": "Vaccines"},
    )
    return term


def test_every_endpoint_refuses_outsiders_funders_and_anonymous_callers(
    clients, brokerage, me, other
):
    event = brokerage.event.pk
    offer = services.save_offer(other, kind="offer", category="service", title="CDMO")
    request = services.request_meeting(other, me)
    meeting = services.add_meeting(brokerage, [me, other])
    run = ScheduleRun.objects.create(brokerage=brokerage, status="optimal")
    calls = [
        ("get", f"/events/{event}/offers", None),
        ("post", f"/events/{event}/offers", {"kind": "offer", "category": "service", "title": "x"}),
        ("patch", f"/events/{event}/offers/{offer.pk}", {"title": "y"}),
        ("delete", f"/events/{event}/offers/{offer.pk}", None),
        ("get", f"/events/{event}/meeting-requests", None),
        ("post", f"/events/{event}/meeting-requests", {"recipient_id": other.pk}),
        ("post", f"/events/{event}/meeting-requests/{request.pk}/answer", {"accept": True}),
        ("post", f"/events/{event}/meeting-requests/{request.pk}/withdraw", None),
        ("get", f"/events/{event}/meetings", None),
        ("post", f"/events/{event}/meetings", {"participant_ids": [me.pk, other.pk]}),
        ("delete", f"/events/{event}/meetings/{meeting.pk}", None),
        ("post", f"/events/{event}/meetings/schedule", None),
        ("get", f"/events/{event}/meetings/runs/{run.pk}", None),
        ("get", f"/events/{event}/meetings/instance", None),
    ]
    for name, expected in (("outsider", 403), ("funder", 403), ("anonymous", 401)):
        client = clients[name]
        for method, path, data in calls:
            response = getattr(client, method)(
                f"{API}{path}", data, content_type="application/json"
            )
            assert response.status_code == expected, (name, method, path, response.content)
    # Nothing changed.
    assert Offer.objects.get(pk=offer.pk).title == "CDMO"
    assert MeetingRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert ScheduleRun.objects.count() == 1


def test_organiser_endpoints_refuse_participants(clients, brokerage, me, other):
    event = brokerage.event.pk
    meeting = services.add_meeting(brokerage, [other, factories.participant(brokerage)])
    run = ScheduleRun.objects.create(brokerage=brokerage, status="optimal")
    client = clients["participant"]
    pair = {"participant_ids": [me.pk, other.pk]}
    assert post(client, f"/events/{event}/meetings", pair).status_code == 403
    assert client.delete(f"{API}/events/{event}/meetings/{meeting.pk}").status_code == 403
    assert post(client, f"/events/{event}/meetings/schedule").status_code == 403
    assert client.get(f"{API}/events/{event}/meetings/runs/{run.pk}").status_code == 403
    assert client.get(f"{API}/events/{event}/meetings/instance").status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_a_hidden_event_or_one_without_meetings_is_a_404(clients, brokerage, me):
    plain = event_factories.event()
    for name in ("participant", "animator"):
        assert clients[name].get(f"{API}/events/{plain.pk}/offers").status_code == 404
    Event.objects.filter(pk=brokerage.event_id).update(status=EventStatus.DRAFT)
    path = f"{API}/events/{brokerage.event_id}/offers"
    assert clients["participant"].get(path).status_code == 404
    assert clients["animator"].get(path).status_code == 200


def test_a_participant_whose_registration_is_cancelled_loses_access(clients, brokerage, me):
    event_services.cancel(actor=None, registration=me.registration, notify=False)
    response = clients["participant"].get(f"{API}/events/{brokerage.event_id}/offers")
    assert response.status_code == 403


# --- Offers -------------------------------------------------------------------------------------


def test_participants_list_active_offers_and_filter_them(clients, brokerage, me, other, term):
    event = brokerage.event_id
    vaccines = services.save_offer(
        other, kind="offer", category="service", title="Lots de vaccins", terms=[term]
    )
    wanted = services.save_offer(me, kind="request", category="investment", title="Seed round")
    gone = factories.participant(brokerage)
    hidden = services.save_offer(gone, kind="offer", category="expertise", title="Gone")
    services.leave(gone)
    participant, animator = clients["participant"], clients["animator"]
    assert ids(participant.get(f"{API}/events/{event}/offers")) == {vaccines.pk, wanted.pk}
    assert ids(animator.get(f"{API}/events/{event}/offers")) == {vaccines.pk, wanted.pk, hidden.pk}
    assert ids(participant.get(f"{API}/events/{event}/offers?kind=request")) == {wanted.pk}
    assert ids(participant.get(f"{API}/events/{event}/offers?category=service")) == {vaccines.pk}
    assert ids(participant.get(f"{API}/events/{event}/offers?term=vaccines")) == {vaccines.pk}
    assert ids(participant.get(f"{API}/events/{event}/offers?term={term.pk}")) == {vaccines.pk}
    item = participant.get(f"{API}/events/{event}/offers?term=vaccines").json()["items"][0]
    assert item["participant"] == {"id": other.pk, "name": "Alex " + other.person.family_name,
                                   "organisation": "Biolab"}  # fmt: skip
    assert item["terms"][0]["slug"] == "vaccines" and item["terms"][0]["vocabulary"] == "modalities"
    assert participant.get(f"{API}/events/{event}/offers?kind=nonsense").status_code == 422


def test_a_participant_publishes_changes_and_deletes_their_own_offer(
    clients, brokerage, me, other, term
):
    event = brokerage.event_id
    client = clients["participant"]
    response = post(
        client,
        f"/events/{event}/offers",
        {"kind": "request", "category": "service", "title": "A CDMO", "terms": ["vaccines"]},
    )
    assert response.status_code == 201, response.content
    offer = Offer.objects.get(pk=response.json()["id"])
    assert offer.participant == me and list(offer.terms.all()) == [term]
    response = patch(client, f"/events/{event}/offers/{offer.pk}", {"title": "Two CDMOs"})
    assert response.status_code == 200 and response.json()["title"] == "Two CDMOs"
    assert response.json()["terms"][0]["id"] == term.pk  # unchanged when not sent
    assert patch(client, f"/events/{event}/offers/{offer.pk}", {"terms": []}).json()["terms"] == []
    theirs = services.save_offer(other, kind="offer", category="service", title="Theirs")
    response = patch(client, f"/events/{event}/offers/{theirs.pk}", {"title": "Mine"})
    assert response.status_code == 403
    assert client.delete(f"{API}/events/{event}/offers/{theirs.pk}").status_code == 403
    assert client.delete(f"{API}/events/{event}/offers/{offer.pk}").status_code == 204
    assert not Offer.objects.filter(pk=offer.pk).exists()
    assert Offer.objects.filter(pk=theirs.pk, title="Theirs").exists()
    assert client.delete(f"{API}/events/{event}/offers/999999").status_code == 404


def test_an_animator_writes_offers_for_a_participant(clients, brokerage, other):
    event = brokerage.event_id
    client = clients["animator"]
    body = {"kind": "offer", "category": "expertise", "title": "Chromatographie"}
    assert error_locations(post(client, f"/events/{event}/offers", body)) == [
        ["body", "payload", "participant_id"]
    ]
    response = post(client, f"/events/{event}/offers", {**body, "participant_id": other.pk})
    assert response.status_code == 201 and response.json()["participant"]["id"] == other.pk
    offer_id = response.json()["id"]
    response = patch(client, f"/events/{event}/offers/{offer_id}", {"kind": "request"})
    assert response.json()["kind"] == "request"
    assert client.delete(f"{API}/events/{event}/offers/{offer_id}").status_code == 204
    # A participant may not write for someone else.
    response = post(
        clients["animator"], f"/events/{event}/offers", {**body, "participant_id": 999999}
    )
    assert error_locations(response) == [["body", "payload", "participant_id"]]


def test_offers_are_validated_with_the_field_named(clients, brokerage, me, term):
    event = brokerage.event_id
    client = clients["participant"]
    good = {"kind": "offer", "category": "service", "title": "x"}
    locations = error_locations(
        post(client, f"/events/{event}/offers", {**good, "terms": ["nope"]})
    )
    assert locations == [["body", "payload", "terms"]]
    assert ["body", "payload", "title"] in error_locations(
        post(client, f"/events/{event}/offers", {**good, "title": ""})
    )
    assert error_locations(post(client, f"/events/{event}/offers", {**good, "category": "magic"}))
    response = post(
        clients["participant"],
        f"/events/{event}/offers",
        {**good, "participant_id": factories.participant(brokerage).pk},
    )
    assert response.status_code == 403
    offer = services.save_offer(me, kind="offer", category="service", title="x")
    assert error_locations(patch(client, f"/events/{event}/offers/{offer.pk}", {"title": None}))
    assert Offer.objects.count() == 1


# --- Meeting requests ---------------------------------------------------------------------------


def test_request_answer_and_meeting_flow(clients, brokerage, me, other, third):
    """A participant asks; the other side (a signed-in participant too) accepts; the meeting
    appears in both agendas; the scheduler places it; the published slot shows."""
    event = brokerage.event_id
    other_user = User.objects.create_user(email="other@example.test", password="x" * 12)
    Person.objects.filter(pk=other.person.pk).update(user=other_user)
    them = bearer_client(other_user)
    mine = clients["participant"]

    response = post(
        mine,
        f"/events/{event}/meeting-requests",
        {"recipient_id": other.pk, "message": "Bonjour", "priority": "must_meet"},
    )
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    assert response.json()["priority"] == "must_meet" and response.json()["status"] == "pending"
    again = post(mine, f"/events/{event}/meeting-requests", {"recipient_id": other.pk})
    assert again.status_code == 200 and again.json()["id"] == request_id  # a retry changes nothing

    # Only the recipient answers; only the requester withdraws.
    answer = f"/events/{event}/meeting-requests/{request_id}/answer"
    assert post(mine, answer, {"accept": True}).status_code == 403
    assert post(them, f"/events/{event}/meeting-requests/{request_id}/withdraw").status_code == 403
    assert post(clients["animator"], answer, {"accept": True}).status_code == 403
    assert ids(them.get(f"{API}/events/{event}/meeting-requests")) == {request_id}
    response = post(
        them,
        f"/events/{event}/meeting-requests/{request_id}/answer",
        {"accept": True, "reply": "Oui"},
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    again = post(them, f"/events/{event}/meeting-requests/{request_id}/answer", {"accept": False})
    assert again.status_code == 409

    meetings = mine.get(f"{API}/events/{event}/meetings").json()["items"]
    assert len(meetings) == 1
    meeting = meetings[0]
    assert {p["id"] for p in meeting["participants"]} == {me.pk, other.pk}
    assert meeting["priority"] == "must_meet" and meeting["status"] == "planned"
    assert meeting["slot"] is None and meeting["starts_at"] is None

    # The organiser runs the scheduler: 202 at once, the run read back once it ran.
    response = post(clients["animator"], f"/events/{event}/meetings/schedule", {"time_limit": 5})
    assert response.status_code == 202, response.content
    run_id = response.json()["run"]["id"]
    assert response.json()["run"]["status"] == "running"
    assert JobProgress.objects.filter(task_id=response.json()["job_id"]).exists()
    assert post(clients["animator"], f"/events/{event}/meetings/schedule").status_code == 409
    scheduling.execute(ScheduleRun.objects.get(pk=run_id))  # what the worker does
    run = clients["animator"].get(f"{API}/events/{event}/meetings/runs/{run_id}").json()
    assert run["status"] == "optimal" and run["optimal"] is True
    assert (run["placed"], run["unplaced"], run["total_breaks"], run["lower_bound"]) == (1, 0, 0, 0)
    assert "1 meeting placed" in run["describe"]

    # The organiser sees the slot at once; participants once the schedule is published.
    seen = clients["animator"].get(f"{API}/events/{event}/meetings").json()["items"][0]
    assert seen["slot"] is not None and seen["table"] is not None
    assert mine.get(f"{API}/events/{event}/meetings").json()["items"][0]["slot"] is None
    Brokerage.objects.filter(pk=brokerage.pk).update(schedule_published=True)
    placed = Meeting.objects.get()
    mine_now = mine.get(f"{API}/events/{event}/meetings").json()["items"][0]
    assert placed.slot is not None
    slot = brokerage.slots()[placed.slot - 1]
    assert mine_now["slot"] == placed.slot and mine_now["table"] == placed.table
    assert mine_now["starts_at"] == slot.starts_at.isoformat().replace("+00:00", "Z")
    assert mine_now["ends_at"] == slot.ends_at.isoformat().replace("+00:00", "Z")
    assert mine_now["table_name"] == brokerage.table_name(placed.table)
    # The third participant sees none of it.
    assert not Meeting.objects.filter(participants=third).exists()


def test_requests_are_listed_by_role_and_filtered(clients, brokerage, me, other, third):
    event = brokerage.event_id
    sent = services.request_meeting(me, other)
    received = services.request_meeting(third, me)
    elsewhere = services.request_meeting(other, third)
    services.answer_request(elsewhere, accept=False)
    assert ids(clients["participant"].get(f"{API}/events/{event}/meeting-requests")) == {
        sent.pk,
        received.pk,
    }
    assert ids(clients["animator"].get(f"{API}/events/{event}/meeting-requests")) == {
        sent.pk,
        received.pk,
        elsewhere.pk,
    }
    assert ids(
        clients["animator"].get(f"{API}/events/{event}/meeting-requests?status=declined")
    ) == {elsewhere.pk}


def test_a_recipient_declines_with_a_suggestion_and_a_requester_withdraws(
    clients, brokerage, me, other, third
):
    event = brokerage.event_id
    client = clients["participant"]
    received = services.request_meeting(other, me)
    response = post(
        client,
        f"/events/{event}/meeting-requests/{received.pk}/answer",
        {"accept": False, "reply": "Pas moi", "suggested_id": 999999},
    )
    assert error_locations(response) == [["body", "payload", "suggested_id"]]
    response = post(
        client,
        f"/events/{event}/meeting-requests/{received.pk}/answer",
        {"accept": False, "reply": "Pas moi", "suggested_id": third.pk},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert response.json()["suggested"]["id"] == third.pk
    sent = services.request_meeting(me, third)
    response = post(client, f"/events/{event}/meeting-requests/{sent.pk}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert post(client, f"/events/{event}/meeting-requests/{sent.pk}/withdraw").status_code == 409


def test_meeting_requests_are_validated(clients, brokerage, me, other):
    event = brokerage.event_id
    client = clients["participant"]
    path = f"/events/{event}/meeting-requests"
    assert error_locations(post(client, path, {"recipient_id": 999999})) == [
        ["body", "payload", "recipient_id"]
    ]
    assert error_locations(post(client, path, {"recipient_id": me.pk})) == [
        ["body", "payload", "recipient_id"]
    ]
    assert error_locations(post(client, path, {"recipient_id": other.pk, "priority": "urgent"}))
    # An animator who takes no part sends no request.
    assert post(clients["animator"], path, {"recipient_id": other.pk}).status_code == 403
    Brokerage.objects.filter(pk=brokerage.pk).update(
        requests_close_at=timezone.now() - timedelta(minutes=1)
    )
    assert post(client, path, {"recipient_id": other.pk}).status_code == 409
    assert not MeetingRequest.objects.exists()


# --- Meetings -----------------------------------------------------------------------------------


def test_an_animator_adds_and_cancels_meetings(clients, brokerage, me, other, third):
    event = brokerage.event_id
    client = clients["animator"]
    path = f"/events/{event}/meetings"
    assert error_locations(post(client, path, {"participant_ids": [me.pk, 999999]})) == [
        ["body", "payload", "participant_ids"]
    ]
    assert error_locations(post(client, path, {"participant_ids": [me.pk]})) == [
        ["body", "payload", "participant_ids"]
    ]
    assert error_locations(
        post(client, path, {"participant_ids": [me.pk, other.pk], "fixed_slot": 99})
    ) == [["body", "payload", "fixed_slot"]]
    response = post(client, path, {"participant_ids": [me.pk, other.pk], "fixed_slot": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["origin"] == "organiser" and body["priority"] == "organiser"
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.fixed_slot == 2 and set(meeting.participants.all()) == {me, other}
    services.no_thanks(third, me)
    refused = post(client, path, {"participant_ids": [me.pk, third.pk]})
    assert error_locations(refused) == [["body", "payload", "participant_ids"]]
    forced = post(client, path, {"participant_ids": [me.pk, third.pk], "force": True})
    assert forced.status_code == 201
    assert client.delete(f"{API}{path}/{meeting.pk}").status_code == 204
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert ids(client.get(f"{API}{path}?status=cancelled")) == {meeting.pk}
    assert client.delete(f"{API}{path}/999999").status_code == 404


def test_a_participant_reads_and_cancels_only_their_own_meetings(
    clients, brokerage, me, other, third
):
    event = brokerage.event_id
    mine = services.add_meeting(brokerage, [me, other])
    theirs = services.add_meeting(brokerage, [other, third])
    client = clients["participant"]
    assert ids(client.get(f"{API}/events/{event}/meetings")) == {mine.pk}
    assert client.delete(f"{API}/events/{event}/meetings/{theirs.pk}").status_code == 403
    assert client.delete(f"{API}/events/{event}/meetings/{mine.pk}").status_code == 204
    assert Meeting.objects.get(pk=mine.pk).status == MeetingStatus.CANCELLED
    assert Meeting.objects.get(pk=theirs.pk).status == MeetingStatus.PLANNED
    assert client.delete(f"{API}/events/{event}/meetings/{mine.pk}").status_code == 409


def test_the_instance_and_a_run_read_back(clients, brokerage, me, other, third):
    event = brokerage.event_id
    services.add_meeting(brokerage, [me, other])
    services.add_meeting(brokerage, [me, third])
    client = clients["animator"]
    data = client.get(f"{API}/events/{event}/meetings/instance").json()
    assert data["format"] == "osmose-b2b/1"
    assert data["tables"] == 3 and data["slot_count"] == 8
    assert {p["id"] for p in data["participants"]} == {f"p{p.pk}" for p in (me, other, third)}
    run = scheduling.start_run(brokerage, time_limit=5)
    assert client.get(f"{API}/events/{event}/meetings/runs/{run.pk}").json()["status"] == "running"
    scheduling.execute(run)
    body = client.get(f"{API}/events/{event}/meetings/runs/{run.pk}").json()
    assert body["status"] == "optimal" and body["placed"] == 2 and body["applied"] is True
    # The stored schedule passes the scheduler's own validator.
    instance = scheduling.build_instance(brokerage)
    meetings = Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED)
    result = Result(
        instance=instance.name,
        status=Status.FEASIBLE,
        total_breaks=body["total_breaks"],
        meetings=[Placement(f"m{m.pk}", m.slot, m.table) for m in meetings if m.slot and m.table],
    )
    assert validate_result(instance, result) == []
    elsewhere = factories.brokerage()
    other_run = ScheduleRun.objects.create(brokerage=elsewhere, status="optimal")
    assert client.get(f"{API}/events/{event}/meetings/runs/{other_run.pk}").status_code == 404


def test_a_run_without_sessions_is_refused(clients, brokerage):
    services.set_sessions(brokerage, [])
    response = post(clients["animator"], f"/events/{brokerage.event_id}/meetings/schedule")
    assert response.status_code == 409
    assert not ScheduleRun.objects.exists()


def test_lists_take_a_fixed_number_of_queries(
    clients, brokerage, me, other, third, django_assert_max_num_queries
):
    event = brokerage.event_id
    for person in (other, third, *(factories.participant(brokerage) for _ in range(4))):
        services.save_offer(person, kind="offer", category="service", title="x")
        services.request_meeting(person, me)
    for item in MeetingRequest.objects.all()[:3]:
        services.answer_request(item, accept=True)
    client = clients["animator"]
    for path in ("offers", "meeting-requests", "meetings"):
        with django_assert_max_num_queries(16):  # 8 are the token and the throttle
            assert client.get(f"{API}/events/{event}/{path}").status_code == 200


def test_a_registry_person_of_the_user_makes_them_the_participant(clients, brokerage, outsider):
    """The registration was made by someone else, but its person is the user's."""
    person = registry_factories.person(email="someone@example.test")
    Person.objects.filter(pk=person.pk).update(user=outsider)
    registration = event_services.register(
        event=brokerage.event,
        registrant=event_factories.registrant(email=person.email),
        notify=False,
        organiser=True,
    ).registration
    assert registration.person_id == person.pk
    services.join(registration)
    response = clients["outsider"].get(f"{API}/events/{brokerage.event_id}/offers")
    assert response.status_code == 200
