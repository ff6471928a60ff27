"""INSEE SIRENE stock files → organisations (source "sirene", external id = the SIRET).

The establishment stock (``StockEtablissement_utf8.csv``: ~40 million lines, comma-separated,
UTF-8, one line per establishment, open or closed) is streamed: a line is parsed only when its
NAF cell, read from the end of the raw line, is one of the wanted codes, then kept when its
département matches too. Establishments kept for one SIREN become one organisation: an open
one first, the head office first. The legal name lives in the legal-unit stock
(``StockUniteLegale_utf8.csv``), read the same way for the SIRENs kept only.

Column names and codes follow INSEE's "Description des fichiers de données Sirene"
(https://www.sirene.fr/static-resources/documentation/): ``statutDiffusionEtablissement`` "O"
(diffusible) or "P" (partially diffusible: masked cells read "[ND]", and we import no street
for such an establishment), ``etatAdministratifEtablissement`` "A" (open) or "F" (closed).
"""

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from osmose.core.audit import log_action
from osmose.core.geography import commune_index
from osmose.registry.importing.engine import OrganisationsImporter, Progress, Row
from osmose.registry.models import (
    ImportBatch,
    ImportStatus,
    OrganisationKind,
    OrganisationStatus,
    Scope,
    Sector,
)

csv.field_size_limit(1 << 20)

SOURCE = "sirene"
DEFAULT_NAF_CODES = ("21.10Z", "21.20Z", "72.11Z", "72.19Z", "86.90B")
MASKED = "[ND]"  # what INSEE writes in the cells it does not diffuse

# The columns read; the file has more (53 in 2024, 54 with the NAF 2025 code since 12/2025).
ESTABLISHMENT_COLUMNS = (
    "siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
    "trancheEffectifsEtablissement", "anneeEffectifsEtablissement",
    "dateDernierTraitementEtablissement", "etablissementSiege", "complementAdresseEtablissement",
    "numeroVoieEtablissement", "indiceRepetitionEtablissement", "typeVoieEtablissement",
    "libelleVoieEtablissement", "codePostalEtablissement", "libelleCommuneEtablissement",
    "codeCommuneEtablissement", "codePaysEtrangerEtablissement", "etatAdministratifEtablissement",
    "enseigne1Etablissement", "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
)  # fmt: skip
# Newer columns read when present (added to the stock file in 2024).
OPTIONAL_ESTABLISHMENT_COLUMNS = (
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
)
LEGAL_UNIT_COLUMNS = (
    "siren", "statutDiffusionUniteLegale", "sigleUniteLegale", "prenomUsuelUniteLegale",
    "etatAdministratifUniteLegale", "nomUniteLegale", "nomUsageUniteLegale",
    "denominationUniteLegale", "denominationUsuelle1UniteLegale",
    "categorieJuridiqueUniteLegale",
)  # fmt: skip

# trancheEffectifs codes → Organisation.headcount ("NN": not an employer, "00": no employee).
HEADCOUNT = {
    "01": "1-9", "02": "1-9", "03": "1-9",  # 1–2, 3–5, 6–9
    "11": "10-49", "12": "10-49",  # 10–19, 20–49
    "21": "50-249", "22": "50-249", "31": "50-249",  # 50–99, 100–199, 200–249
    "32": "250-999", "41": "250-999",  # 250–499, 500–999
    "42": "1000+", "51": "1000+", "52": "1000+", "53": "1000+",  # 1,000 and more
}  # fmt: skip
# typeVoie codes of the Sirene address, spelt out.
STREET_TYPES = {
    "ALL": "allée", "AV": "avenue", "BD": "boulevard", "CAR": "carrefour", "CHE": "chemin",
    "CHS": "chaussée", "CITE": "cité", "COR": "corniche", "CRS": "cours", "DOM": "domaine",
    "DSC": "descente", "ECA": "écart", "ESP": "esplanade", "FG": "faubourg", "GR": "grande rue",
    "HAM": "hameau", "HLE": "halle", "IMP": "impasse", "LD": "lieu-dit", "LOT": "lotissement",
    "MAR": "marché", "MTE": "montée", "PAS": "passage", "PASS": "passage", "PL": "place",
    "PLN": "plaine", "PLT": "plateau", "PRO": "promenade", "PRV": "parvis", "QUA": "quartier",
    "QUAI": "quai", "R": "rue", "RES": "résidence", "RLE": "ruelle", "ROC": "rocade",
    "RPT": "rond-point", "RTE": "route", "SEN": "sentier", "SQ": "square", "TPL": "terre-plein",
    "TRA": "traverse", "VLA": "villa", "VLGE": "village", "ZA": "zone d'activité",
    "ZAC": "zone d'aménagement concerté", "ZI": "zone industrielle",
}  # fmt: skip
# indiceRepetition codes (B, T, Q, C); other letters are written as they are.
REPETITION = {"B": "bis", "T": "ter", "Q": "quater", "C": "quinquies"}

