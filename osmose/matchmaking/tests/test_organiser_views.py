"""The organiser's B2B pages through HTTP, as an animator uses them: enabling, settings and
sessions, participants, requests, meetings, the scheduler, its grid and imported results."""

import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from osmose.core.models import AuditLogEntry, JobProgress
from osmose.events import services as event_services
from osmose.events.models import Registration
from osmose.events.tests import factories
from osmose.matchmaking import scheduling, services
from osmose.matchmaking.models import (
    Brokerage,
    Exclusion,
    ExclusionSource,
    Meeting,
    MeetingSession,
    MeetingStatus,
    Participant,
    RunStatus,
    ScheduleRun,
)
from osmose.matchmaking.scheduler import compute_breaks, parse_instance

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = (2030, 6, 12)


@pytest.fixture(autouse=True)
def english(animator_client, settings):
    """The pages in English, the source language: assertions read messages as written."""
    animator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(*DAY, hour, tzinfo=PARIS) + timedelta(minutes=minute)


def an_event():
    return factories.event(
        starts_at=datetime(*DAY, 6, tzinfo=UTC), ends_at=datetime(*DAY, 16, tzinfo=UTC)
    )


def register(event, number: int, organisation: str = "") -> Registration:
    registrant = factories.registrant(number, organisation_name=organisation or f"Org {number}")
    return event_services.register(
        event=event, registrant=registrant, organiser=True, notify=False
    ).registration


def brokerage_with(people: int = 4, *, slots: int = 6, tables: int = 2, **settings):
    """An event with one session of ``slots`` 20-minute slots from 9:00 and ``people``
    participants named Alex Martin<n>."""
    event = an_event()
    brokerage = services.enable(event, table_count=tables, **settings)
    services.set_sessions(brokerage, [("Morning", at(9), at(9, 20 * slots))])
    participants = [services.join(register(event, n)) for n in range(1, people + 1)]
    return brokerage, participants


def url(name: str, brokerage: Brokerage, *args) -> str:
    return reverse(f"matchmaking:{name}", args=[brokerage.event_id, *args])


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def run_page(client, brokerage: Brokerage):
    """Run the scheduler as the organiser does: the page, then the worker."""
    response = client.post(url("schedule", brokerage), {"action": "run", "time_limit": "10"})
    assert response.status_code == 302 and "job=" in response["Location"]
    call_command("worker", batch=True, verbosity=0)
    return response


# --- Access ---------------------------------------------------------------------------------


def test_every_organiser_page_is_for_animators(
    animator_client, member_client, funder_client, outsider_client
):
    brokerage, (a, b, *_) = brokerage_with()
    meeting = services.add_meeting(brokerage, [a, b])
    pages = [
        url("manage", brokerage),
        url("participants", brokerage),
        url("manage_requests", brokerage),
        url("meetings", brokerage),
        url("schedule", brokerage),
        url("grid_pdf", brokerage),
        url("instance", brokerage),
        reverse("matchmaking:index"),
    ]
    for page in pages:
        response = outsider_client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("accounts:login")), page
        assert member_client.get(page).status_code == 403, page
        assert funder_client.get(page).status_code == 403, page
        assert animator_client.get(page).status_code == 200, page
    writes = [
        (url("manage", brokerage), {"action": "settings", "slot_minutes": "30"}),
        (url("participants", brokerage), {"action": "add_all"}),
        (url("meetings", brokerage), {"action": "forbid", "first": a.pk, "second": b.pk}),
        (url("manage_meeting_cancel", brokerage, meeting.pk), {}),
        (url("schedule", brokerage), {"action": "run", "time_limit": "10"}),
        (url("schedule", brokerage), {"action": "publish"}),
    ]
    for page, data in writes:
        response = outsider_client.post(page, data)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("accounts:login")), page
        assert member_client.post(page, data).status_code == 403, page
        assert funder_client.post(page, data).status_code == 403, page
    meeting.refresh_from_db()
    brokerage.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not Exclusion.objects.exists() and not ScheduleRun.objects.exists()
    assert not brokerage.schedule_published and brokerage.slot_minutes == 20


def test_the_index_lists_the_events_with_b2b_meetings(animator_client):
    brokerage, (a, b, *_) = brokerage_with()
    services.add_meeting(brokerage, [a, b])
    response = animator_client.get(reverse("matchmaking:index"))
    assert brokerage.event.title in response.content.decode()
    assert [
        (row.participant_count, row.planned, row.placed) for row in response.context["brokerages"]
    ] == [(4, 1, 0)]


