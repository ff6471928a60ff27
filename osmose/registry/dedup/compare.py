"""Field comparisons and their evidence weights.

Each comparison sorts a pair of values into a few agreement levels, and each level carries a
weight: the base-2 logarithm of m/u, where m is the chance of that level when the two records
are the same entity and u the chance when they are not (Fellegi & Sunter, 1969). The m and u
values are set by reasoning about typing errors and value frequencies in a CRM, written beside
each weight, not fitted to a benchmark. A missing value on either side weighs 0 (no evidence).

Inputs are already normalised (see ``normalise.py``); every function here is pure and cheap,
built on rapidfuzz's C implementations because the batch scan calls them millions of times.
"""

from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

# --- Names --------------------------------------------------------------------------------
# Levels: exact (spaces ignored), close (one edit or Jaro–Winkler ≥ 0.92), fuzzy (JW ≥ 0.84,
# same phonetic code, a prefix/initial or a shared part of a compound name), different.
EXACT, CLOSE, FUZZY, DIFFERENT, MISSING = 0, 1, 2, 3, 4

# Given names: m ≈ .85/.07/.04/.04 (nicknames, middle names used as first); u ≈ 1/100 exact
# (common first names), .005 close, .02 fuzzy.
GIVEN_WEIGHTS = (6.5, 4.5, 1.0, -4.0, 0.0)
# Family names are rarer (u ≈ 1/400 exact) but change more (marriage): m(different) ≈ .04.
FAMILY_WEIGHTS = (8.5, 6.5, 2.0, -4.0, 0.0)
# Entering the family name in the given-name field and back is a common slip, but rarer
# than an exact entry: a small cost for the swapped reading.
SWAP_PENALTY = 1.0
# Names with nothing else to compare: at most even odds (see engine.PRIOR_WEIGHT).
NAMES_ONLY_CAP = 3.0
# One name wholly different (not a typo, not a sound-alike, in either reading) and nothing
# but the town to compare: people are mostly filed with their organisation's postcode and
# city and no street of their own, and a common given or family name is shared by many
# colleagues (Marie Martin and Marie Durand at the same company), so the town cannot make up
# for the name. Below "possible": such a pair is neither flagged nor taken by a registration.
# A married name shows itself through the e-mail or the phone, which lift the cap; with both
# street lines filed, the street's own agreement or disagreement is weighed instead.
NAME_DISAGREES_CAP = 2.0


# Names and places repeat (first names, common family names, towns, streets of a town): an
# import or a scan compares the same pairs again and again, so their levels are remembered.
_COMPARISONS_CACHED = 1 << 18


@lru_cache(maxsize=_COMPARISONS_CACHED)
def name_level(a: str, a_phonetic: str, b: str, b_phonetic: str) -> tuple[int, float]:
    """Agreement level of two normalised names, and their Jaro–Winkler similarity."""
    if not a or not b:
        return MISSING, 0.0
    if a == b:
        return EXACT, 1.0
    a_squashed, b_squashed = a.replace(" ", ""), b.replace(" ", "")
    if a_squashed == b_squashed:
        return EXACT, 1.0
    similarity = JaroWinkler.normalized_similarity(a_squashed, b_squashed)
    if _gender_variants(a_squashed, b_squashed):
        return DIFFERENT, similarity
    if similarity >= 0.92 or (
        min(len(a_squashed), len(b_squashed)) >= 4
        and DamerauLevenshtein.distance(a_squashed, b_squashed, score_cutoff=1) <= 1
    ):
        return CLOSE, similarity
    if similarity >= 0.84 or a_phonetic == b_phonetic:
        return FUZZY, similarity
    # "J" for "Jean", "Jean" for "Jean-Pierre": an initial or part of a compound name.
    a_parts, b_parts = a.split(), b.split()
    if a_parts[0] == b_parts[0] or (
        min(len(a_parts[0]), len(b_parts[0])) == 1 and a_parts[0][0] == b_parts[0][0]
    ):
        return FUZZY, similarity
    return DIFFERENT, similarity


