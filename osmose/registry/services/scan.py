"""The batch duplicate scan over the whole registry (CLI, duplicates page)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

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

PERSON_FIELDS = ("given_name", "family_name", "email", "phone", "street", "postcode", "city")
ORGANISATION_FIELDS = (
    "name", "acronym", "siren", "siret", "rnsr", "website", "street", "postcode", "city",
)  # fmt: skip


def person_records(
    ids: Iterable[int] | None = None,
) -> Iterator[PersonRecord]:
    """The duplicate engine's view of people (all of them, or these ids), read in bulk; the
    external id is the record's own id (see :func:`scan` for the imports' ids)."""
    rows = Person.objects.filter(merged_into=None, erased_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    for pk, *values in rows.values_list("pk", *PERSON_FIELDS).iterator(chunk_size=10000):
        yield PersonRecord(
            id=pk,
            external_id=str(pk),
            **dict(zip(PERSON_FIELDS, values, strict=True)),
        )


def organisation_records(
    ids: Iterable[int] | None = None,
) -> Iterator[OrganisationRecord]:
    """The duplicate engine's view of organisations (all, or these ids), read in bulk."""
    rows = Organisation.objects.filter(merged_into=None)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    for pk, *values in rows.values_list("pk", *ORGANISATION_FIELDS).iterator(chunk_size=10000):
        yield OrganisationRecord(
            id=pk,
            external_id=str(pk),
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
        people = person_records()
        matches = list(scan_people(people, threshold=threshold, exclude=exclude))
        model, owner = PersonExternalId, "person_id"
    else:
        organisations = organisation_records()
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


@dataclass
class LatestScan:
    pairs: list[Pair]
    at: datetime | None  # None: no scan on record yet
    found: int  # pairs the scan found, before later merges and decisions


# A registry this small is scanned within the request when no scan is on record (a few
# seconds at most); a larger one waits for the scan the animator starts, run by the worker.
INLINE_SCAN_LIMIT = 20_000
# The best pairs kept from a scan: more than anyone reviews between two scans.
KEPT_PAIRS = 2_000


def _cache_key(kind: str) -> str:
    return f"osmose.duplicates.{kind}"


def run_scan(kind: str) -> int:
    """Scan the whole registry and keep the best pairs for the duplicates page."""
    matches = sorted(scan(kind)[0], key=lambda m: (-m.score, m.a_id, m.b_id))
    cache.set(
        _cache_key(kind),
        {
            "at": timezone.now().isoformat(),
            "found": len(matches),
            "matches": [(m.a_id, m.b_id, m.score, list(m.reasons)) for m in matches[:KEPT_PAIRS]],
        },
        timeout=None,
    )
    return len(matches)


def latest_pairs(*, kind: str, limit: int = 200) -> LatestScan:
    """The likely pairs of the last scan, less those merged or declared different since."""
    model: Any = Person if kind == DuplicateKind.PERSON else Organisation
    data = cache.get(_cache_key(kind))
    if data is None and model.objects.count() <= INLINE_SCAN_LIMIT:
        run_scan(kind)
        data = cache.get(_cache_key(kind))
    if data is None:
        return LatestScan(pairs=[], at=None, found=0)
    excluded = excluded_pairs(kind)
    matches = [m for m in data["matches"] if (min(m[:2]), max(m[:2])) not in excluded]
    live = model.objects.filter(merged_into=None)
    if kind == DuplicateKind.PERSON:
        live = live.filter(erased_at=None)
    objects = live.in_bulk({i for m in matches[: limit * 2] for i in m[:2]})
    pairs = [
        Pair(objects[a], objects[b], score, reasons)
        for a, b, score, reasons in matches
        if a in objects and b in objects
    ][:limit]
    return LatestScan(pairs=pairs, at=datetime.fromisoformat(data["at"]), found=data["found"])
