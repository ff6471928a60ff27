"""A venture from the idea to the created company, as the animator lives it, in French and
in English: create it → move it along → "company created" refused until the company has its
SIREN and creation date in the directory → accepted → counted in the funnel with its evidence.
"""

import re

import pytest
from playwright.sync_api import Browser, expect

from osmose.accounts.models import Role
from osmose.pipeline.models import Stage, StageChange, Venture
from osmose.registry.models import Organisation
from osmose.registry.tests import factories as registry_factories
from tests.e2e.conftest import check_accessibility, make_user
from tests.e2e.test_events import log_in, watched

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "locale": "fr-FR",
        "email": "Adresse e-mail",
        "password": "Mot de passe",
        "log_in": "Se connecter",
        "new": "Nouveau projet",
        "name": "Nom",
        "origin": "Origine (unité de recherche ou organisation)",
        "create": "Créer le projet",
        "move_to": "Passer à",
        "open_move": "Passer à…",
        "date": "Date du passage",
        "company": "Entreprise issue du projet",
        "move": "Appliquer",
        "siren_error": "SIREN",
        "siren": "SIREN",
        "founded": "Date de création",
        "save": "Enregistrer",
        "funnel": "Entonnoir",
    },
    "en": {
        "locale": "en-GB",
        "email": "E-mail address",
        "password": "Password",
        "log_in": "Log in",
        "new": "New venture",
        "name": "Name",
        "origin": "Origin (research unit or organisation)",
        "create": "Create the venture",
        "move_to": "Move to",
        "open_move": "Move to…",
        "date": "Date of the move",
        "company": "Company it became",
        "move": "Move",
        "siren_error": "SIREN",
        "siren": "SIREN",
        "founded": "Founding date",
        "save": "Save",
        "funnel": "Funnel",
    },
}


@pytest.fixture
def directory(transactional_db) -> dict[str, Organisation]:
    lab = registry_factories.organisation(
        name="Laboratoire ICOA", kind="academic_lab", sector="public"
    )
    company = registry_factories.organisation(name="NanoVax SAS", kind="startup")
    return {"lab": lab, "company": company}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_venture_from_idea_to_created_company(
    browser: Browser, live_server, directory: dict[str, Organisation], language: str
):
    text = TEXT[language]
    base = live_server.url
    animator = make_user(Role.ANIMATOR)
    page = browser.new_context(locale=text["locale"]).new_page()
    problems = watched(page)
    log_in(page, base, animator.email, text)

    # The idea, from a lab of the directory.
    page.goto(f"{base}/ventures/")
    check_accessibility(page, f"ventures-kanban-{language}")
    page.get_by_role("link", name=text["new"]).click()
    page.get_by_label(re.compile(rf"^{text['name']}\b")).fill("NanoVax")
    page.get_by_label(text["origin"]).fill("Laboratoire ICOA")
    check_accessibility(page, f"ventures-new-{language}")
    page.get_by_role("button", name=text["create"]).click()
    venture = Venture.objects.get(name="NanoVax")
    assert venture.origin == directory["lab"] and venture.stage == Stage.IDEA
    expect(page).to_have_url(re.compile(rf"/ventures/{venture.pk}/$"))

    # Maturation, then "company created": refused while the company has no SIREN.
    page.get_by_text(text["open_move"], exact=True).click()
    page.get_by_label(text["move_to"]).select_option(Stage.MATURATION.value)
    page.get_by_role("button", name=text["move"], exact=True).click()
    expect(page.get_by_text(text["open_move"], exact=True)).to_be_visible()
    page.get_by_text(text["open_move"], exact=True).click()
    page.get_by_label(text["move_to"]).select_option(Stage.COMPANY_CREATED.value)
    page.get_by_label(text["company"]).fill("NanoVax SAS")
    page.get_by_role("button", name=text["move"], exact=True).click()
    expect(page.locator(".field-error").filter(has_text=text["siren_error"]).first).to_be_visible()
    venture.refresh_from_db()
    assert venture.stage == Stage.MATURATION
    check_accessibility(page, f"ventures-refused-{language}")

    # The animator completes the company in the directory…
    company = directory["company"]
    page.goto(f"{base}/organisations/{company.pk}/edit/")
    page.get_by_label(text["siren"], exact=True).fill("732829320")
    page.get_by_label(text["founded"]).fill("2026-10-01")
    page.get_by_role("button", name=text["save"]).click()
    company.refresh_from_db()
    assert company.siren == "732829320"

    # …and the move goes through: a created startup, with its evidence in the funnel.
    page.goto(f"{base}/ventures/{venture.pk}/")
    page.get_by_text(text["open_move"], exact=True).click()
    page.get_by_label(text["move_to"]).select_option(Stage.COMPANY_CREATED.value)
    page.get_by_label(text["company"]).fill("NanoVax SAS")
    page.get_by_role("button", name=text["move"], exact=True).click()
    venture.refresh_from_db()
    assert venture.stage == Stage.COMPANY_CREATED and venture.company == company
    assert list(StageChange.objects.filter(venture=venture).values_list("to_stage", flat=True)) == [
        "idea",
        "maturation",
        "company_created",
    ]
    check_accessibility(page, f"ventures-detail-{language}")
    page.goto(f"{base}/ventures/funnel/")
    created = page.locator("table").filter(has_text="732829320")
    expect(created.first).to_contain_text("NanoVax SAS")
    check_accessibility(page, f"ventures-funnel-{language}")
    # The refused move answers 400 (the page shows why); Chromium logs that status.
    assert [p for p in problems if "status of 400" not in p] == []
    assert len(problems) <= 1
