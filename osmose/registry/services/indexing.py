"""Keep the search index and the duplicate keys in step with the records."""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects

from osmose.registry import search
from osmose.registry.dedup import (
    OrganisationRecord,
    PersonRecord,
    organisation_blocking_keys,
    person_blocking_keys,
)
from osmose.registry.directory import data_changed
from osmose.registry.models import (
    Affiliation,
    DuplicateKey,
    DuplicateKind,
    Organisation,
    Person,
)


def organisation_record(organisation: Organisation) -> OrganisationRecord:
    return OrganisationRecord(
        id=organisation.pk,
        external_id=str(organisation.pk),
        name=organisation.name,
        acronym=organisation.acronym,
        siren=organisation.siren,
        siret=organisation.siret,
        rnsr=organisation.rnsr,
        website=organisation.website,
        street=organisation.street,
        postcode=organisation.postcode,
        city=organisation.city or (organisation.commune.name if organisation.commune else ""),
    )


def person_record(person: Person) -> PersonRecord:
    return PersonRecord(
        id=person.pk,
        external_id=str(person.pk),
        given_name=person.given_name,
        family_name=person.family_name,
        email=person.email,
        phone=person.phone,
        street=person.street,
        postcode=person.postcode,
        city=person.city,
    )


def organisation_document(organisation: Organisation) -> str:
    parts = [
        organisation.name, organisation.acronym, organisation.description_fr,
        organisation.description_en, organisation.siren, organisation.siret, organisation.rnsr,
        organisation.ror, organisation.city, organisation.postcode,
        organisation.commune.name if organisation.commune else "",
        organisation.website.split("://")[-1],
    ]  # fmt: skip
    for term in organisation.terms.all():
        parts += [term.name_fr, term.name_en]
    parts += [tag.name for tag in organisation.tags.all()]
    parts += organisation_facet_tokens(organisation)
    return " ".join(p for p in parts if p)


def organisation_facet_tokens(organisation: Organisation) -> list[str]:
    """The directory's facets of an organisation, as index words (see search.facet_token)."""
    values = [
        ("kind", organisation.kind), ("sector", organisation.sector),
        ("scope", organisation.scope), ("status", organisation.status),
        ("headcount", organisation.headcount), ("jei", "yes" if organisation.is_jei else "no"),
        ("dep", organisation.departement.code if organisation.departement else ""),
    ]  # fmt: skip
    tokens = [search.facet_token(param, value) for param, value in values if value]
    tokens += [search.facet_token("term", term.pk) for term in organisation.terms.all()]
    return tokens


def person_facet_tokens(person: Person) -> list[str]:
    """The directory's facets of a person: their primary organisation's, and their expertise."""
    tokens = [search.facet_token("term", term.pk) for term in person.expertise.all()]
    organisation = person.primary_organisation
    if organisation is not None:
        tokens += [
            search.facet_token("kind", organisation.kind),
            search.facet_token("sector", organisation.sector),
        ]
        if organisation.departement is not None:
            tokens.append(search.facet_token("dep", organisation.departement.code))
    return tokens


def person_document(person: Person) -> str:
    parts = [
        person.given_name, person.family_name, person.email, *person.other_emails,
        person.job_title, person.city, person.orcid,
    ]  # fmt: skip
    for affiliation in person.affiliations.all():
        parts += [affiliation.organisation.name, affiliation.organisation.acronym]
    for term in person.expertise.all():
        parts += [term.name_fr, term.name_en]
    parts += person_facet_tokens(person)
    return " ".join(p for p in parts if p)


# Keys per INSERT statement (three parameters each): far below the databases' limits.
KEYS_PER_STATEMENT = 1000


def _replace_keys(kind: str, keys_by_id: dict[int, set[str]], *, fresh: bool = False) -> None:
    """Write these records' keys in place of their old ones (``fresh``: they have none)."""
    if not fresh:
        # A plain DELETE: nothing points at a key, so the ORM's collector has nothing to do.
        DuplicateKey.objects.filter(kind=kind, object_id__in=list(keys_by_id))._raw_delete(
            DuplicateKey.objects.db
        )
    # Plain INSERTs: imports write several keys per row, and the ORM's bulk_create spends more
    # time building objects than the database spends storing them. On PostgreSQL, multi-row
    # statements (executemany is a statement per row there); SQLite's executemany is a C loop.
    rows = [(kind, key[:80], object_id) for object_id, keys in keys_by_id.items() for key in keys]
    insert = "INSERT INTO registry_duplicatekey (kind, key, object_id) VALUES "
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(insert + "(%s, %s, %s)", rows)
            return
        for start in range(0, len(rows), KEYS_PER_STATEMENT):
            part = rows[start : start + KEYS_PER_STATEMENT]
            cursor.execute(
                insert + ", ".join(["(%s, %s, %s)"] * len(part)),
                [value for row in part for value in row],
            )


def reindex_organisations(ids: Iterable[int]) -> None:
    """Refresh the search documents and duplicate keys of these organisations."""
    ids = list(ids)
    if not ids:
        return
    organisations = list(
        Organisation.objects.filter(pk__in=ids)
        .select_related("commune", "departement")
        .prefetch_related("terms", "tags")
    )
    search.index_documents(
        "organisation", [(o.pk, organisation_document(o)) for o in organisations]
    )
    data_changed()
    _replace_keys(
        DuplicateKind.ORGANISATION,
        {o.pk: organisation_blocking_keys(organisation_record(o)) for o in organisations},
    )


def _affiliations_with_organisations() -> Prefetch:
    return Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation"))


def reindex_people(ids: Iterable[int]) -> None:
    ids = list(ids)
    if not ids:
        return
    people = list(
        Person.objects.filter(pk__in=ids)
        .select_related("primary_organisation__departement")
        .prefetch_related("expertise", _affiliations_with_organisations())
    )
    index_people(people)


def index_people(
    people: list[Person], keys: dict[int, set[str]] | None = None, *, fresh: bool = False
) -> None:
    """Write the search documents and duplicate keys of ``people``, saved objects in memory.

    An import calls it with the people it has just created (``fresh``: nothing to replace),
    so that they are not read back, and with the blocking ``keys`` by id it already computed;
    the relations the documents show (affiliations, expertise, primary organisation) are read
    in bulk if not yet loaded.
    """
    if not people:
        return
    prefetch_related_objects(
        people,
        "expertise",
        _affiliations_with_organisations(),
        "primary_organisation__departement",
    )
    search.index_documents("person", [(p.pk, person_document(p)) for p in people], fresh=fresh)
    data_changed()
    if keys is None:
        keys = {p.pk: person_blocking_keys(person_record(p)) for p in people}
    _replace_keys(DuplicateKind.PERSON, keys, fresh=fresh)


def unindex(kind: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    data_changed()
    search.remove_documents("organisation" if kind == DuplicateKind.ORGANISATION else "person", ids)
    DuplicateKey.objects.filter(kind=kind, object_id__in=ids).delete()


def reindex_all(batch: int = 2000) -> None:
    """Rebuild everything (after the demo or a bulk load)."""
    org_ids = list(Organisation.objects.values_list("pk", flat=True))
    for start in range(0, len(org_ids), batch):
        reindex_organisations(org_ids[start : start + batch])
    person_ids = list(Person.objects.values_list("pk", flat=True))
    for start in range(0, len(person_ids), batch):
        reindex_people(person_ids[start : start + batch])