def test_enabling_is_for_animators(animator_client, member_client, outsider_client):
    event = an_event()
    page = reverse("matchmaking:manage", args=[event.pk])
    assert outsider_client.post(page, {"action": "enable"}).status_code == 302
    assert member_client.post(page, {"action": "enable"}).status_code == 403
    assert not Brokerage.objects.exists()
    assert animator_client.post(page, {"action": "enable"}).status_code == 302
    assert Brokerage.objects.filter(event=event).exists()


# --- Enabling, settings and sessions ----------------------------------------------------------


def test_it_offers_to_enable_b2b_meetings_then_shows_their_settings(animator_client):
    event = an_event()
    page = reverse("matchmaking:manage", args=[event.pk])
    response = animator_client.get(page)
    assert b"Enable B2B meetings" in response.content
    # The events' header marks the B2B tab as the current one.
    assert f'href="{page}" aria-current="page"'.encode() in response.content
    for other in ("participants", "meetings", "schedule"):
        assert (
            animator_client.get(reverse(f"matchmaking:{other}", args=[event.pk])).status_code == 302
        )
    assert animator_client.get(reverse("matchmaking:grid_pdf", args=[event.pk])).status_code == 404
    response = animator_client.post(page, {"action": "enable"})
    assert response.status_code == 302
    brokerage = Brokerage.objects.get(event=event)
    assert AuditLogEntry.objects.filter(action="matchmaking.enabled").exists()
    response = animator_client.get(page)
    assert b"Enable B2B meetings" not in response.content
    assert response.context["form"]["slot_minutes"].value() == brokerage.slot_minutes
    assert b"No meeting session yet" in response.content


SETTINGS = {
    "action": "settings",
    "mode": "organiser",
    "slot_minutes": "25",
    "table_count": "3",
    "table_names": "Loire\n\nCher\n",
    "max_meetings": "5",
    "requests_close_at": "2030-06-10T18:00",
    "schedule_deadline": "2030-06-11T12:00",
    "fairness": "1",
}


def test_settings_are_saved_in_the_event_time_zone_and_shown_back(animator_client):
    brokerage, _people = brokerage_with(0)
    page = url("manage", brokerage)
    response = animator_client.post(page, SETTINGS)
    assert response.status_code == 302, response.context and response.context["form"].errors
    brokerage.refresh_from_db()
    assert (brokerage.mode, brokerage.slot_minutes, brokerage.table_count) == ("organiser", 25, 3)
    assert brokerage.table_names == ["Loire", "", "Cher"]
    assert brokerage.table_name(2) == "Table 2" and brokerage.table_name(3) == "Cher"
    assert (brokerage.max_meetings, brokerage.fairness) == (5, 1)
    assert brokerage.requests_close_at == datetime(2030, 6, 10, 18, tzinfo=PARIS)
    assert brokerage.schedule_deadline == datetime(2030, 6, 11, 10, tzinfo=UTC)
    form = animator_client.get(page).context["form"]
    assert form["requests_close_at"].value() == datetime(2030, 6, 10, 18)
    assert form["table_names"].value() == "Loire\n\nCher"
    # An empty fairness means no bound.
    animator_client.post(page, {**SETTINGS, "fairness": ""})
    brokerage.refresh_from_db()
    assert brokerage.fairness is None


