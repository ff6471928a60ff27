"""The check-in desk (animators only): scan tickets, find a name, register walk-ins.

The page works on a phone with a poor network: ``static/js/checkin.js`` queues every check-in
in the browser and posts the queue to ``checkin_sync`` as JSON when the network allows, with
the time of the scan. Without JavaScript the same page works as plain forms: the name search
is a GET, each "Check in" button a POST to ``checkin_sync``, which then redirects back.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.events import services
from osmose.events.access import get_event_for_user
from osmose.events.documents import TICKET_PREFIX, parse_ticket_payload
from osmose.events.models import Event, Registration, RegistrationStatus

# One sync carries what a phone queued while offline; more than this is not a phone's queue.
MAX_BATCH = 500
SEARCH_LIMIT = 30
ROSTER_LIMIT = 3000


class WalkInForm(forms.Form):
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=100)
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        help_text=gettext_lazy("To find the person in the directory and send the survey."),
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        autocomplete = {
            "given_name": "given-name",
            "family_name": "family-name",
            "email": "email",
            "organisation": "organization",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value


def checkin_counts(event: Event) -> dict[str, int]:
    """Confirmed seats and how many of them are checked in (the desk's live counter)."""
    return event.registrations.filter(status=RegistrationStatus.CONFIRMED).aggregate(
        confirmed=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False))
    )


def _registrations(event: Event) -> QuerySet[Registration]:
    return (
        event.registrations.exclude(status=RegistrationStatus.REJECTED)
        .select_related("person", "organisation")
        .order_by("person__family_name", "person__given_name", "pk")
    )


def search_registrations(event: Event, query: str) -> list[Registration]:
    """Registrations whose name, e-mail or organisation holds every word of ``query``.

    The eight characters printed under a ticket's QR code find it too.
    """
    registrations = _registrations(event)
    words = query.split()
    if not words:
        return []
    match = Q()
    for word in words:
        match &= (
            Q(person__given_name__icontains=word)
            | Q(person__family_name__icontains=word)
            | Q(person__email__icontains=word)
            | Q(organisation_name__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    if len(query) >= 6 and " " not in query.strip():
        match |= Q(token__startswith=query.strip())
    return list(registrations.filter(match)[:SEARCH_LIMIT])


def _organisation(registration: Registration) -> str:
    if registration.organisation is not None:
        return registration.organisation.name
    return registration.organisation_name


def _as_json(registration: Registration) -> dict[str, Any]:
    return {
        "token": registration.token,
        "name": str(registration.person),
        "organisation": _organisation(registration),
        "status": registration.status,
        "status_label": registration.get_status_display(),
        "checked_in_at": registration.checked_in_at.isoformat()
        if registration.checked_in_at
        else None,
    }


def _config(event: Event) -> dict[str, Any]:
    return {
        "eventId": event.pk,
        "syncUrl": reverse("events:checkin_sync", args=[event.pk]),
        "searchUrl": reverse("events:checkin_search", args=[event.pk]),
        "ticketPrefix": TICKET_PREFIX,
        "counts": checkin_counts(event),
        "strings": {
            "online": _("Online"),
            "offline": _("Offline: check-ins are kept on this device and sent later."),
            "loginNeeded": _(
                "Your session has ended: log in again in another tab. "
                "The queued check-ins are kept."
            ),
            "queued": _("Queued, not sent yet"),
            "queuedCount": _("Waiting to be sent: %(count)s"),
            "counter": _("%(checked)s / %(confirmed)s checked in"),
            "checkIn": _("Check in"),
            "checkedInAt": _("Checked in at %(time)s"),
            "ok": _("Checked in"),
            "already": _("Already checked in at %(time)s"),
            "unknown": _("Unknown ticket"),
            "not_confirmed": _("No confirmed seat"),
            "wrong_event": _("Ticket for another event"),
            "invalid": _("Unreadable check-in"),
            "notATicket": _("This QR code is not an Osmose ticket."),
            "scanned": _("Scanned: %(name)s"),
            "noResults": _("Nobody matches this search."),
            "startCamera": _("Start the camera"),
            "stopCamera": _("Stop the camera"),
            "cameraInsecure": _(
                "The camera needs a secure connection (HTTPS). Use the name search below."
            ),
            "cameraUnsupported": _(
                "This browser cannot use the camera. Use the name search below."
            ),
            "cameraDenied": _(
                "The camera permission was refused. Allow the camera for this site in the "
                "browser's settings, then start it again — or use the name search below."
            ),
            "cameraMissing": _("No camera was found on this device. Use the name search below."),
            "cameraBusy": _("The camera is used by another application. Close it and start again."),
            "cameraError": _("The camera could not start. Use the name search below."),
            "cameraRunning": _("Point the camera at the ticket's QR code."),
            "closeWithQueue": _(
                "Some check-ins are still waiting to be sent from this device: wait until "
                "they are sent, then mark the no-shows."
            ),
            "walkInOffline": _(
                "Registering a walk-in needs the network. Check the person in by name once "
                "the network is back, or note their details."
            ),
        },
    }


@animator_required
@require_GET
def checkin_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk, write=True)
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "events/checkin/page.html",
        {
            "event": event,
            "query": query,
            "results": search_registrations(event, query) if query else [],
            "counts": checkin_counts(event),
            "form": WalkInForm(),
            "config": _config(event),
            "started": event.starts_at <= timezone.now(),
        },
    )


