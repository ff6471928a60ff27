from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from osmose.accounts.services import user_for_api_token


class BearerToken(HttpBearer):
    """``Authorization: Bearer osm_…``: a personal API token (``osmose createtoken``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


# The browser session works too (with CSRF on writes), so pages can call the API.
AUTH = [BearerToken(), django_auth]