# Feminine forms of given names: Jean/Jeanne, Michel/Michèle, Louis/Louise, Paul/Paula.
_FEMININE_ENDINGS = frozenset(("e", "ne", "le", "te", "a"))


def _gender_variants(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return (
        len(short) >= 3
        and 0 < len(long) - len(short) <= 2
        and long.startswith(short)
        and long[len(short) :] in _FEMININE_ENDINGS
    )


def phonetic(name: str) -> str:
    """Phonetic key of a normalised name ("" for none): Metaphone of the name without spaces."""
    squashed = name.replace(" ", "")
    return jellyfish.metaphone(squashed) if squashed else ""


# --- Addresses ----------------------------------------------------------------------------
# Street line (house number apart): same, close, fuzzy, different. People move, so a different
# street is weak evidence (m ≈ .15); the same street line is rare among non-matches (u ≈ .002).
STREET_WEIGHTS = (6.0, 5.0, 2.0, -3.0, 0.0)
# House number: same (u ≈ 1/30), different (m ≈ .12: typos and moves).
NUMBER_SAME, NUMBER_DIFFERENT = 2.0, -2.0
# Postcode: same (u ≈ 1/20 within a blocked pair's region), one typo, different.
POSTCODE_WEIGHTS = (4.0, 2.5, -3.0, -3.0, 0.0)
# City: its evidence mostly overlaps the postcode's, so it weighs less.
CITY_WEIGHTS = (3.0, 3.0, 1.0, -2.5, 0.0)
# Postcode and city both different: another place altogether (m ≈ .01: the person moved, or
# both fields were mistyped), not two independent disagreements.
ELSEWHERE = -8.0
# Same household: members of a family share street, number, postcode and city, so another
# given name with the very same family name and address is the signature of two people
# (m ≈ .01: a duplicate with a wholly different given name but every other field copied
# exactly), whatever the address weight would have been.
HOUSEHOLD_ADDRESS = -2.0


@lru_cache(maxsize=_COMPARISONS_CACHED // 4)
def text_level(a: str, b: str) -> tuple[int, float]:
    """Agreement level of two normalised multi-word texts (street lines, cities).

    The best of word-order-free similarity (swapped address lines) and similarity with spaces
    removed (split or glued words), on a 0–1 scale.
    """
    if not a or not b:
        return MISSING, 0.0
    if a == b:
        return EXACT, 1.0
    a_squashed, b_squashed = a.replace(" ", ""), b.replace(" ", "")
    similarity = (
        max(
            fuzz.token_sort_ratio(a, b, processor=None),
            fuzz.ratio(a_squashed, b_squashed, processor=None),
        )
        / 100.0
    )
    if 0.6 <= similarity < 0.85:
        # Words both reordered and split or glued: compare bags of letter trigrams.
        similarity = max(similarity, trigram_similarity(a_squashed, b_squashed))
    if similarity >= 0.95:
        return EXACT, similarity
    if similarity >= 0.85:
        return CLOSE, similarity
    # One line holds an extra word (a locality, "bâtiment B"): the shorter is a subset.
    if min(len(a), len(b)) >= 6 and fuzz.token_set_ratio(a, b, processor=None) >= 95:
        return CLOSE, similarity
    if similarity >= 0.7:
        return FUZZY, similarity
    return DIFFERENT, similarity


def trigram_similarity(a: str, b: str) -> float:
    """Dice coefficient of the sets of letter trigrams of two strings (0–1)."""
    if len(a) < 3 or len(b) < 3:
        return 0.0
    grams_a = {a[i : i + 3] for i in range(len(a) - 2)}
    grams_b = {b[i : i + 3] for i in range(len(b) - 2)}
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def postcode_level(a: str, b: str) -> int:
    if not a or not b:
        return MISSING
    if a == b:
        return EXACT
    if len(a) == len(b) and DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1:
        return CLOSE
    return DIFFERENT


def locality_weight(postcode_level: int, city_level: int) -> float:
    """Weight of postcode and city together: a postcode one typo away from the other is a
    typo only if the cities do not disagree, else a neighbouring place."""
    if postcode_level == CLOSE and city_level == DIFFERENT:
        postcode_level = DIFFERENT
    if postcode_level == DIFFERENT and city_level == DIFFERENT:
        return ELSEWHERE
    return POSTCODE_WEIGHTS[postcode_level] + CITY_WEIGHTS[city_level]


def number_weight(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return NUMBER_SAME if a == b else NUMBER_DIFFERENT


# --- Contact details ----------------------------------------------------------------------
# An e-mail address is almost an identifier (u ≈ 1e-5) but a shared one ("contact@…",
# a family's) exists (m/u of a match capped by that); people hold several (m(different) ≈ .3).
EMAIL_SAME, EMAIL_SIMILAR, EMAIL_DIFFERENT = 13.0, 4.0, -1.5
# Switchboards and family landlines are shared more often than e-mail addresses.
PHONE_SAME, PHONE_DIFFERENT = 9.0, -1.5


def email_weight(a: str, b: str) -> tuple[float, str | None]:
    if not a or not b:
        return 0.0, None
    if a == b:
        return EMAIL_SAME, "same_email"
    # Typing errors, not two mailboxes at one domain: at the same domain the mailboxes are
    # compared (colleagues' addresses share a long domain), else the whole addresses (a typo
    # in the domain). Never above the whole addresses' similarity, which bounds.py assumes.
    local_a, _at, domain_a = a.rpartition("@")
    local_b, _at, domain_b = b.rpartition("@")
    if domain_a == domain_b and local_a and local_b:
        similarity = Levenshtein.normalized_similarity(local_a, local_b)
    else:
        similarity = Levenshtein.normalized_similarity(a, b)
    if similarity >= 0.85 and min(len(a), len(b)) >= 8:
        return EMAIL_SIMILAR, f"similar_email:{similarity:.2f}"
    return EMAIL_DIFFERENT, None


def phone_weight(a: str, b: str) -> tuple[float, str | None]:
    if not a or not b:
        return 0.0, None
    if a == b:
        return PHONE_SAME, "same_phone"
    return PHONE_DIFFERENT, None


# --- Organisation identifiers and names ---------------------------------------------------
# A SIREN/SIRET/RNSR is an identifier: the same one is near-proof (u ≈ 1e-7); a different
# one is strong evidence of two entities, softened by entry errors (m ≈ .01).
IDENTIFIER_SAME, IDENTIFIER_DIFFERENT = 24.0, -7.0
# A website host is shared by a group's subsidiaries or a university's laboratories.
WEBSITE_SAME, WEBSITE_DIFFERENT = 6.0, -1.0
# Organisation names (normalised: no legal form, abbreviations expanded).
ORGANISATION_NAME_WEIGHTS = (12.0, 8.0, 2.0, -6.0, 0.0)
ACRONYM_SAME = 6.0


def organisation_name_level(a: str, b: str) -> tuple[int, float]:
    """Agreement level of two normalised organisation names."""
    if not a or not b:
        return MISSING, 0.0
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return EXACT, 1.0
    similarity = (
        max(
            fuzz.token_sort_ratio(a, b, processor=None),
            fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""), processor=None),
        )
        / 100.0
    )
    if similarity >= 0.92:
        return CLOSE, similarity
    if similarity >= 0.8:
        return FUZZY, similarity
    return DIFFERENT, similarity


def initials(tokens: tuple[str, ...]) -> str:
    """Acronym made of the first letters of a name's words ("" for one word or > 10)."""
    return "".join(t[0] for t in tokens) if 2 <= len(tokens) <= 10 else ""


@dataclass(slots=True)
class Evidence:
    """A running sum of weights with the reasons worth showing to a person."""

    weight: float = 0.0
    reasons: list[str] | None = None

    def add(self, weight: float, reason: str | None = None) -> None:
        self.weight += weight
        if reason:
            if self.reasons is None:
                self.reasons = []
            self.reasons.append(reason)
