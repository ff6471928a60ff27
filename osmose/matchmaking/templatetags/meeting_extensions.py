"""``{% meeting_actions meeting as links %}``: what apps above add to a meeting's row."""

from typing import Any

from django import template

from osmose.matchmaking import extensions

register = template.Library()


@register.simple_tag
def meeting_actions(meeting: Any) -> list[tuple[str, str]]:
    return extensions.meeting_actions(meeting)
