"""Event endpoints: events, sessions, registrations, check-in and cancellation.

Who may do what:

- everyone, anonymous callers included, lists and reads the published events (and those whose
  registration closed) and their sessions; animators (and admins) see every event and create,
  change and publish them;
- ``POST /events/{id}/registrations`` registers a person the way the public form does: anyone
  for a public event open for registration (anonymous callers are rate-limited per address by
  ``RATELIMIT_REGISTRATION``), signed-in users for a members-only event (they register
  themselves), nobody but animators for an invitation-only event (invitees use their link);
  animators register as organisers (no window, audience or approval: a manual add);
- animators list registrations and check people in; a registration is cancelled by an
  animator, by its registrant signed in, or with its ticket token (``?token=``).
"""

import hmac
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle, BaseThrottle
from pydantic import ConfigDict

from osmose.accounts.services import user_for_api_token
from osmose.core.models import Commune
from osmose.events import services
from osmose.events.access import can_manage_events, get_event_for_user, get_registration_for_user
from osmose.events.emails import absolute
from osmose.events.models import (
    SEAT_STATUSES,
    Attendance,
    Audience,
    Event,
    EventKind,
    EventSession,
    EventStatus,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionChoice,
    SessionChoiceStatus,
)
from osmose.registry.models import Organisation

