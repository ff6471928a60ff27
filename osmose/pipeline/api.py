"""Venture endpoints: ventures, their stage history and moves, TRL, funding rounds, the funnel.

Who may do what (every endpoint needs a signed-in caller: anonymous callers get a 401):

- animators (and admins) read and write everything;
- funders read the aggregates only: ``GET /ventures/funnel`` (the funnel's counts and the
  number of startups created) — never a venture, a round or a deal (403);
- members get a 403.

A stage move goes through ``services.move_to_stage``: a move the transition table refuses is a
**409** with the reason; missing evidence (the company's SIREN and creation date, the
licensee, the reason to stop) is a **422** naming the payload field.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from pydantic import ConfigDict

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.core.models import Term
from osmose.pipeline import selectors, services
from osmose.pipeline.models import (
    CREATED_STAGES,
    STAGE_TRANSITIONS,
    FundingRound,
    Instrument,
    Stage,
    StageChange,
    TrlRecord,
    Venture,
)
from osmose.registry.api.schemas import ErrorOut, OrganisationRef
from osmose.registry.models import Organisation

router = Router(tags=["ventures"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# --- Who is calling ---------------------------------------------------------------------------


def can_manage(user: Any) -> bool:
    """Animators (and admins) read and write ventures, deals and the network's records."""
    return user_has_role(user, Role.ANIMATOR)


def can_read_aggregates(user: Any) -> bool:
    """Funders (and animators) read the funnel and the network's figures, nothing else."""
    return user_has_role(user, Role.ANIMATOR, Role.FUNDER)


