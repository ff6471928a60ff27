import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from osmose.registry.models import (
    Affiliation,
    ImportBatch,
    ImportMapping,
    ImportRow,
    Organisation,
    Person,
    PersonExternalId,
)
from osmose.registry.tests import factories

PEOPLE = [
    ["external_id", "given_name", "family_name", "email", "phone", "job_title", "organisation",
     "street", "postcode", "city", "country", "badge"],
    ["p1", "Inès", "Lefèvre", "ines@glyco.example", "02 47 00 00 00", "Chercheuse",
     "Labo Glyco", "1 rue Dupont", "37000", "Tours", "FR", "VIP"],
    ["p2", "Marc", "Petit", "marc@bioprod.example", "", "CEO", "BioProd", "", "45000",
     "Orléans", "", ""],
    ["p3", "Sans", "Email", "pas-un-email", "", "", "", "", "", "", "", ""],
    ["p4", "", "", "", "", "", "", "", "", "", "", ""],
    ["p5", "Ines", "Lefevre", "ines.lefevre@perso.example", "", "", "", "1 rue Dupont",
     "37000", "Tours", "", ""],
]  # fmt: skip


def _csv(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _write(tmp_path: Path, content: bytes, name="people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _import(path, *args):
    out = io.StringIO()
    with translation.override("en"):  # the reasons are written in the active language
        call_command("import", "people", str(path), "--source", "salon", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_people_and_says_what_it_did(db, tmp_path):
    output = _import(_write(tmp_path, _csv(PEOPLE)))
    assert "created: 2" in output and "rejected: 2" in output and "duplicate: 1" in output
    ines = Person.objects.get(email="ines@glyco.example")
    assert ines.phone == "+33247000000"
    assert ines.source == "import:salon"
    assert ines.field_sources["email"]["source"] == "salon"
    assert ines.source_data == {"badge": "VIP"}  # an unknown column is kept, not lost
    assert ines.primary_organisation is not None
    assert ines.primary_organisation.name == "Labo Glyco"
    assert Affiliation.objects.get(person=ines).role == "Chercheuse"
    batch = ImportBatch.objects.get()
    rejected = {r.line: r.reasons for r in batch.rows.filter(action=ImportRow.Action.REJECTED)}
    assert rejected[4] == ["email: This e-mail address is not valid."]
    assert "required" in rejected[5][0]
    duplicate = batch.rows.get(action=ImportRow.Action.DUPLICATE)
    assert duplicate.line == 6 and "line" in duplicate.reasons[0]


def test_importing_the_same_file_again_changes_nothing(db, tmp_path):
    path = _write(tmp_path, _csv(PEOPLE))
    _import(path)
    counts = (Person.objects.count(), Organisation.objects.count(), Affiliation.objects.count())
    output = _import(path)
    assert "created" not in output and "unchanged: 3" in output
    assert (
        Person.objects.count(),
        Organisation.objects.count(),
        Affiliation.objects.count(),
    ) == counts


def test_imported_people_are_found_in_the_directory(animator_client, db, tmp_path):
    lab = factories.organisation(name="Labo Glyco", kind="academic_lab", sector="public")
    _import(_write(tmp_path, _csv(PEOPLE)))

    def found(**query):
        listed = animator_client.get(reverse("registry:people"), query)
        return {p.email for p in listed.context["page"].object_list}

    ines = Person.objects.get(email="ines@glyco.example")
    assert ines.primary_organisation == lab
    assert found(q="lefevre ines") == {"ines@glyco.example", "ines.lefevre@perso.example"}
    # Through the organisation's name and its facets, both written by the import.
    assert found(q="glyco") == {"ines@glyco.example"}
    assert found(sector="public") == {"ines@glyco.example"}
    assert found(q="bioprod") == {"marc@bioprod.example"}


def test_a_second_file_updates_by_external_id_without_erasing(db, tmp_path):
    _import(_write(tmp_path, _csv(PEOPLE)))
    update = [
        PEOPLE[0],
        ["p2", "Marc", "Petit", "", "06 12 34 56 78", "CSO", "", "", "", "", "", ""],
    ]
    output = _import(_write(tmp_path, _csv(update), name="update.csv"))
    assert "updated: 1" in output
    marc = Person.objects.get(external_ids__value="p2")
    assert marc.job_title == "CSO" and marc.phone == "+33612345678"
    assert marc.email == "marc@bioprod.example"  # the empty cell did not erase it


def test_it_reads_windows_encoding_and_semicolons(db, tmp_path):
    path = _write(tmp_path, _csv(PEOPLE[:3], delimiter=";", encoding="cp1252"))
    _import(path)
    assert Person.objects.filter(family_name="Lefèvre", given_name="Inès").exists()


def test_it_reads_excel_files(db, tmp_path):
    workbook = Workbook()
    for row in PEOPLE[:3]:
        workbook.active.append(row)
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    _import(path)
    assert Person.objects.filter(email="marc@bioprod.example").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02\x03binary\x00", "not a text file"), (b"\n\n\n", "empty")],
)
def test_a_bad_file_gets_a_clear_error(db, tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        _import(_write(tmp_path, content))
    assert Person.objects.count() == 0


def test_a_dry_run_writes_nothing(db, tmp_path):
    output = _import(_write(tmp_path, _csv(PEOPLE)), "--dry-run")
    assert "Dry run" in output and "created: 2" in output
    assert Person.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_an_import_is_undone(animator_client, db, tmp_path):
    existing = factories.person(
        given_name="Marc", family_name="Petit", email="marc@bioprod.example", job_title="CTO"
    )
    _import(_write(tmp_path, _csv(PEOPLE)))
    existing.refresh_from_db()
    assert existing.job_title == "CEO"
    batch = ImportBatch.objects.get()
    response = animator_client.post(reverse("registry:import_undo", args=[batch.pk]))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.job_title == "CTO"
    assert list(Person.objects.values_list("pk", flat=True)) == [existing.pk]
    assert not PersonExternalId.objects.exists()


def test_the_rejected_rows_report_downloads_as_csv(animator_client, db, tmp_path):
    _import(_write(tmp_path, _csv(PEOPLE)))
    batch = ImportBatch.objects.get()
    response = animator_client.get(reverse("registry:import_rejected", args=[batch.pk]))
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["line"] for r in rows] == ["4", "5", "6"]
    assert rows[0]["email"] == "pas-un-email" and "not valid" in rows[0]["reasons"]


def test_the_wizard_uploads_maps_previews_dry_runs_and_imports(
    transactional_db, animator_client, animator
):
    header = ["Prénom", "Nom", "Courriel", "Société", "Code postal", "Ville", "Réf"]
    rows = [header, ["Inès", "Lefèvre", "ines@glyco.example", "Labo Glyco", "37000", "Tours", "x1"]]
    upload = SimpleUploadedFile("contacts.csv", _csv(rows, delimiter=";"))
    response = animator_client.post(
        reverse("registry:import_upload"), {"target": "people", "source": "salon", "file": upload}
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("registry:import_mapping", args=[batch.pk])
    assert batch.mapping == {
        "given_name": "Prénom",
        "family_name": "Nom",
        "email": "Courriel",
        "organisation": "Société",
        "postcode": "Code postal",
        "city": "Ville",
        "external_id": "Réf",
    }
    page = animator_client.get(reverse("registry:import_mapping", args=[batch.pk]))
    cells = {name: (value, error) for name, value, error in page.context["preview"][0]["cells"]}
    assert cells["email"] == ("ines@glyco.example", "")
    mapping = {f"map_{f}": c for f, c in batch.mapping.items()}
    animator_client.post(reverse("registry:import_mapping", args=[batch.pk]), mapping)
    call_command("worker", batch=True, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.dry_run_counts["created"] == 1
    assert Person.objects.count() == 0
    animator_client.post(reverse("registry:import_run", args=[batch.pk]))
    call_command("worker", batch=True, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.counts["created"] == 1
    assert Person.objects.get().external_ids.get().value == "x1"
    # The mapping is remembered for the next file of this source.
    assert ImportMapping.objects.get(source="salon").columns["external_id"] == "Réf"
    detail = animator_client.get(reverse("registry:import", args=[batch.pk]))
    assert detail.status_code == 200


def test_the_wizard_refuses_a_file_over_the_size_limit(animator_client, settings):
    from osmose.registry.views import imports

    big = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * (imports.MAX_UPLOAD_MB * 262_144 + 1))
    response = animator_client.post(
        reverse("registry:import_upload"), {"target": "people", "source": "gros", "file": big}
    )
    assert response.status_code == 400
    assert "Mo" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_the_wizard_is_for_animators(member_client, outsider_client):
    url = reverse("registry:import_upload")
    assert member_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 302
    assert member_client.get(reverse("registry:imports")).status_code == 403


def test_organisations_import_matches_on_siren(db, tmp_path):
    existing = factories.organisation(name="BioProd", siren="732829320")
    rows = [
        ["nom", "siren", "site web", "type"],
        ["BIOPROD SAS", "732 829 320", "bioprod.example", "startup"],
        ["Labo Glyco", "", "", "laboratoire académique"],
    ]
    out = io.StringIO()
    call_command(
        "import",
        "organisations",
        str(_write(tmp_path, _csv(rows), "orgs.csv")),
        "--source",
        "cci",
        stdout=out,
    )
    assert "updated: 1" in out.getvalue() and "created: 1" in out.getvalue()
    existing.refresh_from_db()
    assert existing.website == "https://bioprod.example"
    assert existing.name == "BIOPROD SAS"
    assert Organisation.objects.get(name="Labo Glyco").kind == "academic_lab"


def test_the_export_command_writes_what_the_import_reads_back(db, tmp_path):
    _import(_write(tmp_path, _csv(PEOPLE)))
    path = tmp_path / "export.csv"
    call_command("export", "people", "--format", "csv", "--output", str(path))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["email"] for r in rows} == {
        "ines@glyco.example",
        "marc@bioprod.example",
        "ines.lefevre@perso.example",
    }
    xlsx = tmp_path / "export.xlsx"
    call_command("export", "organisations", "--format", "xlsx", "--output", str(xlsx))
    from openpyxl import load_workbook

    names = [row[1] for row in load_workbook(xlsx).active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["BioProd", "Labo Glyco"]
    with pytest.raises(CommandError):
        call_command("export", "organisations", "--format", "vcard")


def test_a_manual_edit_takes_over_the_provenance_of_an_imported_field(db, tmp_path):
    from osmose.registry.services.people import update_person

    _import(_write(tmp_path, _csv(PEOPLE)))
    ines = Person.objects.get(email="ines@glyco.example")
    assert ines.field_sources["job_title"]["source"] == "salon"
    update_person(actor=None, person=ines, values={"job_title": "Directrice"})
    ines.refresh_from_db()
    assert ines.field_sources["job_title"]["source"] == "manual"
    assert ines.field_sources["email"]["source"] == "salon"
    assert "country" in ines.field_sources and "orcid" not in ines.field_sources


def _outcomes(path: Path) -> list[tuple[int, str, list[str]]]:
    """Each row's outcome and reasons, the import then rolled back."""
    from django.db import transaction

    with transaction.atomic():
        _import(path)
        outcomes = list(
            ImportRow.objects.filter(batch__source="salon")
            .order_by("line")
            .values_list("line", "action", "reasons")
        )
        transaction.set_rollback(True)
    return outcomes


def test_possible_duplicates_are_those_scoring_every_candidate_would_find(
    db, tmp_path, monkeypatch
):
    from osmose.registry.importing import engine
    from osmose.registry.importing.people import PeopleImporter

    names = [("Jean", "Martin"), ("Jeanne", "Martin"), ("Anne", "Simon"), ("Paul", "Petit")]
    for number in range(24):
        given, family = names[number % 4]
        factories.person(
            given_name=given, family_name=family, email=f"{given}.{number}@example.org",
            street=f"{number % 5 + 1} rue Colbert", postcode="37000", city="Tours",
        )  # fmt: skip
    header = ["given_name", "family_name", "email", "street", "postcode", "city"]
    rows = [
        ["Jean", "Martin", "", "1 rue Colbert", "37000", "Tours"],  # namesakes in the registry
        ["Jaen", "Martin", "", "2 rue Colbert", "37000", "Tours"],
        ["Martin", "Jean", "", "1 rue Colbert", "37000", "Tours"],  # swapped
        ["Luc", "Petit", "", "4 rue Colbert", "37000", "Tours"],  # a household
        ["Anne", "Simon", "anne.3@example.org", "", "", ""],
        ["Anne", "Simon", "anne.3@example.org", "", "", ""],  # the line before again
        ["Paul", "Petit", "", "4 rue Colbert", "37000", "Tour"],
        ["Paule", "Petit", "", "9 avenue Nationale", "45000", "Orléans"],
    ]
    path = _write(tmp_path, _csv([header, *rows * 2]))
    # Small chunks: candidates come from the registry, earlier chunks and the chunk itself.
    monkeypatch.setitem(engine.Importer.__init__.__kwdefaults__, "chunk_size", 3)
    bounded = _outcomes(path)
    monkeypatch.setattr(PeopleImporter, "bounds", lambda self, pairs: None)
    assert _outcomes(path) == bounded
    assert {action for _line, action, _reasons in bounded} >= {"duplicate", "unchanged"}
