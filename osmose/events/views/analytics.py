"""Attendance analytics (animators only): one event, and all events side by side.

The figures come from ``osmose.events.analytics``; this module turns them into SVG charts
(``osmose.core.charts``), tables and downloads (CSV, XLSX, one chart as SVG).
"""

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from osmose.accounts.access import animator_required
from osmose.core import charts
from osmose.events.access import get_event_for_user
from osmose.events.analytics import (
    SECTORS,
    UNKNOWN,
    Bucket,
    EventFigures,
    OverviewRow,
    event_figures,
    overview_events,
    overview_rows,
    sector_labels,
)
from osmose.events.models import EventKind
from osmose.registry import exports
from osmose.registry.models import Sector

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIX_ROWS = 30
# Charts drawn side by side (two columns on a wide screen) are drawn narrower, so that their
# text keeps its size instead of being scaled down.
HALF_WIDTH = 440


def _percent(value: float | None) -> str:
    return "—" if value is None else charts.format_percent(value)


def _decimal(value: float | None) -> str:
    return "—" if value is None else number_format(round(value, 1), 1)


def _sector_categories() -> list[tuple[str, str]]:
    labels = sector_labels()
    return [(labels[key], charts.SECTOR_COLOURS[key]) for key in [*SECTORS, UNKNOWN]]


def _counts(buckets: Sequence[Bucket]) -> list[tuple[str, int]]:
    return [(b.label, b.count) for b in buckets]


# --- One event --------------------------------------------------------------------------------


@dataclass
class Chart:
    name: str
    title: str
    svg: str


def event_charts(figures: EventFigures) -> dict[str, Chart]:
    """The event's charts by name (the ``?chart=`` of the SVG download)."""
    found: list[Chart] = []

    def add(name: str, title: str, draw: Callable[..., str], *args: Any, **kwargs: Any) -> None:
        found.append(
            Chart(name, title, draw(*args, title=title, chart_id=f"chart-{name}", **kwargs))
        )

    add(
        "registrations",
        _("Registrations over time (cumulative)"),
        charts.line_chart,
        [charts.Series(_("Registrations"), figures.registrations_over_time)],
    )
    add(
        "mix",
        _("Private / public / non-profit mix of the attendees"),
        charts.share_bar_chart,
        [("", [b.count for b in figures.mix])],
        categories=_sector_categories(),
    )
    add(
        "kinds",
        _("Kinds of organisations"),
        charts.horizontal_bar_chart,
        _counts(figures.kinds),
        width=HALF_WIDTH,
    )
    add(
        "departements",
        _("Départements of the attendees' organisations"),
        charts.horizontal_bar_chart,
        _counts(figures.departements),
        colour=charts.PALETTE[2],
        width=HALF_WIDTH,
    )
    add(
        "newcomers",
        _("Newcomers and returning attendees"),
        charts.share_bar_chart,
        [("", [figures.newcomers, figures.returning])],
        categories=[(_("Newcomers"), charts.PALETTE[1]), (_("Returning"), charts.PALETTE[0])],
    )
    if figures.survey.responses:
        add(
            "satisfaction",
            _("Satisfaction, from 1 (very poor) to 5 (excellent)"),
            charts.bar_chart,
            [(b.key, b.count) for b in figures.survey.satisfaction],
            width=HALF_WIDTH,
        )
        add(
            "met_someone",
            _("Met someone to work with? (survey)"),
            charts.bar_chart,
            _counts(figures.survey.met_someone),
            colours=[charts.PALETTE[0], charts.PALETTE[4], charts.PALETTE[1]],
            width=HALF_WIDTH,
        )
    for index, question in enumerate(figures.questions, start=1):
        add(
            f"question-{index}",
            question.label,
            charts.horizontal_bar_chart,
            _counts(question.choices),
            colour=charts.PALETTE[3],
        )
    return {chart.name: chart for chart in found}


def _summary(figures: EventFigures) -> list[tuple[str, str, str]]:
    """(key, label, shown value) of the headline figures."""
    survey = figures.survey
    return [
        ("registered", _("Registrations"), str(figures.registered)),
        ("confirmed", _("Confirmed"), str(figures.confirmed)),
        ("attended", _("Attended"), str(figures.attended) if figures.has_attendance else "—"),
        ("show_up_rate", _("Show-up rate"), _percent(figures.show_up_rate)),
        ("newcomers", _("Newcomers"), str(figures.newcomers)),
        ("encounters", _("First-time private–public encounters"), str(figures.encounters)),
        ("satisfaction", _("Satisfaction (out of 5)"), _decimal(survey.average)),
        ("survey_responses", _("Survey answers"), str(survey.responses)),
    ]


