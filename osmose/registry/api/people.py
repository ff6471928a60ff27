"""Person and affiliation endpoints."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from osmose.registry.access import get_person_for_user
from osmose.registry.api.access import (
    _is_own,
    _person_for_writing,
    _public_person_q,
    _require_manager,
    _require_reader,
)
from osmose.registry.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    _directory_params,
    _duplicates_response,
    _field_error,
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
    AffiliationEndIn,
    AffiliationIn,
    AffiliationOut,
    DuplicatesOut,
    ErrorOut,
    OrganisationRef,
    PersonFilters,
    PersonIn,
    PersonItem,
    PersonOut,
    PersonPatch,
)
from osmose.registry.api.serialising import (
    Projected,
    _reloaded_person,
    _with_person_relations,
    full_person,
    public_person,
)
from osmose.registry.directory import DirectoryQuery
from osmose.registry.models import Affiliation, Organisation, Person
from osmose.registry.services import people as people_services
from osmose.registry.services.duplicates import person_duplicates
from osmose.registry.services.indexing import person_record


@router.get(
    "/people",
    response=list[PersonItem],
    summary="List people",
    description=(
        "Filters are the directory's facets. Animators get everyone in full; members get the "
        "people who agreed to publication (public view) and their own record in full, and "
        "may filter on q (names) only."
    ),
    operation_id="osmose_registry_api_list_people",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_people(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    if _require_reader(request):
        if filters.segment:
            query = _segment_query("people", filters.segment)
        else:
            query = DirectoryQuery.from_params("people", _directory_params(filters))
        return Projected(_with_person_relations(_ordered(query)), full_person)
    query = _member_query("people", filters)
    text, query.q = query.q, ""
    user = request.user
    queryset = _ordered(query).filter(_public_person_q() | Q(user=user))
    queryset = _name_filter(queryset, text, ["given_name", "family_name"])
    return Projected(
        _with_person_relations(queryset),
        lambda person: full_person(person) if person.user_id == user.pk else public_person(person),
    )


@router.get(
    "/people/{person_id}",
    response=PersonItem,
    summary="One person",
    description=(
        "Members get their own record in full, the public view of a person who agreed to "
        "publication, and 404 otherwise."
    ),
    operation_id="osmose_registry_api_get_person",
)
def get_person(request: HttpRequest, person_id: int) -> Schema:
    if _require_reader(request):
        person = get_person_for_user(request.user, person_id)
        return full_person(_reloaded_person(person.pk))
    visible = Person.objects.filter(_public_person_q() | Q(user=request.user))
    person = get_object_or_404(_with_person_relations(visible), pk=person_id)
    return full_person(person) if _is_own(request, person) else public_person(person)


@router.post(
    "/people",
    response={201: PersonOut, 409: DuplicatesOut, 422: ErrorOut},
    summary="Create a person (animators)",
    description=(
        "Returns 409 with the possible duplicates (same e-mail, similar name…); send the "
        'request again with `"force": true` to create the person anyway.'
    ),
    operation_id="osmose_registry_api_create_person",
)
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    _require_manager(request)
    data = payload.dict(exclude_unset=True)
    values = _service_values(Person, data, people_services.EDITABLE_FIELDS)
    expertise = _terms(payload.expertise, "expertise")
    try:
        cleaned = people_services.clean_person_values(values)
        if not payload.force:
            candidates = person_duplicates(person_record(Person(pk=0, **cleaned)))
            if candidates:
                people = Person.objects.filter(pk__in=[c.object_id for c in candidates])
                return _duplicates_response(candidates, {p.pk: str(p) for p in people})
        person = people_services.create_person(
            actor=request.user, values=values, expertise=expertise
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return Status(201, full_person(_reloaded_person(person.pk)))


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, 409: DuplicatesOut, 422: ErrorOut},
    summary="Change a person (animators, or a member for their own record)",
    description=(
        "A change of name, e-mail or phone that makes the person look like someone else "
        'returns 409 with the candidates; send it again with `"force": true` to apply it.'
    ),
    operation_id="osmose_registry_api_update_person",
)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    person = _person_for_writing(request, person_id)
    data = payload.dict(exclude_unset=True)
    values = _service_values(Person, data, people_services.EDITABLE_FIELDS)
    expertise = (
        _terms(data["expertise"], "expertise") if data.get("expertise") is not None else None
    )
    try:
        identity = {"given_name", "family_name", "email", "phone"} & values.keys()
        if identity and not payload.force:
            cleaned = people_services.clean_person_values(values)
            changed = Person(
                **{f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}
            )
            for field in identity:
                setattr(changed, field, cleaned[field])
            candidates = person_duplicates(person_record(changed))
            if candidates:
                people = Person.objects.filter(pk__in=[c.object_id for c in candidates])
                return _duplicates_response(candidates, {p.pk: str(p) for p in people})
        people_services.update_person(
            actor=request.user, person=person, values=values, expertise=expertise
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    return full_person(_reloaded_person(person.pk))


# --- Affiliations -----------------------------------------------------------------------------


@router.get(
    "/people/{person_id}/affiliations",
    response=list[AffiliationOut],
    summary="A person's affiliations, current first",
    description="Animators, and members for their own record.",
    operation_id="osmose_registry_api_list_affiliations",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_affiliations(request: HttpRequest, person_id: int) -> Any:
    _require_reader(request)
    try:
        person = get_person_for_user(request.user, person_id)
    except PermissionDenied as error:
        raise HttpError(403, "Only animators and the person may read affiliations.") from error
    return Projected(
        Affiliation.objects.filter(person=person)
        .select_related("organisation")
        .order_by(models.F("ended_on").desc(nulls_first=True), "-is_primary", "-started_on", "pk"),
        _affiliation_out,
    )


def _affiliation_out(affiliation: Affiliation) -> AffiliationOut:
    return AffiliationOut(
        id=affiliation.pk,
        person=affiliation.person_id,
        organisation=OrganisationRef(
            id=affiliation.organisation_id, name=affiliation.organisation.name
        ),
        role=affiliation.role,
        started_on=affiliation.started_on,
        ended_on=affiliation.ended_on,
        is_primary=affiliation.is_primary,
    )


@router.post(
    "/people/{person_id}/affiliations",
    response={201: AffiliationOut, 422: ErrorOut},
    summary="Affiliate a person to an organisation (animators)",
    description="An existing current affiliation to the same organisation is updated instead.",
    operation_id="osmose_registry_api_add_affiliation",
)
def add_affiliation(request: HttpRequest, person_id: int, payload: AffiliationIn) -> Any:
    _require_manager(request)
    person = get_person_for_user(request.user, person_id, write=True)
    organisation = Organisation.objects.filter(pk=payload.organisation, merged_into=None).first()
    if organisation is None:
        raise ValidationError([_field_error("organisation", "Unknown organisation.")])
    try:
        affiliation = people_services.add_affiliation(
            actor=request.user,
            person=person,
            organisation=organisation,
            role=payload.role,
            started_on=payload.started_on,
            primary=payload.primary,
        )
    except DjangoValidationError as error:
        raise _unprocessable(error) from error
    affiliation.refresh_from_db()
    return Status(201, _affiliation_out(affiliation))


@router.post(
    "/affiliations/{affiliation_id}/end",
    response={200: AffiliationOut, 409: ErrorOut},
    summary="End an affiliation (animators)",
    description="The next current affiliation becomes primary when the primary one ends.",
    operation_id="osmose_registry_api_end_affiliation",
)
def end_affiliation(
    request: HttpRequest, affiliation_id: int, payload: AffiliationEndIn | None = None
) -> Any:
    _require_manager(request)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("person", "organisation"), pk=affiliation_id
    )
    get_person_for_user(request.user, affiliation.person_id, write=True)
    if affiliation.ended_on is not None:
        return Status(409, ErrorOut(detail="This affiliation has already ended."))
    people_services.end_affiliation(
        actor=request.user,
        affiliation=affiliation,
        ended_on=payload.ended_on if payload else None,
    )
    return _affiliation_out(affiliation)
