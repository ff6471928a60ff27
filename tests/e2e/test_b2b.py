"""A brokerage event, in French and in English, as its people live it:
offers → a meeting request → accepted → the organiser runs the scheduler → publishes → the
agenda (page, e-mail, .ics) → the badges and the room's grid as PDF.
"""

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from osmose.accounts.models import Role
from osmose.core.models import Term, Vocabulary
from osmose.events import services as event_services
from osmose.events.models import Event, Registration
from osmose.events.tests import factories
from osmose.matchmaking import services
from osmose.matchmaking.models import Meeting
from osmose.registry.tests import factories as registry_factories
from tests.e2e.conftest import check_accessibility, make_user
from tests.e2e.test_events import log_in, watched

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "locale": "fr-FR",
        "email": "Adresse e-mail",
        "password": "Mot de passe",
        "log_in": "Se connecter",
        "my_b2b": "Mes rendez-vous B2B",
        "join": "Rejoindre les rendez-vous B2B",
        "add_offer": "Ajouter une offre",
        "title": "Titre",
        "category": "Catégorie",
        "terms": "Termes de taxonomie",
        "save": "Enregistrer",
        "browse": "Parcourir les participants",
        "request": "Demander un rendez-vous",
        "message": "Message",
        "must_meet": "Rencontre indispensable",
        "requests": "Répondre aux demandes",
        "accept": "Accepter",
        "run": "Lancer le planificateur",
        "publish": "Publier le planning et envoyer les agendas",
        "agenda": "Mon agenda",
        "ics": "Ajouter à mon agenda (.ics)",
        "agenda_subject": "Vos rendez-vous B2B",
        "proved": "Optimalité prouvée",
    },
    "en": {
        "locale": "en-GB",
        "email": "E-mail address",
        "password": "Password",
        "log_in": "Log in",
        "my_b2b": "My B2B meetings",
        "join": "Join the B2B meetings",
        "add_offer": "Add an offer",
        "title": "Title",
        "category": "Category",
        "terms": "Taxonomy terms",
        "save": "Save",
        "browse": "Browse the participants",
        "request": "Request a meeting",
        "message": "Message",
        "must_meet": "Must meet",
        "requests": "Answer the requests",
        "accept": "Accept",
        "run": "Run the scheduler",
        "publish": "Publish the schedule and send the agendas",
        "agenda": "My agenda",
        "ics": "Add to my calendar (.ics)",
        "agenda_subject": "Your B2B meetings",
        "proved": "Proved optimal",
    },
}


