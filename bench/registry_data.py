"""The synthetic registry of `osmose bench registry`: organisations, people and their names.

Names are drawn as in a real population (see :class:`Names`); people are filed with their
organisation's postcode and town, and crowd into a few organisations (Pareto), with the search
index and duplicate keys a real registry has.
"""

import argparse
import itertools
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any


class Names:
    """Given and family names drawn as in a real population: many names, a few common ones.

    French names rank first, then the Latin-script names of Faker's other locales (about 20,000
    of each); a name's weight falls as rank^-s (Zipf), so the commonest family name is about
    0.4 % of people and the commonest given name about 2 %, close to the INSEE figures. A
    synthetic registry drawn from Faker's 215 × 400 French names alone made one person in ten a
    namesake of a colleague, which no real registry is.
    """

    def __init__(self, rng: random.Random) -> None:
        import importlib
        import pkgutil

        import faker.providers.person as providers

        french = importlib.import_module("faker.providers.person.fr_FR").Provider
        given: set[str] = set()
        family: set[str] = set()
        for module in pkgutil.iter_modules(providers.__path__):
            provider = getattr(
                importlib.import_module(f"{providers.__name__}.{module.name}"), "Provider", None
            )
            for names, pool in (
                (getattr(provider, "first_names", ()), given),
                (getattr(provider, "last_names", ()), family),
            ):
                if isinstance(names, dict | list | tuple):
                    pool.update(n for n in names if n and all(ord(ch) < 0x250 for ch in n))
        self.rng = rng
        self.given = self._ranked(list(dict.fromkeys(french.first_names)), given, rng)
        self.family = self._ranked(list(dict.fromkeys(french.last_names)), family, rng)
        self.given_weights = list(
            itertools.accumulate(r**-0.7 for r in range(1, len(self.given) + 1))
        )
        self.family_weights = list(
            itertools.accumulate(r**-0.5 for r in range(1, len(self.family) + 1))
        )

    @staticmethod
    def _ranked(first: list[str], rest: set[str], rng: random.Random) -> list[str]:
        others = sorted(rest - set(first))
        rng.shuffle(others)
        return first + others

    def draw(self) -> tuple[str, str]:
        given = self.rng.choices(self.given, cum_weights=self.given_weights)[0]
        family = self.rng.choices(self.family, cum_weights=self.family_weights)[0]
        return given, family


def mailbox(given: str, family: str) -> str:
    """An address's local part from the names, ASCII only (Faker's names include þ, ð…)."""
    from osmose.core.text import fold

    return re.sub(r"[^a-z0-9.]", "", f"{fold(given)}.{fold(family)}".replace(" ", ""))


