"""Ventures feed the registry's organisation and person timelines."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from osmose.pipeline import services
from osmose.pipeline.models import Stage
from osmose.pipeline.timeline import ventures_timeline
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(animator_client, settings):
    animator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def created():
    """NanoVax: from the ICOA lab, became NanoVax SAS, funded by Loire Amorçage."""
    lab = factories.organisation(name="Laboratoire ICOA", kind="academic_lab", sector="public")
    company = factories.organisation(
        name="NanoVax SAS", kind="startup", siren="732829320", founded_on=date(2025, 5, 20)
    )
    fund = factories.organisation(name="Loire Amorçage", kind="investor")
    venture = services.create_venture(
        actor=None, values={"name": "NanoVax", "origin": lab}, on=date(2025, 1, 10)
    )
    services.move_to_stage(actor=None, venture=venture, stage=Stage.MATURATION, on=date(2025, 3, 1))
    services.move_to_stage(
        actor=None, venture=venture, stage=Stage.COMPANY_CREATED, on=date(2025, 6, 1),
        company=company,
    )  # fmt: skip
    services.add_round(
        actor=None, venture=venture, on=date(2025, 9, 1), instrument="equity",
        amount=Decimal("200000"), investors=[fund],
    )  # fmt: skip
    return venture, lab, company, fund


def test_the_venture_appears_on_its_company_organisation_page(created, animator_client):
    venture, _lab, company, _fund = created
    html = animator_client.get(reverse("registry:organisation", args=[company.pk])).content.decode()
    assert "Venture NanoVax becomes this company" in html
    assert reverse("pipeline:venture", args=[venture.pk]) in html


def test_the_origin_and_the_investor_see_the_venture_too(created):
    _venture, lab, _company, fund = created
    [origin] = ventures_timeline(lab, [])
    assert (origin.when, origin.title) == (date(2025, 1, 10), "Venture NanoVax starts here")
    [invests] = ventures_timeline(fund, [])
    assert (invests.when, invests.title) == (date(2025, 9, 1), "Invests in NanoVax (Equity)")
    assert ventures_timeline(factories.organisation(), []) == []


def test_a_licensee_sees_the_licence(created):
    lab = created[1]
    licensee = factories.organisation(name="Pharma Ouest", kind="company")
    venture = services.create_venture(
        actor=None, values={"name": "Cardiolis", "origin": lab}, on=date(2025, 1, 1)
    )
    services.move_to_stage(actor=None, venture=venture, stage=Stage.MATURATION, on=date(2025, 2, 1))
    services.move_to_stage(
        actor=None, venture=venture, stage=Stage.LICENSED, on=date(2025, 4, 1), licensee=licensee
    )
    [item] = ventures_timeline(licensee, [])
    assert (item.when, item.title) == (date(2025, 4, 1), "Takes a licence of venture Cardiolis")


def test_a_team_member_sees_the_venture_on_their_page(created, animator_client):
    venture = created[0]
    person = factories.person(given_name="Inès", family_name="Morel")
    services.add_team_member(
        actor=None, venture=venture, person=person, role="founder", since=date(2025, 2, 1)
    )
    html = animator_client.get(reverse("registry:person", args=[person.pk])).content.decode()
    assert "Founder of venture NanoVax" in html
