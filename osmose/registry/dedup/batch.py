"""The batch scan: every pair of a whole registry scoring at least a threshold.

Candidate pairs come from :mod:`.blocking` as arrays. People's pairs are first bounded in
bulk (:func:`.bounds.weight_bounds`: vectorised string similarities over each distinct pair
of strings, both cores) and only those whose bound reaches the threshold are scored exactly,
so the result is the one scoring every candidate pair would give. Organisations are few
enough to score every candidate pair.
"""

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from . import compare as c
from .blocking import BlockingStats, candidate_pair_codes, ranks, split
from .bounds import _Table, weight_bounds
from .engine import (
    LIKELY,
    PRIOR_WEIGHT,
    Match,
    OrganisationRecord,
    PersonRecord,
    _match,
    _organisation_keys,
    _person_keys,
    _prepare_organisation,
    _prepare_person,
    _score_organisations,
    _score_people,
    probability,
)

Exclude = set[tuple[int, int]] | frozenset[tuple[int, int]]
# Pairs bounded at once: a few hundred MB of arrays at most.
_CHUNK = 1 << 20


def scan_people(
    records: Iterable[PersonRecord],
    threshold: float = LIKELY,
    exclude: Exclude = frozenset(),
    *,
    stats: BlockingStats | None = None,
) -> Iterator[Match]:
    """Every pair of ``records`` scoring at least ``threshold``, each unordered pair once.

    ``exclude`` holds (low id, high id) pairs decided "not duplicates". The records are
    consumed once and kept only in their normalised form; matches come out by pair of
    positions, not by score. ``stats``, if given, is filled with blocking figures.
    """
    prepared = [_prepare_person(record) for record in records]
    n = len(prepared)
    orderings = [
        ranks([f"{p.family} {p.given} {p.postcode}" for p in prepared]),
        ranks([f"{p.given} {p.family} {p.postcode}" for p in prepared]),
    ]
    codes = candidate_pair_codes((_person_keys(p) for p in prepared), orderings, stats=stats)
    del orderings
    empty = np.array([], dtype=np.int64)
    table = _Table(prepared, empty, empty)
    # The smallest weight whose probability reaches the threshold, less a hair for rounding.
    floor = _weight_for(threshold) - 1e-6
    for start in range(0, len(codes), _CHUNK):
        table.a, table.b = split(codes[start : start + _CHUNK], n)
        keep = np.flatnonzero(weight_bounds(table, floor) >= floor)
        yield from _score(
            prepared, table.a[keep].tolist(), table.b[keep].tolist(), _score_people,
            threshold, exclude,
        )  # fmt: skip


def scan_organisations(
    records: Iterable[OrganisationRecord],
    threshold: float = LIKELY,
    exclude: Exclude = frozenset(),
    *,
    stats: BlockingStats | None = None,
) -> Iterator[Match]:
    """Every pair of organisation ``records`` scoring at least ``threshold`` (see scan_people)."""
    prepared = [_prepare_organisation(record) for record in records]
    n = len(prepared)
    orderings = [ranks([f"{p.squashed_name} {p.postcode}" for p in prepared])]
    codes = candidate_pair_codes((_organisation_keys(p) for p in prepared), orderings, stats=stats)
    for start in range(0, len(codes), _CHUNK):
        first, second = split(codes[start : start + _CHUNK], n)
        yield from _score(
            prepared, first.tolist(), second.tolist(), _score_organisations, threshold, exclude
        )


def _weight_for(threshold: float) -> float:
    """The evidence weight at which ``probability`` equals ``threshold``."""
    if threshold <= 0:
        return -float("inf")
    if threshold >= 1:
        return float("inf")
    return float(np.log2(threshold / (1 - threshold))) - PRIOR_WEIGHT


def _score[P](
    prepared: list[P],
    first: list[int],
    second: list[int],
    score: Callable[[P, P], c.Evidence],
    threshold: float,
    exclude: Exclude,
) -> Iterator[Match]:
    for i, j in zip(first, second, strict=True):
        a, b = prepared[i], prepared[j]
        a_id, b_id = a.id, b.id  # type: ignore[attr-defined]
        if a_id == b_id or ((a_id, b_id) if a_id < b_id else (b_id, a_id)) in exclude:
            continue
        evidence = score(a, b)
        if probability(evidence.weight) >= threshold:
            yield _match(a_id, b_id, evidence)
