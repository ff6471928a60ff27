"""The SIRENE and RNSR importers, on small files in the official column layouts (tests/data).

The companies and research units of the sample files are fictional; their SIREN and SIRET
numbers carry valid check digits.
"""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from osmose.core import geography
from osmose.core.text import fold
from osmose.registry.importing.engine import undo_batch
from osmose.registry.importing.rnsr import import_rnsr
from osmose.registry.importing.sirene import RegistryFileError, import_sirene
from osmose.registry.models import (
    ImportBatch,
    Organisation,
    OrganisationExternalId,
    OrganisationRelation,
)
from osmose.registry.tests import factories

DATA = Path(__file__).parent / "data"
ESTABLISHMENTS = DATA / "StockEtablissement_sample.csv"
LEGAL_UNITS = DATA / "StockUniteLegale_sample.csv"
STRUCTURES = DATA / "fr-esr-structures-recherche-publiques-actives_sample.csv"

BIOFORGE, BIOFORGE_HEAD_OFFICE, BIOFORGE_ORLEANS = "918246372", "91824637200018", "91824637200190"
CELLIA = "882314560"
BERRY = "753128644"  # closed
BEAUCE = "835672197"  # partially diffusible
GENOMIA_PARIS = "904553716"  # outside the network's départements
CODELOIRE = "892135781"  # software publisher: not a wanted NAF code
OLIGOSYNTH = "921473054"  # no name in the establishment file
NEUROLAB = "876540931"


@pytest.fixture(autouse=True)
def fresh_commune_index(monkeypatch):
    # The index is process-wide: one built by another test may name communes rolled back since.
    monkeypatch.setattr(geography, "_index", None)


def organisations_by_siren() -> dict[str, Organisation]:
    return {o.siren: o for o in Organisation.objects.all()}


def test_it_keeps_the_wanted_naf_codes_in_the_network_departements(db):
    result = import_sirene(path=ESTABLISHMENTS)

    assert set(organisations_by_siren()) == {
        BIOFORGE, CELLIA, BERRY, BEAUCE, OLIGOSYNTH, NEUROLAB,
    }  # fmt: skip
    assert result.read.lines == 9
    assert result.counts["created"] == 6


def test_it_filters_by_the_naf_codes_and_departements_given(db):
    import_sirene(path=ESTABLISHMENTS, naf_codes=["7219Z", "72.11Z"], departements=["45", "41"])

    assert set(organisations_by_siren()) == {CELLIA, OLIGOSYNTH}


def test_it_imports_every_departement_when_asked(db):
    import_sirene(path=ESTABLISHMENTS, departements=None)

    organisations = organisations_by_siren()
    assert GENOMIA_PARIS in organisations
    assert CODELOIRE not in organisations
    assert organisations[GENOMIA_PARIS].scope == "national"
    assert organisations[CELLIA].scope == "regional"


def test_it_maps_the_sirene_columns(db):
    import_sirene(path=ESTABLISHMENTS)

    bioforge = organisations_by_siren()[BIOFORGE]
    assert bioforge.name == "BIOFORGE LOIRE"
    assert bioforge.siret == BIOFORGE_HEAD_OFFICE
    assert bioforge.naf_code == "21.10Z"
    assert bioforge.street == "12 bis avenue DES TILLEULS"
    assert bioforge.postcode == "37000"
    assert fold(bioforge.city) == "tours"
    assert bioforge.headcount == "10-49"
    assert bioforge.founded_on == date(2015, 3, 2)
    assert (bioforge.kind, bioforge.sector, bioforge.scope, bioforge.status) == (
        "company", "private", "regional", "active",
    )  # fmt: skip
    oligosynth = organisations_by_siren()[OLIGOSYNTH]
    assert oligosynth.street == "1-3 allée DU PARC, ZONE DES GAILLETROUS"
    assert organisations_by_siren()[CELLIA].name == "CELLIA"  # the enseigne


def test_it_groups_the_establishments_of_a_company_under_its_head_office(db):
    import_sirene(path=ESTABLISHMENTS)

    bioforge = Organisation.objects.get(siren=BIOFORGE)
    assert bioforge.siret == BIOFORGE_HEAD_OFFICE
    assert bioforge.source_data["autresEtablissementsRetenus"] == BIOFORGE_ORLEANS
    [site] = bioforge.sites.all()
    assert (site.siret, site.postcode[:2]) == (BIOFORGE_ORLEANS, "45")
    again = import_sirene(path=ESTABLISHMENTS)
    assert again.counts["sites"] == 0
    assert bioforge.sites.count() == 1


