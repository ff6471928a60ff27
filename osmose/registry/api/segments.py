"""Segment endpoints: saved directory queries and what they select."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja.errors import ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from osmose.registry.api.access import _require_manager
from osmose.registry.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    _field_error,
    _ordered,
    _segment_query,
    router,
)
from osmose.registry.api.schemas import ErrorOut, OrganisationOut, PersonOut, SegmentIn, SegmentOut
from osmose.registry.api.serialising import (
    Projected,
    _with_organisation_relations,
    _with_person_relations,
    full_organisation,
    full_person,
)
from osmose.registry.directory import FACETS, DirectoryQuery, Target
from osmose.registry.models import Segment
from osmose.registry.services import segments as segment_services


@router.get(
    "/segments",
    response=list[SegmentOut],
    summary="Saved directory queries (animators)",
    operation_id="osmose_registry_api_list_segments",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_segments(request: HttpRequest, target: Target | None = None) -> Any:
    _require_manager(request)
    segments = Segment.objects.order_by("name", "pk")
    return segments.filter(target=target) if target else segments


@router.post(
    "/segments",
    response={200: SegmentOut, 201: SegmentOut, 422: ErrorOut},
    summary="Save a directory query as a segment (animators)",
    description="201 when created; 200 when a segment of that name and target was replaced.",
    operation_id="osmose_registry_api_create_segment",
)
def create_segment(request: HttpRequest, payload: SegmentIn) -> Any:
    _require_manager(request)
    known = {facet.param for facet in FACETS[payload.target]} | {"q", "sort"}
    unknown = sorted(set(payload.query) - known)
    if unknown:
        raise ValidationError(
            [_field_error("query", f"Unknown filters {unknown}; choose among {sorted(known)}.")]
        )
    query = DirectoryQuery.from_params(payload.target, payload.query).as_params()
    name = payload.name.strip()
    existed = Segment.objects.filter(name=name, target=payload.target).exists()
    segment = segment_services.save_segment(
        actor=request.user, name=name, target=payload.target, query=query
    )
    return Status(200 if existed else 201, segment)


def _segment_results(request: HttpRequest, slug: str, target: Target) -> DirectoryQuery:
    _require_manager(request)
    return _segment_query(target, slug)


@router.get(
    "/segments/{slug}/organisations",
    response=list[OrganisationOut],
    summary="The organisations a segment selects today (animators)",
    operation_id="osmose_registry_api_segment_organisations",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def segment_organisations(request: HttpRequest, slug: str) -> Any:
    query = _segment_results(request, slug, "organisations")
    return Projected(_with_organisation_relations(_ordered(query)), full_organisation)


@router.get(
    "/segments/{slug}/people",
    response=list[PersonOut],
    summary="The people a segment selects today (animators)",
    operation_id="osmose_registry_api_segment_people",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def segment_people(request: HttpRequest, slug: str) -> Any:
    query = _segment_results(request, slug, "people")
    return Projected(_with_person_relations(_ordered(query)), full_person)


@router.delete(
    "/segments/{slug}",
    response={204: None},
    summary="Delete a segment (animators)",
    operation_id="osmose_registry_api_delete_segment",
)
def delete_segment(request: HttpRequest, slug: str) -> Any:
    _require_manager(request)
    segment = get_object_or_404(Segment, slug=slug)
    segment_services.delete_segment(actor=request.user, segment=segment)
    return Status(204, None)