@animator_required
@require_GET
def event_analytics(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk, write=True)
    figures = event_figures(event)
    chart_set = event_charts(figures)
    return render(
        request,
        "events/analytics/event.html",
        {
            "event": event,
            "figures": figures,
            "summary": _summary(figures),
            "charts": chart_set,
            "questions": [
                (question, chart_set[f"question-{index}"])
                for index, question in enumerate(figures.questions, start=1)
            ],
            "show_up_rate": _percent(figures.show_up_rate),
            "newcomer_share": _percent(figures.newcomer_share),
            "response_rate": _percent(figures.survey.response_rate),
            "satisfaction_average": _decimal(figures.survey.average),
        },
    )


def event_table(figures: EventFigures) -> list[tuple[str, list[list[Any]]]]:
    """The event's figures as (section, rows of key, label, value, share)."""
    survey = figures.survey

    def buckets(items: Iterable[Bucket]) -> list[list[Any]]:
        return [[b.key, b.label, b.count, round(b.share, 4)] for b in items]

    summary: list[list[Any]] = [
        ["registered", _("Registrations"), figures.registered, ""],
        ["confirmed", _("Confirmed"), figures.confirmed, ""],
        ["attended", _("Attended"), figures.attended if figures.has_attendance else "", ""],
        ["show_up_rate", _("Show-up rate"), _round(figures.show_up_rate), ""],
        ["attendees", _("Attendees (or confirmed, before the check-in)"), figures.attendees, ""],
        ["waitlisted", _("On the waiting list"), figures.waitlisted, ""],
        ["cancelled", _("Cancelled"), figures.cancelled, ""],
        ["newcomers", _("Newcomers"), figures.newcomers, _round(figures.newcomer_share)],
        ["returning", _("Returning"), figures.returning, ""],
        ["encounters", _("First-time private–public encounters"), figures.encounters, ""],
        ["survey_responses", _("Survey answers"), survey.responses, _round(survey.response_rate)],
        ["satisfaction_average", _("Satisfaction (out of 5)"), _round(survey.average), ""],
    ]
    sections: list[tuple[str, list[list[Any]]]] = [
        ("summary", summary),
        (
            "registrations",
            [
                [day.isoformat(), day.isoformat(), total, ""]
                for day, total in figures.registrations_over_time
            ],
        ),
        ("mix", buckets(figures.mix)),
        ("kinds", buckets(figures.kinds)),
        ("departements", buckets(figures.departements)),
        (
            "encounters",
            [[e.private, e.public, e.public_sector, ""] for e in figures.encounter_sample],
        ),
        ("satisfaction", buckets(survey.satisfaction)),
        ("met_someone", buckets(survey.met_someone)),
        ("comments", [[stars, comment, "", ""] for stars, comment in survey.comments]),
    ]
    for index, question in enumerate(figures.questions, start=1):
        sections.append((f"question-{index}", buckets(question.choices)))
    return sections


def _round(value: float | None) -> Any:
    return "" if value is None else round(value, 4)


