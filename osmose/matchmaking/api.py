"""B2B meeting endpoints of an event: offers, meeting requests, meetings and the scheduler.

Who may do what (every endpoint needs a signed-in caller: anonymous callers get a 401):

- animators (and admins) read and change everything of every event's B2B meetings: they add
  and cancel meetings, run the scheduler, read its runs and the ``osmose-b2b/1`` instance;
- a participant — a signed-in user whose confirmed registration of the event joined its B2B
  meetings (the registration is theirs, or its person is theirs) — reads the active
  participants' offers, writes their own, sends and answers meeting requests and reads their
  meetings (the slots once the organiser published the schedule);
- anyone else (members, funders) gets a 403; an event they may not see is a 404.
"""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from pydantic import ConfigDict

from osmose.core.jobs import start_job
from osmose.core.models import Term
from osmose.events.access import can_manage_events, get_event_for_user
from osmose.events.api import MAX_PAGE_SIZE, PAGE_SIZE, ErrorOut, _field_error, _Mapped
from osmose.events.api import _unprocessable as unprocessable
from osmose.events.models import RegistrationStatus
from osmose.matchmaking import scheduling, services, tasks
from osmose.matchmaking.models import (
    Brokerage,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Offer,
    OfferCategory,
    OfferKind,
    Participant,
    Priority,
    RequestStatus,
    RunStatus,
    ScheduleRun,
)
from osmose.matchmaking.reasons import explain

router = Router(tags=["b2b meetings"])

PRIORITY_NAMES = {
    Priority.WOULD_LIKE: "would_like",
    Priority.MUST_MEET: "must_meet",
    Priority.ORGANISER: "organiser",
}
PRIORITY_VALUES = {"would_like": Priority.WOULD_LIKE, "must_meet": Priority.MUST_MEET}


# --- Who is calling -----------------------------------------------------------------------------


class Caller:
    """The event's brokerage as the caller sees it: as an animator, a participant, or both."""

    def __init__(self, brokerage: Brokerage, organiser: bool, participant: Participant | None):
        self.brokerage = brokerage
        self.organiser = organiser
        self.participant = participant


def _participants() -> QuerySet[Participant]:
    return Participant.objects.select_related("registration__person", "registration__organisation")


def _caller(request: HttpRequest, event_id: int) -> Caller:
    """The brokerage of a visible event, for an animator or one of its participants."""
    try:
        event = get_event_for_user(request.user, event_id)
    except PermissionDenied as error:  # pragma: no cover — reading never refuses
        raise HttpError(403, "Only animators may do this.") from error
    brokerage = Brokerage.objects.select_related("event").filter(event=event).first()
    if brokerage is None:
        raise HttpError(404, "This event has no B2B meetings.")
    user = request.user
    participant = (
        _participants()
        .filter(
            brokerage=brokerage,
            active=True,
            registration__status=RegistrationStatus.CONFIRMED,
        )
        .filter(Q(registration__user=user) | Q(registration__person__user=user))
        .order_by("pk")
        .first()
    )
    organiser = can_manage_events(user)
    if not organiser and participant is None:
        raise HttpError(403, "Only the event's B2B participants and animators may do this.")
    return Caller(brokerage, organiser, participant)


def _require_organiser(caller: Caller) -> None:
    if not caller.organiser:
        raise HttpError(403, "Only animators may do this.")


def _require_participant(caller: Caller) -> Participant:
    if caller.participant is None:
        raise HttpError(403, "Only the event's B2B participants may do this.")
    return caller.participant


def _conflict(error: DjangoValidationError) -> Status:
    return Status(409, ErrorOut(detail=" ".join(error.messages)))


def _one_of(brokerage: Brokerage, participant_id: int, field: str) -> Participant:
    participant = _participants().filter(brokerage=brokerage, pk=participant_id).first()
    if participant is None:
        raise ValidationError([_field_error([field], "Unknown participant.")])
    return participant


# --- Shared shapes ------------------------------------------------------------------------------


class ParticipantRef(Schema):
    id: int
    name: str
    organisation: str


class TermRef(Schema):
    id: int
    slug: str
    vocabulary: str
    name_fr: str
    name_en: str


def _participant_ref(participant: Participant) -> ParticipantRef:
    registration = participant.registration
    organisation = (
        registration.organisation.name if registration.organisation else ""
    ) or registration.organisation_name
    return ParticipantRef(
        id=participant.pk, name=str(registration.person), organisation=organisation
    )


# --- Offers -------------------------------------------------------------------------------------


