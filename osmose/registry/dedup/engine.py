"""Duplicate detection for people and organisations.

Two records are scored by a Fellegi–Sunter-style sum of evidence weights: every field pair
(names, e-mail, phone, street, house number, postcode, city; identifiers, name, acronym and
website for organisations) falls into an agreement level (exact, close, fuzzy, different,
missing) whose weight is log2(m/u) — see ``compare.py``. Missing values weigh nothing;
swapped given/family names are read both ways; a postcode one typo away counts as weak
agreement unless the cities differ; postcode and city both different count once, as
"elsewhere". Three dependencies that independent weights would miss are handled explicitly:
the very same family name and address with another given name is a household, not one
person; "Jean"/"Jeanne" are two given names, not a typo; names alone (nothing else to
compare) give at most a possible duplicate, as namesakes abound in a large registry. The
total plus a prior (the odds that a pair sharing a blocking key is a duplicate) becomes the
probability ``Match.score`` in [0, 1].

The weights and the thresholds were set by reasoning (round numbers, see ``compare.py``)
and checked, not fitted, on the Febrl benchmark sets (``osmose bench dedup``).

``LIKELY`` pairs are printed by ``osmose duplicates`` and flagged when a record is created;
``POSSIBLE`` pairs are offered for review.

Reason codes (``Match.reasons``, translated by the UI; ``:0.93`` is a similarity in [0, 1]):

=====================  ==================================================================
``same_email``         the same e-mail address
``similar_email:S``    e-mail addresses a typo or two apart
``same_phone``         the same phone number (E.164)
``same_name``          same given and family names (people) or normalised name (organisations)
``similar_name:S``     names alike, with their similarity
``swapped_names``      the given name of one is the family name of the other, and back
``same_address``       same street line and house number
``similar_address:S``  street lines alike, with their similarity
``same_postcode``      the same postcode
``similar_postcode``   postcodes one typo apart
``same_city``          the same city
``same_siren``         the same SIREN (directly or through the SIRETs)
``same_siret``         the same SIRET
``same_rnsr``          the same RNSR laboratory number
``same_website``       the same website host
``same_acronym``       same acronym, or one's acronym is the other's name or initials
=====================  ==================================================================

Candidates come from blocking keys (``person_blocking_keys``…): short strings that two
records likely to be duplicates share. The registry stores them in an indexed table to find
the candidates of a new or edited record; ``scan_people``/``scan_organisations`` compute them
on the fly for a batch scan (see ``blocking.py``).
"""

import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish

from . import compare as c
from .normalise import (
    digits,
    normalise_email,
    normalise_person_name,
    normalise_phone,
    normalise_postcode,
    normalise_text,
    normalise_website,
    organisation_name_tokens,
    word_set,
)

# log2 of the prior odds that two records sharing a blocking key are the same entity: a
# blocked pair is a duplicate about once in eight when a few percent of records are
# duplicated, since blocking keeps only a handful of candidates per record.
PRIOR_WEIGHT = -3.0
# Likely: better than 2-to-1 odds, i.e. over 4.2 bits of net evidence (same names and
# postcode; same e-mail and similar names; similar names, street and city). Possible: even
# odds (3 bits).
LIKELY = 0.7
POSSIBLE = 0.5


@dataclass(slots=True)
class PersonRecord:
    id: int
    external_id: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    phone: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""


@dataclass(slots=True)
class OrganisationRecord:
    id: int
    external_id: str = ""
    name: str = ""
    acronym: str = ""
    siren: str = ""
    siret: str = ""
    rnsr: str = ""
    website: str = ""
    email: str = ""
    phone: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""


@dataclass
class Match:
    """Two records that may be the same, ``a_id`` < ``b_id``; ``score`` in [0, 1]."""

    a_id: int
    b_id: int
    score: float
    reasons: list[str] = field(default_factory=list)


