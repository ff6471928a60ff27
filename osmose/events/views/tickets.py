"""Placeholder views, being written: each answers 404 until it is."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def my_tickets(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket_pdf(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket_ics(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket_qr(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket_cancel(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket_confirm(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def survey(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
