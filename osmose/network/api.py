"""Network endpoints: interactions, introductions (with their follow-ups), collaborations and
the stakeholder graph's figures.

Who may do what (every endpoint needs a signed-in caller: anonymous callers get a 401):

- animators (and admins) read and write everything;
- funders read ``GET /network/metrics`` only, without the organisations' names (aggregates);
- members get a 403.

A collaboration's ``status`` moves along the transition table (**409** otherwise); one born
at a B2B meeting is attributed to that meeting's event too.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from pydantic import ConfigDict

from osmose.events.models import Event
from osmose.matchmaking.models import Meeting
from osmose.network import graph, services
from osmose.network.models import (
    COLLABORATION_TRANSITIONS,
    Collaboration,
    CollaborationKind,
    CollaborationStatus,
    FollowUp,
    FollowUpAnswer,
    Interaction,
    InteractionKind,
    Introduction,
    Task,
)
from osmose.pipeline.api import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Mapped,
    PeriodFilters,
    VentureRef,
    can_manage,
    conflict,
    field_error,
    organisations_or_422,
    period_error,
    require_aggregates,
    require_manager,
    unprocessable,
)
from osmose.pipeline.models import Venture
from osmose.registry.api.schemas import ErrorOut, OrganisationRef
from osmose.registry.models import Organisation, Person

router = Router(tags=["network"])


# --- Shared shapes and look-ups ---------------------------------------------------------------


class PersonBrief(Schema):
    id: int
    name: str


class EventBrief(Schema):
    id: int
    title: str
    starts_at: datetime


def _person(person: Person) -> PersonBrief:
    return PersonBrief(id=person.pk, name=str(person))


def _event(event: Event | None) -> EventBrief | None:
    if event is None:
        return None
    return EventBrief(id=event.pk, title=event.title_fr, starts_at=event.starts_at)


def _organisations_out(organisations: Any) -> list[OrganisationRef]:
    return [OrganisationRef(id=o.pk, name=o.name) for o in organisations]


def _people_or_422(ids: list[int], field: str) -> list[Person]:
    wanted = list(dict.fromkeys(ids))
    found = Person.objects.filter(pk__in=wanted, merged_into=None, erased_at=None).in_bulk()
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError([field_error([field], f"Unknown people: {missing}.")])
    return [found[pk] for pk in wanted]


def _one_or_422(model: Any, pk: int | None, field: str, label: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError([field_error([field], f"Unknown {label}: {pk}.")])
    return found


def _meeting_or_422(pk: int | None, field: str) -> Meeting | None:
    if pk is None:
        return None
    meeting = Meeting.objects.select_related("brokerage__event").filter(pk=pk).first()
    if meeting is None:
        raise ValidationError([field_error([field], f"Unknown B2B meeting: {pk}.")])
    return meeting


def _not_found() -> HttpError:
    return HttpError(404, "Not Found")


# --- Interactions -----------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    title: str
    due_on: date | None
    done: bool


class InteractionOut(Schema):
    id: int
    kind: InteractionKind
    on: date
    summary: str
    people: list[PersonBrief]
    organisations: list[OrganisationRef]
    event: EventBrief | None
    meeting_id: int | None
    tasks: list[TaskOut] = Field(description="The follow-up tasks it made for the animator.")
    created_at: datetime


class InteractionFilters(Schema):
    kind: list[InteractionKind] = []
    person: int | None = Field(None, description="A person's id.")
    organisation: int | None = Field(None, description="An organisation's id.")
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")


class InteractionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: InteractionKind
    on: date
    summary: str = Field(min_length=1, max_length=4000)
    person_ids: list[int] = []
    organisation_ids: list[int] = Field(
        [], description="Besides the people's own organisations, which are added."
    )
    event_id: int | None = None
    meeting_id: int | None = None
    follow_up_on: date | None = Field(None, description="Makes a follow-up task due that day.")
    follow_up_title: str = Field("", max_length=200)


def _interactions() -> QuerySet[Interaction]:
    return Interaction.objects.select_related("event").prefetch_related(
        Prefetch("people", Person.objects.order_by("family_name", "pk")),
        Prefetch("organisations", Organisation.objects.order_by("name", "pk")),
        Prefetch("tasks", Task.objects.order_by("due_on", "pk")),
    )


def _interaction_out(interaction: Interaction) -> InteractionOut:
    return InteractionOut(
        id=interaction.pk,
        kind=InteractionKind(interaction.kind),
        on=interaction.on,
        summary=interaction.summary,
        people=[_person(p) for p in interaction.people.all()],
        organisations=_organisations_out(interaction.organisations.all()),
        event=_event(interaction.event),
        meeting_id=interaction.meeting_id,
        tasks=[
            TaskOut(id=t.pk, title=t.title, due_on=t.due_on, done=t.done_at is not None)
            for t in interaction.tasks.all()
        ],
        created_at=interaction.created_at,
    )


@router.get(
    "/interactions",
    response=list[InteractionOut],
    summary="List interactions (animators)",
    description="Newest first; filter by `kind`, `person`, `organisation`, `from`, `to`.",
    operation_id="osmose_network_api_list_interactions",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_interactions(request: HttpRequest, filters: Query[InteractionFilters]) -> Any:
    require_manager(request)
    items = _interactions()
    if filters.kind:
        items = items.filter(kind__in=[k.value for k in filters.kind])
    if filters.person is not None:
        items = items.filter(people=filters.person)
    if filters.organisation is not None:
        items = items.filter(organisations=filters.organisation)
    if filters.start:
        items = items.filter(on__gte=filters.start)
    if filters.end:
        items = items.filter(on__lte=filters.end)
    if filters.person is not None or filters.organisation is not None:
        items = items.distinct()
    return Mapped(items.order_by("-on", "-pk"), _interaction_out)


@router.post(
    "/interactions",
    response={201: InteractionOut, 422: ErrorOut},
    summary="Log an interaction (animators)",
    description=(
        "A call, meeting, e-mail, visit or conversation at an event, with at least one person "
        "or organisation; `follow_up_on` makes a task for the animator."
    ),
    operation_id="osmose_network_api_create_interaction",
)
def create_interaction(request: HttpRequest, payload: InteractionIn) -> Any:
    require_manager(request)
    people = _people_or_422(payload.person_ids, "person_ids")
    organisations = organisations_or_422(payload.organisation_ids, "organisation_ids")
    event = _one_or_422(Event, payload.event_id, "event_id", "event")
    meeting = _meeting_or_422(payload.meeting_id, "meeting_id")
    try:
        interaction = services.log_interaction(
            actor=request.user,
            kind=payload.kind.value,
            on=payload.on,
            summary=payload.summary,
            people=people,
            organisations=organisations,
            event=event or (meeting.brokerage.event if meeting else None),
            meeting=meeting,
            follow_up_on=payload.follow_up_on,
            follow_up_title=payload.follow_up_title,
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="person_ids") from error
    return Status(201, _interaction_out(_interactions().get(pk=interaction.pk)))


# --- Introductions ----------------------------------------------------------------------------


class FollowUpOut(Schema):
    id: int
    person: PersonBrief
    round_days: int = Field(description="Asked this many days after the introduction.")
    due_at: datetime
    sent_at: datetime | None
    answer: FollowUpAnswer | None = Field(None, description="Null until answered.")
    answered_at: datetime | None
    collaboration_id: int | None = Field(None, description="The collaboration a “yes” reported.")


class IntroductionOut(Schema):
    id: int
    person_a: PersonBrief
    person_b: PersonBrief
    why: str
    on: date
    event: EventBrief | None
    follow_ups: list[FollowUpOut]
    collaborations: list[int] = Field(description="Collaborations born from it (ids).")


class IntroductionFilters(Schema):
    person: int | None = Field(None, description="Either person's id.")
    event: int | None = Field(None, description="An event's id.")
    answered: bool | None = Field(None, description="true: some follow-up has its answer.")
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")


class IntroductionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_a_id: int
    person_b_id: int
    why: str = Field(max_length=2000)
    on: date | None = Field(None, description="Today by default.")
    event_id: int | None = Field(None, description="The event where they were introduced.")


def _introductions() -> QuerySet[Introduction]:
    return Introduction.objects.select_related("person_a", "person_b", "event").prefetch_related(
        Prefetch(
            "follow_ups", FollowUp.objects.select_related("person").order_by("round_days", "pk")
        ),
        Prefetch("collaborations", Collaboration.objects.only("pk", "origin_introduction_id")),
    )


def _introduction_out(introduction: Introduction) -> IntroductionOut:
    return IntroductionOut(
        id=introduction.pk,
        person_a=_person(introduction.person_a),
        person_b=_person(introduction.person_b),
        why=introduction.why,
        on=introduction.on,
        event=_event(introduction.event),
        follow_ups=[
            FollowUpOut(
                id=f.pk,
                person=_person(f.person),
                round_days=f.round_days,
                due_at=f.due_at,
                sent_at=f.sent_at,
                answer=FollowUpAnswer(f.answer) if f.answer else None,
                answered_at=f.answered_at,
                collaboration_id=f.collaboration_id,
            )
            for f in introduction.follow_ups.all()
        ],
        collaborations=sorted(c.pk for c in introduction.collaborations.all()),
    )


@router.get(
    "/introductions",
    response=list[IntroductionOut],
    summary="List introductions and their follow-ups (animators)",
    description=(
        "Newest first, each with its +30/+90-day follow-ups (sent, answered, the answer) and "
        "the collaborations born from it. Filter by `person`, `event`, `answered`, `from`, `to`."
    ),
    operation_id="osmose_network_api_list_introductions",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_introductions(request: HttpRequest, filters: Query[IntroductionFilters]) -> Any:
    require_manager(request)
    items = _introductions()
    if filters.person is not None:
        items = items.filter(Q(person_a=filters.person) | Q(person_b=filters.person))
    if filters.event is not None:
        items = items.filter(event=filters.event)
    if filters.answered is not None:
        answered = Q(pk__in=FollowUp.objects.exclude(answer="").values("introduction_id"))
        items = items.filter(answered) if filters.answered else items.exclude(answered)
    if filters.start:
        items = items.filter(on__gte=filters.start)
    if filters.end:
        items = items.filter(on__lte=filters.end)
    return Mapped(items.order_by("-on", "-pk"), _introduction_out)


@router.post(
    "/introductions",
    response={201: IntroductionOut, 422: ErrorOut},
    summary="Introduce two people (animators)",
    description="Say `why`; the follow-ups are asked at +30 and +90 days.",
    operation_id="osmose_network_api_create_introduction",
)
def create_introduction(request: HttpRequest, payload: IntroductionIn) -> Any:
    require_manager(request)
    [person_a] = _people_or_422([payload.person_a_id], "person_a_id")
    [person_b] = _people_or_422([payload.person_b_id], "person_b_id")
    event = _one_or_422(Event, payload.event_id, "event_id", "event")
    try:
        introduction = services.introduce(
            actor=request.user,
            person_a=person_a,
            person_b=person_b,
            why=payload.why,
            on=payload.on,
            event=event,
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="person_b_id") from error
    return Status(201, _introduction_out(_introductions().get(pk=introduction.pk)))


# --- Collaborations ---------------------------------------------------------------------------

Origin = Literal["event", "meeting", "introduction", "none"]


class CollaborationOut(Schema):
    id: int
    title: str
    kind: CollaborationKind
    status: CollaborationStatus
    allowed_statuses: list[CollaborationStatus]
    amount: Decimal | None
    started_on: date | None
    ended_on: date | None
    organisations: list[OrganisationRef]
    people: list[PersonBrief]
    origin: Origin = Field(
        description="What seeded it: a B2B meeting, an introduction, an event, or none."
    )
    origin_event: EventBrief | None
    origin_meeting_id: int | None
    origin_introduction_id: int | None
    venture: VentureRef | None
    note: str
    created_at: datetime
    updated_at: datetime


class CollaborationFilters(Schema):
    status: list[CollaborationStatus] = []
    kind: list[CollaborationKind] = []
    origin: Origin | None = Field(
        None,
        description=(
            "`meeting`, `introduction`, `event` (born at an event, not at one of its meetings "
            "or introductions) or `none`."
        ),
    )
    organisation: int | None = Field(None, description="An organisation's id.")
    venture: int | None = Field(None, description="A venture's id.")


class _CollaborationValues(Schema):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    started_on: date | None = None
    ended_on: date | None = None
    person_ids: list[int] | None = None
    origin_event_id: int | None = None
    origin_meeting_id: int | None = Field(
        None, description="The B2B meeting that seeded it (its event follows)."
    )
    origin_introduction_id: int | None = None
    venture_id: int | None = None
    note: str | None = None


class CollaborationIn(_CollaborationValues):
    title: str = Field(min_length=1, max_length=200)
    kind: CollaborationKind
    status: CollaborationStatus = CollaborationStatus.DISCUSSION
    organisation_ids: list[int] = Field(min_length=1)


class CollaborationPatch(_CollaborationValues):
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: CollaborationKind | None = None
    status: CollaborationStatus | None = Field(
        None, description="Moves along the allowed transitions (409 otherwise)."
    )
    organisation_ids: list[int] | None = Field(None, min_length=1)


def _origin(collaboration: Collaboration) -> Origin:
    if collaboration.origin_meeting_id:
        return "meeting"
    if collaboration.origin_introduction_id:
        return "introduction"
    if collaboration.origin_event_id:
        return "event"
    return "none"


def _collaborations() -> QuerySet[Collaboration]:
    return Collaboration.objects.select_related("origin_event", "venture").prefetch_related(
        Prefetch("organisations", Organisation.objects.order_by("name", "pk")),
        Prefetch("people", Person.objects.order_by("family_name", "pk")),
    )


def _collaboration_out(collaboration: Collaboration) -> CollaborationOut:
    venture = collaboration.venture
    return CollaborationOut(
        id=collaboration.pk,
        title=collaboration.title,
        kind=CollaborationKind(collaboration.kind),
        status=CollaborationStatus(collaboration.status),
        allowed_statuses=[
            CollaborationStatus(s)
            for s in CollaborationStatus.values
            if s in COLLABORATION_TRANSITIONS.get(collaboration.status, set())
        ],
        amount=collaboration.amount,
        started_on=collaboration.started_on,
        ended_on=collaboration.ended_on,
        organisations=_organisations_out(collaboration.organisations.all()),
        people=[_person(p) for p in collaboration.people.all()],
        origin=_origin(collaboration),
        origin_event=_event(collaboration.origin_event),
        origin_meeting_id=collaboration.origin_meeting_id,
        origin_introduction_id=collaboration.origin_introduction_id,
        venture=VentureRef(id=venture.pk, name=venture.name) if venture else None,
        note=collaboration.note,
        created_at=collaboration.created_at,
        updated_at=collaboration.updated_at,
    )


COLLABORATION_NAMES = {
    "organisations": "organisation_ids",
    "origin_event": "origin_event_id",
    "origin_meeting": "origin_meeting_id",
    "origin_introduction": "origin_introduction_id",
    "venture": "venture_id",
}


def _collaboration_values(data: dict[str, Any]) -> dict[str, Any]:
    """The payload's collaboration fields for the services (objects for the ids)."""
    values: dict[str, Any] = {}
    for name in ("title", "kind", "status", "amount", "started_on", "ended_on", "note"):
        if name not in data:
            continue
        value = data[name]
        if value is None and name in ("title", "kind", "status"):
            raise ValidationError([field_error([name], "This field may not be null.")])
        if name == "note":
            value = value or ""
        values[name] = getattr(value, "value", value)
    lookups = {
        "origin_event": (Event, "event"),
        "origin_introduction": (Introduction, "introduction"),
        "venture": (Venture, "venture"),
    }
    for name, (model, label) in lookups.items():
        if f"{name}_id" in data:
            values[name] = _one_or_422(model, data[f"{name}_id"], f"{name}_id", label)
    if "origin_meeting_id" in data:
        values["origin_meeting"] = _meeting_or_422(data["origin_meeting_id"], "origin_meeting_id")
    return values


