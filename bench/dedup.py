"""Duplicate detection: quality on labelled sets, speed and memory of the batch scan.

    osmose bench dedup [--set febrl1|febrl2|fake1000|synthetic|all] [--people N] [--seed S]

Quality sets (third-party, read from ../shared/data/dedup, never copied into the repository):
Febrl dataset1/dataset2 imported with names and addresses only, and splink's fake_1000 with
names, city and e-mail only. ``synthetic`` generates N French people (Faker's fr_FR word
lists, deterministic seed) with households and injected duplicates, and times ``scan_people``
on them. Figures are pairwise: precision and recall of the pairs at or above ``LIKELY``;
the synthetic set's times include generating the people, which the scan consumes as they
come.
"""

import argparse
import csv
import itertools
import random
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from osmose.registry.dedup import LIKELY, BlockingStats, PersonRecord, scan_people

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dedup"
Pair = tuple[int, int]


def febrl_people(path: Path) -> tuple[list[PersonRecord], set[Pair]]:
    """Febrl records as people (names and address only) and the true duplicate pairs."""
    records = []
    entities: dict[str, list[int]] = defaultdict(list)
    with path.open(newline="") as file:
        rows = csv.reader(file, skipinitialspace=True)
        header = [name.strip() for name in next(rows)]
        for position, values in enumerate(rows):
            row = dict(zip(header, (value.strip() for value in values), strict=True))
            street_parts = (row["street_number"], row["address_1"], row["address_2"])
            records.append(
                PersonRecord(
                    id=position + 1,
                    external_id=row["rec_id"],
                    given_name=row["given_name"],
                    family_name=row["surname"],
                    street=" ".join(part for part in street_parts if part),
                    city=row["suburb"],
                    postcode=row["postcode"],
                )
            )
            entities[row["rec_id"].split("-")[1]].append(position + 1)
    return records, _pairs_of(entities.values())


def splink_people(path: Path) -> tuple[list[PersonRecord], set[Pair]]:
    """splink's fake_1000 as people (names, city, e-mail) and the true duplicate pairs."""
    records = []
    clusters: dict[str, list[int]] = defaultdict(list)
    with path.open(newline="") as file:
        for position, row in enumerate(csv.DictReader(file)):
            records.append(
                PersonRecord(
                    id=position + 1,
                    external_id=row["unique_id"],
                    given_name=row["first_name"],
                    family_name=row["surname"],
                    city=row["city"],
                    email=row["email"],
                )
            )
            clusters[row["cluster"]].append(position + 1)
    return records, _pairs_of(clusters.values())


def _pairs_of(groups: Any) -> set[Pair]:
    return {(a, b) for ids in groups for a, b in itertools.combinations(sorted(ids), 2)}


# --- Synthetic French people --------------------------------------------------------------


