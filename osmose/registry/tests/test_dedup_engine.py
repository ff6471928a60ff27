"""Duplicate detection engine: normalisation, scoring, blocking and the batch scan.

Pure functions on plain records: no database.
"""

import csv
import itertools
import random
from collections import defaultdict
from pathlib import Path

from osmose.registry.dedup import (
    LIKELY,
    POSSIBLE,
    OrganisationRecord,
    PersonRecord,
    find_person_matches,
    normalise_email,
    normalise_organisation_name,
    normalise_phone,
    normalise_postcode,
    normalise_text,
    organisation_blocking_keys,
    person_blocking_keys,
    scan_organisations,
    scan_people,
    score_organisations,
    score_people,
)
from osmose.registry.dedup.bounds import best_person_match, person_score_bounds

DEDUP_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "dedup"


def person(id: int, given: str, family: str, **fields: str) -> PersonRecord:
    return PersonRecord(id=id, external_id=f"P{id}", given_name=given, family_name=family, **fields)


def test_it_normalises_accents_case_and_punctuation() -> None:
    assert normalise_text("  Émilie-Hélène  D'ARC ") == "emilie helene d arc"
    assert normalise_text("Œuvre") == "oeuvre"
    assert normalise_text("") == ""


def test_it_drops_legal_forms_from_organisation_names() -> None:
    assert normalise_organisation_name("BIOPROD SAS") == normalise_organisation_name("Bioprod")
    assert normalise_organisation_name("Bioprod S.A.R.L.") == "bioprod"
    assert normalise_organisation_name("GIE Pharma Centre") == "pharma centre"


def test_it_expands_abbreviations_in_organisation_names() -> None:
    assert normalise_organisation_name("Univ. de Tours") == normalise_organisation_name(
        "Université de Tours"
    )
    assert normalise_organisation_name("Lab. Dupont & Cie") == "laboratoire dupont compagnie"
    assert normalise_organisation_name("Sté des eaux") == "societe eaux"
    assert normalise_organisation_name("Ste Anne") == "sainte anne"
    assert normalise_organisation_name("St-Avertin") == "saint avertin"


def test_it_normalises_contact_details() -> None:
    assert normalise_email(" Jean.Dupont@Example.FR ") == "jean.dupont@example.fr"
    assert normalise_email("not an address") == ""
    assert normalise_phone("02 47 36 70 00") == "+33247367000"
    assert normalise_phone("+33 (0)2 47 36 70 00") == "+33247367000"
    assert normalise_phone("n/a") == ""
    assert normalise_postcode("F-37 000") == "37000"


def test_it_matches_organisations_whatever_their_legal_form() -> None:
    a = OrganisationRecord(id=1, name="BIOPROD SAS", city="Tours", postcode="37000")
    b = OrganisationRecord(id=2, name="Bioprod", city="TOURS", postcode="37000")
    match = score_organisations(a, b)
    assert match.score >= LIKELY
    assert "same_name" in match.reasons


def test_it_matches_university_abbreviations() -> None:
    a = OrganisationRecord(id=1, name="Univ. de Tours")
    b = OrganisationRecord(id=2, name="Université de Tours", city="Tours")
    assert score_organisations(a, b).score >= LIKELY


def test_it_matches_organisations_with_the_same_siren_whatever_their_names() -> None:
    a = OrganisationRecord(id=1, name="Alpha Biotech", siren="552 100 554")
    b = OrganisationRecord(id=2, name="Omega Holding", siret="55210055400013")
    match = score_organisations(a, b)
    assert match.score >= LIKELY
    assert "same_siren" in match.reasons


def test_it_does_not_match_organisations_with_different_sirens_and_names() -> None:
    a = OrganisationRecord(id=1, name="Alpha Biotech", siren="552100554", city="Tours")
    b = OrganisationRecord(id=2, name="Omega Holding", siren="732829320", city="Tours")
    assert score_organisations(a, b).score < POSSIBLE


def test_it_matches_an_acronym_with_the_full_name() -> None:
    a = OrganisationRecord(id=1, name="CNRS", city="Orléans")
    b = OrganisationRecord(
        id=2, name="Centre national de la recherche scientifique", city="Orleans"
    )
    assert "same_acronym" in score_organisations(a, b).reasons
    assert organisation_blocking_keys(a) & organisation_blocking_keys(b)


def test_it_matches_people_with_the_same_email() -> None:
    a = person(1, "Jean", "Dupont", email="jean.dupont@example.fr")
    b = person(2, "J.", "Dupond", email="Jean.Dupont@example.fr", city="Tours")
    match = score_people(a, b)
    assert match.score >= LIKELY
    assert "same_email" in match.reasons


