"""The registry API's input, output and list-filter schemas."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, RootModel, field_validator

from osmose.registry.directory import Target
from osmose.registry.forms import PUBLIC_ORGANISATION_FIELDS, PUBLIC_PERSON_FIELDS
from osmose.registry.models import Headcount, OrganisationKind, OrganisationStatus, Scope, Sector

PUBLIC_ORGANISATION_CHOICES = [value for value, _label in PUBLIC_ORGANISATION_FIELDS]
PUBLIC_PERSON_CHOICES = [value for value, _label in PUBLIC_PERSON_FIELDS]


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
    force: bool = Field(
        False, description="Apply even if the change makes it look like a duplicate (409)."
    )

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
    force: bool = Field(
        False, description="Apply even if the change makes them look like a duplicate (409)."
    )
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
