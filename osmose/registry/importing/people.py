"""Import people: match by e-mail, affiliate each to the organisation the file names."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from osmose.core.text import fold
from osmose.registry.dedup import (
    POSSIBLE,
    Match,
    PersonRecord,
    find_person_matches,
    normalise_organisation_name,
    person_blocking_keys,
)
from osmose.registry.dedup.bounds import best_person_match, person_score_bounds
from osmose.registry.importing.engine import Action, Importer, Row
from osmose.registry.importing.organisations import _guess_kind, _guess_sector
from osmose.registry.models import (
    Affiliation,
    DuplicateKind,
    Organisation,
    Person,
    PersonExternalId,
)
from osmose.registry.services import organisations as organisation_services
from osmose.registry.services import people as people_services


class PeopleImporter(Importer):
    target = "people"
    kind = DuplicateKind.PERSON
    model = Person
    external_model = PersonExternalId
    owner_column = "person_id"
    editable = {
        "given_name",
        "family_name",
        "email",
        "phone",
        "job_title",
        "street",
        "postcode",
        "city",
        "country",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.organisations: dict[str, int] = {}

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        organisation = values.pop("organisation", "")
        country = values.get("country", "")
        if country:
            values["country"] = _country_code(country)
        cleaned = people_services.clean_person_values(values)
        cleaned["organisation"] = organisation[:200]
        return cleaned

    def identify(self, rows: list[Row]) -> dict[int, int]:
        emails = {r.values.get("email") for r in rows if r.values.get("email")}
        if not emails:
            return {}
        by_email = dict(
            Person.objects.filter(email__in=emails, merged_into=None, erased_at=None).values_list(
                "email", "pk"
            )
        )
        return {
            r.line: by_email[r.values["email"]] for r in rows if r.values.get("email") in by_email
        }

    def record(self, object_id: int, values: dict[str, Any]) -> PersonRecord:
        from osmose.registry.services.scan import PERSON_FIELDS

        return PersonRecord(id=object_id, **{f: values.get(f, "") for f in PERSON_FIELDS})

    def keys(self, record: Any) -> set[str]:
        return person_blocking_keys(record)

    def load_records(self, ids: set[int]) -> Iterable[PersonRecord]:
        from osmose.registry.services.scan import person_records

        return person_records(ids)

    def find(self, record: Any, candidates: list[Any]) -> list[Any]:
        return find_person_matches(record, candidates, threshold=POSSIBLE)

    def bounds(self, pairs: list[tuple[Any, Any]]) -> list[float] | None:
        return person_score_bounds(pairs)

    def best_match(
        self, record: Any, candidates: list[Any], bounds: list[float] | None
    ) -> Match | None:
        if bounds is None:
            return super().best_match(record, candidates, bounds)
        return best_person_match(record, candidates, bounds, POSSIBLE)

    def build(self, rows: list[Row]) -> list[Person]:
        now = timezone.now()
        people = []
        for row in rows:
            values = {k: v for k, v in row.values.items() if k in self.editable}
            people.append(
                Person(
                    **values,
                    source=f"import:{self.source}",
                    source_data=row.extra,
                    field_sources={
                        k: {"source": self.source, "at": self.now} for k in values if values[k]
                    },
                    # A new person's first affiliation (made in after_write) is the primary one.
                    primary_organisation_id=self._organisation_id(row.values["organisation"])
                    if row.values.get("organisation")
                    else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        return people

    def _organisation_id(self, name: str) -> int | None:
        key = normalise_organisation_name(name) or fold(name)
        if not key:
            return None
        if key not in self.organisations:
            match = (
                Organisation.objects.filter(merged_into=None, name__iexact=name)
                .values_list("pk", flat=True)
                .first()
                or Organisation.objects.filter(merged_into=None, acronym__iexact=name)
                .values_list("pk", flat=True)
                .first()
            )
            if match is None:
                organisation = organisation_services.create_organisation(
                    actor=self.actor,
                    values={"name": name, "kind": _guess_kind(name), "sector": _guess_sector(name)},
                    source=f"import:{self.source}",
                )
                match = organisation.pk
            self.organisations[key] = match
        return self.organisations[key]

    def after_write(self, rows: list[Row]) -> None:
        wanted = [
            (r, self._organisation_id(r.values["organisation"]))
            for r in rows
            if r.values.get("organisation") and r.object_id
        ]
        wanted = [(r, org) for r, org in wanted if org]
        if not wanted:
            return
        person_ids = [r.object_id for r, _org in wanted if r.object_id is not None]
        current = set(
            Affiliation.objects.filter(person_id__in=person_ids, ended_on=None).values_list(
                "person_id", "organisation_id"
            )
        )
        has_primary = set(
            Affiliation.objects.filter(person_id__in=person_ids, is_primary=True).values_list(
                "person_id", flat=True
            )
        )
        new_affiliations = []
        for row, organisation_id in wanted:
            assert row.object_id is not None and organisation_id is not None
            if (row.object_id, organisation_id) in current:
                continue
            primary = row.object_id not in has_primary
            has_primary.add(row.object_id)
            current.add((row.object_id, organisation_id))
            new_affiliations.append(
                Affiliation(
                    person_id=row.object_id,
                    organisation_id=organisation_id,
                    role=row.values.get("job_title", ""),
                    is_primary=primary,
                )
            )
        Affiliation.objects.bulk_create(new_affiliations, batch_size=1000)
        # People created by this run already point at it (see build); the others, by organisation.
        created = {r.object_id for r in rows if r.action in (Action.CREATED, Action.DUPLICATE)}
        pointing: dict[int, list[int]] = defaultdict(list)
        for affiliation in new_affiliations:
            if affiliation.is_primary and affiliation.person_id not in created:
                pointing[affiliation.organisation_id].append(affiliation.person_id)
        for organisation_id, person_ids in pointing.items():
            Person.objects.filter(pk__in=person_ids).update(primary_organisation_id=organisation_id)

    def index(self, *, created: list[tuple[Row, Any]], updated: list[int]) -> None:
        """New people are indexed from memory, with the keys their duplicate search used."""
        from osmose.registry.services.indexing import index_people, reindex_people

        people = [obj for _row, obj in created]
        index_people(people, keys={obj.pk: row.keys for row, obj in created}, fresh=True)
        reindex_people(updated)

    def reindex(self, ids: list[int]) -> None:
        from osmose.registry.services.indexing import reindex_people

        reindex_people(ids)


_COUNTRIES = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "allemagne": "DE",
    "germany": "DE",
    "italie": "IT",
    "italy": "IT",
    "espagne": "ES",
    "spain": "ES",
    "royaume uni": "GB",
    "united kingdom": "GB",
    "uk": "GB",
    "etats unis": "US",
    "usa": "US",
    "united states": "US",
    "australia": "AU",
    "australie": "AU",
}


def _country_code(value: str) -> str:
    folded = fold(value)
    if len(folded) == 2 and folded.isalpha():
        return folded.upper()
    code = _COUNTRIES.get(folded)
    if code is None:
        raise ValidationError({"country": [f"unknown country {value!r} (use a 2-letter code)"]})
    return code
