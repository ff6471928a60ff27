"""The organiser's pages (animators only): events, sessions, the registration form,
registrations, badges, invitations and messages.

Every write goes through ``osmose.events.services``; events are fetched with
``get_event_for_user(..., write=True)``.
"""

import copy
from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.core.jobs import requested_job, start_job
from osmose.events import services
from osmose.events.access import get_event_for_user, get_registration_for_user
from osmose.events.manage_forms import (
    EventForm,
    InvitationForm,
    ManualRegistrationForm,
    MessageForm,
    QuestionForm,
    SessionForm,
    find_communes,
)
from osmose.events.manage_selectors import (
    RegistrationFilter,
    answer_charts,
    event_with_counts,
    export_table,
    invitation_audience,
    invitation_counts,
    sessions_with_counts,
    waitlist_positions,
    with_counts,
)
from osmose.events.models import (
    EVENT_TRANSITIONS,
    Attendance,
    Event,
    EventKind,
    EventStatus,
    MessageAudience,
    RegistrationSource,
    RegistrationStatus,
)
from osmose.events.tasks import send_event_message, send_invitations
from osmose.registry import exports
from osmose.registry.models import Person

LIST_PAGE_SIZE = 50
REGISTRATIONS_PAGE_SIZE = 100
# Actions on one registration (POST); a GET shows a confirmation page, which the list links
# to for the destructive ones (reject, cancel, undo a check-in).
ACTIONS = {
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "cancel": gettext_lazy("Cancel the registration"),
    "promote": gettext_lazy("Give a seat"),
    "check_in": gettext_lazy("Check in"),
    "undo_check_in": gettext_lazy("Undo the check-in"),
}
# Status changes that cannot be taken back lightly: a confirmation page first.
CONFIRMED_STATUSES = {EventStatus.CANCELLED, EventStatus.ARCHIVED}


def _form_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _manage_context(event: Event, tab: str) -> dict[str, Any]:
    """What the header of every management page shows."""
    counted = event_with_counts(event)
    statuses = [s for s in EventStatus if s in EVENT_TRANSITIONS[event.status]]
    return {
        "event": counted,
        "tab": tab,
        "transitions": [(s.value, s.label, s in CONFIRMED_STATUSES) for s in statuses],
    }


# --- Events -----------------------------------------------------------------------------------


@animator_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    events = with_counts(Event.objects.select_related("commune"))
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    when = request.GET.get("when", "")
    if status in EventStatus.values:
        events = events.filter(status=status)
    if kind in EventKind.values:
        events = events.filter(kind=kind)
    now = timezone.now()
    if when == "upcoming":
        events = events.filter(ends_at__gte=now).order_by("starts_at", "pk")
    elif when == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        events = events.order_by("-starts_at", "-pk")
    page = Paginator(events, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in {"status": status, "kind": kind, "when": when}.items() if v}
    return render(
        request,
        "events/manage/list.html",
        {
            "page": page,
            "statuses": EventStatus.choices,
            "kinds": EventKind.choices,
            "filters": {"status": status, "kind": kind, "when": when},
            "params": urlencode(params),
        },
    )


def _save_event(request: HttpRequest, event: Event | None) -> HttpResponse:
    # The form works on a copy: a ModelForm writes its values into its instance, and the
    # service must see the event as it was to tell what changed.
    form = EventForm(request.POST or None, instance=copy.copy(event) if event else None)
    if request.method == "POST" and form.is_valid():
        try:
            if event is None:
                event = services.create_event(
                    actor=request.user,
                    values=form.service_values,
                    organisers=form.chosen("organisers"),
                    partners=form.chosen("partners"),
                )
                flash.success(request, _("Event created as a draft: publish it when ready."))
            else:
                services.update_event(
                    actor=request.user,
                    event=event,
                    values=form.service_values,
                    organisers=form.chosen("organisers"),
                    partners=form.chosen("partners"),
                )
                flash.success(request, _("Changes saved."))
            return redirect("events:manage", event.pk)
        except ValidationError as error:
            _form_errors(form, error)
    return render(
        request,
        "events/manage/event_form.html",
        {"form": form, "event": event},
        status=400 if form.errors else 200,
    )


@animator_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    return _save_event(request, None)


@animator_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_event(request, get_event_for_user(request.user, pk, write=True))