def probability(weight: float) -> float:
    """The match probability for a total evidence weight (log2 Bayes factor)."""
    odds_log2 = weight + PRIOR_WEIGHT
    if odds_log2 > 60:
        return 1.0
    return 1.0 / (1.0 + math.pow(2.0, -odds_log2))


# --- Addresses ----------------------------------------------------------------------------

_STREET_WORDS = {
    "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "bvd": "boulevard",
    "boul": "boulevard", "r": "rue", "pl": "place", "ch": "chemin", "che": "chemin",
    "chem": "chemin", "imp": "impasse", "all": "allee", "rte": "route", "fbg": "faubourg",
    "sq": "square", "st": "saint", "ste": "sainte", "qu": "quai", "crs": "cours",
    "res": "residence", "resid": "residence", "lot": "lotissement", "zac": "zone",
    "za": "zone", "zi": "zone", "bat": "batiment", "bt": "batiment",
}  # fmt: skip
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?$")


def _street_parts(street: str) -> tuple[str, str]:
    """(street line without numbers, first house number) of a free-text street."""
    words = normalise_text(street).split()
    numbers = [w for w in words if _HOUSE_NUMBER.match(w)]
    line = " ".join(_STREET_WORDS.get(w, w) for w in words if not any(ch.isdigit() for ch in w))
    return line, (digits(numbers[0]) if numbers else "")


def _address_evidence(
    evidence: c.Evidence,
    street_a: str,
    number_a: str,
    postcode_a: str,
    city_a: str,
    street_b: str,
    number_b: str,
    postcode_b: str,
    city_b: str,
    cap: float | None = None,
) -> None:
    before = evidence.weight
    street_level, street_similarity = c.text_level(street_a, street_b)
    number = c.number_weight(number_a, number_b)
    weight = c.STREET_WEIGHTS[street_level] + number
    if street_level == c.EXACT and number >= 0:
        evidence.add(0, "same_address")
    elif street_level in (c.CLOSE, c.FUZZY, c.EXACT):
        evidence.add(0, f"similar_address:{street_similarity:.2f}")
    postcode_level = c.postcode_level(postcode_a, postcode_b)
    city_level, _ = c.text_level(city_a, city_b)
    weight += c.locality_weight(postcode_level, city_level)
    if postcode_level == c.EXACT:
        evidence.add(0, "same_postcode")
    elif postcode_level == c.CLOSE and city_level != c.DIFFERENT:
        evidence.add(0, "similar_postcode")
    if city_level == c.EXACT:
        evidence.add(0, "same_city")
    evidence.weight = before + (cap if cap is not None else weight)


# --- People -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    """A person's fields, normalised once for all the comparisons it takes part in."""

    id: int
    given: str
    family: str
    given_phonetic: str
    family_phonetic: str
    email: str
    phone: str
    street: str
    number: str
    postcode: str
    city: str


@lru_cache(maxsize=1 << 17)
def _name_forms(name: str) -> tuple[str, str]:
    """A name's normalised form and its phonetic code, interned: names repeat a lot."""
    normalised = sys.intern(normalise_person_name(name))
    return normalised, sys.intern(c.phonetic(normalised))


def _prepare_person(record: PersonRecord) -> _Person:
    given, given_phonetic = _name_forms(record.given_name or "")
    family, family_phonetic = _name_forms(record.family_name or "")
    street, number = _street_parts(record.street) if record.street else ("", "")
    return _Person(
        id=record.id,
        given=given,
        family=family,
        given_phonetic=given_phonetic,
        family_phonetic=family_phonetic,
        email=normalise_email(record.email),
        phone=normalise_phone(record.phone) if record.phone else "",
        street=street,
        number=number,
        postcode=sys.intern(normalise_postcode(record.postcode)),
        city=sys.intern(normalise_text(record.city)),
    )


# Forms cached by field values: an import compares each record of the registry and of its file
# with many rows, and normalising (phone numbers, phonetic codes) costs more than a comparison.
_FORMS_CACHED = 1 << 16