def test_it_matches_swapped_given_and_family_names() -> None:
    a = person(1, "Marlow", "Fraser", street="8 rue Nationale", postcode="37000")
    b = person(2, "Fraser", "Marlow", street="8, rue Nationale", postcode="37000")
    match = score_people(a, b)
    assert match.score >= LIKELY
    assert "swapped_names" in match.reasons


def test_it_matches_names_and_addresses_with_typos() -> None:
    a = person(1, "Teegan", "Dreckow", street="6 avenue de Grammont", postcode="37000",
               city="Tours")  # fmt: skip
    b = person(2, "Teegan", "Dreckwo", street="6 av. de Gramont", postcode="37001",
               city="TOURS")  # fmt: skip
    assert score_people(a, b).score >= LIKELY


def test_it_does_not_match_family_members_at_the_same_address() -> None:
    home = {"street": "12 rue des Halles", "postcode": "37000", "city": "Tours"}
    mother = person(1, "Marie", "Dupont", **home)
    son = person(2, "Lucas", "Dupont", **home)
    assert score_people(mother, son).score < POSSIBLE
    assert list(scan_people([mother, son], threshold=POSSIBLE)) == []


def test_it_does_not_match_feminine_and_masculine_forms_of_a_given_name() -> None:
    a = person(1, "Jean", "Martin", postcode="45000", city="Orléans",
               email="jean.martin@univ-orleans.fr")  # fmt: skip
    b = person(2, "Jeanne", "Martin", postcode="45000", city="Orléans",
               email="jeanne.martin@cnrs.fr")  # fmt: skip
    assert score_people(a, b).score < LIKELY


def test_it_does_not_take_a_name_alone_for_a_likely_duplicate() -> None:
    assert score_people(person(1, "Jean", "Martin"), person(2, "Jean", "Martin")).score >= POSSIBLE
    assert score_people(person(1, "Jean", "Martin"), person(2, "Jean", "Martin")).score < LIKELY


def test_it_does_not_match_colleagues_filed_with_their_organisations_town() -> None:
    town = {"postcode": "18000", "city": "Bourges"}
    marie = person(1, "Marie", "Martin", email="marie.martin@bioprod.fr", **town)
    assert score_people(marie, person(2, "Marie", "Durand", **town)).score < POSSIBLE
    assert score_people(marie, person(3, "Paul", "Martin", **town)).score < POSSIBLE
    assert score_people(marie, person(4, "Martin", "Lefèvre", **town)).score < POSSIBLE
    # A married name with the same e-mail is still the same person.
    married = person(5, "Marie", "Durand", email="marie.martin@bioprod.fr", **town)
    assert score_people(marie, married).score >= LIKELY


def test_it_does_not_take_colleagues_addresses_or_namesakes_details_for_a_match() -> None:
    # Two mailboxes at one long domain are not a typo of each other.
    sophie = person(1, "Sophie", "Albert", email="sophie.albert@ecole-bioprocedes-gatinais.fr")
    jacqueline = person(
        2, "Jacqueline", "Albert", email="jacqueline.albert@ecole-bioprocedes-gatinais.fr"
    )
    assert "similar_email" not in " ".join(score_people(sophie, jacqueline).reasons)
    assert score_people(sophie, jacqueline).score < POSSIBLE
    # A typo in the mailbox still is.
    typo = person(3, "Sophie", "Albert", email="sophie.albret@ecole-bioprocedes-gatinais.fr")
    assert score_people(sophie, typo).score >= LIKELY
    # Namesakes at two organisations, every contact detail different: at most possible.
    a = person(4, "Raymond", "Lebrun", email="r.lebrun@elyline.fr", phone="06 39 98 48 69")
    b = person(5, "Raymond", "Lebrun", email="r.lebrun@oranxis.fr", phone="06 39 98 90 18")
    assert POSSIBLE <= score_people(a, b).score < LIKELY


def test_it_finds_matches_among_candidates_best_first() -> None:
    record = person(1, "Alice", "Durand", email="alice@example.fr", postcode="37000")
    candidates = [
        person(2, "Alice", "Durant", city="Tours"),
        person(3, "Alicia", "Durand", email="alice@example.fr", postcode="37000"),
        person(4, "Bruno", "Petit", postcode="37000"),
        record,
    ]
    matches = find_person_matches(record, candidates)
    assert [(m.a_id, m.b_id) for m in matches] == [(1, 3), (1, 2)]
    assert matches[0].score > matches[1].score


