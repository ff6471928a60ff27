from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The areas the navigation announces; each domain issue turns one into a link.
NAV_COMING = [
    _("Directory"),
    _("Events"),
    _("Meetings"),
    _("Ventures"),
    _("Network"),
    _("Programme"),
]


def osmose(request: HttpRequest) -> dict[str, Any]:
    return {
        "network_name": settings.OSMOSE_NETWORK_NAME,
        "osmose_env": settings.OSMOSE_ENV,
        "nav_coming": NAV_COMING,
    }
