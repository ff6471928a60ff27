"""The organiser's B2B pages (animators only): settings and sessions, participants,
requests, meetings, the scheduler and its grid, and the files for the room and the CLI.

Every write goes through ``services`` or ``scheduling``; events are fetched with
``get_event_for_user(..., write=True)``.
"""

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.core.jobs import requested_job, start_job
from osmose.core.models import JobProgress
from osmose.events.access import get_event_for_user
from osmose.events.manage_selectors import event_with_counts
from osmose.events.models import Event, Registration, RegistrationStatus
from osmose.matchmaking import agenda, scheduling, services, tasks
from osmose.matchmaking.manage_forms import (
    AddMeetingForm,
    BrokerageForm,
    ForbidForm,
    ImportResultForm,
    ParticipantLimitsForm,
    RunForm,
    session_formset,
)
from osmose.matchmaking.models import (
    Brokerage,
    Exclusion,
    ExclusionSource,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Offer,
    OfferKind,
    Participant,
    RequestStatus,
    RunStatus,
    ScheduleRun,
)

PAGE_SIZE = 100
PEOPLE = Prefetch(
    "participants",
    queryset=Participant.objects.select_related(
        "registration__person", "registration__organisation"
    ),
)


def _form_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _context(event: Event, b2b_tab: str, brokerage: Brokerage | None) -> dict[str, Any]:
    """What the events' header and the B2B sub-navigation need."""
    return {
        "event": event_with_counts(event),
        "tab": reverse("matchmaking:manage", args=[event.pk]),
        "b2b_tab": b2b_tab,
        "brokerage": brokerage,
    }


def _brokerage(event: Event) -> Brokerage | None:
    return Brokerage.objects.filter(event=event).first()


def _with_job(url: str, job: JobProgress) -> str:
    return f"{url}?{urlencode({'job': job.task_id})}"


