"""Organisation endpoints."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from osmose.registry.access import get_organisation_for_user
from osmose.registry.api.access import _require_manager, _require_reader, public_organisations
from osmose.registry.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    _directory_params,
    _duplicates_response,
    _member_query,
    _name_filter,
    _ordered,
    _segment_query,
    _service_values,
    _terms,
    _unprocessable,
    router,
)
from osmose.registry.api.schemas import (
    DuplicatesOut,
    ErrorOut,
    OrganisationFilters,
    OrganisationIn,
    OrganisationItem,
    OrganisationOut,
    OrganisationPatch,
)
from osmose.registry.api.serialising import (
    Projected,
    _reloaded_organisation,
    _with_organisation_relations,
    full_organisation,
    public_organisation,
)
from osmose.registry.directory import DirectoryQuery
from osmose.registry.models import Organisation
from osmose.registry.services import organisations as organisation_services
from osmose.registry.services.duplicates import organisation_duplicates
from osmose.registry.services.indexing import organisation_record


@router.get(
    "/organisations",
    response=list[OrganisationItem],
    summary="List organisations",
    description=(
        "Filters are the directory's facets (repeat a parameter for several values). "
        'Animators get every organisation in full (`"view": "full"`); members get the public '
        'view of active organisations (`"view": "public"`) and may filter on q (names), kind, '
        "sector and dep only."
    ),
    operation_id="osmose_registry_api_list_organisations",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    if _require_reader(request):
        if filters.segment:
            query = _segment_query("organisations", filters.segment)
        else:
            query = DirectoryQuery.from_params("organisations", _directory_params(filters))
        return Projected(_with_organisation_relations(_ordered(query)), full_organisation)
    query = _member_query("organisations", filters)
    text, query.q = query.q, ""
    queryset = _ordered(query).filter(pk__in=public_organisations().values("pk"))
    queryset = _name_filter(queryset, text, ["name", "acronym"])
    return Projected(_with_organisation_relations(queryset), public_organisation)


@router.get(
    "/organisations/{organisation_id}",
    response=OrganisationItem,
    summary="One organisation",
    description="Members get the public view, and 404 for an organisation that is not public.",
    operation_id="osmose_registry_api_get_organisation",
)
def get_organisation(request: HttpRequest, organisation_id: int) -> Schema:
    if _require_reader(request):
        organisation = get_organisation_for_user(request.user, organisation_id)
        return full_organisation(_reloaded_organisation(organisation.pk))
    visible = _with_organisation_relations(public_organisations())
    return public_organisation(get_object_or_404(visible, pk=organisation_id))


@router.post(
    "/organisations",
    response={201: OrganisationOut, 409: DuplicatesOut, 422: ErrorOut},
    summary="Create an organisation (animators)",
    description=(
        "Returns 409 with the possible duplicates (same SIREN, similar name in the same "
        'town…); send the request again with `"force": true` to create it anyway. '
        "Invalid identifiers (SIREN, SIRET, RNSR, ROR, VAT) give 422 naming the field."
    ),
    operation_id="osmose_registry_api_create_organisation",
)
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Any:
    _require_manager(request)
    # Only the fields sent: the services' defaults and cleaners apply to the others.
    data = payload.dict(exclude_unset=True)
    values = _service_values(Organisation, data, organisation_services.EDITABLE_FIELDS)
    terms = _terms(payload.terms, "terms")
    try:
        cleaned = organisation_services.clean_organisation_values(values)
        if not payload.force:
            candidates = organisation_duplicates(organisation_record(Organisation(pk=0, **cleaned)))
            if candidates:
                names = dict(
                    Organisation.objects.filter(
                        pk__in=[c.object_id for c in candidates]
                    ).values_list("pk", "name")
                )
                return _duplicates_response(candidates, names)
        organisation = organisation_services.create_organisation(
            actor=request.user, values=values, terms=terms, tags=payload.tags
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return Status(201, full_organisation(_reloaded_organisation(organisation.pk)))


@router.patch(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, 409: DuplicatesOut, 422: ErrorOut},
    summary="Change an organisation (animators)",
    description=(
        "A change of name or identifiers that makes the organisation look like another "
        'returns 409 with the candidates; send it again with `"force": true` to apply it.'
    ),
    operation_id="osmose_registry_api_update_organisation",
)
def update_organisation(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch
) -> Any:
    _require_manager(request)
    organisation = get_organisation_for_user(request.user, organisation_id, write=True)
    data = payload.dict(exclude_unset=True)
    values = _service_values(Organisation, data, organisation_services.EDITABLE_FIELDS)
    terms = _terms(data["terms"], "terms") if data.get("terms") is not None else None
    try:
        identity = {"name", "acronym", "siren", "siret", "rnsr"} & values.keys()
        if identity and not payload.force:
            cleaned = organisation_services.clean_organisation_values(values)
            changed = Organisation(
                **{
                    f.attname: getattr(organisation, f.attname)
                    for f in Organisation._meta.concrete_fields
                }
            )
            for field in identity:
                setattr(changed, field, cleaned[field])
            candidates = organisation_duplicates(organisation_record(changed))
            if candidates:
                names = dict(
                    Organisation.objects.filter(
                        pk__in=[c.object_id for c in candidates]
                    ).values_list("pk", "name")
                )
                return _duplicates_response(candidates, names)
        organisation_services.update_organisation(
            actor=request.user,
            organisation=organisation,
            values=values,
            terms=terms,
            tags=data.get("tags"),
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return full_organisation(_reloaded_organisation(organisation.pk))
