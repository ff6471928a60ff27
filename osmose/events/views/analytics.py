"""Placeholder views, being written: each answers 404 until it is."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def event_analytics(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_analytics_export(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def overview(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def overview_export(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
