"""The public side of events: calendar, event pages, registration and invitations.

Events are fetched through ``access.get_event_for_user`` (drafts are a 404 for the public);
every change goes through ``services``. Invitation pages carry a secret token in their URL,
so they are neither cached nor sent as a referrer.
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from osmose.events import emails, services
from osmose.events.access import get_event_for_user
from osmose.events.forms import RegistrationForm
from osmose.events.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Audience,
    Event,
    EventKind,
    EventSession,
    EventStatus,
    Invitation,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionChoiceStatus,
)

SESSION_INVITATION = "osmose.events.invitation"
PAST_PAGE_SIZE = 12
FEED_PAST_DAYS = 90
SUGGESTIONS_RATE = "60/m"


def registration_rate(group: str, request: HttpRequest) -> str:
    """Read at request time, so a deployment (or a test) can change it."""
    return settings.RATELIMIT_REGISTRATION


def suggestions_rate(group: str, request: HttpRequest) -> str:
    return SUGGESTIONS_RATE


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages whose URL holds a secret token: not cached, never sent to other sites.

    ``same-origin``, not ``no-referrer``: with ``no-referrer`` the browser sends
    ``Origin: null`` on the page's own forms (cancel, confirm, survey) and Django's CSRF
    check rightly refuses them.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


# --- Seats and registration state -------------------------------------------------------------


def with_seats(events: QuerySet[Event]) -> QuerySet[Event]:
    """Annotate each event with the seats taken (confirmed or offered)."""
    return events.annotate(
        seats_taken=Count("registrations", filter=Q(registrations__status__in=SEAT_STATUSES))
    )


def seats_left(event: Event) -> int | None:
    """None for an event without a limit."""
    if event.capacity is None:
        return None
    taken = getattr(event, "seats_taken", None)
    if taken is None:
        taken = services.seats_taken(event)
    return max(event.capacity - taken, 0)


def registration_state(
    event: Event, *, user: Any, invitation: Invitation | None, left: int | None
) -> str:
    """Where registration stands for this visitor: the code the templates explain.

    ``open``, ``full`` (open, onto the waiting list), ``not_yet_open``, ``closed``, ``past``,
    ``cancelled``, ``members_only`` (log in first), ``invitation_only``.
    """
    now = timezone.now()
    if event.status == EventStatus.CANCELLED:
        return "cancelled"
    if event.ends_at < now:
        return "past"
    if event.status != EventStatus.PUBLISHED:
        return "closed"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_yet_open"
    if not event.registration_is_open(now):
        return "closed"
    if event.audience == Audience.MEMBERS and not getattr(user, "is_authenticated", False):
        return "members_only"
    if event.audience == Audience.INVITATION and (
        invitation is None or invitation.event_id != event.pk
    ):
        return "invitation_only"
    if left is not None and left <= 0:
        return "full"
    return "open"


def session_seats(event: Event) -> list[tuple[EventSession, int | None]]:
    sessions = event.sessions.annotate(
        taken=Count("choices", filter=Q(choices__status=SessionChoiceStatus.CONFIRMED))
    )
    return [(s, None if s.capacity is None else max(s.capacity - s.taken, 0)) for s in sessions]


def _session_invitation(request: HttpRequest, event: Event) -> Invitation | None:
    pk = request.session.get(SESSION_INVITATION)
    if not pk:
        return None
    return (
        Invitation.objects.select_related("person__primary_organisation")
        .filter(pk=pk, event=event)
        .first()
    )


def _live_registration(
    event: Event, *, user: Any, invitation: Invitation | None
) -> Registration | None:
    """The visitor's live registration for this event, if they already have one."""
    who = Q()
    if getattr(user, "is_authenticated", False):
        who |= Q(user=user) | Q(person__user=user)
    if invitation is not None:
        who |= Q(person_id=invitation.person_id)
    if not who:
        return None
    return (
        Registration.objects.filter(event=event, status__in=ACTIVE_STATUSES)
        .filter(who)
        .order_by("pk")
        .first()
    )


# --- Calendar ---------------------------------------------------------------------------------


