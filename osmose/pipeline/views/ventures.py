"""The animator's ventures pages: the list and its kanban (a card moves with a form), the
venture page and its sections, creating and editing a venture.

Every write goes through ``osmose.pipeline.services``; a refusal (a stage rule, a deal
transition) is shown next to what was submitted, and nothing is changed.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.core import charts
from osmose.pipeline import selectors, services
from osmose.pipeline.forms import (
    DealForm,
    DealMoveForm,
    IpForm,
    MilestoneForm,
    MoveForm,
    RoundForm,
    SupportForm,
    TeamMemberForm,
    TrlForm,
    VentureFilterForm,
    VentureForm,
)
from osmose.pipeline.models import (
    CREATED_STAGES,
    ENDS,
    PIPELINE,
    Deal,
    Milestone,
    Stage,
    Venture,
)
from osmose.pipeline.views.common import form_errors, get_venture_for_user, is_htmx
from osmose.registry.directory import DirectoryQuery

PAGE_SIZE = 100


# --- The list and the kanban ------------------------------------------------------------------


def filtered_ventures(filters: dict[str, Any]) -> QuerySet[Venture]:
    ventures = selectors.ventures()
    if filters.get("stage"):
        ventures = ventures.filter(stage=filters["stage"])
    if filters.get("origin"):
        text = filters["origin"]
        ventures = ventures.filter(
            Q(origin__name__icontains=text) | Q(origin__acronym__icontains=text)
        )
    if filters.get("term"):
        ventures = ventures.filter(terms=filters["term"]).distinct()
    if filters.get("created") == "yes":
        ventures = ventures.filter(stage__in=CREATED_STAGES, company__isnull=False)
    elif filters.get("created") == "no":
        ventures = ventures.exclude(stage__in=CREATED_STAGES, company__isnull=False)
    return ventures


def board(ventures: QuerySet[Venture]) -> list[tuple[Stage, list[Venture]]]:
    """The kanban's columns (as ``selectors.kanban``) for the filtered ventures."""
    columns: dict[str, list[Venture]] = {s: [] for s in [*PIPELINE, *ENDS]}
    for venture in ventures.order_by("stage_since", "name", "pk"):
        columns.setdefault(venture.stage, []).append(venture)
    return [(Stage(s), columns[s]) for s in [*PIPELINE, *ENDS]]


