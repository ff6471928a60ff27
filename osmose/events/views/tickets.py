"""A registrant's tickets: the ticket page (by its secret token), its files, cancel, survey.

The token in the URL is the only key, as in the e-mails: these pages are never cached and
never send it on as a referrer.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import login_required
from osmose.events import services
from osmose.events.access import get_registration_by_token
from osmose.events.forms import SurveyForm
from osmose.events.models import (
    ACTIVE_STATUSES,
    Registration,
    RegistrationStatus,
    SurveyResponse,
)
from osmose.events.views.public import token_page


def _actor(request: HttpRequest) -> object:
    return request.user if request.user.is_authenticated else None


def _survey_open(registration: Registration) -> bool:
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and registration.event.starts_at <= timezone.now()
    )


@login_required
@require_GET
def my_tickets(request: HttpRequest) -> HttpResponse:
    """The logged-in person's registrations: coming events first, then past ones."""
    user = request.user
    registrations = (
        Registration.objects.filter(Q(user=user) | Q(person__user=user))
        .select_related("event__commune")
        .distinct()
    )
    now = timezone.now()
    return render(
        request,
        "events/public/my_tickets.html",
        {
            "upcoming": registrations.filter(event__ends_at__gte=now).order_by(
                "event__starts_at", "pk"
            ),
            "past": registrations.filter(event__ends_at__lt=now).order_by("-event__starts_at")[:50],
        },
    )


@token_page
@require_GET
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    registration = get_registration_by_token(token)
    event = registration.event
    return render(
        request,
        "events/public/ticket.html",
        {
            "registration": registration,
            "event": event,
            "position": services.waitlist_position(registration),
            "choices": registration.session_choices.select_related("session"),
            "can_cancel": registration.is_active and not event.is_past,
            "survey_open": _survey_open(registration),
            "offer_expired": registration.cancel_reason == "offer expired",
        },
    )


@token_page
@require_GET
def ticket_pdf(request: HttpRequest, token: str) -> HttpResponse:
    from osmose.events import documents

    registration = get_registration_by_token(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Http404
    response = HttpResponse(documents.ticket_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ticket-{registration.event_id}.pdf"'
    return response


@token_page
@require_GET
def ticket_ics(request: HttpRequest, token: str) -> HttpResponse:
    from osmose.events import documents

    registration = get_registration_by_token(token)
    if registration.status not in ACTIVE_STATUSES:
        raise Http404
    response = HttpResponse(
        documents.registration_ics(registration), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{registration.event_id}.ics"'
    return response


@token_page
@require_GET
def ticket_qr(request: HttpRequest, token: str) -> HttpResponse:
    from osmose.events import documents

    registration = get_registration_by_token(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Http404
    svg = documents.qr_svg(documents.ticket_payload(registration))
    return HttpResponse(svg, content_type="image/svg+xml")


@token_page
@require_http_methods(["GET", "POST"])
def ticket_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation; POST cancels, which offers the seat to the waiting list."""
    registration = get_registration_by_token(token)
    if not registration.is_active or registration.event.is_past:
        messages.info(request, _("This registration cannot be cancelled any more."))
        return redirect("events:ticket", token)
    if request.method == "GET":
        return render(
            request,
            "events/public/ticket_cancel.html",
            {"registration": registration, "event": registration.event},
        )
    held_seat = registration.holds_seat
    next_in_line = (
        Registration.objects.filter(
            event_id=registration.event_id, status=RegistrationStatus.WAITLISTED
        )
        .order_by("waitlisted_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    services.cancel(
        actor=_actor(request), registration=registration, reason="cancelled by the registrant"
    )
    text = _("Your registration is cancelled.")
    if (
        held_seat
        and next_in_line
        and Registration.objects.filter(pk=next_in_line, status=RegistrationStatus.OFFERED).exists()
    ):
        text += " " + _("Your seat went to the next person on the waiting list. Thank you!")
    elif held_seat:
        text += " " + _("Your seat is free for someone else. Thank you!")
    messages.success(request, text)
    return redirect("events:ticket", token)


@token_page
@require_POST
def ticket_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Accept a seat offered from the waiting list, before the offer expires."""
    registration = get_registration_by_token(token)
    try:
        registration = services.confirm_offer(registration=registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("events:ticket", token)
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(request, _("Your seat is confirmed. See you there!"))
    else:
        messages.error(
            request,
            _(
                "Sorry, the time to confirm this seat has passed: it went to the next person "
                "on the waiting list."
            ),
        )
    return redirect("events:ticket", token)


@token_page
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """After the event: satisfaction, "did you meet someone?", comments (editable)."""
    registration = get_registration_by_token(token)
    event = registration.event
    if not _survey_open(registration):
        return render(
            request,
            "events/public/survey_closed.html",
            {"registration": registration, "event": event},
            status=403,
        )
    existing = SurveyResponse.objects.filter(registration=registration).first()
    initial = (
        {
            "satisfaction": existing.satisfaction,
            "met_someone": existing.met_someone,
            "comment": existing.comment,
        }
        if existing
        else None
    )
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_survey(
                registration=registration,
                satisfaction=form.cleaned_data["satisfaction"],
                met_someone=form.cleaned_data["met_someone"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return render(
                request,
                "events/public/survey_thanks.html",
                {"registration": registration, "event": event},
            )
    return render(
        request,
        "events/public/survey.html",
        {"registration": registration, "event": event, "form": form, "existing": existing},
        status=400 if form.errors else 200,
    )
