"""Fetch events and registrations for a request: these helpers carry the permission rules.

- Animators (and admins) manage every event and see drafts.
- Everyone (anonymous included) sees published events and those whose registration closed;
  other statuses are a 404 for them.
- A registration is reached by its ticket token (the link in the e-mails) or, for a logged-in
  person, from "My tickets"; animators reach any registration of an event they manage.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.events.models import Event, Registration


def can_manage_events(user: Any) -> bool:
    return user_has_role(user, Role.ANIMATOR)


def get_event_for_user(user: Any, pk: int, *, write: bool = False) -> Event:
    """The event if ``user`` may see it (``write``: manage it); 404 when hidden, 403 if refused."""
    event = Event.objects.select_related("commune").filter(pk=pk).first()
    if event is None:
        raise Http404
    if can_manage_events(user):
        return event
    if write:
        raise PermissionDenied
    if not event.is_public:
        raise Http404
    return event


def get_registration_by_token(token: str) -> Registration:
    registration = (
        Registration.objects.select_related("event", "person", "organisation")
        .filter(token=token)
        .first()
    )
    if registration is None:
        raise Http404
    return registration


def get_registration_for_user(user: Any, event: Event, pk: int) -> Registration:
    """A registration of ``event`` for its organisers (animators) only."""
    if not can_manage_events(user):
        raise PermissionDenied
    registration = (
        Registration.objects.select_related("person", "organisation")
        .filter(event=event, pk=pk)
        .first()
    )
    if registration is None:
        raise Http404
    return registration
