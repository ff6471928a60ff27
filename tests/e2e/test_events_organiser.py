"""The organiser's pages on the demo's year of events: each one readable, keyboard-usable and
axe-clean, in French then in English."""

import random
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from osmose.core.demo import DEMO_SEED, DemoContext
from osmose.events import demo
from osmose.events.models import Event, EventKind, EventStatus
from osmose.events.tests.test_demo import small_registry
from tests.e2e.conftest import check_accessibility, log_in


def test_the_organiser_pages_of_a_year_of_events(page: Page, live_server, transactional_db):
    registry = small_registry()
    now = timezone.now()
    demo.run(
        DemoContext(
            rng=random.Random(DEMO_SEED), now=now, shared={"users": registry["users"]}, log=print
        )
    )
    animator = registry["users"]["animator"]
    animator.set_password("correct horse battery staple")
    animator.save()
    base = live_server.url
    log_in(page, base, animator.email)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Événements"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, "events-manage-list")

    congress = Event.objects.filter(kind=EventKind.CONGRESS, starts_at__gt=now).first()
    assert congress is not None
    page.goto(f"{base}/manage/events/{congress.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(congress.title_fr)
    check_accessibility(page, "events-manage-detail")
    for tab, name in [
        ("registrations", "events-manage-registrations"),
        ("sessions", "events-manage-sessions"),
        ("questions", "events-manage-questions"),
        ("invitations", "events-manage-invitations"),
        ("messages", "events-manage-messages"),
    ]:
        page.goto(f"{base}/manage/events/{congress.pk}/{tab}/")
        check_accessibility(page, name)

    past = (
        Event.objects.filter(kind=EventKind.AFTERWORK, ends_at__lt=now)
        .exclude(status=EventStatus.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    assert past is not None
    page.goto(f"{base}/manage/events/{past.pk}/analytics/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    check_accessibility(page, "events-analytics")
    page.goto(f"{base}/manage/events/analytics/")
    check_accessibility(page, "events-analytics-overview")

    with page.expect_download() as download:
        page.goto(f"{base}/manage/events/{past.pk}/registrations/")
        page.get_by_role("link", name=re.compile("XLSX")).click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.get_by_role("button", name="English").click()
    page.goto(f"{base}/events/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Events|Calendar"))
    check_accessibility(page, "events-calendar-en")
    page.goto(f"{base}/events/{congress.pk}/")
    check_accessibility(page, "events-page-en")