# --- Overview: enabling, settings and sessions -----------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable B2B meetings; then their settings (POST ``settings``) and sessions
    (POST ``sessions``), with the figures and the last scheduler run."""
    event = get_event_for_user(request.user, pk, write=True)
    brokerage = _brokerage(event)
    url = reverse("matchmaking:manage", args=[event.pk])
    action = request.POST.get("action", "")
    if brokerage is None:
        if request.method == "POST" and action == "enable":
            services.enable(event, actor=request.user)
            flash.success(request, _("B2B meetings enabled: add the meeting sessions."))
            return redirect(url)
        return render(request, "matchmaking/manage/enable.html", _context(event, "overview", None))
    posted = request.POST if request.method == "POST" else None
    form = BrokerageForm(posted if action == "settings" else None, brokerage=brokerage, event=event)
    sessions = session_formset(
        posted if action == "sessions" else None, brokerage=brokerage, event=event
    )
    session_errors: list[str] = []
    if action == "settings" and form.is_valid():
        try:
            services.update(brokerage, actor=request.user, **form.service_values)
            flash.success(request, _("Settings saved."))
            return redirect(url)
        except ValidationError as error:
            _form_errors(form, error)
    elif action == "sessions" and sessions.is_valid():
        try:
            services.set_sessions(brokerage, sessions.sessions(), actor=request.user)
            flash.success(request, _("Meeting sessions saved."))
            return redirect(url)
        except ValidationError as error:
            session_errors = error.messages
    elif request.method == "POST" and action not in ("settings", "sessions"):
        return redirect(url)
    last_run = brokerage.runs.first()
    context = _context(event, "overview", brokerage)
    context.update(
        {
            "form": form,
            "sessions": sessions,
            "session_errors": session_errors,
            "session_slots": _session_slots(brokerage),
            "figures": _figures(brokerage),
            "last_run": last_run,
            "last_run_text": scheduling.describe(last_run) if last_run else "",
        }
    )
    invalid = request.method == "POST"
    return render(
        request, "matchmaking/manage/overview.html", context, status=400 if invalid else 200
    )


def _session_slots(brokerage: Brokerage) -> list[tuple[Any, int]]:
    counts = Counter(slot.session.pk for slot in brokerage.slots())
    return [(session, counts[session.pk]) for session in brokerage.sessions.all()]


def _figures(brokerage: Brokerage) -> dict[str, int]:
    participants = Participant.objects.filter(brokerage=brokerage, active=True)
    offers = Counter(
        dict(
            Offer.objects.filter(participant__in=participants)
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    )
    requests = Counter(
        dict(
            MeetingRequest.objects.filter(brokerage=brokerage)
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    )
    meetings = Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED).aggregate(
        planned=Count("pk"), placed=Count("pk", filter=Q(slot__isnull=False))
    )
    return {
        "participants": participants.count(),
        "offers": offers[OfferKind.OFFER],
        "requests": offers[OfferKind.REQUEST],
        "pending": requests[RequestStatus.PENDING],
        "accepted": requests[RequestStatus.ACCEPTED],
        "declined": requests[RequestStatus.DECLINED],
        "planned": meetings["planned"],
        "placed": meetings["placed"],
        "unplaced": meetings["planned"] - meetings["placed"],
    }


def _enabled(request: HttpRequest, pk: int) -> tuple[Event, Brokerage]:
    event = get_event_for_user(request.user, pk, write=True)
    brokerage = _brokerage(event)
    if brokerage is None:
        raise Http404
    return event, brokerage


# --- Participants ----------------------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    """The participants; POST ``add_all`` joins every confirmed registrant, ``limits`` saves
    one participant's maximum and unavailable slots (``?edit=<pk>`` shows that form)."""
    event = get_event_for_user(request.user, pk, write=True)
    brokerage = _brokerage(event)
    if brokerage is None:
        return redirect("matchmaking:manage", event.pk)
    url = reverse("matchmaking:participants", args=[event.pk])
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "add_all":
        added = 0
        for registration in Registration.objects.filter(
            event=event, status=RegistrationStatus.CONFIRMED, b2b__isnull=True
        ).order_by("pk"):
            services.join(registration)
            added += 1
        flash.success(
            request,
            ngettext("%(count)d registrant added.", "%(count)d registrants added.", added)
            % {"count": added},
        )
        return redirect(url)
    edited = None
    limits = None
    edit_pk = request.POST.get("participant") if action == "limits" else request.GET.get("edit")
    if edit_pk and str(edit_pk).isdigit():
        edited = get_object_or_404(
            Participant.objects.select_related("registration__person"),
            pk=int(edit_pk),
            brokerage=brokerage,
        )
        limits = ParticipantLimitsForm(
            request.POST if action == "limits" else None,
            participant=edited,
            time_zone=event.time_zone,
        )
        if action == "limits" and limits.is_valid():
            try:
                services.set_max_meetings(
                    edited, max_meetings=limits.cleaned_data["max_meetings"], actor=request.user
                )
                services.update_profile(
                    edited, unavailable_slots=limits.cleaned_data["unavailable_slots"]
                )
                flash.success(
                    request, _("Saved for %(name)s.") % {"name": edited.registration.person}
                )
                return redirect(url)
            except ValidationError as error:
                _form_errors(limits, error)
    elif request.method == "POST":
        return redirect(url)
    people = (
        Participant.objects.filter(brokerage=brokerage)
        .select_related("registration__person", "registration__organisation")
        .annotate(
            n_meetings=Count(
                "meetings", filter=Q(meetings__status=MeetingStatus.PLANNED), distinct=True
            ),
            n_offers=Count("offers", filter=Q(offers__kind=OfferKind.OFFER), distinct=True),
            n_requests=Count("offers", filter=Q(offers__kind=OfferKind.REQUEST), distinct=True),
        )
        .order_by("-active", "registration__person__family_name", "pk")
    )
    waiting = Registration.objects.filter(
        event=event, status=RegistrationStatus.CONFIRMED, b2b__isnull=True
    ).count()
    context = _context(event, "participants", brokerage)
    context.update(
        {
            "page": Paginator(people, PAGE_SIZE).get_page(request.GET.get("page")),
            "waiting": waiting,
            "edited": edited,
            "limits": limits,
        }
    )
    invalid = limits is not None and bool(limits.errors)
    return render(
        request, "matchmaking/manage/participants.html", context, status=400 if invalid else 200
    )


