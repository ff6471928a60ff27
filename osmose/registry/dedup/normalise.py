"""Normalisation of the fields compared by duplicate detection.

Every function is total: it takes any string (or ``None``-ish empty value) and returns a
string, ``""`` meaning "nothing usable", which the scorer treats as a missing value.
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers

# Letters that NFKD does not decompose into a base letter plus an accent.
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l",
     "Ł": "l", "đ": "d", "Đ": "d", "ı": "i", "&": " et "}
)  # fmt: skip


def word_set(text: str) -> frozenset[str]:
    """The words of a space-separated list (easier to read and edit than a set literal)."""
    return frozenset(text.split())


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACE_OR_PUNCT = re.compile(r"[\s.,;:/\\|()\[\]{}\"'’`«»_+-]+")

# Words that only say what kind of legal entity an organisation is.
LEGAL_FORMS = word_set(
    "sa sas sasu sarl eurl gie sci snc scop scic scp selarl selas sca eirl ei sem spl epic "
    "epst epa gip asbl gmbh ag ug kg ltd limited llc inc plc corp bv nv srl spa sl oy ab as"
)
STOP_WORDS = word_set("de du des la le les l d et en au aux a the of and for in on")
# Abbreviations seen in organisation names, keyed by the lower-case token *with* its accents
# (so "Sté" = Société but "Ste" = Sainte) and without its trailing dot.
_ABBREVIATIONS = {
    "univ": "universite",
    "université": "universite",
    "lab": "laboratoire",
    "labo": "laboratoire",
    "labs": "laboratoires",
    "sté": "societe",
    "soc": "societe",
    "cie": "compagnie",
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "ctr": "centre",
    "inst": "institut",
    "ets": "etablissements",
    "etab": "etablissement",
    "éts": "etablissements",
    "assoc": "association",
    "asso": "association",
    "intl": "international",
    "natl": "national",
    "dept": "departement",
    "dépt": "departement",
    "hop": "hopital",
    "hôp": "hopital",
    "fdn": "fondation",
    "grp": "groupe",
    "tech": "technologies",
    "technologie": "technologies",
    "techno": "technologies",
    "pharm": "pharma",
    "pharmaceutique": "pharma",
    "pharmaceutiques": "pharma",
    "pharmaceuticals": "pharma",
    "biotech": "biotechnologies",
    "biotechnologie": "biotechnologies",
}


def strip_accents(text: str) -> str:
    if text.isascii():
        return text  # nothing to decompose, no ligature (the common case, and much faster)
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65536)
def normalise_text(text: str | None) -> str:
    """Lower case, no accents, every run of non-alphanumerics collapsed to one space."""
    if not text:
        return ""
    return _NOT_ALNUM.sub(" ", strip_accents(text).lower()).strip()


def _join_spelled_letters(tokens: list[str]) -> list[str]:
    """Join runs of one-letter tokens: "s a s" (from "S.A.S.") becomes "sas"."""
    joined: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) > 1:
            joined.append("".join(run))
        else:
            joined.extend(run)
        run = []
        if token:
            joined.append(token)
    return joined


@lru_cache(maxsize=65536)
def organisation_name_tokens(name: str | None) -> tuple[str, ...]:
    """The meaningful words of an organisation name, abbreviations expanded, in order."""
    if not name:
        return ()
    raw = [t for t in _SPACE_OR_PUNCT.split(name.translate(_LIGATURES).lower()) if t]
    expanded = [_ABBREVIATIONS.get(t.rstrip("."), t) for t in raw]
    tokens = [t for word in expanded for t in normalise_text(word).split()]
    tokens = [_ABBREVIATIONS.get(t, t) for t in _join_spelled_letters(tokens)]
    kept = tuple(t for t in tokens if t not in LEGAL_FORMS and t not in STOP_WORDS)
    # A name made only of a legal form or stop words ("SA") keeps its words.
    return kept or tuple(tokens)


def normalise_organisation_name(name: str | None) -> str:
    """Comparable form of an organisation name.

    Accents, case and punctuation go; legal forms (SAS, SARL, GIE, GmbH…) and stop words
    ("de", "la", "the"…) are dropped; abbreviations are expanded ("Univ." → "universite",
    "Lab." → "laboratoire", "Sté" → "societe", "St" → "saint"…).
    """
    return " ".join(organisation_name_tokens(name))


def normalise_person_name(name: str | None) -> str:
    """A given or family name without accents, case, punctuation nor hyphens."""
    return normalise_text(name)


def normalise_email(email: str | None) -> str:
    """Lower-cased address, or "" when it does not look like local@domain.tld."""
    if not email:
        return ""
    value = email.strip().lower()
    value = value.removeprefix("mailto:").strip("<>").strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or " " in value:
        return ""
    return value


_PHONE_SEPARATORS = re.compile(r"[ .\-]")
_FRENCH_NATIONAL = re.compile(r"0[1-9][0-9]{8}")
_FRENCH_E164 = re.compile(r"\+33[1-9][0-9]{8}")


def normalise_phone(phone: str | None, region: str = "FR") -> str:
    """The number in E.164 form ("+33247000000"), or "" when it cannot be parsed."""
    if not phone or not any(char.isdigit() for char in phone):
        return ""
    if region == "FR":
        # A French national number written the usual ways ("02 47 00 00 00", "02.47.00.00.00")
        # or already in E.164: the answer phonenumbers gives, a hundred times faster.
        squashed = _PHONE_SEPARATORS.sub("", phone)
        if _FRENCH_NATIONAL.fullmatch(squashed):
            return f"+33{squashed[1:]}"
        if _FRENCH_E164.fullmatch(squashed):
            return squashed
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Postcodes repeat (a town's), and their regular expressions cost more than a comparison.
@lru_cache(maxsize=1 << 14)
def normalise_postcode(postcode: str | None) -> str:
    """Upper-case postcode without spaces nor a country prefix ("F-37 000" → "37000")."""
    if not postcode:
        return ""
    value = re.sub(r"[\s.\-]+", "", strip_accents(postcode).upper())
    for prefix in ("FR", "F"):
        if value.startswith(prefix) and value[len(prefix) :].isdigit():
            value = value[len(prefix) :]
    return value if value.isalnum() else re.sub(r"[^0-9A-Z]", "", value)


def normalise_website(url: str | None) -> str:
    """The host of a website without scheme nor "www." ("https://www.x.fr/a" → "x.fr")."""
    if not url:
        return ""
    value = url.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    host = re.split(r"[/?#:]", value, maxsplit=1)[0].removeprefix("www.").strip(".")
    return host if "." in host and " " not in host else ""


def digits(value: str | None) -> str:
    return "".join(char for char in value or "" if char.isdigit())
