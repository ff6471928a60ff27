"""The pipeline demo step: ventures at every stage, seven startups created in the programme
period with their evidence, the seed fund's deal flow and a conflict of interest.

The steps it needs (accounts, core, registry) then this one, once for the module inside a
transaction rolled back at the end.
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from stdnum.fr import siren

from osmose.core.demo import DEMO_SEED, DemoContext, steps
from osmose.pipeline import demo, selectors, services
from osmose.pipeline.models import (
    Deal,
    DealStatus,
    FundingRound,
    Instrument,
    IpKind,
    Stage,
    StageChange,
    SupportKind,
    TeamRole,
    Venture,
)
from osmose.registry.models import Organisation, Person

NEEDED = ("accounts", "core", "registry", "pipeline")


def silent(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoContext]:
    import random

    from django.utils import timezone

    with django_db_blocker.unblock(), transaction.atomic():
        context = DemoContext(rng=random.Random(DEMO_SEED), now=timezone.now(), log=silent)
        for step in steps():
            if step.name in NEEDED:
                step.run(context)
        yield context
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_it_runs_after_the_registry_and_before_the_network() -> None:
    names = [step.name for step in steps()]
    assert names.index("registry") < names.index("pipeline") < names.index("network")


def test_every_stage_has_ventures_from_the_labs_and_platforms(built: DemoContext) -> None:
    counts = Counter(Venture.objects.values_list("stage", flat=True))
    assert set(counts) == set(Stage.values)
    assert 23 <= sum(counts.values()) <= 27
    origins = Counter(Venture.objects.values_list("origin__kind", flat=True))
    assert set(origins) == {"academic_lab", "platform"}
    assert origins["academic_lab"] > origins["platform"]
    stopped = Venture.objects.filter(stage=Stage.STOPPED)
    assert all(v.stopped_reason for v in stopped)
    assert not Venture.objects.filter(stage=Stage.LICENSED, licensee=None).exists()


def test_exactly_seven_startups_were_created_in_the_period_with_their_evidence(
    built: DemoContext,
) -> None:
    today = built.now.date()
    start = demo.programme_start(today)
    created = selectors.startups_created(start, today)
    assert len(created) == 7
    for item in created:
        company = item.venture.company
        assert company is not None and company.kind == "startup" and company.sector == "private"
        assert siren.is_valid(company.siren)
        assert company.founded_on is not None and company.founded_on <= item.on
        assert start <= item.on <= today
    assert any(item.venture.company and item.venture.company.is_jei for item in created)
    [older] = selectors.startups_created(None, start)
    assert older.venture.company and older.venture.company.founded_on
    assert older.venture.company.founded_on < start
    # Each went through the stage rules: a dated history from the idea.
    for item in created:
        history = list(item.venture.stage_changes.values_list("to_stage", flat=True))
        assert history[0] == Stage.IDEA and Stage.COMPANY_CREATED in history


def test_the_startups_have_founders_rounds_and_investors(built: DemoContext) -> None:
    created = selectors.current_created()
    assert all(v.team.filter(role=TeamRole.FOUNDER).exists() for v in created)
    funded = Venture.objects.filter(stage__in=[Stage.FIRST_FUNDING, Stage.GROWTH])
    assert funded.count() >= 4 and all(v.rounds.exists() for v in funded)
    instruments = set(FundingRound.objects.values_list("instrument", flat=True))
    assert {Instrument.LOAN, Instrument.EQUITY, Instrument.CONVERTIBLE} <= instruments
    assert FundingRound.objects.filter(investors__name__icontains="angels").exists()


def test_ventures_have_trl_histories_ip_support_and_milestones(built: DemoContext) -> None:
    ventures = Venture.objects.all()
    assert all(v.trl_records.exists() for v in ventures)
    assert ventures.filter(trl_records__level__gte=6).exists()
    references = Venture.objects.filter(ip_assets__kind=IpKind.PATENT_APPLICATION).values_list(
        "ip_assets__reference", flat=True
    )
    assert references and all(ref.startswith("FR") for ref in references)
    assert Venture.objects.filter(ip_assets__kind=IpKind.LICENCE).exists()
    kinds = set(Venture.objects.values_list("support__kind", flat=True))
    assert set(SupportKind.values) <= kinds
    schemes = set(Venture.objects.values_list("support__scheme", flat=True))
    assert {"bpifrance", "regional", "european"} <= schemes
    outcomes = set(Venture.objects.values_list("support__outcome", flat=True))
    assert {"won", "lost"} <= outcomes
    today = built.now.date()
    milestones = [m for v in ventures for m in v.milestones.all()]
    assert any(m.done_on for m in milestones)
    assert any(m.done_on is None and m.due_on < today for m in milestones)  # overdue
    assert any(m.due_on > today for m in milestones)
    assert Venture.objects.filter(support__kind=SupportKind.COACHING, support__hours__gt=0).exists()


def test_the_seed_fund_has_deals_in_every_status_and_a_conflict_of_interest(
    built: DemoContext,
) -> None:
    fund = Organisation.objects.get(name=demo.SEED_FUND_NAME)
    assert fund.kind == "investor" and fund.founded_on
    assert fund.founded_on >= demo.programme_start(built.now.date())
    deals = Deal.objects.filter(fund=fund)
    assert set(deals.values_list("status", flat=True)) == set(DealStatus.values)
    invested = deals.filter(status=DealStatus.INVESTED)
    assert all(d.funding_round and fund in d.funding_round.investors.all() for d in invested)
    assert invested.exclude(follow_on_of=None).exists()  # a follow-on
    flagged = {d.pk: services.conflicts_of_interest(d) for d in deals}
    conflicted = [d for d in deals if flagged[d.pk]]
    assert conflicted
    person = flagged[conflicted[0].pk][0]
    assert conflicted[0].venture.team.filter(person=person).exists()


def test_it_keeps_the_registry_guards(built: DemoContext) -> None:
    """The registry demo's checks still hold for what this step adds."""
    made = Organisation.objects.filter(source=demo.SOURCE)
    assert made.count() == 9  # eight startups and the seed fund
    assert not made.filter(commune=None).exists()
    assert all(1 <= o.terms.count() <= 5 for o in made)
    sirens = list(Organisation.objects.exclude(siren="").values_list("siren", flat=True))
    assert len(sirens) == len(set(sirens))
    people = Person.objects.filter(source=demo.SOURCE)
    assert people.exists()
    assert all(p.email.endswith(".example") and p.phone.startswith("+33") for p in people)
    assert all(p.affiliations.filter(is_primary=True).count() == 1 for p in people)
    assert Organisation.objects.count() == len(built.shared["organisations"])


def test_reset_deletes_what_it_made(built: DemoContext) -> None:
    demo.reset()
    assert not Venture.objects.exists() and not Deal.objects.exists()
    assert not Organisation.objects.filter(source=demo.SOURCE).exists()
    assert not Person.objects.filter(source=demo.SOURCE).exists()
    assert not StageChange.objects.exists()
    assert Organisation.objects.exists()  # the registry's own stay
