"""The animator's network pages: interactions (quick log, list, follow-up tasks),
introductions and their follow-ups, collaborations and their origin, and the network page
(the graph's figures, which funders may read without the organisations' names)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required, role_required, user_has_role
from osmose.accounts.models import Role
from osmose.core import charts
from osmose.events.models import Event, EventStatus
from osmose.network import exports, followups, graph, services
from osmose.network.forms import (
    CollaborationFilter,
    CollaborationForm,
    InteractionFilter,
    InteractionForm,
    IntroductionForm,
    MoveForm,
    PeriodForm,
    interaction_initial,
    meeting_label,
    meetings_of,
    origin_filter,
    people,
    person_label,
)
from osmose.network.models import (
    COLLABORATION_TRANSITIONS,
    Collaboration,
    CollaborationStatus,
    FollowUp,
    FollowUpAnswer,
    Interaction,
    Introduction,
    Task,
)
from osmose.registry import exports as registry_exports
from osmose.registry.models import Affiliation, Sector

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
network_readers = role_required(Role.ANIMATOR, Role.FUNDER)


def _download(content: Any, content_type: str, filename: str) -> HttpResponseBase:
    response: HttpResponseBase
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _form_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# -- lookups ---------------------------------------------------------------------------------


@animator_required
@require_GET
def person_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for a person field: ``<option>``s for its ``<datalist>`` (htmx)."""
    text = next((str(v) for v in request.GET.values() if str(v).strip()), "")[:100]
    found = []
    if text.strip():
        query = Q()
        for word in text.split()[:4]:
            query &= (
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(email__icontains=word)
            )
        found = list(
            people()
            .filter(query)
            .select_related("primary_organisation")
            .order_by("family_name", "given_name")[:10]
        )
    return render(
        request,
        "network/manage/_person_options.html",
        {"options": [(person_label(p), p.email) for p in found]},
    )