def _index_page(
    request: HttpRequest,
    params: QueryDict,
    *,
    failed: MoveForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The list (``?view=list``) or the kanban; ``failed`` is a refused move, shown on its card."""
    form = VentureFilterForm(params or None)
    filters = form.filters()
    ventures = filtered_ventures(filters)
    query = params.urlencode()
    view = "list" if params.get("view") == "list" else "kanban"
    context: dict[str, Any] = {
        "form": form,
        "query": query,
        "filtered": bool(filters),
        "view": view,
        "notice": notice,
        "failed": failed,
        "today": timezone.localdate(),
    }
    if view == "list":
        context["page"] = Paginator(ventures.order_by("name", "pk"), PAGE_SIZE).get_page(
            params.get("page")
        )
        params_without_page = params.copy()
        params_without_page.pop("page", None)
        context["page_query"] = params_without_page.urlencode()
    else:
        columns = board(ventures)
        context["columns"] = [
            (stage, [_card(v, failed) for v in cards]) for stage, cards in columns
        ]
        context["count"] = sum(len(cards) for _stage, cards in columns)
    return render(request, "pipeline/index.html", context, status=status)


def _card(venture: Venture, failed: MoveForm | None) -> tuple[Venture, MoveForm, bool]:
    """A kanban card: the venture, its "Move to…" form, and whether that form was refused."""
    if failed is not None and failed.venture.pk == venture.pk:
        return venture, failed, True
    return venture, MoveForm(venture=venture), False


@animator_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _index_page(request, request.GET)


def _back_query(request: HttpRequest) -> QueryDict:
    """The filters of the page the move was made from (sent back in a hidden field)."""
    return QueryDict(request.POST.get("query", "")[:500])


@animator_required
@require_POST
def venture_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a venture to a stage (from its kanban card or its page: ``back=detail``)."""
    venture = get_object_or_404(Venture.objects.select_related("company"), pk=pk)
    form = MoveForm(request.POST, venture=venture)
    from_detail = request.POST.get("back") == "detail"
    if form.is_valid():
        try:
            services.move_to_stage(actor=request.user, venture=venture, **form.service_values)
        except ValidationError as error:
            form_errors(form, error)
        else:
            notice = _("%(venture)s moved to “%(stage)s”.") % {
                "venture": venture.name,
                "stage": Stage(venture.stage).label,
            }
            if from_detail:
                flash.success(request, notice)
                return redirect("pipeline:venture", venture.pk)
            query = _back_query(request)
            if is_htmx(request):
                return _index_page(request, query, notice=notice)
            flash.success(request, notice)
            url = reverse("pipeline:index")
            return redirect(f"{url}?{query.urlencode()}" if query else url)
    if from_detail:
        return _detail_page(request, venture.pk, bound={"move": form}, status=400)
    # htmx swaps only successful answers: the refused move comes back as a 200 with its errors.
    status = 200 if is_htmx(request) else 400
    return _index_page(request, _back_query(request), failed=form, status=status)


# --- Creating and editing -------------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def venture_create(request: HttpRequest) -> HttpResponse:
    form = VentureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venture = services.create_venture(
                actor=request.user,
                values=form.service_values,
                terms=form.cleaned_data["terms"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            flash.success(request, _("Venture created, at the idea stage."))
            return redirect("pipeline:venture", venture.pk)
    return render(
        request,
        "pipeline/venture_form.html",
        {"form": form, "venture": None},
        status=400 if form.errors else 200,
    )


@animator_required
@require_http_methods(["GET", "POST"])
def venture_edit(request: HttpRequest, pk: int) -> HttpResponse:
    venture = get_venture_for_user(request.user, pk)
    form = VentureForm(request.POST or None, venture=venture)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_venture(
                actor=request.user,
                venture=venture,
                values=form.service_values,
                terms=form.cleaned_data["terms"],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            flash.success(request, _("Venture saved."))
            return redirect("pipeline:venture", venture.pk)
    return render(
        request,
        "pipeline/venture_form.html",
        {"form": form, "venture": venture},
        status=400 if form.errors else 200,
    )


# --- The venture page -----------------------------------------------------------------------


def trl_chart(venture: Venture) -> str:
    records = list(venture.trl_records.all())
    title = _("TRL over time")
    return charts.line_chart(
        [charts.Series(_("TRL"), [(r.on, r.level) for r in records])],
        title=title,
        width=440,
        height=200,
        chart_id=f"chart-trl-{venture.pk}",
    )


SECTION_FORMS: dict[str, Callable[..., forms.BaseForm]] = {
    "trl": lambda data, venture: TrlForm(data, prefix="trl"),
    "team": lambda data, venture: TeamMemberForm(data, prefix="team"),
    "ip": lambda data, venture: IpForm(data, prefix="ip"),
    "support": lambda data, venture: SupportForm(data, prefix="support"),
    "rounds": lambda data, venture: RoundForm(data, prefix="round"),
    "deals": lambda data, venture: DealForm(data, venture=venture, prefix="deal"),
    "milestones": lambda data, venture: MilestoneForm(data, prefix="milestone"),
}


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The venture page; ``bound`` holds the refused forms (by section, ``move``, or
    ``deal-<pk>``), shown with their errors."""
    bound = bound or {}
    venture = get_venture_for_user(request.user, pk)
    today = timezone.localdate()
    section_forms = {
        name: bound.get(name) or make(None, venture) for name, make in SECTION_FORMS.items()
    }
    deals = []
    all_deals = list(venture.deals.all())
    conflicts = selectors.conflicts_by_deal(all_deals)
    for deal in all_deals:
        move_form = bound.get(f"deal-{deal.pk}") or DealMoveForm(deal=deal)
        deals.append(
            {
                "deal": deal,
                "form": move_form if move_form.allowed else None,
                "conflicts": conflicts.get(deal.pk, []),
            }
        )
    move = bound.get("move") or MoveForm(venture=venture)
    milestones = [(m, m.done_on is None and m.due_on < today) for m in venture.milestones.all()]
    return render(
        request,
        "pipeline/venture_detail.html",
        {
            "venture": venture,
            "move": move if move.allowed else None,
            "forms": section_forms,
            "deals": deals,
            "milestones": milestones,
            "trl_chart": trl_chart(venture),
            "today": today,
            "company": venture.company,
        },
        status=status,
    )


@animator_required
@require_GET
def venture_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


SECTION_MESSAGES = {
    "trl": gettext_lazy("TRL recorded."),
    "team": gettext_lazy("Team member added."),
    "ip": gettext_lazy("Intellectual property added."),
    "support": gettext_lazy("Support action added."),
    "rounds": gettext_lazy("Funding round added."),
    "deals": gettext_lazy("Deal proposed to the seed fund."),
    "milestones": gettext_lazy("Milestone added."),
}


def _save_section(section: str, form: Any, *, actor: Any, venture: Venture) -> None:
    data = form.cleaned_data
    if section == "trl":
        services.record_trl(
            actor=actor, venture=venture, level=data["level"], on=data["on"], note=data["note"]
        )
    elif section == "team":
        services.add_team_member(
            actor=actor,
            venture=venture,
            person=data["person"],
            role=data["role"],
            since=data["since"],
        )
    elif section == "ip":
        services.add_ip(actor=actor, venture=venture, **data)
    elif section == "support":
        services.add_support(actor=actor, venture=venture, **data)
    elif section == "rounds":
        services.add_round(
            actor=actor,
            venture=venture,
            on=data["on"],
            instrument=data["instrument"],
            amount=data["amount"],
            investors=form.chosen_investors(),
            note=data["note"],
        )
    elif section == "deals":
        services.propose_deal(
            actor=actor,
            venture=venture,
            fund=data["fund"],
            on=data["on"],
            amount=data["amount"],
            follow_on_of=data["follow_on_of"],
            note=data["note"],
        )
    else:
        services.add_milestone(
            actor=actor, venture=venture, title=data["title"], due_on=data["due_on"]
        )


@animator_required
@require_POST
def venture_add(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Add to one section of the venture page (TRL, team, IP, support, rounds, deals,
    milestones)."""
    if section not in SECTION_FORMS:
        raise Http404
    venture = get_object_or_404(Venture, pk=pk)
    form = SECTION_FORMS[section](request.POST, venture)
    if form.is_valid():
        try:
            _save_section(section, form, actor=request.user, venture=venture)
        except ValidationError as error:
            form_errors(form, error)
        else:
            flash.success(request, SECTION_MESSAGES[section])
            return redirect(reverse("pipeline:venture", args=[venture.pk]) + f"#{section}")
    return _detail_page(request, venture.pk, bound={section: form}, status=400)


@animator_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a seed-fund deal along its transitions; "invested" records the funding round."""
    deal = get_object_or_404(Deal.objects.select_related("venture", "fund"), pk=pk)
    form = DealMoveForm(request.POST, deal=deal)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.move_deal(
                actor=request.user,
                deal=deal,
                status=data["status"],
                on=data["on"],
                amount=data.get("amount"),
                instrument=data.get("instrument") or "equity",
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            flash.success(request, _("Deal moved."))
            return redirect(reverse("pipeline:venture", args=[deal.venture_id]) + "#deals")
    return _detail_page(request, deal.venture_id, bound={f"deal-{deal.pk}": form}, status=400)


@animator_required
@require_POST
def milestone_done(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    milestone = get_object_or_404(
        Milestone.objects.select_related("venture"), pk=milestone_pk, venture_id=pk
    )
    if milestone.done_on is None:
        raw = request.POST.get("on", "")
        try:
            on = date.fromisoformat(raw) if raw else None
        except ValueError:
            on = None
        services.complete_milestone(actor=request.user, milestone=milestone, on=on)
        flash.success(request, _("Milestone marked done."))
    return redirect(reverse("pipeline:venture", args=[pk]) + "#milestones")


# --- Lookups --------------------------------------------------------------------------------


@animator_required
@require_GET
def person_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for a person field: ``<option>``s for its ``<datalist>`` (htmx)."""
    text = next((str(v) for v in request.GET.values() if str(v).strip()), "")[:100]
    people = DirectoryQuery.from_params("people", {"q": text}).results()[:10] if text else []
    return render(request, "pipeline/_person_options.html", {"people": people})