def test_it_reports_each_pair_once_and_skips_remembered_decisions() -> None:
    records = [
        person(1, "Alice", "Durand", email="alice@example.fr", postcode="37000"),
        person(2, "Alice", "Durand", email="alice@example.fr", postcode="37000"),
        person(3, "Alice", "Durand", email="alice@example.fr", postcode="37000"),
        person(4, "Bruno", "Petit", email="bruno@example.fr", postcode="37000"),
    ]
    pairs = [(m.a_id, m.b_id) for m in scan_people(records)]
    assert sorted(pairs) == [(1, 2), (1, 3), (2, 3)]
    remembered = {(1, 3)}
    assert sorted((m.a_id, m.b_id) for m in scan_people(records, exclude=remembered)) == [
        (1, 2),
        (2, 3),
    ]


def test_it_scans_organisations() -> None:
    records = [
        OrganisationRecord(id=1, name="BIOPROD SAS", postcode="37000"),
        OrganisationRecord(id=2, name="Bioprod", postcode="37000"),
        OrganisationRecord(id=3, name="Genopharm", postcode="37000"),
    ]
    assert [(m.a_id, m.b_id) for m in scan_organisations(records)] == [(1, 2)]


def test_it_gives_intersecting_blocking_keys_to_obvious_duplicates() -> None:
    a = person(1, "Émilie", "Lefèvre", street="3 rue Colbert", postcode="37000", city="Tours")
    b = person(2, "Emilie", "LEFEVRE", street="3, rue Colbert", postcode="37000", city="TOURS")
    c = person(3, "Lefevre", "Emilie", postcode="37100", city="Tours")
    assert person_blocking_keys(a) & person_blocking_keys(b)
    assert person_blocking_keys(a) & person_blocking_keys(c)
    d = OrganisationRecord(id=4, name="Bioprod SAS", siren="552100554")
    e = OrganisationRecord(id=5, name="BIOPROD", postcode="37000")
    assert organisation_blocking_keys(d) & organisation_blocking_keys(e)


def _febrl_people(path: Path) -> tuple[list[PersonRecord], set[tuple[int, int]]]:
    records, entities = [], defaultdict(list)
    with path.open(newline="") as file:
        rows = csv.reader(file, skipinitialspace=True)
        header = [name.strip() for name in next(rows)]
        for number, values in enumerate(rows, start=1):
            row = dict(zip(header, (value.strip() for value in values), strict=True))
            street = (row["street_number"], row["address_1"], row["address_2"])
            records.append(
                person(number, row["given_name"], row["surname"],
                       street=" ".join(part for part in street if part),
                       postcode=row["postcode"], city=row["suburb"])
            )  # fmt: skip
            entities[row["rec_id"].split("-")[1]].append(number)
    truth = {pair for ids in entities.values() for pair in itertools.combinations(ids, 2)}
    return records, {(min(a, b), max(a, b)) for a, b in truth}


def test_it_finds_the_febrl_duplicates_with_precision_and_recall_above_97_percent() -> None:
    records, truth = _febrl_people(DEDUP_DATA / "dataset1.csv")
    found = {(m.a_id, m.b_id) for m in scan_people(records)}
    true_positives = len(found & truth)
    assert true_positives / len(found) >= 0.97
    assert true_positives / len(truth) >= 0.97


def _blocked_pairs(records: list[PersonRecord]) -> dict[int, list[PersonRecord]]:
    """Each record's candidates as an import finds them: records sharing a blocking key."""
    buckets: dict[str, list[PersonRecord]] = defaultdict(list)
    for record in records:
        for key in person_blocking_keys(record):
            buckets[key].append(record)
    candidates: dict[int, dict[int, PersonRecord]] = defaultdict(dict)
    for members in buckets.values():
        if len(members) <= 100:
            for a, b in itertools.permutations(members, 2):
                candidates[a.id][b.id] = b
    return {i: list(found.values()) for i, found in candidates.items()}


