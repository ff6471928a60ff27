"""The animator's network pages through HTTP: the quick log and its task, introductions and
their follow-ups, collaborations and their origin, the network page and its downloads, and
what the network adds to the registry, attendee-list and B2B-meeting pages."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from osmose.events import services as event_services
from osmose.events.tests import factories as event_factories
from osmose.matchmaking import scheduling
from osmose.matchmaking import services as b2b
from osmose.matchmaking.tests import factories as b2b_factories
from osmose.network import followups, graph, services
from osmose.network.models import (
    Collaboration,
    CollaborationStatus,
    Interaction,
    Introduction,
    Task,
)
from osmose.network.tests.test_graph import END, START, build_small_network
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(animator_client, funder_client, settings):
    """The pages in English, the source language: assertions read messages as written."""
    for client in (animator_client, funder_client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def collaboration(db):
    return services.create_collaboration(
        actor=None,
        values={"title": "Bioprocédé", "kind": "rd", "status": "discussion"},
        organisations=[factories.organisation(name="Lab"), factories.organisation(name="Co")],
    )


# -- permissions -----------------------------------------------------------------------------


def animator_pages(collaboration) -> list[str]:
    return [
        reverse("network:interactions"),
        reverse("network:interaction_new"),
        reverse("network:introductions"),
        reverse("network:introduction_new"),
        reverse("network:collaborations"),
        reverse("network:collaboration_new"),
        reverse("network:collaboration", args=[collaboration.pk]),
        reverse("network:collaboration_edit", args=[collaboration.pk]),
        reverse("network:meeting_options"),
        reverse("network:person_lookup") + "?q=a",
        reverse("network:ties_export"),
    ]


def test_the_animator_pages_are_for_animators_only(
    collaboration, animator_client, member_client, funder_client, outsider_client
):
    for url in animator_pages(collaboration):
        assert animator_client.get(url).status_code == 200, url
        assert member_client.get(url).status_code == 403, url
        assert funder_client.get(url).status_code == 403, url
        assert outsider_client.get(url).status_code == 302, url


def test_the_posts_are_for_animators_only(
    collaboration, animator, member_client, funder_client, outsider_client
):
    task = Task.objects.create(title="Call back", assignee=animator)
    posts = [
        (reverse("network:task_done", args=[task.pk]), {}),
        (reverse("network:collaboration_move", args=[collaboration.pk]), {"status": "active"}),
        (reverse("network:interaction_new"), {"summary": "x"}),
        (reverse("network:introduction_new"), {"why": "x"}),
        (reverse("network:collaboration_new"), {"title": "x"}),
    ]
    for url, data in posts:
        assert member_client.post(url, data).status_code == 403, url
        assert funder_client.post(url, data).status_code == 403, url
        assert outsider_client.post(url, data).status_code == 302, url
    task.refresh_from_db()
    collaboration.refresh_from_db()
    assert task.done_at is None and collaboration.status == "discussion"
    assert not Interaction.objects.exists() and not Introduction.objects.exists()


def test_funders_read_the_network_figures_only(
    animator_client, member_client, funder_client, outsider_client
):
    build_small_network()
    for url in (
        reverse("network:home"),
        reverse("network:export", args=["csv"]),
        reverse("network:export", args=["xlsx"]),
    ):
        assert animator_client.get(url).status_code == 200, url
        assert funder_client.get(url).status_code == 200, url
        assert member_client.get(url).status_code == 403, url
        assert outsider_client.get(url).status_code == 302, url
    query = {"start": START.isoformat(), "end": END.isoformat()}
    page = funder_client.get(reverse("network:home"), query)
    assert 'data-figure="ties">6<' in page.content.decode()
    for name in ("P1 Pharma", "I1 Isolée", "bridging-table", "Ties (CSV)", "Interactions"):
        assert name not in page.content.decode()
    download = funder_client.get(reverse("network:export", args=["csv"]), query)
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"period", "summary", "ties_by_kind", "trend"}
    assert "P1 Pharma" not in str(rows)


# -- interactions ----------------------------------------------------------------------------


def test_it_logs_an_interaction_from_an_attendee_with_a_follow_up_task(animator_client, animator):
    organisation = factories.organisation(name="Biolab")
    event = event_factories.event()
    registration = event_services.register(
        event=event,
        registrant=event_factories.registrant(
            organisation_id=organisation.pk, organisation_name=organisation.name
        ),
        organiser=True,
        notify=False,
    ).registration
    attendees = animator_client.get(reverse("events:registrations", args=[event.pk]))
    link = re.search(
        r'href="(/manage/network/interactions/new/\?[^"]+)"', attendees.content.decode()
    )
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    page = animator_client.get(url)
    html = page.content.decode()
    person = registration.person
    # Prefilled: the person and organisation ticked, the event chosen, "conversation at an
    # event", today; the cursor on the summary.
    assert re.search(rf'name="people" value="{person.pk}"[^>]*checked', html)
    assert re.search(rf'name="organisations" value="{organisation.pk}"[^>]*checked', html)
    assert re.search(rf'<option value="{event.pk}" selected', html)
    assert re.search(r'value="event"[^>]*checked', html) or re.search(
        r'checked[^>]*value="event"', html
    )
    assert timezone.localdate().isoformat() in html
    assert re.search(r'name="summary"[^>]*autofocus', html)

    follow_up_on = timezone.localdate() + timedelta(days=7)
    response = animator_client.post(
        url,
        {
            "summary": "Wants a bioreactor partner",
            "kind": "event",
            "on": timezone.localdate().isoformat(),
            "people": [str(person.pk), ""],
            "organisations": [str(organisation.pk), ""],
            "event": str(event.pk),
            "follow_up_on": follow_up_on.isoformat(),
        },
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert (interaction.kind, interaction.event, interaction.logged_by) == (
        "event",
        event,
        animator,
    )
    assert list(interaction.people.all()) == [person]
    assert list(interaction.organisations.all()) == [organisation]
    task = Task.objects.get()
    assert (task.due_on, task.assignee, task.person, task.interaction) == (
        follow_up_on, animator, person, interaction
    )  # fmt: skip

    listing = animator_client.get(reverse("network:interactions"))
    assert "Wants a bioreactor partner" in text(listing)
    assert task.title in text(listing)
    filtered = animator_client.get(reverse("network:interactions"), {"kind": "call"})
    assert "No interaction matches" in text(filtered)
    done = animator_client.post(reverse("network:task_done", args=[task.pk]))
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    assert "Nothing to follow up." in text(animator_client.get(reverse("network:interactions")))


def test_the_quick_log_takes_people_typed_with_suggestions(animator_client):
    someone = factories.person(given_name="Inès", family_name="Moreau")
    lookup = animator_client.get(reverse("network:person_lookup"), {"people": "mor"})
    assert f"Inès Moreau (#{someone.pk})" in lookup.content.decode()
    response = animator_client.post(
        reverse("network:interaction_new"),
        {
            "summary": "Call",
            "kind": "call",
            "on": "2025-03-04",
            "people": [f"Inès Moreau (#{someone.pk})"],
        },
    )
    assert response.status_code == 302
    assert list(Interaction.objects.get().people.all()) == [someone]


def test_the_quick_log_says_what_is_missing(animator_client):
    response = animator_client.post(
        reverse("network:interaction_new"),
        {"summary": "Call", "kind": "call", "on": "2025-03-04", "people": ["Nobody (#999999)"]},
    )
    assert response.status_code == 400
    assert "pick one of the suggestions" in text(response)
    response = animator_client.post(
        reverse("network:interaction_new"), {"summary": "Call", "kind": "call", "on": "2025-03-04"}
    )
    assert "at least one person or organisation" in text(response)
    assert not Interaction.objects.exists()


@pytest.fixture
def met():
    """A past B2B meeting between Alice (of Alpha) and Bob (of Beta)."""
    brokerage = b2b_factories.brokerage(slots=2, tables=1)
    alpha = factories.organisation(name="Alpha", sector="private")
    beta = factories.organisation(name="Beta", sector="public")
    alice = b2b_factories.participant(brokerage, organisation=alpha, given_name="Alice")
    bob = b2b_factories.participant(brokerage, organisation=beta, given_name="Bob")
    b2b.answer_request(b2b.request_meeting(alice, bob), accept=True)
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    return brokerage, alice, bob, brokerage.meetings.get()


def test_it_logs_an_interaction_from_a_b2b_meeting(animator_client, met):
    brokerage, alice, bob, meeting = met
    page = animator_client.get(reverse("matchmaking:meetings", args=[brokerage.event_id]))
    assert f"/manage/network/interactions/new/?meeting={meeting.pk}" in page.content.decode()
    html = animator_client.get(
        reverse("network:interaction_new"), {"meeting": meeting.pk}
    ).content.decode()
    for participant in (alice, bob):
        assert re.search(
            rf'name="people" value="{participant.registration.person_id}"[^>]*checked', html
        )
    response = animator_client.post(
        reverse("network:interaction_new"),
        {
            "summary": "Follow-up of the meeting",
            "kind": "meeting",
            "on": "2025-03-04",
            "people": [str(alice.registration.person_id), str(bob.registration.person_id)],
            "meeting": str(meeting.pk),
            "event": str(brokerage.event_id),
        },
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.meeting == meeting
    assert {o.name for o in interaction.organisations.all()} == {"Alpha", "Beta"}


# -- introductions ---------------------------------------------------------------------------


def test_an_introduction_answered_yes_becomes_a_collaboration_in_the_list(animator_client):
    lab = factories.organisation(name="Labo Tours", sector="public")
    company = factories.organisation(name="Pharma Orléans", sector="private")
    ana = factories.person(organisation=lab, given_name="Ana", email="ana@example.test")
    ben = factories.person(organisation=company, given_name="Ben", email="ben@example.test")
    person_page = animator_client.get(reverse("registry:person", args=[ana.pk]))
    assert f"/manage/network/introductions/new/?person_a={ana.pk}" in person_page.content.decode()
    form = animator_client.get(reverse("network:introduction_new"), {"person_a": ana.pk})
    assert f"(#{ana.pk})" in form.content.decode()
    response = animator_client.post(
        reverse("network:introduction_new"),
        {
            "person_a": f"Ana (#{ana.pk})",
            "person_b": str(ben.pk),
            "why": "Cell therapy scale-up",
            "on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    introduction = Introduction.objects.get()
    listing = text(animator_client.get(reverse("network:introductions")))
    assert "Not due yet" in listing

    assert followups.send_due(timezone.now() + timedelta(days=31)) == 2
    message = next(m for m in mail.outbox if m.to == ["ana@example.test"])
    yes = next(line.strip() for line in message.body.splitlines() if "/follow-up/" in line)
    path = yes[yes.index("/follow-up/") :]
    assert Client().post(path, {"note": "A joint ANR project"}).status_code == 200

    collaboration = Collaboration.objects.get()
    assert collaboration.origin_introduction == introduction
    assert collaboration.status == CollaborationStatus.REPORTED
    assert {o.name for o in collaboration.organisations.all()} == {"Labo Tours", "Pharma Orléans"}
    listing = text(animator_client.get(reverse("network:introductions")))
    assert "Yes, we are working together" in listing
    assert "Sent, no answer yet" in listing  # Ben's
    assert "A joint ANR project" in listing
    assert reverse("network:collaboration", args=[collaboration.pk]) in listing
    born = text(animator_client.get(reverse("network:collaborations"), {"origin": "introduction"}))
    assert collaboration.title in born
    assert "Born from the introduction of" in born
    assert collaboration.title not in text(
        animator_client.get(reverse("network:collaborations"), {"origin": "meeting"})
    )


def test_an_introduction_needs_two_different_people(animator_client):
    ana = factories.person()
    response = animator_client.post(
        reverse("network:introduction_new"),
        {"person_a": str(ana.pk), "person_b": str(ana.pk), "why": "x", "on": "2025-01-01"},
    )
    assert response.status_code == 400
    assert "two different people" in text(response)
    assert not Introduction.objects.exists()


# -- collaborations --------------------------------------------------------------------------


def test_a_collaboration_born_at_a_b2b_meeting_shows_its_event(animator_client, met):
    brokerage, alice, bob, meeting = met
    options = animator_client.get(
        reverse("network:meeting_options"), {"origin_event": brokerage.event_id}
    )
    assert f'value="{meeting.pk}"' in options.content.decode()
    alpha, beta = alice.registration.organisation, bob.registration.organisation
    response = animator_client.post(
        reverse("network:collaboration_new"),
        {
            "title": "Scale-up contract",
            "kind": "service",
            "status": "active",
            "amount": "120000",
            "started_on": "2025-02-01",
            "organisations": [f"{alpha.name} (#{alpha.pk})", str(beta.pk)],
            "people": [str(alice.registration.person_id)],
            "origin_meeting": str(meeting.pk),
        },
    )
    assert response.status_code == 302, text(response)
    collaboration = Collaboration.objects.get()
    assert collaboration.origin_event == brokerage.event  # the meeting's event follows
    event_title = brokerage.event.title
    detail = text(animator_client.get(reverse("network:collaboration", args=[collaboration.pk])))
    assert f"Born at a B2B meeting of {event_title}" in detail
    listing = animator_client.get(reverse("network:collaborations"), {"origin": "meeting"})
    assert f"Born at a B2B meeting of {event_title}" in text(listing)
    assert 'id="total-count">1<' in listing.content.decode()
    assert "120,000 €" in text(listing)


def test_the_collaboration_list_filters_and_totals(animator_client):
    orgs = [factories.organisation(), factories.organisation()]
    for title, status, amount, started in (
        ("One", "active", 1000, date(2024, 3, 1)),
        ("Two", "active", 2500, date(2024, 9, 1)),
        ("Three", "discussion", None, date(2023, 1, 1)),
    ):
        services.create_collaboration(
            actor=None,
            values={
                "title": title,
                "kind": "rd",
                "status": status,
                "amount": amount,
                "started_on": started,
            },
            organisations=orgs,
        )
    page = animator_client.get(
        reverse("network:collaborations"),
        {"status": "active", "start": "2024-01-01", "end": "2024-12-31", "origin": "none"},
    )
    html = page.content.decode()
    assert 'id="total-count">2<' in html and "3,500 €" in html
    assert "Three" not in text(page)


def test_a_collaboration_moves_along_its_transitions_only(animator_client, collaboration):
    url = reverse("network:collaboration_move", args=[collaboration.pk])
    refused = animator_client.post(url, {"status": "completed"}, follow=True)
    assert "cannot go from “In discussion” to “Completed”" in text(refused)
    collaboration.refresh_from_db()
    assert collaboration.status == "discussion"
    moved = animator_client.post(url, {"status": "active"})
    assert moved.status_code == 302
    collaboration.refresh_from_db()
    assert collaboration.status == "active"
    detail = text(animator_client.get(reverse("network:collaboration", args=[collaboration.pk])))
    assert '<option value="completed">' in detail and '<option value="discussion">' not in detail


def test_the_edit_form_offers_the_next_statuses_only(animator_client, collaboration):
    url = reverse("network:collaboration_edit", args=[collaboration.pk])
    orgs = [str(o.pk) for o in collaboration.organisations.all()]
    refused = animator_client.post(
        url, {"title": "Renamed", "kind": "rd", "status": "completed", "organisations": orgs}
    )
    assert refused.status_code == 400
    saved = animator_client.post(
        url, {"title": "Renamed", "kind": "rd", "status": "active", "organisations": orgs}
    )
    assert saved.status_code == 302
    collaboration.refresh_from_db()
    assert (collaboration.title, collaboration.status) == ("Renamed", "active")


def test_the_lists_keep_their_queries_few(animator_client, django_assert_max_num_queries):
    orgs = [factories.organisation(), factories.organisation()]
    people = [factories.person(organisation=o) for o in orgs]
    for number in range(8):
        services.create_collaboration(
            actor=None, values={"title": f"C{number}", "kind": "rd"}, organisations=orgs
        )
        services.log_interaction(
            actor=None, kind="call", on=date(2025, 1, 1), summary="x", people=people
        )
        services.introduce(actor=None, person_a=people[0], person_b=people[1], why="y")
    for name in ("network:collaborations", "network:interactions", "network:introductions"):
        with django_assert_max_num_queries(14):
            assert animator_client.get(reverse(name)).status_code == 200


# -- the network page ------------------------------------------------------------------------


def test_the_network_page_shows_the_graph_measures(animator_client):
    build_small_network()
    metrics = graph.metrics(START, END)
    page = animator_client.get(
        reverse("network:home"), {"start": START.isoformat(), "end": END.isoformat()}
    )
    html = page.content.decode()
    for key in ("organisations", "ties", "new_ties", "new_cross_ties"):
        assert f'data-figure="{key}">{getattr(metrics, key)}<' in html
    assert 'data-figure="osmosis_index">50%<' in html
    bridging = html[html.index('id="bridging-table"') :]
    assert [m for m in re.findall(r">([^<>]+)</a></th>", bridging)][:4] == [
        "P1 Pharma", "P2 Biotech", "U1 Université", "N1 Association"
    ]  # fmt: skip
    isolated = html[html.index('id="isolated-table"') :]
    assert "I1 Isolée" in isolated and "X1 National" not in isolated
    assert "<svg" in html and "Osmosis index per quarter" in html
    assert "66.7%" in text(page) or "67%" in text(page)


def test_the_network_page_defaults_to_the_last_twelve_months(animator_client):
    page = animator_client.get(reverse("network:home"))
    today = timezone.localdate()
    assert page.context["end"] == today
    assert (today - page.context["start"]).days in (364, 365)


def test_the_figures_and_ties_download_and_read_back(animator_client):
    build_small_network()
    query = {"start": START.isoformat(), "end": END.isoformat()}
    response = animator_client.get(reverse("network:export", args=["csv"]), query)
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "label", "value", "detail"]
    summary = {row[1]: row[3] for row in rows if row[0] == "summary"}
    assert summary == {
        "organisations": "5", "ties": "6", "cross_ties": "3", "osmosis_index": "0.5",
        "new_ties": "5", "new_cross_ties": "3",
    }  # fmt: skip
    assert [row[2:4] for row in rows if row[0] == "isolated"] == [["I1 Isolée", "private"]]

    workbook = load_workbook(
        io.BytesIO(animator_client.get(reverse("network:export", args=["xlsx"]), query).content)
    )
    assert workbook.sheetnames == [
        "period",
        "summary",
        "ties_by_kind",
        "trend",
        "bridging",
        "isolated",
    ]
    by_kind = {r[0]: r[2] for r in workbook["ties_by_kind"].iter_rows(min_row=2, values_only=True)}
    assert by_kind == {"event": 1, "meeting": 0, "introduction": 1, "collaboration": 4}
    trend = [r[2] for r in workbook["trend"].iter_rows(min_row=2, values_only=True)]
    assert trend == [1, 0.667, 0, 0]

    ties = animator_client.get(reverse("network:ties_export"), query)
    tie_rows = list(
        csv.DictReader(io.StringIO(b"".join(ties.streaming_content).decode("utf-8-sig")))
    )
    assert len(tie_rows) == 6
    first = tie_rows[0]
    assert (first["organisation_a"], first["organisation_b"], first["first_date"]) == (
        "P1 Pharma", "U1 Université", "2024-02-10"
    )  # fmt: skip
    assert (first["kinds"], first["crosses_private_public"]) == ("introduction", "yes")
    p2_n1 = next(
        r
        for r in tie_rows
        if {r["organisation_a"], r["organisation_b"]} == {"P2 Biotech", "N1 Association"}
    )
    assert (p2_n1["first_date"], p2_n1["kinds"], p2_n1["crosses_private_public"]) == (
        "2024-08-01", "collaboration", "no"
    )  # fmt: skip


# -- on the registry's pages -----------------------------------------------------------------


def test_the_organisation_page_shows_its_neighbourhood_and_the_quick_log(
    animator_client, member_client
):
    small = build_small_network()
    page = animator_client.get(reverse("registry:organisation", args=[small.p2.pk]))
    html = text(page)
    assert f"/manage/network/interactions/new/?organisation={small.p2.pk}" in html
    assert "Neighbourhood in the network" in html
    section = html[html.index('id="section-neighbourhood"') :]
    assert re.findall(r">([^<>]+)</a></th>", section)[:3] == [
        "N1 Association", "P1 Pharma", "U2 CHU"
    ]  # fmt: skip
    assert "<svg" in section and "Neighbourhood of P2 Biotech" in section
    assert (
        member_client.get(reverse("registry:organisation", args=[small.p2.pk])).status_code == 403
    )
    lonely = text(animator_client.get(reverse("registry:organisation", args=[small.i1.pk])))
    assert "No tie yet" in lonely


def test_the_admin_lists_the_network(admin_user, collaboration):
    client = Client()
    client.force_login(admin_user)
    for model in ("task", "interaction", "introduction", "collaboration", "followup"):
        assert client.get(f"/admin/network/{model}/").status_code == 200, model
    page = client.get(f"/admin/network/collaboration/{collaboration.pk}/change/")
    assert page.status_code == 200
