"""The grid for the room as a PDF: A4 landscape pages of ten tables, read back as text."""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from pypdf import PdfReader

from osmose.events import services as event_services
from osmose.events.tests import factories
from osmose.matchmaking import scheduling, services
from osmose.matchmaking.models import Meeting

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def pdf_text(data: bytes) -> str:
    """The text of every page, read back with pypdf."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(autouse=True)
def english(animator_client, settings):
    animator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_grid_pdf_shows_each_meeting_at_its_table_and_time(animator_client):
    event = factories.event(
        title_fr="Rencontres d'affaires",
        title_en="Business meetings",
        starts_at=datetime(2030, 6, 12, 6, tzinfo=UTC),
        ends_at=datetime(2030, 6, 12, 16, tzinfo=UTC),
    )
    brokerage = services.enable(event, table_count=12, table_names=["Loire", "Cher"])
    services.set_sessions(
        brokerage,
        [
            (
                "Morning",
                datetime(2030, 6, 12, 9, tzinfo=PARIS),
                datetime(2030, 6, 12, 10, tzinfo=PARIS),
            )
        ],
    )
    people = []
    for number, (name, organisation) in enumerate(
        [("Inès", "BioStart"), ("Zoé", "Pharma Tours"), ("Hugo", "Labo Glyco"), ("Léa", "")]
    ):
        registrant = factories.registrant(
            number, given_name=name, family_name="Durand", organisation_name=organisation
        )
        registration = event_services.register(
            event=event, registrant=registrant, organiser=True, notify=False
        ).registration
        people.append(services.join(registration))
    services.add_meeting(brokerage, people[:2], fixed_slot=2)
    services.add_meeting(brokerage, people[2:], fixed_slot=3)
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    assert Meeting.objects.filter(slot__isnull=False).count() == 2

    response = animator_client.get(reverse("matchmaking:grid_pdf", args=[event.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="event-{event.pk}-b2b-grid.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for shown in (
        "Business meetings",
        "Inès Durand", "BioStart", "Zoé Durand", "Pharma Tours", "Hugo Durand", "Labo Glyco",
        "Léa Durand",
        "Loire", "Cher", "Table 10", "Table 11", "Table 12",
        "09:00–09:20", "09:40–10:00", "Morning",
        "1 / 2", "2 / 2",  # twelve tables: two pages of ten
    ):  # fmt: skip
        assert shown in text, shown
    assert "10:00–10:20" not in text
