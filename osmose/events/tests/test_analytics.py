"""Event analytics: the figures on a hand-built history, the pages, the downloads."""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from osmose.core.models import Departement, Region
from osmose.events import analytics, services
from osmose.events.models import Registration
from osmose.events.tests import factories
from osmose.registry.models import Organisation
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def register(event, key, organisation=None, **kwargs):
    registrant = factories.registrant(
        given_name=key.upper(),
        family_name=f"Person {key}",
        email=f"{key}@example.test",
        organisation_id=organisation.pk if organisation else None,
    )
    return services.register(
        event=event, registrant=registrant, organiser=True, notify=False, **kwargs
    ).registration


@pytest.fixture
def history():
    """Three events; the last one is the one analysed.

    1. Sixty days ago, with a check-in: A (BioPharma, private) and B (University, public)
       came; C (CellCo, private) was a no-show.
    2. Thirty days ago, nobody checked in (its confirmed registrations count): A and
       D (Hospital, public).
    3. Yesterday: A, B, C, E (Association, non-profit), F (no organisation) and G (Hospital)
       came; H (BioPharma) did not; W is on the waiting list; X cancelled.
    """
    now = timezone.now()
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    touraine = Departement.objects.create(code="37", name="Indre-et-Loire", region=region)
    loiret = Departement.objects.create(code="45", name="Loiret", region=region)
    o = SimpleNamespace(
        biopharma=registry_factories.organisation(name="BioPharma", sector="private"),
        cellco=registry_factories.organisation(name="CellCo", sector="private", kind="startup"),
        university=registry_factories.organisation(
            name="University", sector="public", kind="academic_lab"
        ),
        hospital=registry_factories.organisation(name="Hospital", sector="public", kind="hospital"),
        association=registry_factories.organisation(
            name="Association", sector="non_profit", kind="cluster"
        ),
    )
    Organisation.objects.filter(pk__in=[o.biopharma.pk, o.cellco.pk]).update(departement=touraine)
    Organisation.objects.filter(pk=o.university.pk).update(departement=loiret)

    first = factories.event(title_fr="Afterwork 1", starts_at=now - timedelta(days=60))
    a1 = register(first, "a", o.biopharma)
    b1 = register(first, "b", o.university)
    register(first, "c", o.cellco)
    for registration in (a1, b1):
        services.check_in(actor=None, registration=registration)
    services.close_attendance(actor=None, event=first)

    second = factories.event(title_fr="Afterwork 2", starts_at=now - timedelta(days=30))
    register(second, "a")
    register(second, "d", o.hospital)

    third = factories.event(
        title_fr="Congrès", kind="congress", starts_at=now - timedelta(days=1), capacity=7
    )
    single = services.save_question(
        actor=None,
        event=third,
        values={"label_fr": "Pourquoi venez-vous ?", "label_en": "Why do you come?",
                "kind": "single", "choices_fr": ["Réseau", "Conférences"],
                "choices_en": ["Networking", "Talks"]},
    )  # fmt: skip
    yes_no = services.save_question(
        actor=None, event=third, values={"label_fr": "Déjeuner ?", "kind": "yes_no"}
    )
    s, y = str(single.pk), str(yes_no.pk)
    came = {
        "a": register(third, "a", answers={s: 0, y: True}),
        "b": register(third, "b", answers={s: 1}),
        "c": register(third, "c", answers={s: 0, y: False}),
        "e": register(third, "e", o.association),
        "f": register(third, "f"),
        "g": register(third, "g", o.hospital),
    }
    no_show = register(third, "h", o.biopharma, answers={s: 1, y: True})
    waitlisted = register(third, "w", o.cellco, answers={s: 1})
    cancelled = register(third, "x", o.cellco)
    assert waitlisted.status == cancelled.status == "waitlisted"
    services.cancel(actor=None, registration=cancelled, notify=False)
    # B's registration names no organisation: their primary one (University) counts.
    Registration.objects.filter(pk=came["b"].pk).update(organisation=None)
    for registration in came.values():
        services.check_in(actor=None, registration=registration)
    services.close_attendance(actor=None, event=third)
    # Registrations spread over the days before the congress.
    early, late = now - timedelta(days=10), now - timedelta(days=5)
    Registration.objects.filter(pk__in=[came["a"].pk, came["b"].pk, came["c"].pk]).update(
        created_at=early
    )
    Registration.objects.filter(event=third).exclude(
        pk__in=[came["a"].pk, came["b"].pk, came["c"].pk]
    ).update(created_at=late)
    services.submit_survey(
        registration=came["a"], satisfaction=5, met_someone="yes", comment="Great talks"
    )
    services.submit_survey(registration=came["b"], satisfaction=4, met_someone="maybe")
    services.submit_survey(
        registration=came["c"], satisfaction=2, met_someone="no", comment="Too short"
    )
    return SimpleNamespace(
        first=first, second=second, third=third, o=o, came=came, no_show=no_show, now=now
    )