def test_undoing_a_sirene_import_removes_the_sites_it_added(db):
    known = factories.organisation(name="BioForge", siren=BIOFORGE, siret=BIOFORGE_HEAD_OFFICE)
    result = import_sirene(path=ESTABLISHMENTS)
    assert known.sites.count() == 1
    assert result.batch is not None

    undo_batch(batch=result.batch, actor=None)

    assert known.sites.count() == 0
    assert Organisation.objects.filter(pk=known.pk).exists()


def test_it_does_not_import_the_street_of_a_partially_diffusible_establishment(db):
    import_sirene(path=ESTABLISHMENTS)

    beauce = organisations_by_siren()[BEAUCE]
    assert beauce.street == ""
    assert beauce.postcode == "28000"  # the commune is diffused
    assert beauce.name == f"SIREN {BEAUCE}"  # masked names: for the animator to complete
    assert beauce.source_data["nomACompleter"] == "oui"


def test_it_marks_closed_establishments_closed(db):
    import_sirene(path=ESTABLISHMENTS)

    organisations = organisations_by_siren()
    assert organisations[BERRY].status == "closed"
    assert organisations[CELLIA].status == "active"


def test_it_records_the_provenance(db):
    result = import_sirene(path=ESTABLISHMENTS)

    bioforge = Organisation.objects.get(siren=BIOFORGE)
    assert bioforge.source == "import:sirene"
    assert bioforge.field_sources["siret"]["source"] == "sirene"
    assert bioforge.field_sources["status"]["source"] == "sirene"
    assert bioforge.source_data["etablissementSiege"] == "true"
    assert OrganisationExternalId.objects.get(source="sirene", value=BIOFORGE_HEAD_OFFICE) in (
        bioforge.external_ids.all()
    )
    assert result.batch is not None
    assert (result.batch.source, result.batch.status) == ("sirene", "done")


def test_it_changes_nothing_on_a_second_import(db):
    import_sirene(path=ESTABLISHMENTS)
    before = list(Organisation.objects.order_by("pk").values())

    again = import_sirene(path=ESTABLISHMENTS)

    assert again.counts["unchanged"] == 6
    assert again.counts["created"] == again.counts["updated"] == 0
    assert list(Organisation.objects.order_by("pk").values()) == before


def test_it_enriches_an_organisation_with_the_same_siren_rather_than_duplicating_it(db):
    known = factories.organisation(name="Neurolab Tours", kind="startup", siren=NEUROLAB)

    result = import_sirene(path=ESTABLISHMENTS)

    assert Organisation.objects.filter(siren=NEUROLAB).count() == 1
    known.refresh_from_db()
    assert (known.name, known.kind) == ("Neurolab Tours", "startup")  # the network's words
    assert known.siret == "87654093100089"
    assert known.naf_code == "72.19Z"
    assert known.field_sources["naf_code"]["source"] == "sirene"
    assert result.counts["updated"] == 1


def test_it_does_not_move_a_known_head_office_to_another_establishment(db):
    known = factories.organisation(
        name="Bioforge", siren=BIOFORGE, siret=BIOFORGE_HEAD_OFFICE, street="12 avenue des Tilleuls"
    )

    import_sirene(path=ESTABLISHMENTS, departements=["45"])  # only the Orléans establishment

    known.refresh_from_db()
    assert (known.siret, known.street) == (BIOFORGE_HEAD_OFFICE, "12 avenue des Tilleuls")
    assert known.naf_code == "21.10Z"  # empty fields are filled
    assert known.external_ids.filter(source="sirene", value=BIOFORGE_ORLEANS).exists()


def test_it_takes_legal_names_from_the_legal_unit_file(db):
    import_sirene(path=ESTABLISHMENTS, legal_units_path=LEGAL_UNITS)

    organisations = organisations_by_siren()
    assert organisations[OLIGOSYNTH].name == "OLIGOSYNTH"
    assert organisations[BIOFORGE].acronym == "BFL"
    assert organisations[BEAUCE].name == f"SIREN {BEAUCE}"  # a masked name stays masked


def test_it_replaces_a_placeholder_name_on_a_later_import(db):
    import_sirene(path=ESTABLISHMENTS)
    assert Organisation.objects.get(siren=OLIGOSYNTH).name == f"SIREN {OLIGOSYNTH}"

    import_sirene(path=ESTABLISHMENTS, legal_units_path=LEGAL_UNITS)

    assert Organisation.objects.get(siren=OLIGOSYNTH).name == "OLIGOSYNTH"


def test_it_can_be_undone(db):
    result = import_sirene(path=ESTABLISHMENTS)
    assert result.batch is not None

    undo_batch(batch=result.batch, actor=None)

    assert not Organisation.objects.exists()


def test_it_writes_nothing_on_a_dry_run(db):
    result = import_sirene(path=ESTABLISHMENTS, dry_run=True)

    assert result.counts["created"] == 6
    assert not Organisation.objects.exists()
    assert not ImportBatch.objects.exists()


