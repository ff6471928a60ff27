"""Records as API output: the full view, the public view, and lists of either."""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from ninja import Schema

from osmose.core.models import Term
from osmose.registry.api.schemas import (
    OrganisationOut,
    OrganisationRef,
    PersonOut,
    PublicOrganisationOut,
    PublicPersonOut,
)
from osmose.registry.models import Organisation, Person


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
