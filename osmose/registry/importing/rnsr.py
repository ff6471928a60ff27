"""The RNSR export of public research structures → laboratories (source "rnsr").

The file is the CSV export of the dataset "fr-esr-structures-recherche-publiques-actives"
(data.enseignementsup-recherche.gouv.fr, ``;``-separated, UTF-8). Its columns are the
dataset's field names (``numero_national_de_structure``, ``libelle``, ``sigle``,
``annee_de_creation``, ``type_de_structure``, ``site_web``, ``adresse``, ``code_postal``,
``commune``, ``label_numero``, ``tutelles``, ``sigles_des_tutelles``, ``siret_des_tutelles``,
``domaine_scientifique``, ``fiche_rnsr``…); an export with the field labels as headers
("Numéro national de structure", "Libellé"…) reads the same. A field with several values
(the tutelles) holds them separated by ``;`` (or ``|``, or ``,`` when neither appears).

The names of the heads of structures (``nom_du_responsable``…) are personal data and are
neither imported nor kept as source data.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from osmose.core.text import fold
from osmose.registry import validation
from osmose.registry.importing.engine import Progress
from osmose.registry.importing.sirene import (
    ReadStats,
    RegistryFileError,
    RegistryImporter,
    departement_of,
    network_departements,
    normalise_departement,
    open_text,
    run_registry_import,
)
from osmose.registry.models import (
    ImportBatch,
    Organisation,
    OrganisationExternalId,
    OrganisationKind,
    OrganisationRelation,
    RelationKind,
    Scope,
    Sector,
)
from osmose.registry.services import organisations as organisation_services

SOURCE = "rnsr"
REQUIRED_COLUMNS = ("numero_national_de_structure", "libelle", "code_postal")
FIELDS = [
    "external_id", "rnsr", "name", "acronym", "kind", "sector", "scope", "website", "street",
    "postcode", "city", "founded_on",
]  # fmt: skip
# Columns kept as source data (nothing personal).
EXTRA = [
    "type_de_structure", "code_de_niveau_de_structure", "label_numero", "tutelles",
    "sigles_des_tutelles", "siret_des_tutelles", "domaine_scientifique", "fiche_rnsr",
    "site_web_illisible",
]  # fmt: skip
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?\s*$", re.IGNORECASE)


def column_key(name: str) -> str:
    """ "Numéro national de structure" and "numero_national_de_structure" → the same key."""
    return fold(name).replace(" ", "_")


def split_values(cell: str) -> list[str]:
    for separator in (";", "|", ","):
        if separator in cell:
            return [v.strip() for v in cell.split(separator)]
    return [cell.strip()] if cell.strip() else []


@dataclass
class Structure:
    cells: dict[str, str]
    departement: str

    def values(self, name: str) -> list[str]:
        return split_values(self.cells.get(name, ""))


def read_structures(
    path: Path, *, departements: Iterable[str] | None = None, stats: ReadStats | None = None
) -> Iterator[Structure]:
    """The structures of ``path`` located in ``departements`` (all when None), streamed."""
    wanted = None if departements is None else {normalise_departement(d) for d in departements}
    stats = stats if stats is not None else ReadStats()
    with open_text(path) as handle:
        first = handle.readline()
        if not first.strip():
            raise RegistryFileError("The file is empty: expected an RNSR export.")
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        header = [column_key(h) for h in next(csv.reader([first], delimiter=delimiter))]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RegistryFileError(
                "This is not an RNSR export of research structures: the column(s) "
                f"{', '.join(missing)} are missing."
            )
        for values in csv.reader(handle, delimiter=delimiter):
            if not any(v.strip() for v in values):
                continue
            stats.lines += 1
            cells = {name: (values[i].strip() if i < len(values) else "") for i, name in
                     enumerate(header)}  # fmt: skip
            departement = departement_of(
                commune_code=cells.get("code_commune", ""), postcode=cells["code_postal"]
            )
            if wanted is not None and departement not in wanted:
                continue
            stats.kept += 1
            yield Structure(cells=cells, departement=departement)


def _website(value: str) -> str:
    try:
        return validation.clean_website(value)
    except ValidationError:
        return ""


def organisation_rows(structures: Iterable[Structure]) -> Iterator[list[str]]:
    ours = network_departements()
    for structure in structures:
        cells = structure.cells
        number = cells["numero_national_de_structure"]
        website = _website(cells.get("site_web", ""))
        values = {
            "external_id": number,
            "rnsr": number,
            "name": cells["libelle"][:200],
            "acronym": cells.get("sigle", "")[:40],
            "kind": OrganisationKind.ACADEMIC_LAB,
            "sector": Sector.PUBLIC,
            "scope": Scope.REGIONAL if structure.departement in ours else Scope.NATIONAL,
            "website": website,
            "street": cells.get("adresse", "")[:200],
            "postcode": cells["code_postal"],
            # "TOURS CEDEX 1": the town is "TOURS".
            "city": _CEDEX.sub("", cells.get("commune", "")),
            "founded_on": cells.get("annee_de_creation", ""),
            "site_web_illisible": "" if website else cells.get("site_web", ""),
        }
        yield [str(values.get(column, cells.get(column, ""))) for column in FIELDS + EXTRA]


def _find_tutelle(name: str, acronym: str, siret: str) -> Organisation | None:
    active = Organisation.objects.filter(merged_into=None)
    digits = re.sub(r"\D", "", siret)
    if len(digits) == 14:
        found = active.filter(siret=digits).first() or active.filter(siren=digits[:9]).first()
        if found:
            return found
    if name:
        found = active.filter(name__iexact=name).first()
        if found:
            return found
    if acronym:
        return active.filter(acronym__iexact=acronym).first()
    return None


def link_tutelles(
    *, structures: list[Structure], actor: Any, batch: ImportBatch | None = None
) -> int:
    """Relate each imported lab to its tutelles that exist in the registry (by SIRET, name or
    acronym; nothing is created); returns the number of relations added. The batch remembers
    them, so undoing the import removes them too."""
    numbers = [s.cells["numero_national_de_structure"] for s in structures]
    labs = dict(
        OrganisationExternalId.objects.filter(source=SOURCE, value__in=numbers).values_list(
            "value", "organisation"
        )
    )
    found: dict[tuple[str, str, str], Organisation | None] = {}
    added_ids: list[int] = []
    for structure in structures:
        lab_id = labs.get(structure.cells["numero_national_de_structure"])
        if lab_id is None:
            continue
        names = structure.values("tutelles")
        acronyms = structure.values("sigles_des_tutelles")
        sirets = structure.values("siret_des_tutelles")
        for index, name in enumerate(names):
            key = (
                name,
                acronyms[index] if index < len(acronyms) and len(acronyms) == len(names) else "",
                sirets[index] if index < len(sirets) and len(sirets) == len(names) else "",
            )
            if key not in found:
                found[key] = _find_tutelle(*key)
            tutelle = found[key]
            if tutelle is None or tutelle.pk == lab_id:
                continue
            if OrganisationRelation.objects.filter(
                source_organisation_id=lab_id,
                target_organisation=tutelle,
                kind=RelationKind.RESEARCH_UNIT_OF,
            ).exists():
                continue
            relation = organisation_services.add_relation(
                actor=actor,
                source=Organisation.objects.get(pk=lab_id),
                target=tutelle,
                kind=RelationKind.RESEARCH_UNIT_OF,
            )
            added_ids.append(relation.pk)
    if batch is not None and added_ids:
        batch.remember_added("relations", added_ids)
    return len(added_ids)


@dataclass
class RnsrResult:
    batch: ImportBatch | None
    counts: Any
    read: ReadStats
    relations: int = 0


def import_rnsr(
    *,
    path: Path,
    departements: Iterable[str] | None = (),
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RnsrResult:
    """Import the structures of ``path`` located in ``departements`` (empty: the network's;
    None: all), then relate them to their tutelles already in the registry."""
    if departements is not None:
        departements = list(departements) or network_departements()
    stats = ReadStats()
    structures = list(read_structures(path, departements=departements, stats=stats))
    batch, counts = run_registry_import(
        importer_class=RegistryImporter,
        source=SOURCE,
        filename=path.name,
        header=FIELDS + EXTRA,
        rows=organisation_rows(structures),
        fields=FIELDS,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
    )
    relations = 0 if dry_run else link_tutelles(structures=structures, actor=actor, batch=batch)
    return RnsrResult(batch=batch, counts=counts, read=stats, relations=relations)