def by_key(buckets):
    return {b.key: (b.count, round(b.share, 4)) for b in buckets}


def test_the_congress_figures(history):
    figures = analytics.event_figures(history.third)
    assert (figures.registered, figures.confirmed, figures.attended) == (9, 7, 6)
    assert (figures.waitlisted, figures.cancelled) == (1, 1)
    assert figures.has_attendance
    assert figures.show_up_rate == pytest.approx(6 / 7)
    assert figures.attendees == 6
    assert by_key(figures.mix) == {
        "private": (2, 0.3333),
        "public": (2, 0.3333),
        "non_profit": (1, 0.1667),
        "unknown": (1, 0.1667),
    }
    assert by_key(figures.kinds) == {
        "company": (1, 0.1667),
        "startup": (1, 0.1667),
        "academic_lab": (1, 0.1667),
        "hospital": (1, 0.1667),
        "cluster": (1, 0.1667),
        "unknown": (1, 0.1667),
    }
    assert figures.kinds[-1].key == "unknown"
    assert by_key(figures.departements) == {
        "37": (2, 0.3333),
        "45": (1, 0.1667),
        "unknown": (3, 0.5),
    }
    assert figures.departements[0].label == "Indre-et-Loire (37)"


def test_newcomers_are_those_who_attended_no_earlier_event(history):
    figures = analytics.event_figures(history.third)
    # A and B came before; C was a no-show at the first Afterwork, so C is new.
    assert (figures.newcomers, figures.returning) == (4, 2)


def test_first_time_encounters_leave_out_pairs_that_met_before(history):
    figures = analytics.event_figures(history.third)
    # Six private × public-side pairs; BioPharma met University (Afterwork 1, checked in)
    # and Hospital (Afterwork 2, no check-in: its confirmed people count) before.
    assert figures.encounters == 4
    assert [(e.private, e.public) for e in figures.encounter_sample] == [
        ("BioPharma", "Association"),
        ("CellCo", "Association"),
        ("CellCo", "Hospital"),
        ("CellCo", "University"),
    ]
    assert figures.encounter_sample[0].public_sector == "non_profit"


def test_an_earlier_event_counts_its_confirmed_people_when_nobody_checked_in(history):
    figures = analytics.event_figures(history.second)
    assert not figures.has_attendance and figures.show_up_rate is None
    assert figures.attendees == 2
    # A came to the first Afterwork; D is new; BioPharma and Hospital never met before.
    assert (figures.newcomers, figures.returning, figures.encounters) == (1, 1, 1)


def test_the_survey_and_the_registration_questions(history):
    survey = analytics.event_figures(history.third).survey
    assert survey.responses == 3
    assert survey.response_rate == pytest.approx(0.5)
    assert survey.average == pytest.approx(11 / 3)
    assert [b.count for b in survey.satisfaction] == [0, 1, 0, 1, 1]
    assert by_key(survey.met_someone) == {
        "yes": (1, 0.3333),
        "maybe": (1, 0.3333),
        "no": (1, 0.3333),
    }
    assert sorted(c for _stars, c in survey.comments) == ["Great talks", "Too short"]
    questions = analytics.event_figures(history.third).questions
    # Confirmed registrations only: H (no-show, still confirmed) counts, W (waitlisted) not.
    assert [(q.label, q.answers) for q in questions] == [
        ("Pourquoi venez-vous ?", 4),
        ("Déjeuner ?", 3),
    ]
    assert [(b.label, b.count) for b in questions[0].choices] == [
        ("Réseau", 2),
        ("Conférences", 2),
    ]
    assert [(b.key, b.count) for b in questions[1].choices] == [("true", 2), ("false", 1)]


