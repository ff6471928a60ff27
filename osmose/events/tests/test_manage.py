"""The organiser's pages: events, sessions, the form builder, registrations, exports,
invitations and messages — through HTTP, as an animator would use them."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from osmose.core.models import AuditLogEntry, Commune, Departement, Region
from osmose.events import services
from osmose.events.models import (
    Attendance,
    Event,
    EventMessage,
    EventSession,
    Invitation,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from osmose.events.tests import factories
from osmose.registry.services import people as people_services
from osmose.registry.services.segments import save_segment
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(animator_client, settings):
    """The pages in English, the source language: assertions read messages as written."""
    animator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def register(event, number=None, **kwargs):
    kwargs.setdefault("organiser", True)
    kwargs.setdefault("notify", False)
    return services.register(
        event=event, registrant=factories.registrant(number), **kwargs
    ).registration


def flashes(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


EVENT_FORM = {
    "kind": "afterwork",
    "title_fr": "Afterwork bioproduction",
    "title_en": "Bioproduction afterwork",
    "starts_at": "2030-06-12T18:00",
    "ends_at": "2030-06-12T21:00",
    "time_zone": "Europe/Paris",
    "capacity": "70",
    "audience": "public",
    "offer_hours": "48",
    "reminder_days_text": "7, 1",
}


# --- Permissions ------------------------------------------------------------------------------


def _pages(event, registration):
    return [
        ("get", reverse("events:manage_list")),
        ("get", reverse("events:event_create")),
        ("get", reverse("events:commune_lookup") + "?commune=Tours"),
        ("get", reverse("events:manage", args=[event.pk])),
        ("get", reverse("events:event_edit", args=[event.pk])),
        ("get", reverse("events:event_status", args=[event.pk]) + "?status=cancelled"),
        ("get", reverse("events:sessions", args=[event.pk])),
        ("get", reverse("events:questions", args=[event.pk])),
        ("get", reverse("events:registrations", args=[event.pk])),
        ("get", reverse("events:registration_add", args=[event.pk])),
        ("get", reverse("events:registrations_export", args=[event.pk, "csv"])),
        ("get", reverse("events:registrations_export", args=[event.pk, "xlsx"])),
        (
            "get",
            reverse("events:registration_action", args=[event.pk, registration.pk, "cancel"]),
        ),
        ("get", reverse("events:badges", args=[event.pk]) + "?layout=single"),
        ("get", reverse("events:invitations", args=[event.pk])),
        ("get", reverse("events:messages", args=[event.pk])),
    ]


def test_every_organiser_page_is_for_animators(
    animator_client, member_client, funder_client, outsider_client
):
    event = factories.event(capacity=10)
    registration = register(event)
    for method, url in _pages(event, registration):
        response = getattr(outsider_client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
        assert getattr(member_client, method)(url).status_code == 403, url
        assert getattr(funder_client, method)(url).status_code == 403, url
        assert getattr(animator_client, method)(url).status_code == 200, url


def test_every_organiser_write_is_for_animators(
    animator_client, member_client, funder_client, outsider_client
):
    event = factories.event(capacity=10, starts_at=timezone.now() - timedelta(hours=3))
    registration = register(event)
    writes = [
        (reverse("events:event_status", args=[event.pk]), {"status": "closed"}),
        (reverse("events:attendance_close", args=[event.pk]), {}),
        (reverse("events:registrations", args=[event.pk]), {}),
        (
            reverse("events:registration_action", args=[event.pk, registration.pk, "check_in"]),
            {},
        ),
    ]
    for url, data in writes:
        response = outsider_client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
        assert member_client.post(url, data).status_code == 403, url
        assert funder_client.post(url, data).status_code == 403, url
    assert not AuditLogEntry.objects.filter(action__startswith="events.attendance").exists()
    for url, data in writes:
        assert animator_client.post(url, data).status_code == 302, url
    registration.refresh_from_db()
    assert registration.checked_in_at is not None


def test_a_missing_event_is_a_404(animator_client):
    assert animator_client.get(reverse("events:manage", args=[999])).status_code == 404
    event = factories.event()
    url = reverse("events:registration_action", args=[event.pk, 999, "cancel"])
    assert animator_client.get(url).status_code == 404
    registration = register(event)
    url = reverse("events:registration_action", args=[event.pk, registration.pk, "explode"])
    assert animator_client.post(url).status_code == 404
    url = reverse("events:registrations_export", args=[event.pk, "pdf"])
    assert animator_client.get(url).status_code == 404


def test_a_registration_of_another_event_is_not_reachable(animator_client):
    event, other = factories.event(), factories.event()
    registration = register(other)
    url = reverse("events:registration_action", args=[event.pk, registration.pk, "cancel"])
    assert animator_client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


# --- The event list and the event form ----------------------------------------------------


def test_the_list_shows_drafts_counts_and_filters(animator_client, django_assert_max_num_queries):
    draft = factories.event(status="draft", title_fr="Brouillon", capacity=2)
    past = factories.event(
        title_fr="Congrès passé", kind="congress", starts_at=timezone.now() - timedelta(days=30)
    )
    for number in range(3):
        register(draft, number)
    url = reverse("events:manage_list")
    with django_assert_max_num_queries(6):
        response = animator_client.get(url)
    rows = {e.pk: e for e in response.context["page"]}
    assert set(rows) == {draft.pk, past.pk}
    assert (rows[draft.pk].n_confirmed, rows[draft.pk].n_waitlisted) == (2, 1)
    assert b"Brouillon" in response.content
    response = animator_client.get(url, {"when": "past"})
    assert [e.pk for e in response.context["page"]] == [past.pk]
    response = animator_client.get(url, {"status": "draft", "kind": "afterwork"})
    assert [e.pk for e in response.context["page"]] == [draft.pk]


def test_an_animator_creates_an_event_in_its_time_zone(animator_client, animator):
    organiser = registry_factories.organisation(name="Polepharma")
    response = animator_client.post(
        reverse("events:event_create"),
        {**EVENT_FORM, "organisers_add": f"Polepharma (#{organiser.pk})"},
    )
    event = Event.objects.get()
    assert response["Location"] == reverse("events:manage", args=[event.pk])
    # 18:00 in Paris in June is 16:00 UTC.
    assert event.starts_at == datetime(2030, 6, 12, 16, 0, tzinfo=UTC)
    assert event.status == "draft" and event.capacity == 70
    assert event.reminder_days == [7, 1]
    assert list(event.organisers.all()) == [organiser]
    assert event.created_by == animator
    assert AuditLogEntry.objects.filter(action="events.event.created").exists()


def test_the_form_refuses_an_event_that_ends_before_it_starts(animator_client):
    response = animator_client.post(
        reverse("events:event_create"), {**EVENT_FORM, "ends_at": "2030-06-12T17:00"}
    )
    assert response.status_code == 400
    assert "before it starts" in response.context["form"].errors["ends_at"][0]
    assert not Event.objects.exists()
    response = animator_client.post(
        reverse("events:event_create"), {**EVENT_FORM, "reminder_days_text": "7, demain"}
    )
    assert response.status_code == 400
    assert "reminder_days_text" in response.context["form"].errors


def test_editing_shows_local_times_and_keeps_them(animator_client):
    event = factories.event(
        time_zone="America/New_York",
        starts_at=datetime(2030, 1, 10, 14, 0, tzinfo=UTC),
        ends_at=datetime(2030, 1, 10, 16, 0, tzinfo=UTC),
        capacity=5,
    )
    url = reverse("events:event_edit", args=[event.pk])
    page = animator_client.get(url)
    assert b'value="2030-01-10T09:00"' in page.content  # 14:00 UTC is 9:00 in New York
    partner = registry_factories.organisation(name="BioCentre")
    data = {
        **EVENT_FORM,
        "time_zone": "America/New_York",
        "starts_at": "2030-01-10T09:00",
        "ends_at": "2030-01-10T11:00",
        "capacity": "6",
        "partners_add": f"BioCentre (#{partner.pk})",
    }
    response = animator_client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == datetime(2030, 1, 10, 14, 0, tzinfo=UTC)
    assert event.capacity == 6 and event.title_fr == "Afterwork bioproduction"
    assert list(event.partners.all()) == [partner]
    # Unticking a partner removes it.
    response = animator_client.post(url, {**data, "partners_add": ""})
    assert not event.partners.exists()


def test_the_commune_is_picked_by_postcode_and_name(animator_client):
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    departement = Departement.objects.create(code="37", name="Indre-et-Loire", region=region)
    tours = Commune.objects.create(
        insee_code="37261", name="Tours", departement=departement, postcodes=["37000", "37100"]
    )
    Commune.objects.create(
        insee_code="37999", name="Tourville", departement=departement, postcodes=["37200"]
    )
    suggestions = animator_client.get(reverse("events:commune_lookup"), {"commune": "Tour"})
    assert b"37000 Tours (#37261)" in suggestions.content and b"Tourville" in suggestions.content
    response = animator_client.post(
        reverse("events:event_create"), {**EVENT_FORM, "commune": "37100 tours"}
    )
    assert response.status_code == 302
    assert Event.objects.get().commune == tours
    response = animator_client.post(
        reverse("events:event_create"), {**EVENT_FORM, "commune": "Tour"}
    )
    assert response.status_code == 400
    assert "Several communes" in response.context["form"].errors["commune"][0]


# --- Status ---------------------------------------------------------------------------------


def test_status_buttons_follow_the_transition_table(animator_client):
    event = factories.event(status="draft")
    page = animator_client.get(reverse("events:manage", args=[event.pk]))
    assert [t[0] for t in page.context["transitions"]] == ["published", "cancelled"]
    url = reverse("events:event_status", args=[event.pk])
    response = animator_client.post(url, {"status": "published"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "published"
    response = animator_client.post(url, {"status": "draft"})
    event.refresh_from_db()
    assert event.status == "draft"
    response = animator_client.post(url, {"status": "archived"})
    event.refresh_from_db()
    assert event.status == "draft"
    assert any("cannot go from" in m for m in flashes(response))


def test_cancelling_an_event_asks_first(animator_client):
    event = factories.event()
    url = reverse("events:event_status", args=[event.pk])
    page = animator_client.get(url, {"status": "cancelled"})
    assert page.status_code == 200
    event.refresh_from_db()
    assert event.status == "published"
    animator_client.post(url, {"status": "cancelled"})
    event.refresh_from_db()
    assert event.status == "cancelled"


def test_attendance_is_closed_after_the_event(animator_client):
    event = factories.event(starts_at=timezone.now() + timedelta(days=2))
    came, missed = register(event, 1), register(event, 2)
    url = reverse("events:attendance_close", args=[event.pk])
    response = animator_client.post(url)
    assert any("once the event has started" in m for m in flashes(response))
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    services.check_in(actor=None, registration=came)
    response = animator_client.post(url)
    assert any("1 attended, 1 no-shows" in m for m in flashes(response))
    missed.refresh_from_db()
    assert missed.attendance == Attendance.NO_SHOW


# --- Sessions and questions -------------------------------------------------------------------


def test_an_animator_adds_edits_and_deletes_a_session(animator_client):
    event = factories.event(time_zone="Europe/Paris")
    url = reverse("events:sessions", args=[event.pk])
    response = animator_client.post(
        url,
        {
            "action": "save",
            "title_fr": "Atelier downstream",
            "starts_at": "2030-06-12T14:00",
            "ends_at": "2030-06-12T15:30",
            "capacity": "12",
        },
    )
    assert response.status_code == 302
    session = EventSession.objects.get(event=event)
    assert session.starts_at == datetime(2030, 6, 12, 12, 0, tzinfo=UTC)
    assert session.capacity == 12
    register(event, session_ids=[session.pk])
    page = animator_client.get(url)
    assert page.context["sessions"][0].n_confirmed == 1
    response = animator_client.post(
        url,
        {
            "action": "save",
            "session": session.pk,
            "title_fr": "Atelier USP",
            "starts_at": "2030-06-12T14:00",
            "ends_at": "2030-06-12T13:00",
        },
    )
    assert response.status_code == 400
    assert "ends_at" in response.context["form"].errors
    animator_client.post(url, {"action": "delete", "session": session.pk})
    assert not EventSession.objects.filter(event=event).exists()


def test_the_form_builder_adds_moves_and_charts_questions(animator_client):
    event = factories.event()
    url = reverse("events:questions", args=[event.pk])
    response = animator_client.post(
        url,
        {
            "action": "save",
            "kind": "single",
            "label_fr": "Votre secteur ?",
            "label_en": "Your sector?",
            "choices_fr": "Privé\nPublic\n",
            "choices_en": "Private\nPublic",
            "audience": "everyone",
            "required": "on",
        },
    )
    assert response.status_code == 302
    sector = Question.objects.get(event=event)
    assert sector.choices_fr == ["Privé", "Public"] and sector.choices_en == ["Private", "Public"]
    assert sector.required and sector.position == 0
    response = animator_client.post(
        url,
        {"action": "save", "kind": "multiple", "label_fr": "Sans choix", "audience": "everyone"},
    )
    assert response.status_code == 400
    assert "choices_fr" in response.context["form"].errors
    animator_client.post(
        url, {"action": "save", "kind": "yes_no", "label_fr": "Dîner ?", "audience": "guests"}
    )
    dinner = Question.objects.get(label_fr="Dîner ?")
    assert dinner.position == 1
    animator_client.post(url, {"action": "up", "question": dinner.pk})
    assert list(event.questions.values_list("label_fr", flat=True)) == [
        "Dîner ?",
        "Votre secteur ?",
    ]
    for number, (choice, dine) in enumerate([(0, True), (0, False), (1, True)]):
        register(event, number, answers={str(sector.pk): choice, str(dinner.pk): dine})
    page = animator_client.get(url)
    charts = {q.pk: chart for q, chart in page.context["questions"]}
    assert [(b.count, b.percent) for b in charts[sector.pk].bars] == [(2, 67), (1, 33)]
    assert [(b.count, b.percent) for b in charts[dinner.pk].bars] == [(2, 67), (1, 33)]
    animator_client.post(url, {"action": "delete", "question": dinner.pk})
    assert list(event.questions.all()) == [sector]


# --- Registrations ----------------------------------------------------------------------------


def test_an_animator_registers_someone_by_hand(animator_client, animator):
    event = factories.event(capacity=1, status="draft", requires_approval=True)
    organisation = registry_factories.organisation(name="BioProd")
    question = services.save_question(
        actor=None,
        event=event,
        values={"kind": "yes_no", "label_fr": "Dîner ?", "required": True},
    )
    url = reverse("events:registration_add", args=[event.pk])
    response = animator_client.post(
        url,
        {
            "given_name": "Inès",
            "family_name": "Lefèvre",
            "email": "ines@bioprod.example",
            "organisation": f"BioProd (#{organisation.pk})",
            "language": "en",
            f"q{question.pk}": "yes",
        },
    )
    assert response["Location"] == reverse("events:registrations", args=[event.pk])
    registration = Registration.objects.get(event=event)
    # An organiser's add skips the approval and the draft status, not the seats.
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.source == RegistrationSource.MANUAL
    assert registration.organisation == organisation
    assert registration.answers == {str(question.pk): True}
    assert registration.language == "en"
    entry = AuditLogEntry.objects.get(action="events.registration.created")
    assert entry.actor_id == animator.pk
    response = animator_client.post(
        url,
        {"given_name": "Léa", "family_name": "Roux", "email": "lea@example.test", "language": "fr"},
    )
    # The organiser may leave a required question unanswered; the seats still count.
    assert response.status_code == 302
    second = Registration.objects.get(event=event, person__family_name="Roux")
    assert (second.status, second.answers) == (RegistrationStatus.WAITLISTED, {})


def test_row_actions_change_the_statuses(animator_client):
    event = factories.event(capacity=1, requires_approval=True)
    pending = services.register(event=event, registrant=factories.registrant(1)).registration
    rejected = services.register(event=event, registrant=factories.registrant(2)).registration
    assert pending.status == rejected.status == RegistrationStatus.PENDING

    def act(registration, action, **data):
        url = reverse("events:registration_action", args=[event.pk, registration.pk, action])
        response = animator_client.post(url, data)
        registration.refresh_from_db()
        return response

    act(pending, "approve")
    assert pending.status == RegistrationStatus.CONFIRMED
    act(rejected, "reject", reason="Hors cible")
    assert rejected.status == RegistrationStatus.REJECTED
    assert rejected.cancel_reason == "Hors cible"
    waiting = register(event, 3)
    assert waiting.status == RegistrationStatus.WAITLISTED
    response = act(waiting, "promote")
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert any("The event is full" in m for m in flashes(response))
    act(pending, "cancel")
    assert pending.status == RegistrationStatus.CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED  # the freed seat went to the queue
    act(waiting, "promote")
    assert waiting.status == RegistrationStatus.CONFIRMED
    act(waiting, "check_in")
    assert waiting.checked_in_at is not None
    act(waiting, "undo_check_in")
    assert waiting.checked_in_at is None


def test_an_action_returns_to_the_filtered_list_only_on_this_site(animator_client):
    event = factories.event()
    registration = register(event)
    url = reverse("events:registration_action", args=[event.pk, registration.pk, "check_in"])
    back = reverse("events:registrations", args=[event.pk]) + "?status=confirmed"
    assert animator_client.post(url, {"next": back})["Location"] == back
    response = animator_client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("events:registrations", args=[event.pk])


def test_free_seats_are_offered_to_the_waiting_list(animator_client):
    event = factories.event(capacity=1)
    register(event, 1)
    waiting = register(event, 2)
    Event.objects.filter(pk=event.pk).update(capacity=2)
    animator_client.post(reverse("events:registrations", args=[event.pk]))
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.OFFERED


def test_the_list_filters_and_sorts(animator_client, django_assert_max_num_queries):
    event = factories.event(capacity=2)
    session = services.save_session(
        actor=None,
        event=event,
        values={"title_fr": "Visite", "starts_at": event.starts_at, "ends_at": event.ends_at},
    )
    first = register(event, 1, session_ids=[session.pk])
    register(event, 2)
    third = services.register(
        event=event,
        registrant=factories.registrant(3, organisation_name="Labo Glyco"),
        organiser=True,
    ).registration
    url = reverse("events:registrations", args=[event.pk])
    with django_assert_max_num_queries(11):
        response = animator_client.get(url)
    rows = list(response.context["page"])
    assert rows[0].pk == first.pk
    assert rows[-1].waitlist_position == 1
    assert b"2 / 2 confirmed" in response.content and b"1 waiting" in response.content

    def listed(**params):
        return [r.pk for r in animator_client.get(url, params).context["page"]]

    assert listed(status="waitlisted") == [third.pk]
    assert listed(q="glyco") == [third.pk]
    assert listed(session=session.pk) == [first.pk]
    assert listed(sort="-date")[0] == third.pk


def test_exports_carry_the_answers_as_labels_and_no_formulas(animator_client):
    event = factories.event()
    question = services.save_question(
        actor=None,
        event=event,
        values={
            "kind": QuestionKind.SINGLE,
            "label_fr": "Secteur",
            "choices_fr": ["Privé", "=1+1"],
        },
    )
    register(event, 1, answers={str(question.pk): 0})
    services.register(
        event=event,
        registrant=factories.registrant(2, given_name="=HYPERLINK(1)"),
        answers={str(question.pk): 1},
        organiser=True,
    )
    url = reverse("events:registrations_export", args=[event.pk, "csv"])
    response = animator_client.get(url, {"sort": "date"})
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Secteur"] for r in rows] == ["Privé", "'=1+1"]
    assert rows[1]["given_name"] == "'=HYPERLINK(1)"
    assert rows[0]["status"] == "Confirmed"
    response = animator_client.get(
        reverse("events:registrations_export", args=[event.pk, "xlsx"]), {"q": "HYPERLINK"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][-1] == "Secteur"
    assert len(values) == 2 and values[1][-1] == "'=1+1"


def test_badges_download_as_pdf(animator_client):
    event = factories.event()
    register(event, 1)
    for layout in ("sheet", "single"):
        response = animator_client.get(
            reverse("events:badges", args=[event.pk]), {"layout": layout, "status": "confirmed"}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]


# --- Invitations and messages ---------------------------------------------------------------


def test_invitations_from_a_people_segment(transactional_db, animator_client, animator):
    event = factories.event(audience="invitation")
    startup = registry_factories.organisation(name="BioStart", kind="startup")
    invited = [
        registry_factories.person(organisation=startup, email=f"p{n}@biostart.example")
        for n in range(2)
    ]
    registry_factories.person(organisation=startup)  # no e-mail: skipped
    registry_factories.person(
        organisation=registry_factories.organisation(name="Big Pharma", kind="company"),
        email="other@pharma.example",
    )
    segment = save_segment(
        actor=animator, name="Startups", target="people", query={"kind": ["startup"]}
    )
    url = reverse("events:invitations", args=[event.pk])
    preview = animator_client.post(url, {"segments": [segment.pk], "preview": "1"})
    audience = preview.context["audience"]
    assert (audience.to_invite, audience.without_email, audience.already_invited) == (2, 1, 0)
    assert not Invitation.objects.exists()
    response = animator_client.post(url, {"segments": [segment.pk], "send": "1"})
    assert response.status_code == 302 and "job=" in response["Location"]
    assert set(Invitation.objects.values_list("person_id", flat=True)) == {p.pk for p in invited}
    call_command("worker", batch=True, verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@biostart.example", "p1@biostart.example"]
    assert all(i.sent_at for i in Invitation.objects.all())
    page = animator_client.get(response["Location"])
    assert page.context["counts"]["sent"] == 2
    assert page.context["job"].status == "done"
    again = animator_client.post(url, {"segments": [segment.pk], "preview": "1"})
    assert again.context["audience"].already_invited == 2
    assert again.context["audience"].to_invite == 0


def test_an_organisations_segment_invites_their_current_staff(animator_client, animator):
    event = factories.event()
    lab = registry_factories.organisation(name="Labo Glyco", kind="academic_lab", sector="public")
    staff = registry_factories.person(organisation=lab, email="chercheuse@glyco.example")
    former = registry_factories.person(organisation=lab, email="ancien@glyco.example")
    people_services.end_affiliation(actor=None, affiliation=former.affiliations.get())
    coming = registry_factories.person(organisation=lab, email="inscrite@glyco.example")
    services.register(
        event=event,
        registrant=services.Registrant(
            given_name="", family_name=coming.family_name, email=coming.email
        ),
        organiser=True,
    )
    segment = save_segment(
        actor=animator, name="Labos", target="organisations", query={"kind": ["academic_lab"]}
    )
    url = reverse("events:invitations", args=[event.pk])
    response = animator_client.post(
        url, {"segments": [segment.pk], "people": "someone@nowhere.example", "preview": "1"}
    )
    assert "nowhere.example" in response.context["form"].errors["people"][0]
    response = animator_client.post(url, {"segments": [segment.pk], "preview": "1"})
    audience = response.context["audience"]
    assert audience.people_ids == [staff.pk]
    assert audience.already_registered == 1
    # People typed by address join the segment's, each once.
    response = animator_client.post(
        url, {"segments": [segment.pk], "people": "ANCIEN@glyco.example", "preview": "1"}
    )
    assert response.context["audience"].people_ids == sorted([staff.pk, former.pk])


def test_a_message_to_no_shows_reaches_only_them(transactional_db, animator_client):
    event = factories.event(starts_at=timezone.now() - timedelta(hours=4))
    came = register(event, 1)
    missed = [register(event, n) for n in (2, 3)]
    register(event, 4)
    services.cancel(actor=None, registration=Registration.objects.get(person__email__contains="4@"))
    services.check_in(actor=None, registration=came)
    services.close_attendance(actor=None, event=event)
    url = reverse("events:messages", args=[event.pk])
    page = animator_client.get(url)
    labels = dict(page.context["form"].fields["audience"].choices)
    assert labels["no_shows"].endswith("(2)") and labels["attendees"].endswith("(1)")
    mail.outbox.clear()
    response = animator_client.post(
        url,
        {"audience": "no_shows", "subject": "Vous nous avez manqué", "body": "Les supports…"},
    )
    assert response.status_code == 302
    message = EventMessage.objects.get()
    assert message.recipients == 2
    call_command("worker", batch=True, verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in missed)
    assert all("Vous nous avez manqué" in m.subject for m in mail.outbox)


def test_a_message_needs_someone_to_reach(animator_client):
    event = factories.event()
    response = animator_client.post(
        reverse("events:messages", args=[event.pk]),
        {"audience": "attendees", "subject": "Merci", "body": "Merci d'être venus"},
    )
    assert response.status_code == 400
    assert not EventMessage.objects.exists()