# The fields of the organisation rows handed to the engine, then the columns kept as source data.
FIELDS = [
    "external_id", "name", "acronym", "kind", "sector", "scope", "status", "siren", "siret",
    "naf_code", "street", "postcode", "city", "headcount", "founded_on",
]  # fmt: skip
EXTRA = [
    "etablissementSiege", "statutDiffusionEtablissement", "etatAdministratifEtablissement",
    "trancheEffectifsEtablissement", "anneeEffectifsEtablissement", "codeCommuneEtablissement",
    "dateDernierTraitementEtablissement", "autresEtablissementsRetenus", "nomACompleter",
]  # fmt: skip


class RegistryFileError(ValueError):
    """The file is not the registry file expected; the message says what is wrong."""


# --- Codes -------------------------------------------------------------------------------------


def normalise_naf(code: str) -> str:
    """ "2110Z", "21.10z" → "21.10Z", the form of the Sirene files (NAF rév. 2)."""
    code = code.strip().upper().replace(".", "").replace(" ", "")
    if not re.fullmatch(r"\d{4}[A-Z]", code):
        raise RegistryFileError(f"{code!r} is not a NAF code (e.g. 21.10Z).")
    return f"{code[:2]}.{code[2:]}"


def normalise_departement(code: str) -> str:
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


def network_departements() -> frozenset[str]:
    return frozenset(normalise_departement(d) for d in settings.OSMOSE_DEPARTEMENTS if d)


def departement_of(*, commune_code: str = "", postcode: str = "") -> str:
    """The département of an address from its INSEE commune code, else its postcode."""
    if len(commune_code) == 5:
        return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]
    if len(postcode) == 5 and postcode.isdigit():
        if postcode.startswith("97"):
            return postcode[:3]
        if postcode.startswith("20"):  # Corsica: 200xx–201xx south, 202xx and 206xx north
            return "2A" if postcode[2] in "01" else "2B"
        return postcode[:2]
    return ""


def street_of(cells: dict[str, str]) -> str:
    """ "12 bis avenue DU GENERAL DE GAULLE" from the number, repetition, type and name."""
    number = cells.get("numeroVoieEtablissement", "")
    last = cells.get("dernierNumeroVoieEtablissement", "")
    if number and last and last != number:
        number = f"{number}-{last}"
    repetition = cells.get("indiceRepetitionEtablissement", "")
    street_type = cells.get("typeVoieEtablissement", "")
    parts = [
        number,
        REPETITION.get(repetition.upper(), repetition),
        STREET_TYPES.get(street_type.upper(), street_type),
        cells.get("libelleVoieEtablissement", ""),
    ]
    street = " ".join(p for p in parts if p)
    # Lieux-dits and industrial estates often have no street but a complement.
    return (street or cells.get("complementAdresseEtablissement", ""))[:200]


def placeholder_name(siren: str) -> str:
    return f"SIREN {siren}"


