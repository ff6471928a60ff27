"""Who may read what: role checks and the public view of the registry."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja.errors import HttpError

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.registry.access import can_manage_registry, get_person_for_user
from osmose.registry.models import Organisation, OrganisationStatus, Person


def _can_read_public_view(user: Any) -> bool:
    """Members (and above) read the public view; funders do not read registry records."""
    return user_has_role(user, Role.MEMBER)


def _require_reader(request: HttpRequest) -> bool:
    """True for animators (everything); False for members (the public view); else 403."""
    if can_manage_registry(request.user):
        return True
    if _can_read_public_view(request.user):
        return False
    raise HttpError(403, "Your role does not give access to registry records.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_registry(request.user):
        raise HttpError(403, "Only animators may do this.")


def public_organisations() -> QuerySet[Organisation]:
    """Organisations the public directory may list: active and not merged."""
    return Organisation.objects.filter(status=OrganisationStatus.ACTIVE, merged_into=None)


def _public_person_q() -> Q:
    """People who agreed to publish at least one field and are neither erased nor merged."""
    return Q(erased_at=None, merged_into=None) & ~Q(public_fields=[])


def _person_for_writing(request: HttpRequest, person_id: int) -> Person:
    """Animators write anyone, a member only their own record (403 otherwise)."""
    _require_reader(request)
    try:
        return get_person_for_user(request.user, person_id, write=True)
    except PermissionDenied as error:
        raise HttpError(403, "You may only change your own record.") from error


def _is_own(request: HttpRequest, person: Person) -> bool:
    return person.user_id is not None and person.user_id == request.user.pk