@lru_cache(maxsize=_FORMS_CACHED)
def _person_form(
    given_name: str, family_name: str, email: str, phone: str, street: str, postcode: str, city: str
) -> _Person:
    record = PersonRecord(0, "", given_name, family_name, email, phone, street, postcode, city)
    return _prepare_person(record)


def forget_cached_comparisons() -> None:
    """Free the memory of the cached forms and comparisons (at the end of an import)."""
    _person_form.cache_clear()
    _name_forms.cache_clear()
    _soundex.cache_clear()
    c.name_level.cache_clear()
    c.text_level.cache_clear()


def _cached_person(record: PersonRecord) -> _Person:
    """The normalised form of ``record``'s fields; its ``id`` is 0, not the record's."""
    return _person_form(
        record.given_name, record.family_name, record.email, record.phone,
        record.street, record.postcode, record.city,
    )  # fmt: skip


# Mailbox names shared by many people, useless to find duplicates.
_GENERIC_MAILBOXES = word_set(
    "contact info infos admin accueil secretariat direction communication office mail hello "
    "bonjour noreply no-reply support compta comptabilite rh recrutement"
)


# Words that say what kind of street it is, not which one.
_STREET_TYPES = word_set(
    "rue avenue boulevard chemin place impasse allee route quai cours square faubourg "
    "residence lotissement zone batiment sentier passage voie hameau lieu dit parvis "
    "esplanade street road drive close crescent court lane place circuit parade terrace "
    "highway way"
)


def _longest(words: list[str]) -> str:
    return max(words, key=len, default="")


@lru_cache(maxsize=1 << 17)
def _soundex(name: str) -> str:
    squashed = name.replace(" ", "")
    return jellyfish.soundex(squashed) if squashed else ""


def _person_keys(person: _Person) -> set[str]:
    keys: set[str] = set()
    if person.email:
        keys.add(f"e:{person.email}")
        local = person.email.rpartition("@")[0]
        if len(local) >= 4 and local not in _GENERIC_MAILBOXES:
            keys.add(f"u:{local}")  # the same mailbox name at a mistyped or other domain
    if person.phone:
        keys.add(f"t:{person.phone}")
    names = [name for name in (person.given, person.family) if name]
    sounds = sorted(_soundex(name) for name in names)
    if len(sounds) == 2:
        # Swapped names give the same key: the phonetic codes are sorted.
        keys.add(f"n:{sounds[0]}:{sounds[1]}")
    # Soundex codes survive most typos after the first letter of a city or a name.
    city = _soundex(_longest(person.city.split()))
    initials = "".join(sorted(name[0] for name in names))
    if person.postcode and initials:
        keys.add(f"p:{person.postcode}:{initials}")
    if city:
        for name in names:
            keys.add(f"c:{city}:{_soundex(name)}")
    if person.postcode and person.number:
        keys.add(f"a:{person.postcode}:{person.number}")
    # The street's two longest words with the house number or the city, for typos in the
    # postcode or the names.
    words = [w for w in person.street.split() if len(w) >= 4 and w not in _STREET_TYPES]
    for word in sorted(words, key=lambda w: (-len(w), w))[:2]:
        if person.number:
            keys.add(f"s:{person.number}:{_soundex(word)}")
        if city:
            keys.add(f"w:{city}:{_soundex(word)}")
    return keys


def _person_orderings(people: list[_Person]) -> list[list[str]]:
    return [
        [f"{p.family} {p.given} {p.postcode}" for p in people],
        [f"{p.given} {p.family} {p.postcode}" for p in people],
    ]


def person_blocking_keys(record: PersonRecord) -> set[str]:
    """The blocking keys of a person: records sharing one are compared with it."""
    return _person_keys(_cached_person(record))


