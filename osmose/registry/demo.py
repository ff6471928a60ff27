"""Demo step "registry": a fictional ecosystem of ~400 organisations and ~2,000 people.

Three quarters of the organisations sit in the six départements of Centre-Val de Loire,
weighted toward the big towns; the rest form the national pool. Every name, SIREN, e-mail
and phone number is invented (e-mails on ``.example`` domains, phones in the ranges ARCEP
reserves for fiction). Everything random comes from ``context.rng``: the same seed gives the
same ecosystem.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from django.utils.text import slugify
from faker import Faker

from osmose.accounts.models import Role, User
from osmose.core.demo import DemoContext
from osmose.core.models import Commune, Term
from osmose.registry.models import (
    Affiliation,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    DuplicateKind,
    LegalBasis,
    Organisation,
    OrganisationKind,
    OrganisationRelation,
    OrganisationStatus,
    Person,
    RelationKind,
    Scope,
    Sector,
    Segment,
)
from osmose.registry.services.indexing import reindex_all, unindex

REGIONAL_DEPARTEMENTS = ("18", "28", "36", "37", "41", "45")
REGIONAL_ORGANISATIONS = 300
NATIONAL_ORGANISATIONS = 100
PEOPLE = 2000
MEMBER_EMAIL = "member@demo.osmose.test"

Kind = OrganisationKind

# (weight in the region, weight in the national pool): the region has more labs, trainings
# and public bodies; the national pool is mostly companies and investors.
KIND_WEIGHTS: dict[str, tuple[int, int]] = {
    Kind.COMPANY: (24, 40),
    Kind.STARTUP: (17, 22),
    Kind.ACADEMIC_LAB: (20, 14),
    Kind.PLATFORM: (7, 5),
    Kind.HOSPITAL: (4, 3),
    Kind.INVESTOR: (4, 10),
    Kind.INCUBATOR: (4, 2),
    Kind.TECH_TRANSFER: (3, 2),
    Kind.PUBLIC_BODY: (6, 0),
    Kind.CLUSTER: (4, 1),
    Kind.TRAINING: (7, 1),
}

SECTOR_WEIGHTS: dict[str, dict[str, int]] = {
    Kind.COMPANY: {Sector.PRIVATE: 1},
    Kind.STARTUP: {Sector.PRIVATE: 1},
    Kind.ACADEMIC_LAB: {Sector.PUBLIC: 1},
    Kind.PLATFORM: {Sector.PUBLIC: 3, Sector.PRIVATE: 1},
    Kind.HOSPITAL: {Sector.PUBLIC: 4, Sector.NON_PROFIT: 1},
    Kind.INVESTOR: {Sector.PRIVATE: 3, Sector.PUBLIC: 1},
    Kind.INCUBATOR: {Sector.PUBLIC: 3, Sector.NON_PROFIT: 2},
    Kind.TECH_TRANSFER: {Sector.PUBLIC: 1},
    Kind.PUBLIC_BODY: {Sector.PUBLIC: 1},
    Kind.CLUSTER: {Sector.NON_PROFIT: 1},
    Kind.TRAINING: {Sector.PRIVATE: 2, Sector.PUBLIC: 2, Sector.NON_PROFIT: 1},
}

HEADCOUNT_WEIGHTS: dict[str, dict[str, int]] = {
    Kind.COMPANY: {"1-9": 15, "10-49": 35, "50-249": 30, "250-999": 15, "1000+": 5},
    Kind.STARTUP: {"1-9": 7, "10-49": 3},
    Kind.ACADEMIC_LAB: {"1-9": 15, "10-49": 60, "50-249": 25},
    Kind.PLATFORM: {"1-9": 1, "10-49": 1},
    Kind.HOSPITAL: {"250-999": 2, "1000+": 3},
    Kind.INVESTOR: {"1-9": 7, "10-49": 3},
    Kind.INCUBATOR: {"1-9": 4, "10-49": 1},
    Kind.TECH_TRANSFER: {"1-9": 3, "10-49": 6, "50-249": 1},
    Kind.PUBLIC_BODY: {"10-49": 2, "50-249": 2, "250-999": 1},
    Kind.CLUSTER: {"1-9": 9, "10-49": 1},
    Kind.TRAINING: {"1-9": 3, "10-49": 5, "50-249": 2},
}

# How many people of the directory an organisation of each band employs, relatively.
PEOPLE_WEIGHT_BY_HEADCOUNT = {"1-9": 2, "10-49": 5, "50-249": 9, "250-999": 14, "1000+": 18}

# Founding years, as (earliest, years before now for the latest).
FOUNDING_YEARS: dict[str, tuple[int, int]] = {
    Kind.COMPANY: (1965, 3),
    Kind.STARTUP: (-9, 0),  # negative: years before now
    Kind.ACADEMIC_LAB: (1975, 3),
    Kind.PLATFORM: (1995, 3),
    Kind.HOSPITAL: (1900, 30),
    Kind.INVESTOR: (1990, 2),
    Kind.INCUBATOR: (2000, 4),
    Kind.TECH_TRANSFER: (1995, 6),
    Kind.PUBLIC_BODY: (1960, 8),
    Kind.CLUSTER: (2005, 3),
    Kind.TRAINING: (1970, 4),
}

# Labs are units of a university or a research body: they have no SIREN of their own.
KINDS_WITHOUT_SIREN = {Kind.ACADEMIC_LAB}

# Short place names and their "de" form, per département, for names like "… de Touraine".
PLACES: dict[str, list[tuple[str, str]]] = {
    "18": [("Berry", "du Berry"), ("Cher", "du Cher"), ("Sancerrois", "du Sancerrois")],
    "28": [("Beauce", "de Beauce"), ("Perche", "du Perche"), ("Eure", "de l'Eure")],
    "36": [("Brenne", "de Brenne"), ("Indre", "de l'Indre"), ("Berry", "du Berry")],
    "37": [("Touraine", "de Touraine"), ("Loire", "de Loire"), ("Val de Loire", "du Val de Loire")],
    "41": [("Sologne", "de Sologne"), ("Blésois", "du Blésois"), ("Loir", "du Loir")],
    "45": [("Orléanais", "de l'Orléanais"), ("Loiret", "du Loiret"), ("Gâtinais", "du Gâtinais")],
}

# Fictional universities the regional labs belong to (the real ones are not named).
UNIVERSITIES = {
    "37": "l'Université Ligérienne",
    "36": "l'Université Ligérienne",
    "41": "l'Université Ligérienne",
    "45": "l'Université Centre-Loire",
    "28": "l'Université Centre-Loire",
    "18": "l'Université Centre-Loire",
}
NATIONAL_UNIVERSITY = "une université et un organisme national de recherche"

# Syllables of invented brand names ("Belirix", "Kaomune"): pronounceable, not real names.
SYLLABLE_START = [
    "Ar",
    "Bel",
    "Cal",
    "Cy",
    "Dal",
    "El",
    "Fen",
    "Gal",
    "Hel",
    "Is",
    "Ka",
    "Li",
    "Mel",
    "Nov",
    "Or",
    "Pal",
    "Quin",
    "Ri",
    "Sel",
    "Tal",
    "Ul",
    "Val",
    "Xen",
    "Zé",
]
SYLLABLE_MIDDLE = ["a", "e", "i", "o", "y", "é", "an", "or"]
SYLLABLE_END = [
    "lis",
    "rix",
    "nea",
    "vance",
    "tis",
    "mune",
    "gène",
    "thys",
    "dyne",
    "lia",
    "xis",
    "nova",
    "phage",
    "line",
    "cure",
    "gen",
]
COMPOUND_ROOTS = [
    "Bio",
    "Immuno",
    "Cyto",
    "Géno",
    "Protéo",
    "Vacci",
    "Pharma",
    "Cellu",
    "Myco",
    "Lipo",
    "Vecto",
    "Glyco",
]
COMPOUND_NOUNS = [
    "procédés",
    "théra",
    "forme",
    "synthèse",
    "tech",
    "lab",
    "process",
    "vie",
    "pharm",
    "sens",
    "line",
    "prod",
]

LAB_THEMES = [
    "de biologie cellulaire et thérapies innovantes",
    "d'immunologie et vaccinologie",
    "de microbiologie et bioprocédés",
    "de glycobiologie et protéines thérapeutiques",
    "de neurobiologie moléculaire",
    "d'ingénierie des biomolécules",
    "d'infectiologie et santé publique",
    "de pharmacologie et biomarqueurs",
    "de chimie des biomolécules",
    "des vecteurs viraux et thérapie génique",
    "d'oncologie moléculaire",
    "de génétique et maladies rares",
    "de biophysique des protéines",
    "de santé animale et zoonoses",
    "de modélisation du vivant",
    "des anticorps et immunothérapies",
]
LAB_PREFIXES = ["Laboratoire", "Unité", "Équipe", "Institut"]
PLATFORM_THEMES = [
    "de bioproduction pilote",
    "de cytométrie et d'imagerie",
    "de spectrométrie de masse",
    "de génomique",
    "de bio-informatique",
    "d'imagerie préclinique",
    "de purification des protéines",
    "de thérapie cellulaire",
    "d'analyse des glycanes",
    "de criblage",
]
HOSPITAL_WORDS = ["Hôpital", "Clinique", "Centre de soins"]
HOSPITAL_FEATURES = [
    "des Mariniers",
    "des Ardoisières",
    "des Tanneurs",
    "du Coteau-Fleuri",
    "des Trois-Rivières",
    "du Bois-Joli",
    "des Hirondelles",
    "des Tilleuls",
    "des Grands-Prés",
    "de la Levée",
]
SERVICE_COMPANY_WORDS = ["Bioéquipements", "Ingénierie", "Conseil", "Instruments", "Validation"]
STOPWORDS = {"de", "du", "des", "et", "la", "le", "les", "l", "d", "en", "aux", "à", "au"}

# Job titles as (masculine, feminine); the first person of an organisation gets a lead title.
LEAD_TITLES: dict[str, list[tuple[str, str]]] = {
    Kind.COMPANY: [
        ("Président-directeur général", "Présidente-directrice générale"),
        ("CEO", "CEO"),
        ("Directeur général", "Directrice générale"),
    ],
    Kind.STARTUP: [("CEO", "CEO"), ("Président fondateur", "Présidente fondatrice")],
    Kind.ACADEMIC_LAB: [("Directeur de laboratoire", "Directrice de laboratoire")],
    Kind.PLATFORM: [("Responsable de plateforme", "Responsable de plateforme")],
    Kind.HOSPITAL: [("Directeur de la recherche clinique", "Directrice de la recherche clinique")],
    Kind.INVESTOR: [("Associé gérant", "Associée gérante")],
    Kind.INCUBATOR: [("Directeur", "Directrice")],
    Kind.TECH_TRANSFER: [("Directeur de la valorisation", "Directrice de la valorisation")],
    Kind.PUBLIC_BODY: [("Directeur de l'innovation", "Directrice de l'innovation")],
    Kind.CLUSTER: [("Président", "Présidente")],
    Kind.TRAINING: [("Directeur", "Directrice")],
}
STAFF_TITLES: dict[str, list[tuple[str, str]]] = {
    Kind.COMPANY: [
        ("Ingénieur procédés", "Ingénieure procédés"),
        ("Responsable qualité", "Responsable qualité"),
        ("Chargé d'affaires", "Chargée d'affaires"),
        ("Directeur industriel", "Directrice industrielle"),
        ("Technicien de production", "Technicienne de production"),
        ("Responsable des affaires réglementaires", "Responsable des affaires réglementaires"),
        ("Directeur commercial", "Directrice commerciale"),
        ("Pharmacien responsable", "Pharmacienne responsable"),
        ("Ingénieur validation", "Ingénieure validation"),
        ("Responsable R&D", "Responsable R&D"),
    ],
    Kind.STARTUP: [
        ("CSO", "CSO"),
        ("CTO", "CTO"),
        ("Chef de projet R&D", "Cheffe de projet R&D"),
        ("Chercheur", "Chercheuse"),
        ("Business developer", "Business developer"),
        ("Ingénieur procédés", "Ingénieure procédés"),
    ],
    Kind.ACADEMIC_LAB: [
        ("Directeur de recherche", "Directrice de recherche"),
        ("Chargé de recherche", "Chargée de recherche"),
        ("Maître de conférences", "Maîtresse de conférences"),
        ("Professeur des universités", "Professeure des universités"),
        ("Ingénieur d'études", "Ingénieure d'études"),
        ("Post-doctorant", "Post-doctorante"),
        ("Doctorant", "Doctorante"),
    ],
    Kind.PLATFORM: [
        ("Ingénieur de recherche", "Ingénieure de recherche"),
        ("Technicien", "Technicienne"),
        ("Responsable qualité", "Responsable qualité"),
    ],
    Kind.HOSPITAL: [
        ("Praticien hospitalier", "Praticienne hospitalière"),
        ("Attaché de recherche clinique", "Attachée de recherche clinique"),
        ("Pharmacien hospitalier", "Pharmacienne hospitalière"),
        ("Chef de service", "Cheffe de service"),
    ],
    Kind.INVESTOR: [
        ("Chargé d'investissement", "Chargée d'investissement"),
        ("Analyste", "Analyste"),
        ("Directeur de participations", "Directrice de participations"),
    ],
    Kind.INCUBATOR: [
        ("Chargé d'affaires", "Chargée d'affaires"),
        ("Chargé d'accompagnement", "Chargée d'accompagnement"),
    ],
    Kind.TECH_TRANSFER: [
        ("Chargé de valorisation", "Chargée de valorisation"),
        ("Juriste propriété intellectuelle", "Juriste propriété intellectuelle"),
        ("Chef de projet maturation", "Cheffe de projet maturation"),
    ],
    Kind.PUBLIC_BODY: [
        ("Chargé de mission santé", "Chargée de mission santé"),
        ("Chef de projet attractivité", "Cheffe de projet attractivité"),
    ],
    Kind.CLUSTER: [
        ("Délégué général", "Déléguée générale"),
        ("Chargé de mission", "Chargée de mission"),
        ("Animateur du réseau", "Animatrice du réseau"),
    ],
    Kind.TRAINING: [
        ("Formateur", "Formatrice"),
        ("Responsable pédagogique", "Responsable pédagogique"),
        ("Chargé des relations entreprises", "Chargée des relations entreprises"),
    ],
}

# French numbers ARCEP reserves for fiction, by leading digit: "+33 2 61 91 xx xx".
FICTIONAL_PHONE_PREFIXES = {
    "1": "19900",
    "2": "26191",
    "3": "35301",
    "4": "46571",
    "5": "53649",
    "6": "63998",
}
# The zone digit of a landline, by région code (1 Île-de-France, 2 north-west, ...).
PHONE_ZONE_BY_REGION = {
    "11": "1",
    "24": "2",
    "28": "2",
    "52": "2",
    "53": "2",
    "27": "3",
    "32": "3",
    "44": "3",
    "84": "4",
    "93": "4",
    "94": "4",
    "75": "5",
    "76": "5",
}


@dataclass
class Focus:
    """What an organisation works on: the terms it is tagged with and the words of its
    description."""

    terms: list[Term] = field(default_factory=list)
    modality: Term | None = None
    step: Term | None = None
    service: Term | None = None
    area: Term | None = None


@dataclass
class Place:
    commune: Commune
    short: str  # "Touraine", or the commune's name in the national pool
    of: str  # "de Touraine"
    university: str


# --- small helpers ----------------------------------------------------------------------------


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + digit`` pass the Luhn check (as SIREN numbers do)."""
    for candidate in "0123456789":
        number = digits + candidate
        total = 0
        for index, char in enumerate(reversed(number)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def new_siren(rng: Random, sector: str, taken: set[str]) -> str:
    # Public bodies' SIRENs start with 1 or 2; companies' with 3 to 9.
    first = rng.choice("12" if sector == Sector.PUBLIC else "3456789")
    while True:
        base = first + "".join(rng.choice("0123456789") for _ in range(7))
        siren = base + luhn_check_digit(base)
        if siren not in taken:
            taken.add(siren)
            return siren


def weighted_choice(rng: Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def ascii_letters(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def lower_first(name: str) -> str:
    """ "Anticorps monoclonaux" -> "anticorps monoclonaux", but "ADC" and "CAR-T" stay."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def of_commune(name: str) -> str:
    """The French "de" before a commune's name: "de Tours", "d'Orléans", "du Havre"."""
    for article, contracted in (
        ("Le ", "du "),
        ("Les ", "des "),
        ("La ", "de la "),
        ("L'", "de l'"),
    ):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return ("d'" if ascii_letters(name[:1]).lower() in "aeiouyh" else "de ") + name


def acronym_of(*parts: str) -> str:
    words = re.split(r"[\s'’-]+", " ".join(parts))
    return "".join(
        ascii_letters(word[0]).upper() for word in words if word and word.lower() not in STOPWORDS
    )


def invented_word(rng: Random) -> str:
    middle = rng.choice(SYLLABLE_MIDDLE) if rng.random() < 0.6 else ""
    return rng.choice(SYLLABLE_START) + middle + rng.choice(SYLLABLE_END)


def compound_word(rng: Random) -> str:
    return rng.choice(COMPOUND_ROOTS) + rng.choice(COMPOUND_NOUNS)


def fictional_phone(rng: Random, region_code: str) -> str:
    zone = "6" if rng.random() < 0.4 else PHONE_ZONE_BY_REGION.get(region_code, "2")
    return "+33" + FICTIONAL_PHONE_PREFIXES[zone] + f"{rng.randrange(10_000):04d}"


def random_date(rng: Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


# --- places -----------------------------------------------------------------------------------


def regional_communes() -> tuple[list[Commune], list[float], list[Commune], list[float]]:
    """Communes of the six départements weighted by population (above linear, as biotech
    gathers in the big towns), and the university towns alone for labs and hospitals."""
    communes = list(
        Commune.objects.filter(departement__code__in=REGIONAL_DEPARTEMENTS, population__gte=2000)
        .select_related("departement__region")
        .order_by("insee_code")
    )
    if not communes:
        raise RuntimeError("No commune in the region: load the geography first.")
    weights = [float(commune.population or 0) ** 1.3 for commune in communes]
    towns = [commune for commune in communes if (commune.population or 0) >= 35_000]
    town_weights = [float(commune.population or 0) for commune in towns]
    return communes, weights, towns, town_weights


def national_communes() -> tuple[list[Commune], list[float]]:
    """The 30 largest communes of mainland France outside the region, flattened weights so
    that Paris does not take the whole pool."""
    communes = list(
        Commune.objects.exclude(departement__code__in=REGIONAL_DEPARTEMENTS)
        .exclude(departement__region__code__startswith="0")  # overseas
        .filter(population__isnull=False)
        .select_related("departement__region")
        .order_by("-population", "insee_code")[:30]
    )
    return communes, [float(commune.population or 0) ** 0.85 for commune in communes]


def regional_place(rng: Random, commune: Commune) -> Place:
    code = commune.departement.code
    short, of = rng.choice(PLACES[code])
    return Place(commune=commune, short=short, of=of, university=UNIVERSITIES[code])


def national_place(commune: Commune) -> Place:
    return Place(
        commune=commune,
        short=commune.name,
        of=of_commune(commune.name),
        university=NATIONAL_UNIVERSITY,
    )


# --- names --------------------------------------------------------------------------------------


def organisation_name(
    rng: Random, fake: Faker, kind: str, sector: str, place: Place, focus: Focus
) -> tuple[str, str]:
    """An invented (name, acronym) that fits the kind."""
    town = of_commune(place.commune.name)
    if kind == Kind.COMPANY:
        if focus.service is not None and focus.service.slug in {
            "equipment",
            "consulting",
            "engineering",
        }:
            return f"{fake.last_name()} {rng.choice(SERVICE_COMPANY_WORDS)}", ""
        word = compound_word(rng) if rng.random() < 0.5 else invented_word(rng)
        return f"{word.capitalize()} {place.short}", ""
    if kind == Kind.STARTUP:
        suffix = rng.choice(["", "", " Therapeutics", " Bio", " Biotech", " Cell"])
        return invented_word(rng) + suffix, ""
    if kind == Kind.ACADEMIC_LAB:
        prefix, theme = rng.choice(LAB_PREFIXES), rng.choice(LAB_THEMES)
        name = f"{prefix} {theme} {place.of}"
        return name, acronym_of(prefix, theme, place.short)
    if kind == Kind.PLATFORM:
        if sector == Sector.PRIVATE:
            return f"{invented_word(rng)} {rng.choice(['Analytics', 'Services', 'Lab'])}", ""
        theme = rng.choice(PLATFORM_THEMES)
        return f"Plateforme {theme} {place.of}", acronym_of("Plateforme", theme, place.short)
    if kind == Kind.HOSPITAL:
        return f"{rng.choice(HOSPITAL_WORDS)} {rng.choice(HOSPITAL_FEATURES)} {town}", ""
    if kind == Kind.INVESTOR:
        if sector == Sector.PUBLIC:
            return f"Fonds d'amorçage santé {place.of}", ""
        if rng.random() < 0.2:
            return f"Business angels {place.of}", ""
        return (
            f"{invented_word(rng)} {rng.choice(['Capital', 'Ventures', 'Invest', 'Partners'])}",
            "",
        )
    if kind == Kind.INCUBATOR:
        return rng.choice(
            [
                f"Incubateur {invented_word(rng)}",
                f"Accélérateur santé {place.of}",
                f"Pépinière {invented_word(rng)}",
            ]
        ), ""
    if kind == Kind.TECH_TRANSFER:
        if rng.random() < 0.5:
            name = f"Cellule de valorisation {place.of}"
            return name, acronym_of("Cellule valorisation", place.short)
        return f"Bureau de transfert {invented_word(rng)}", ""
    if kind == Kind.PUBLIC_BODY:
        return rng.choice(
            [
                f"Agence de développement {place.of}",
                f"Maison de l'innovation {town}",
                f"Mission santé {place.of}",
            ]
        ), ""
    if kind == Kind.CLUSTER:
        return rng.choice(
            [
                f"Club bioproduction {place.of}",
                f"Réseau {invented_word(rng)} Santé",
                f"Association {invented_word(rng)} Biotech",
            ]
        ), ""
    return rng.choice(
        [
            f"Centre de formation {invented_word(rng)}",
            f"École des bioprocédés {place.of}",
            f"Institut de formation aux biotechnologies {place.of}",
        ]
    ), ""


def unique_name(rng: Random, fake: Faker, taken: set[str], **kwargs: Any) -> tuple[str, str]:
    """A name no other demo organisation has (place-based names repeat otherwise)."""
    for _ in range(12):
        name, acronym = organisation_name(rng, fake, **kwargs)
        if name.lower() not in taken:
            taken.add(name.lower())
            return name, acronym
    # Rare: every try collided; the commune makes it unique.
    name = f"{name} — {kwargs['place'].commune.name}"
    suffix = 2
    while name.lower() in taken:
        name, suffix = f"{name} {suffix}", suffix + 1
    taken.add(name.lower())
    return name, acronym


# --- what organisations work on -----------------------------------------------------------------


def pick_focus(rng: Random, kind: str, terms: dict[str, list[Term]]) -> Focus:
    """One to five terms that fit the kind, and the main ones for the description."""
    by_slug = {
        (term.vocabulary.slug, term.slug): term for vocab in terms.values() for term in vocab
    }

    def service(*slugs: str) -> Term:
        return by_slug[("services", rng.choice(slugs))]

    focus = Focus(
        modality=rng.choice(terms["modalities"]),
        step=rng.choice(terms["process-steps"]),
        area=rng.choice(terms["therapeutic-areas"]),
    )
    chosen: list[Term | None]
    if kind == Kind.COMPANY:
        focus.service = service(
            "cdmo",
            "cdmo",
            "cro",
            "equipment",
            "consulting",
            "regulatory-affairs",
            "quality-assurance",
            "bioinformatics",
            "engineering",
        )
        chosen = [focus.service, focus.step, focus.modality]
    elif kind in {Kind.STARTUP, Kind.ACADEMIC_LAB}:
        chosen = [focus.modality, focus.area, focus.step]
    elif kind == Kind.PLATFORM:
        focus.service = service("cro", "quality-assurance", "bioinformatics", "cdmo")
        chosen = [focus.step, focus.service, rng.choice(terms["process-steps"])]
    elif kind == Kind.HOSPITAL:
        focus.service = by_slug[("services", "clinical-trials")]
        chosen = [focus.area, focus.service, rng.choice(terms["therapeutic-areas"])]
    elif kind == Kind.INVESTOR:
        focus.service = by_slug[("services", "financing")]
        chosen = [focus.service, focus.area, focus.modality]
    elif kind in {Kind.INCUBATOR, Kind.TECH_TRANSFER, Kind.PUBLIC_BODY}:
        focus.service = service("business-support", "intellectual-property", "financing")
        chosen = [focus.service, focus.area]
    elif kind == Kind.CLUSTER:
        focus.service = by_slug[("services", "business-support")]
        chosen = [focus.service, focus.modality, focus.step]
    else:  # training
        focus.service = by_slug[("services", "training")]
        chosen = [focus.service, focus.step, rng.choice(terms["process-steps"])]
    count = rng.randint(1, min(5, len(chosen) + 2))
    extra = [term for vocab in terms.values() for term in rng.sample(vocab, 1)]
    focus.terms = [term for term in dict.fromkeys([*chosen, *extra]) if term][:count]
    return focus


def descriptions(
    kind: str, name: str, place: Place, founded: date, focus: Focus
) -> tuple[str, str]:
    """A short French and English description, from templates and the focus terms."""

    def fr(term: Term | None) -> str:
        return lower_first(term.name_fr) if term else ""

    def en(term: Term | None) -> str:
        return lower_first(term.name_en) if term else ""

    m, s, v, a = focus.modality, focus.step, focus.service, focus.area
    town = place.commune.name
    texts: dict[str, tuple[str, str]] = {
        Kind.COMPANY: (
            f"{name} propose à l'industrie du médicament ses services en {fr(v)}, avec une "
            f"expertise en {fr(s)} appliquée aux projets de {fr(m)}. Site : {town}.",
            f"{name} offers drug makers {en(v)} services, with expertise in {en(s)} "
            f"applied to {en(m)} projects. Site: {town}.",
        ),
        Kind.STARTUP: (
            f"{name}, startup fondée en {founded.year}, conçoit des candidats-médicaments en "
            f"{fr(a)} (technologie : {fr(m)}). Site : {town}.",
            f"{name}, a startup founded in {founded.year}, designs drug candidates for {en(a)} "
            f"({en(m)} technology). Site: {town}.",
        ),
        Kind.ACADEMIC_LAB: (
            f"Unité de recherche publique rattachée à {place.university}, spécialisée en "
            f"{fr(m)} et en {fr(a)}.",
            f"Public research unit working on {en(m)} for {en(a)}.",
        ),
        Kind.PLATFORM: (
            f"Plateforme technologique ouverte aux laboratoires et aux entreprises : {fr(s)}, "
            f"{fr(v)}. Site : {town}.",
            f"Technology platform open to labs and companies: {en(s)}, {en(v)}. Site: {town}.",
        ),
        Kind.HOSPITAL: (
            f"Établissement de santé et centre investigateur en {fr(a)}, partenaire des "
            f"essais cliniques de la région.",
            f"Healthcare institution and clinical investigation centre in {en(a)}.",
        ),
        Kind.INVESTOR: (
            f"Investisseur au capital des jeunes entreprises de santé, en particulier en "
            f"{fr(a)} et en {fr(m)}.",
            f"Investor backing young healthcare companies, especially in {en(a)} and {en(m)}.",
        ),
        Kind.INCUBATOR: (
            "Incubateur qui accompagne les projets de création d'entreprise en santé, de la "
            "maturation à la première levée de fonds.",
            "Incubator supporting healthcare start-up projects from maturation to first funding.",
        ),
        Kind.TECH_TRANSFER: (
            "Structure de valorisation : détection, protection et transfert des inventions des "
            f"laboratoires, notamment en {fr(m)}.",
            "Tech-transfer office: spotting, protecting and licensing lab inventions, notably in "
            f"{en(m)}.",
        ),
        Kind.PUBLIC_BODY: (
            "Acteur public du développement économique : aides à l'innovation et à "
            f"l'implantation des entreprises de santé à {town}.",
            f"Public economic development body: innovation grants and support for healthcare "
            f"companies settling in {town}.",
        ),
        Kind.CLUSTER: (
            f"Association qui fédère les acteurs des biomédicaments et de la bioproduction "
            f"{place.of}.",
            f"Association bringing together the biopharmaceutical and bioproduction players "
            f"of {place.short}.",
        ),
        Kind.TRAINING: (
            f"Organisme de formation aux métiers de la bioproduction : {fr(s)} et bonnes "
            f"pratiques de fabrication. Site : {town}.",
            f"Training provider for bioproduction jobs: {en(s)} and good manufacturing "
            f"practice. Site: {town}.",
        ),
    }
    return texts[kind]


# --- organisations ------------------------------------------------------------------------------


def founding_date(rng: Random, kind: str, today: date) -> date:
    earliest, latest_gap = FOUNDING_YEARS[kind]
    first_year = today.year + earliest if earliest < 0 else earliest
    end = date(today.year - latest_gap, 12, 31)
    return min(random_date(rng, date(first_year, 1, 1), end), today - timedelta(days=30))


def organisation_status(rng: Random, kind: str) -> str:
    # Startups close more often than the rest; a few organisations were absorbed.
    closed_share = 0.07 if kind == Kind.STARTUP else 0.02
    draw = rng.random()
    if draw < closed_share:
        return OrganisationStatus.CLOSED
    if draw < closed_share + 0.02:
        return OrganisationStatus.MERGED
    return OrganisationStatus.ACTIVE


def build_organisation(
    context: DemoContext,
    fake: Faker,
    *,
    kind: str,
    scope: str,
    place: Place,
    taken: dict[str, set[str]],
) -> tuple[Organisation, list[Term]]:
    rng, today = context.rng, context.now.date()
    sector = weighted_choice(rng, SECTOR_WEIGHTS[kind])
    focus = pick_focus(rng, kind, context.shared["terms"])
    name, acronym = unique_name(
        rng, fake, taken["names"], kind=kind, sector=sector, place=place, focus=focus
    )
    founded = founding_date(rng, kind, today)
    description_fr, description_en = descriptions(kind, name, place, founded, focus)
    young = (today - founded).days < 8 * 365
    commune = place.commune
    organisation = Organisation(
        name=name,
        acronym=acronym,
        kind=kind,
        sector=sector,
        scope=scope,
        status=organisation_status(rng, kind),
        description_fr=description_fr,
        description_en=description_en,
        website=f"https://www.{web_domain(name, acronym, place, taken['domains'])}",
        siren="" if kind in KINDS_WITHOUT_SIREN else new_siren(rng, sector, taken["sirens"]),
        headcount=weighted_choice(rng, HEADCOUNT_WEIGHTS[kind]),
        founded_on=founded,
        # Jeune entreprise innovante: young private R&D companies only.
        is_jei=young and kind in {Kind.STARTUP, Kind.COMPANY} and rng.random() < 0.45,
        street=fake.street_address(),
        postcode=postcode_of(rng, commune),
        city=commune.name,
        commune=commune,
        departement=commune.departement,
        latitude=commune.latitude,
        longitude=commune.longitude,
        source="demo",
        public_fields=["description", "website", "address", "terms"],
        last_verified_at=context.now - timedelta(seconds=rng.randrange(3 * 365 * 86400)),
    )
    return organisation, focus.terms


def postcode_of(rng: Random, commune: Commune) -> str:
    if commune.postcodes:
        return rng.choice(commune.postcodes)
    # Paris, Lyon and Marseille hold their postcodes on their arrondissements: 75001-75009...
    return f"{commune.departement.code}0{rng.randint(1, 9):02d}"


def web_domain(name: str, acronym: str, place: Place, taken: set[str]) -> str:
    """A short domain that cannot be real: the ``.example`` top-level domain is reserved."""
    if acronym:
        words = [acronym, place.short]
    else:
        words = [word for word in re.split(r"[\s'’]+", name) if word.lower() not in STOPWORDS]
    base = slugify(ascii_letters(" ".join(words[:4])))[:40].strip("-")
    domain, number = f"{base}.example", 2
    while domain in taken:
        domain, number = f"{base}-{number}.example", number + 1
    taken.add(domain)
    return domain


def build_organisations(context: DemoContext, fake: Faker) -> list[Organisation]:
    rng = context.rng
    communes, weights, towns, town_weights = regional_communes()
    national, national_weights = national_communes()
    kinds = list(KIND_WEIGHTS)
    # Names, SIRENs and web domains already given, so that none repeats.
    taken: dict[str, set[str]] = {"names": set(), "sirens": set(), "domains": set()}
    built: list[tuple[Organisation, list[Term]]] = []
    for scope, count in (
        (Scope.REGIONAL, REGIONAL_ORGANISATIONS),
        (Scope.NATIONAL, NATIONAL_ORGANISATIONS),
    ):
        column = 0 if scope == Scope.REGIONAL else 1
        for _ in range(count):
            kind = rng.choices(kinds, weights=[KIND_WEIGHTS[k][column] for k in kinds])[0]
            if scope == Scope.NATIONAL:
                place = national_place(rng.choices(national, weights=national_weights)[0])
            elif kind in {Kind.ACADEMIC_LAB, Kind.HOSPITAL, Kind.TECH_TRANSFER}:
                # Universities and hospitals are in the prefecture towns.
                place = regional_place(rng, rng.choices(towns, weights=town_weights)[0])
            else:
                place = regional_place(rng, rng.choices(communes, weights=weights)[0])
            built.append(
                build_organisation(context, fake, kind=kind, scope=scope, place=place, taken=taken)
            )
    organisations = Organisation.objects.bulk_create([org for org, _ in built])
    Through = Organisation.terms.through
    Through.objects.bulk_create(
        [
            Through(organisation_id=org.pk, term_id=term.pk)
            for org, (_, terms) in zip(organisations, built, strict=True)
            for term in terms
        ]
    )
    return organisations


# --- people -------------------------------------------------------------------------------------


@dataclass
class Slot:
    """A person to create, before the database gives it a key."""

    person: Person
    organisation: Organisation
    expertise: list[Term]
    female: bool = False
    past: Organisation | None = None


def email_for(given: str, family: str, domain: str, taken: set[str]) -> str:
    local = re.sub(r"[^a-z0-9.-]", "", ascii_letters(f"{given}.{family}").lower().replace(" ", "-"))
    email, number = f"{local}@{domain}", 2
    while email in taken:
        email, number = f"{local}{number}@{domain}", number + 1
    taken.add(email)
    return email


def organisation_domains(organisations: Sequence[Organisation]) -> dict[int, str]:
    return {org.pk: org.website.removeprefix("https://www.") for org in organisations}


def primary_organisations(
    rng: Random, active: list[Organisation], count: int
) -> list[tuple[Organisation, bool]]:
    """Who works where: one lead per active organisation, the rest by headcount."""
    weights = [PEOPLE_WEIGHT_BY_HEADCOUNT.get(org.headcount, 2) for org in active]
    staff = rng.choices(active, weights=weights, k=max(count - len(active), 0))
    return [(org, True) for org in active] + [(org, False) for org in staff]


def build_people(
    context: DemoContext, fake: Faker, organisations: list[Organisation]
) -> list[Person]:
    rng, today = context.rng, context.now.date()
    terms_by_org = terms_of(organisations)
    process_steps = context.shared["terms"]["process-steps"]
    active = [org for org in organisations if org.status == OrganisationStatus.ACTIVE]
    former = [org for org in organisations if org.status != OrganisationStatus.ACTIVE]
    domains = organisation_domains(organisations)
    taken_emails: set[str] = set()
    slots: list[Slot] = []
    for org, is_lead in primary_organisations(rng, active, PEOPLE - 1):
        female = rng.random() < 0.5
        given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name()
        titles = LEAD_TITLES[org.kind] if is_lead else STAFF_TITLES[org.kind]
        title = rng.choice(titles)[1 if female else 0]
        own_terms = terms_by_org.get(org.pk, [])
        expertise = rng.sample(own_terms, min(len(own_terms), rng.randint(1, 2)))
        if rng.random() < 0.4:
            expertise.append(rng.choice(process_steps))
        person = Person(
            source="demo",
            given_name=given,
            family_name=family,
            email=email_for(given, family, domains[org.pk], taken_emails),
            phone=fictional_phone(rng, org.departement.region.code if org.departement else ""),
            job_title=title,
        )
        slots.append(Slot(person, org, list(dict.fromkeys(expertise)), female=female))
    slots.append(member_slot(context, active, terms_by_org))
    assign_past_organisations(rng, slots, organisations, former)
    people = Person.objects.bulk_create([slot.person for slot in slots])
    Expertise = Person.expertise.through
    Expertise.objects.bulk_create(
        [
            Expertise(person_id=person.pk, term_id=term.pk)
            for person, slot in zip(people, slots, strict=True)
            for term in slot.expertise
        ]
    )
    Affiliation.objects.bulk_create(affiliations(rng, today, slots))
    return people


def member_slot(
    context: DemoContext, active: list[Organisation], terms_by_org: dict[int, list[Term]]
) -> Slot:
    """The demo member account's own record: a startup founder in the region."""
    users = context.shared.get("users") or {}
    user = users.get(Role.MEMBER) or User.objects.filter(email=MEMBER_EMAIL).first()
    startups = [org for org in active if org.kind == Kind.STARTUP and org.scope == Scope.REGIONAL]
    organisation = startups[0] if startups else active[0]
    person = Person(
        source="demo",
        given_name=user.first_name if user else "Maël",
        family_name=user.last_name if user else "Membre",
        email=MEMBER_EMAIL,
        phone="+33261910000",
        job_title="Président fondateur",
        user=user,
    )
    return Slot(person, organisation, terms_by_org.get(organisation.pk, [])[:2])


def assign_past_organisations(
    rng: Random, slots: list[Slot], organisations: list[Organisation], former: list[Organisation]
) -> None:
    """Some people worked elsewhere before; closed and merged organisations keep their alumni."""
    for org in former:
        for slot in rng.sample(slots, rng.randint(1, 4)):
            if slot.past is None and slot.organisation.pk != org.pk:
                slot.past = org
    for slot in slots:
        if slot.past is None and rng.random() < 0.15:
            candidate = rng.choice(organisations)
            if candidate.pk != slot.organisation.pk:
                slot.past = candidate


def affiliations(rng: Random, today: date, slots: list[Slot]) -> list[Affiliation]:
    result = []
    for slot in slots:
        org = slot.organisation
        earliest = max(org.founded_on or date(2000, 1, 1), today - timedelta(days=20 * 365))
        started = random_date(rng, earliest, today - timedelta(days=30))
        result.append(
            Affiliation(
                person=slot.person,
                organisation=org,
                is_primary=True,
                role=slot.person.job_title,
                started_on=started,
            )
        )
        past = slot.past
        if past is None:
            continue
        ended = started - timedelta(days=rng.randrange(0, 120))
        past_founded = past.founded_on or date(1990, 1, 1)
        if ended <= past_founded:
            continue  # the former employer did not exist yet: no past affiliation
        past_started = max(past_founded, ended - timedelta(days=rng.randint(365, 8 * 365)))
        role = rng.choice(STAFF_TITLES[past.kind])[1 if slot.female else 0]
        result.append(
            Affiliation(
                person=slot.person,
                organisation=past,
                is_primary=False,
                role=role,
                started_on=past_started,
                ended_on=ended,
            )
        )
    return result


def terms_of(organisations: list[Organisation]) -> dict[int, list[Term]]:
    result: dict[int, list[Term]] = {}
    Through = Organisation.terms.through
    links = Through.objects.filter(organisation__in=organisations).select_related("term")
    for link in links.order_by("organisation_id", "term__slug"):
        result.setdefault(link.organisation_id, []).append(link.term)
    return result


# --- the step -----------------------------------------------------------------------------------


def run(context: DemoContext) -> None:
    fake = Faker("fr_FR")
    # Faker has its own generator: seed it from ours so the names follow the demo seed.
    fake.seed_instance(context.rng.randrange(2**32))
    organisations = build_organisations(context, fake)
    people = build_people(context, fake, organisations)
    context.shared["organisations"] = organisations
    context.shared["people"] = people
    sync_primary_organisations()
    add_consents_segments_and_relations(context, organisations, people)
    reindex_all()
    context.log(f"Registry: {len(organisations)} organisations, {len(people)} people.")


BASES = [LegalBasis.CONSENT, LegalBasis.LEGITIMATE_INTEREST, LegalBasis.LEGITIMATE_INTEREST]
CHANNELS = [ConsentChannel.FORM, ConsentChannel.EMAIL, ConsentChannel.IN_PERSON]


def add_consents_segments_and_relations(
    context: DemoContext, organisations: list[Organisation], people: list[Person]
) -> None:
    """What an animator has after a while: legal bases, saved segments, tutelles, partners."""
    rng = context.rng
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                person=person,
                purpose=ConsentPurpose.NETWORK,
                legal_basis=LegalBasis.CONSENT
                if rng.random() < 0.4
                else LegalBasis.LEGITIMATE_INTEREST,
                channel=rng.choice(
                    [ConsentChannel.FORM, ConsentChannel.EMAIL, ConsentChannel.IN_PERSON]
                ),
                given_at=context.now - timedelta(days=rng.randrange(30, 1400)),
                source=rng.choice(["Afterwork", "Congrès", "Formulaire du site", "Salon"]),
            )
            for person in people
        ],
        batch_size=1000,
    )
    # The CNIL clock: most people were in touch recently, a few not for more than 3 years.
    for person in people:
        person.last_contact_at = context.now - timedelta(days=int(rng.expovariate(1 / 400)))
    Person.objects.bulk_update(people, ["last_contact_at"], batch_size=1000)
    labs = [o for o in organisations if o.kind == Kind.ACADEMIC_LAB]
    hubs = [o for o in organisations if o.kind in (Kind.PUBLIC_BODY, Kind.INCUBATOR, Kind.CLUSTER)]
    companies = [o for o in organisations if o.kind in (Kind.COMPANY, Kind.STARTUP)]
    relations = {}
    for company in rng.sample(companies, min(40, len(companies))):
        target = rng.choice(labs + hubs)
        relations[(company.pk, target.pk)] = OrganisationRelation(
            source_organisation=company,
            target_organisation=target,
            kind=RelationKind.PARTNER_OF if target in labs else RelationKind.MEMBER_OF,
        )
    for lab in labs[1::3]:
        target = rng.choice(hubs)
        relations[(lab.pk, target.pk)] = OrganisationRelation(
            source_organisation=lab, target_organisation=target, kind=RelationKind.MEMBER_OF
        )
    OrganisationRelation.objects.bulk_create(relations.values())
    for name, slug, lists, query in [
        (
            "PME de bioproduction du 37 et du 45",
            "pme-bioproduction-37-45",
            "organisations",
            {"kind": ["company", "startup"], "dep": ["37", "45"], "headcount": ["10-49", "50-249"]},
        ),
        (
            "Laboratoires académiques de la région",
            "labos-region",
            "organisations",
            {"kind": ["academic_lab"], "scope": ["regional"]},
        ),
        (
            "Contacts à relancer (plus de 3 ans)",
            "contacts-a-relancer",
            "people",
            {"contact": ["expired"]},
        ),
    ]:
        Segment.objects.get_or_create(
            slug=slug, defaults={"name": name, "target": lists, "query": query}
        )


def sync_primary_organisations() -> None:
    """Person.primary_organisation mirrors the primary affiliation (the directory's facets)."""
    primary = dict(
        Affiliation.objects.filter(is_primary=True).values_list("person_id", "organisation_id")
    )
    people = list(Person.objects.filter(pk__in=primary).only("pk"))
    for person in people:
        person.primary_organisation_id = primary[person.pk]
    Person.objects.bulk_update(people, ["primary_organisation"], batch_size=1000)


def reset() -> None:
    """Delete every affiliation, person and organisation (``demo --reset`` rebuilds them)."""
    Segment.objects.all().delete()
    Affiliation.objects.all().delete()
    unindex(DuplicateKind.PERSON, Person.objects.values_list("pk", flat=True))
    unindex(DuplicateKind.ORGANISATION, Organisation.objects.values_list("pk", flat=True))
    Person.objects.all().delete()
    Organisation.objects.all().delete()