# --- Streaming the files -------------------------------------------------------------------


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """The CSV's bytes: as downloaded (a zip holding one CSV) or unzipped."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise RegistryFileError(f"{path.name} should hold one CSV file.")
            with archive.open(names[0]) as raw:
                yield raw
        return
    with path.open("rb") as handle:
        yield handle


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    with open_binary(path) as raw:
        yield io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _records(handle: IO[bytes]) -> Iterator[bytes]:
    """Raw CSV records: a quoted cell may hold a line break, so odd quote counts continue."""
    pending = b""
    for line in handle:
        if pending:
            line = pending + line
        if line.count(b'"') % 2:
            pending = line
            continue
        pending = b""
        yield line
    if pending:
        yield pending


def _parse(record: bytes) -> list[str]:
    return next(csv.reader([record.decode("utf-8", errors="replace")]))


def _header(handle: IO[bytes], *, required: Iterable[str], what: str) -> list[str]:
    first = handle.readline().removeprefix(b"\xef\xbb\xbf")
    if not first.strip():
        raise RegistryFileError(f"The file is empty: expected {what}.")
    header = [h.strip() for h in _parse(first)]
    missing = [c for c in required if c not in header]
    if missing:
        raise RegistryFileError(
            f"This is not {what}: the column(s) {', '.join(missing)} are missing "
            f"(found: {', '.join(header[:6])}{'…' if len(header) > 6 else ''})."
        )
    return header


@dataclass
class Establishment:
    cells: dict[str, str]
    departement: str

    @property
    def siren(self) -> str:
        return self.cells["siren"]

    @property
    def is_open(self) -> bool:
        return self.cells["etatAdministratifEtablissement"] == "A"

    @property
    def is_head_office(self) -> bool:
        return self.cells["etablissementSiege"].lower() == "true"


@dataclass
class ReadStats:
    lines: int = 0
    parsed: int = 0
    kept: int = 0


def read_establishments(
    path: Path,
    *,
    naf_codes: Iterable[str] = DEFAULT_NAF_CODES,
    departements: Iterable[str] | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Establishment]:
    """The establishments of ``path`` with one of ``naf_codes`` in ``departements`` (all when
    None), streamed; raises :class:`RegistryFileError` when columns are missing."""
    codes = {normalise_naf(c) for c in naf_codes}
    wanted = None if departements is None else {normalise_departement(d) for d in departements}
    stats = stats if stats is not None else ReadStats()
    with open_binary(path) as handle:
        header = _header(
            handle, required=ESTABLISHMENT_COLUMNS, what="a SIRENE establishment stock file"
        )
        wanted_columns = ESTABLISHMENT_COLUMNS + tuple(
            c for c in OPTIONAL_ESTABLISHMENT_COLUMNS if c in header
        )
        positions = [(name, header.index(name)) for name in wanted_columns]
        naf_at = header.index("activitePrincipaleEtablissement")
        width = len(header)
        # The NAF code sits a few cells before the end of the line: reading it from the end,
        # without parsing the line, rejects ~99.9 % of lines at little cost.
        after_naf = width - naf_at
        raw_codes = {c.encode() for c in codes} | {f'"{c}"'.encode() for c in codes}
        for record in _records(handle):
            stats.lines += 1
            parts = record.rsplit(b",", after_naf)
            if (
                len(parts) > after_naf
                and parts[1].rstrip(b"\r\n") not in raw_codes
                and record.find(b'"', len(parts[0])) == -1  # no quoted comma shifted the cells
            ):
                continue
            stats.parsed += 1
            values = _parse(record)
            if len(values) < width or values[naf_at] not in codes:
                continue
            cells = {
                name: ("" if values[i] == MASKED else values[i].strip()) for name, i in positions
            }
            departement = departement_of(
                commune_code=cells["codeCommuneEtablissement"],
                postcode=cells["codePostalEtablissement"],
            )
            if wanted is not None and departement not in wanted:
                continue
            stats.kept += 1
            yield Establishment(cells=cells, departement=departement)


@dataclass
class LegalUnit:
    name: str = ""
    acronym: str = ""
    ceased: bool = False
    legal_category: str = ""


def read_legal_units(path: Path, sirens: set[str]) -> dict[str, LegalUnit]:
    """The legal units of ``sirens`` in a StockUniteLegale file, streamed."""
    found: dict[str, LegalUnit] = {}
    raw_sirens = {s.encode() for s in sirens}
    with open_binary(path) as handle:
        header = _header(handle, required=LEGAL_UNIT_COLUMNS, what="a SIRENE legal-unit stock file")
        at = {name: header.index(name) for name in LEGAL_UNIT_COLUMNS}
        siren_first = header[0] == "siren"
        for record in _records(handle):
            # The SIREN opens each line: most lines are skipped without being parsed.
            if siren_first and record[:9] not in raw_sirens:
                continue
            values = _parse(record)
            if len(values) < len(header) or values[at["siren"]] not in sirens:
                continue

            def cell(name: str, values: list[str] = values) -> str:
                value = values[at[name]].strip()
                return "" if value == MASKED else value

            name = cell("denominationUniteLegale") or cell("denominationUsuelle1UniteLegale")
            if not name and cell("statutDiffusionUniteLegale") == "O":
                # A sole trader who chose to be listed: their name is the company's.
                family = cell("nomUsageUniteLegale") or cell("nomUniteLegale")
                name = " ".join(p for p in (cell("prenomUsuelUniteLegale"), family) if p)
            found[values[at["siren"]]] = LegalUnit(
                name=name[:200],
                acronym=cell("sigleUniteLegale")[:40],
                ceased=cell("etatAdministratifUniteLegale") == "C",
                legal_category=cell("categorieJuridiqueUniteLegale"),
            )
    return found


# --- Establishments → organisation rows -----------------------------------------------------


def _representative(establishments: list[Establishment]) -> Establishment:
    """The establishment that stands for the organisation: open first, head office first,
    then the most recently created."""
    return max(
        establishments,
        key=lambda e: (e.is_open, e.is_head_office, e.cells["dateCreationEtablissement"]),
    )


def _city(cells: dict[str, str]) -> str:
    commune = commune_index().resolve(insee_code=cells["codeCommuneEtablissement"])
    # The reference spells names properly ("Joué-lès-Tours"), the file in capitals.
    return commune.name if commune is not None else cells["libelleCommuneEtablissement"]


def organisation_rows(
    establishments: Iterable[Establishment], legal_units: dict[str, LegalUnit] | None = None
) -> Iterator[list[str]]:
    """One row of :data:`FIELDS` + :data:`EXTRA` per SIREN."""
    by_siren: dict[str, list[Establishment]] = {}
    for establishment in establishments:
        by_siren.setdefault(establishment.siren, []).append(establishment)
    legal_units = legal_units or {}
    ours = network_departements()
    for siren, group in by_siren.items():
        chosen = _representative(group)
        cells = chosen.cells
        unit = legal_units.get(siren, LegalUnit())
        name = (
            cells["denominationUsuelleEtablissement"]
            or cells["enseigne1Etablissement"]
            or unit.name
        )
        diffusible = cells["statutDiffusionEtablissement"] == "O"
        kind, sector = OrganisationKind.COMPANY, Sector.PRIVATE
        if unit.legal_category.startswith("7"):  # personnes morales de droit public
            kind, sector = OrganisationKind.PUBLIC_BODY, Sector.PUBLIC
        elif unit.legal_category.startswith("9"):  # associations, foundations
            sector = Sector.NON_PROFIT
        if cells["codePaysEtrangerEtablissement"]:
            scope = Scope.INTERNATIONAL
        else:
            scope = Scope.REGIONAL if chosen.departement in ours else Scope.NATIONAL
        closed = unit.ceased or not chosen.is_open
        values = {
            "external_id": cells["siret"],
            "name": name or placeholder_name(siren),
            "acronym": unit.acronym,
            "kind": kind,
            "sector": sector,
            "scope": scope,
            "status": OrganisationStatus.CLOSED if closed else OrganisationStatus.ACTIVE,
            "siren": siren,
            "siret": cells["siret"],
            "naf_code": cells["activitePrincipaleEtablissement"],
            # A partially diffusible establishment's street is not ours to publish.
            "street": street_of(cells) if diffusible else "",
            "postcode": cells["codePostalEtablissement"],
            "city": _city(cells),
            "headcount": HEADCOUNT.get(cells["trancheEffectifsEtablissement"], ""),
            "founded_on": cells["dateCreationEtablissement"],
            "autresEtablissementsRetenus": " ".join(
                sorted(e.cells["siret"] for e in group if e is not chosen)
            ),
            "nomACompleter": "" if name else "oui",
        }
        yield [str(values.get(column, cells.get(column, ""))) for column in FIELDS + EXTRA]


# --- The import ----------------------------------------------------------------------------


class RegistryImporter(OrganisationsImporter):
    """The organisations importer for official registries.

    It also sets the status (open or closed), and it never renames nor reclassifies an
    organisation that exists: name, acronym, kind, sector and scope are filled when empty,
    else left to the network (a placeholder name "SIREN …" may be replaced).
    """

    editable = OrganisationsImporter.editable | {"status"}
    identity = ("name", "acronym", "kind", "sector", "scope")

    def _compare(self, row: Row, obj: Any) -> None:
        for name in self.identity:
            current = getattr(obj, name)
            if name == "name" and current == placeholder_name(obj.siren):
                continue
            if current and name in row.values:
                row.values[name] = current
        super()._compare(row, obj)


class SireneImporter(RegistryImporter):
    # What describes one establishment rather than the whole company.
    establishment_fields = (
        "street", "postcode", "city", "naf_code", "headcount", "founded_on", "status",
    )  # fmt: skip

    def _compare(self, row: Row, obj: Any) -> None:
        head_office = row.extra.get("etablissementSiege", "").lower() == "true"
        if not head_office and obj.siret != row.values.get("siret"):
            # Another establishment of a known company: it fills what is empty but does not
            # replace the head office's SIRET and address, nor close the company.
            row.values["siret"] = obj.siret
            for name in self.establishment_fields:
                current = getattr(obj, name)
                if name in row.values and current not in ("", None):
                    row.values[name] = current
        super()._compare(row, obj)


def run_registry_import(
    *,
    importer_class: type[OrganisationsImporter],
    source: str,
    filename: str,
    header: list[str],
    rows: Iterable[list[str]],
    fields: list[str],
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> tuple[ImportBatch | None, Counter[str]]:
    """Feed prepared rows to the engine; a real run records an undoable :class:`ImportBatch`
    (as :func:`osmose.registry.importing.runner.run_file` does for a file)."""
    mapping = {f: f for f in fields}
    batch = None
    if not dry_run:
        batch = ImportBatch.objects.create(
            target=ImportBatch.Target.ORGANISATIONS,
            source=source,
            filename=filename[:255],
            columns=header,
            mapping=mapping,
            status=ImportStatus.RUNNING,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    importer = importer_class(
        source=source,
        mapping=mapping,
        actor=actor,
        dry_run=dry_run,
        batch=batch,
        progress=progress,
    )
    try:
        counts = importer.run(header, rows)
    except Exception as error:
        if batch is not None:
            batch.status = ImportStatus.FAILED
            batch.error = str(error)[:2000]
            batch.save(update_fields=["status", "error", "updated_at"])
        raise
    if batch is not None:
        with transaction.atomic():
            batch.status = ImportStatus.DONE
            batch.counts = dict(counts)
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "counts", "finished_at", "updated_at"])
            log_action("registry.import.done", actor=actor, target=batch, data=dict(counts))
    return batch, counts


@dataclass
class SireneResult:
    batch: ImportBatch | None
    counts: Counter[str]
    read: ReadStats = field(default_factory=ReadStats)


def import_sirene(
    *,
    path: Path,
    naf_codes: Iterable[str] = DEFAULT_NAF_CODES,
    departements: Iterable[str] | None = (),
    legal_units_path: Path | None = None,
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_read: Callable[[ReadStats], None] | None = None,
) -> SireneResult:
    """Import the establishments of ``path`` with one of ``naf_codes`` located in
    ``departements`` (empty: the network's, ``settings.OSMOSE_DEPARTEMENTS``; None: all).

    The file is read (and checked) whole before anything is written.
    """
    if departements is not None:
        departements = list(departements) or network_departements()
    stats = ReadStats()
    kept = list(
        read_establishments(path, naf_codes=naf_codes, departements=departements, stats=stats)
    )
    if on_read:
        on_read(stats)
    legal_units = (
        read_legal_units(legal_units_path, {e.siren for e in kept}) if legal_units_path else None
    )
    batch, counts = run_registry_import(
        importer_class=SireneImporter,
        source=SOURCE,
        filename=path.name,
        header=FIELDS + EXTRA,
        rows=organisation_rows(kept, legal_units),
        fields=FIELDS,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
    )
    if batch is not None:
        counts["sites"] = add_other_establishments(kept, batch=batch, actor=actor)
    return SireneResult(batch=batch, counts=counts, read=stats)


def add_other_establishments(
    establishments: Iterable[Establishment], *, batch: ImportBatch, actor: Any = None
) -> int:
    """Each open establishment that is not its organisation's own (the head office, or the one
    standing for it) becomes a Site of the organisation, once; the batch remembers them for undo.
    """
    from osmose.registry.models import Organisation, Site
    from osmose.registry.services.organisations import add_site

    by_siren: dict[str, list[Establishment]] = {}
    for establishment in establishments:
        if establishment.is_open:
            by_siren.setdefault(establishment.siren, []).append(establishment)
    organisations = {
        o.siren: o for o in Organisation.objects.filter(siren__in=list(by_siren), merged_into=None)
    }
    known = set(
        Site.objects.filter(organisation__in=organisations.values()).values_list("siret", flat=True)
    )
    added = []
    for siren, group in by_siren.items():
        organisation = organisations.get(siren)
        if organisation is None:
            continue
        for establishment in group:
            cells = establishment.cells
            if cells["siret"] in known or cells["siret"] == organisation.siret:
                continue
            diffusible = cells["statutDiffusionEtablissement"] == "O"
            site = add_site(
                actor=actor,
                organisation=organisation,
                values={
                    "label": cells["denominationUsuelleEtablissement"]
                    or cells["enseigne1Etablissement"],
                    "siret": cells["siret"],
                    "street": street_of(cells) if diffusible else "",
                    "postcode": cells["codePostalEtablissement"],
                    "city": _city(cells),
                },
                source=SOURCE,
            )
            known.add(site.siret)
            added.append(site.pk)
    if added:
        batch.remember_added("sites", added)
    return len(added)