@pytest.fixture
def congress(transactional_db) -> dict[str, Any]:
    """A congress with B2B meetings; Claire (a lab) and Marc (a company) are registered."""
    vocabulary = Vocabulary.objects.create(slug="services", name_fr="Services", name_en="Services")
    Term.objects.create(
        vocabulary=vocabulary,
        slug="bioproduction",
        name_fr="Bioproduction",
        name_en="Bioproduction",
    )
    starts_at = (timezone.now() + timedelta(days=30)).replace(hour=7, minute=0, second=0)
    event: Event = factories.event(
        kind="congress",
        title_fr="Congrès Biomédicaments",
        title_en="Biomedicines Congress",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=10),
    )
    brokerage = services.enable(event, table_count=3, max_meetings=4)
    services.set_sessions(brokerage, [("Matin", starts_at, starts_at + timedelta(hours=2))])
    lab = registry_factories.organisation(name="Laboratoire Fontaine", kind="academic_lab",
                                          sector="public")  # fmt: skip
    company = registry_factories.organisation(name="BioProd SAS")
    people = {}
    for key, given, family, organisation in (
        ("claire", "Claire", "Fontaine", lab),
        ("marc", "Marc", "Durand", company),
    ):
        people[key] = event_services.register(
            event=event,
            registrant=factories.registrant(
                given_name=given,
                family_name=family,
                email=f"{given.lower()}@{key}.example",
                organisation_id=organisation.pk,
                organisation_name=organisation.name,
            ),
            notify=False,
            organiser=True,
        ).registration
    marc = services.join(people["marc"], headline="Nous cherchons un partenaire académique")
    services.save_offer(
        marc, kind="request", category="service", title="Analyses de bioproduction",
        terms=Term.objects.all(),
    )  # fmt: skip
    return {"event": event, "brokerage": brokerage, **people}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_offer_request_accept_schedule_agenda_badge_and_grid(
    browser: Browser, live_server, congress: dict[str, Any], settings, language: str
):
    text = TEXT[language]
    base = live_server.url
    settings.SITE_URL = base
    event, claire, marc = congress["event"], congress["claire"], congress["marc"]
    # They registered in the test's language: their e-mails are written in it.
    Registration.objects.filter(event=event).update(language=language)

    # Claire opens her ticket, joins the B2B meetings and publishes what she offers.
    guest = browser.new_context(locale=text["locale"]).new_page()
    problems = watched(guest)
    guest.goto(f"{base}/tickets/{claire.token}/")
    guest.get_by_role("link", name=text["my_b2b"]).click()
    guest.get_by_role("button", name=text["join"]).click()
    check_accessibility(guest, f"b2b-profile-{language}")
    guest.get_by_role("link", name=text["add_offer"]).click()
    guest.get_by_label(text["title"]).fill("Plateforme de bioproduction")
    guest.get_by_label(text["category"]).select_option("service")
    guest.get_by_label(text["terms"]).select_option(label="Bioproduction")
    check_accessibility(guest, f"b2b-offer-{language}")
    guest.get_by_role("button", name=text["save"]).click()

    # She finds Marc among the participants (he looks for what she offers) and asks to meet.
    guest.goto(f"{base}/b2b/{claire.token}/")
    guest.get_by_role("link", name=text["browse"]).click()
    expect(guest.get_by_text("Nous cherchons un partenaire académique").first).to_be_visible()
    check_accessibility(guest, f"b2b-marketplace-{language}")
    guest.get_by_role("link", name=re.compile(text["request"])).first.click()
    guest.get_by_label(text["message"]).fill("Parlons de vos analyses")
    guest.get_by_label(text["must_meet"]).check()
    check_accessibility(guest, f"b2b-detail-{language}")
    guest.get_by_role("button", name=text["request"]).click()
    [request_email] = [m for m in mail.outbox if m.to == ["marc@marc.example"]]
    assert "Claire Fontaine" in request_email.body

    # Marc answers from his space.
    host = browser.new_context(locale=text["locale"]).new_page()
    problems += watched(host)
    host.goto(f"{base}/b2b/{marc.token}/")
    host.get_by_role("link", name=text["requests"]).click()
    expect(host.get_by_text("Parlons de vos analyses")).to_be_visible()
    check_accessibility(host, f"b2b-requests-{language}")
    host.get_by_role("button", name=re.compile(f"^{text['accept']}")).click()
    meeting = Meeting.objects.get()
    assert {p.registration for p in meeting.participants.all()} == {claire, marc}

    # The organiser runs the scheduler (a background job), reads the grid and publishes.
    animator = make_user(Role.ANIMATOR)
    organiser = browser.new_context(locale=text["locale"]).new_page()
    problems += watched(organiser)
    log_in(organiser, base, animator.email, text)
    organiser.goto(f"{base}/manage/events/{event.pk}/b2b/schedule/")
    organiser.get_by_role("button", name=text["run"]).click()
    call_command("worker", batch=True, verbosity=0)
    organiser.goto(f"{base}/manage/events/{event.pk}/b2b/schedule/")
    expect(organiser.get_by_text(text["proved"]).first).to_be_visible()
    grid = organiser.locator("table").filter(has_text="Claire Fontaine").first
    expect(grid).to_contain_text("Marc Durand")
    check_accessibility(organiser, f"b2b-schedule-{language}")
    organiser.get_by_role("button", name=text["publish"]).click()
    call_command("worker", batch=True, verbosity=0)
    agenda_emails = [m for m in mail.outbox if text["agenda_subject"] in m.subject]
    assert sorted(m.to[0] for m in agenda_emails) == ["claire@claire.example", "marc@marc.example"]

    # Claire's agenda: the time, the table and Marc; the calendar file says the same.
    meeting.refresh_from_db()
    assert meeting.slot and meeting.table
    guest.goto(f"{base}/b2b/{claire.token}/")
    guest.get_by_role("link", name=text["agenda"]).first.click()
    expect(guest.get_by_text("Marc Durand").first).to_be_visible()
    check_accessibility(guest, f"b2b-agenda-{language}")
    with guest.expect_download() as download:
        guest.get_by_role("link", name=text["ics"]).click()
    calendar = Calendar.from_ical(download.value.path().read_bytes())
    [entry] = list(calendar.walk("VEVENT"))
    assert "Marc Durand" in str(entry["SUMMARY"])

    # The badges print the meeting; the grid for the room shows it at its table.
    badges = organiser.request.get(f"{base}/manage/events/{event.pk}/badges.pdf")
    assert "Marc Durand" in pdf_text(badges.body()).replace("\n", " ")
    grid_pdf = organiser.request.get(f"{base}/manage/events/{event.pk}/b2b/grid.pdf")
    text_of_grid = pdf_text(grid_pdf.body())
    assert "Claire Fontaine" in text_of_grid and "Marc Durand" in text_of_grid
    assert problems == []
