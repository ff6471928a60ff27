"""Placeholder views, being written: each answers 404 until it is."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def calendar(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def calendar_feed(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def register(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_ics(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def invitation(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def invitation_decline(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