router = Router(tags=["events"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


# --- Who is calling: the public endpoints also answer anonymous callers ----------------------


class _Anonymous:
    """``request.auth`` of a caller who sent no credentials to a public endpoint."""

    is_authenticated = False

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return "anonymous"


ANONYMOUS = _Anonymous()


class _Bearer(HttpBearer):
    """``Authorization: Bearer osm_…``, as on every other endpoint of the API.

    The same as ``osmose.api.auth.BearerToken``, which an app may not import (api sits above).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


class _SignedInSession(SessionAuth):
    """The browser session; writes need the CSRF token, but only from a signed-in user."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None  # nothing to forge: the caller is anonymous
        return super()._get_key(request)


def _anonymous(request: HttpRequest) -> _Anonymous | None:
    # Credentials that did not authenticate are a 401, never a silent anonymous call.
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    return ANONYMOUS


PUBLIC_AUTH = [_Bearer(), _SignedInSession(), _anonymous]


class _AnonymousThrottle(AnonRateThrottle):
    """The API's per-address limit for anonymous reads."""

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if getattr(request, "auth", None) is not ANONYMOUS:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _SignedInThrottle(AuthRateThrottle):
    """The API's per-user limit; anonymous callers are limited elsewhere."""

    def get_cache_key(self, request: HttpRequest) -> str | None:  # type: ignore[override]
        if getattr(request, "auth", None) is ANONYMOUS:
            return None
        return super().get_cache_key(request)


# The same rates as the API's defaults (osmose/api/api.py).
PUBLIC_THROTTLE: list[BaseThrottle] = [_AnonymousThrottle("60/m"), _SignedInThrottle("600/m")]
# Anonymous registrations have their own limit (RATELIMIT_REGISTRATION), which
# RATELIMIT_ENABLE turns off for the load benchmark.
REGISTRATION_THROTTLE: list[BaseThrottle] = [_SignedInThrottle("600/m")]


def _signed_in(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_authenticated", False))


def _require_animator(request: HttpRequest) -> None:
    if not can_manage_events(request.user):
        raise HttpError(403, "Only animators may do this.")


def _event(request: HttpRequest, event_id: int, *, write: bool = False) -> Event:
    try:
        return get_event_for_user(request.user, event_id, write=write)
    except PermissionDenied as error:
        raise HttpError(403, "Only animators may do this.") from error


# --- Errors -----------------------------------------------------------------------------------


class ErrorOut(Schema):
    """The same shape as the registry's errors (one `ErrorOut` in the schema)."""

    detail: Any


def _field_error(loc: Iterable[str], message: str) -> dict[str, Any]:
    return {"type": "invalid", "loc": ["body", "payload", *loc], "msg": message}


def _location(field: str) -> list[str]:
    """The payload path of a service's error key (``q12`` is the answer to question 12)."""
    if field == NON_FIELD_ERRORS:
        return []
    if field.startswith("q") and field[1:].isdigit():
        return ["answers", field[1:]]
    return [field]


def _unprocessable(error: DjangoValidationError, *, field: str | None = None) -> ValidationError:
    """A service's ValidationError as a 422 shaped like the API's own validation errors.

    ``field`` names the payload field that an error without one is about.
    """
    if not hasattr(error, "error_dict"):
        loc = [field] if field else []
        return ValidationError([_field_error(loc, message) for message in error.messages])
    return ValidationError(
        [
            _field_error(_location(field if name == NON_FIELD_ERRORS and field else name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    )


class _Mapped:
    """A queryset whose items a function turns into schemas when the paginator slices it."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        project: Callable[[Any], Schema],
        counted: QuerySet[Any] | None = None,
    ) -> None:
        self.queryset = queryset
        self.project = project
        self.counted = queryset if counted is None else counted  # without the annotations

    def all(self) -> "_Mapped":
        return self

    def count(self) -> int:
        return self.counted.count()

    def __getitem__(self, page: slice) -> list[Schema]:
        return [self.project(item) for item in self.queryset[page]]


# --- Events -----------------------------------------------------------------------------------


class OrganiserRef(Schema):
    id: int
    name: str


class EventOut(Schema):
    id: int
    kind: str
    status: str
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    venue: str
    street: str
    commune: str | None = Field(None, description="INSEE code of the commune.")
    city: str | None = None
    online_url: str
    audience: str
    requires_approval: bool
    capacity: int | None = Field(None, description="Seats; null for no limit.")
    seats_taken: int = Field(description="Confirmed registrations and seats on offer.")
    seats_left: int | None = Field(None, description="Null when there is no limit.")
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    registration_open: bool
    organisers: list[OrganiserRef]
    partners: list[OrganiserRef]
    url: str = Field(description="The event's public page.")


class EventFilters(Schema):
    kind: list[EventKind] = []
    status: list[EventStatus] = Field([], description="Animators only see other than public.")
    starts_from: datetime | None = Field(
        None,
        alias="from",
        description="Events ending at or after this time (without an offset: the site's zone).",
    )
    until: datetime | None = Field(
        None,
        alias="to",
        description="Events starting at or before this time (a date alone: its midnight).",
    )


class _EventValues(Schema):
    model_config = ConfigDict(extra="forbid")

    title_en: str | None = None
    description_fr: str | None = None
    description_en: str | None = None
    time_zone: str | None = None
    venue: str | None = None
    street: str | None = None
    commune: str | None = Field(None, description="INSEE code of the commune.")
    online_url: str | None = None
    capacity: int | None = Field(None, ge=0)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    audience: Audience | None = None
    requires_approval: bool | None = None
    reminder_days: list[int] | None = None
    offer_hours: int | None = Field(None, ge=1)
    organisers: list[int] | None = Field(None, description="Ids of registry organisations.")
    partners: list[int] | None = Field(None, description="Ids of registry organisations.")
    status: EventStatus | None = Field(None, description="Moves along the allowed transitions.")


class EventIn(_EventValues):
    kind: EventKind
    title_fr: str
    starts_at: datetime
    ends_at: datetime


class EventPatch(_EventValues):
    kind: EventKind | None = None
    title_fr: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


# Text fields where null means empty; the other nulls are kept (capacity: no limit).
BLANK_TEXT = {"title_en", "description_fr", "description_en", "venue", "street", "online_url"}
NOT_NULL = {"kind", "title_fr", "starts_at", "ends_at", "time_zone", "audience"}
NOT_NULL |= {"requires_approval", "offer_hours", "reminder_days"}


def _with_event_relations(queryset: QuerySet[Event]) -> QuerySet[Event]:
    return (
        queryset.select_related("commune")
        .prefetch_related(
            Prefetch("organisers", Organisation.objects.only("pk", "name")),
            Prefetch("partners", Organisation.objects.only("pk", "name")),
        )
        .annotate(taken=Count("registrations", filter=Q(registrations__status__in=SEAT_STATUSES)))
    )


def _event_out(event: Event) -> EventOut:
    taken = getattr(event, "taken", None)
    if taken is None:
        taken = services.seats_taken(event)
    return EventOut(
        id=event.pk,
        kind=event.kind,
        status=event.status,
        title_fr=event.title_fr,
        title_en=event.title_en,
        description_fr=event.description_fr,
        description_en=event.description_en,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        time_zone=event.time_zone,
        venue=event.venue,
        street=event.street,
        commune=event.commune.insee_code if event.commune else None,
        city=event.commune.name if event.commune else None,
        online_url=event.online_url,
        audience=event.audience,
        requires_approval=event.requires_approval,
        capacity=event.capacity,
        seats_taken=taken,
        seats_left=None if event.capacity is None else max(event.capacity - taken, 0),
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
        registration_open=event.registration_is_open(),
        organisers=[OrganiserRef(id=o.pk, name=o.name) for o in event.organisers.all()],
        partners=[OrganiserRef(id=o.pk, name=o.name) for o in event.partners.all()],
        url=absolute(reverse("events:event", args=[event.pk])),
    )


def _reloaded_event(pk: int) -> EventOut:
    return _event_out(_with_event_relations(Event.objects.filter(pk=pk)).get())


def _organisations(ids: list[int], field: str) -> list[Organisation]:
    wanted = set(ids)
    found = list(Organisation.objects.filter(pk__in=wanted, merged_into=None))
    missing = sorted(wanted - {o.pk for o in found})
    if missing:
        raise ValidationError([_field_error([field], f"Unknown organisations: {missing}.")])
    return found


def _event_values(data: dict[str, Any]) -> dict[str, Any]:
    """The payload's event fields for the services (the commune by INSEE code)."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("organisers", "partners", "status"):
            continue
        if value is None and name in NOT_NULL:
            raise ValidationError([_field_error([name], "This field may not be null.")])
        if value is None and name in BLANK_TEXT:
            value = ""
        if name == "commune" and value is not None:
            commune = Commune.objects.filter(insee_code=value).first()
            if commune is None:
                raise ValidationError([_field_error(["commune"], "Unknown INSEE code.")])
            value = commune
        if name in ("audience", "kind") and value is not None:
            value = str(value.value if hasattr(value, "value") else value)
        values[name] = value
    return values


def _aware(value: datetime) -> datetime:
    """A time without an offset is in the site's time zone."""
    return value if timezone.is_aware(value) else timezone.make_aware(value)


@router.get(
    "/events",
    response=list[EventOut],
    auth=PUBLIC_AUTH,
    throttle=PUBLIC_THROTTLE,
    summary="List events",
    description=(
        "Everyone, anonymous callers included, gets the published events and those whose "
        "registration closed; animators get every event. Soonest first."
    ),
    operation_id="osmose_events_api_list_events",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> Any:
    events = Event.objects.all()
    if not can_manage_events(request.user):
        events = events.filter(status__in=[EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED])
    if filters.kind:
        events = events.filter(kind__in=[k.value for k in filters.kind])
    if filters.status:
        events = events.filter(status__in=[s.value for s in filters.status])
    if filters.starts_from is not None:
        events = events.filter(ends_at__gte=_aware(filters.starts_from))
    if filters.until is not None:
        events = events.filter(starts_at__lte=_aware(filters.until))
    return _Mapped(
        _with_event_relations(events).order_by("starts_at", "pk"), _event_out, counted=events
    )


@router.get(
    "/events/{event_id}",
    response=EventOut,
    auth=PUBLIC_AUTH,
    throttle=PUBLIC_THROTTLE,
    summary="One event",
    description="Drafts, cancelled and archived events are a 404 except for animators.",
    operation_id="osmose_events_api_get_event",
)
def get_event(request: HttpRequest, event_id: int) -> EventOut:
    event = _event(request, event_id)
    return _reloaded_event(event.pk)


@router.post(
    "/events",
    response={201: EventOut, 422: ErrorOut},
    summary="Create an event (animators)",
    description="A new event is a draft unless `status` says otherwise.",
    operation_id="osmose_events_api_create_event",
)
def create_event(request: HttpRequest, payload: EventIn) -> Any:
    _require_animator(request)
    data = payload.dict(exclude_unset=True)
    values = _event_values(data)
    organisers = _organisations(data.get("organisers") or [], "organisers")
    partners = _organisations(data.get("partners") or [], "partners")
    with transaction.atomic():  # a refused status must not leave a draft behind
        try:
            event = services.create_event(
                actor=request.user, values=values, organisers=organisers, partners=partners
            )
        except DjangoValidationError as error:
            raise _unprocessable(error) from error
        if payload.status is not None:
            try:
                services.change_event_status(
                    actor=request.user, event=event, status=payload.status.value
                )
            except DjangoValidationError as error:
                raise _unprocessable(error, field="status") from error
    return Status(201, _reloaded_event(event.pk))


@router.patch(
    "/events/{event_id}",
    response={200: EventOut, 422: ErrorOut},
    summary="Change an event (animators)",
    description=(
        "Send only the fields to change. A larger capacity offers the new seats to the waiting "
        "list; `status` moves along the allowed transitions (draft → published → closed …)."
    ),
    operation_id="osmose_events_api_update_event",
)
def update_event(request: HttpRequest, event_id: int, payload: EventPatch) -> Any:
    event = _event(request, event_id, write=True)
    data = payload.dict(exclude_unset=True)
    values = _event_values(data)
    organisers = (
        _organisations(data["organisers"] or [], "organisers") if "organisers" in data else None
    )
    partners = _organisations(data["partners"] or [], "partners") if "partners" in data else None
    with transaction.atomic():  # all the changes or none
        try:
            services.update_event(
                actor=request.user,
                event=event,
                values=values,
                organisers=organisers,
                partners=partners,
            )
        except DjangoValidationError as error:
            raise _unprocessable(error) from error
        if payload.status is not None:
            try:
                services.change_event_status(
                    actor=request.user, event=event, status=payload.status.value
                )
            except DjangoValidationError as error:  # an illegal move names no field of its own
                raise _unprocessable(error, field="status") from error
    return _reloaded_event(event.pk)


# --- Sessions ---------------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    title_fr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    seats_taken: int
    position: int


class SessionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title_fr: str
    title_en: str = ""
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = Field(None, ge=0)
    position: int = Field(0, ge=0)


def _session_out(session: EventSession) -> SessionOut:
    taken = getattr(session, "taken", None)
    if taken is None:
        taken = session.choices.filter(status=SessionChoiceStatus.CONFIRMED).count()
    return SessionOut(
        id=session.pk,
        title_fr=session.title_fr,
        title_en=session.title_en,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        capacity=session.capacity,
        seats_taken=taken,
        position=session.position,
    )


@router.get(
    "/events/{event_id}/sessions",
    response=list[SessionOut],
    auth=PUBLIC_AUTH,
    throttle=PUBLIC_THROTTLE,
    summary="An event's sessions (tracks, workshops, visits)",
    operation_id="osmose_events_api_list_sessions",
)
def list_sessions(request: HttpRequest, event_id: int) -> list[SessionOut]:
    event = _event(request, event_id)
    sessions = event.sessions.annotate(
        taken=Count("choices", filter=Q(choices__status=SessionChoiceStatus.CONFIRMED))
    )
    return [_session_out(session) for session in sessions]


@router.post(
    "/events/{event_id}/sessions",
    response={201: SessionOut, 422: ErrorOut},
    summary="Add a session to an event (animators)",
    operation_id="osmose_events_api_create_session",
)
def create_session(request: HttpRequest, event_id: int, payload: SessionIn) -> Any:
    event = _event(request, event_id, write=True)
    try:
        session = services.save_session(actor=request.user, event=event, values=payload.dict())
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return Status(201, _session_out(session))


# --- Registrations ----------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    given_name: str
    family_name: str
    email: str


class SessionChoiceOut(Schema):
    session: int
    status: str


class RegistrationOut(Schema):
    id: int
    event: int
    status: Literal["pending", "confirmed", "waitlisted", "offered", "cancelled", "rejected"]
    waitlist_position: int | None = Field(None, description="1 is the next to get a seat.")
    source: str
    language: str
    organisation_name: str
    sessions: list[SessionChoiceOut]
    created_at: datetime
    ticket_url: str | None = Field(
        None, description="The registrant's ticket page; given to the registrant only."
    )
    person: PersonRef | None = Field(None, description="Animators and the registrant only.")
    organisation: int | None = Field(None, description="The registry's organisation, if matched.")
    answers: dict[str, Any] | None = None
    attendance: str | None = None
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None


class RegistrationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    given_name: str = ""
    family_name: str
    email: str = Field(description="The ticket is sent there.")
    organisation: str = Field("", description="The organisation's name, as the person types it.")
    organisation_id: int | None = Field(None, description="Or a registry organisation's id.")
    job_title: str = ""
    answers: dict[str, Any] = Field(
        {}, description="Answers keyed by question id; a choice is its index (0 is the first)."
    )
    sessions: list[int] = Field([], description="Ids of the chosen sessions.")
    language: str | None = Field(
        None, description="The language of the e-mails (fr, en); the request's by default."
    )
    consent: bool = Field(False, description="Agrees to hear from the network.")


class RegistrationFilters(Schema):
    status: list[RegistrationStatus] = []
    attendance: list[Attendance] = []


class CheckInIn(Schema):
    at: datetime | None = Field(None, description="When the scan happened (offline phones).")


class CheckInOut(Schema):
    already: bool = Field(description="True when the person had already been checked in.")
    registration: RegistrationOut


def _positions(event_id: int) -> dict[int, int]:
    """Waiting-list positions of an event's registrations, in one query."""
    queue = Registration.objects.filter(
        event_id=event_id, status=RegistrationStatus.WAITLISTED
    ).order_by("waitlisted_at", "pk")
    return {pk: index for index, pk in enumerate(queue.values_list("pk", flat=True), start=1)}


def _registration_out(
    registration: Registration,
    *,
    position: int | None = None,
    full: bool = False,
    ticket: bool = False,
) -> RegistrationOut:
    person = registration.person
    return RegistrationOut(
        id=registration.pk,
        event=registration.event_id,
        status=registration.status,  # type: ignore[arg-type]
        waitlist_position=position,
        source=registration.source,
        language=registration.language,
        organisation_name=registration.organisation_name,
        sessions=[
            SessionChoiceOut(session=choice.session_id, status=choice.status)
            for choice in registration.session_choices.all()
        ],
        created_at=registration.created_at,
        ticket_url=absolute(reverse("events:ticket", args=[registration.token]))
        if ticket
        else None,
        person=PersonRef(
            id=person.pk,
            given_name=person.given_name,
            family_name=person.family_name,
            email=person.email,
        )
        if full
        else None,
        organisation=registration.organisation_id if full else None,
        answers=registration.answers if full else None,
        attendance=registration.attendance if full else None,
        checked_in_at=registration.checked_in_at if full else None,
        cancelled_at=registration.cancelled_at if full else None,
    )


def _is_registrant(request: HttpRequest, registration: Registration) -> bool:
    user = request.user
    if not _signed_in(request):
        return False
    return registration.user_id == user.pk or registration.person.user_id == user.pk


def _reloaded(registration_id: int) -> Registration:
    return (
        Registration.objects.select_related("person")
        .prefetch_related(Prefetch("session_choices", SessionChoice.objects.order_by("pk")))
        .get(pk=registration_id)
    )


def _too_many(request: HttpRequest) -> bool:
    """An anonymous registration beyond RATELIMIT_REGISTRATION from the caller's address.

    The counter is the public form's: the form and the API share one allowance per address.
    """
    return is_ratelimited(
        request,
        group="events.register",
        key="ip",
        rate=settings.RATELIMIT_REGISTRATION,
        method="POST",  # as the form's decorator says: the same cache key
        increment=True,
    )


@router.get(
    "/events/{event_id}/registrations",
    response=list[RegistrationOut],
    summary="An event's registrations (animators)",
    description="In registration order; waitlisted registrations carry their position.",
    operation_id="osmose_events_api_list_registrations",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_registrations(
    request: HttpRequest, event_id: int, filters: Query[RegistrationFilters]
) -> Any:
    event = _event(request, event_id, write=True)
    registrations = (
        event.registrations.select_related("person")
        .prefetch_related(Prefetch("session_choices", SessionChoice.objects.order_by("pk")))
        .order_by("pk")
    )
    if filters.status:
        registrations = registrations.filter(status__in=[s.value for s in filters.status])
    if filters.attendance:
        registrations = registrations.filter(attendance__in=[a.value for a in filters.attendance])
    positions = _positions(event.pk)
    return _Mapped(
        registrations,
        lambda r: _registration_out(r, position=positions.get(r.pk), full=True),
    )


@router.post(
    "/events/{event_id}/registrations",
    response={
        200: RegistrationOut,
        201: RegistrationOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=PUBLIC_AUTH,
    throttle=REGISTRATION_THROTTLE,
    summary="Register a person, the way the public form does",
    description=(
        "The person is matched to the registry (same e-mail, else the duplicate engine) or "
        "created. Answers **201** with the new registration — `confirmed`, `waitlisted` with "
        "its `waitlist_position`, or `pending` approval — and its `ticket_url`; **200** with "
        "the live registration the person already had (its ticket only to its registrant "
        "signed in, or to an animator: the ticket went out by e-mail). **409** when "
        "registration is not open, **403** for a members-only event without signing in or an "
        "invitation-only event, **429** past the per-address limit for anonymous callers. "
        "A signed-in caller registers themself; an animator registers anyone, as an organiser "
        "(no registration window, audience or approval)."
    ),
    operation_id="osmose_events_api_register",
)
def register(request: HttpRequest, event_id: int, payload: RegistrationIn) -> Any:
    signed_in = _signed_in(request)
    if not signed_in and _too_many(request):
        return Status(
            429, ErrorOut(detail="Too many registrations from your address: try again later.")
        )
    event = _event(request, event_id)
    organiser = can_manage_events(request.user)
    if not organiser and event.audience == Audience.INVITATION:
        raise HttpError(403, "This event is by invitation only: use the link of your invitation.")
    if not organiser and not event.registration_is_open():
        return Status(409, ErrorOut(detail="Registration for this event is not open."))
    language = payload.language or getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    if language not in LANGUAGE_CODES:
        raise ValidationError([_field_error(["language"], f"Choose one of {LANGUAGE_CODES}.")])
    if payload.organisation_id is not None and not (
        Organisation.objects.filter(pk=payload.organisation_id, merged_into=None).exists()
    ):
        raise ValidationError([_field_error(["organisation_id"], "Unknown organisation.")])
    registrant = services.Registrant(
        given_name=payload.given_name,
        family_name=payload.family_name,
        email=payload.email,
        organisation_name=payload.organisation,
        organisation_id=payload.organisation_id,
        job_title=payload.job_title,
    )
    common: dict[str, Any] = {
        "event": event,
        "registrant": registrant,
        "answers": payload.answers,
        "session_ids": payload.sessions,
        "user": request.user if signed_in and not organiser else None,
        "actor": request.user if signed_in else None,
        "organiser": organiser,
    }
    try:
        # The person first, outside the event's lock: the seat decision stays short.
        prepared = services.prepare_registrant(**common, consent=payload.consent)
        result = services.register(
            **common,
            language=language,
            source=RegistrationSource.API,
            consent=payload.consent and not prepared,
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "You may not register for this event.") from error
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):  # the window closed while we waited for the lock
            return Status(409, ErrorOut(detail=" ".join(error.messages)))
        raise _unprocessable(error) from error
    registration = result.registration
    own = organiser or _is_registrant(request, registration)
    out = _registration_out(
        registration,
        position=result.waitlist_position,
        full=own,
        ticket=result.created or own,
    )
    return Status(201 if result.created else 200, out)


@router.post(
    "/events/{event_id}/registrations/{registration_id}/check-in",
    response={200: CheckInOut, 409: ErrorOut},
    summary="Check someone in (animators)",
    description=(
        "Idempotent: checking in twice answers 200 with `already` true. 409 when the "
        "registration holds no confirmed seat."
    ),
    operation_id="osmose_events_api_check_in",
)
def check_in(
    request: HttpRequest, event_id: int, registration_id: int, payload: CheckInIn | None = None
) -> Any:
    event = _event(request, event_id, write=True)
    registration = get_registration_for_user(request.user, event, registration_id)
    try:
        result = services.check_in(
            actor=request.user, registration=registration, at=payload.at if payload else None
        )
    except DjangoValidationError as error:
        return Status(409, ErrorOut(detail=" ".join(error.messages)))
    return CheckInOut(
        already=result.already,
        registration=_registration_out(_reloaded(registration.pk), full=True),
    )


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


@router.post(
    "/events/{event_id}/registrations/{registration_id}/cancel",
    response={200: RegistrationOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    auth=PUBLIC_AUTH,
    throttle=PUBLIC_THROTTLE,
    summary="Cancel a registration",
    description=(
        "By an animator, by the registrant signed in, or by anyone holding the ticket's token "
        "(`?token=`, from the ticket link). The freed seat is offered to the first person on "
        "the waiting list. Cancelling twice changes nothing."
    ),
    operation_id="osmose_events_api_cancel_registration",
)
def cancel(
    request: HttpRequest,
    event_id: int,
    registration_id: int,
    token: str | None = None,
    payload: CancelIn | None = None,
) -> Any:
    registration = (
        Registration.objects.select_related("person", "event")
        .filter(event_id=event_id, pk=registration_id)
        .first()
    )
    if registration is None:
        raise HttpError(404, "Not Found")
    organiser = can_manage_events(request.user)
    own = _is_registrant(request, registration)
    by_token = bool(token) and hmac.compare_digest(str(token), registration.token)
    if not (organiser or own or by_token):
        if not _signed_in(request) and not token:
            return Status(401, ErrorOut(detail="Authentication required (or the ticket token)."))
        return Status(403, ErrorOut(detail="Only the registrant or an animator may cancel."))
    if registration.event.is_past and not organiser:
        # As on the ticket page: after the event, attendance is history, not a seat to free.
        return Status(409, ErrorOut(detail="The event is over: its registrations are history."))
    services.cancel(
        actor=request.user if _signed_in(request) else None,
        registration=registration,
        reason=payload.reason if payload else "",
    )
    return _registration_out(
        _reloaded(registration.pk), full=organiser or own, ticket=organiser or own or by_token
    )