def test_it_says_clearly_when_the_file_is_not_a_sirene_establishment_file(db):
    with pytest.raises(RegistryFileError, match="siret"):
        import_sirene(path=STRUCTURES)
    with pytest.raises(RegistryFileError, match="legal-unit"):
        import_sirene(path=ESTABLISHMENTS, legal_units_path=STRUCTURES)

    assert not ImportBatch.objects.exists()


def test_it_imports_through_the_command(db):
    out = io.StringIO()

    call_command("registry", "import-sirene", str(ESTABLISHMENTS), "--departements", "37",
                 stdout=out)  # fmt: skip

    assert "created: 2" in out.getvalue()
    assert set(organisations_by_siren()) == {BIOFORGE, NEUROLAB}


def test_it_reports_a_bad_file_through_the_command(db):
    with pytest.raises(CommandError, match="missing"):
        call_command("registry", "import-sirene", str(STRUCTURES), stdout=io.StringIO())
    with pytest.raises(CommandError, match="missing"):
        call_command("registry", "import-rnsr", str(ESTABLISHMENTS), stdout=io.StringIO())


# --- RNSR ---------------------------------------------------------------------------------------


def test_it_creates_labs_with_their_rnsr_numbers(db):
    result = import_rnsr(path=STRUCTURES)

    labs = {o.rnsr: o for o in Organisation.objects.all()}
    assert set(labs) == {"201822901K", "201420377F"}  # Villeurbanne is not in the network
    cbm = labs["201420377F"]
    assert (cbm.name, cbm.acronym) == ("Centre de biophysique des membranes", "CBM-O")
    assert (cbm.kind, cbm.sector, cbm.scope) == ("academic_lab", "public", "regional")
    assert cbm.website == "https://cbm-o.example.org"
    assert (cbm.postcode, fold(cbm.city)) == ("45071", "orleans")
    assert cbm.founded_on == date(2014, 1, 1)
    assert cbm.field_sources["rnsr"]["source"] == "rnsr"
    assert cbm.external_ids.filter(source="rnsr", value="201420377F").exists()
    assert "nom_du_responsable" not in cbm.source_data  # personal data stays out
    assert cbm.source_data["label_numero"] == "UPR 9922"
    assert result.counts["created"] == 2


def test_it_relates_labs_to_their_tutelles_already_known(db):
    tours = factories.organisation(name="Université de Tours", kind="public_body", sector="public")
    cnrs = factories.organisation(
        name="CNRS", kind="public_body", sector="public", siret="18008901300429"
    )

    result = import_rnsr(path=STRUCTURES)

    relations = set(
        OrganisationRelation.objects.values_list(
            "source_organisation__rnsr", "target_organisation", "kind"
        )
    )
    assert relations == {
        ("201822901K", tours.pk, "research_unit_of"),  # by name
        ("201420377F", cnrs.pk, "research_unit_of"),  # by SIRET
    }
    assert result.relations == 2
    assert import_rnsr(path=STRUCTURES).relations == 0


def test_undoing_an_rnsr_import_removes_the_relations_it_added(db):
    known = factories.organisation(
        name="LaBioCell Tours", kind="academic_lab", sector="public", rnsr="201822901K"
    )
    tours = factories.organisation(name="Université de Tours", kind="public_body", sector="public")
    result = import_rnsr(path=STRUCTURES)
    assert known.relations_out.filter(target_organisation=tours).exists()
    assert result.batch is not None

    undo_batch(batch=result.batch, actor=None)

    assert not OrganisationRelation.objects.exists()
    assert Organisation.objects.filter(pk__in=[known.pk, tours.pk]).count() == 2


def test_it_changes_nothing_on_a_second_rnsr_import(db):
    import_rnsr(path=STRUCTURES)

    again = import_rnsr(path=STRUCTURES)

    assert again.counts["unchanged"] == 2
    assert Organisation.objects.count() == 2


def test_it_keeps_the_name_of_a_known_lab(db):
    known = factories.organisation(
        name="LaBioCell Tours", kind="academic_lab", sector="public", rnsr="201822901K"
    )

    import_rnsr(path=STRUCTURES)

    known.refresh_from_db()
    assert known.name == "LaBioCell Tours"
    assert known.acronym == "LABIOCELL"  # empty fields are filled
    assert Organisation.objects.filter(rnsr="201822901K").count() == 1


def test_it_says_clearly_when_the_file_is_not_an_rnsr_export(db):
    with pytest.raises(RegistryFileError, match="numero_national_de_structure"):
        import_rnsr(path=ESTABLISHMENTS)


def test_it_reads_the_stock_file_zipped_as_downloaded(db, tmp_path):
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(ESTABLISHMENTS, "StockEtablissement_utf8.csv")

    import_sirene(path=archive)

    assert Organisation.objects.count() == 6
