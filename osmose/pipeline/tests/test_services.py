"""The venture's stage rules and their evidence, TRL, seed-fund deals and their conflicts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from osmose.core.models import AuditLogEntry
from osmose.pipeline import selectors, services
from osmose.pipeline.models import DealStatus, Stage, StageChange
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def lab():
    return factories.organisation(name="Laboratoire ICOA", kind="academic_lab", sector="public")


@pytest.fixture
def venture(lab):
    return services.create_venture(
        actor=None, values={"name": "NanoVax", "origin": lab}, on=date(2025, 1, 10)
    )


def move(venture, stage, on, **kwargs):
    return services.move_to_stage(actor=None, venture=venture, stage=stage, on=on, **kwargs)


def test_a_venture_starts_as_an_idea_and_moves_along_the_pipeline(venture):
    move(venture, Stage.MATURATION, date(2025, 3, 1))
    move(venture, Stage.INCUBATION, date(2025, 9, 1))
    venture.refresh_from_db()
    assert (venture.stage, venture.stage_since) == (Stage.INCUBATION, date(2025, 9, 1))
    history = list(
        StageChange.objects.filter(venture=venture).values_list("from_stage", "to_stage")
    )
    assert history == [("", "idea"), ("idea", "maturation"), ("maturation", "incubation")]
    assert AuditLogEntry.objects.filter(action="pipeline.venture.moved").count() == 2


def test_an_illegal_move_is_refused_and_changes_nothing(venture):
    with pytest.raises(ValidationError, match="cannot go from"):
        move(venture, Stage.GROWTH, date(2025, 2, 1))
    with pytest.raises(ValidationError):
        move(venture, Stage.MATURATION, date(2024, 12, 1))  # before the idea was recorded
    venture.refresh_from_db()
    assert venture.stage == Stage.IDEA
    assert StageChange.objects.filter(venture=venture).count() == 1


def test_a_company_created_needs_its_siren_and_creation_date(venture):
    move(venture, Stage.MATURATION, date(2025, 3, 1))
    company = factories.organisation(name="NanoVax SAS", kind="startup")
    with pytest.raises(ValidationError, match="SIREN"):
        move(venture, Stage.COMPANY_CREATED, date(2025, 6, 1), company=company)
    with pytest.raises(ValidationError):
        move(venture, Stage.COMPANY_CREATED, date(2025, 6, 1))
    company.siren, company.founded_on = "732829320", date(2025, 5, 20)
    company.save()
    move(venture, Stage.COMPANY_CREATED, date(2025, 6, 1), company=company)
    venture.refresh_from_db()
    assert venture.is_created and venture.company == company
    [created] = selectors.startups_created(date(2025, 1, 1), date(2025, 12, 31))
    assert (created.venture, created.on) == (venture, date(2025, 6, 1))
    assert selectors.startups_created(date(2026, 1, 1), None) == []


def test_first_funding_needs_a_round_and_stopped_a_reason(venture):
    move(venture, Stage.MATURATION, date(2025, 3, 1))
    company = factories.organisation(siren="732829320", founded_on=date(2025, 5, 1))
    move(venture, Stage.COMPANY_CREATED, date(2025, 6, 1), company=company)
    with pytest.raises(ValidationError, match="round"):
        move(venture, Stage.FIRST_FUNDING, date(2025, 7, 1))
    services.add_round(
        actor=None, venture=venture, on=date(2025, 7, 1), instrument="grant",
        amount=Decimal("30000"),
    )  # fmt: skip
    move(venture, Stage.FIRST_FUNDING, date(2025, 7, 2))
    with pytest.raises(ValidationError, match="why"):
        move(venture, Stage.STOPPED, date(2025, 8, 1))
    move(venture, Stage.STOPPED, date(2025, 8, 1), reason="Pas de marché")
    venture.refresh_from_db()
    assert venture.stopped_reason == "Pas de marché"


def test_licensed_needs_the_licensee(venture):
    move(venture, Stage.MATURATION, date(2025, 3, 1))
    with pytest.raises(ValidationError):
        move(venture, Stage.LICENSED, date(2025, 4, 1))
    licensee = factories.organisation(name="Pharma SA")
    move(venture, Stage.LICENSED, date(2025, 4, 1), licensee=licensee)
    venture.refresh_from_db()
    assert venture.licensee == licensee and not venture.is_created


def test_trl_keeps_its_history_and_the_latest_level(venture):
    services.record_trl(actor=None, venture=venture, level=3, on=date(2025, 1, 1))
    services.record_trl(actor=None, venture=venture, level=5, on=date(2025, 6, 1))
    with pytest.raises(ValidationError):
        services.record_trl(actor=None, venture=venture, level=10, on=date(2025, 7, 1))
    venture.refresh_from_db()
    assert venture.trl == 5
    assert list(venture.trl_records.values_list("level", flat=True)) == [3, 5]


def test_the_funnel_counts_each_step_and_its_conversion(lab):
    ventures = [
        services.create_venture(actor=None, values={"name": f"V{i}"}, on=date(2025, 1, 1))
        for i in range(4)
    ]
    for index, venture in enumerate(ventures[:2]):
        move(venture, Stage.MATURATION, date(2025, 2, 1))
        company = factories.organisation(siren="732829320", founded_on=date(2025, 3, 1))
        move(venture, Stage.COMPANY_CREATED, date(2025, 3, 2), company=company)
        if index == 0:
            services.add_round(actor=None, venture=venture, on=date(2025, 4, 1),
                               instrument="equity", amount=Decimal("100000"))  # fmt: skip
            move(venture, Stage.FIRST_FUNDING, date(2025, 4, 2))
    steps = selectors.funnel(date(2025, 1, 1), date(2025, 12, 31))
    assert [(str(s.stage), s.count, s.rate) for s in steps] == [
        ("idea", 4, None),
        ("company_created", 2, 0.5),
        ("first_funding", 1, 0.5),
    ]


def test_an_investment_records_the_round_and_a_conflict_is_flagged(venture):
    fund = factories.organisation(name="Fonds d'amorçage", kind="investor")
    partner = factories.person(given_name="Irène", organisation=fund)
    other = factories.person(given_name="Paul", organisation=fund)
    services.add_team_member(actor=None, venture=venture, person=partner, role="mentor")
    deal = services.propose_deal(actor=None, venture=venture, fund=fund, on=date(2025, 2, 1))
    assert services.conflicts_of_interest(deal) == [partner]
    assert other not in services.conflicts_of_interest(deal)
    with pytest.raises(ValidationError):
        services.move_deal(actor=None, deal=deal, status=DealStatus.INVESTED)
    for status in (DealStatus.UNDER_REVIEW, DealStatus.COMMITTEE):
        services.move_deal(actor=None, deal=deal, status=status, on=date(2025, 3, 1))
    with pytest.raises(ValidationError, match="amount"):
        services.move_deal(actor=None, deal=deal, status=DealStatus.INVESTED)
    services.move_deal(
        actor=None, deal=deal, status=DealStatus.INVESTED, on=date(2025, 4, 1),
        amount=Decimal("200000"),
    )  # fmt: skip
    deal.refresh_from_db()
    assert deal.funding_round is not None
    assert list(deal.funding_round.investors.all()) == [fund]
    assert deal.funding_round.amount == Decimal("200000")
    follow_on = services.propose_deal(actor=None, venture=venture, fund=fund, follow_on_of=deal)
    assert follow_on.follow_on_of == deal


def test_a_conflict_through_the_origin_lab(venture, lab):
    fund = factories.organisation(name="Business angels", kind="investor")
    researcher = factories.person(given_name="Hélène", organisation=lab)
    from osmose.registry.services.people import add_affiliation

    add_affiliation(actor=None, person=researcher, organisation=fund)
    deal = services.propose_deal(actor=None, venture=venture, fund=fund)
    assert services.conflicts_of_interest(deal) == [researcher]


def _created(venture, on, siren="732829320", founded=None):
    company = factories.organisation(siren=siren, founded_on=founded or on)
    move(venture, Stage.MATURATION, on)
    return move(venture, Stage.COMPANY_CREATED, on, company=company)


def test_the_funnel_counts_each_step_in_the_year_it_happened():
    venture = services.create_venture(actor=None, values={"name": "V"}, on=date(2024, 1, 5))
    _created(venture, date(2024, 6, 1))
    services.add_round(actor=None, venture=venture, on=date(2025, 2, 1), instrument="loan",
                       amount=Decimal("50000"))  # fmt: skip
    move(venture, Stage.FIRST_FUNDING, date(2025, 2, 2))
    years = dict(selectors.funnel_by_year(2024, 2025))
    assert [s.count for s in years[2024]] == [1, 1, 0]
    assert [s.count for s in years[2025]] == [0, 0, 1]
    assert selectors.created_count(date(2025, 1, 1), date(2025, 12, 31)) == 0


def test_growth_needs_a_round_too(venture):
    _created(venture, date(2025, 6, 1))
    with pytest.raises(ValidationError, match="round"):
        move(venture, Stage.GROWTH, date(2025, 7, 1))


def test_a_company_counts_once_and_must_be_new(venture):
    _created(venture, date(2025, 6, 1))
    other = services.create_venture(actor=None, values={"name": "W"}, on=date(2025, 1, 1))
    move(other, Stage.MATURATION, date(2025, 2, 1))
    with pytest.raises(ValidationError, match="already"):
        move(other, Stage.COMPANY_CREATED, date(2025, 6, 2), company=venture.company)
    old = factories.organisation(siren="552100554", founded_on=date(1973, 1, 1))
    with pytest.raises(ValidationError, match="does not fit"):
        move(other, Stage.COMPANY_CREATED, date(2025, 6, 2), company=old)


def test_no_date_in_the_future(venture):
    from datetime import timedelta

    from django.utils import timezone

    with pytest.raises(ValidationError, match="future"):
        move(venture, Stage.MATURATION, timezone.localdate() + timedelta(days=1))


def test_a_follow_on_is_of_the_same_fund_and_former_members_are_no_conflict(venture):
    fund = factories.organisation(name="Fonds A", kind="investor")
    other_fund = factories.organisation(name="Fonds B", kind="investor")
    deal = services.propose_deal(actor=None, venture=venture, fund=fund, amount=Decimal("1000"))
    for status in (DealStatus.UNDER_REVIEW, DealStatus.COMMITTEE, DealStatus.INVESTED):
        services.move_deal(actor=None, deal=deal, status=status, on=date(2025, 3, 1))
    deal.refresh_from_db()
    with pytest.raises(ValidationError):
        services.propose_deal(actor=None, venture=venture, fund=other_fund, follow_on_of=deal)
    former = factories.person(organisation=fund)
    member = services.add_team_member(actor=None, venture=venture, person=former, role="mentor")
    member.until = date(2011, 1, 1)
    member.save()
    assert services.conflicts_of_interest(deal) == []