# --- Requests --------------------------------------------------------------------------------


@animator_required
@require_GET
def requests(request: HttpRequest, pk: int) -> HttpResponse:
    """Every meeting request, filtered by ``?status=``."""
    event = get_event_for_user(request.user, pk, write=True)
    brokerage = _brokerage(event)
    if brokerage is None:
        return redirect("matchmaking:manage", event.pk)
    rows = MeetingRequest.objects.filter(brokerage=brokerage).select_related(
        "requester__registration__person",
        "requester__registration__organisation",
        "recipient__registration__person",
        "recipient__registration__organisation",
        "suggested__registration__person",
    )
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        rows = rows.filter(status=status)
    context = _context(event, "requests", brokerage)
    context.update(
        {
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "statuses": RequestStatus.choices,
            "status": status,
            "params": urlencode({"status": status}) if status else "",
        }
    )
    return render(request, "matchmaking/manage/requests.html", context)


# --- Meetings --------------------------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def meetings(request: HttpRequest, pk: int) -> HttpResponse:
    """The meetings (``?status=planned|cancelled|all``); POST ``add`` makes one, ``forbid``
    forbids a pair."""
    event = get_event_for_user(request.user, pk, write=True)
    brokerage = _brokerage(event)
    if brokerage is None:
        return redirect("matchmaking:manage", event.pk)
    url = reverse("matchmaking:meetings", args=[event.pk])
    action = request.POST.get("action", "")
    posted = request.POST if request.method == "POST" else None
    add = AddMeetingForm(
        posted if action == "add" else None, brokerage=brokerage, time_zone=event.time_zone
    )
    forbid = ForbidForm(posted if action == "forbid" else None, brokerage=brokerage)
    if action == "add" and add.is_valid():
        try:
            services.add_meeting(
                brokerage,
                add.cleaned_data["participants"],
                actor=request.user,
                force=add.cleaned_data["force"],
                fixed_slot=add.cleaned_data["fixed_slot"],
                session=add.cleaned_data["session"],
            )
            flash.success(request, _("Meeting added."))
            return redirect(url)
        except ValidationError as error:
            _form_errors(add, error)
    elif action == "forbid" and forbid.is_valid():
        first, second = forbid.cleaned_data["first"], forbid.cleaned_data["second"]
        try:
            services.forbid(brokerage, first, second, actor=request.user)
            flash.success(
                request,
                _("%(a)s and %(b)s will not meet.")
                % {"a": first.registration.person, "b": second.registration.person},
            )
            return redirect(url)
        except ValidationError as error:
            _form_errors(forbid, error)
    elif request.method == "POST" and action not in ("add", "forbid"):
        return redirect(url)
    status = request.GET.get("status", MeetingStatus.PLANNED)
    rows = (
        Meeting.objects.filter(brokerage=brokerage)
        .select_related("session")
        .prefetch_related(PEOPLE)
        .order_by("status", "slot", "table", "pk")
    )
    if status in MeetingStatus.values:
        rows = rows.filter(status=status)
    else:
        status = "all"
    slots = {slot.number: slot for slot in brokerage.slots()}
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = [_meeting_row(meeting, brokerage, slots, event.time_zone) for meeting in page]
    bans = (
        Exclusion.objects.filter(brokerage=brokerage, source=ExclusionSource.ORGANISER)
        .select_related(
            "participant__registration__person",
            "participant__registration__organisation",
            "other__registration__person",
            "other__registration__organisation",
        )
        .order_by("pk")
    )
    context = _context(event, "meetings", brokerage)
    context.update(
        {
            "add": add,
            "forbid": forbid,
            "page": page,
            "rows": listed,
            "status": status,
            "statuses": [*MeetingStatus.choices, ("all", _("All"))],
            "bans": [
                (agenda.participant_label(b.participant), agenda.participant_label(b.other))
                for b in bans
            ],
        }
    )
    invalid = bool(add.errors or forbid.errors)
    return render(
        request, "matchmaking/manage/meetings.html", context, status=400 if invalid else 200
    )