@animator_required
@require_GET
def commune_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for the commune field: ``<option>``s for its ``<datalist>`` (htmx)."""
    text = next((str(v) for v in request.GET.values() if str(v).strip()), "")[:100]
    communes = find_communes(" ".join(text.split())) if len(text.strip()) >= 2 else []
    return render(request, "events/manage/_commune_options.html", {"communes": communes})


@animator_required
@require_GET
def event_manage(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk, write=True)
    context = _manage_context(event, "overview")
    context.update(
        {
            "sessions": sessions_with_counts(event),
            "question_count": event.questions.count(),
            "invitations": invitation_counts(event),
            "organisers": event.organisers.all(),
            "partners": event.partners.all(),
            "can_close_attendance": event.starts_at <= timezone.now()
            and event.status != EventStatus.CANCELLED,
        }
    )
    return render(request, "events/manage/detail.html", context)


@animator_required
@require_http_methods(["GET", "POST"])
def event_status(request: HttpRequest, pk: int) -> HttpResponse:
    """POST changes the status; GET asks to confirm a cancellation or an archive."""
    event = get_event_for_user(request.user, pk, write=True)
    status = (request.POST if request.method == "POST" else request.GET).get("status", "")
    if status not in EventStatus.values:
        raise Http404
    if request.method == "GET":
        if status not in CONFIRMED_STATUSES:
            return redirect("events:manage", event.pk)
        return render(
            request,
            "events/manage/status_confirm.html",
            {**_manage_context(event, "overview"), "status": EventStatus(status)},
        )
    try:
        services.change_event_status(actor=request.user, event=event, status=status)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request, _("The event is now “%(status)s”.") % {"status": EventStatus(status).label}
        )
    return redirect("events:manage", event.pk)


@animator_required
@require_POST
def attendance_close(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk, write=True)
    if event.starts_at > timezone.now():
        flash.error(request, _("Attendance can be closed once the event has started."))
        return redirect("events:manage", event.pk)
    figures = services.close_attendance(actor=request.user, event=event)
    flash.success(
        request,
        _("Attendance closed: %(attended)s attended, %(no_shows)s no-shows.") % figures,
    )
    return redirect("events:manage", event.pk)


# --- Sessions and the registration form -------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """The event's sessions; POST ``action=save`` (``session`` to edit one) or ``delete``."""
    event = get_event_for_user(request.user, pk, write=True)
    source = request.POST if request.method == "POST" else request.GET
    session_id = str(source.get("session", source.get("edit", "")))
    session = (
        get_object_or_404(event.sessions, pk=int(session_id)) if session_id.isdigit() else None
    )
    form = SessionForm(event=event, session=session)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "delete" and session is not None:
            services.delete_session(actor=request.user, session=session)
            flash.success(request, _("Session deleted."))
            return redirect("events:sessions", event.pk)
        form = SessionForm(request.POST, event=event, session=session)
        if form.is_valid():
            values = dict(form.cleaned_data)
            if session is None:
                last = event.sessions.aggregate(last=Max("position"))["last"]
                values["position"] = 0 if last is None else last + 1
            try:
                services.save_session(
                    actor=request.user, event=event, values=values, session=session
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                flash.success(request, _("Session saved."))
                return redirect("events:sessions", event.pk)
    context = _manage_context(event, "sessions")
    context.update({"sessions": sessions_with_counts(event), "form": form, "session": session})
    return render(
        request, "events/manage/sessions.html", context, status=400 if form.errors else 200
    )


@animator_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration form builder; POST ``action`` = save, delete, up or down."""
    event = get_event_for_user(request.user, pk, write=True)
    source = request.POST if request.method == "POST" else request.GET
    question_id = str(source.get("question", source.get("edit", "")))
    question = (
        get_object_or_404(event.questions, pk=int(question_id)) if question_id.isdigit() else None
    )
    form = QuestionForm(question=question)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action in ("up", "down") and question is not None:
            services.move_question(
                actor=request.user, question=question, offset=-1 if action == "up" else 1
            )
            return redirect("events:questions", event.pk)
        if action == "delete" and question is not None:
            services.delete_question(actor=request.user, question=question)
            flash.success(request, _("Question deleted."))
            return redirect("events:questions", event.pk)
        form = QuestionForm(request.POST, question=question)
        if form.is_valid():
            values = form.service_values
            if question is None:
                last = event.questions.aggregate(last=Max("position"))["last"]
                values["position"] = 0 if last is None else last + 1
            try:
                services.save_question(
                    actor=request.user, event=event, values=values, question=question
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                flash.success(request, _("Question saved."))
                return redirect("events:questions", event.pk)
    question_list = list(event.questions.all())
    charts = answer_charts(event, question_list)
    context = _manage_context(event, "questions")
    context.update(
        {
            "questions": [(q, charts.get(q.pk)) for q in question_list],
            "form": form,
            "question": question,
        }
    )
    return render(
        request, "events/manage/questions.html", context, status=400 if form.errors else 200
    )


# --- Registrations ----------------------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration list; POST offers the free seats to the waiting list."""
    event = get_event_for_user(request.user, pk, write=True)
    if request.method == "POST":
        promoted = services.promote_waitlist(actor=request.user, event=event)
        if promoted:
            flash.success(
                request,
                ngettext(
                    "A seat was offered to %(count)d person on the waiting list.",
                    "Seats were offered to %(count)d people on the waiting list.",
                    len(promoted),
                )
                % {"count": len(promoted)},
            )
        else:
            flash.info(request, _("No free seat, or nobody on the waiting list."))
        return redirect("events:registrations", event.pk)
    selection = RegistrationFilter.from_params(request.GET)
    page = Paginator(selection.apply(event), REGISTRATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    positions = waitlist_positions(event)
    for registration in page:
        registration.waitlist_position = positions.get(registration.pk)  # type: ignore[attr-defined]
    params = selection.as_params()
    context = _manage_context(event, "registrations")
    context.update(
        {
            "page": page,
            "selection": selection,
            "params": urlencode(params),
            "params_without_sort": urlencode({k: v for k, v in params.items() if k != "sort"}),
            "statuses": RegistrationStatus.choices,
            "attendances": Attendance.choices,
            "event_sessions": event.sessions.all(),
            "next": request.get_full_path(),
        }
    )
    return render(request, "events/manage/registrations.html", context)


@animator_required
@require_http_methods(["GET", "POST"])
def registration_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk, write=True)
    form = ManualRegistrationForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        organisation_name, organisation_id = form.cleaned_data["organisation"]
        sessions = form.cleaned_data.get("sessions") or []
        try:
            result = services.register(
                event=event,
                registrant=services.Registrant(
                    given_name=form.cleaned_data["given_name"],
                    family_name=form.cleaned_data["family_name"],
                    email=form.cleaned_data["email"],
                    organisation_name=organisation_name,
                    organisation_id=organisation_id,
                ),
                answers=form.answers(),
                session_ids=[s.pk for s in sessions],
                language=form.cleaned_data["language"],
                source=RegistrationSource.MANUAL,
                actor=request.user,
                organiser=True,
                notify=form.cleaned_data["notify"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            registration = result.registration
            if result.created:
                flash.success(
                    request,
                    _("%(name)s is registered (%(status)s).")
                    % {"name": registration.person, "status": registration.get_status_display()},
                )
            else:
                flash.info(
                    request,
                    _("%(name)s was already registered (%(status)s).")
                    % {"name": registration.person, "status": registration.get_status_display()},
                )
            return redirect("events:registrations", event.pk)
    context = _manage_context(event, "registrations")
    context["form"] = form
    return render(
        request,
        "events/manage/registration_add.html",
        context,
        status=400 if form.errors else 200,
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@animator_required
@require_http_methods(["GET", "POST"])
def registration_action(
    request: HttpRequest, pk: int, registration_pk: int, action: str
) -> HttpResponse:
    """POST runs ``action`` on one registration; GET asks to confirm it first."""
    event = get_event_for_user(request.user, pk, write=True)
    if action not in ACTIONS:
        raise Http404
    registration = get_registration_for_user(request.user, event, registration_pk)
    back = _safe_next(request, reverse("events:registrations", args=[event.pk]))
    if request.method == "GET":
        context = _manage_context(event, "registrations")
        context.update(
            {
                "registration": registration,
                "action": action,
                "action_label": ACTIONS[action],
                "asks_reason": action in ("reject", "cancel"),
                "next": back,
            }
        )
        return render(request, "events/manage/registration_confirm.html", context)
    reason = request.POST.get("reason", "").strip()[:200]
    try:
        match action:
            case "approve":
                services.approve(actor=request.user, registration=registration)
            case "reject":
                services.reject(actor=request.user, registration=registration, reason=reason)
            case "cancel":
                services.cancel(actor=request.user, registration=registration, reason=reason)
            case "promote":
                services.promote_registration(actor=request.user, registration=registration)
            case "check_in":
                services.check_in(actor=request.user, registration=registration)
            case "undo_check_in":
                services.undo_check_in(actor=request.user, registration=registration)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        registration.refresh_from_db()
        flash.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": registration.person, "status": registration.get_status_display()},
        )
    return redirect(back)


@animator_required
@require_GET
def registrations_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The filtered list as CSV or XLSX, one column per question (answers as labels)."""
    event = get_event_for_user(request.user, pk, write=True)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    selection = RegistrationFilter.from_params(request.GET)
    header, rows = export_table(event, selection.apply(event))
    filename = f"event-{event.pk}-registrations.{fmt}"
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            exports.csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.xlsx_bytes(header, rows, title=_("Registrations")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@animator_required
@require_GET
def badges_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Badges as PDF: ``?layout=sheet`` (A4 sheets) or ``single``; ``?status=confirmed|active``."""
    from osmose.events import documents

    event = get_event_for_user(request.user, pk, write=True)
    layout = request.GET.get("layout", "sheet")
    if layout not in ("sheet", "single"):
        layout = "sheet"
    status = request.GET.get("status", RegistrationStatus.CONFIRMED)
    selection = RegistrationFilter(status="active" if status == "active" else "confirmed")
    registrations = (
        selection.apply(event)
        .select_related("event")
        .order_by("person__family_name", "person__given_name", "pk")
    )
    pdf = documents.badges_pdf(list(registrations), layout=layout)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-badges.pdf"'
    return response


# --- Invitations and messages -----------------------------------------------------------------


@animator_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite directory segments and people: POST ``preview`` counts, ``send`` sends."""
    event = get_event_for_user(request.user, pk, write=True)
    form = InvitationForm(request.POST or None)
    audience = None
    if request.method == "POST" and form.is_valid():
        audience = invitation_audience(
            event, form.cleaned_data["segments"], form.cleaned_data["people"]
        )
        if "send" in request.POST:
            if not audience.to_invite:
                flash.info(request, _("Nobody new to invite."))
                return redirect("events:invitations", event.pk)
            people = Person.objects.filter(pk__in=audience.people_ids)
            created = services.invite(actor=request.user, event=event, people=people)
            job = start_job(
                send_invitations,
                title=_("Invitations to %(event)s") % {"event": event.title},
                owner=request.user,
                invitation_ids=[i.pk for i in created],
            )
            flash.success(
                request,
                ngettext(
                    "%(count)d invitation is being sent.",
                    "%(count)d invitations are being sent.",
                    len(created),
                )
                % {"count": len(created)},
            )
            url = reverse("events:invitations", args=[event.pk])
            return redirect(f"{url}?{urlencode({'job': job.task_id})}")
    invitation_list = event.invitations.select_related("person", "registration").order_by(
        "person__family_name", "person__given_name", "pk"
    )
    page = Paginator(invitation_list, REGISTRATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _manage_context(event, "invitations")
    context.update(
        {
            "form": form,
            "audience": audience,
            "counts": invitation_counts(event),
            "page": page,
            "job": requested_job(request),
        }
    )
    return render(
        request, "events/manage/invitations.html", context, status=400 if form.errors else 200
    )


@animator_required
@require_http_methods(["GET", "POST"])
def messages(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to part of the registrants; the recipient counts show before sending."""
    event = get_event_for_user(request.user, pk, write=True)
    counts = {
        audience: services.message_recipients(event, audience).count()
        for audience in MessageAudience.values
    }
    form = MessageForm(request.POST or None)
    cast(forms.ChoiceField, form.fields["audience"]).choices = [
        (value, f"{label} ({counts[value]})") for value, label in MessageAudience.choices
    ]
    if request.method == "POST" and form.is_valid():
        audience = form.cleaned_data["audience"]
        if not counts[audience]:
            form.add_error("audience", _("Nobody is in this group yet."))
        else:
            try:
                message = services.create_message(
                    actor=request.user,
                    event=event,
                    audience=audience,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                job = start_job(
                    send_event_message,
                    title=_("Message “%(subject)s”") % {"subject": message.subject},
                    owner=request.user,
                    message_id=message.pk,
                )
                flash.success(
                    request,
                    ngettext(
                        "The message is being sent to %(count)d person.",
                        "The message is being sent to %(count)d people.",
                        message.recipients,
                    )
                    % {"count": message.recipients},
                )
                url = reverse("events:messages", args=[event.pk])
                return redirect(f"{url}?{urlencode({'job': job.task_id})}")
    context = _manage_context(event, "messages")
    context.update(
        {
            "form": form,
            "past_messages": event.messages.select_related("sent_by"),
            "job": requested_job(request),
        }
    )
    return render(
        request, "events/manage/messages.html", context, status=400 if form.errors else 200
    )