def synthetic_people(
    count: int, seed: int = 20240611, duplicate_rate: float = 0.1, household_rate: float = 0.05
) -> tuple[Iterator[PersonRecord], set[Pair]]:
    """``count`` people: originals, household members (same family name and address, another
    given name: not duplicates) and duplicates of earlier people with typical entry errors.

    Returns a generator of records (so the scan sees each once and the benchmark does not
    hold them) and the set of true duplicate pairs, which is filled as the generator runs.
    """
    from faker.providers.address.fr_FR import Provider as Address
    from faker.providers.person.fr_FR import Provider as Person

    rng = random.Random(seed)
    given_names = [name for name in Person.first_names if " " not in name]
    family_names = list(Person.last_names)
    domains = ["orange.fr", "gmail.com", "free.fr", "univ-tours.fr", "cnrs.fr", "sanofi.com"]
    # About one postcode per 170 people and one city per postcode, like France's 6,000.
    localities = [
        (f"{rng.randint(1, 95):02d}{rng.randint(0, 99) * 10:03d}", _city(rng, family_names))
        for _ in range(max(10, count // 170))
    ]
    truth: set[Pair] = set()

    def new_person(person_id: int) -> PersonRecord:
        given, family = rng.choice(given_names), rng.choice(family_names)
        postcode, city = rng.choice(localities)
        return PersonRecord(
            id=person_id,
            external_id=f"p{person_id}",
            given_name=given,
            family_name=family,
            email=_email(rng, given, family, domains) if rng.random() < 0.7 else "",
            phone=_phone(rng) if rng.random() < 0.5 else "",
            street=_street(rng, Address.street_prefixes, given_names, family_names),
            postcode=postcode,
            city=city,
        )

    def records() -> Iterator[PersonRecord]:
        kept: list[PersonRecord] = []  # a sample of earlier people to duplicate
        entity_of: dict[int, int] = {}  # person id -> id of the first record of its entity
        members: dict[int, list[int]] = {}
        for person_id in range(1, count + 1):
            draw = rng.random()
            if kept and draw < duplicate_rate:
                original = rng.choice(kept)
                record = _corrupt(rng, original, person_id, domains)
                entity = entity_of.setdefault(original.id, original.id)
                group = members.setdefault(entity, [original.id])
                truth.update((other, person_id) for other in group)
                group.append(person_id)
                entity_of[person_id] = entity
            elif kept and draw < duplicate_rate + household_rate:
                relative = rng.choice(kept)
                record = new_person(person_id)
                given = rng.choice([n for n in given_names if n != relative.given_name][:200])
                record.given_name = given
                record.family_name = relative.family_name
                record.street, record.postcode, record.city = (
                    relative.street, relative.postcode, relative.city
                )  # fmt: skip
                record.email = _email(rng, given, relative.family_name, domains)
            else:
                record = new_person(person_id)
            # Households and duplicates start from people first seen (not from duplicates
            # or relatives); a bounded sample keeps memory flat at a million people.
            if draw < duplicate_rate + household_rate:
                pass
            elif len(kept) < 50_000:
                kept.append(record)
            else:
                kept[rng.randrange(len(kept))] = record
            yield record

    return records(), truth


_SYLLABLES = (
    "beau",
    "mont",
    "ville",
    "court",
    "lac",
    "ron",
    "ches",
    "mar",
    "vil",
    "lieu",
    "bois",
    "val",
    "ter",
    "gny",
    "ac",
    "ay",
    "roche",
    "fon",
    "taine",
    "mer",
    "pré",
    "lan",
    "sey",
)


def _city(rng: random.Random, family_names: list[str]) -> str:
    base = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return rng.choice(
        [
            base,
            f"Saint-{base}",
            f"{base}-sur-Loire",
            f"Le {base}",
            f"{rng.choice(family_names)}-{base}",
        ]
    )


def _email(rng: random.Random, given: str, family: str, domains: list[str]) -> str:
    from osmose.registry.dedup.normalise import normalise_text

    local = normalise_text(given).replace(" ", "-") + "." + normalise_text(family).replace(" ", "")
    return f"{local}{rng.randint(1, 999) if rng.random() < 0.5 else ''}@{rng.choice(domains)}"


def _phone(rng: random.Random) -> str:
    number = f"0{rng.choice('1234567')}{rng.randint(0, 99_999_999):08d}"
    return " ".join(number[i : i + 2] for i in range(0, 10, 2))


def _street(
    rng: random.Random, prefixes: tuple[str, ...], given: list[str], family: list[str]
) -> str:
    name = rng.choice(family)
    if rng.random() < 0.3:
        name = f"{rng.choice(given)} {name}"
    return f"{rng.randint(1, 150)} {rng.choice(prefixes)} {name}"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    operation = rng.randrange(4)
    if operation == 0:
        return text[:position] + text[position + 1 :]
    if operation == 1:
        return text[:position] + letter + text[position:]
    if operation == 2:
        return text[:position] + letter + text[position + 1 :]
    return text[: position - 1] + text[position] + text[position - 1] + text[position + 1 :]


def _corrupt(
    rng: random.Random, original: PersonRecord, person_id: int, domains: list[str]
) -> PersonRecord:
    record = PersonRecord(**{name: getattr(original, name) for name in PersonRecord.__slots__})
    record.id, record.external_id = person_id, f"p{person_id}"
    for _ in range(rng.randint(1, 3)):
        error = rng.randrange(10)
        if error == 0:
            record.given_name = _typo(rng, record.given_name)
        elif error == 1:
            record.family_name = _typo(rng, record.family_name)
        elif error == 2:
            record.given_name, record.family_name = record.family_name, record.given_name
        elif error == 3:
            record.family_name = record.family_name.upper()
            record.given_name = record.given_name.lower()
        elif error == 4:
            record.email = ""
        elif error == 5:
            record.phone = record.phone.replace(" ", "").replace("0", "+33 ", 1)
        elif error == 6:
            record.street = record.street.replace("avenue", "av.").replace("boulevard", "bd")
            record.street = _typo(rng, record.street)
        elif error == 7:
            record.street, record.postcode, record.city = "", "", ""
        elif error == 8:
            record.postcode = _typo(rng, record.postcode).ljust(5, "0")[:5]
        else:
            record.email = _email(rng, record.given_name, record.family_name, domains)
    return record


# --- Measurement --------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _evaluate(records: Any, truth: set[Pair], log: Callable[[str], Any]) -> dict[str, Any]:
    stats = BlockingStats()
    started, cpu_started = time.perf_counter(), time.process_time()
    found = {(m.a_id, m.b_id) for m in scan_people(records, threshold=LIKELY, stats=stats)}
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    figures = {
        "records": stats.records,
        "true_pairs": len(truth),
        "pairs_printed": len(found),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "candidate_pairs": stats.candidate_pairs,
        "largest_block": stats.largest_block,
        "seconds": round(seconds, 2),
        # On a shared machine the wall time includes waiting for a core.
        "cpu_seconds": round(cpu_seconds, 2),
        "peak_rss_mb": _peak_rss_mb(),
    }
    log(f"{figures}")
    return figures


def run(argv: list[str], log: Callable[[str], Any]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="osmose bench dedup", description=__doc__)
    sets = ["febrl1", "febrl2", "fake1000", "synthetic"]
    parser.add_argument("--set", choices=[*sets, "all"], default="all")
    parser.add_argument("--people", type=int, default=100_000, help="synthetic people")
    parser.add_argument("--seed", type=int, default=20240611)
    options = parser.parse_args(argv)
    loaders: dict[str, Callable[[], tuple[Any, set[Pair]]]] = {
        "febrl1": lambda: febrl_people(DATA / "dataset1.csv"),
        "febrl2": lambda: febrl_people(DATA / "dataset2.csv"),
        "fake1000": lambda: splink_people(DATA / "fake_1000.csv"),
        "synthetic": lambda: synthetic_people(options.people, seed=options.seed),
    }
    figures: dict[str, Any] = {"threshold": LIKELY}
    for name in sets if options.set == "all" else [options.set]:
        log(f"dedup: {name}…")
        records, truth = loaders[name]()
        figures[name] = _evaluate(records, truth, log)
    return figures