class OfferOut(Schema):
    id: int
    participant: ParticipantRef
    kind: OfferKind
    category: OfferCategory
    title: str
    description: str
    terms: list[TermRef]
    created_at: datetime
    updated_at: datetime


class OfferFilters(Schema):
    kind: OfferKind | None = None
    category: OfferCategory | None = None
    term: str | None = Field(None, description="A taxonomy term's slug or id.")


class OfferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: OfferKind = Field(description="`offer` (what you offer) or `request` (what you seek).")
    category: OfferCategory
    title: str
    description: str = ""
    terms: list[int | str] = Field([], description="Taxonomy terms, by id or slug.")
    participant_id: int | None = Field(
        None, description="Animators only: whose offer it is (yourself by default)."
    )


class OfferPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: OfferKind | None = None
    category: OfferCategory | None = None
    title: str | None = None
    description: str | None = None
    terms: list[int | str] | None = None


def _offers() -> QuerySet[Offer]:
    return Offer.objects.select_related(
        "participant__registration__person", "participant__registration__organisation"
    ).prefetch_related(Prefetch("terms", Term.objects.select_related("vocabulary").order_by("pk")))


def _offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.pk,
        participant=_participant_ref(offer.participant),
        kind=OfferKind(offer.kind),
        category=OfferCategory(offer.category),
        title=offer.title,
        description=offer.description,
        terms=[
            TermRef(
                id=term.pk,
                slug=term.slug,
                vocabulary=term.vocabulary.slug,
                name_fr=term.name_fr,
                name_en=term.name_en,
            )
            for term in offer.terms.all()
        ],
        created_at=offer.created_at,
        updated_at=offer.updated_at,
    )


def _term_filter(value: str) -> Q:
    return Q(terms__pk=int(value)) if value.isdigit() else Q(terms__slug=value)


def _terms(values: list[int | str]) -> list[Term]:
    """Terms by id or slug; a 422 on ``terms`` names the unknown ones."""
    ids = {int(v) for v in values if isinstance(v, int) or str(v).isdigit()}
    slugs = {str(v) for v in values if not (isinstance(v, int) or str(v).isdigit())}
    found = list(Term.objects.filter(Q(pk__in=ids) | Q(slug__in=slugs)).order_by("pk"))
    missing = sorted(
        [str(i) for i in ids - {t.pk for t in found}] + list(slugs - {t.slug for t in found})
    )
    if missing:
        raise ValidationError([_field_error(["terms"], f"Unknown terms: {missing}.")])
    return found


def _offer(caller: Caller, offer_id: int) -> Offer:
    """An offer of this brokerage that the caller may change: their own, or any for animators."""
    offer = _offers().filter(participant__brokerage=caller.brokerage, pk=offer_id).first()
    if offer is None:
        raise HttpError(404, "Not Found")
    if not caller.organiser and (
        caller.participant is None or offer.participant_id != caller.participant.pk
    ):
        raise HttpError(403, "Only its participant or an animator may change this offer.")
    return offer