@dataclass
class MeetingRow:
    meeting: Meeting
    people: list[str]
    when: str
    table: str


def _meeting_row(meeting: Meeting, brokerage: Brokerage, slots: dict, zone: str) -> MeetingRow:
    slot = slots.get(meeting.slot) if meeting.slot else None
    when = f"{slot.session.name} · {agenda.slot_label(slot, zone)}" if slot else ""
    return MeetingRow(
        meeting=meeting,
        people=[agenda.participant_label(p) for p in meeting.participants.all()],
        when=when,
        table=brokerage.table_name(meeting.table),
    )


@animator_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    event, brokerage = _enabled(request, pk)
    meeting = get_object_or_404(Meeting, pk=meeting_pk, brokerage=brokerage)
    services.cancel_meeting(meeting, actor=request.user)
    flash.success(request, _("Meeting cancelled; its participants are told."))
    return redirect("matchmaking:meetings", event.pk)


# --- Scheduling ------------------------------------------------------------------------------


@dataclass
class GridLine:
    label: str
    session: str
    cells: list[list[str]]


@animator_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the scheduler (POST ``run``), apply a run without fairness (``without_fairness``),
    clear (``clear``), publish (``publish``) or import a result (``import``); the grid."""
    event = get_event_for_user(request.user, pk, write=True)
    brokerage = _brokerage(event)
    if brokerage is None:
        return redirect("matchmaking:manage", event.pk)
    url = reverse("matchmaking:schedule", args=[event.pk])
    action = request.POST.get("action", "")
    posted = request.POST if request.method == "POST" else None
    run_form = RunForm(posted if action == "run" else None)
    import_form = ImportResultForm(
        posted if action == "import" else None, request.FILES if action == "import" else None
    )
    if action == "run" and run_form.is_valid():
        try:
            # One transaction: a run is never left "running" without its task.
            with transaction.atomic():
                run = scheduling.start_run(
                    brokerage, actor=request.user, time_limit=run_form.cleaned_data["time_limit"]
                )
                job = start_job(
                    tasks.run_scheduler,
                    title=_("Scheduling the B2B meetings of %(event)s") % {"event": event.title},
                    owner=request.user,
                    run_id=run.pk,
                )
                ScheduleRun.objects.filter(pk=run.pk).update(task_id=job.task_id)
        except ValidationError as error:
            _form_errors(run_form, error)
        else:
            flash.success(request, _("The scheduler is running."))
            return redirect(_with_job(url, job))
    elif action == "import" and import_form.is_valid():
        try:
            run = scheduling.import_result(
                brokerage, import_form.cleaned_data["result"], actor=request.user
            )
            flash.success(request, scheduling.describe(run))
            return redirect(url)
        except ValidationError as error:
            _form_errors(import_form, error)
    elif action in ("without_fairness", "clear", "publish"):
        return _schedule_action(request, brokerage, action, url)
    elif request.method == "POST" and action not in ("run", "import"):
        return redirect(url)
    runs = list(brokerage.runs.select_related("started_by")[:20])
    context = _context(event, "schedule", brokerage)
    context.update(
        {
            "run_form": run_form,
            "import_form": import_form,
            "job": requested_job(request),
            "runs": [(run, scheduling.describe(run), _offers_fallback(run)) for run in runs],
            "grid": _grid(brokerage, event.time_zone),
            "tables": [brokerage.table_name(n) for n in range(1, brokerage.table_count + 1)],
            "unplaced": [
                (meeting, [agenda.participant_label(p) for p in meeting.participants.all()])
                for meeting in Meeting.objects.filter(
                    brokerage=brokerage, status=MeetingStatus.PLANNED, slot__isnull=True
                )
                .prefetch_related(PEOPLE)
                .order_by("pk")
            ],
            "running": any(run.status == RunStatus.RUNNING for run in runs),
        }
    )
    invalid = bool(run_form.errors or import_form.errors)
    return render(
        request, "matchmaking/manage/schedule.html", context, status=400 if invalid else 200
    )


def _offers_fallback(run: ScheduleRun) -> bool:
    """An infeasible (or timed-out) run whose schedule without fairness was not used yet."""
    return (
        run.status in (RunStatus.INFEASIBLE, RunStatus.UNKNOWN)
        and bool(run.result.get("without_fairness"))
        and not run.applied
    )


def _schedule_action(
    request: HttpRequest, brokerage: Brokerage, action: str, url: str
) -> HttpResponse:
    if request.method != "POST":
        return redirect(url)
    try:
        if action == "without_fairness":
            run_pk = request.POST.get("run", "")
            if not run_pk.isdigit():
                raise Http404
            run = get_object_or_404(ScheduleRun, pk=int(run_pk), brokerage=brokerage)
            scheduling.apply(run, without_fairness=True, actor=request.user)
            flash.success(request, _("The schedule without the fairness bound is in use."))
        elif action == "clear":
            count = scheduling.clear(brokerage, actor=request.user)
            flash.success(
                request,
                ngettext(
                    "%(count)d meeting taken off the grid.",
                    "%(count)d meetings taken off the grid.",
                    count,
                )
                % {"count": count},
            )
        else:
            job = services.publish(brokerage, actor=request.user)
            flash.success(request, _("Schedule published: the agendas are being sent."))
            return redirect(_with_job(url, job))
    except (ValidationError, ValueError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        for message in messages:
            flash.error(request, message)
    return redirect(url)


def _grid(brokerage: Brokerage, zone: str) -> list[GridLine]:
    return [
        GridLine(
            label=agenda.slot_label(row.slot, zone),
            session=row.slot.session.name,
            cells=[
                [agenda.participant_label(p) for p in cell.participants.all()] if cell else []
                for cell in row.cells
            ],
        )
        for row in agenda.grid(brokerage)
    ]


# --- Files -----------------------------------------------------------------------------------


@animator_required
@require_GET
def grid_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    event, brokerage = _enabled(request, pk)
    response = HttpResponse(agenda.grid_pdf(brokerage), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-b2b-grid.pdf"'
    return response


@animator_required
@require_GET
def instance_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The problem for ``osmose schedule-meetings`` (``osmose-b2b/1``)."""
    event, brokerage = _enabled(request, pk)
    data = scheduling.export_instance(brokerage)
    response = HttpResponse(
        json.dumps(data, indent=1, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-b2b.json"'
    return response


@animator_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every event with B2B meetings, coming ones first, with where each one stands
    (each count a subquery: joining participants, meetings and requests would multiply)."""

    def count(model: Any, **filters: Any) -> Coalesce:
        rows = (
            model.objects.filter(brokerage=OuterRef("pk"), **filters)
            .order_by()
            .values("brokerage")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows), 0)

    brokerages = (
        Brokerage.objects.select_related("event")
        .annotate(
            participant_count=count(Participant, active=True),
            planned=count(Meeting, status=MeetingStatus.PLANNED),
            placed=count(Meeting, status=MeetingStatus.PLANNED, slot__isnull=False),
            pending=count(MeetingRequest, status=RequestStatus.PENDING),
        )
        .order_by("-event__starts_at")
    )
    return render(request, "matchmaking/manage/index.html", {"brokerages": brokerages})
