"""A newcomer's first steps: the landing page, each role's login and dashboard, both languages."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from osmose.accounts.models import Role
from osmose.events.models import Event, EventKind, EventStatus
from osmose.registry.models import Organisation, OrganisationKind, Sector
from tests.e2e.conftest import check_accessibility, log_in, make_user


@pytest.fixture
def ecosystem(transactional_db):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    Organisation.objects.create(
        name="BioProcédés Loire", kind=OrganisationKind.COMPANY, sector=Sector.PRIVATE
    )
    Organisation.objects.create(
        name="Unité de glycobiologie", kind=OrganisationKind.ACADEMIC_LAB, sector=Sector.PUBLIC
    )
    Event.objects.create(
        kind=EventKind.AFTERWORK,
        title_fr="Afterwork bioproduction",
        title_en="Bioproduction Afterwork",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=3),
        status=EventStatus.PUBLISHED,
    )


def test_the_landing_page_reads_in_french_then_in_english(page: Page, live_server, ecosystem):
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Événements à venir")).to_be_visible()
    expect(page.get_by_text("Afterwork bioproduction")).to_be_visible()
    check_accessibility(page, "home-fr")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Upcoming events")).to_be_visible()
    expect(page.get_by_text("Bioproduction Afterwork")).to_be_visible()
    check_accessibility(page, "home-en")


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        (Role.ANIMATOR, "Tableau de bord"),
        (Role.ADMIN, "Tableau de bord"),
        (Role.MEMBER, "Mon espace"),
        (Role.FUNDER, "Vue d'ensemble du programme"),
    ],
)
def test_each_role_logs_in_and_lands_on_its_dashboard(
    page: Page, live_server, ecosystem, role, heading
):
    user = make_user(role)
    log_in(page, live_server.url, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_accessibility(page, f"dashboard-{role.value}")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


def test_the_animator_dashboard_shows_the_database_figures(page: Page, live_server, ecosystem):
    animator = make_user(Role.ANIMATOR)
    log_in(page, live_server.url, animator.email)
    figure = page.locator(".figure", has_text="Organisations actives")
    expect(figure.locator("dd").first).to_have_text("2")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_contain_text("Annuaire")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    check_accessibility(page, "dashboard-animator-en")


def test_a_member_logs_in_with_a_code_received_by_email(page: Page, live_server, ecosystem):
    member = make_user(Role.MEMBER)
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name=re.compile("code")).click()
    page.get_by_label("Adresse e-mail").fill(member.email)
    check_accessibility(page, "login-code-request")
    page.get_by_role("button", name="Recevoir un code").click()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label(re.compile("code")).fill(code)
    check_accessibility(page, "login-code-enter")
    page.get_by_role("button", name="Se connecter").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")


def test_the_pages_work_with_the_keyboard_alone(page: Page, live_server, ecosystem):
    animator = make_user(Role.ANIMATOR)
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_label("Adresse e-mail")).to_be_focused()  # autofocus
    page.keyboard.type(animator.email)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    check_accessibility(page, "login-keyboard")


def test_the_dashboard_fits_a_phone_screen(page: Page, live_server, ecosystem):
    page.set_viewport_size({"width": 375, "height": 740})
    animator = make_user(Role.ANIMATOR)
    log_in(page, live_server.url, animator.email)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    check_accessibility(page, "dashboard-phone")


def test_the_account_page_creates_an_api_token(page: Page, live_server, ecosystem):
    member = make_user(Role.MEMBER)
    log_in(page, live_server.url, member.email)
    page.get_by_role("link", name="Mon compte").click()
    check_accessibility(page, "account")
    page.get_by_label(re.compile("jeton")).fill("mon script")
    page.get_by_role("button", name="Créer un jeton").click()
    token = page.get_by_label("Jeton").input_value()
    assert token.startswith("osm_")
    check_accessibility(page, "token-created")
    response = page.request.get(
        f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["email"] == member.email
