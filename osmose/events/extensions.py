"""Hooks through which apps above events add to its pages and documents.

Apps register providers from their ``AppConfig.ready``; events never imports them.
- badge lines: registrations -> {registration pk: short lines printed on that badge} (the B2B
  meetings print each person's agenda);
- ticket links: a registration -> [(label, url)] shown on its ticket page (the B2B space);
- manage links: an event -> [(label, url)] shown among the organiser's tabs;
- registration actions: a registration -> [(label, url)] shown on its row of the organiser's
  list (the network's "Log an interaction").
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

BadgeLines = Callable[[Sequence[Any]], Mapping[int, Sequence[str]]]
Links = Callable[[Any], list[tuple[str, str]]]

_badge_lines: list[BadgeLines] = []
_ticket_links: list[Links] = []
_manage_links: list[Links] = []
_registration_actions: list[Links] = []


def register_badge_lines(provider: BadgeLines) -> None:
    if provider not in _badge_lines:
        _badge_lines.append(provider)


def register_ticket_links(provider: Links) -> None:
    if provider not in _ticket_links:
        _ticket_links.append(provider)


def register_manage_links(provider: Links) -> None:
    if provider not in _manage_links:
        _manage_links.append(provider)


def register_registration_actions(provider: Links) -> None:
    if provider not in _registration_actions:
        _registration_actions.append(provider)


def badge_lines(registrations: Sequence[Any]) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for provider in _badge_lines:
        for pk, extra in provider(registrations).items():
            lines.setdefault(pk, []).extend(extra)
    return lines


def ticket_links(registration: Any) -> list[tuple[str, str]]:
    return [link for provider in _ticket_links for link in provider(registration)]


def manage_links(event: Any) -> list[tuple[str, str]]:
    return [link for provider in _manage_links for link in provider(event)]


def registration_actions(registration: Any) -> list[tuple[str, str]]:
    return [link for provider in _registration_actions for link in provider(registration)]
