"""Placeholder views, being written: each answers 404 until it is."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def checkin_page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def checkin_search(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def checkin_sync(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def walk_in(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
