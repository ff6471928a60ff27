from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from osmose.accounts.access import animator_required
from osmose.registry import exports
from osmose.registry.directory import FACETS, PAGE_SIZE, SORTS, DirectoryQuery, facet_counts
from osmose.registry.models import Segment
from osmose.registry.services.segments import delete_segment, save_segment

TARGETS = ("organisations", "people")


def _query(request: HttpRequest, target: Any) -> tuple[DirectoryQuery, Segment | None]:
    slug = request.GET.get("segment")
    if slug:
        segment = get_object_or_404(Segment, slug=slug, target=target)
        params: Any = {**segment.query, "page": request.GET.get("page", "1")}
        return DirectoryQuery.from_params(target, params), segment
    return DirectoryQuery.from_params(target, request.GET), None


@animator_required
@require_GET
def directory(request: HttpRequest, target: str = "organisations") -> HttpResponse:
    query, segment = _query(request, target)
    paginator = Paginator(query.results(), PAGE_SIZE)
    page = paginator.get_page(query.page)
    params = query.as_params()
    context = {
        "target": target,
        "query": query,
        "segment": segment,
        "page": page,
        "facets": facet_counts(query),
        "sorts": [(key, label) for key, (label, _order) in SORTS[target].items()],
        "params": urlencode(params, doseq=True),
        "segments": Segment.objects.filter(target=target),
        "facet_params": [f.param for f in FACETS[target]],
    }
    context["is_htmx"] = bool(request.headers.get("HX-Request"))
    template = "registry/_directory_body.html" if context["is_htmx"] else "registry/directory.html"
    return render(request, template, context)


@animator_required
@require_GET
def export(request: HttpRequest, target: str, fmt: str) -> HttpResponseBase:
    query, _segment = _query(request, target)
    queryset = query.queryset().order_by(*SORTS[target][query.sort][1])
    if target == "organisations":
        header, rows = exports.ORGANISATION_COLUMNS, exports.organisation_rows(queryset)
    else:
        header, rows = exports.PEOPLE_COLUMNS, exports.people_rows(queryset)
    filename = f"osmose-{target}"
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            exports.csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(header, rows, title=target),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "vcf" and target == "people":
        response = StreamingHttpResponse(
            exports.vcards(queryset), content_type="text/vcard; charset=utf-8"
        )
    else:
        return HttpResponse(status=404)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@animator_required
@require_POST
def segment_save(request: HttpRequest, target: str) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:150]
    query = DirectoryQuery.from_params(target, request.POST)  # type: ignore[arg-type]
    if not name:
        messages.error(request, _("Give the segment a name."))
        return redirect(
            reverse(f"registry:{target}") + "?" + urlencode(query.as_params(), doseq=True)
        )
    segment = save_segment(actor=request.user, name=name, target=target, query=query.as_params())
    messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
    return redirect(reverse(f"registry:{target}") + f"?segment={segment.slug}")


@animator_required
@require_POST
def segment_delete(request: HttpRequest, slug: str) -> HttpResponse:
    segment = get_object_or_404(Segment, slug=slug)
    target = segment.target
    delete_segment(actor=request.user, segment=segment)
    messages.success(request, _("Segment deleted."))
    return redirect(f"registry:{target}")


__all__ = ["TARGETS", "slugify"]


@animator_required
@require_GET
def organisation_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for an organisation field: ``<option>``s for its ``<datalist>`` (htmx)."""
    text = next((str(v) for v in request.GET.values() if str(v).strip()), "")[:100]
    organisations = (
        DirectoryQuery.from_params("organisations", {"q": text}).results()[:10] if text else []
    )
    return render(request, "registry/_organisation_options.html", {"organisations": organisations})
