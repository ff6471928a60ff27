"""The REST API under /api/v1/: each app contributes a router; schema at /api/v1/openapi.json."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from osmose.api.auth import AUTH

# Swagger UI (served from ninja's own static files) sets inline styles.
DOCS_CSP: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}

api = NinjaAPI(
    title="Osmose API",
    version="1",
    description=(
        "Read and write the network's data. Authenticate with `Authorization: Bearer <token>` "
        "(create a token on your account page or with `osmose createtoken EMAIL`)."
    ),
    auth=AUTH,
    docs_decorator=csp_override(DOCS_CSP),
    throttle=[AnonRateThrottle("60/m"), AuthRateThrottle("600/m")],
    urls_namespace="api",
)


class MeOut(Schema):
    email: str
    first_name: str
    last_name: str
    role: str
    language: str


@api.get("/me", response=MeOut, tags=["accounts"], summary="The authenticated user")
def me(request: HttpRequest) -> object:
    return request.user


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "Authentication required."}, status=401)


def mount_routers() -> None:
    """Each domain app's ``api.py`` router, mounted under its own prefix."""
    from osmose.events.api import router as events_router
    from osmose.matchmaking.api import router as matchmaking_router
    from osmose.network.api import router as network_router
    from osmose.pipeline.api import router as pipeline_router
    from osmose.registry.api import router as registry_router

    api.add_router("/", registry_router)
    api.add_router("/", events_router)
    api.add_router("/", matchmaking_router)
    api.add_router("/", pipeline_router)
    api.add_router("/", network_router)


mount_routers()