def _read_names(a: _Person, b: _Person) -> tuple[float, bool, int, float, int, float]:
    """Best reading of the names: (weight, swapped, given level and similarity, family level
    and similarity)."""
    given_level, given_similarity = c.name_level(
        a.given, a.given_phonetic, b.given, b.given_phonetic
    )
    family_level, family_similarity = c.name_level(
        a.family, a.family_phonetic, b.family, b.family_phonetic
    )
    weight = c.GIVEN_WEIGHTS[given_level] + c.FAMILY_WEIGHTS[family_level]
    straight = (weight, False, given_level, given_similarity, family_level, family_similarity)
    if given_level in (c.EXACT, c.CLOSE) or family_level in (c.EXACT, c.CLOSE):
        return straight
    # Read b's names the other way round: given as family and family as given.
    swapped_given, swapped_given_similarity = c.name_level(
        a.given, a.given_phonetic, b.family, b.family_phonetic
    )
    swapped_family, swapped_family_similarity = c.name_level(
        a.family, a.family_phonetic, b.given, b.given_phonetic
    )
    if swapped_given == c.MISSING and swapped_family == c.MISSING:
        return straight
    swapped_weight = (
        c.GIVEN_WEIGHTS[swapped_given] + c.FAMILY_WEIGHTS[swapped_family] - c.SWAP_PENALTY
    )
    if swapped_weight > weight:
        return (
            swapped_weight, True,
            swapped_given, swapped_given_similarity, swapped_family, swapped_family_similarity,
        )  # fmt: skip
    return straight


def _mean_similarity(level_a: int, sim_a: float, level_b: int, sim_b: float) -> float:
    present = [sim for level, sim in ((level_a, sim_a), (level_b, sim_b)) if level != c.MISSING]
    return sum(present) / len(present) if present else 0.0


def _score_people(a: _Person, b: _Person) -> c.Evidence:
    evidence = c.Evidence()
    evidence.add(*c.email_weight(a.email, b.email))
    evidence.add(*c.phone_weight(a.phone, b.phone))
    name_weight, swapped, given_level, given_similarity, family_level, family_similarity = (
        _read_names(a, b)
    )
    if given_level == c.EXACT and family_level == c.EXACT and not swapped:
        evidence.add(name_weight, "same_name")
    elif name_weight > 0:
        similarity = _mean_similarity(
            given_level, given_similarity, family_level, family_similarity
        )
        evidence.add(name_weight, f"similar_name:{similarity:.2f}")
    elif given_level != c.MISSING or family_level != c.MISSING:
        evidence.add(name_weight)
    if swapped:
        evidence.add(0, "swapped_names")
    # Another given name at the very same address with the very same family name: the
    # signature of a household, where duplicates made by typing errors differ elsewhere too.
    household = (
        given_level == c.DIFFERENT
        and family_level == c.EXACT
        and a.street == b.street
        and a.number == b.number
        and a.postcode == b.postcode
    )
    _address_evidence(
        evidence,
        a.street, a.number, a.postcode, a.city,
        b.street, b.number, b.postcode, b.city,
        cap=c.HOUSEHOLD_ADDRESS if household else None,
    )  # fmt: skip
    if not _comparable_beyond_names(a, b) or (
        a.email and b.email and a.phone and b.phone and not _agrees_beyond_names(evidence)
    ):
        # Names alone, or names with two e-mails and two phones that all differ and nothing
        # else in common (namesakes at two organisations): namesakes are common in a large
        # registry, so at most "possible".
        evidence.weight = min(evidence.weight, c.NAMES_ONLY_CAP)
    elif (
        c.DIFFERENT in (given_level, family_level)
        and not (a.street and b.street)
        and not _contact_or_address_agree(evidence)
    ):
        evidence.weight = min(evidence.weight, c.NAME_DISAGREES_CAP)
    return evidence


_CONTACT_OR_ADDRESS = (
    "same_email",
    "similar_email",
    "same_phone",
    "same_address",
    "similar_address",
)


def _contact_or_address_agree(evidence: c.Evidence) -> bool:
    return any(reason.startswith(_CONTACT_OR_ADDRESS) for reason in evidence.reasons or ())


