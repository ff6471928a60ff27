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


# (organisation, ids of people): the organisation is None for a person's own timeline.
Provider = Callable[[Organisation | None, list[int]], list[TimelineItem]]
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


def timeline_for_person(person: Any, *, limit: int = 50) -> list[TimelineItem]:
    """The same providers, asked about one person (their events, meetings, affiliations…)."""
    items: list[TimelineItem] = []
    for provider in _providers:
        items.extend(provider(None, [person.pk]))
    return sorted(items, key=lambda item: item.sort_key, reverse=True)[:limit]


def _affiliations(organisation: Organisation | None, person_ids: list[int]) -> list[TimelineItem]:
    from django.utils.translation import gettext as _

    from osmose.registry.models import Affiliation

    items = []
    affiliations = (
        organisation.affiliations.all()
        if organisation is not None
        else Affiliation.objects.filter(person_id__in=person_ids).select_related("organisation")
    )
    for affiliation in affiliations.select_related("person"):
        if organisation is None:
            for when, text in (
                (affiliation.started_on, _("Joins %(organisation)s")),
                (affiliation.ended_on, _("Leaves %(organisation)s")),
            ):
                if when:
                    items.append(
                        TimelineItem(
                            when, "affiliation", text % {"organisation": affiliation.organisation}
                        )
                    )
            continue
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

__all__: list[Any] = ["TimelineItem", "register", "timeline_for", "timeline_for_person"]
