"""The seed-fund view (animators only): the deal flow by status, the investments with their
follow-ons, the amounts invested each year, and the conflict-of-interest flags."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from osmose.accounts.access import animator_required
from osmose.core import charts
from osmose.pipeline.models import Deal, DealStatus
from osmose.pipeline.selectors import conflicts_by_deal
from osmose.registry.models import Person


@dataclass
class DealRow:
    deal: Deal
    conflicts: list[Person]
    follow_ons: list["DealRow"] = field(default_factory=list)


@animator_required
@require_GET
def seed_fund(request: HttpRequest) -> HttpResponse:
    deals = list(
        Deal.objects.select_related("venture", "fund", "funding_round", "follow_on_of").order_by(
            "-proposed_on", "-pk"
        )
    )
    conflicts = conflicts_by_deal(deals)
    rows = [DealRow(deal, conflicts.get(deal.pk, [])) for deal in deals]
    flow = [
        (value, label, [row for row in rows if row.deal.status == value])
        for value, label in DealStatus.choices
    ]
    by_pk = {row.deal.pk: row for row in rows}
    for row in reversed(rows):  # oldest first
        parent = by_pk.get(row.deal.follow_on_of_id or 0)
        if parent is not None:
            parent.follow_ons.append(row)
    investments = [
        row
        for row in rows
        if row.deal.status == DealStatus.INVESTED and not row.deal.follow_on_of_id
    ]
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    for deal in deals:
        if deal.status == DealStatus.INVESTED and deal.amount:
            when = deal.decided_on or (deal.funding_round.on if deal.funding_round else None)
            year = when.year if when else deal.proposed_on.year
            by_year[year] += deal.amount
            counts[year] += 1
    years = sorted(by_year)
    title = _("Amounts invested by the seed fund, per year (€)")
    return render(
        request,
        "pipeline/seed_fund.html",
        {
            "flow": flow,
            "investments": investments,
            "totals": [(year, by_year[year], counts[year]) for year in years],
            "total": sum(by_year.values(), Decimal(0)),
            "chart": charts.bar_chart(
                [(str(year), float(by_year[year])) for year in years],
                title=title,
                chart_id="chart-invested",
            ),
            "flagged": sum(1 for row in rows if row.conflicts and _open(row.deal)),
        },
    )


def _open(deal: Deal) -> bool:
    return deal.status not in (DealStatus.INVESTED, DealStatus.DECLINED)
