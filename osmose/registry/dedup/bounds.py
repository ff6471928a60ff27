"""The best match among many candidates, scoring only the pairs that could be it.

An import needs, for each row, the one candidate with the highest score (if at least
``POSSIBLE``). Scoring a pair in Python costs about 15 µs, and a row has dozens of candidates.
:func:`person_score_bounds` computes, for all the pairs of a batch at once (rapidfuzz's
vectorised ``cpdist``, numpy), an upper bound of each pair's score: every field's agreement
level is taken at the best the cheap figures allow (a name pair with Jaro–Winkler ≥ 0.92 is
taken as "close" though it might be a gender variant, a street line ≥ 0.6 alike as the
same…). :func:`best_person_match` then scores exactly, best bound first, and stops as soon as
no remaining bound can beat the best exact score: the result is the one scoring every pair
would give, reasons included, by construction rather than by tuning.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from . import compare as c
from .engine import (
    PRIOR_WEIGHT,
    Match,
    PersonRecord,
    _cached_person,
    _match,
    _Person,
    _score_people,
)

# Similarities come from another code path (and cpdist's floats): thresholds are lowered by
# this much so that a bound is never below the score, and weights raised by _WEIGHT_SLACK.
_SIMILARITY_SLACK = 1e-3
_WEIGHT_SLACK = 1e-6

Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]


def person_score_bounds(pairs: Sequence[tuple[PersonRecord, PersonRecord]]) -> list[float]:
    """For each pair, a score (a probability rounded like ``Match.score``) it cannot exceed."""
    if not pairs:
        return []
    # Work on each distinct record, and each distinct pair of strings, once.
    positions: dict[int, int] = {}
    people: list[_Person] = []
    a_index: list[int] = []
    b_index: list[int] = []
    for x, y in pairs:
        for record, index in ((x, a_index), (y, b_index)):
            position = positions.get(id(record))
            if position is None:
                position = positions[id(record)] = len(people)
                people.append(_cached_person(record))
            index.append(position)
    table = _Table(people, np.array(a_index), np.array(b_index))
    return [_rounded_probability(w) for w in weight_bounds(table).tolist()]


# The most the address can add (street line, house number, postcode and city all agreeing).
_ADDRESS_MAX = max(c.STREET_WEIGHTS) + c.NUMBER_SAME + max(c.POSTCODE_WEIGHTS) + max(c.CITY_WEIGHTS)


def weight_bounds(table: "_Table", floor: float | None = None) -> Floats:
    """For each of ``table``'s pairs, an evidence weight its exact score cannot exceed.

    With ``floor``, pairs whose contact and names leave them below it whatever the address
    says get the bound with the address at its best (still below ``floor``), without the
    street and town similarities being computed: a scan only wants the pairs that can reach
    ``floor``.
    """
    weight = _contact_bound(table) + _names_bound(table)
    if floor is None:
        weight += _address_bound(table)
    else:
        a, b = table.a, table.b
        need = weight + _ADDRESS_MAX + _WEIGHT_SLACK >= floor
        address = np.full(len(a), _ADDRESS_MAX, dtype=np.float64)
        table.a, table.b = a[need], b[need]
        try:
            address[need] = _address_bound(table)
        finally:
            table.a, table.b = a, b
        weight += address
    comparable = np.zeros(len(table.a), dtype=np.bool_)
    for name in ("email", "phone", "street", "postcode", "city"):
        comparable |= table.both(name)
    return np.where(comparable, weight, np.minimum(weight, c.NAMES_ONLY_CAP)) + _WEIGHT_SLACK


def best_person_match(
    record: PersonRecord,
    candidates: Sequence[PersonRecord],
    bounds: Sequence[float],
    threshold: float,
) -> Match | None:
    """``find_person_matches(record, candidates, threshold)[0]`` (or ``None``), scoring only
    the candidates whose bound (from :func:`person_score_bounds`) could beat the best so far."""
    prepared = _cached_person(record)
    best: Match | None = None
    for position in sorted(range(len(candidates)), key=bounds.__getitem__, reverse=True):
        bound = bounds[position]
        if bound < threshold or (best is not None and bound < best.score):
            break  # bounds come in decreasing order: no later candidate can do better
        candidate = candidates[position]
        if candidate.id == record.id:
            continue
        pair = (record.id, candidate.id) if record.id <= candidate.id else (candidate.id, record.id)
        if best is not None and bound == best.score and pair > (best.a_id, best.b_id):
            continue  # at best a tie, and ties go to the lower ids
        match = _match(record.id, candidate.id, _score_people(prepared, _cached_person(candidate)))
        if match.score >= threshold and (
            best is None
            or (-match.score, match.a_id, match.b_id) < (-best.score, best.a_id, best.b_id)
        ):
            best = match
    return best


def _rounded_probability(weight: float) -> float:
    odds_log2 = weight + PRIOR_WEIGHT
    if odds_log2 > 60:
        return 1.0
    return round(1.0 / (1.0 + math.pow(2.0, -odds_log2)), 4)


class _Table:
    """The fields of the distinct people as codes into one vocabulary ("" is 0), and the pairs
    as positions: comparisons are array operations, string similarities computed once per
    distinct pair of strings."""

    def __init__(self, people: list[_Person], a: NDArray[np.intp], b: NDArray[np.intp]) -> None:
        self.a, self.b = a, b
        self.vocabulary: dict[str, int] = {"": 0}
        self.columns: dict[str, NDArray[np.int64]] = {}
        for name in ("email", "phone", "street", "number", "postcode", "city"):
            self.columns[name] = self._codes([getattr(p, name) for p in people])
        self.columns["given"] = self._codes([p.given.replace(" ", "") for p in people])
        self.columns["family"] = self._codes([p.family.replace(" ", "") for p in people])
        self.columns["given_phonetic"] = self._codes([p.given_phonetic for p in people])
        self.columns["family_phonetic"] = self._codes([p.family_phonetic for p in people])
        self.strings = list(self.vocabulary)
        self.lengths = np.fromiter(map(len, self.strings), np.int64, len(self.strings))
        letters: dict[str, int] = {}
        self.first_letters = np.array(
            [letters.setdefault(text[:1], len(letters)) for text in self.strings], np.int64
        )

    def _codes(self, values: list[str]) -> NDArray[np.int64]:
        vocabulary = self.vocabulary
        return np.array([vocabulary.setdefault(v, len(vocabulary)) for v in values], np.int64)

    def pair(
        self, name: str, other: str | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The codes of field ``name`` of each pair's first record, ``other`` of its second."""
        return self.columns[name][self.a], self.columns[other or name][self.b]

    def both(self, name: str) -> Flags:
        left, right = self.pair(name)
        return (left != 0) & (right != 0)

    def similarity(
        self,
        scorer: Any,
        left: NDArray[np.int64],
        right: NDArray[np.int64],
        squashed: bool = False,
    ) -> Floats:
        """``scorer`` of each pair of strings (coded), computed once per distinct pair."""
        if len(left) == 0:
            return np.zeros(0, dtype=np.float64)
        keys = left * len(self.strings) + right
        distinct, inverse = np.unique(keys, return_inverse=True)
        strings = self.strings
        first = [strings[k] for k in (distinct // len(strings)).tolist()]
        second = [strings[k] for k in (distinct % len(strings)).tolist()]
        if squashed:
            first = [text.replace(" ", "") for text in first]
            second = [text.replace(" ", "") for text in second]
        # Threads pay off on large batches only (an import's chunk), not a record's candidates.
        workers = -1 if len(first) > 20_000 else 1
        scores = cpdist(
            first, second, scorer=scorer, processor=None, dtype=np.float64, workers=workers
        )
        return np.asarray(scores, dtype=np.float64)[inverse]


def _contact_bound(table: _Table) -> Floats:
    """E-mail and phone weights: exactly those of compare.email_weight / phone_weight."""
    email_a, email_b = table.pair("email")
    similar = (
        table.similarity(Levenshtein.normalized_similarity, email_a, email_b)
        >= 0.85 - _SIMILARITY_SLACK
    ) & (np.minimum(table.lengths[email_a], table.lengths[email_b]) >= 8)
    email = np.where(
        table.both("email"),
        np.where(
            email_a == email_b,
            c.EMAIL_SAME,
            np.where(similar, c.EMAIL_SIMILAR, c.EMAIL_DIFFERENT),
        ),
        0.0,
    )
    phone_a, phone_b = table.pair("phone")
    phone = np.where(
        table.both("phone"), np.where(phone_a == phone_b, c.PHONE_SAME, c.PHONE_DIFFERENT), 0.0
    )
    return np.asarray(email + phone, dtype=np.float64)


def _name_levels(table: _Table, name: str, other: str) -> NDArray[np.int64]:
    """The best level compare.name_level could give each pair (gender variants ignored)."""
    a, b = table.pair(name, other)  # names without spaces
    a_phonetic, b_phonetic = table.pair(f"{name}_phonetic", f"{other}_phonetic")
    similarity = table.similarity(JaroWinkler.normalized_similarity, a, b)
    distance = table.similarity(DamerauLevenshtein.distance, a, b)
    shortest = np.minimum(table.lengths[a], table.lengths[b])
    close = (similarity >= 0.92 - _SIMILARITY_SLACK) | ((shortest >= 4) & (distance <= 1))
    # Same phonetic code, or the same first letter (which a shared first part or an initial
    # needs).
    fuzzy = (
        (similarity >= 0.84 - _SIMILARITY_SLACK)
        | (a_phonetic == b_phonetic)
        | (table.first_letters[a] == table.first_letters[b])
    )
    return np.where(
        (a == 0) | (b == 0),
        c.MISSING,
        np.where(a == b, c.EXACT, np.where(close, c.CLOSE, np.where(fuzzy, c.FUZZY, c.DIFFERENT))),
    )


def _names_bound(table: _Table) -> Floats:
    given_weights = np.array(c.GIVEN_WEIGHTS)
    family_weights = np.array(c.FAMILY_WEIGHTS)
    straight = (
        given_weights[_name_levels(table, "given", "given")]
        + family_weights[_name_levels(table, "family", "family")]
    )
    swapped = (
        given_weights[_name_levels(table, "given", "family")]
        + family_weights[_name_levels(table, "family", "given")]
        - c.SWAP_PENALTY
    )
    return np.asarray(np.maximum(straight, swapped), dtype=np.float64)


def _text_levels(table: _Table, name: str) -> NDArray[np.int64]:
    """compare.text_level's level where it is certain, else EXACT (the best weight)."""
    a, b = table.pair(name)
    levels = np.where((a == 0) | (b == 0), c.MISSING, np.where(a == b, c.EXACT, -1))
    # Each similarity is computed only for the pairs the earlier ones left undecided.
    # At or above 60, the best level (a trigram comparison might lift it): EXACT.
    at_least = 60 - 100 * _SIMILARITY_SLACK
    undecided = np.flatnonzero(levels == -1)
    alike = table.similarity(fuzz.token_sort_ratio, a[undecided], b[undecided]) >= at_least
    levels[undecided[alike]] = c.EXACT
    undecided = undecided[~alike]
    alike = table.similarity(fuzz.ratio, a[undecided], b[undecided], squashed=True) >= at_least
    levels[undecided[alike]] = c.EXACT
    undecided = undecided[~alike]
    # Below 60 no trigram comparison can lift the similarity; one line holding the other's
    # words is CLOSE.
    long_enough = np.minimum(table.lengths[a[undecided]], table.lengths[b[undecided]]) >= 6
    token_set = np.zeros(len(undecided), dtype=np.bool_)
    candidates = np.flatnonzero(long_enough)
    token_set[candidates] = (
        table.similarity(fuzz.token_set_ratio, a[undecided[candidates]], b[undecided[candidates]])
        >= 95 - 100 * _SIMILARITY_SLACK
    )
    levels[undecided] = np.where(token_set, c.CLOSE, c.DIFFERENT)
    return levels


def _address_bound(table: _Table) -> Floats:
    """An upper bound of engine._address_evidence's weight (household cap included)."""
    weight = np.array(c.STREET_WEIGHTS)[_text_levels(table, "street")]
    number_a, number_b = table.pair("number")
    weight = weight + np.where(
        table.both("number"),
        np.where(number_a == number_b, c.NUMBER_SAME, c.NUMBER_DIFFERENT),
        0.0,
    )
    postcode_a, postcode_b = table.pair("postcode")
    postcode_distance = table.similarity(DamerauLevenshtein.distance, postcode_a, postcode_b)
    postcode_level = np.where(
        (postcode_a == 0) | (postcode_b == 0),
        c.MISSING,
        np.where(
            postcode_a == postcode_b,
            c.EXACT,
            np.where(
                (table.lengths[postcode_a] == table.lengths[postcode_b]) & (postcode_distance <= 1),
                c.CLOSE,
                c.DIFFERENT,
            ),
        ),
    )
    city_level = _text_levels(table, "city")
    postcode_weights = np.array(c.POSTCODE_WEIGHTS)
    city_different = city_level == c.DIFFERENT
    # compare.locality_weight, with the city at its best level unless certainly different.
    demoted = np.where(city_different & (postcode_level == c.CLOSE), c.DIFFERENT, postcode_level)
    locality = np.where(
        city_different & (demoted == c.DIFFERENT),
        c.ELSEWHERE,
        postcode_weights[demoted] + np.array(c.CITY_WEIGHTS)[city_level],
    )
    weight = weight + locality
    family_a, family_b = table.pair("family")
    street_a, street_b = table.pair("street")
    household = (
        (family_a != 0)
        & (family_a == family_b)
        & (street_a == street_b)
        & (number_a == number_b)
        & (postcode_a == postcode_b)
    )
    return np.asarray(
        np.where(household, np.maximum(weight, c.HOUSEHOLD_ADDRESS), weight), dtype=np.float64
    )
