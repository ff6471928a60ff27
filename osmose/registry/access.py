"""Fetch registry objects for a request: these helpers carry the permission rules."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.registry.models import Organisation, Person


def can_manage_registry(user: Any) -> bool:
    """Animators (and admins) read and write the whole registry."""
    return user_has_role(user, Role.ANIMATOR)


def get_organisation_for_user(user: Any, pk: int, *, write: bool = False) -> Organisation:
    """Animators get any organisation; everyone else is refused (404 for unknown ids)."""
    organisation = (
        Organisation.objects.select_related("commune", "departement", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if organisation is None:
        raise Http404
    if not can_manage_registry(user):
        raise PermissionDenied
    return organisation


def get_person_for_user(user: Any, pk: int, *, write: bool = False) -> Person:
    """Animators get anyone; a member gets their own record (read and write)."""
    person = Person.objects.select_related("primary_organisation", "user").filter(pk=pk).first()
    if person is None:
        raise Http404
    if can_manage_registry(user):
        return person
    if getattr(user, "is_authenticated", False) and person.user_id == user.pk:
        return person
    raise PermissionDenied
