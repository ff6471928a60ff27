"""The funnel (animators and funders): ideas → startups created → funded over a period, the
conversion year by year, and the startups created with their evidence; CSV and XLSX.

Funders read aggregates only. The list of startups created is shown to them as the
company's name, SIREN and dates — public evidence from the Sirene register — never the
venture behind it (its page, team, origin or deals stay with the animators).
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.core import charts
from osmose.pipeline import selectors
from osmose.pipeline.forms import PeriodForm
from osmose.pipeline.models import Stage
from osmose.pipeline.selectors import FunnelStep
from osmose.pipeline.views.common import animator_or_funder_required
from osmose.registry import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The programme's reporting window: the last three calendar years, this one included.
PROGRAMME_YEARS = 3
COLUMNS = ["period", "start", "end", "step", "label", "count", "rate"]


def step_label(stage: str) -> str:
    labels: dict[str, str] = {
        Stage.IDEA: _("Ideas"),
        Stage.COMPANY_CREATED: _("Startups created"),
        Stage.FIRST_FUNDING: _("Funded"),
    }
    return labels.get(stage) or str(Stage(stage).label)


def default_period(today: date) -> tuple[date, date]:
    return date(today.year - PROGRAMME_YEARS + 1, 1, 1), today


@dataclass
class Funnel:
    start: date
    end: date
    steps: list[FunnelStep]
    by_year: list[tuple[int, list[FunnelStep]]]


def _funnel(request: HttpRequest) -> tuple[PeriodForm, Funnel]:
    form = PeriodForm(request.GET or None)
    start, end = form.period(*default_period(timezone.localdate()))
    return form, Funnel(
        start=start,
        end=end,
        steps=selectors.funnel(start, end),
        by_year=selectors.funnel_by_year(start.year, end.year),
    )


def _percent(rate: float | None) -> str:
    return "—" if rate is None else charts.format_percent(rate)


def funnel_charts(funnel: Funnel) -> dict[str, str]:
    counts_title = _("Ideas, startups created and funded in the period")
    rates_title = _("Conversion rates, year by year")
    created, funded = step_label(Stage.COMPANY_CREATED), step_label(Stage.FIRST_FUNDING)
    ideas = step_label(Stage.IDEA)
    series = [
        charts.Series(
            f"{ideas} → {created}",
            [(date(year, 1, 1), s[1].rate) for year, s in funnel.by_year if s[1].rate is not None],
        ),
        charts.Series(
            f"{created} → {funded}",
            [(date(year, 1, 1), s[2].rate) for year, s in funnel.by_year if s[2].rate is not None],
        ),
    ]
    return {
        "counts": charts.bar_chart(
            [(step_label(s.stage), s.count) for s in funnel.steps],
            title=counts_title,
            width=440,
            colours=[charts.PALETTE[4], charts.PALETTE[0], charts.PALETTE[2]],
            chart_id="chart-funnel",
        ),
        "rates": charts.line_chart(
            series,
            title=rates_title,
            value_format=charts.format_percent,
            date_label=lambda moment: str(moment.year),
            chart_id="chart-conversion",
        ),
    }


@animator_or_funder_required
@require_GET
def funnel(request: HttpRequest) -> HttpResponse:
    form, figures = _funnel(request)
    animator = user_has_role(request.user, Role.ANIMATOR)
    created = selectors.startups_created(figures.start, figures.end)
    return render(
        request,
        "pipeline/funnel.html",
        {
            "form": form,
            "funnel": figures,
            "steps": [(step_label(s.stage), s.count, _percent(s.rate)) for s in figures.steps],
            "years": [
                (year, [(s.count, _percent(s.rate)) for s in steps])
                for year, steps in figures.by_year
            ],
            "step_labels": [step_label(s) for s in selectors.FUNNEL],
            "charts": funnel_charts(figures),
            "created": created,
            "animator": animator,
            "query": request.GET.urlencode(),
        },
    )


def funnel_rows(figures: Funnel) -> list[list[Any]]:
    """The figures as rows of COLUMNS: the period, then each calendar year."""
    rows: list[list[Any]] = []

    def add(period: str, start: date, end: date, steps: Iterable[FunnelStep]) -> None:
        for s in steps:
            rate = "" if s.rate is None else round(s.rate, 4)
            rows.append([period, start, end, str(s.stage), step_label(s.stage), s.count, rate])

    add("period", figures.start, figures.end, figures.steps)
    for year, steps in figures.by_year:
        add(str(year), date(year, 1, 1), date(year, 12, 31), steps)
    return rows


@animator_or_funder_required
@require_GET
def funnel_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The funnel's figures (counts and rates, no names) as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, figures = _funnel(request)
    rows = funnel_rows(figures)
    stem = f"osmose-funnel-{figures.start.isoformat()}-{figures.end.isoformat()}"
    if fmt == "csv":
        content: Any = "".join(exports.csv_lines(COLUMNS, rows))
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="funnel")
        sheet.append(COLUMNS)
        for row in rows:
            sheet.append([exports.safe_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
