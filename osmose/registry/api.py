"""Registry endpoints: organisations, people, affiliations, taxonomy and segments.

Who may do what (anonymous callers get 401 from the API's authentication):

- animators (and admins) read every record and write through the registry services;
- members read the public view (what the public directory may show, within each record's
  publication consent) plus their own person record in full, which they may PATCH;
- funders get 403: they see aggregates, never registry records. Everyone signed in reads the
  taxonomy.

List filters are the directory's facets, with the same names (``?kind=startup&dep=37``), so a
directory URL and an API call return the same records.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from pydantic import ConfigDict, RootModel, field_validator

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.core.models import Term, Vocabulary
from osmose.registry.access import (
    can_manage_registry,
    get_organisation_for_user,
    get_person_for_user,
)
from osmose.registry.directory import FACETS, SORTS, DirectoryQuery, Target
from osmose.registry.forms import PUBLIC_ORGANISATION_FIELDS, PUBLIC_PERSON_FIELDS
from osmose.registry.models import (
    Affiliation,
    Headcount,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
    Scope,
    Sector,
    Segment,
)
from osmose.registry.services import organisations as organisation_services
from osmose.registry.services import people as people_services
from osmose.registry.services import segments as segment_services
from osmose.registry.services.duplicates import (
    Candidate,
    organisation_duplicates,
    person_duplicates,
)
from osmose.registry.services.indexing import organisation_record, person_record

router = Router(tags=["registry"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Members see the public view: a filter on a field the public view may hide would reveal it.
MEMBER_FILTERS: dict[str, set[str]] = {
    "organisations": {"q", "kind", "sector", "dep"},
    "people": {"q"},
}
PUBLIC_ORGANISATION_CHOICES = [value for value, _label in PUBLIC_ORGANISATION_FIELDS]
PUBLIC_PERSON_CHOICES = [value for value, _label in PUBLIC_PERSON_FIELDS]


# --- Who may read what ------------------------------------------------------------------------


def _can_read_public_view(user: Any) -> bool:
    """Members (and above) read the public view; funders do not read registry records."""
    return user_has_role(user, Role.MEMBER)


def _require_reader(request: HttpRequest) -> bool:
    """True for animators (everything); False for members (the public view); else 403."""
    if can_manage_registry(request.user):
        return True
    if _can_read_public_view(request.user):
        return False
    raise HttpError(403, "Your role does not give access to registry records.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_registry(request.user):
        raise HttpError(403, "Only animators may do this.")


def public_organisations() -> QuerySet[Organisation]:
    """Organisations the public directory may list: active and not merged."""
    return Organisation.objects.filter(status=OrganisationStatus.ACTIVE, merged_into=None)


def _public_person_q() -> Q:
    """People who agreed to publish at least one field and are neither erased nor merged."""
    return Q(erased_at=None, merged_into=None) & ~Q(public_fields=[])


def _person_for_writing(request: HttpRequest, person_id: int) -> Person:
    """Animators write anyone, a member only their own record (403 otherwise)."""
    _require_reader(request)
    try:
        return get_person_for_user(request.user, person_id, write=True)
    except PermissionDenied as error:
        raise HttpError(403, "You may only change your own record.") from error


def _is_own(request: HttpRequest, person: Person) -> bool:
    return person.user_id is not None and person.user_id == request.user.pk


# --- Output schemas ---------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


class OrganisationOut(Schema):
    """An organisation in full (animators)."""

    view: Literal["full"] = "full"
    id: int
    name: str
    acronym: str
    kind: str
    sector: str
    scope: str
    status: str
    siren: str
    siret: str
    rnsr: str
    ror: str
    vat_number: str
    naf_code: str
    website: str
    street: str
    postcode: str
    city: str
    departement: str | None = Field(None, description="Code of the département, e.g. 37.")
    latitude: float | None
    longitude: float | None
    headcount: str
    founded_on: date | None
    is_jei: bool
    description_fr: str
    description_en: str
    terms: list[int] = Field(description="Ids of taxonomy terms (see /taxonomy).")
    tags: list[str]
    public_fields: list[str] = Field(description="Fields the public directory may show.")
    last_verified_at: datetime | None
    merged_into: int | None = Field(None, description="The organisation this one was merged into.")
    updated_at: datetime


class PublicOrganisationOut(Schema):
    """What the public directory may show; a field outside ``public_fields`` is null."""

    view: Literal["public"] = "public"
    id: int
    name: str
    acronym: str
    kind: str
    sector: str
    city: str
    departement: str | None = None
    public_fields: list[str]
    website: str | None = None
    description_fr: str | None = None
    description_en: str | None = None
    street: str | None = None
    postcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    terms: list[int] | None = None


class PersonOut(Schema):
    """A person in full (animators, and members for their own record)."""

    view: Literal["full"] = "full"
    id: int
    given_name: str
    family_name: str
    email: str
    other_emails: list[str]
    phone: str
    other_phones: list[str]
    job_title: str
    languages: list[str]
    orcid: str
    linkedin_url: str
    street: str
    postcode: str
    city: str
    country: str
    primary_organisation: OrganisationRef | None
    expertise: list[int] = Field(description="Ids of taxonomy terms (see /taxonomy).")
    public_fields: list[str] = Field(description="Fields the public directory may show.")
    last_contact_at: datetime | None
    last_verified_at: datetime | None
    erased_at: datetime | None
    merged_into: int | None = None
    updated_at: datetime


class PublicPersonOut(Schema):
    """What the public directory may show of a person; a field not published is null."""

    view: Literal["public"] = "public"
    id: int
    given_name: str
    family_name: str
    public_fields: list[str]
    job_title: str | None = None
    primary_organisation: OrganisationRef | None = None
    expertise: list[int] | None = None
    email: str | None = None
    phone: str | None = None


# Named root models, so the OpenAPI schema names the paged lists apart.
class OrganisationItem(
    RootModel[Annotated[OrganisationOut | PublicOrganisationOut, Field(discriminator="view")]]
):
    """An organisation in full or in its public view, told apart by ``view``."""


class PersonItem(RootModel[Annotated[PersonOut | PublicPersonOut, Field(discriminator="view")]]):
    """A person in full or in their public view, told apart by ``view``."""


class AffiliationOut(Schema):
    id: int
    person: int
    organisation: OrganisationRef
    role: str
    started_on: date | None
    ended_on: date | None
    is_primary: bool


class TermOut(Schema):
    id: int
    slug: str
    name_fr: str
    name_en: str
    children: list["TermOut"]


TermOut.model_rebuild()


class VocabularyOut(Schema):
    id: int
    slug: str
    name_fr: str
    name_en: str
    terms: list[TermOut] = Field(description="The top-level terms, each with its children.")


class SegmentOut(Schema):
    id: int
    name: str
    slug: str
    target: str
    query: dict[str, Any] = Field(description="The search text and facets, as list filters.")
    created_at: datetime
    updated_at: datetime


class CandidateOut(Schema):
    id: int
    name: str
    score: float
    reasons: list[str]


class DuplicatesOut(Schema):
    detail: str
    candidates: list[CandidateOut]


class ErrorOut(Schema):
    detail: Any


# --- Serialising ------------------------------------------------------------------------------


def _organisation_ref(organisation: Organisation | None) -> OrganisationRef | None:
    return (
        None
        if organisation is None
        else OrganisationRef(id=organisation.pk, name=organisation.name)
    )


def full_organisation(organisation: Organisation) -> OrganisationOut:
    """Expects ``departement``, ``terms`` and ``tags`` to be loaded (see the querysets)."""
    values = {
        name: getattr(organisation, name)
        for name in OrganisationOut.model_fields
        if name not in ("view", "departement", "terms", "tags", "merged_into")
    }
    return OrganisationOut(
        **values,
        departement=organisation.departement.code if organisation.departement else None,
        terms=[term.pk for term in organisation.terms.all()],
        tags=[tag.name for tag in organisation.tags.all()],
        merged_into=organisation.merged_into_id,
    )


def public_organisation(organisation: Organisation) -> PublicOrganisationOut:
    published = set(organisation.public_fields or [])
    out = PublicOrganisationOut(
        id=organisation.pk,
        name=organisation.name,
        acronym=organisation.acronym,
        kind=organisation.kind,
        sector=organisation.sector,
        city=organisation.city,
        departement=organisation.departement.code if organisation.departement else None,
        public_fields=sorted(published),
    )
    if "website" in published:
        out.website = organisation.website
    if "description" in published:
        out.description_fr = organisation.description_fr
        out.description_en = organisation.description_en
    if "address" in published:
        out.street, out.postcode = organisation.street, organisation.postcode
        out.latitude, out.longitude = organisation.latitude, organisation.longitude
    if "terms" in published:
        out.terms = [term.pk for term in organisation.terms.all()]
    return out


def full_person(person: Person) -> PersonOut:
    """Expects ``primary_organisation`` and ``expertise`` to be loaded."""
    values = {
        name: getattr(person, name)
        for name in PersonOut.model_fields
        if name not in ("view", "primary_organisation", "expertise", "merged_into")
    }
    return PersonOut(
        **values,
        primary_organisation=_organisation_ref(person.primary_organisation),
        expertise=[term.pk for term in person.expertise.all()],
        merged_into=person.merged_into_id,
    )


def public_person(person: Person) -> PublicPersonOut:
    published = set(person.public_fields or [])
    out = PublicPersonOut(
        id=person.pk,
        given_name=person.given_name,
        family_name=person.family_name,
        public_fields=sorted(published),
    )
    if "job_title" in published:
        out.job_title = person.job_title
    if "organisation" in published:
        out.primary_organisation = _organisation_ref(person.primary_organisation)
    if "expertise" in published:
        out.expertise = [term.pk for term in person.expertise.all()]
    if "email" in published:
        out.email = person.email
    if "phone" in published:
        out.phone = person.phone
    return out


class Projected:
    """A queryset whose items are serialised one by one when the paginator slices it.

    Lets one list return the full view of some records and the public view of others.
    """

    def __init__(self, queryset: QuerySet[Any], project: Callable[[Any], Schema]) -> None:
        self.queryset = queryset
        self.project = project

    def all(self) -> "Projected":
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[Schema]:
        return [self.project(item) for item in self.queryset[page]]


def _with_organisation_relations(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return queryset.select_related("departement").prefetch_related(
        Prefetch("terms", queryset=Term.objects.only("pk")), "tags"
    )


def _with_person_relations(queryset: QuerySet[Person]) -> QuerySet[Person]:
    return queryset.select_related("primary_organisation").prefetch_related(
        Prefetch("expertise", queryset=Term.objects.only("pk"))
    )


def _reloaded_organisation(pk: int) -> Organisation:
    return _with_organisation_relations(Organisation.objects.all()).get(pk=pk)


def _reloaded_person(pk: int) -> Person:
    return _with_person_relations(Person.objects.all()).get(pk=pk)


# --- Errors -----------------------------------------------------------------------------------


def _field_error(field: str | None, message: str) -> dict[str, Any]:
    loc: list[str] = ["body", "payload"] + ([field] if field else [])
    return {"type": "invalid", "loc": loc, "msg": message}


def _unprocessable(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as a 422 shaped like the API's own validation errors."""
    if not hasattr(error, "error_dict"):
        return ValidationError([_field_error(None, message) for message in error.messages])
    return ValidationError(
        [
            _field_error(None if field == NON_FIELD_ERRORS else field, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    )


def _terms(ids: Iterable[int], field: str) -> list[Term]:
    wanted = set(ids)
    terms = list(Term.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {term.pk for term in terms})
    if missing:
        raise ValidationError([_field_error(field, f"Unknown taxonomy terms: {missing}.")])
    return terms


def _duplicates_response(
    candidates: Sequence[Candidate], names: Mapping[int, str]
) -> Status[DuplicatesOut]:
    return Status(
        409,
        DuplicatesOut(
            detail=(
                "Possible duplicates exist. Check them; send the same request with "
                '"force": true to create the record anyway.'
            ),
            candidates=[
                CandidateOut(
                    id=c.object_id,
                    name=names.get(c.object_id, ""),
                    score=c.score,
                    reasons=c.reasons,
                )
                for c in candidates
            ],
        ),
    )


# --- Input schemas ----------------------------------------------------------------------------


def _check_public_fields(values: list[str] | None, allowed: list[str]) -> list[str] | None:
    if values is not None:
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValueError(f"Unknown fields {unknown}; choose among {allowed}.")
        return sorted(set(values))
    return values


class WriteSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class OrganisationIn(WriteSchema):
    """A new organisation. ``force`` creates it even when it looks like a duplicate."""

    name: str
    acronym: str = ""
    kind: OrganisationKind
    sector: Sector
    scope: Scope = Scope.REGIONAL
    status: OrganisationStatus = OrganisationStatus.ACTIVE
    description_fr: str = ""
    description_en: str = ""
    website: str = ""
    siren: str = ""
    siret: str = ""
    rnsr: str = ""
    ror: str = ""
    vat_number: str = ""
    naf_code: str = ""
    headcount: Headcount | Literal[""] = ""
    founded_on: date | None = None
    is_jei: bool = False
    street: str = ""
    postcode: str = ""
    city: str = ""
    public_fields: list[str] = Field([], description=f"Among {PUBLIC_ORGANISATION_CHOICES}.")
    terms: list[int] = Field([], description="Ids of taxonomy terms.")
    tags: list[str] = []
    force: bool = Field(False, description="Create even if possible duplicates exist (409).")

    @field_validator("public_fields")
    @classmethod
    def _public_fields(cls, value: list[str]) -> list[str] | None:
        return _check_public_fields(value, PUBLIC_ORGANISATION_CHOICES)


class OrganisationPatch(WriteSchema):
    """The fields to change; fields left out keep their value."""

    name: str | None = None
    acronym: str | None = None
    kind: OrganisationKind | None = None
    sector: Sector | None = None
    scope: Scope | None = None
    status: OrganisationStatus | None = None
    description_fr: str | None = None
    description_en: str | None = None
    website: str | None = None
    siren: str | None = None
    siret: str | None = None
    rnsr: str | None = None
    ror: str | None = None
    vat_number: str | None = None
    naf_code: str | None = None
    headcount: Headcount | Literal[""] | None = None
    founded_on: date | None = None
    is_jei: bool | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    public_fields: list[str] | None = Field(
        None, description=f"Among {PUBLIC_ORGANISATION_CHOICES}."
    )
    terms: list[int] | None = Field(None, description="Ids of taxonomy terms.")
    tags: list[str] | None = None

    @field_validator("public_fields")
    @classmethod
    def _public_fields(cls, value: list[str] | None) -> list[str] | None:
        return _check_public_fields(value, PUBLIC_ORGANISATION_CHOICES)


class PersonIn(WriteSchema):
    """A new person. ``force`` creates them even when they look like a duplicate."""

    given_name: str = ""
    family_name: str = ""
    email: str = ""
    other_emails: list[str] = []
    phone: str = ""
    other_phones: list[str] = []
    job_title: str = ""
    languages: list[str] = []
    orcid: str = ""
    linkedin_url: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "FR"
    public_fields: list[str] = Field([], description=f"Among {PUBLIC_PERSON_CHOICES}.")
    expertise: list[int] = Field([], description="Ids of taxonomy terms.")
    force: bool = Field(False, description="Create even if possible duplicates exist (409).")

    @field_validator("public_fields")
    @classmethod
    def _public_fields(cls, value: list[str]) -> list[str] | None:
        return _check_public_fields(value, PUBLIC_PERSON_CHOICES)


class PersonPatch(WriteSchema):
    """The fields to change. A member may send this for their own record."""

    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    other_emails: list[str] | None = None
    phone: str | None = None
    other_phones: list[str] | None = None
    job_title: str | None = None
    languages: list[str] | None = None
    orcid: str | None = None
    linkedin_url: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    public_fields: list[str] | None = Field(None, description=f"Among {PUBLIC_PERSON_CHOICES}.")
    expertise: list[int] | None = Field(None, description="Ids of taxonomy terms.")

    @field_validator("public_fields")
    @classmethod
    def _public_fields(cls, value: list[str] | None) -> list[str] | None:
        return _check_public_fields(value, PUBLIC_PERSON_CHOICES)


class AffiliationIn(WriteSchema):
    organisation: int = Field(description="The organisation's id.")
    role: str = ""
    started_on: date | None = None
    primary: bool | None = Field(
        None, description="Make it the primary affiliation (default: when it is the first)."
    )


class AffiliationEndIn(WriteSchema):
    ended_on: date | None = Field(None, description="Default: today.")


class SegmentIn(WriteSchema):
    """A saved directory query; saving the same name and target again replaces its query."""

    name: str = Field(min_length=1, max_length=150)
    target: Target
    query: dict[str, str | list[str] | list[int] | int] = Field(
        {}, description="List filters: q, sort and the facets of the target's list endpoint."
    )


def _service_values(
    model: type[models.Model], payload: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """The payload's fields for a service; null means empty for text fields."""
    values: dict[str, Any] = {}
    for name in fields:
        if name not in payload:
            continue
        value = payload[name]
        if isinstance(value, Enum):
            value = value.value
        if value is None:
            field = model._meta.get_field(name)
            if field.null:
                pass
            elif isinstance(field, models.CharField | models.TextField) and field.blank:
                value = ""
            elif isinstance(field, models.JSONField):
                value = []
            else:
                raise ValidationError([_field_error(name, "This field may not be null.")])
        values[name] = value
    return values


# --- List filters -----------------------------------------------------------------------------


class OrganisationFilters(Schema):
    q: str = Field("", description="Full text, typo-tolerant. Members: names only.")
    kind: list[OrganisationKind] = []
    sector: list[Sector] = []
    dep: list[str] = Field([], description="Codes of départements.")
    scope: list[Scope] = []
    term: list[int] = Field([], description="Ids of taxonomy terms.")
    headcount: list[Headcount] = []
    jei: list[Literal["yes", "no"]] = []
    status: list[OrganisationStatus] = []
    fresh: list[Literal["fresh", "aging", "stale"]] = Field(
        [], description="Last verified under a year ago, 1 to 3 years ago, or longer/never."
    )
    sort: Literal["name", "-updated", "verified"] = "name"
    segment: str | None = Field(
        None, description="A segment's slug: its saved query replaces the other filters."
    )


class PersonFilters(Schema):
    q: str = Field("", description="Full text, typo-tolerant. Members: names only.")
    kind: list[OrganisationKind] = Field([], description="Kind of the primary organisation.")
    sector: list[Sector] = Field([], description="Sector of the primary organisation.")
    dep: list[str] = Field([], description="Département of the primary organisation.")
    term: list[int] = Field([], description="Ids of expertise terms.")
    contact: list[Literal["recent", "older", "expired"]] = Field(
        [], description="Last contact under a year ago, 1 to 3 years ago, or longer/never."
    )
    sort: Literal["name", "-updated", "contact"] = "name"
    segment: str | None = Field(
        None, description="A segment's slug: its saved query replaces the other filters."
    )


def _directory_params(filters: Schema) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in filters:
        if name == "segment" or value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        params[name] = [str(v.value if isinstance(v, Enum) else v) for v in values]
    return params


def _segment_query(target: Target, slug: str) -> DirectoryQuery:
    segment = get_object_or_404(Segment, slug=slug, target=target)
    return DirectoryQuery.from_params(target, segment.query)


def _name_filter(queryset: QuerySet[Any], text: str, fields: Sequence[str]) -> QuerySet[Any]:
    """Every word in one of ``fields``: the members' search, blind to unpublished fields."""
    for word in text.split()[:10]:
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def _member_query(target: Target, filters: Schema) -> DirectoryQuery:
    params = _directory_params(filters)
    refused = sorted(set(params) - MEMBER_FILTERS[target] - {"sort"})
    if refused or params.get("sort", ["name"]) != ["name"] or getattr(filters, "segment", None):
        allowed = ", ".join(sorted(MEMBER_FILTERS[target]))
        raise HttpError(403, f"Members may filter on {allowed} only, sorted by name.")
    return DirectoryQuery.from_params(target, params)


def _ordered(query: DirectoryQuery) -> QuerySet[Any]:
    return query.queryset().order_by(*SORTS[query.target][query.sort][1])


# --- Organisations ----------------------------------------------------------------------------


@router.get(
    "/organisations",
    response=list[OrganisationItem],
    summary="List organisations",
    description=(
        "Filters are the directory's facets (repeat a parameter for several values). "
        'Animators get every organisation in full (`"view": "full"`); members get the public '
        'view of active organisations (`"view": "public"`) and may filter on q (names), kind, '
        "sector and dep only."
    ),
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    if _require_reader(request):
        if filters.segment:
            query = _segment_query("organisations", filters.segment)
        else:
            query = DirectoryQuery.from_params("organisations", _directory_params(filters))
        return Projected(_with_organisation_relations(_ordered(query)), full_organisation)
    query = _member_query("organisations", filters)
    text, query.q = query.q, ""
    queryset = _ordered(query).filter(pk__in=public_organisations().values("pk"))
    queryset = _name_filter(queryset, text, ["name", "acronym"])
    return Projected(_with_organisation_relations(queryset), public_organisation)


@router.get(
    "/organisations/{organisation_id}",
    response=OrganisationItem,
    summary="One organisation",
    description="Members get the public view, and 404 for an organisation that is not public.",
)
def get_organisation(request: HttpRequest, organisation_id: int) -> Schema:
    if _require_reader(request):
        organisation = get_organisation_for_user(request.user, organisation_id)
        return full_organisation(_reloaded_organisation(organisation.pk))
    visible = _with_organisation_relations(public_organisations())
    return public_organisation(get_object_or_404(visible, pk=organisation_id))


@router.post(
    "/organisations",
    response={201: OrganisationOut, 409: DuplicatesOut, 422: ErrorOut},
    summary="Create an organisation (animators)",
    description=(
        "Returns 409 with the possible duplicates (same SIREN, similar name in the same "
        'town…); send the request again with `"force": true` to create it anyway. '
        "Invalid identifiers (SIREN, SIRET, RNSR, ROR, VAT) give 422 naming the field."
    ),
)
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Any:
    _require_manager(request)
    # Only the fields sent: the services' defaults and cleaners apply to the others.
    data = payload.dict(exclude_unset=True)
    values = _service_values(Organisation, data, organisation_services.EDITABLE_FIELDS)
    terms = _terms(payload.terms, "terms")
    try:
        cleaned = organisation_services.clean_organisation_values(values)
        if not payload.force:
            candidates = organisation_duplicates(organisation_record(Organisation(pk=0, **cleaned)))
            if candidates:
                names = dict(
                    Organisation.objects.filter(
                        pk__in=[c.object_id for c in candidates]
                    ).values_list("pk", "name")
                )
                return _duplicates_response(candidates, names)
        organisation = organisation_services.create_organisation(
            actor=request.user, values=values, terms=terms, tags=payload.tags
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return Status(201, full_organisation(_reloaded_organisation(organisation.pk)))


@router.patch(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, 422: ErrorOut},
    summary="Change an organisation (animators)",
)
def update_organisation(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch
) -> Any:
    _require_manager(request)
    organisation = get_organisation_for_user(request.user, organisation_id, write=True)
    data = payload.dict(exclude_unset=True)
    values = _service_values(Organisation, data, organisation_services.EDITABLE_FIELDS)
    terms = _terms(data["terms"], "terms") if data.get("terms") is not None else None
    try:
        organisation_services.update_organisation(
            actor=request.user,
            organisation=organisation,
            values=values,
            terms=terms,
            tags=data.get("tags"),
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return full_organisation(_reloaded_organisation(organisation.pk))


# --- People -----------------------------------------------------------------------------------


@router.get(
    "/people",
    response=list[PersonItem],
    summary="List people",
    description=(
        "Filters are the directory's facets. Animators get everyone in full; members get the "
        "people who agreed to publication (public view) and their own record in full, and "
        "may filter on q (names) only."
    ),
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_people(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    if _require_reader(request):
        if filters.segment:
            query = _segment_query("people", filters.segment)
        else:
            query = DirectoryQuery.from_params("people", _directory_params(filters))
        return Projected(_with_person_relations(_ordered(query)), full_person)
    query = _member_query("people", filters)
    text, query.q = query.q, ""
    user = request.user
    queryset = _ordered(query).filter(_public_person_q() | Q(user=user))
    queryset = _name_filter(queryset, text, ["given_name", "family_name"])
    return Projected(
        _with_person_relations(queryset),
        lambda person: full_person(person) if person.user_id == user.pk else public_person(person),
    )


@router.get(
    "/people/{person_id}",
    response=PersonItem,
    summary="One person",
    description=(
        "Members get their own record in full, the public view of a person who agreed to "
        "publication, and 404 otherwise."
    ),
)
def get_person(request: HttpRequest, person_id: int) -> Schema:
    if _require_reader(request):
        person = get_person_for_user(request.user, person_id)
        return full_person(_reloaded_person(person.pk))
    visible = Person.objects.filter(_public_person_q() | Q(user=request.user))
    person = get_object_or_404(_with_person_relations(visible), pk=person_id)
    return full_person(person) if _is_own(request, person) else public_person(person)


@router.post(
    "/people",
    response={201: PersonOut, 409: DuplicatesOut, 422: ErrorOut},
    summary="Create a person (animators)",
    description=(
        "Returns 409 with the possible duplicates (same e-mail, similar name…); send the "
        'request again with `"force": true` to create the person anyway.'
    ),
)
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    _require_manager(request)
    data = payload.dict(exclude_unset=True)
    values = _service_values(Person, data, people_services.EDITABLE_FIELDS)
    expertise = _terms(payload.expertise, "expertise")
    try:
        cleaned = people_services.clean_person_values(values)
        if not payload.force:
            candidates = person_duplicates(person_record(Person(pk=0, **cleaned)))
            if candidates:
                people = Person.objects.filter(pk__in=[c.object_id for c in candidates])
                return _duplicates_response(candidates, {p.pk: str(p) for p in people})
        person = people_services.create_person(
            actor=request.user, values=values, expertise=expertise
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return Status(201, full_person(_reloaded_person(person.pk)))


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, 422: ErrorOut},
    summary="Change a person (animators, or a member for their own record)",
)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    person = _person_for_writing(request, person_id)
    data = payload.dict(exclude_unset=True)
    values = _service_values(Person, data, people_services.EDITABLE_FIELDS)
    expertise = (
        _terms(data["expertise"], "expertise") if data.get("expertise") is not None else None
    )
    try:
        people_services.update_person(
            actor=request.user, person=person, values=values, expertise=expertise
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return full_person(_reloaded_person(person.pk))


# --- Affiliations -----------------------------------------------------------------------------


@router.get(
    "/people/{person_id}/affiliations",
    response=list[AffiliationOut],
    summary="A person's affiliations, current first",
    description="Animators, and members for their own record.",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_affiliations(request: HttpRequest, person_id: int) -> Any:
    _require_reader(request)
    try:
        person = get_person_for_user(request.user, person_id)
    except PermissionDenied as error:
        raise HttpError(403, "Only animators and the person may read affiliations.") from error
    return Projected(
        Affiliation.objects.filter(person=person)
        .select_related("organisation")
        .order_by(models.F("ended_on").desc(nulls_first=True), "-is_primary", "-started_on", "pk"),
        _affiliation_out,
    )


def _affiliation_out(affiliation: Affiliation) -> AffiliationOut:
    return AffiliationOut(
        id=affiliation.pk,
        person=affiliation.person_id,
        organisation=OrganisationRef(
            id=affiliation.organisation_id, name=affiliation.organisation.name
        ),
        role=affiliation.role,
        started_on=affiliation.started_on,
        ended_on=affiliation.ended_on,
        is_primary=affiliation.is_primary,
    )


@router.post(
    "/people/{person_id}/affiliations",
    response={201: AffiliationOut, 422: ErrorOut},
    summary="Affiliate a person to an organisation (animators)",
    description="An existing current affiliation to the same organisation is updated instead.",
)
def add_affiliation(request: HttpRequest, person_id: int, payload: AffiliationIn) -> Any:
    _require_manager(request)
    person = get_person_for_user(request.user, person_id, write=True)
    organisation = Organisation.objects.filter(pk=payload.organisation, merged_into=None).first()
    if organisation is None:
        raise ValidationError([_field_error("organisation", "Unknown organisation.")])
    try:
        affiliation = people_services.add_affiliation(
            actor=request.user,
            person=person,
            organisation=organisation,
            role=payload.role,
            started_on=payload.started_on,
            primary=payload.primary,
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    affiliation.refresh_from_db()
    return Status(201, _affiliation_out(affiliation))


@router.post(
    "/affiliations/{affiliation_id}/end",
    response={200: AffiliationOut, 409: ErrorOut},
    summary="End an affiliation (animators)",
    description="The next current affiliation becomes primary when the primary one ends.",
)
def end_affiliation(
    request: HttpRequest, affiliation_id: int, payload: AffiliationEndIn | None = None
) -> Any:
    _require_manager(request)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("person", "organisation"), pk=affiliation_id
    )
    get_person_for_user(request.user, affiliation.person_id, write=True)
    if affiliation.ended_on is not None:
        return Status(409, ErrorOut(detail="This affiliation has already ended."))
    people_services.end_affiliation(
        actor=request.user,
        affiliation=affiliation,
        ended_on=payload.ended_on if payload else None,
    )
    return _affiliation_out(affiliation)


# --- Taxonomy ---------------------------------------------------------------------------------


@router.get(
    "/taxonomy",
    response=list[VocabularyOut],
    summary="Vocabularies and their terms, nested",
    description="Any signed-in user. Terms are the ids used by `terms`, `expertise` and `term`.",
)
def taxonomy(request: HttpRequest) -> list[VocabularyOut]:
    children: dict[int | None, list[Term]] = {}
    by_vocabulary: dict[int, list[Term]] = {}
    for term in Term.objects.order_by("vocabulary_id", "name_fr", "pk"):
        if term.parent_id is None:
            by_vocabulary.setdefault(term.vocabulary_id, []).append(term)
        else:
            children.setdefault(term.parent_id, []).append(term)

    def tree(term: Term) -> TermOut:
        return TermOut(
            id=term.pk,
            slug=term.slug,
            name_fr=term.name_fr,
            name_en=term.name_en,
            children=[tree(child) for child in children.get(term.pk, [])],
        )

    return [
        VocabularyOut(
            id=vocabulary.pk,
            slug=vocabulary.slug,
            name_fr=vocabulary.name_fr,
            name_en=vocabulary.name_en,
            terms=[tree(term) for term in by_vocabulary.get(vocabulary.pk, [])],
        )
        for vocabulary in Vocabulary.objects.order_by("position", "slug")
    ]


# --- Segments ---------------------------------------------------------------------------------


@router.get(
    "/segments",
    response=list[SegmentOut],
    summary="Saved directory queries (animators)",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_segments(request: HttpRequest, target: Target | None = None) -> Any:
    _require_manager(request)
    segments = Segment.objects.order_by("name", "pk")
    return segments.filter(target=target) if target else segments


@router.post(
    "/segments",
    response={200: SegmentOut, 201: SegmentOut, 422: ErrorOut},
    summary="Save a directory query as a segment (animators)",
    description="201 when created; 200 when a segment of that name and target was replaced.",
)
def create_segment(request: HttpRequest, payload: SegmentIn) -> Any:
    _require_manager(request)
    known = {facet.param for facet in FACETS[payload.target]} | {"q", "sort"}
    unknown = sorted(set(payload.query) - known)
    if unknown:
        raise ValidationError(
            [_field_error("query", f"Unknown filters {unknown}; choose among {sorted(known)}.")]
        )
    query = DirectoryQuery.from_params(payload.target, payload.query).as_params()
    name = payload.name.strip()
    existed = Segment.objects.filter(name=name, target=payload.target).exists()
    segment = segment_services.save_segment(
        actor=request.user, name=name, target=payload.target, query=query
    )
    return Status(200 if existed else 201, segment)


def _segment_results(request: HttpRequest, slug: str, target: Target) -> DirectoryQuery:
    _require_manager(request)
    return _segment_query(target, slug)


@router.get(
    "/segments/{slug}/organisations",
    response=list[OrganisationOut],
    summary="The organisations a segment selects today (animators)",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def segment_organisations(request: HttpRequest, slug: str) -> Any:
    query = _segment_results(request, slug, "organisations")
    return Projected(_with_organisation_relations(_ordered(query)), full_organisation)


@router.get(
    "/segments/{slug}/people",
    response=list[PersonOut],
    summary="The people a segment selects today (animators)",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def segment_people(request: HttpRequest, slug: str) -> Any:
    query = _segment_results(request, slug, "people")
    return Projected(_with_person_relations(_ordered(query)), full_person)


@router.delete(
    "/segments/{slug}",
    response={204: None},
    summary="Delete a segment (animators)",
)
def delete_segment(request: HttpRequest, slug: str) -> Any:
    _require_manager(request)
    segment = get_object_or_404(Segment, slug=slug)
    segment_services.delete_segment(actor=request.user, segment=segment)
    return Status(204, None)