def require_manager(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise HttpError(403, "Only animators may do this.")


def require_aggregates(request: HttpRequest) -> None:
    if not can_read_aggregates(request.user):
        raise HttpError(403, "Only animators and funders may read these figures.")


# --- Errors and paging (shared with the network's endpoints) ----------------------------------


def field_error(loc: Iterable[str], message: str) -> dict[str, Any]:
    return {"type": "invalid", "loc": ["body", "payload", *loc], "msg": message}


def unprocessable(
    error: DjangoValidationError,
    *,
    field: str | None = None,
    names: Mapping[str, str] | None = None,
) -> ValidationError:
    """A service's ValidationError as a 422 shaped like the API's own validation errors.

    ``names`` maps a model field to its payload field (``company`` → ``company_id``);
    ``field`` names the payload field that an error without one is about.
    """
    names = names or {}

    def location(name: str | None) -> list[str]:
        if name is None or name == NON_FIELD_ERRORS:
            return [field] if field else []
        return [names.get(name, name)]

    if not hasattr(error, "error_dict"):
        return ValidationError([field_error(location(None), m) for m in error.messages])
    return ValidationError(
        [
            field_error(location(name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    )


def conflict(message: str) -> Status[ErrorOut]:
    return Status(409, ErrorOut(detail=message))


def period_error(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError(
            [{"type": "invalid", "loc": ["query", "to"], "msg": "`to` comes before `from`."}]
        )


class Mapped:
    """A queryset whose items a function turns into schemas when the paginator slices it."""

    def __init__(self, queryset: QuerySet[Any], project: Callable[[Any], Schema]) -> None:
        self.queryset = queryset
        self.project = project

    def all(self) -> "Mapped":
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[Schema]:
        return [self.project(item) for item in self.queryset[page]]


def organisation_or_422(pk: int | None, field: str) -> Organisation | None:
    if pk is None:
        return None
    organisation = Organisation.objects.filter(pk=pk, merged_into=None).first()
    if organisation is None:
        raise ValidationError([field_error([field], f"Unknown organisation: {pk}.")])
    return organisation


def organisations_or_422(ids: Iterable[int], field: str) -> list[Organisation]:
    wanted = set(ids)
    found = list(Organisation.objects.filter(pk__in=wanted, merged_into=None))
    missing = sorted(wanted - {o.pk for o in found})
    if missing:
        raise ValidationError([field_error([field], f"Unknown organisations: {missing}.")])
    return found


def terms_or_422(values: Iterable[int | str], field: str = "terms") -> list[Term]:
    wanted = list(values)
    ids = {v for v in wanted if isinstance(v, int) or str(v).isdigit()}
    slugs = {str(v) for v in wanted} - {str(i) for i in ids}
    found = list(Term.objects.filter(Q(pk__in={int(i) for i in ids}) | Q(slug__in=slugs)))
    known = {str(t.pk) for t in found} | {t.slug for t in found}
    missing = [v for v in wanted if str(v) not in known]
    if missing:
        raise ValidationError([field_error([field], f"Unknown taxonomy terms: {missing}.")])
    return found


# --- Shapes -----------------------------------------------------------------------------------


class VentureTerm(Schema):
    id: int
    slug: str
    name_fr: str
    name_en: str


class CompanyRef(Schema):
    """The registry organisation a venture became: the evidence of a startup created."""

    id: int
    name: str
    siren: str
    founded_on: date | None
    is_jei: bool


class VentureOut(Schema):
    id: int
    name: str
    summary: str
    technology: str
    stage: Stage
    stage_since: date | None
    stopped_reason: str
    trl: int | None = Field(None, description="The latest recorded TRL (1–9).")
    origin: OrganisationRef | None
    tech_transfer_office: OrganisationRef | None
    company: CompanyRef | None
    licensee: OrganisationRef | None
    terms: list[VentureTerm]
    is_created: bool = Field(description="A startup created: its company is in the registry.")
    allowed_stages: list[Stage] = Field(description="Where it may move next.")
    created_at: datetime
    updated_at: datetime


class VentureFilters(Schema):
    stage: list[Stage] = []
    created: bool | None = Field(
        None, description="true: startups created (a company in the registry); false: the others."
    )
    term: str | None = Field(None, description="A taxonomy term's slug or id.")
    q: str | None = Field(None, description="Words in the name, summary or technology.")


class _VentureValues(Schema):
    model_config = ConfigDict(extra="forbid")

    summary: str | None = None
    technology: str | None = None
    origin_id: int | None = Field(None, description="A registry organisation (the lab).")
    tech_transfer_office_id: int | None = None
    terms: list[int | str] | None = Field(None, description="Taxonomy terms, by id or slug.")


class VentureIn(_VentureValues):
    name: str = Field(min_length=1, max_length=200)
    on: date | None = Field(None, description="When the idea was recorded (today by default).")


class VenturePatch(_VentureValues):
    name: str | None = Field(None, min_length=1, max_length=200)


class StageChangeOut(Schema):
    id: int
    from_stage: Stage | None
    to_stage: Stage
    on: date
    note: str
    recorded_at: datetime


class StageMoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    stage: Stage
    on: date | None = Field(None, description="When it happened (today by default).")
    note: str = Field("", max_length=300)
    company_id: int | None = Field(
        None,
        description=(
            "For “company created”: the registry organisation it became, with its SIREN and "
            "creation date."
        ),
    )
    licensee_id: int | None = Field(None, description="For “licensed”: who took the licence.")
    reason: str = Field("", max_length=300, description="For “stopped”: why.")


class TrlOut(Schema):
    id: int
    level: int
    on: date
    note: str


class TrlIn(Schema):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=9)
    on: date
    note: str = Field("", max_length=300)


class VentureRef(Schema):
    id: int
    name: str


class RoundOut(Schema):
    id: int
    venture: VentureRef
    on: date
    instrument: Instrument
    amount: Decimal
    investors: list[OrganisationRef]
    note: str


class RoundFilters(Schema):
    venture: int | None = Field(None, description="A venture's id.")
    instrument: Instrument | None = None


class RoundIn(Schema):
    model_config = ConfigDict(extra="forbid")

    venture_id: int
    on: date
    instrument: Instrument
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    investor_ids: list[int] = Field([], description="Registry organisations.")
    note: str = Field("", max_length=300)


class FunnelStepOut(Schema):
    stage: Stage
    label: str
    count: int = Field(description="Ventures that reached this step (or a later one).")
    rate: float | None = Field(None, description="Share of the previous step's count.")


class FunnelOut(Schema):
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    steps: list[FunnelStepOut]
    startups_created: int = Field(
        description="Ventures that became a company (SIREN and creation date) in the period."
    )


class PeriodFilters(Schema):
    start: date | None = Field(None, alias="from", description="First day (inclusive).")
    end: date | None = Field(None, alias="to", description="Last day (inclusive).")


def _ref(organisation: Organisation | None) -> OrganisationRef | None:
    return OrganisationRef(id=organisation.pk, name=organisation.name) if organisation else None


def venture_out(venture: Venture) -> VentureOut:
    company = venture.company
    return VentureOut(
        id=venture.pk,
        name=venture.name,
        summary=venture.summary,
        technology=venture.technology,
        stage=Stage(venture.stage),
        stage_since=venture.stage_since,
        stopped_reason=venture.stopped_reason,
        trl=venture.trl,
        origin=_ref(venture.origin),
        tech_transfer_office=_ref(venture.tech_transfer_office),
        company=CompanyRef(
            id=company.pk,
            name=company.name,
            siren=company.siren,
            founded_on=company.founded_on,
            is_jei=company.is_jei,
        )
        if company
        else None,
        licensee=_ref(venture.licensee),
        terms=[
            VentureTerm(id=t.pk, slug=t.slug, name_fr=t.name_fr, name_en=t.name_en)
            for t in venture.terms.all()
        ],
        is_created=venture.is_created,
        allowed_stages=[Stage(s) for s in services.allowed_stages(venture)],
        created_at=venture.created_at,
        updated_at=venture.updated_at,
    )


def _ventures() -> QuerySet[Venture]:
    return Venture.objects.select_related(
        "origin", "tech_transfer_office", "company", "licensee"
    ).prefetch_related(Prefetch("terms", Term.objects.order_by("pk")))


def _venture(request: HttpRequest, venture_id: int) -> Venture:
    require_manager(request)
    venture = _ventures().filter(pk=venture_id).first()
    if venture is None:
        raise HttpError(404, "Not Found")
    return venture


def _reloaded(pk: int) -> VentureOut:
    return venture_out(_ventures().get(pk=pk))


def _venture_values(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("name", "summary", "technology"):
        if name in data:
            if data[name] is None and name == "name":
                raise ValidationError([field_error([name], "This field may not be null.")])
            values[name] = data[name] or ""
    for name in ("origin", "tech_transfer_office"):
        if f"{name}_id" in data:
            values[name] = organisation_or_422(data[f"{name}_id"], f"{name}_id")
    return values


# --- Ventures ---------------------------------------------------------------------------------


@router.get(
    "/ventures",
    response=list[VentureOut],
    summary="List ventures (animators)",
    description=(
        "Filter by `stage` (several allowed), `created` (startups created: a company with its "
        "SIREN in the registry), a taxonomy `term`, or words `q`. By name."
    ),
    operation_id="osmose_pipeline_api_list_ventures",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_ventures(request: HttpRequest, filters: Query[VentureFilters]) -> Any:
    require_manager(request)
    ventures = _ventures()
    if filters.stage:
        ventures = ventures.filter(stage__in=[s.value for s in filters.stage])
    created = Q(stage__in=CREATED_STAGES, company__isnull=False)
    if filters.created is True:
        ventures = ventures.filter(created)
    elif filters.created is False:
        ventures = ventures.exclude(created)
    if filters.term:
        term = filters.term
        ventures = ventures.filter(
            Q(terms__pk=int(term)) if term.isdigit() else Q(terms__slug=term)
        ).distinct()
    for word in (filters.q or "").split()[:10]:
        ventures = ventures.filter(
            Q(name__icontains=word) | Q(summary__icontains=word) | Q(technology__icontains=word)
        )
    return Mapped(ventures.order_by("name", "pk"), venture_out)


@router.post(
    "/ventures",
    response={201: VentureOut, 422: ErrorOut},
    summary="Create a venture (animators)",
    description="A new venture starts at the idea stage, dated `on` (today by default).",
    operation_id="osmose_pipeline_api_create_venture",
)
def create_venture(request: HttpRequest, payload: VentureIn) -> Any:
    require_manager(request)
    data = payload.dict(exclude_unset=True)
    values = _venture_values(data)
    terms = terms_or_422(data.get("terms") or [])
    try:
        venture = services.create_venture(
            actor=request.user, values=values, terms=terms, on=payload.on
        )
    except DjangoValidationError as error:
        raise unprocessable(error, names=VENTURE_NAMES) from error
    return Status(201, _reloaded(venture.pk))


VENTURE_NAMES = {"origin": "origin_id", "tech_transfer_office": "tech_transfer_office_id"}


@router.get(
    "/ventures/funnel",
    response=FunnelOut,
    summary="The funnel and the startups created (animators, funders)",
    description=(
        "Ideas → companies created → funded: how many ventures reached each step in the "
        "period [`from`, `to`] (both optional, inclusive), with the conversion rate from the "
        "step before, and how many startups were created. Counts only."
    ),
    operation_id="osmose_pipeline_api_funnel",
    by_alias=True,
)
def funnel(request: HttpRequest, period: Query[PeriodFilters]) -> Any:
    require_aggregates(request)
    period_error(period.start, period.end)
    steps = selectors.funnel(period.start, period.end)
    return FunnelOut(
        **{"from": period.start, "to": period.end},
        steps=[
            FunnelStepOut(
                stage=Stage(step.stage),
                label=str(step.stage.label),
                count=step.count,
                rate=step.rate,
            )
            for step in steps
        ],
        startups_created=selectors.created_count(period.start, period.end),
    )


@router.get(
    "/ventures/{int:venture_id}",
    response=VentureOut,
    summary="One venture (animators)",
    operation_id="osmose_pipeline_api_get_venture",
)
def get_venture(request: HttpRequest, venture_id: int) -> Any:
    return venture_out(_venture(request, venture_id))


@router.patch(
    "/ventures/{int:venture_id}",
    response={200: VentureOut, 422: ErrorOut},
    summary="Change a venture (animators)",
    description="Send only the fields to change; the stage moves through `/stages`.",
    operation_id="osmose_pipeline_api_update_venture",
)
def update_venture(request: HttpRequest, venture_id: int, payload: VenturePatch) -> Any:
    venture = _venture(request, venture_id)
    data = payload.dict(exclude_unset=True)
    values = _venture_values(data)
    terms = terms_or_422(data["terms"] or []) if "terms" in data else None
    try:
        services.update_venture(actor=request.user, venture=venture, values=values, terms=terms)
    except DjangoValidationError as error:
        raise unprocessable(error, names=VENTURE_NAMES) from error
    return _reloaded(venture.pk)


# --- Stages -----------------------------------------------------------------------------------


def _change_out(change: StageChange) -> StageChangeOut:
    return StageChangeOut(
        id=change.pk,
        from_stage=Stage(change.from_stage) if change.from_stage else None,
        to_stage=Stage(change.to_stage),
        on=change.on,
        note=change.note,
        recorded_at=change.recorded_at,
    )


@router.get(
    "/ventures/{int:venture_id}/stages",
    response=list[StageChangeOut],
    summary="A venture's stage history (animators)",
    description="Every move, dated, oldest first; the first is the idea.",
    operation_id="osmose_pipeline_api_list_stages",
)
def list_stages(request: HttpRequest, venture_id: int) -> Any:
    venture = _venture(request, venture_id)
    return [_change_out(c) for c in venture.stage_changes.order_by("on", "pk")]


MOVE_NAMES = {"company": "company_id", "licensee": "licensee_id", "reason": "reason", "on": "on"}


@router.post(
    "/ventures/{int:venture_id}/stages",
    response={201: VentureOut, 409: ErrorOut, 422: ErrorOut},
    summary="Move a venture to another stage (animators)",
    description=(
        "Along the transition table (see `allowed_stages`): **409** otherwise. Each stage "
        "checks its evidence (**422** naming the field): “company created” needs `company_id`, "
        "a registry organisation with its SIREN and creation date; “first funding” a recorded "
        "round; “licensed” `licensee_id`; “stopped” a `reason`. Answers the moved venture."
    ),
    operation_id="osmose_pipeline_api_move_stage",
)
def move_stage(request: HttpRequest, venture_id: int, payload: StageMoveIn) -> Any:
    venture = _venture(request, venture_id)
    stage = payload.stage.value
    if stage not in STAGE_TRANSITIONS.get(venture.stage, set()):
        return conflict(
            f"A venture cannot go from “{Stage(venture.stage).label}” to “{Stage(stage).label}”."
        )
    company = organisation_or_422(payload.company_id, "company_id")
    licensee = organisation_or_422(payload.licensee_id, "licensee_id")
    try:
        services.move_to_stage(
            actor=request.user,
            venture=venture,
            stage=stage,
            on=payload.on,
            note=payload.note,
            company=company,
            licensee=licensee,
            reason=payload.reason,
        )
    except DjangoValidationError as error:
        fresh = Venture.objects.get(pk=venture.pk)
        if stage not in STAGE_TRANSITIONS.get(fresh.stage, set()):  # moved meanwhile
            return conflict(" ".join(error.messages))
        raise unprocessable(error, field="stage", names=MOVE_NAMES) from error
    return Status(201, _reloaded(venture.pk))


# --- TRL --------------------------------------------------------------------------------------


def _trl_out(record: TrlRecord) -> TrlOut:
    return TrlOut(id=record.pk, level=record.level, on=record.on, note=record.note)


@router.get(
    "/ventures/{int:venture_id}/trl",
    response=list[TrlOut],
    summary="A venture's TRL over time (animators)",
    operation_id="osmose_pipeline_api_list_trl",
)
def list_trl(request: HttpRequest, venture_id: int) -> Any:
    venture = _venture(request, venture_id)
    return [_trl_out(r) for r in venture.trl_records.order_by("on", "pk")]


@router.post(
    "/ventures/{int:venture_id}/trl",
    response={201: TrlOut, 422: ErrorOut},
    summary="Record a TRL (animators)",
    description="The venture's `trl` becomes the latest recorded level.",
    operation_id="osmose_pipeline_api_record_trl",
)
def record_trl(request: HttpRequest, venture_id: int, payload: TrlIn) -> Any:
    venture = _venture(request, venture_id)
    try:
        record = services.record_trl(
            actor=request.user,
            venture=venture,
            level=payload.level,
            on=payload.on,
            note=payload.note,
        )
    except DjangoValidationError as error:
        raise unprocessable(error, field="level") from error
    return Status(201, _trl_out(record))


# --- Funding rounds ---------------------------------------------------------------------------


def _round_out(funding: FundingRound) -> RoundOut:
    return RoundOut(
        id=funding.pk,
        venture=VentureRef(id=funding.venture.pk, name=funding.venture.name),
        on=funding.on,
        instrument=Instrument(funding.instrument),
        amount=funding.amount,
        investors=[OrganisationRef(id=o.pk, name=o.name) for o in funding.investors.all()],
        note=funding.note,
    )


def _rounds() -> QuerySet[FundingRound]:
    return FundingRound.objects.select_related("venture").prefetch_related(
        Prefetch("investors", Organisation.objects.order_by("name", "pk"))
    )


@router.get(
    "/funding-rounds",
    response=list[RoundOut],
    summary="List funding rounds (animators)",
    description="Newest first; filter by `venture` or `instrument`.",
    operation_id="osmose_pipeline_api_list_rounds",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_rounds(request: HttpRequest, filters: Query[RoundFilters]) -> Any:
    require_manager(request)
    rounds = _rounds()
    if filters.venture is not None:
        rounds = rounds.filter(venture_id=filters.venture)
    if filters.instrument is not None:
        rounds = rounds.filter(instrument=filters.instrument.value)
    return Mapped(rounds.order_by("-on", "-pk"), _round_out)


@router.post(
    "/funding-rounds",
    response={201: RoundOut, 422: ErrorOut},
    summary="Record a funding round (animators)",
    description="A grant, loan, equity or convertible round, with its investors.",
    operation_id="osmose_pipeline_api_create_round",
)
def create_round(request: HttpRequest, payload: RoundIn) -> Any:
    require_manager(request)
    venture = Venture.objects.filter(pk=payload.venture_id).first()
    if venture is None:
        raise ValidationError([field_error(["venture_id"], "Unknown venture.")])
    investors = organisations_or_422(payload.investor_ids, "investor_ids")
    with transaction.atomic():
        try:
            funding = services.add_round(
                actor=request.user,
                venture=venture,
                on=payload.on,
                instrument=payload.instrument.value,
                amount=payload.amount,
                investors=investors,
                note=payload.note,
            )
        except DjangoValidationError as error:
            raise unprocessable(error, field="amount") from error
    return Status(201, _round_out(_rounds().get(pk=funding.pk)))
