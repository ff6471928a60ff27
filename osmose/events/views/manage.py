"""Placeholder views, being written: each answers 404 until it is."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def event_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_create(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_manage(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def event_status(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def sessions(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def questions(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def registrations(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def registration_add(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def registrations_export(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def registration_action(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def badges_pdf(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def invitations(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def messages(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def attendance_close(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
