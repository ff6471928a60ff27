"""A brokerage event with confirmed participants, built through the services."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from osmose.events import services as event_services
from osmose.events.models import Event
from osmose.events.tests import factories as event_factories
from osmose.matchmaking import services
from osmose.matchmaking.models import Brokerage, Participant
from osmose.registry.models import Organisation
from osmose.registry.tests import factories as registry_factories


def brokerage(*, slots: int = 6, sessions: int = 1, tables: int = 4, **settings: Any) -> Brokerage:
    """An upcoming event with B2B meetings: ``sessions`` sessions of ``slots`` 20-minute slots."""
    starts_at = timezone.now().replace(second=0, microsecond=0) + timedelta(days=30)
    event: Event = event_factories.event(
        kind="congress", starts_at=starts_at, ends_at=starts_at + timedelta(hours=10)
    )
    settings.setdefault("slot_minutes", 20)
    created = services.enable(event, table_count=tables, **settings)
    session_starts: list[datetime] = [starts_at + timedelta(hours=4 * i) for i in range(sessions)]
    services.set_sessions(
        created,
        [
            (f"Session {i + 1}", start, start + timedelta(minutes=settings["slot_minutes"] * slots))
            for i, start in enumerate(session_starts)
        ],
    )
    return created


def participant(
    brokerage: Brokerage,
    *,
    organisation: Organisation | None = None,
    given_name: str = "Alex",
    **values: Any,
) -> Participant:
    """A confirmed registrant (of ``organisation``, if given) who joined the B2B meetings."""
    registrant = event_factories.registrant(
        given_name=given_name,
        organisation_id=organisation.pk if organisation else None,
        organisation_name=organisation.name if organisation else "",
    )
    result = event_services.register(
        event=brokerage.event, registrant=registrant, notify=False, organiser=True
    )
    joined = services.join(result.registration, **values)
    return joined


def organisation(**values: Any) -> Organisation:
    return registry_factories.organisation(**values)