@animator_required
@require_GET
def meeting_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of the origin meeting select for the event chosen (htmx)."""
    raw = request.GET.get("origin_event", "")
    event = Event.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    return render(
        request,
        "network/manage/_meeting_options.html",
        {"options": [(m.pk, meeting_label(m)) for m in meetings_of(event)]},
    )


# -- interactions ----------------------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def interaction_new(request: HttpRequest) -> HttpResponse:
    """The quick log: prefilled from ``?person=&organisation=&event=&meeting=``."""
    initial = interaction_initial(request.GET)
    form = InteractionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_interaction(
                actor=request.user,
                kind=data["kind"],
                on=data["on"],
                summary=data["summary"],
                people=data["people"],
                organisations=data["organisations"],
                event=data["event"],
                meeting=data["meeting"],
                follow_up_on=data["follow_up_on"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if data["follow_up_on"]:
                flash.success(
                    request,
                    _("Interaction logged; follow-up task on %(date)s.")
                    % {"date": data["follow_up_on"].strftime("%Y-%m-%d")},
                )
            else:
                flash.success(request, _("Interaction logged."))
            return redirect(_next_url(request) or reverse("network:interactions"))
    return render(
        request,
        "network/manage/interaction_form.html",
        {
            "form": form,
            "next": _next_url(request),
            "tab": "interactions",
            "meeting": initial.get("meeting"),
        },
        status=400 if form.errors else 200,
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go back after the quick log: a same-site path only."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if candidate.startswith("/") and not candidate.startswith("//") else ""


@animator_required
@require_GET
def interactions(request: HttpRequest) -> HttpResponse:
    form = InteractionFilter(request.GET or None)
    filters = form.filters()
    rows = Interaction.objects.prefetch_related("people", "organisations").select_related(
        "event", "logged_by"
    )
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("person"):
        rows = rows.filter(people=filters["person"])
    if filters.get("organisation"):
        rows = rows.filter(organisations=filters["organisation"])
    if filters.get("q"):
        text = filters["q"]
        rows = rows.filter(
            Q(summary__icontains=text)
            | Q(people__family_name__icontains=text)
            | Q(people__given_name__icontains=text)
            | Q(organisations__name__icontains=text)
        ).distinct()
    if filters.get("start"):
        rows = rows.filter(on__gte=filters["start"])
    if filters.get("end"):
        rows = rows.filter(on__lte=filters["end"])
    page = Paginator(rows.order_by("-on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = (
        Task.objects.filter(done_at__isnull=True, assignee_id=request.user.pk)
        .select_related("person", "organisation", "interaction")
        .order_by("due_on", "pk")[:50]
    )
    return render(
        request,
        "network/manage/interactions.html",
        {
            "form": form,
            "page": page,
            "params": _query_without_page(request),
            "tasks": tasks,
            "today": timezone.localdate(),
            "tab": "interactions",
        },
    )


@animator_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    services.complete_task(actor=request.user, task=task)
    flash.success(request, _("Task done: %(title)s") % {"title": task.title})
    return redirect(_next_url(request) or reverse("network:interactions"))


# -- introductions ---------------------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def introduction_new(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"on": timezone.localdate()}
    for name in ("person_a", "person_b"):
        raw = request.GET.get(name, "")
        if raw.isdigit():
            initial[name] = int(raw)
    raw_event = request.GET.get("event", "")
    if raw_event.isdigit():
        initial["event"] = int(raw_event)
    form = IntroductionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.introduce(
                actor=request.user,
                person_a=data["person_a"],
                person_b=data["person_b"],
                why=data["why"],
                on=data["on"],
                event=data["event"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            flash.success(
                request,
                _("%(a)s introduced to %(b)s; they will be asked at +30 and +90 days.")
                % {"a": data["person_a"], "b": data["person_b"]},
            )
            return redirect("network:introductions")
    return render(
        request,
        "network/manage/introduction_form.html",
        {"form": form, "tab": "introductions"},
        status=400 if form.errors else 200,
    )


@dataclass
class RoundState:
    days: int
    state: str  # not_due, due, sent, answered
    label: str
    follow_up: FollowUp | None = None


def _rounds(
    introduction: Introduction, person_id: int, follow_ups: dict[tuple[int, int], FollowUp]
) -> list[RoundState]:
    today = timezone.localdate()
    states = []
    for days in followups.ROUNDS:
        follow_up = follow_ups.get((person_id, days))
        if follow_up is not None and follow_up.answered_at:
            label = FollowUpAnswer(follow_up.answer).label if follow_up.answer else ""
            states.append(RoundState(days, "answered", str(label), follow_up))
        elif follow_up is not None and follow_up.sent_at:
            states.append(RoundState(days, "sent", _("Sent, no answer yet"), follow_up))
        elif introduction.on + timedelta(days=days) > today:
            states.append(RoundState(days, "not_due", _("Not due yet")))
        elif days != followups.ROUNDS[0] and any(
            f.answer in followups.SETTLED for (p, _d), f in follow_ups.items() if p == person_id
        ):
            states.append(RoundState(days, "skipped", _("Not asked: already answered")))
        else:
            states.append(RoundState(days, "due", _("Due, to be sent"), follow_up))
    return states


@animator_required
@require_GET
def introductions(request: HttpRequest) -> HttpResponse:
    rows = Introduction.objects.select_related(
        "person_a", "person_b", "event", "introduced_by"
    ).prefetch_related("follow_ups", "collaborations")
    text = request.GET.get("q", "").strip()[:100]
    if text:
        rows = rows.filter(
            Q(person_a__family_name__icontains=text)
            | Q(person_b__family_name__icontains=text)
            | Q(why__icontains=text)
        )
    page = Paginator(rows.order_by("-on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    listed = []
    for introduction in page:
        follow_ups = {(f.person_id, f.round_days): f for f in introduction.follow_ups.all()}
        pair = (introduction.person_a, introduction.person_b)
        states = {person.pk: _rounds(introduction, person.pk, follow_ups) for person in pair}
        listed.append(
            {
                "introduction": introduction,
                # Per round (+30, +90): each person's state.
                "rounds": [
                    [(person, states[person.pk][index]) for person in pair]
                    for index in range(len(followups.ROUNDS))
                ],
                "collaborations": list(introduction.collaborations.all()),
            }
        )
    return render(
        request,
        "network/manage/introductions.html",
        {
            "page": page,
            "rows": listed,
            "q": text,
            "params": _query_without_page(request),
            "tab": "introductions",
        },
    )


# -- collaborations --------------------------------------------------------------------------


def _collaboration_list(filters: dict[str, Any]) -> Any:
    rows = Collaboration.objects.all()
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("origin"):
        rows = rows.filter(origin_filter(filters["origin"]))
    if filters.get("start"):
        rows = rows.filter(started_on__gte=filters["start"])
    if filters.get("end"):
        rows = rows.filter(started_on__lte=filters["end"])
    return rows


@animator_required
@require_GET
def collaborations(request: HttpRequest) -> HttpResponse:
    form = CollaborationFilter(request.GET or None)
    rows = _collaboration_list(form.filters())
    totals = rows.aggregate(count=Count("pk"), amount=Sum("amount"))
    page = Paginator(
        rows.select_related(
            "origin_event", "origin_meeting__brokerage__event", "origin_introduction", "venture"
        )
        .prefetch_related("organisations")
        .order_by("-started_on", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "network/manage/collaborations.html",
        {
            "form": form,
            "page": page,
            "totals": totals,
            "total_amount": totals["amount"] or Decimal(0),
            "params": _query_without_page(request),
            "tab": "collaborations",
        },
    )


def _collaboration(pk: int) -> Collaboration:
    return get_object_or_404(
        Collaboration.objects.select_related(
            "origin_event",
            "origin_meeting__brokerage__event",
            "origin_introduction__person_a",
            "origin_introduction__person_b",
            "venture",
            "created_by",
        ),
        pk=pk,
    )


@animator_required
@require_GET
def collaboration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collaboration = _collaboration(pk)
    allowed = COLLABORATION_TRANSITIONS.get(collaboration.status, set())
    return render(
        request,
        "network/manage/collaboration_detail.html",
        {
            "collaboration": collaboration,
            "organisations": collaboration.organisations.order_by("name"),
            "people": collaboration.people.order_by("family_name", "given_name"),
            "moves": [(v, label) for v, label in CollaborationStatus.choices if v in allowed],
            "meeting_label": (
                meeting_label(collaboration.origin_meeting) if collaboration.origin_meeting else ""
            ),
            "follow_ups": collaboration.follow_ups.select_related("person").order_by("answered_at"),
            "tab": "collaborations",
        },
    )


@animator_required
@require_http_methods(["GET", "POST"])
def collaboration_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    collaboration = _collaboration(pk) if pk else None
    initial: dict[str, Any] = {}
    if collaboration is None:
        for name in ("origin_event", "origin_meeting", "origin_introduction", "venture"):
            raw = request.GET.get(name, "")
            if raw.isdigit():
                initial[name] = int(raw)
    form = CollaborationForm(request.POST or None, instance=collaboration, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if collaboration is None:
                collaboration = services.create_collaboration(
                    actor=request.user,
                    values=form.values(),
                    organisations=data["organisations"],
                    people=data["people"],
                )
                flash.success(request, _("Collaboration recorded."))
            else:
                services.update_collaboration(
                    actor=request.user,
                    collaboration=collaboration,
                    values=form.values(),
                    organisations=data["organisations"],
                    people=data["people"],
                )
                flash.success(request, _("Collaboration saved."))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("network:collaboration", collaboration.pk)
    return render(
        request,
        "network/manage/collaboration_form.html",
        {"form": form, "collaboration": collaboration, "tab": "collaborations"},
        status=400 if form.errors else 200,
    )


@animator_required
@require_POST
def collaboration_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the status along ``COLLABORATION_TRANSITIONS``; an illegal move is refused."""
    collaboration = _collaboration(pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Choose the new status."))
        return redirect("network:collaboration", collaboration.pk)
    try:
        services.move_collaboration(
            actor=request.user, collaboration=collaboration, status=form.cleaned_data["status"]
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
        return redirect("network:collaboration", collaboration.pk)
    flash.success(
        request,
        _("Status: %(status)s.") % {"status": collaboration.get_status_display()},
    )
    return redirect("network:collaboration", collaboration.pk)


# -- the network page ------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    return form, start, end


def trend_chart(metrics: graph.Metrics) -> str:
    title = _("Osmosis index per quarter")
    points = [
        (date.fromisoformat(row["to"]), row["osmosis_index"])
        for row in metrics.trend
        if row["osmosis_index"] is not None
    ]
    return charts.line_chart(
        [charts.Series(_("Osmosis index"), points)],
        title=title,
        value_format=charts.format_percent,
        chart_id="chart-osmosis-trend",
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else charts.format_percent(value)


def _upcoming_events() -> list[Event]:
    return list(
        Event.objects.filter(
            starts_at__gte=timezone.now(),
            status__in=[EventStatus.PUBLISHED, EventStatus.DRAFT],
        ).order_by("starts_at")[:5]
    )


def _emails_of(organisation_ids: list[int]) -> list[str]:
    return sorted(
        {
            email
            for email in Affiliation.objects.filter(
                organisation_id__in=organisation_ids,
                ended_on__isnull=True,
                person__erased_at__isnull=True,
                person__merged_into=None,
            ).values_list("person__email", flat=True)
            if email
        }
    )


@network_readers
@require_GET
def network_page(request: HttpRequest) -> HttpResponse:
    """The period's figures and trend; animators also see the organisations behind them."""
    form, start, end = _period(request)
    metrics = graph.metrics(start, end)
    animator = user_has_role(request.user, Role.ANIMATOR)
    labels = exports.kind_labels()
    isolated = exports.listed(metrics) if animator else []
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    sector_labels = dict(Sector.choices)
    return render(
        request,
        "network/manage/network.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "metrics": metrics,
            "osmosis_index": _percent(metrics.osmosis_index),
            "ties_by_kind": [
                (labels.get(k, k), count) for k, count in metrics.ties_by_kind.items()
            ],
            "trend": [{**row, "index": _percent(row["osmosis_index"])} for row in metrics.trend],
            "trend_svg": trend_chart(metrics),
            "animator": animator,
            "bridging": [
                {**row, "sector_label": sector_labels.get(row["sector"], "")}
                for row in metrics.bridging
            ]
            if animator
            else [],
            "isolated": [
                {**row, "sector_label": sector_labels.get(row["sector"], "")} for row in isolated
            ],
            "isolated_more": next((r["more"] for r in metrics.isolated if "more" in r), 0)
            if animator
            else 0,
            "isolated_emails": _emails_of([r["id"] for r in isolated]) if animator else [],
            "upcoming": _upcoming_events() if animator else [],
            "query": query,
            "tab": "network",
        },
    )


@network_readers
@require_GET
def network_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The figures as CSV or XLSX (funders: without the organisations' names)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, start, end = _period(request)
    metrics = graph.metrics(start, end)
    sections = exports.sections(metrics, with_names=user_has_role(request.user, Role.ANIMATOR))
    stem = f"osmose-network-{start.isoformat()}-{end.isoformat()}"
    if fmt == "csv":
        rows = ([name, *row] for name, section_rows in sections for row in section_rows)
        return _download(
            registry_exports.csv_lines(exports.FIGURE_COLUMNS, rows),
            "text/csv; charset=utf-8",
            f"{stem}.csv",
        )
    return _download(
        exports.xlsx_sheets([(name, exports.FIGURE_COLUMNS[1:], rows) for name, rows in sections]),
        XLSX,
        f"{stem}.xlsx",
    )


@animator_required
@require_GET
def ties_export(request: HttpRequest) -> HttpResponseBase:
    """The period's ties, one pair of organisations a row (CSV)."""
    _form, start, end = _period(request)
    return _download(
        registry_exports.csv_lines(exports.TIE_COLUMNS, exports.tie_rows(start, end)),
        "text/csv; charset=utf-8",
        f"osmose-network-ties-{start.isoformat()}-{end.isoformat()}.csv",
    )
