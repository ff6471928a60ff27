"""Events for tests, created through the services."""

from datetime import timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from osmose.events.models import Event, EventStatus
from osmose.events.services import Registrant, create_event

_sequence = count(1)


def event(*, status: str = EventStatus.PUBLISHED, **values: Any) -> Event:
    starts_at = values.pop("starts_at", timezone.now() + timedelta(days=20))
    values.setdefault("kind", "afterwork")
    values.setdefault("title_fr", f"Afterwork n° {next(_sequence)}")
    values.setdefault("title_en", "")
    values.setdefault("ends_at", starts_at + timedelta(hours=2))
    created = create_event(actor=None, values={"starts_at": starts_at, **values})
    if status != created.status:
        Event.objects.filter(pk=created.pk).update(status=status)
        created.status = status
    return created


def registrant(number: int | None = None, **values: Any) -> Registrant:
    number = next(_sequence) if number is None else number
    values.setdefault("given_name", "Alex")
    values.setdefault("family_name", f"Martin{number}")
    values.setdefault("email", f"alex.martin{number}@example.test")
    return Registrant(**values)
