"""Duplicate checks on every write path, and the remembered "not a duplicate" decisions."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from osmose.core.audit import log_action
from osmose.registry.dedup import (
    POSSIBLE,
    Match,
    OrganisationRecord,
    PersonRecord,
    find_organisation_matches,
    find_person_matches,
    organisation_blocking_keys,
    person_blocking_keys,
)
from osmose.registry.models import DuplicateDecision, DuplicateKey, DuplicateKind

# Only the records sharing the most blocking keys with the one checked are scored: a true
# duplicate shares many (name, e-mail, phone, address keys); a namesake in a big town, few.
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class Candidate:
    object_id: int
    score: float
    reasons: list[str]


def _decided(kind: str, object_id: int | None, other_ids: list[int]) -> set[int]:
    if object_id is None or not other_ids:
        return set()
    pairs = DuplicateDecision.objects.filter(kind=kind).filter(
        Q(low_id=object_id, high_id__in=other_ids) | Q(high_id=object_id, low_id__in=other_ids)
    )
    return {p.high_id if p.low_id == object_id else p.low_id for p in pairs}


def _candidate_ids(kind: str, keys: set[str], exclude_id: int | None) -> list[int]:
    if not keys:
        return []
    rows = (
        DuplicateKey.objects.filter(kind=kind, key__in=[k[:80] for k in keys])
        .exclude(object_id=exclude_id or 0)
        .values("object_id")
        .annotate(shared=Count("object_id"))
        .order_by("-shared", "object_id")
        .values_list("object_id", flat=True)[:MAX_CANDIDATES]
    )
    return list(rows)


def person_duplicates(record: PersonRecord, *, threshold: float = POSSIBLE) -> list[Candidate]:
    """Existing people who may be the same as ``record`` (whose id may be 0 when new)."""
    from osmose.registry.models import Person

    exclude_id = record.id or None
    ids = _candidate_ids(DuplicateKind.PERSON, person_blocking_keys(record), exclude_id)
    if not ids:
        return []
    ids_set = set(ids) - _decided(DuplicateKind.PERSON, exclude_id, ids)
    fields = ["given_name", "family_name", "email", "phone", "street", "postcode", "city"]
    others = [
        PersonRecord(id=pk, external_id=str(pk), **dict(zip(fields, values, strict=True)))
        for pk, *values in Person.objects.filter(pk__in=ids_set, erased_at=None).values_list(
            "pk", *fields
        )
    ]
    return _candidates(find_person_matches(record, others, threshold=threshold), record.id)


def organisation_duplicates(
    record: OrganisationRecord, *, threshold: float = POSSIBLE
) -> list[Candidate]:
    from osmose.registry.models import Organisation
    from osmose.registry.services.indexing import organisation_record

    exclude_id = record.id or None
    ids = _candidate_ids(DuplicateKind.ORGANISATION, organisation_blocking_keys(record), exclude_id)
    if not ids:
        return []
    ids_set = set(ids) - _decided(DuplicateKind.ORGANISATION, exclude_id, ids)
    others = [
        organisation_record(o)
        for o in Organisation.objects.filter(pk__in=ids_set, merged_into=None).select_related(
            "commune"
        )
    ]
    return _candidates(find_organisation_matches(record, others, threshold=threshold), record.id)


def _candidates(matches: list[Match], own_id: int) -> list[Candidate]:
    return [
        Candidate(
            object_id=m.b_id if m.a_id == own_id else m.a_id, score=m.score, reasons=list(m.reasons)
        )
        for m in matches
    ]


def mark_not_duplicate(*, kind: DuplicateKind, a_id: int, b_id: int, actor: Any) -> None:
    """Remember that these two records are different (idempotent)."""
    low, high = sorted((a_id, b_id))
    try:
        with transaction.atomic():
            DuplicateDecision.objects.create(kind=kind, low_id=low, high_id=high, decided_by=actor)
    except IntegrityError:
        return  # already decided
    log_action(f"registry.{kind}.not_duplicate", actor=actor, data={"ids": [low, high]})


def excluded_pairs(kind: str) -> set[tuple[int, int]]:
    return set(DuplicateDecision.objects.filter(kind=kind).values_list("low_id", "high_id"))
