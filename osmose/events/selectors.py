from django.db.models import QuerySet
from django.utils import timezone

from osmose.events.models import Event, EventStatus


def upcoming_events(*, public_only: bool, limit: int = 5) -> QuerySet[Event]:
    """The next events, soonest first; the public sees published ones only."""
    events = Event.objects.filter(ends_at__gte=timezone.now()).exclude(
        status__in=[EventStatus.CANCELLED, EventStatus.ARCHIVED]
    )
    if public_only:
        events = events.filter(status__in=[EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED])
    return events.select_related("commune").order_by("starts_at")[:limit]


def upcoming_event_count() -> int:
    return (
        Event.objects.filter(ends_at__gte=timezone.now())
        .exclude(status__in=[EventStatus.CANCELLED, EventStatus.ARCHIVED])
        .count()
    )
