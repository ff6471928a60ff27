"""Tickets, QR codes, calendar files and badges, each read back from the bytes produced."""

import re
import struct
import zlib
from datetime import UTC, datetime

import icalendar
import pytest
from django.test import override_settings
from django.utils import timezone, translation

from osmose.core.models import Commune, Departement, Region
from osmose.events import documents, services
from osmose.events.tests import factories
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db

SITE = "https://osmose.example.org"


@pytest.fixture
def tours(db) -> Commune:
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    departement = Departement.objects.create(code="37", name="Indre-et-Loire", region=region)
    return Commune.objects.create(
        insee_code="37261", name="Tours", departement=departement, postcodes=["37000"]
    )


@pytest.fixture
def event(tours):
    return factories.event(
        title_fr="Afterwork bioproduction",
        title_en="Bioproduction Afterwork",
        description_fr="Rencontres entre laboratoires et industriels.",
        starts_at=datetime(2031, 5, 15, 16, 30, tzinfo=UTC),
        ends_at=datetime(2031, 5, 15, 19, 0, tzinfo=UTC),
        venue="Mame",
        street="49 boulevard Preuilly",
        commune=tours,
        capacity=200,
    )


def register(event, number=None, **kwargs):
    return services.register(
        event=event, registrant=factories.registrant(number, **kwargs.pop("who", {})), **kwargs
    ).registration


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (WeasyPrint packs page objects in them)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_objects(pdf)))


def parse(ics: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


# --- Ticket payload and QR codes --------------------------------------------------------------


def test_the_qr_payload_is_the_prefix_and_the_token(event):
    registration = register(event, 1)
    payload = documents.ticket_payload(registration)
    assert payload == f"OSMOSE-TICKET:{registration.token}"
    assert documents.parse_ticket_payload(payload) == registration.token


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("OSMOSE-TICKET:AbC_d-12345678", "AbC_d-12345678"),
        ("  osmose-ticket:AbC_d-12345678\n", "AbC_d-12345678"),
        ("https://osmose.example.org/tickets/AbC_d-12345678/", "AbC_d-12345678"),
        ("https://osmose.example.org/en/tickets/AbC_d-12345678/ticket.pdf", "AbC_d-12345678"),
        ("/tickets/AbC_d-12345678", "AbC_d-12345678"),
        ("Martin", None),
        ("AbC_d-12345678", None),
        ("", None),
        ("OSMOSE-TICKET:", None),
        ("OSMOSE-TICKET:bad token with spaces", None),
        ("https://osmose.example.org/events/12/", None),
    ],
)
def test_it_reads_a_token_from_a_scan_or_a_link(text, token):
    assert documents.parse_ticket_payload(text) == token


def test_the_qr_svg_is_deterministic_and_has_the_size_of_a_version_3_code(event):
    registration = register(event, 1)
    payload = documents.ticket_payload(registration)
    svg = documents.qr_svg(payload)
    assert svg == documents.qr_svg(payload)
    assert svg != documents.qr_svg(documents.ticket_payload(register(event, 2)))
    # 38 characters at level M need a version 3 symbol: 29 modules, plus 4 of border each side.
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 37 37"')
    assert "<?xml" not in svg


def test_the_qr_png_is_a_png_of_8_pixels_per_module(event):
    png = documents.qr_png(documents.ticket_payload(register(event, 1)))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == height == 37 * 8


