"""Reading the pipeline: the kanban, the funnel over time, the startups created and their
evidence, the conflicts of interest of seed-fund deals."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from osmose.pipeline.models import (
    CREATED_STAGES,
    ENDS,
    PIPELINE,
    Deal,
    Stage,
    StageChange,
    TeamMember,
    Venture,
)
from osmose.registry.models import Affiliation, Person


def ventures() -> QuerySet[Venture]:
    return Venture.objects.select_related("origin", "company", "licensee").prefetch_related("terms")


def kanban() -> list[tuple[Stage, list[Venture]]]:
    """Columns in pipeline order, then "licensed" and "stopped"."""
    by_stage: dict[str, list[Venture]] = {s: [] for s in [*PIPELINE, *ENDS]}
    for venture in ventures().order_by("stage_since", "name"):
        by_stage.setdefault(venture.stage, []).append(venture)
    return [(Stage(s), by_stage[s]) for s in [*PIPELINE, *ENDS]]


@dataclass(frozen=True)
class Created:
    venture: Venture
    on: date  # when it reached "company created"


def startups_created(start: date | None = None, end: date | None = None) -> list[Created]:
    """Ventures that became a company in [start, end], with the evidence: the company in the
    registry (SIREN, creation date) and the dated stage change."""
    changes = StageChange.objects.filter(to_stage=Stage.COMPANY_CREATED).select_related(
        "venture__company"
    )
    if start:
        changes = changes.filter(on__gte=start)
    if end:
        changes = changes.filter(on__lte=end)
    seen: dict[int, Created] = {}
    for change in changes.order_by("on", "pk"):
        venture = change.venture
        if venture.company_id and venture.pk not in seen:
            seen[venture.pk] = Created(venture, change.on)
    return list(seen.values())


@dataclass
class FunnelStep:
    stage: Stage
    count: int  # ventures that first reached this step in the period
    rate: float | None  # this step's count over the previous step's


FUNNEL = [Stage.IDEA, Stage.COMPANY_CREATED, Stage.FIRST_FUNDING]
# What "reaching" a step means: entering the pipeline; the dated move to "company created"
# (with its company: the startup-created evidence); the first move to a funded stage.
_FUNDED = {Stage.FIRST_FUNDING, Stage.GROWTH}


def _first_dates() -> dict[str, dict[int, date]]:
    """For each step, the date each venture first reached it (all time)."""
    firsts: dict[str, dict[int, date]] = {str(stage): {} for stage in FUNNEL}
    rows = StageChange.objects.order_by("on", "pk").values_list(
        "venture_id", "to_stage", "on", "venture__company_id"
    )
    for venture_id, stage, on, company_id in rows:
        firsts[str(Stage.IDEA)].setdefault(venture_id, on)
        if stage == Stage.COMPANY_CREATED and company_id:
            firsts[str(Stage.COMPANY_CREATED)].setdefault(venture_id, on)
        if stage in _FUNDED:
            firsts[str(Stage.FIRST_FUNDING)].setdefault(venture_id, on)
    return firsts


def funnel(start: date | None = None, end: date | None = None) -> list[FunnelStep]:
    """Ideas → created → funded in a period: each step counts the ventures that *first*
    reached it in the period (a venture created in 2024 and funded in 2025 counts as created
    in 2024 and funded in 2025, so the years add up). "Created" is exactly
    :func:`startups_created`."""
    firsts = _first_dates()
    steps: list[FunnelStep] = []
    previous: int | None = None
    for stage in FUNNEL:
        count = sum(
            1
            for on in firsts[str(stage)].values()
            if (start is None or on >= start) and (end is None or on <= end)
        )
        rate = round(count / previous, 3) if previous else None
        steps.append(FunnelStep(stage, count, rate))
        previous = count
    return steps


def funnel_by_year(first: int, last: int) -> list[tuple[int, list[FunnelStep]]]:
    """The funnel of each calendar year (conversion over time)."""
    return [(year, funnel(date(year, 1, 1), date(year, 12, 31))) for year in range(first, last + 1)]


def created_count(start: date | None = None, end: date | None = None) -> int:
    return len(startups_created(start, end))


def current_created() -> QuerySet[Venture]:
    return Venture.objects.filter(stage__in=CREATED_STAGES, company__isnull=False)


def venture_detail(pk: int) -> Venture | None:
    return (
        ventures()
        .prefetch_related(
            Prefetch("stage_changes", queryset=StageChange.objects.order_by("on", "pk")),
            "trl_records",
            "team__person",
            "ip_assets",
            "support",
            "rounds__investors",
            "deals__fund",
            "milestones",
        )
        .filter(pk=pk)
        .first()
    )


def conflicts_by_deal(deals: Sequence[Deal]) -> dict[int, list[Person]]:
    """The conflicts of interest of many deals in four queries: the fund's people (current
    affiliations) also in the venture's current team or affiliated with its company or
    origin — to be declared before committee."""
    ventures = {deal.venture_id: deal.venture for deal in deals}
    organisation_ids = {deal.fund_id for deal in deals}
    for venture in ventures.values():
        organisation_ids |= {o for o in (venture.company_id, venture.origin_id) if o}
    people_of: dict[int, set[int]] = defaultdict(set)
    affiliations = Affiliation.objects.filter(
        organisation_id__in=organisation_ids, ended_on__isnull=True
    ).values_list("organisation_id", "person_id")
    for organisation_id, person_id in affiliations:
        people_of[organisation_id].add(person_id)
    team: dict[int, set[int]] = defaultdict(set)
    current = Q(until__isnull=True) | Q(until__gte=timezone.localdate())
    for venture_id, person_id in (
        TeamMember.objects.filter(venture_id__in=list(ventures))
        .filter(current)
        .values_list("venture_id", "person_id")
    ):
        team[venture_id].add(person_id)
    found: dict[int, set[int]] = {}
    for deal in deals:
        venture = ventures[deal.venture_id]
        linked = set(team[venture.pk])
        for related in (venture.company_id, venture.origin_id):
            if related:
                linked |= people_of[related]
        found[deal.pk] = people_of[deal.fund_id] & linked
    wanted: set[int] = set().union(*found.values())
    people = {p.pk: p for p in Person.objects.filter(pk__in=wanted)}
    return {
        pk: sorted((people[i] for i in ids), key=lambda p: (p.family_name, p.pk))
        for pk, ids in found.items()
    }
