"""Events on the registry's timelines: who registered, came, or did not come."""

from django.urls import reverse
from django.utils.translation import gettext as _

from osmose.events.models import Attendance, Registration, RegistrationStatus
from osmose.registry.models import Organisation
from osmose.registry.timeline import TimelineItem


def registrations_timeline(
    organisation: Organisation | None, person_ids: list[int]
) -> list[TimelineItem]:
    registrations = Registration.objects.filter(
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    ).select_related("event", "person")
    if organisation is not None:
        registrations = registrations.filter(organisation=organisation) | registrations.filter(
            person_id__in=person_ids, organisation__isnull=True
        )
    else:
        registrations = registrations.filter(person_id__in=person_ids)
    items = []
    for registration in registrations.order_by("-event__starts_at")[:100]:
        event = registration.event
        if registration.attendance == Attendance.ATTENDED:
            text = _("%(person)s attended %(event)s")
        elif registration.attendance == Attendance.NO_SHOW:
            text = _("%(person)s did not come to %(event)s")
        else:
            text = _("%(person)s registered for %(event)s")
        items.append(
            TimelineItem(
                event.starts_at,
                "event",
                text % {"person": registration.person, "event": event.title},
                url=reverse("events:manage", args=[event.pk]),
            )
        )
    return items