def test_invalid_settings_show_errors_and_change_nothing(animator_client):
    brokerage, _people = brokerage_with(0)
    page = url("manage", brokerage)
    response = animator_client.post(
        page, {**SETTINGS, "slot_minutes": "0", "table_count": "1", "mode": "lottery"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"slot_minutes", "mode", "table_names"}
    assert "3 names for 1 tables" in errors["table_names"][0]
    assert b"field-error" in response.content
    brokerage.refresh_from_db()
    assert (brokerage.slot_minutes, brokerage.table_count, brokerage.mode) == (20, 2, "requests")


def sessions_data(*rows, delete=(), initial=0):
    data = {
        "action": "sessions",
        "sessions-TOTAL_FORMS": str(len(rows)),
        "sessions-INITIAL_FORMS": str(initial),
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "20",
    }
    for index, (name, starts, ends) in enumerate(rows):
        data.update(
            {
                f"sessions-{index}-name": name,
                f"sessions-{index}-starts_at": starts,
                f"sessions-{index}-ends_at": ends,
            }
        )
        if index in delete:
            data[f"sessions-{index}-DELETE"] = "on"
    return data


def test_sessions_round_trip_with_their_slots(animator_client):
    event = an_event()
    brokerage = services.enable(event)
    page = url("manage", brokerage)
    response = animator_client.post(
        page,
        sessions_data(
            ("Afternoon", "2030-06-12T14:00", "2030-06-12T17:30"),
            ("Morning", "2030-06-12T09:00", "2030-06-12T12:15"),
            ("", "", ""),  # the empty row left for a new session
        ),
    )
    assert response.status_code == 302
    sessions = list(MeetingSession.objects.filter(brokerage=brokerage))
    assert [(s.name, s.starts_at, s.ends_at) for s in sessions] == [
        ("Morning", at(9), at(12, 15)),
        ("Afternoon", at(14), at(17, 30)),
    ]
    response = animator_client.get(page)
    # 9:00-12:15 gives nine 20-minute slots, 14:00-17:30 ten.
    assert [(s.name, n) for s, n in response.context["session_slots"]] == [
        ("Morning", 9),
        ("Afternoon", 10),
    ]
    formset = response.context["sessions"]
    assert [f["name"].value() for f in formset.forms] == ["Morning", "Afternoon", None]
    # Remove the afternoon.
    response = animator_client.post(
        page,
        sessions_data(
            ("Morning", "2030-06-12T09:00", "2030-06-12T12:15"),
            ("Afternoon", "2030-06-12T14:00", "2030-06-12T17:30"),
            delete=(1,),
            initial=2,
        ),
    )
    assert response.status_code == 302
    assert list(brokerage.sessions.values_list("name", flat=True)) == ["Morning"]


def test_invalid_sessions_show_errors(animator_client):
    brokerage, _people = brokerage_with(0)
    page = url("manage", brokerage)
    backwards = animator_client.post(
        page, sessions_data(("Morning", "2030-06-12T12:00", "2030-06-12T09:00"))
    )
    assert backwards.status_code == 400
    assert backwards.context["sessions"].forms[0].errors["ends_at"] == [
        "A session must end after it starts."
    ]
    overlapping = animator_client.post(
        page,
        sessions_data(
            ("Morning", "2030-06-12T09:00", "2030-06-12T12:00"),
            ("Late morning", "2030-06-12T11:00", "2030-06-12T13:00"),
        ),
    )
    assert overlapping.status_code == 400
    assert "overlap" in overlapping.content.decode()
    assert list(brokerage.sessions.values_list("name", flat=True)) == ["Morning"]


def test_sessions_cannot_change_under_a_schedule(animator_client):
    brokerage, (a, b, *_) = brokerage_with()
    services.add_meeting(brokerage, [a, b], fixed_slot=2)
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    response = animator_client.post(
        url("manage", brokerage),
        sessions_data(("Morning", "2030-06-12T10:00", "2030-06-12T12:00")),
    )
    assert response.status_code == 400
    assert b"clear the schedule before changing sessions" in response.content
    assert brokerage.sessions.get().starts_at == at(9)


def test_the_overview_counts_participants_requests_and_meetings(animator_client):
    brokerage, (a, b, c, d) = brokerage_with()
    services.save_offer(a, kind="offer", category="expertise", title="Bioprocess scale-up")
    services.save_offer(b, kind="request", category="investment", title="Seed round")
    services.request_meeting(a, b)
    declined = services.request_meeting(c, d)
    services.answer_request(declined, accept=False)
    accepted = services.request_meeting(a, c)
    services.answer_request(accepted, accept=True)
    services.add_meeting(brokerage, [b, d], fixed_slot=1)
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    services.add_meeting(brokerage, [c, d])
    response = animator_client.get(url("manage", brokerage))
    assert response.context["figures"] == {
        "participants": 4,
        "offers": 1,
        "requests": 1,
        "pending": 1,
        "accepted": 1,
        "declined": 1,
        "planned": 3,
        "placed": 2,
        "unplaced": 1,
    }
    assert b"Proved optimal" in response.content


# --- Participants ---------------------------------------------------------------------------


def test_it_adds_every_confirmed_registrant(animator_client):
    event = an_event()
    brokerage = services.enable(event)
    registrations = [register(event, n) for n in range(1, 4)]
    event_services.cancel(actor=None, registration=registrations[2], notify=False)
    services.join(registrations[0])
    page = url("participants", brokerage)
    assert animator_client.get(page).context["waiting"] == 1
    response = animator_client.post(page, {"action": "add_all"})
    assert response.status_code == 302
    assert flashes(response) == ["1 registrant added."]
    assert set(Participant.objects.values_list("registration_id", flat=True)) == {
        registrations[0].pk,
        registrations[1].pk,
    }
    response = animator_client.get(page)
    assert response.context["waiting"] == 0
    assert b"Alex Martin2" in response.content and b"Org 2" in response.content
    assert b"Add every confirmed registrant" not in response.content
    assert not mail.outbox


def test_the_participants_list_counts_without_a_query_per_row(
    animator_client, django_assert_max_num_queries
):
    brokerage, people = brokerage_with(8)
    for person in people:
        services.save_offer(person, kind="offer", category="service", title="Help")
    for first, second in zip(people[::2], people[1::2], strict=True):
        services.add_meeting(brokerage, [first, second])
    with django_assert_max_num_queries(15):
        response = animator_client.get(url("participants", brokerage))
    rows = list(response.context["page"])
    assert [(p.n_meetings, p.n_offers, p.n_requests) for p in rows] == [(1, 1, 0)] * 8


def test_the_organiser_sets_a_participants_limits(animator_client):
    brokerage, (a, *_) = brokerage_with()
    page = url("participants", brokerage)
    form = animator_client.get(page, {"edit": a.pk}).context["limits"]
    assert [value for value, _label in form.fields["unavailable_slots"].choices] == [
        1, 2, 3, 4, 5, 6,
    ]  # fmt: skip
    assert "09:20–09:40" in dict(form.fields["unavailable_slots"].choices)[2]
    response = animator_client.post(
        page,
        {"action": "limits", "participant": a.pk, "max_meetings": "3", "unavailable_slots": [2, 5]},
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.max_meetings, a.unavailable_slots) == (3, [2, 5])
    response = animator_client.post(
        page, {"action": "limits", "participant": a.pk, "max_meetings": "0"}
    )
    assert response.status_code == 400
    assert "max_meetings" in response.context["limits"].errors
    a.refresh_from_db()
    assert a.max_meetings == 3


def test_a_participant_of_another_event_cannot_be_edited(animator_client):
    brokerage, _people = brokerage_with(1)
    _other, (stranger,) = brokerage_with(1)
    response = animator_client.get(url("participants", brokerage), {"edit": stranger.pk})
    assert response.status_code == 404


# --- Requests -------------------------------------------------------------------------------


def test_the_requests_page_filters_by_status(animator_client):
    brokerage, (a, b, c, _d) = brokerage_with()
    services.request_meeting(a, b, message="Let us talk about scale-up")
    services.answer_request(services.request_meeting(c, b), accept=False, reply="Not now")
    page = url("manage_requests", brokerage)
    response = animator_client.get(page)
    assert response.context["page"].paginator.count == 2
    response = animator_client.get(page, {"status": "pending"})
    [pending] = response.context["page"]
    assert pending.requester == a
    assert b"Let us talk about scale-up" in response.content
    assert b"Not now" not in response.content
    declined = animator_client.get(page, {"status": "declined"})
    assert b"Not now" in declined.content


# --- Meetings -------------------------------------------------------------------------------


def test_the_organiser_adds_a_meeting_with_a_fixed_slot_and_session(animator_client):
    brokerage, (a, b, c, _d) = brokerage_with()
    session = brokerage.sessions.get()
    response = animator_client.post(
        url("meetings", brokerage),
        {
            "action": "add",
            "participants": [a.pk, b.pk, c.pk],
            "fixed_slot": "3",
            "session": session.pk,
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert set(meeting.participants.all()) == {a, b, c}
    assert (meeting.fixed_slot, meeting.session, meeting.priority) == (3, session, 5)
    assert meeting.created_by is not None
    page = animator_client.get(url("meetings", brokerage))
    assert b"fixed to slot 3" in page.content


def test_adding_a_meeting_needs_two_people(animator_client):
    brokerage, (a, *_) = brokerage_with()
    response = animator_client.post(
        url("meetings", brokerage), {"action": "add", "participants": [a.pk]}
    )
    assert response.status_code == 400
    assert response.context["add"].errors["participants"] == ["Pick at least two participants."]
    assert not Meeting.objects.exists()


def test_force_passes_over_the_limits_and_no_thanks(animator_client):
    brokerage, (a, b, c, d) = brokerage_with(max_meetings=1)
    services.add_meeting(brokerage, [a, b])
    page = url("meetings", brokerage)
    full = animator_client.post(page, {"action": "add", "participants": [a.pk, c.pk]})
    assert full.status_code == 400
    assert "already has the maximum number of meetings (1)" in full.content.decode()
    services.no_thanks(c, d)
    refused = animator_client.post(page, {"action": "add", "participants": [c.pk, d.pk]})
    assert refused.status_code == 400
    assert "may not meet" in refused.content.decode()
    assert Meeting.objects.count() == 1
    for pair in ([a.pk, c.pk], [c.pk, d.pk]):
        forced = animator_client.post(page, {"action": "add", "participants": pair, "force": "on"})
        assert forced.status_code == 302
    assert Meeting.objects.filter(status=MeetingStatus.PLANNED).count() == 3


def test_forbidding_a_meeting_cancels_it_and_force_cannot_pass_over(animator_client):
    brokerage, (a, b, *_) = brokerage_with()
    meeting = services.add_meeting(brokerage, [a, b])
    page = url("meetings", brokerage)
    same = animator_client.post(page, {"action": "forbid", "first": a.pk, "second": a.pk})
    assert same.status_code == 400
    response = animator_client.post(page, {"action": "forbid", "first": a.pk, "second": b.pk})
    assert response.status_code == 302
    assert Exclusion.objects.filter(source=ExclusionSource.ORGANISER).count() == 1
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    listed = animator_client.get(page)
    assert "≠" in listed.content.decode()
    forced = animator_client.post(
        page, {"action": "add", "participants": [a.pk, b.pk], "force": "on"}
    )
    assert forced.status_code == 400
    assert not Meeting.objects.filter(status=MeetingStatus.PLANNED).exists()


def test_the_organiser_cancels_a_meeting(animator_client):
    brokerage, (a, b, *_) = brokerage_with()
    meeting = services.add_meeting(brokerage, [a, b], fixed_slot=1)
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    meeting.refresh_from_db()
    assert meeting.slot == 1
    response = animator_client.post(url("manage_meeting_cancel", brokerage, meeting.pk))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.slot, meeting.table) == (MeetingStatus.CANCELLED, None, None)
    planned = animator_client.get(url("meetings", brokerage))
    assert planned.context["rows"] == []
    cancelled = animator_client.get(url("meetings", brokerage), {"status": "cancelled"})
    [row] = cancelled.context["rows"]
    assert row.meeting == meeting and "Cancelled by the organiser" in cancelled.content.decode()
    assert (
        animator_client.get(url("manage_meeting_cancel", brokerage, meeting.pk)).status_code == 405
    )


def test_a_meeting_of_another_event_cannot_be_cancelled(animator_client):
    brokerage, _people = brokerage_with(0)
    other, (a, b) = brokerage_with(2)
    meeting = services.add_meeting(other, [a, b])
    response = animator_client.post(url("manage_meeting_cancel", brokerage, meeting.pk))
    assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_the_meetings_list_does_not_query_per_row(animator_client, django_assert_max_num_queries):
    brokerage, people = brokerage_with(10, tables=5)
    for first, second in zip(people[::2], people[1::2], strict=True):
        services.add_meeting(brokerage, [first, second])
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    with django_assert_max_num_queries(25):
        response = animator_client.get(url("meetings", brokerage))
    assert len(response.context["rows"]) == 5
    assert all(row.when.startswith("Morning · ") for row in response.context["rows"])


# --- Scheduling -----------------------------------------------------------------------------


def test_the_scheduler_runs_from_the_page_and_fills_the_grid(transactional_db, animator_client):
    brokerage, (a, b, c, d) = brokerage_with()
    services.update(brokerage, table_names=["Loire", "Cher"])
    services.add_meeting(brokerage, [a, b])
    services.add_meeting(brokerage, [c, d])
    services.add_meeting(brokerage, [a, c], fixed_slot=4)
    response = run_page(animator_client, brokerage)
    run = ScheduleRun.objects.get()
    assert (run.status, run.applied, run.placed) == (RunStatus.OPTIMAL, True, 3)
    assert run.task_id and JobProgress.objects.get(task_id=run.task_id).status == "done"
    page = animator_client.get(response["Location"])
    assert page.context["job"].status == "done"
    placed = Meeting.objects.filter(slot__isnull=False)
    assert placed.count() == 3
    grid = page.context["grid"]
    assert [line.label for line in grid][:2] == ["09:00–09:20", "09:20–09:40"]
    assert page.context["tables"] == ["Loire", "Cher"]
    for meeting in placed:
        assert meeting.slot is not None and meeting.table is not None
        names = sorted(
            f"{p.person} (Org {p.person.family_name[-1]})" for p in meeting.participants.all()
        )
        assert sorted(grid[meeting.slot - 1].cells[meeting.table - 1]) == names
    assert Meeting.objects.get(fixed_slot=4).slot == 4
    content = page.content.decode()
    assert "Alex Martin1 (Org 1)" in content and "Loire" in content
    assert "Proved optimal." in content
    # A second run while one is running is refused with the reason.
    ScheduleRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    again = animator_client.post(url("schedule", brokerage), {"action": "run", "time_limit": "10"})
    assert again.status_code == 400
    assert b"already running" in again.content


def test_a_run_needs_sessions_and_a_sane_time_limit(animator_client):
    event = an_event()
    brokerage = services.enable(event)
    page = url("schedule", brokerage)
    response = animator_client.post(page, {"action": "run", "time_limit": "10"})
    assert response.status_code == 400
    assert b"Add meeting sessions before scheduling." in response.content
    response = animator_client.post(page, {"action": "run", "time_limit": "5000"})
    assert response.status_code == 400
    assert "time_limit" in response.context["run_form"].errors
    assert not ScheduleRun.objects.exists()


def test_unplaced_meetings_are_listed_with_their_reason(animator_client):
    brokerage, (a, b, c, d) = brokerage_with(slots=1, tables=1)
    services.add_meeting(brokerage, [a, b])
    services.add_meeting(brokerage, [c, d])
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    page = animator_client.get(url("schedule", brokerage))
    [(_meeting, people)] = page.context["unplaced"]
    assert "Every table is taken in every slot it could have." in page.content.decode()
    assert len(people) == 2


def test_clear_and_publish(transactional_db, animator_client):
    brokerage, (a, b, *_) = brokerage_with()
    meeting = services.add_meeting(brokerage, [a, b])
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    page = url("schedule", brokerage)
    mail.outbox.clear()
    response = animator_client.post(page, {"action": "publish"})
    assert response.status_code == 302 and "job=" in response["Location"]
    brokerage.refresh_from_db()
    assert brokerage.schedule_published
    assert AuditLogEntry.objects.filter(action="matchmaking.published").exists()
    call_command("worker", batch=True, verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.person.email for p in (a, b))
    assert animator_client.get(response["Location"]).context["job"].status == "done"
    response = animator_client.post(page, {"action": "clear"})
    assert response.status_code == 302
    assert flashes(response) == ["1 meeting taken off the grid."]
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.status) == (None, None, MeetingStatus.PLANNED)


def test_an_unfair_schedule_is_offered_and_can_be_used(animator_client):
    # a's meetings are fixed in slots 1, 3 and 5 (two breaks) while b, c, d have none:
    # no schedule keeps everyone within 0 breaks of the others.
    brokerage, (a, b, c, d) = brokerage_with(slots=5, fairness=0)
    for other, slot in ((b, 1), (c, 3), (d, 5)):
        services.add_meeting(brokerage, [a, other], fixed_slot=slot)
    run = scheduling.execute(scheduling.start_run(brokerage, time_limit=10))
    assert run.status == RunStatus.INFEASIBLE and not run.applied
    page = url("schedule", brokerage)
    response = animator_client.get(page)
    assert b"Use the schedule without the fairness bound" in response.content
    assert b"No schedule keeps every participant within 0 breaks" in response.content
    assert not Meeting.objects.filter(slot__isnull=False).exists()
    response = animator_client.post(page, {"action": "without_fairness", "run": run.pk})
    assert response.status_code == 302
    assert sorted(Meeting.objects.values_list("slot", flat=True)) == [1, 3, 5]  # type: ignore[type-var]
    run.refresh_from_db()
    assert run.applied
    assert b"Use the schedule without the fairness bound" not in animator_client.get(page).content


def test_a_fair_run_has_no_schedule_without_fairness_to_apply(animator_client):
    brokerage, (a, b, *_) = brokerage_with()
    services.add_meeting(brokerage, [a, b])
    run = scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    response = animator_client.post(
        url("schedule", brokerage), {"action": "without_fairness", "run": run.pk}
    )
    assert response.status_code == 302
    assert flashes(response) == ["This run has no schedule to apply."]


# --- Files: instance.json and imported results ----------------------------------------------


def test_the_instance_export_reads_as_an_osmose_b2b_problem(animator_client):
    brokerage, (a, b, c, _d) = brokerage_with()
    services.add_meeting(brokerage, [a, b], fixed_slot=2)
    services.add_meeting(brokerage, [a, c])
    services.update_profile(c, unavailable_slots=[1])
    response = animator_client.get(url("instance", brokerage))
    assert response["Content-Type"].startswith("application/json")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="event-{brokerage.event_id}-b2b.json"'
    )
    instance = parse_instance(json.loads(response.content))
    assert (instance.slot_count, instance.tables, instance.fairness) == (6, 2, 2)
    assert len(instance.meetings) == 2
    assert instance.participant(f"p{c.pk}").unavailable_slots == frozenset({1})


