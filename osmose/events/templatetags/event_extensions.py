"""``{% ticket_links registration as links %}``, ``{% manage_links event as links %}`` and
``{% registration_actions registration as links %}``: what apps above events add to the ticket
page, the organiser's tabs and the rows of the registrations list."""

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


@register.simple_tag
def registration_actions(registration: Any) -> list[tuple[str, str]]:
    return extensions.registration_actions(registration)