@router.get(
    "/events/{event_id}/offers",
    response=list[OfferOut],
    summary="An event's B2B offers and requests",
    description=(
        "Animators get every offer; a participant gets the active participants' offers. "
        "Filter by `kind`, `category` and taxonomy `term` (slug or id)."
    ),
    operation_id="osmose_matchmaking_api_list_offers",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_offers(request: HttpRequest, event_id: int, filters: Query[OfferFilters]) -> Any:
    caller = _caller(request, event_id)
    offers = _offers().filter(participant__brokerage=caller.brokerage)
    if not caller.organiser:
        offers = offers.filter(participant__active=True)
    if filters.kind:
        offers = offers.filter(kind=filters.kind)
    if filters.category:
        offers = offers.filter(category=filters.category)
    if filters.term:
        offers = offers.filter(pk__in=Offer.objects.filter(_term_filter(filters.term)).values("pk"))
    return _Mapped(offers.order_by("participant_id", "kind", "pk"), _offer_out)


@router.post(
    "/events/{event_id}/offers",
    response={201: OfferOut, 422: ErrorOut},
    summary="Publish an offer or a request",
    description=(
        "A participant publishes their own; an animator publishes one for `participant_id`."
    ),
    operation_id="osmose_matchmaking_api_create_offer",
)
def create_offer(request: HttpRequest, event_id: int, payload: OfferIn) -> Any:
    caller = _caller(request, event_id)
    if payload.participant_id is not None and (
        caller.participant is None or payload.participant_id != caller.participant.pk
    ):
        _require_organiser(caller)
        owner = _one_of(caller.brokerage, payload.participant_id, "participant_id")
    elif caller.participant is not None:
        owner = caller.participant
    else:
        raise ValidationError(
            [_field_error(["participant_id"], "Say whose offer it is: you take no part.")]
        )
    terms = _terms(payload.terms)
    try:
        offer = services.save_offer(
            owner,
            kind=payload.kind.value,
            category=payload.category.value,
            title=payload.title,
            description=payload.description,
            terms=terms,
        )
    except DjangoValidationError as error:
        raise unprocessable(error) from error
    return Status(201, _offer_out(_offers().get(pk=offer.pk)))


@router.patch(
    "/events/{event_id}/offers/{offer_id}",
    response={200: OfferOut, 422: ErrorOut},
    summary="Change an offer or a request (its participant, animators)",
    operation_id="osmose_matchmaking_api_update_offer",
)
def update_offer(request: HttpRequest, event_id: int, offer_id: int, payload: OfferPatch) -> Any:
    caller = _caller(request, event_id)
    offer = _offer(caller, offer_id)
    data = payload.dict(exclude_unset=True)
    for name in ("kind", "category", "title", "description"):
        if name in data and data[name] is None:
            raise ValidationError([_field_error([name], "This field may not be null.")])
    terms = _terms(data["terms"] or []) if "terms" in data else list(offer.terms.all())
    try:
        services.save_offer(
            offer.participant,
            kind=str(data.get("kind", offer.kind)),
            category=str(data.get("category", offer.category)),
            title=data.get("title", offer.title),
            description=data.get("description", offer.description),
            terms=terms,
            offer=offer,
        )
    except DjangoValidationError as error:
        raise unprocessable(error) from error
    return _offer_out(_offers().get(pk=offer.pk))


@router.delete(
    "/events/{event_id}/offers/{offer_id}",
    response={204: None},
    summary="Delete an offer or a request (its participant, animators)",
    operation_id="osmose_matchmaking_api_delete_offer",
)
def delete_offer(request: HttpRequest, event_id: int, offer_id: int) -> Any:
    caller = _caller(request, event_id)
    offer = _offer(caller, offer_id)
    services.delete_offer(offer.participant, offer)
    return Status(204, None)


# --- Meeting requests ---------------------------------------------------------------------------


class MeetingRequestOut(Schema):
    id: int
    requester: ParticipantRef
    recipient: ParticipantRef
    message: str
    priority: Literal["would_like", "must_meet"]
    status: RequestStatus
    reply: str
    suggested: ParticipantRef | None = Field(
        None, description="Whom the recipient suggested meeting instead."
    )
    created_at: datetime
    answered_at: datetime | None


class RequestFilters(Schema):
    status: list[RequestStatus] = []


class MeetingRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    recipient_id: int = Field(description="The participant you want to meet.")
    message: str = Field("", max_length=1000)
    priority: Literal["must_meet", "would_like"] = "would_like"


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    reply: str = Field("", max_length=1000)
    suggested_id: int | None = Field(
        None, description="When declining: a participant to meet instead."
    )


def _requests() -> QuerySet[MeetingRequest]:
    people = ("registration__person", "registration__organisation")
    return MeetingRequest.objects.select_related(
        *(f"{role}__{path}" for role in ("requester", "recipient", "suggested") for path in people)
    )


def _request_out(item: MeetingRequest) -> MeetingRequestOut:
    return MeetingRequestOut(
        id=item.pk,
        requester=_participant_ref(item.requester),
        recipient=_participant_ref(item.recipient),
        message=item.message,
        priority="must_meet" if item.priority == Priority.MUST_MEET else "would_like",
        status=RequestStatus(item.status),
        reply=item.reply,
        suggested=_participant_ref(item.suggested) if item.suggested else None,
        created_at=item.created_at,
        answered_at=item.answered_at,
    )


def _request(caller: Caller, request_id: int) -> MeetingRequest:
    item = _requests().filter(brokerage=caller.brokerage, pk=request_id).first()
    if item is None:
        raise HttpError(404, "Not Found")
    return item


@router.get(
    "/events/{event_id}/meeting-requests",
    response=list[MeetingRequestOut],
    summary="Meeting requests",
    description=(
        "Animators get every request of the event; a participant the ones they sent or "
        "received. Newest first; filter by `status`."
    ),
    operation_id="osmose_matchmaking_api_list_requests",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_requests(request: HttpRequest, event_id: int, filters: Query[RequestFilters]) -> Any:
    caller = _caller(request, event_id)
    items = _requests().filter(brokerage=caller.brokerage)
    if not caller.organiser:
        me = caller.participant
        items = items.filter(Q(requester=me) | Q(recipient=me))
    if filters.status:
        items = items.filter(status__in=[s.value for s in filters.status])
    return _Mapped(items.order_by("-created_at", "-pk"), _request_out)


@router.post(
    "/events/{event_id}/meeting-requests",
    response={200: MeetingRequestOut, 201: MeetingRequestOut, 409: ErrorOut, 422: ErrorOut},
    summary="Ask a participant for a meeting (participants)",
    description=(
        "**201** with the new request; **200** with the live request you already sent, or "
        "with theirs to you, accepted (you both want the meeting). **409** once requests are "
        "closed."
    ),
    operation_id="osmose_matchmaking_api_create_request",
)
def create_request(request: HttpRequest, event_id: int, payload: MeetingRequestIn) -> Any:
    caller = _caller(request, event_id)
    me = _require_participant(caller)
    recipient = _one_of(caller.brokerage, payload.recipient_id, "recipient_id")
    if not services.requests_open(caller.brokerage):
        return Status(409, ErrorOut(detail=_("Meeting requests are closed.")))
    existing = set(
        MeetingRequest.objects.filter(
            Q(requester=me, recipient=recipient) | Q(requester=recipient, recipient=me),
            status=RequestStatus.PENDING,
        ).values_list("pk", flat=True)
    ) | set(
        MeetingRequest.objects.filter(
            requester=me, recipient=recipient, status=RequestStatus.ACCEPTED
        ).values_list("pk", flat=True)
    )
    try:
        item = services.request_meeting(
            me,
            recipient,
            message=payload.message,
            priority=PRIORITY_VALUES[payload.priority],
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="recipient_id") from error
    return Status(200 if item.pk in existing else 201, _request_out(_requests().get(pk=item.pk)))


@router.post(
    "/events/{event_id}/meeting-requests/{request_id}/answer",
    response={200: MeetingRequestOut, 409: ErrorOut, 422: ErrorOut},
    summary="Accept or decline a meeting request (its recipient)",
    description=(
        "Accepting makes the meeting (a colleague's meeting with the same person is joined "
        "instead). Declining may suggest someone else. **409** if it was already answered."
    ),
    operation_id="osmose_matchmaking_api_answer_request",
)
def answer_request(request: HttpRequest, event_id: int, request_id: int, payload: AnswerIn) -> Any:
    caller = _caller(request, event_id)
    item = _request(caller, request_id)
    if caller.participant is None or item.recipient_id != caller.participant.pk:
        raise HttpError(403, "Only the recipient may answer this request.")
    if item.status != RequestStatus.PENDING:
        return Status(409, ErrorOut(detail=_("This request was already answered.")))
    suggested = None
    if payload.suggested_id is not None:
        if payload.accept:
            raise ValidationError(
                [_field_error(["suggested_id"], "Suggest someone only when declining.")]
            )
        suggested = _one_of(caller.brokerage, payload.suggested_id, "suggested_id")
    try:
        services.answer_request(
            item, accept=payload.accept, reply=payload.reply, suggested=suggested
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="suggested_id" if suggested else "accept") from error
    return _request_out(_requests().get(pk=item.pk))


@router.post(
    "/events/{event_id}/meeting-requests/{request_id}/withdraw",
    response={200: MeetingRequestOut, 409: ErrorOut},
    summary="Withdraw a meeting request (its requester)",
    description="Only while it waits for an answer (**409** afterwards).",
    operation_id="osmose_matchmaking_api_withdraw_request",
)
def withdraw_request(request: HttpRequest, event_id: int, request_id: int) -> Any:
    caller = _caller(request, event_id)
    item = _request(caller, request_id)
    if caller.participant is None or item.requester_id != caller.participant.pk:
        raise HttpError(403, "Only the requester may withdraw this request.")
    try:
        services.withdraw_request(item)
    except DjangoValidationError as error:
        return _conflict(error)
    return _request_out(_requests().get(pk=item.pk))


# --- Meetings -----------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    participants: list[ParticipantRef]
    origin: str = Field(description="`request` (an accepted request) or `organiser`.")
    priority: Literal["would_like", "must_meet", "organiser"]
    status: MeetingStatus
    slot: int | None = Field(
        None, description="Numbered from 1 over the sessions; null until placed (and published)."
    )
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    table: int | None = None
    table_name: str = ""
    unscheduled_reason: str = ""


class MeetingFilters(Schema):
    status: list[MeetingStatus] = []


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    participant_ids: list[int] = Field(description="Two participants or more.")
    force: bool = Field(
        False, description="Pass over the meeting limits and the participants' “no thanks”."
    )
    fixed_slot: int | None = Field(None, description="Pin the meeting to this slot.")


class ScheduleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    time_limit: int = Field(60, ge=5, le=600, description="Seconds the scheduler may take.")


class RunOut(Schema):
    id: int
    status: RunStatus
    describe: str = Field(description="One sentence about the run, in the caller's language.")
    total_breaks: int | None
    lower_bound: int | None
    optimal: bool = Field(description="True when the schedule is proved optimal.")
    placed: int
    unplaced: int
    moved: int
    applied: bool
    time_limit: int
    started_at: datetime
    finished_at: datetime | None


class ScheduleStartOut(Schema):
    run: RunOut
    job_id: str = Field(description="The background job; its progress is at `progress_url`.")
    progress_url: str


def _meetings() -> QuerySet[Meeting]:
    return Meeting.objects.prefetch_related(
        Prefetch("participants", _participants().order_by("pk"))
    )


def _meeting_out(meeting: Meeting, slots: dict[int, Any], show_slot: bool) -> MeetingOut:
    placed = show_slot and meeting.slot is not None
    slot = slots.get(meeting.slot) if placed and meeting.slot is not None else None
    return MeetingOut(
        id=meeting.pk,
        participants=[_participant_ref(p) for p in meeting.participants.all()],
        origin=meeting.origin,
        priority=PRIORITY_NAMES.get(Priority(meeting.priority), "would_like"),  # type: ignore[arg-type]
        status=MeetingStatus(meeting.status),
        slot=meeting.slot if placed else None,
        starts_at=slot.starts_at if slot else None,
        ends_at=slot.ends_at if slot else None,
        table=meeting.table if placed else None,
        table_name=meeting.brokerage.table_name(meeting.table) if placed else "",
        unscheduled_reason=explain(meeting.unscheduled_reason),
    )


def _run_out(run: ScheduleRun) -> RunOut:
    return RunOut(
        id=run.pk,
        status=RunStatus(run.status),
        describe=scheduling.describe(run),
        total_breaks=run.total_breaks,
        lower_bound=run.lower_bound,
        optimal=run.status == RunStatus.OPTIMAL,
        placed=run.placed,
        unplaced=run.unplaced,
        moved=run.moved,
        applied=run.applied,
        time_limit=run.time_limit,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


@router.get(
    "/events/{event_id}/meetings",
    response=list[MeetingOut],
    summary="The meetings and their schedule",
    description=(
        "Animators get every meeting; a participant their own, with slot, times (ISO 8601) "
        "and table once the schedule is published (null before). In schedule order."
    ),
    operation_id="osmose_matchmaking_api_list_meetings",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_meetings(request: HttpRequest, event_id: int, filters: Query[MeetingFilters]) -> Any:
    caller = _caller(request, event_id)
    brokerage = caller.brokerage
    meetings = _meetings().filter(brokerage=brokerage)
    if not caller.organiser:
        meetings = meetings.filter(participants=caller.participant)
    if filters.status:
        meetings = meetings.filter(status__in=[s.value for s in filters.status])
    slots = {slot.number: slot for slot in brokerage.slots()}
    show = caller.organiser or brokerage.schedule_published

    def project(meeting: Meeting) -> MeetingOut:
        meeting.brokerage = brokerage  # one brokerage for the table names, not one per row
        return _meeting_out(meeting, slots, show)

    return _Mapped(meetings.order_by("slot", "table", "pk"), project)


@router.post(
    "/events/{event_id}/meetings",
    response={201: MeetingOut, 422: ErrorOut},
    summary="Add a meeting (animators)",
    description=(
        "Colleagues of one organisation may sit on one side. `force` passes over the meeting "
        "limits and the participants' “no thanks”, never over the organiser's own ban."
    ),
    operation_id="osmose_matchmaking_api_create_meeting",
)
def create_meeting(request: HttpRequest, event_id: int, payload: MeetingIn) -> Any:
    caller = _caller(request, event_id)
    _require_organiser(caller)
    brokerage = caller.brokerage
    wanted = list(dict.fromkeys(payload.participant_ids))
    people = {p.pk: p for p in _participants().filter(brokerage=brokerage, pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in people]
    if missing:
        raise ValidationError(
            [_field_error(["participant_ids"], f"Unknown participants: {missing}.")]
        )
    slots = brokerage.slots()
    if payload.fixed_slot is not None and not 1 <= payload.fixed_slot <= len(slots):
        raise ValidationError([_field_error(["fixed_slot"], f"Choose a slot in 1..{len(slots)}.")])
    try:
        meeting = services.add_meeting(
            brokerage,
            [people[pk] for pk in wanted],
            actor=request.user,
            force=payload.force,
            fixed_slot=payload.fixed_slot,
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="participant_ids") from error
    created = _meetings().select_related("brokerage").get(pk=meeting.pk)
    return Status(201, _meeting_out(created, {s.number: s for s in slots}, True))


@router.delete(
    "/events/{event_id}/meetings/{int:meeting_id}",  # int: "schedule" is a route of its own
    response={204: None, 409: ErrorOut},
    summary="Cancel a meeting (animators, or one of its participants)",
    description=(
        "The table is freed and the others are told. A participant of a group meeting leaves "
        "it; the others keep meeting."
    ),
    operation_id="osmose_matchmaking_api_cancel_meeting",
)
def cancel_meeting(request: HttpRequest, event_id: int, meeting_id: int) -> Any:
    caller = _caller(request, event_id)
    meeting = Meeting.objects.filter(brokerage=caller.brokerage, pk=meeting_id).first()
    if meeting is None:
        raise HttpError(404, "Not Found")
    mine = (
        caller.participant is not None
        and meeting.participants.filter(pk=caller.participant.pk).exists()
    )
    if caller.organiser:
        services.cancel_meeting(meeting, actor=request.user)
    elif mine:
        assert caller.participant is not None
        try:
            services.cancel_my_meeting(meeting, caller.participant)
        except DjangoValidationError as error:  # already cancelled
            return _conflict(error)
    else:
        raise HttpError(403, "Only its participants or an animator may cancel this meeting.")
    return Status(204, None)


@router.post(
    "/events/{event_id}/meetings/schedule",
    response={202: ScheduleStartOut, 409: ErrorOut},
    summary="Run the scheduler (animators)",
    description=(
        "Starts a background run and answers **202** at once: follow the run at "
        "`/meetings/runs/{run_id}` or the job at `progress_url`. Placed meetings keep their "
        "slots when everything still fits. **409** when the event has no meeting sessions "
        "or a run is already going."
    ),
    operation_id="osmose_matchmaking_api_schedule",
)
def schedule(request: HttpRequest, event_id: int, payload: ScheduleIn | None = None) -> Any:
    caller = _caller(request, event_id)
    _require_organiser(caller)
    try:
        with transaction.atomic():  # the run and its job together, or neither
            run = scheduling.start_run(
                caller.brokerage,
                actor=request.user,
                time_limit=payload.time_limit if payload else 60,
            )
            job = start_job(
                tasks.run_scheduler,
                title=_("B2B meetings scheduler: %(event)s") % {"event": caller.brokerage.event},
                owner=request.user,
                run_id=run.pk,
            )
            ScheduleRun.objects.filter(pk=run.pk).update(task_id=job.task_id)
    except DjangoValidationError as error:
        return _conflict(error)
    return Status(
        202,
        ScheduleStartOut(
            run=_run_out(run),
            job_id=job.task_id,
            progress_url=reverse("core:job", args=[job.task_id]),
        ),
    )


@router.get(
    "/events/{event_id}/meetings/runs/{run_id}",
    response=RunOut,
    summary="A scheduler run (animators)",
    description="`running` until it ends; then whether it is optimal and what it placed.",
    operation_id="osmose_matchmaking_api_get_run",
)
def get_run(request: HttpRequest, event_id: int, run_id: int) -> Any:
    caller = _caller(request, event_id)
    _require_organiser(caller)
    run = ScheduleRun.objects.filter(brokerage=caller.brokerage, pk=run_id).first()
    if run is None:
        raise HttpError(404, "Not Found")
    return _run_out(run)


@router.get(
    "/events/{event_id}/meetings/instance",
    response=dict[str, Any],
    summary="The scheduling problem as osmose-b2b/1 (animators)",
    description="What `osmose schedule-meetings` reads; participants `p<id>`, meetings `m<id>`.",
    operation_id="osmose_matchmaking_api_instance",
)
def instance(request: HttpRequest, event_id: int) -> Any:
    caller = _caller(request, event_id)
    _require_organiser(caller)
    return scheduling.export_instance(caller.brokerage)