def upload(data) -> io.BytesIO:
    file = io.BytesIO(json.dumps(data).encode())
    file.name = "result.json"
    return file


def result_for(brokerage, placements) -> dict:
    """A valid ``osmose-b2b-result/1`` for ``placements`` [(meeting, slot, table)]."""
    instance = scheduling.build_instance(brokerage)
    slots = {f"m{m.pk}": slot for m, slot, _table in placements}
    return {
        "format": "osmose-b2b-result/1",
        "instance": instance.name,
        "status": "feasible",
        "total_breaks": sum(compute_breaks(instance, slots).values()),
        "meetings": [{"id": f"m{m.pk}", "slot": s, "table": t} for m, s, t in placements],
        "unscheduled": [],
    }


def test_an_imported_result_is_checked_then_applied(animator_client):
    brokerage, (a, b, c, d) = brokerage_with()
    first = services.add_meeting(brokerage, [a, b])
    second = services.add_meeting(brokerage, [c, d])
    third = services.add_meeting(brokerage, [a, c])
    page = url("schedule", brokerage)
    # A meeting at a table the event does not have.
    bad_table = result_for(brokerage, [(first, 1, 1), (second, 1, 9), (third, 2, 1)])
    response = animator_client.post(page, {"action": "import", "result": upload(bad_table)})
    assert response.status_code == 400
    assert "no table 9 (1..2)" in response.content.decode()
    # Two meetings of one person in one slot.
    twice = result_for(brokerage, [(first, 1, 1), (second, 2, 1), (third, 1, 2)])
    response = animator_client.post(page, {"action": "import", "result": upload(twice)})
    assert response.status_code == 400
    assert f"&#x27;p{a.pk}&#x27; has 2 meetings in slot 1" in response.content.decode()
    not_json = io.BytesIO(b"{ not json")
    not_json.name = "result.json"
    response = animator_client.post(page, {"action": "import", "result": not_json})
    assert response.context["import_form"].errors["result"] == ["The file is not JSON."]
    assert not Meeting.objects.filter(slot__isnull=False).exists()
    assert not ScheduleRun.objects.exists()
    good = result_for(brokerage, [(first, 1, 1), (second, 1, 2), (third, 2, 1)])
    response = animator_client.post(page, {"action": "import", "result": upload(good)})
    assert response.status_code == 302
    placed = {m.pk: (m.slot, m.table) for m in Meeting.objects.all()}
    assert placed == {first.pk: (1, 1), second.pk: (1, 2), third.pk: (2, 1)}
    run = ScheduleRun.objects.get()
    assert run.applied and run.time_limit == 0
    assert b"imported" in animator_client.get(page).content


def test_an_exported_instance_solved_elsewhere_imports_back(animator_client, tmp_path):
    brokerage, (a, b, c, d) = brokerage_with()
    services.add_meeting(brokerage, [a, b])
    services.add_meeting(brokerage, [c, d])
    problem = tmp_path / "instance.json"
    problem.write_bytes(animator_client.get(url("instance", brokerage)).content)
    solved = tmp_path / "result.json"
    call_command(
        "schedule-meetings", str(problem), "--output", str(solved), "--time-limit", "5",
        stdout=io.StringIO(),
    )  # fmt: skip
    with solved.open("rb") as file:
        response = animator_client.post(
            url("schedule", brokerage), {"action": "import", "result": file}
        )
    assert response.status_code == 302
    assert Meeting.objects.filter(slot__isnull=False).count() == 2