def test_registrations_over_time_accumulate_up_to_the_event(history):
    points = analytics.registrations_over_time(history.third)
    today = timezone.localdate()
    assert points[0] == (today - timedelta(days=10), 3)
    assert dict(points)[today - timedelta(days=5)] == 9
    assert points[-1] == (timezone.localtime(history.third.starts_at).date(), 9)
    assert len(points) == 10


def test_the_overview_gives_one_row_per_event(history):
    rows = analytics.overview_rows(analytics.overview_events())
    assert [r.event.pk for r in rows] == [history.third.pk, history.second.pk, history.first.pk]
    third, second, first = rows
    assert (third.registered, third.confirmed, third.attended, third.attendees) == (9, 7, 6, 6)
    assert third.show_up_rate == pytest.approx(6 / 7)
    assert third.private_share == pytest.approx(2 / 6)
    assert third.public_share == pytest.approx(2 / 6)
    assert (third.newcomers, third.encounters) == (4, 4)
    assert third.satisfaction_average == pytest.approx(11 / 3)
    assert (second.newcomers, second.encounters, second.show_up_rate) == (1, 1, None)
    assert (first.newcomers, first.encounters, first.attended) == (2, 1, 2)
    assert first.show_up_rate == pytest.approx(2 / 3)


def test_the_overview_filters_keep_the_whole_history(history):
    rows = analytics.overview_rows(analytics.overview_events(kind="congress"))
    assert [r.event.pk for r in rows] == [history.third.pk]
    # Newcomers and encounters still look at the Afterworks before it.
    assert (rows[0].newcomers, rows[0].encounters) == (4, 4)
    start = timezone.localdate() - timedelta(days=45)
    rows = analytics.overview_rows(analytics.overview_events(start=start))
    assert [r.event.pk for r in rows] == [history.third.pk, history.second.pk]


def test_a_merged_organisation_counts_as_the_one_it_was_merged_into(history):
    from osmose.registry.services.merge import merge_organisations

    merge_organisations(
        actor=None, survivor=history.o.hospital, other=history.o.university, take_from_other={}
    )
    figures = analytics.event_figures(history.third)
    assert by_key(figures.mix)["public"] == (2, 0.3333)
    assert by_key(figures.kinds)["hospital"] == (2, 0.3333)
    # BioPharma met "Hospital" at both earlier events now: three first-time pairs.
    assert figures.encounters == 3


def test_a_cancelled_event_has_no_attendees(history):
    services.change_event_status(actor=None, event=history.first, status="cancelled")
    figures = analytics.event_figures(history.third)
    # Without the first Afterwork, B is new and BioPharma never met University.
    assert (figures.newcomers, figures.encounters) == (5, 5)


# --- Pages and downloads ----------------------------------------------------------------------


