"""Hooks through which apps above the registry add to its organisation and person pages.

Apps register providers from their ``AppConfig.ready``; the registry never imports them.
- actions: (organisation or person, user) -> [(label, url)], shown among the page's buttons
  ("Log an interaction", "Introduce to…");
- sections: (organisation, user) -> [Section], extra cards on the organisation page (the
  network neighbourhood). A section's ``html`` is rendered, and escaped, by its provider.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from osmose.registry.models import Organisation, Person


@dataclass(frozen=True)
class Section:
    key: str  # a slug, used for the card's id
    title: str
    html: str  # safe markup rendered by the provider's own template


Actions = Callable[[Organisation | Person, Any], list[tuple[str, str]]]
Sections = Callable[[Organisation, Any], list[Section]]

_actions: list[Actions] = []
_sections: list[Sections] = []


def register_actions(provider: Actions) -> None:
    if provider not in _actions:
        _actions.append(provider)


def register_organisation_sections(provider: Sections) -> None:
    if provider not in _sections:
        _sections.append(provider)


def actions(record: Organisation | Person, user: Any) -> list[tuple[str, str]]:
    return [link for provider in _actions for link in provider(record, user)]


def organisation_sections(organisation: Organisation, user: Any) -> list[Section]:
    return [section for provider in _sections for section in provider(organisation, user)]
