"""``{{ meeting.unscheduled_reason|b2b_reason }}``: the reason in the reader's language."""

from django import template

from osmose.matchmaking.reasons import explain

register = template.Library()


@register.filter
def b2b_reason(reason: str) -> str:
    return explain(reason)
