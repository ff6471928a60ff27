"""The organisation timeline: apps above the registry add their items through providers.

``register(provider)`` from an ``AppConfig.ready``; a provider takes the organisation and the
ids of its people (current and past) and returns :class:`TimelineItem` objects. The registry
never imports the apps that feed it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from osmose.registry.models import Organisation


@dataclass(frozen=True)
class TimelineItem:
    when: datetime | date
    kind: str  # e.g. "event", "meeting", "venture", "affiliation"
    title: str
    url: str = ""
    detail: str = ""

    @property
    def sort_key(self) -> str:
        return self.when.isoformat()


Provider = Callable[[Organisation, list[int]], list[TimelineItem]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def timeline_for(organisation: Organisation, *, limit: int = 50) -> list[TimelineItem]:
    person_ids = list(organisation.affiliations.values_list("person_id", flat=True))
    items: list[TimelineItem] = []
    for provider in _providers:
        items.extend(provider(organisation, person_ids))
    return sorted(items, key=lambda item: item.sort_key, reverse=True)[:limit]


def _affiliations(organisation: Organisation, person_ids: list[int]) -> list[TimelineItem]:
    from django.utils.translation import gettext as _

    items = []
    for affiliation in organisation.affiliations.select_related("person"):
        if affiliation.started_on:
            items.append(
                TimelineItem(
                    affiliation.started_on,
                    "affiliation",
                    _("%(person)s joins") % {"person": affiliation.person},
                )
            )
        if affiliation.ended_on:
            items.append(
                TimelineItem(
                    affiliation.ended_on,
                    "affiliation",
                    _("%(person)s leaves") % {"person": affiliation.person},
                )
            )
    return items


register(_affiliations)

__all__: list[Any] = ["TimelineItem", "register", "timeline_for"]