def _synthetic_people(count: int) -> list[PersonRecord]:
    """Namesakes in a few towns, a tenth of them retyped with slips (like the registry bench)."""
    rng = random.Random(11)
    given = ["Jean", "Jeanne", "Marie", "Pierre", "Louis", "Louise", "Michel", "Michèle",
             "Anne", "Paul", "Paula", "Jean-Pierre", "J", "Camille", "Luc", "Lucie"]  # fmt: skip
    family = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Le Gall", "Legall", "Marie"]  # fmt: skip
    towns = [("37000", "Tours"), ("37100", "Tours"), ("45000", "Orléans"), ("18000", "Bourges")]
    streets = ["rue Nationale", "avenue de Grammont", "bd Béranger", "rue Colbert", "place Plum"]
    people: list[PersonRecord] = []
    for number in range(1, count + 1):
        if people and rng.random() < 0.1:
            model = rng.choice(people)
            slip = rng.choice(["given", "family", "postcode", "street", "swap", "email"])
            values = {
                "given_name": model.given_name, "family_name": model.family_name,
                "email": model.email, "phone": model.phone, "street": model.street,
                "postcode": model.postcode, "city": model.city,
            }  # fmt: skip
            if slip == "swap":
                values["given_name"], values["family_name"] = model.family_name, model.given_name
            elif slip == "email" and values["email"]:
                values["email"] = values["email"].replace("@", "x@", 1)
            else:
                field = {"given": "given_name", "family": "family_name"}.get(slip, slip)
                text = values[field]
                if text:
                    cut = rng.randrange(len(text))
                    values[field] = text[:cut] + text[cut + 1 :]
            people.append(PersonRecord(id=number, **values))
            continue
        postcode, city = rng.choice(towns)
        first, last = rng.choice(given), rng.choice(family)
        people.append(
            PersonRecord(
                id=number,
                given_name=first if rng.random() > 0.05 else "",
                family_name=last,
                email=f"{first[0]}.{last}@example.org".lower() if rng.random() < 0.4 else "",
                phone=f"02 47 {rng.randrange(10, 99)} 00 0{rng.randrange(10)}"
                if rng.random() < 0.3
                else "",
                street=f"{rng.randrange(1, 30)} {rng.choice(streets)}"
                if rng.random() < 0.8
                else "",
                postcode=postcode if rng.random() < 0.9 else "",
                city=city if rng.random() < 0.9 else "",
            )
        )
    return people


def _check_bounds(records: list[PersonRecord]) -> int:
    by_id = {r.id: r for r in records}
    blocked = _blocked_pairs(records)
    pairs = [(by_id[i], other) for i, candidates in blocked.items() for other in candidates]
    bounds = person_score_bounds(pairs)
    for (record, other), bound in zip(pairs, bounds, strict=True):
        exact = score_people(record, other).score
        assert exact <= bound, (record, other, exact, bound)
    start = 0
    for record_id, candidates in blocked.items():
        record = by_id[record_id]
        own = bounds[start : start + len(candidates)]
        start += len(candidates)
        expected = find_person_matches(record, candidates, threshold=POSSIBLE)
        assert best_person_match(record, candidates, own, POSSIBLE) == (
            expected[0] if expected else None
        )
    return len(pairs)


def test_it_never_bounds_a_pair_below_its_score_on_the_febrl_sets() -> None:
    # The import scores only the candidates whose bound could beat the best so far: a bound
    # below a score could drop a duplicate, or change which one is reported.
    for name in ("dataset1.csv", "dataset2.csv"):
        records, _truth = _febrl_people(DEDUP_DATA / name)
        assert _check_bounds(records) > 1_000


def test_it_never_bounds_a_pair_below_its_score_among_namesakes() -> None:
    assert _check_bounds(_synthetic_people(600)) > 10_000


def test_it_bounds_the_edge_cases_of_the_scorer() -> None:
    cases = [
        (person(1, "Jean", "Martin"), person(2, "Jeanne", "Martin")),  # gender variants
        (person(1, "Martin", "Jean", city="Tours"), person(2, "Jean", "Martin", city="Tours")),
        (person(1, "Paul", "Petit", street="3 rue Colbert", postcode="37000"),
         person(2, "Luc", "Petit", street="3 rue Colbert", postcode="37000")),  # household
        (person(1, "Anne", "Simon"), person(2, "Anne", "Simon")),  # names alone
        (person(1, "A", "Simon", postcode="37000", city="Tours"),
         person(2, "Anne", "Simon", postcode="37100", city="Tour")),
        (person(1, "Anne", "Le Gall", email="anne.legall@example.org"),
         person(2, "Anne", "Legall", email="anne.legal@example.org")),
        (person(1, "Anne", "Simon", street="bâtiment B 12 rue des Lilas", city="Saint-Cyr"),
         person(2, "Anne", "Simon", street="12 rue des Lilas", city="St Cyr sur Loire")),
        (person(1, "", "Simon", phone="0247000000", postcode="18000", city="Bourges"),
         person(2, "Anne", "", phone="+33 2 47 00 00 00", postcode="45000", city="Orléans")),
    ]  # fmt: skip
    bounds = person_score_bounds(cases)
    for (a, b), bound in zip(cases, bounds, strict=True):
        assert score_people(a, b).score <= bound
    # Exact where nothing is uncertain: the same names and nothing else.
    assert bounds[3] == score_people(*cases[3]).score
