"""``{% ticket_links registration as links %}`` and ``{% manage_links event as links %}``:
what apps above events add to the ticket page and the organiser's tabs."""

from typing import Any

from django import template

from osmose.events import extensions

register = template.Library()


@register.simple_tag
def ticket_links(registration: Any) -> list[tuple[str, str]]:
    return extensions.ticket_links(registration)


@register.simple_tag
def manage_links(event: Any) -> list[tuple[str, str]]:
    return extensions.manage_links(event)