_NAME_REASONS = ("same_name", "similar_name", "swapped_names")


def _agrees_beyond_names(evidence: c.Evidence) -> bool:
    return any(not reason.startswith(_NAME_REASONS) for reason in evidence.reasons or ())


def _comparable_beyond_names(a: _Person, b: _Person) -> bool:
    return bool(
        (a.email and b.email)
        or (a.phone and b.phone)
        or (a.street and b.street)
        or (a.postcode and b.postcode)
        or (a.city and b.city)
    )


def _match(a_id: int, b_id: int, evidence: c.Evidence) -> Match:
    low, high = (a_id, b_id) if a_id <= b_id else (b_id, a_id)
    return Match(low, high, round(probability(evidence.weight), 4), evidence.reasons or [])


def score_people(a: PersonRecord, b: PersonRecord) -> Match:
    """How likely two person records are the same person, and why."""
    return _match(a.id, b.id, _score_people(_prepare_person(a), _prepare_person(b)))


def find_person_matches(
    record: PersonRecord, candidates: Iterable[PersonRecord], threshold: float = POSSIBLE
) -> list[Match]:
    """Candidates scoring at least ``threshold`` against ``record``, best first."""
    prepared = _cached_person(record)
    matches = []
    for candidate in candidates:
        if candidate.id == record.id:
            continue
        match = _match(record.id, candidate.id, _score_people(prepared, _cached_person(candidate)))
        if match.score >= threshold:
            matches.append(match)
    return sorted(matches, key=lambda m: (-m.score, m.a_id, m.b_id))


# --- Organisations ------------------------------------------------------------------------


@dataclass(slots=True)
class _Organisation:
    id: int
    name: str
    squashed_name: str
    acronym: str
    initials: str
    siren: str
    siret: str
    rnsr: str
    website: str
    email: str
    phone: str
    street: str
    number: str
    postcode: str
    city: str
    tokens: tuple[str, ...]


# Words too common in organisation names to block on.
_GENERIC_NAME_WORDS = word_set(
    "laboratoire laboratoires universite institut centre societe compagnie groupe groupement "
    "association fondation federation france francais francaise national nationale regional "
    "regionale international europe european pharma biotechnologies biotech bio sciences "
    "science technologies recherche research unite unit umr inserm cnrs inrae chu hopital "
    "services service solutions entreprise etablissements sante health medical clinique"
)


def _prepare_organisation(record: OrganisationRecord) -> _Organisation:
    tokens = organisation_name_tokens(record.name)
    siret = digits(record.siret)
    siret = siret if len(siret) == 14 else ""
    siren = digits(record.siren)
    siren = siren if len(siren) == 9 else siret[:9]
    street, number = _street_parts(record.street)
    return _Organisation(
        id=record.id,
        name=" ".join(tokens),
        squashed_name="".join(tokens),
        acronym=normalise_text(record.acronym).replace(" ", ""),
        initials=c.initials(tokens),
        siren=siren,
        siret=siret,
        rnsr=normalise_text(record.rnsr).replace(" ", ""),
        website=normalise_website(record.website),
        email=normalise_email(record.email),
        phone=normalise_phone(record.phone),
        street=street,
        number=number,
        postcode=normalise_postcode(record.postcode),
        city=normalise_text(record.city),
        tokens=tokens,
    )


