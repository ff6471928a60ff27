"""The batch duplicate scan over the whole registry (CLI, duplicates page)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from osmose.registry.dedup import (
    LIKELY,
    Match,
    OrganisationRecord,
    PersonRecord,
    scan_organisations,
    scan_people,
)
from osmose.registry.models import (
    DuplicateKind,
    Organisation,
    OrganisationExternalId,
    Person,
    PersonExternalId,
)
from osmose.registry.services.duplicates import excluded_pairs


def _external_ids(model: Any, owner: str) -> dict[int, str]:
    """One external id per record (the first imported), for the CLI's output."""
    ids: dict[int, str] = {}
    for owner_id, value in (
        model.objects.order_by("pk").values_list(owner, "value").iterator(chunk_size=10000)
    ):
        ids.setdefault(owner_id, value)
    return ids


PERSON_FIELDS = ("given_name", "family_name", "email", "phone", "street", "postcode", "city")
ORGANISATION_FIELDS = (
    "name", "acronym", "siren", "siret", "rnsr", "website", "street", "postcode", "city",
)  # fmt: skip


def person_records(
    ids: Iterable[int] | None = None, *, external_ids: bool = True
) -> Iterator[PersonRecord]:
    """The duplicate engine's view of people (all of them, or these ids), read in bulk."""
    external = _external_ids(PersonExternalId, "person_id") if external_ids else {}
    rows = Person.objects.filter(merged_into=None, erased_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    for pk, *values in rows.values_list("pk", *PERSON_FIELDS).iterator(chunk_size=10000):
        yield PersonRecord(
            id=pk,
            external_id=external.get(pk, str(pk)),
            **dict(zip(PERSON_FIELDS, values, strict=True)),
        )


def organisation_records(
    ids: Iterable[int] | None = None, *, external_ids: bool = True
) -> Iterator[OrganisationRecord]:
    """The duplicate engine's view of organisations (all, or these ids), read in bulk."""
    external = _external_ids(OrganisationExternalId, "organisation_id") if external_ids else {}
    rows = Organisation.objects.filter(merged_into=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    for pk, *values in rows.values_list("pk", *ORGANISATION_FIELDS).iterator(chunk_size=10000):
        yield OrganisationRecord(
            id=pk,
            external_id=external.get(pk, str(pk)),
            **dict(zip(ORGANISATION_FIELDS, values, strict=True)),
        )


def scan(kind: str, *, threshold: float = LIKELY) -> tuple[list[Match], dict[int, str]]:
    """Every pair above ``threshold`` not already declared different, with external ids.

    Records stream from the database into the engine, which keeps only their normalised
    form; external ids are read for the matched records alone.
    """
    exclude = excluded_pairs(kind)
    model: Any
    if kind == DuplicateKind.PERSON:
        people = person_records(external_ids=False)
        matches = list(scan_people(people, threshold=threshold, exclude=exclude))
        model, owner = PersonExternalId, "person_id"
    else:
        organisations = organisation_records(external_ids=False)
        matches = list(scan_organisations(organisations, threshold=threshold, exclude=exclude))
        model, owner = OrganisationExternalId, "organisation_id"
    ids = sorted({i for m in matches for i in (m.a_id, m.b_id)})
    names = {i: str(i) for i in ids}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found: dict[int, str] = {}
        for owner_id, value in (
            model.objects.filter(**{f"{owner}__in": chunk})
            .order_by("pk")
            .values_list(owner, "value")
        ):
            found.setdefault(owner_id, value)
        names.update(found)
    return matches, names


@dataclass
class Pair:
    a: Any
    b: Any
    score: float
    reasons: list[str]


def latest_pairs(*, kind: str, limit: int = 200) -> list[Pair]:
    """The likely pairs, from a scan cached ten minutes (the page must stay fast)."""
    key = f"osmose.duplicates.{kind}"
    matches = cache.get(key)
    if matches is None:
        matches = [(m.a_id, m.b_id, m.score, list(m.reasons)) for m in scan(kind)[0]]
        cache.set(key, matches, 600)
    matches = sorted(matches, key=lambda m: -m[2])[:limit]
    model: Any = Person if kind == DuplicateKind.PERSON else Organisation
    objects = model.objects.in_bulk({i for m in matches for i in m[:2]})
    return [
        Pair(objects[a], objects[b], score, reasons)
        for a, b, score, reasons in matches
        if a in objects and b in objects
    ]


def forget_latest(kind: str) -> None:
    cache.delete(f"osmose.duplicates.{kind}")