def _public_events() -> QuerySet[Event]:
    return Event.objects.filter(
        status__in=[EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED]
    ).select_related("commune")


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Upcoming public events, soonest first, then past ones, newest first (paginated)."""
    kind = request.GET.get("kind", "")
    if kind not in EventKind.values:
        kind = ""
    events = with_seats(_public_events())
    if kind:
        events = events.filter(kind=kind)
    now = timezone.now()
    upcoming = list(events.filter(ends_at__gte=now).order_by("starts_at"))
    for event in upcoming:
        event.seats_left = seats_left(event)  # type: ignore[attr-defined]
        event.state = registration_state(  # type: ignore[attr-defined]
            event,
            user=request.user,
            invitation=None,
            left=event.seats_left,  # type: ignore[attr-defined]
        )
    past = Paginator(events.filter(ends_at__lt=now).order_by("-starts_at"), PAST_PAGE_SIZE)
    return render(
        request,
        "events/public/calendar.html",
        {
            "upcoming": upcoming,
            "past": past.get_page(request.GET.get("past")),
            "kinds": EventKind.choices,
            "kind": kind,
            "feed_url": settings.SITE_URL + reverse("events:calendar_feed"),
        },
    )


@require_GET
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The iCalendar feed of public events: upcoming ones and those of the last 90 days."""
    from osmose.events import documents

    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    events = _public_events().filter(ends_at__gte=since).order_by("starts_at")
    response = HttpResponse(
        documents.calendar_feed_ics(events), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response


# --- Event page -------------------------------------------------------------------------------

_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def _iso(moment: datetime, zone_name: str) -> str:
    try:
        zone = ZoneInfo(zone_name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def event_json_ld(event: Event, *, left: int | None, state: str) -> SafeString:
    """schema.org ``Event`` for search engines, safe to place inside a ``<script>`` block."""
    schema = "https://schema.org/"
    place: dict[str, Any] | None = None
    if event.venue or event.street or event.commune:
        address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "FR"}
        if event.street:
            address["streetAddress"] = event.street
        if event.commune:
            address["addressLocality"] = event.commune.name
            if event.commune.postcodes:
                address["postalCode"] = event.commune.postcodes[0]
        place = {"@type": "Place", "name": event.venue or address.get("addressLocality", "")}
        place["address"] = address
        if event.commune and event.commune.latitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": event.commune.latitude,
                "longitude": event.commune.longitude,
            }
    virtual = {"@type": "VirtualLocation", "url": event.online_url} if event.online_url else None
    location: Any
    if place and virtual:
        mode, location = "MixedEventAttendanceMode", [place, virtual]
    elif virtual:
        mode, location = "OnlineEventAttendanceMode", virtual
    else:
        mode, location = "OfflineEventAttendanceMode", place
    url = settings.SITE_URL + reverse("events:event", args=[event.pk])
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "startDate": _iso(event.starts_at, event.time_zone),
        "endDate": _iso(event.ends_at, event.time_zone),
        "eventStatus": schema
        + ("EventCancelled" if event.status == EventStatus.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": schema + mode,
    }
    if event.description:
        data["description"] = event.description
    if location:
        data["location"] = location
    organisers = [{"@type": "Organization", "name": o.name} for o in event.organisers.all()]
    if organisers:
        data["organizer"] = organisers
    partners = [{"@type": "Organization", "name": o.name} for o in event.partners.all()]
    if partners:
        data["sponsor"] = partners
    if event.capacity is not None:
        data["maximumAttendeeCapacity"] = event.capacity
        data["remainingAttendeeCapacity"] = left or 0
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": settings.SITE_URL + reverse("events:register", args=[event.pk]),
        "price": "0",
        "priceCurrency": "EUR",
        # A full event still takes registrations, onto its waiting list.
        "availability": schema + ("SoldOut" if state == "full" else "InStock"),
    }
    if event.registration_opens_at:
        offer["validFrom"] = _iso(event.registration_opens_at, event.time_zone)
    data["offers"] = offer
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(text)


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    # Fetched once: the page and the JSON-LD both list them.
    prefetch_related_objects([event], "organisers", "partners")
    invitation = _session_invitation(request, event)
    left = seats_left(event)
    state = registration_state(event, user=request.user, invitation=invitation, left=left)
    return render(
        request,
        "events/public/event_detail.html",
        {
            "event": event,
            "seats_left": left,
            "state": state,
            "sessions": session_seats(event),
            "registration": _live_registration(event, user=request.user, invitation=invitation),
            "json_ld": event_json_ld(event, left=left, state=state),
        },
    )


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    from osmose.events import documents

    event = get_event_for_user(request.user, pk)
    response = HttpResponse(documents.event_ics(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


# --- Registration -----------------------------------------------------------------------------


def _initial(request: HttpRequest, invitation: Invitation | None) -> dict[str, str]:
    """Prefill from the invitation's person, else the logged-in user's record or account."""
    person = invitation.person if invitation is not None else None
    user = request.user
    if person is None and user.is_authenticated:
        person = getattr(user, "person", None)
    if person is not None and person.erased_at is None:
        organisation = person.primary_organisation
        return {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "organisation": organisation.name if organisation else "",
            "job_title": person.job_title,
        }
    if user.is_authenticated:
        return {
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
        }
    return {}


def _owns(request: HttpRequest, registration: Registration) -> bool:
    user = request.user
    return bool(user.is_authenticated) and user.pk in (
        registration.user_id,
        registration.person.user_id,
    )


def _status_message(result: services.RegistrationResult) -> str:
    registration = result.registration
    match registration.status:
        case RegistrationStatus.CONFIRMED:
            text = _("Your seat is confirmed. Your ticket is below and on its way by e-mail.")
        case RegistrationStatus.WAITLISTED:
            position = result.waitlist_position or services.waitlist_position(registration) or 0
            text = _(
                "The event is full: you are number %(position)d on the waiting list. "
                "We will write to you as soon as a seat is free."
            ) % {"position": position}
        case RegistrationStatus.OFFERED:
            text = _("A seat is waiting for you: confirm it below.")
        case _:  # pending approval
            text = _(
                "Your registration is waiting for the organisers' approval; "
                "we will write to you when they decide."
            )
    if not result.created:
        text = _("You were already registered.") + " " + text
    return text


def _refused(request: HttpRequest, event: Event, message: str) -> HttpResponse:
    return render(
        request,
        "events/public/register_refused.html",
        {"event": event, "message": message},
        status=403,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(group="events.register", key="ip", rate=registration_rate, method="POST")
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    invitation = _session_invitation(request, event)
    left = seats_left(event)
    state = registration_state(event, user=request.user, invitation=invitation, left=left)
    if state == "members_only":
        return redirect_to_login(request.get_full_path())
    if state == "invitation_only":
        return _refused(
            request,
            event,
            _("This event is by invitation only: follow the link in your invitation e-mail."),
        )
    existing = _live_registration(event, user=request.user, invitation=invitation)
    if state not in ("open", "full") or (request.method == "GET" and existing):
        return render(
            request,
            "events/public/register.html",
            {"event": event, "state": state, "registration": existing, "form": None},
        )
    member = request.user.is_authenticated
    questions = [q for q in event.questions.all() if q.asked_to(member=member)]
    form = RegistrationForm(
        request.POST or None,
        initial=_initial(request, invitation),
        questions=questions,
        sessions=session_seats(event),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            common: dict[str, Any] = {
                "event": event,
                "registrant": form.registrant(),
                "answers": form.answers(),
                "session_ids": form.cleaned_data.get("sessions") or (),
                "user": request.user,
                "invitation": invitation,
            }
            consent = form.cleaned_data["consent"]
            try:
                # The person first, outside the event's lock: the seat decision stays short.
                prepared = services.prepare_registrant(**common, consent=consent)
                result = services.register(
                    **common,
                    language=get_language() or settings.LANGUAGE_CODE,
                    source=RegistrationSource.INVITATION if invitation else RegistrationSource.FORM,
                    consent=consent and not prepared,
                )
            except PermissionDenied as error:
                return _refused(request, event, str(error))
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                if not result.created and not _owns(request, result.registration):
                    # Typing someone's e-mail address must not open their ticket: the link
                    # goes to that address again instead.
                    emails.send_registration_email(
                        result.registration.status, result.registration.pk
                    )
                    return render(
                        request,
                        "events/public/register_again.html",
                        {"event": event, "email": result.registration.person.email},
                    )
                messages.success(request, _status_message(result))
                return redirect("events:ticket", result.registration.token)
    return render(
        request,
        "events/public/register.html",
        {
            "event": event,
            "state": state,
            "form": form,
            "invitation": invitation,
            "registration": existing,
        },
        status=status,
    )


@require_GET
@ratelimit(group="events.suggest", key="ip", rate=suggestions_rate, method="GET")
def organisation_suggestions(request: HttpRequest) -> HttpResponse:
    """Organisation names for the public form's ``<datalist>``; names only, nothing else."""
    from osmose.registry.directory import DirectoryQuery

    text = next((str(v).strip() for v in request.GET.values() if str(v).strip()), "")[:100]
    names: list[str] = []
    if len(text) >= 2:
        results = DirectoryQuery.from_params("organisations", {"q": text}).results()
        names = list(results.values_list("name", flat=True)[:10])
    return render(request, "events/public/_organisation_options.html", {"names": names})


# --- Invitations ------------------------------------------------------------------------------


@token_page
@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation e-mail: remembered for the form, and counted as opened."""
    invitation = _invitation_or_404(token)
    services.open_invitation(invitation)
    request.session[SESSION_INVITATION] = invitation.pk
    event = invitation.event
    left = seats_left(event)
    return render(
        request,
        "events/public/invitation.html",
        {
            "invitation": invitation,
            "event": event,
            "seats_left": left,
            "state": registration_state(event, user=request.user, invitation=invitation, left=left),
            "registration": _live_registration(event, user=None, invitation=invitation),
        },
    )


@token_page
@require_http_methods(["GET", "POST"])
def invitation_decline(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners follow links and must not answer for the person); POST declines."""
    invitation = _invitation_or_404(token)
    registration = _live_registration(invitation.event, user=None, invitation=invitation)
    if request.method == "POST":
        services.decline_invitation(invitation=invitation)
        return render(
            request,
            "events/public/invitation_declined.html",
            {"invitation": invitation, "event": invitation.event, "registration": registration},
        )
    return render(
        request,
        "events/public/invitation_decline.html",
        {"invitation": invitation, "event": invitation.event, "registration": registration},
    )


def _invitation_or_404(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("event__commune", "person").filter(token=token).first()
    )
    if invitation is None:
        raise Http404
    if not (invitation.event.is_public or invitation.event.status == EventStatus.CANCELLED):
        raise Http404
    return invitation