# --- Calendar files ---------------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_the_event_ics_has_the_times_place_and_link(event):
    with translation.override("fr"):
        calendar = parse(documents.event_ics(event))
    (vevent,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "PUBLISH"
    assert vevent.decoded("dtstart") == datetime(2031, 5, 15, 16, 30, tzinfo=UTC)
    assert vevent.decoded("dtend") == datetime(2031, 5, 15, 19, 0, tzinfo=UTC)
    assert str(vevent["summary"]) == "Afterwork bioproduction"
    assert str(vevent["location"]) == "Mame, 49 boulevard Preuilly, Tours"
    assert str(vevent["url"]) == f"{SITE}/events/{event.pk}/"
    assert "Rencontres entre laboratoires" in str(vevent["description"])
    assert str(vevent["uid"]) == f"event-{event.pk}@osmose.example.org"
    assert str(vevent["status"]) == "CONFIRMED"


def test_the_uid_is_stable_and_shared_by_every_file_of_the_event(event):
    registration = register(event, 1)
    uids = {
        str(parse(ics).walk("VEVENT")[0]["uid"])
        for ics in (
            documents.event_ics(event),
            documents.event_ics(event),
            documents.registration_ics(registration),
            documents.calendar_feed_ics([event]),
        )
    }
    assert uids == {documents.event_uid(event)}


@override_settings(SITE_URL=SITE)
def test_the_registration_ics_names_the_attendee_in_their_language(event):
    registration = register(
        event, 1, language="en", who={"given_name": "Zoé", "family_name": "Lefèvre"}
    )
    with translation.override("fr"):
        (vevent,) = parse(documents.registration_ics(registration)).walk("VEVENT")
    assert str(vevent["summary"]) == "Bioproduction Afterwork"
    attendee = vevent["attendee"]
    assert str(attendee) == f"mailto:{registration.person.email}"
    assert attendee.params["CN"] == "Zoé Lefèvre"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert f"{SITE}/tickets/{registration.token}/" in str(vevent["description"])
    assert vevent.decoded("dtstart") == event.starts_at


def test_a_cancelled_registration_gives_a_cancelled_event(event):
    registration = register(event, 1)
    services.cancel(actor=None, registration=registration)
    registration.refresh_from_db()
    (vevent,) = parse(documents.registration_ics(registration)).walk("VEVENT")
    assert str(vevent["status"]) == "CANCELLED"
    assert vevent["attendee"].params["PARTSTAT"] == "DECLINED"


def test_the_feed_holds_one_vevent_per_event(event):
    other = factories.event(title_fr="Formation GMP", kind="training")
    online = factories.event(title_fr="Webinaire", online_url="https://visio.example.org/abc")
    with override_settings(OSMOSE_NETWORK_NAME="Biopharma CVL"), translation.override("en"):
        calendar = parse(documents.calendar_feed_ics([event, other, online]))
    assert str(calendar["x-wr-calname"]) == "Biopharma CVL — events"
    summaries = [str(v["summary"]) for v in calendar.walk("VEVENT")]
    assert summaries == ["Bioproduction Afterwork", "Formation GMP", "Webinaire"]
    assert str(calendar.walk("VEVENT")[2]["location"]) == "https://visio.example.org/abc"
    assert len({str(v["uid"]) for v in calendar.walk("VEVENT")}) == 3


# --- PDFs ------------------------------------------------------------------------------------


def test_the_ticket_pdf_is_one_page(event):
    organisation = registry_factories.organisation(name="Lab Tours")
    registration = register(event, 1, who={"organisation_id": organisation.pk})
    pdf = documents.ticket_pdf(registration)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    assert documents.organisation_label(registration) == "Lab Tours"


def test_an_unconfirmed_ticket_still_prints(event):
    small = factories.event(capacity=1)
    register(small, 1)
    waiting = register(small, 2)
    assert waiting.status == "waitlisted"
    assert page_count(documents.ticket_pdf(waiting)) == 1


def test_17_badges_fill_3_sheets_of_8():
    event = factories.event(capacity=None)
    registrations = [register(event, n) for n in range(17)]
    pdf = documents.badges_pdf(registrations)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 3


def test_single_badges_take_one_page_each_whatever_their_length():
    event = factories.event(capacity=None)
    registrations = [
        register(event, 1),
        register(
            event,
            2,
            who={
                "given_name": "Marie-Charlotte-Éléonore",
                "family_name": "de La Rochefoucauld-Montmorency-Laval",
                "organisation_name": "Institut national de la santé et de la recherche médicale "
                "— Unité mixte de recherche en bioproduction et biothérapies",
            },
        ),
        register(event, 3),
    ]
    meetings = {registrations[0].pk: [f"{9 + n}:00 · table {n}" for n in range(12)]}
    pdf = documents.badges_pdf(registrations, layout="single", extra_lines=meetings)
    assert page_count(pdf) == 3
    # On a sheet, overflowing text must not push a badge onto another page either.
    assert page_count(documents.badges_pdf(registrations, extra_lines=meetings)) == 1


def test_no_badges_is_one_empty_sheet():
    assert page_count(documents.badges_pdf([])) == 1


def test_an_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="layout"):
        documents.badges_pdf([], layout="poster")


def test_the_ticket_shows_paris_time_in_the_registrants_language(event):
    organisation = registry_factories.organisation(name="Lab Tours")
    registration = register(
        event, 1, language="en", who={"given_name": "Zoé", "organisation_id": organisation.pk}
    )
    with timezone.override("UTC"), translation.override("fr"):
        html = documents.ticket_html(registration)
    # 16:30 UTC in May is 18:30 in Paris (summer time).
    assert "Thursday 15 May 2031, 18:30–21:00" in html
    assert "Bioproduction Afterwork" in html
    assert "Zoé" in html and "Lab Tours" in html
    assert documents.ticket_short_code(registration) in html
    assert "data:image/svg+xml;base64," in html
    assert "not valid for entry" not in html


def test_the_b2b_lines_are_printed_on_the_right_badge():
    event = factories.event(capacity=None)
    first, second = register(event, 1), register(event, 2)
    html = documents.badges_html(
        [first, second], extra_lines={second.pk: ["10:00 · table 4 · Acme"]}
    )
    assert html.count("10:00 · table 4 · Acme") == 1
    assert html.index(second.person.family_name) < html.index("10:00 · table 4 · Acme")
    assert html.index(first.person.family_name) < html.index(second.person.family_name)
