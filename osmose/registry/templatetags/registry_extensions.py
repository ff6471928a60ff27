"""``{% registry_actions record as links %}`` and ``{% organisation_sections organisation as
sections %}``: what apps above the registry add to its organisation and person pages."""

from typing import Any

from django import template
from django.utils.safestring import mark_safe

from osmose.registry import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def registry_actions(context: template.Context, record: Any) -> list[tuple[str, str]]:
    return extensions.actions(record, getattr(context.get("request"), "user", None))


@register.simple_tag(takes_context=True)
def organisation_sections(context: template.Context, organisation: Any) -> list[Any]:
    user = getattr(context.get("request"), "user", None)
    return [
        {"key": s.key, "title": s.title, "html": mark_safe(s.html)}  # rendered by the provider
        for s in extensions.organisation_sections(organisation, user)
    ]