def generate(args: argparse.Namespace, log: Callable[[str], Any]) -> dict[str, float]:
    from django.db import connection, transaction

    from osmose.core.models import Commune, Term
    from osmose.registry import search
    from osmose.registry.dedup import PersonRecord, person_blocking_keys
    from osmose.registry.models import (
        Affiliation,
        DuplicateKey,
        DuplicateKind,
        Organisation,
        OrganisationKind,
        Person,
        Sector,
    )

    rng = random.Random(args.seed)
    started = time.monotonic()
    communes = list(
        Commune.objects.filter(departement__region__code="24")
        .select_related("departement")
        .order_by("-population")[:300]
    )
    communes += list(
        Commune.objects.exclude(departement__region__code="24")
        .select_related("departement")
        .order_by("-population")[:300]
    )
    terms = list(Term.objects.values_list("pk", flat=True)) or []
    names = Names(rng)
    words = [
        "bio",
        "pharma",
        "thera",
        "gen",
        "cell",
        "immuno",
        "vacc",
        "prot",
        "loire",
        "cher",
        "touraine",
        "sologne",
        "beauce",
        "orléans",
        "médical",
        "process",
        "lab",
        "analyt",
    ]
    kinds = [k.value for k in OrganisationKind]
    with transaction.atomic():
        organisations = []
        for index in range(args.orgs):
            commune = communes[int(rng.paretovariate(1.2)) % len(communes)]
            kind = rng.choice(kinds)
            name = " ".join(rng.sample(words, 2)).title() + f" {index}"
            organisations.append(
                Organisation(
                    name=name,
                    kind=kind,
                    sector=Sector.PUBLIC
                    if kind in ("academic_lab", "hospital", "public_body")
                    else Sector.PRIVATE,
                    scope="regional"
                    if commune.departement.region_id
                    and commune.departement.code in ("18", "28", "36", "37", "41", "45")
                    else "national",
                    headcount=rng.choice(["1-9", "10-49", "50-249", "250-999", ""]),
                    is_jei=rng.random() < 0.1,
                    postcode=(commune.postcodes or [""])[0],
                    city=commune.name,
                    commune=commune,
                    departement=commune.departement,
                    latitude=commune.latitude,
                    longitude=commune.longitude,
                    source="bench",
                    description_fr=f"Thérapie génique, bioproduction et {rng.choice(words)}",
                )
            )
        Organisation.objects.bulk_create(organisations, batch_size=5000)
        through = Organisation.terms.through
        if terms:
            through.objects.bulk_create(
                [
                    through(organisation_id=o.pk, term_id=t)
                    for o in organisations
                    for t in rng.sample(terms, 2)
                ],
                batch_size=10000,
            )
        term_ids = defaultdict(list)
        for organisation_id, term_id in through.objects.values_list("organisation_id", "term_id"):
            term_ids[organisation_id].append(term_id)

        def facet_words(o: Any) -> str:
            pairs = [
                ("kind", o.kind),
                ("sector", o.sector),
                ("scope", o.scope),
                ("status", o.status),
                ("headcount", o.headcount),
                ("jei", "yes" if o.is_jei else "no"),
                ("dep", o.departement.code),
            ]
            pairs += [("term", t) for t in term_ids[o.pk]]
            return " ".join(search.facet_token(p, v) for p, v in pairs if v)

        search.index_documents(
            "organisation",
            [
                (o.pk, f"{o.name} {o.description_fr} {o.city} {facet_words(o)}")
                for o in organisations
            ],
        )
        person_words = {
            o.pk: " ".join(
                search.facet_token(p, v)
                for p, v in [("kind", o.kind), ("sector", o.sector), ("dep", o.departement.code)]
            )
            for o in organisations
        }
    log(f"{args.orgs} organisations in {time.monotonic() - started:.0f} s")
    batch = 50_000
    for start in range(0, args.people, batch):
        with transaction.atomic():
            people, affiliations = [], []
            for _index in range(start, min(args.people, start + batch)):
                given, family = names.draw()
                organisation = organisations[int(rng.paretovariate(1.1)) % len(organisations)]
                people.append(
                    Person(
                        given_name=given,
                        family_name=family,
                        email=f"{mailbox(given, family)}.{_index}@example.org",
                        postcode=organisation.postcode,
                        city=organisation.city,
                        source="bench",
                        primary_organisation_id=organisation.pk,
                    )
                )
            Person.objects.bulk_create(people, batch_size=5000)
            for person in people:
                affiliations.append(
                    Affiliation(
                        person_id=person.pk,
                        organisation_id=person.primary_organisation_id,
                        is_primary=True,
                    )
                )
            Affiliation.objects.bulk_create(affiliations, batch_size=10000)
            org_names = {o.pk: o.name for o in organisations}
            search.index_documents(
                "person",
                [
                    (
                        p.pk,
                        f"{p.given_name} {p.family_name} {p.email} "
                        f"{org_names[p.primary_organisation_id]}"
                        f" {p.city} {person_words[p.primary_organisation_id]}",
                    )
                    for p in people
                ],
            )
            DuplicateKey.objects.bulk_create(
                [
                    DuplicateKey(kind=DuplicateKind.PERSON, key=key[:80], object_id=p.pk)
                    for p in people
                    for key in person_blocking_keys(
                        PersonRecord(
                            id=p.pk,
                            given_name=p.given_name,
                            family_name=p.family_name,
                            email=p.email,
                            postcode=p.postcode,
                            city=p.city,
                        )
                    )
                ],
                batch_size=10000,
            )
        log(f"{min(args.people, start + batch)} people in {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"generate_seconds": round(time.monotonic() - started, 1)}
