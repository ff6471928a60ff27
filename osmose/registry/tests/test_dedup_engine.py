"""Duplicate detection engine: normalisation, scoring, blocking and the batch scan.

Pure functions on plain records: no database.
"""

import csv
import itertools
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