def _organisation_keys(organisation: _Organisation) -> set[str]:
    keys: set[str] = set()
    for prefix, value in (
        ("s", organisation.siren),
        ("r", organisation.rnsr),
        ("w", organisation.website),
        ("e", organisation.email),
        ("t", organisation.phone),
    ):
        if value:
            keys.add(f"{prefix}:{value}")
    if organisation.squashed_name:
        keys.add(f"o:{organisation.squashed_name[:24]}")
    for acronym in (organisation.acronym, organisation.initials):
        if len(acronym) >= 2:
            keys.add(f"a:{acronym}")
    if organisation.squashed_name and len(organisation.squashed_name) <= 10:
        keys.add(f"a:{organisation.squashed_name}")  # a name that is an acronym ("CNRS")
    distinctive = sorted(
        (t for t in organisation.tokens if t not in _GENERIC_NAME_WORDS and len(t) >= 3),
        key=lambda t: (-len(t), t),
    )
    for token in distinctive[:2]:
        keys.add(f"k:{_soundex(token)}{token[:3]}")
    if organisation.postcode and organisation.squashed_name:
        keys.add(f"p:{organisation.postcode}:{organisation.squashed_name[0]}")
    return keys


def organisation_blocking_keys(record: OrganisationRecord) -> set[str]:
    """The blocking keys of an organisation: records sharing one are compared with it."""
    return _organisation_keys(_prepare_organisation(record))


def _acronym_agrees(a: _Organisation, b: _Organisation) -> bool:
    short_a = {x for x in (a.acronym, a.squashed_name if len(a.tokens) == 1 else "") if x}
    short_b = {x for x in (b.acronym, b.squashed_name if len(b.tokens) == 1 else "") if x}
    if a.acronym and b.acronym:
        return a.acronym == b.acronym
    return bool(short_a & (short_b | {b.initials})) or bool(short_b & {a.initials})


def _score_organisations(a: _Organisation, b: _Organisation) -> c.Evidence:
    evidence = c.Evidence()
    if a.siret and b.siret and a.siret == b.siret:
        evidence.add(c.IDENTIFIER_SAME, "same_siret")
    elif a.siren and b.siren:
        if a.siren == b.siren:
            evidence.add(c.IDENTIFIER_SAME, "same_siren")
        else:
            evidence.add(c.IDENTIFIER_DIFFERENT)
    if a.rnsr and b.rnsr:
        if a.rnsr == b.rnsr:
            evidence.add(c.IDENTIFIER_SAME, "same_rnsr")
        else:
            evidence.add(c.IDENTIFIER_DIFFERENT)
    if a.website and b.website:
        if a.website == b.website:
            evidence.add(c.WEBSITE_SAME, "same_website")
        else:
            evidence.add(c.WEBSITE_DIFFERENT)
    evidence.add(*c.email_weight(a.email, b.email))
    evidence.add(*c.phone_weight(a.phone, b.phone))
    level, similarity = c.organisation_name_level(a.name, b.name)
    name_weight = c.ORGANISATION_NAME_WEIGHTS[level]
    if _acronym_agrees(a, b):
        evidence.add(0, "same_acronym")
        name_weight = max(name_weight, c.ACRONYM_SAME)
    if level == c.EXACT:
        evidence.add(name_weight, "same_name")
    else:
        evidence.add(
            name_weight, f"similar_name:{similarity:.2f}" if level != c.DIFFERENT else None
        )
    _address_evidence(
        evidence,
        a.street, a.number, a.postcode, a.city,
        b.street, b.number, b.postcode, b.city,
    )  # fmt: skip
    return evidence


def score_organisations(a: OrganisationRecord, b: OrganisationRecord) -> Match:
    """How likely two organisation records are the same organisation, and why."""
    return _match(
        a.id, b.id, _score_organisations(_prepare_organisation(a), _prepare_organisation(b))
    )


def find_organisation_matches(
    record: OrganisationRecord,
    candidates: Iterable[OrganisationRecord],
    threshold: float = POSSIBLE,
) -> list[Match]:
    """Candidates scoring at least ``threshold`` against ``record``, best first."""
    prepared = _prepare_organisation(record)
    matches = []
    for candidate in candidates:
        if candidate.id == record.id:
            continue
        evidence = _score_organisations(prepared, _prepare_organisation(candidate))
        match = _match(record.id, candidate.id, evidence)
        if match.score >= threshold:
            matches.append(match)
    return sorted(matches, key=lambda m: (-m.score, m.a_id, m.b_id))