def test_the_event_page_shows_charts_and_tables(animator_client, history):
    response = animator_client.get(reverse("events:analytics", args=[history.third.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("registrations", "mix", "kinds", "departements", "newcomers", "satisfaction"):
        assert f'id="chart-{name}-title"' in page, name
    assert "CellCo" in page and "Too short" in page
    assert 'style="' not in page
    assert response.context["show_up_rate"] in page


def test_the_event_page_works_before_anyone_registered(animator_client):
    event = factories.event()
    response = animator_client.get(reverse("events:analytics", args=[event.pk]))
    assert response.status_code == 200
    assert response.context["figures"].attendees == 0


def test_the_event_exports_parse_back(animator_client, history):
    url = reverse("events:analytics_export", args=[history.third.pk, "csv"])
    response = animator_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('-analytics.csv"')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    values = {(r["section"], r["key"]): r for r in rows}
    assert values[("summary", "confirmed")]["value"] == "7"
    assert values[("summary", "show_up_rate")]["value"] == str(round(6 / 7, 4))
    assert values[("mix", "private")]["value"] == "2"
    assert values[("mix", "unknown")]["share"] == str(round(1 / 6, 4))
    assert values[("encounters", "CellCo")]["label"] in {"Association", "Hospital", "University"}

    response = animator_client.get(
        reverse("events:analytics_export", args=[history.third.pk, "xlsx"])
    )
    assert response["Content-Disposition"].endswith('-analytics.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"summary", "mix", "encounters", "question-1"} <= set(workbook.sheetnames)
    summary = {row[0]: row[2] for row in workbook["summary"].iter_rows(values_only=True)}
    assert summary["newcomers"] == 4 and summary["encounters"] == 4


def test_a_chart_downloads_as_svg(animator_client, history):
    url = reverse("events:analytics_export", args=[history.third.pk, "svg"])
    response = animator_client.get(url, {"chart": "mix"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"].endswith('-mix.svg"')
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    assert "".join(root.find(f"{SVG}title").itertext())  # type: ignore[union-attr]
    assert animator_client.get(url, {"chart": "nope"}).status_code == 404
    bad = reverse("events:analytics_export", args=[history.third.pk, "pdf"])
    assert animator_client.get(bad).status_code == 404


def test_the_overview_page_and_its_downloads(animator_client, history):
    url = reverse("events:analytics_overview")
    response = animator_client.get(url, {"kind": "afterwork"})
    assert response.status_code == 200
    assert [item["row"].event.pk for item in response.context["rows"]] == [
        history.second.pk,
        history.first.pk,
    ]
    assert 'id="chart-attendance-title"' in response.content.decode()
    assert animator_client.get(url, {"start": "not a date"}).status_code == 200

    response = animator_client.get(reverse("events:overview_export", args=["csv"]))
    assert response["Content-Disposition"] == ('attachment; filename="osmose-events-analytics.csv"')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in rows] == ["Congrès", "Afterwork 2", "Afterwork 1"]
    assert rows[0]["first_time_encounters"] == "4"
    assert rows[0]["private_share"] == str(round(2 / 6, 4))
    assert rows[1]["attended"] == ""

    response = animator_client.get(
        reverse("events:overview_export", args=["xlsx"]), {"kind": "congress"}
    )
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["events"]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:4] == ("event_id", "date", "kind", "title")
    assert [line[3] for line in lines[1:]] == ["Congrès"]

    response = animator_client.get(
        reverse("events:overview_export", args=["svg"]), {"chart": "attendance"}
    )
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.find(f"{SVG}title") is not None


def test_the_pages_are_for_animators(
    animator_client, member_client, funder_client, outsider_client, history
):
    pk = history.third.pk
    urls = [
        reverse("events:analytics", args=[pk]),
        reverse("events:analytics_export", args=[pk, "csv"]),
        reverse("events:analytics_export", args=[pk, "xlsx"]),
        reverse("events:analytics_export", args=[pk, "svg"]) + "?chart=mix",
        reverse("events:analytics_overview"),
        reverse("events:overview_export", args=["csv"]),
        reverse("events:overview_export", args=["xlsx"]),
        reverse("events:overview_export", args=["svg"]) + "?chart=mix",
    ]
    for url in urls:
        assert outsider_client.get(url).status_code == 302, url
        assert member_client.get(url).status_code == 403, url
        assert funder_client.get(url).status_code == 403, url
        assert animator_client.get(url).status_code == 200, url
    assert animator_client.get(reverse("events:analytics", args=[pk + 999])).status_code == 404


# --- Query counts -----------------------------------------------------------------------------


@pytest.fixture
def busy_history():
    """Twenty past Afterworks, then a congress of thirty: the query count must not grow."""
    now = timezone.now()
    organisations = [
        registry_factories.organisation(sector=("private", "public", "non_profit")[i % 3])
        for i in range(12)
    ]
    for number in range(20):
        event = factories.event(starts_at=now - timedelta(days=400 - 15 * number))
        for person in range(4):
            key = f"p{(number * 3 + person) % 40}"
            registration = register(event, key, organisations[(number + person) % 12])
            if person % 4:
                services.check_in(actor=None, registration=registration)
        services.close_attendance(actor=None, event=event)
    congress = factories.event(kind="congress", starts_at=now - timedelta(days=2))
    for person in range(30):
        registration = register(congress, f"p{person + 20}", organisations[person % 12])
        services.check_in(actor=None, registration=registration)
    return congress


def test_the_analytics_take_a_handful_of_queries(
    animator_client, busy_history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        figures = analytics.event_figures(busy_history)
    assert figures.attendees == 30
    with django_assert_max_num_queries(4):
        rows = analytics.overview_rows(analytics.overview_events())
    assert len(rows) == 21
    with django_assert_max_num_queries(16):
        animator_client.get(reverse("events:analytics", args=[busy_history.pk]))
    with django_assert_max_num_queries(10):
        animator_client.get(reverse("events:analytics_overview"))