def _collaboration(request: HttpRequest, collaboration_id: int) -> Collaboration:
    require_manager(request)
    collaboration = _collaborations().filter(pk=collaboration_id).first()
    if collaboration is None:
        raise _not_found()
    return collaboration


@router.get(
    "/collaborations",
    response=list[CollaborationOut],
    summary="List collaborations (animators)",
    description=(
        "Newest first; filter by `status`, `kind` (several allowed), `origin`, "
        "`organisation`, `venture`."
    ),
    operation_id="osmose_network_api_list_collaborations",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_collaborations(request: HttpRequest, filters: Query[CollaborationFilters]) -> Any:
    require_manager(request)
    items = _collaborations()
    if filters.status:
        items = items.filter(status__in=[s.value for s in filters.status])
    if filters.kind:
        items = items.filter(kind__in=[k.value for k in filters.kind])
    if filters.origin == "meeting":
        items = items.filter(origin_meeting__isnull=False)
    elif filters.origin == "introduction":
        items = items.filter(origin_introduction__isnull=False)
    elif filters.origin == "event":
        items = items.filter(
            origin_event__isnull=False, origin_meeting=None, origin_introduction=None
        )
    elif filters.origin == "none":
        items = items.filter(origin_event=None, origin_meeting=None, origin_introduction=None)
    if filters.organisation is not None:
        items = items.filter(organisations=filters.organisation).distinct()
    if filters.venture is not None:
        items = items.filter(venture=filters.venture)
    return Mapped(items.order_by("-started_on", "-pk"), _collaboration_out)


@router.get(
    "/collaborations/{int:collaboration_id}",
    response=CollaborationOut,
    summary="One collaboration (animators)",
    operation_id="osmose_network_api_get_collaboration",
)
def get_collaboration(request: HttpRequest, collaboration_id: int) -> Any:
    return _collaboration_out(_collaboration(request, collaboration_id))


@router.post(
    "/collaborations",
    response={201: CollaborationOut, 422: ErrorOut},
    summary="Record a collaboration (animators)",
    description=(
        "Between one or more organisations, with its origin: `origin_meeting_id` (its event is "
        "set from the meeting), `origin_introduction_id` or `origin_event_id`."
    ),
    operation_id="osmose_network_api_create_collaboration",
)
def create_collaboration(request: HttpRequest, payload: CollaborationIn) -> Any:
    require_manager(request)
    data = payload.dict(exclude_unset=True)
    data.setdefault("status", payload.status)
    values = _collaboration_values(data)
    organisations = organisations_or_422(payload.organisation_ids, "organisation_ids")
    people = _people_or_422(payload.person_ids or [], "person_ids")
    try:
        collaboration = services.create_collaboration(
            actor=request.user, values=values, organisations=organisations, people=people
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="origin_meeting_id", names=COLLABORATION_NAMES) from error
    return Status(201, _collaboration_out(_collaborations().get(pk=collaboration.pk)))


@router.patch(
    "/collaborations/{int:collaboration_id}",
    response={200: CollaborationOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a collaboration (animators)",
    description=(
        "Send only the fields to change. `status` moves along the allowed transitions "
        "(see `allowed_statuses`): **409** otherwise, and nothing changes."
    ),
    operation_id="osmose_network_api_update_collaboration",
)
def update_collaboration(
    request: HttpRequest, collaboration_id: int, payload: CollaborationPatch
) -> Any:
    collaboration = _collaboration(request, collaboration_id)
    data = payload.dict(exclude_unset=True)
    values = _collaboration_values(data)
    status = values.get("status")
    illegal = status not in COLLABORATION_TRANSITIONS.get(collaboration.status, set())
    if status is not None and status != collaboration.status and illegal:
        return conflict(
            f"A collaboration cannot go from “{collaboration.get_status_display()}” "
            f"to “{CollaborationStatus(status).label}”."
        )
    organisations = (
        organisations_or_422(data["organisation_ids"] or [], "organisation_ids")
        if "organisation_ids" in data
        else None
    )
    people = (
        _people_or_422(data["person_ids"] or [], "person_ids") if "person_ids" in data else None
    )
    with transaction.atomic():
        try:
            services.update_collaboration(
                actor=request.user,
                collaboration=collaboration,
                values=values,
                organisations=organisations,
                people=people,
            )
        except DjangoValidationError as error:
            current = Collaboration.objects.get(pk=collaboration.pk).status
            if status and status not in COLLABORATION_TRANSITIONS.get(current, set()):
                return conflict(" ".join(error.messages))  # moved meanwhile
            raise unprocessable(
                error, field="origin_meeting_id", names=COLLABORATION_NAMES
            ) from error
    return _collaboration_out(_collaborations().get(pk=collaboration.pk))


# --- The graph's figures ----------------------------------------------------------------------


class TrendOut(Schema):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    ties: int
    cross_ties: int
    osmosis_index: float | None


class BridgingOut(Schema):
    id: int | None = Field(None, description="Null for funders (aggregates only).")
    name: str | None = Field(None, description="Null for funders (aggregates only).")
    sector: str
    betweenness: float
    ties: int
    cross_ties: int


class IsolatedOut(Schema):
    id: int | None = Field(None, description="Null for funders (aggregates only).")
    name: str | None = Field(None, description="Null for funders (aggregates only).")
    sector: str
    kind: str


class MetricsOut(Schema):
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    organisations: int = Field(description="Organisations with at least one tie in the period.")
    ties: int = Field(description="Pairs of organisations with a tie in the period.")
    cross_ties: int = Field(description="Those between a public and a private organisation.")
    osmosis_index: float | None = Field(None, description="cross_ties / ties (null without ties).")
    new_ties: int = Field(description="Ties whose first date falls in the period.")
    new_cross_ties: int = Field(description="New private–public ties.")
    ties_by_kind: dict[str, int] = Field(
        description="Pairs tied by events, meetings, introductions, collaborations."
    )
    bridging: list[BridgingOut] = Field(description="The organisations that bridge the most.")
    isolated: list[IsolatedOut] = Field(
        description="Active regional organisations with no tie (worth inviting), by name."
    )
    isolated_more: int = Field(0, description="Isolated organisations beyond the list.")
    trend: list[TrendOut] = Field(description="The osmosis index of the last quarters.")


class MetricsFilters(PeriodFilters):
    top: int = Field(10, ge=1, le=100, description="How many bridging and isolated to list.")


@router.get(
    "/network/metrics",
    response=MetricsOut,
    summary="The stakeholder graph's figures (animators, funders)",
    description=(
        "Over [`from`, `to`] (the last 12 months by default): ties between organisations "
        "(co-attendance, B2B meetings, introductions, collaborations), the private–public "
        "ones and the osmosis index, the bridging and isolated organisations, and the index "
        "over the last four quarters. Funders get the figures without the organisations' "
        "names and ids."
    ),
    operation_id="osmose_network_api_metrics",
    by_alias=True,
)
def metrics(request: HttpRequest, filters: Query[MetricsFilters]) -> Any:
    require_aggregates(request)
    end = filters.end or timezone.localdate()
    start = filters.start or end - timedelta(days=365)  # the last 12 months, as on the page
    period_error(start, end)
    figures = graph.metrics(start, end, top=filters.top)
    named = can_manage(request.user)

    def who(row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "name": row["name"]} if named else {"id": None, "name": None}

    isolated = [row for row in figures.isolated if "more" not in row]
    more = sum(row["more"] for row in figures.isolated if "more" in row)
    return MetricsOut.model_validate(
        {
            "from": figures.start,
            "to": figures.end,
            "organisations": figures.organisations,
            "ties": figures.ties,
            "cross_ties": figures.cross_ties,
            "osmosis_index": figures.osmosis_index,
            "new_ties": figures.new_ties,
            "new_cross_ties": figures.new_cross_ties,
            "ties_by_kind": figures.ties_by_kind,
            "bridging": [
                {
                    **who(row),
                    "sector": row["sector"],
                    "betweenness": row["betweenness"],
                    "ties": row["ties"],
                    "cross_ties": row["cross_ties"],
                }
                for row in figures.bridging
            ],
            "isolated": [
                {**who(row), "sector": row["sector"], "kind": row["kind"]} for row in isolated
            ],
            "isolated_more": more,
            "trend": figures.trend,
        }
    )
