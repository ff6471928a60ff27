"""What the network adds to the pages of the apps below it: "Log an interaction" and
"Introduce to…" on registry records, attendee lists and B2B meetings, and the neighbourhood
section of an organisation page. Registered from ``NetworkConfig.ready``."""

from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from osmose.accounts.access import user_has_role
from osmose.accounts.models import Role
from osmose.network import graph, radial
from osmose.registry.extensions import Section
from osmose.registry.models import Organisation, Person


def quick_log_url(**params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return (
        f"{reverse('network:interaction_new')}?{query}"
        if query
        else reverse("network:interaction_new")
    )


def registry_actions(record: Organisation | Person, user: Any) -> list[tuple[str, str]]:
    if not user_has_role(user, Role.ANIMATOR):
        return []
    if isinstance(record, Organisation):
        return [(_("Log an interaction"), quick_log_url(organisation=record.pk))]
    introduce = f"{reverse('network:introduction_new')}?{urlencode({'person_a': record.pk})}"
    return [
        (_("Log an interaction"), quick_log_url(person=record.pk)),
        (_("Introduce to…"), introduce),
    ]


def registration_actions(registration: Any) -> list[tuple[str, str]]:
    """On the organiser's attendee list (animators only reach it)."""
    return [
        (
            _("Log an interaction"),
            quick_log_url(
                person=registration.person_id,
                organisation=registration.organisation_id,
                event=registration.event_id,
            ),
        )
    ]


def meeting_actions(meeting: Any) -> list[tuple[str, str]]:
    return [(_("Log an interaction"), quick_log_url(meeting=meeting.pk))]


def neighbourhood_section(organisation: Organisation, user: Any) -> list[Section]:
    if not user_has_role(user, Role.ANIMATOR):
        return []
    neighbours = graph.neighbourhood(organisation)
    html = render_to_string(
        "network/_neighbourhood.html",
        {
            "organisation": organisation,
            "neighbours": neighbours,
            "svg": radial.neighbourhood_svg(organisation, neighbours) if neighbours else "",
            "kind_labels": _kind_labels(),
        },
    )
    return [Section("neighbourhood", _("Neighbourhood in the network"), html)]


def _kind_labels() -> dict[str, str]:
    from osmose.network.exports import kind_labels

    return kind_labels()
