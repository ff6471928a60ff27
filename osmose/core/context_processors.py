from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The areas the navigation announces: (label, URL name, role needed); None = still to come.
NAV_AREAS = [
    (_("Directory"), "registry:organisations", "animator"),
    (_("Events"), None, None),
    (_("Meetings"), None, None),
    (_("Ventures"), None, None),
    (_("Network"), None, None),
    (_("Programme"), None, None),
]


def osmose(request: HttpRequest) -> dict[str, Any]:
    return {
        "network_name": settings.OSMOSE_NETWORK_NAME,
        "osmose_env": settings.OSMOSE_ENV,
        "nav_areas": NAV_AREAS,
    }
