"""What the B2B meetings add to events' pages, and how they follow its registrations."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from osmose.events.models import Registration, RegistrationStatus
from osmose.matchmaking.models import Brokerage


def ticket_links(registration: Registration) -> list[tuple[str, str]]:
    """A confirmed registrant of an event with B2B meetings gets a link to their space."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return []
    if not Brokerage.objects.filter(event_id=registration.event_id).exists():
        return []
    return [(_("My B2B meetings"), reverse("matchmaking:space", args=[registration.token]))]


def manage_links(event: Any) -> list[tuple[str, str]]:
    return [(_("B2B meetings"), reverse("matchmaking:manage", args=[event.pk]))]


def registration_cancelled(sender: Any, registration: Registration, **kwargs: Any) -> None:
    from osmose.matchmaking import services

    services.on_registration_ended(registration)