@animator_required
@require_GET
def checkin_search(request: HttpRequest, pk: int) -> JsonResponse:
    """JSON: the registrations matching ``q``, or with an empty ``q`` the whole roster.

    The page keeps the roster to search names while the network is down.
    """
    event = get_event_for_user(request.user, pk, write=True)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        registrations = search_registrations(event, query)
    else:
        registrations = list(_registrations(event)[:ROSTER_LIMIT])
    return JsonResponse(
        {
            "query": query,
            "complete": not query and len(registrations) < ROSTER_LIMIT,
            "results": [_as_json(r) for r in registrations],
            "counts": checkin_counts(event),
        }
    )


def _scan_time(value: Any, registration: Registration, now: datetime) -> datetime:
    """When the scan happened, as the device said, kept between the registration and now."""
    moment = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            moment = None
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    if moment is None:
        return now
    return min(max(moment, registration.created_at - timedelta(seconds=1)), now)


def sync_item(actor: Any, event: Event, item: Any) -> dict[str, Any]:
    """Check in one queued item {id, token, at}; the answer says what happened to it."""
    if not isinstance(item, dict):
        return {"id": None, "result": "invalid", "message": _("Unreadable check-in")}
    answer: dict[str, Any] = {"id": item.get("id")}
    raw = str(item.get("token") or "").strip()
    token = parse_ticket_payload(raw) or raw
    registration = (
        Registration.objects.select_related("person", "organisation", "event")
        .filter(token=token)
        .first()
        if token
        else None
    )
    if registration is None:
        return {**answer, "result": "unknown", "message": _("Unknown ticket")}
    answer.update(name=str(registration.person), organisation=_organisation(registration))
    if registration.event_id != event.pk:
        return {
            **answer,
            "result": "wrong_event",
            "message": _("This ticket is for another event: %(event)s")
            % {"event": registration.event.title},
        }
    at = _scan_time(item.get("at"), registration, timezone.now())
    try:
        result = services.check_in(actor=actor, registration=registration, at=at)
    except ValidationError:
        return {
            **answer,
            "result": "not_confirmed",
            "status": registration.status,
            "message": _("%(name)s has no confirmed seat (%(status)s).")
            % {"name": registration.person, "status": registration.get_status_display()},
        }
    checked_in_at = result.registration.checked_in_at
    assert checked_in_at is not None
    return {
        **answer,
        "result": "already" if result.already else "ok",
        "checked_in_at": checked_in_at.isoformat(),
        "message": (
            _("%(name)s was already checked in at %(time)s.")
            % {
                "name": registration.person,
                "time": timezone.localtime(checked_in_at).strftime("%H:%M"),
            }
            if result.already
            else _("%(name)s is checked in.") % {"name": registration.person}
        ),
    }


@animator_required
@require_POST
def checkin_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Check in a queue of scans (JSON) or one person (a plain form); idempotent.

    JSON in: ``{"items": [{"id": …, "token": …, "at": ISO time or epoch ms}]}`` (or the bare
    list). JSON out: per item ``ok``, ``already`` (with the first check-in time),
    ``unknown``, ``not_confirmed``, ``wrong_event`` or ``invalid``, and the live counts.
    """
    event = get_event_for_user(request.user, pk, write=True)
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body)
        except ValueError:
            return JsonResponse({"error": "The body is not JSON."}, status=400)
        items = payload.get("items") if isinstance(payload, dict) else payload
        if not isinstance(items, list) or len(items) > MAX_BATCH:
            return JsonResponse({"error": f"Send a list of at most {MAX_BATCH} items."}, status=400)
        results = [sync_item(request.user, event, item) for item in items]
        return JsonResponse({"results": results, "counts": checkin_counts(event)})
    answer = sync_item(request.user, event, {"token": request.POST.get("token", "")})
    level = {"ok": messages.SUCCESS, "already": messages.WARNING}.get(
        answer["result"], messages.ERROR
    )
    messages.add_message(request, level, answer["message"])
    url = reverse("events:checkin", args=[event.pk])
    query = request.POST.get("q", "").strip()
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@animator_required
@require_http_methods(["GET", "POST"])
def walk_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Someone at the door without a registration: registered, confirmed and checked in."""
    event = get_event_for_user(request.user, pk, write=True)
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.walk_in(
                actor=request.user,
                event=event,
                registrant=services.Registrant(
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    email=data["email"],
                    organisation_name=data["organisation"],
                ),
                language=(get_language() or "fr")[:2],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("%(name)s is registered and checked in.") % {"name": registration.person}
            )
            return redirect("events:checkin", event.pk)
    return render(
        request,
        "events/checkin/walk_in.html",
        {"event": event, "form": form, "counts": checkin_counts(event)},
        status=400 if form.errors else 200,
    )
