"""Hooks through which apps above the B2B meetings add to the organiser's pages.

Apps register providers from their ``AppConfig.ready``; matchmaking never imports them.
- meeting actions: a meeting -> [(label, url)] shown on its row of the organiser's list (the
  network's "Log an interaction").
"""

from collections.abc import Callable
from typing import Any

Links = Callable[[Any], list[tuple[str, str]]]

_meeting_actions: list[Links] = []


def register_meeting_actions(provider: Links) -> None:
    if provider not in _meeting_actions:
        _meeting_actions.append(provider)


def meeting_actions(meeting: Any) -> list[tuple[str, str]]:
    return [link for provider in _meeting_actions for link in provider(meeting)]