def _xlsx(sheets: Sequence[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([exports.safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _download(content: Any, content_type: str, filename: str) -> HttpResponseBase:
    response: HttpResponseBase
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _svg_download(chart_set: dict[str, Chart], name: str, stem: str) -> HttpResponseBase:
    chart = chart_set.get(name)
    if chart is None:
        raise Http404
    return _download(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + chart.svg,
        "image/svg+xml; charset=utf-8",
        f"{stem}-{name}.svg",
    )


@animator_required
@require_GET
def event_analytics_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The event's figures as CSV or XLSX, or one of its charts as SVG (``?chart=``)."""
    event = get_event_for_user(request.user, pk, write=True)
    if fmt not in ("csv", "xlsx", "svg"):
        raise Http404
    figures = event_figures(event)
    stem = f"osmose-event-{event.pk}-{slugify(event.title_fr)[:40]}".rstrip("-")
    if fmt == "svg":
        return _svg_download(event_charts(figures), request.GET.get("chart", ""), stem)
    sections = event_table(figures)
    if fmt == "csv":
        rows = ([section, *row] for section, section_rows in sections for row in section_rows)
        return _download(
            exports.csv_lines(["section", "key", "label", "value", "share"], rows),
            "text/csv; charset=utf-8",
            f"{stem}-analytics.csv",
        )
    return _download(
        _xlsx([(name, ["key", "label", "value", "share"], rows) for name, rows in sections]),
        XLSX,
        f"{stem}-analytics.xlsx",
    )


# --- Across events ----------------------------------------------------------------------------


class OverviewFilter(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All kinds")), *EventKind.choices],
        required=False,
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid field is ignored, and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: data[k] for k in ("kind", "start", "end") if data.get(k)}


def _overview(request: HttpRequest) -> tuple[OverviewFilter, list[OverviewRow]]:
    form = OverviewFilter(request.GET or None)
    return form, overview_rows(overview_events(**form.filters()))


def _event_label(row: OverviewRow) -> str:
    return f"{date_format(row.event.starts_at, 'SHORT_DATE_FORMAT')} {row.event.title}"


def overview_charts(rows: Sequence[OverviewRow]) -> dict[str, Chart]:
    chronological = sorted(rows, key=lambda r: r.event.starts_at)
    attendance_title = _("Confirmed and attendees per event")
    mix_title = _("Private / public / non-profit mix per event")
    recent = chronological[-MIX_ROWS:]

    def day(row: OverviewRow) -> date:
        return row.event.starts_at.date()

    return {
        "attendance": Chart(
            "attendance",
            attendance_title,
            charts.line_chart(
                [
                    charts.Series(_("Confirmed"), [(day(r), r.confirmed) for r in chronological]),
                    charts.Series(
                        _("Attendees"),
                        [(day(r), r.attended) for r in chronological if r.has_attendance],
                    ),
                ],
                title=attendance_title,
                chart_id="chart-attendance",
            ),
        ),
        "mix": Chart(
            "mix",
            mix_title,
            charts.share_bar_chart(
                [
                    (_event_label(r), [r.mix.get(key, 0) for key in [*SECTORS, UNKNOWN]])
                    for r in recent
                ],
                categories=_sector_categories(),
                title=mix_title,
                chart_id="chart-mix",
            ),
        ),
    }


@animator_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    form, rows = _overview(request)
    query = request.GET.urlencode()
    return render(
        request,
        "events/analytics/overview.html",
        {
            "form": form,
            "rows": [
                {
                    "row": row,
                    "show_up_rate": _percent(row.show_up_rate),
                    "private_share": _percent(row.private_share),
                    "public_share": _percent(row.public_share),
                    "satisfaction": _decimal(row.satisfaction_average),
                }
                for row in rows
            ],
            "charts": overview_charts(rows),
            "query": query,
            "mix_rows": MIX_ROWS,
        },
    )


OVERVIEW_COLUMNS = [
    "event_id", "date", "kind", "title", "registered", "confirmed", "attended", "show_up_rate",
    "attendees", "private_share", "public_share", "non_profit_share", "newcomers",
    "first_time_encounters", "satisfaction_average", "survey_responses",
]  # fmt: skip


def _overview_row(row: OverviewRow) -> list[Any]:
    return [
        row.event.pk, row.event.starts_at.date(), row.event.kind, row.event.title,
        row.registered, row.confirmed, row.attended if row.has_attendance else "",
        _round(row.show_up_rate), row.attendees, _round(row.share(Sector.PRIVATE)),
        _round(row.share(Sector.PUBLIC)), _round(row.share(Sector.NON_PROFIT)), row.newcomers,
        row.encounters, _round(row.satisfaction_average), row.survey_responses,
    ]  # fmt: skip


@animator_required
@require_GET
def overview_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The overview table as CSV or XLSX, or a chart as SVG (``?chart=attendance|mix``)."""
    if fmt not in ("csv", "xlsx", "svg"):
        raise Http404
    _form, rows = _overview(request)
    stem = "osmose-events-analytics"
    if fmt == "svg":
        return _svg_download(overview_charts(rows), request.GET.get("chart", ""), stem)
    lines = [_overview_row(row) for row in rows]
    if fmt == "csv":
        return _download(
            exports.csv_lines(OVERVIEW_COLUMNS, lines), "text/csv; charset=utf-8", f"{stem}.csv"
        )
    return _download(_xlsx([("events", OVERVIEW_COLUMNS, lines)]), XLSX, f"{stem}.xlsx")
