"""The animator's registry: search, open an organisation, merge a duplicate, undo it."""

import re

from playwright.sync_api import Page, expect

from osmose.accounts.models import Role
from osmose.registry.models import Organisation
from osmose.registry.tests import factories
from tests.e2e.conftest import check_accessibility, log_in, make_user


def test_search_then_organisation_page_then_merge(page: Page, live_server, transactional_db):
    survivor = factories.organisation(
        name="BioProcédés Loire",
        siren="732829320",
        description_fr="Thérapie génique et bioproduction",
        postcode="37000",
        city="Tours",
    )
    duplicate = factories.organisation(
        name="BIOPROCEDES LOIRE SAS", siren="732829320", website="https://bioprocedes.example"
    )
    factories.person(given_name="Inès", family_name="Lefèvre", organisation=duplicate)
    factories.organisation(name="Vaccins du Cher", kind="startup")
    animator = make_user(Role.ANIMATOR)
    log_in(page, live_server.url, animator.email)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Annuaire"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuaire")
    check_accessibility(page, "directory")
    page.get_by_role("searchbox").fill("therapie genique")
    expect(page.get_by_role("heading", name="1 résultat")).to_be_visible()
    assert "q=therapie" in page.url  # the URL follows the search (shareable)
    page.get_by_role("link", name="BioProcédés Loire").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("BioProcédés Loire")
    quality = page.get_by_role("region", name=re.compile("Qualité des données"))
    expect(quality).to_contain_text("BIOPROCEDES LOIRE SAS")
    check_accessibility(page, "organisation")
    quality.get_by_role("link", name="Comparer et fusionner").click()

    check_accessibility(page, "merge")
    page.get_by_role("row", name=re.compile("Site web")).get_by_role("radio").nth(1).check()
    page.get_by_role("button", name="Fusionner").click()
    expect(page.get_by_role("status")).to_contain_text("fusionné")
    expect(page.get_by_role("region", name="Personnes")).to_contain_text("Inès Lefèvre")
    survivor.refresh_from_db()
    assert survivor.website == "https://bioprocedes.example"
    assert Organisation.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk

    page.get_by_role("button", name="Annuler cette fusion").click()
    expect(page.get_by_role("status")).to_contain_text("annulée")
    assert Organisation.objects.get(pk=duplicate.pk).merged_into_id is None
    check_accessibility(page, "organisation-after-undo")


def test_the_directory_facets_work_with_the_keyboard(page: Page, live_server, transactional_db):
    factories.organisation(name="Startup A", kind="startup")
    factories.organisation(name="Entreprise B", kind="company")
    animator = make_user(Role.ANIMATOR)
    log_in(page, live_server.url, animator.email)
    page.goto(f"{live_server.url}/directory/")
    checkbox = page.get_by_role("checkbox", name=re.compile("Startup"))
    checkbox.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="1 résultat")).to_be_visible()
    expect(page.get_by_role("link", name="Startup A")).to_be_visible()
    assert "kind=startup" in page.url
