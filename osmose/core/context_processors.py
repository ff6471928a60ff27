from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The areas the navigation announces: (label, URL name, role needed, URL name for animators);
# a None URL name means still to come. The "funder" role admits funders and animators.
NAV_AREAS = [
    (_("Directory"), "registry:organisations", "animator", None),
    (_("Events"), "events:calendar", None, "events:manage_list"),
    (_("Meetings"), "matchmaking:index", "animator", None),
    (_("Ventures"), "pipeline:funnel", "funder", "pipeline:index"),
    (_("Network"), "network:home", "funder", None),
    (_("Programme"), None, None, None),
]


def nav_areas(user: Any) -> list[dict[str, Any]]:
    animator = bool(getattr(user, "is_animator", False))
    funder = bool(getattr(user, "is_funder", False))
    areas = []
    for label, url_name, role, animator_url_name in NAV_AREAS:
        if role == "animator" and not animator:
            continue
        if role == "funder" and not (animator or funder):
            continue
        url_name = (animator_url_name if animator else None) or url_name
        areas.append({"label": label, "url_name": url_name, "app": (url_name or "").split(":")[0]})
    return areas


def osmose(request: HttpRequest) -> dict[str, Any]:
    return {
        "network_name": settings.OSMOSE_NETWORK_NAME,
        "osmose_env": settings.OSMOSE_ENV,
        "nav_areas": nav_areas(getattr(request, "user", None)),
    }
