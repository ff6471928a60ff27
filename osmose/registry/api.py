"""Registry endpoints: organisations and people (read for now; the registry issue adds writes)."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.registry.models import Organisation

router = Router(tags=["registry"])


class OrganisationOut(Schema):
    id: int
    name: str
    acronym: str
    kind: str
    sector: str
    scope: str
    status: str
    website: str
    siren: str
    postcode: str
    commune: str | None
    departement: str | None

    @staticmethod
    def resolve_commune(obj: Organisation) -> str | None:
        return obj.commune.name if obj.commune else None

    @staticmethod
    def resolve_departement(obj: Organisation) -> str | None:
        return obj.departement.code if obj.departement else None


def _require_animator(request: HttpRequest) -> None:
    if not user_has_role(request.user, Role.ANIMATOR):
        raise HttpError(403, "Only animators may read the registry through the API for now.")


@router.get("/organisations", response=list[OrganisationOut], summary="List organisations")
@paginate(PageNumberPagination, page_size=50)
def list_organisations(request: HttpRequest, kind: str | None = None, sector: str | None = None):
    _require_animator(request)
    organisations = Organisation.objects.select_related("commune", "departement").order_by(
        "name", "id"
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    if sector:
        organisations = organisations.filter(sector=sector)
    return organisations


@router.get(
    "/organisations/{organisation_id}", response=OrganisationOut, summary="One organisation"
)
def get_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    _require_animator(request)
    return get_object_or_404(
        Organisation.objects.select_related("commune", "departement"), pk=organisation_id
    )
