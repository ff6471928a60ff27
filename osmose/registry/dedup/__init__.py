"""Duplicate detection: normalisation, blocking keys, pair scoring and the batch scan."""

from .batch import scan_organisations, scan_people
from .blocking import BlockingStats
from .engine import (
    LIKELY,
    POSSIBLE,
    Match,
    OrganisationRecord,
    PersonRecord,
    find_organisation_matches,
    find_person_matches,
    forget_cached_comparisons,
    organisation_blocking_keys,
    person_blocking_keys,
    score_organisations,
    score_people,
)
from .normalise import (
    normalise_email,
    normalise_organisation_name,
    normalise_phone,
    normalise_postcode,
    normalise_text,
)

__all__ = [
    "LIKELY",
    "POSSIBLE",
    "BlockingStats",
    "Match",
    "OrganisationRecord",
    "PersonRecord",
    "find_organisation_matches",
    "find_person_matches",
    "forget_cached_comparisons",
    "normalise_email",
    "normalise_organisation_name",
    "normalise_phone",
    "normalise_postcode",
    "normalise_text",
    "organisation_blocking_keys",
    "person_blocking_keys",
    "scan_organisations",
    "scan_people",
    "score_organisations",
    "score_people",
]
