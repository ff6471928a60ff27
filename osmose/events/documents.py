"""The files an event produces: ticket QR codes, calendar files (.ics), ticket and badge PDFs.

Pure functions of the database rows they are given: they write nothing. The views, the
e-mails and the commands serve what these return.

- What a ticket's QR code says is ``ticket_payload``: ``OSMOSE-TICKET:<token>``, not a URL,
  so a phone's own camera app does not open a page with it; the check-in page reads it back
  with ``parse_ticket_payload``.
- Calendar files give times in UTC (every calendar shows them in its own zone) and one UID
  per event, the same in the public feed, the event's file and a registrant's file: they are
  one event, which a calendar updates instead of doubling.
- PDFs are drawn by WeasyPrint (imported when first needed: it is slow to import) from the
  templates in ``events/pdf/``, with DejaVu Sans, times shown in the event's time zone.
"""

import base64
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from osmose.events.models import Event, EventStatus, Registration, RegistrationStatus

TICKET_PREFIX = "OSMOSE-TICKET:"

# A ticket token as ``models.new_token`` makes it (URL-safe base64); older or hand-made
# tokens may be shorter, never longer than the column.
_TICKET_SHAPE = r"[A-Za-z0-9_-]{8,40}"
_TOKEN_RE = re.compile(rf"^{_TICKET_SHAPE}$")
_TICKET_URL_RE = re.compile(rf"/tickets/({_TICKET_SHAPE})(?:/|$)")

# Badges: a 2 x 4 grid of 90 x 65 mm badges on A4 (layout "sheet"), or one badge per page of
# that size for badge printers (layout "single").
BADGE_WIDTH_MM = 90
BADGE_HEIGHT_MM = 65
BADGE_COLUMNS = 2
BADGE_ROWS = 4
BADGES_PER_SHEET = BADGE_COLUMNS * BADGE_ROWS
BADGE_LAYOUTS = ("sheet", "single")


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- Ticket payload and QR codes --------------------------------------------------------------


def ticket_url(registration: Registration) -> str:
    """The absolute URL of the registrant's ticket page (the link in the e-mails)."""
    return _absolute(reverse("events:ticket", args=[registration.token]))


def ticket_payload(registration: Registration) -> str:
    """What the ticket's QR code encodes: ``TICKET_PREFIX`` followed by the ticket token."""
    return TICKET_PREFIX + registration.token


def parse_ticket_payload(text: str) -> str | None:
    """The ticket token in a scanned QR code or typed text, or None if there is none.

    Accepts ``OSMOSE-TICKET:<token>`` (the prefix in any case, surrounding blanks ignored)
    and a ticket URL (``…/tickets/<token>/``, also followed by ``ticket.pdf`` and the like).
    A bare word is not taken for a token: at the check-in desk it is a name to look up.
    The token is only checked for its shape; the caller looks it up.
    """
    text = (text or "").strip()
    if text[: len(TICKET_PREFIX)].upper() == TICKET_PREFIX:
        token = text[len(TICKET_PREFIX) :].strip()
        return token if _TOKEN_RE.match(token) else None
    if "/tickets/" in text:
        match = _TICKET_URL_RE.search(urlsplit(text).path if "://" in text else text)
        return match.group(1) if match else None
    return None


def ticket_short_code(registration: Registration) -> str:
    """The first eight characters of the token, printed under the QR code to read out."""
    return registration.token[:8]


def _qr(text: str) -> Any:
    import segno

    # Always a full QR code (never a Micro QR, which phone cameras often miss), level M.
    return segno.make_qr(text, error="m")


def qr_svg(text: str, *, border: int = 4) -> str:
    """A standalone SVG document (no XML declaration, so it can also be inlined in HTML).

    It has a ``viewBox`` and no size: it scales to its box (one unit per module). The light
    background is drawn, so the code scans on a dark page too. The same text always gives
    the same SVG.
    """
    out = io.BytesIO()
    _qr(text).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        border=border,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
    )
    return out.getvalue().decode()


def qr_png(text: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A PNG of the QR code, ``scale`` pixels per module (8: about 300 px for a ticket)."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=border, dark="#000", light="#fff")
    return out.getvalue()


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- Calendar files ---------------------------------------------------------------------------


def event_uid(event: Event) -> str:
    """The event's UID in every calendar file: stable for the life of the event."""
    host = urlsplit(settings.SITE_URL).hostname or "osmose"
    return f"event-{event.pk}@{host}"


def event_url(event: Event) -> str:
    return _absolute(reverse("events:event", args=[event.pk]))


def event_location(event: Event) -> str:
    """Venue, street and commune, comma-separated; the online link for an online event."""
    parts = [event.venue, event.street, event.commune.name if event.commune else ""]
    place = ", ".join(part.strip() for part in parts if part and part.strip())
    return place or event.online_url


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _calendar(name: str | None = None) -> Any:
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Osmose//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _vevent(event: Event, *, extra_description: str = "") -> Any:
    """The event as a VEVENT, in the active language."""
    import icalendar

    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", _utc(event.updated_at))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.ends_at))
    vevent.add("summary", event.title)
    location = event_location(event)
    if location:
        vevent.add("location", location)
    url = event_url(event)
    vevent.add("url", url)
    description = "\n\n".join(
        part for part in (event.description.strip(), extra_description, url) if part
    )
    vevent.add("description", description)
    vevent.add("categories", [str(event.get_kind_display())])
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    organiser_name, organiser_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if organiser_email:
        organizer = icalendar.vCalAddress(f"mailto:{organiser_email}")
        organizer.params["cn"] = icalendar.vText(settings.OSMOSE_NETWORK_NAME or organiser_name)
        vevent.add("organizer", organizer)
    return vevent


def event_ics(event: Event) -> bytes:
    """The event's calendar file (one VEVENT), in the active language."""
    calendar = _calendar()
    calendar.add_component(_vevent(event))
    return calendar.to_ical()


_PARTSTAT: dict[str, str] = {
    RegistrationStatus.CONFIRMED: "ACCEPTED",
    RegistrationStatus.CANCELLED: "DECLINED",
    RegistrationStatus.REJECTED: "DECLINED",
}


def registration_ics(registration: Registration) -> bytes:
    """The event as the registrant will put it in their calendar, in their language.

    The registrant is the ATTENDEE (PARTSTAT ACCEPTED when confirmed, DECLINED when
    cancelled or rejected, TENTATIVE while waiting); the description ends with the ticket
    link. A cancelled registration gives a cancelled event, so importing it again removes
    the event from the person's calendar. The UID is the event's (see the module docstring).
    """
    import icalendar

    event = registration.event
    person = registration.person
    with translation.override(registration.language or settings.LANGUAGE_CODE):
        vevent = _vevent(
            event, extra_description=_("Your ticket: %(url)s") % {"url": ticket_url(registration)}
        )
        if registration.updated_at > event.updated_at:
            vevent["dtstamp"] = icalendar.vDDDTypes(_utc(registration.updated_at))
        if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
            vevent["status"] = icalendar.vText("CANCELLED")
        if person.email:
            attendee = icalendar.vCalAddress(f"mailto:{person.email}")
            attendee.params["cn"] = icalendar.vText(str(person))
            attendee.params["cutype"] = "INDIVIDUAL"
            attendee.params["role"] = "REQ-PARTICIPANT"
            attendee.params["partstat"] = _PARTSTAT.get(registration.status, "TENTATIVE")
            attendee.params["rsvp"] = "FALSE"
            vevent.add("attendee", attendee)
        calendar = _calendar()
        calendar.add_component(vevent)
        return calendar.to_ical()


def calendar_feed_ics(events: Iterable[Event], *, name: str | None = None) -> bytes:
    """A calendar feed of ``events`` (one VEVENT each), in the active language.

    ``name`` (X-WR-CALNAME) defaults to "<network name> — events". The caller chooses the
    events (the public ones, say) and should ``select_related("commune")``. Calendars that
    subscribe are asked to refresh every six hours.
    """
    calendar = _calendar(
        name or _("%(network)s — events") % {"network": settings.OSMOSE_NETWORK_NAME}
    )
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


# --- PDFs ------------------------------------------------------------------------------------


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=settings.SITE_URL).write_pdf()
    if pdf is None:  # only when given a target to write to
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


def organisation_label(registration: Registration) -> str:
    """The organisation printed for a registrant: the registry's match, else what was typed."""
    if registration.organisation_id and registration.organisation is not None:
        return registration.organisation.name
    return registration.organisation_name


def ticket_html(registration: Registration) -> str:
    """The HTML that ``ticket_pdf`` prints (in the registrant's language and event's zone)."""
    event = registration.event
    with (
        translation.override(registration.language or settings.LANGUAGE_CODE),
        timezone.override(event.time_zone),
    ):
        return render_to_string(
            "events/pdf/ticket.html",
            {
                "registration": registration,
                "event": event,
                "person": registration.person,
                "organisation": organisation_label(registration),
                "location": event_location(event),
                "confirmed": registration.status == RegistrationStatus.CONFIRMED,
                "same_day": timezone.localdate(event.starts_at)
                == timezone.localdate(event.ends_at),
                "qr": _svg_data_uri(qr_svg(ticket_payload(registration))),
                "short_code": ticket_short_code(registration),
                "network_name": settings.OSMOSE_NETWORK_NAME,
            },
        )


def ticket_pdf(registration: Registration) -> bytes:
    """One A6 page: the event, when and where, who, the status and the QR code.

    Drawn in the registrant's language, times in the event's time zone. A ticket that is not
    confirmed says so in large type (it does not open the door). The caller should
    ``select_related("event__commune", "person", "organisation")``.
    """
    return _pdf(ticket_html(registration))


def _size_class(text: str, limits: Sequence[int]) -> str:
    """``"s0"`` for short text, up to ``"s<len(limits)>"`` for the longest (smaller type)."""
    for index, limit in enumerate(limits):
        if len(text) <= limit:
            return f"s{index}"
    return f"s{len(limits)}"


def badges_html(
    registrations: Iterable[Registration],
    *,
    layout: str = "sheet",
    extra_lines: Mapping[int, Sequence[str]] | None = None,
) -> str:
    """The HTML that ``badges_pdf`` prints (arguments as there)."""
    if layout not in BADGE_LAYOUTS:
        raise ValueError(f"layout must be one of {BADGE_LAYOUTS}, not {layout!r}")
    if extra_lines is None:
        from osmose.events.extensions import badge_lines

        registrations = list(registrations)
        extra_lines = badge_lines(registrations)
    badges = []
    for registration in registrations:
        person = registration.person
        badges.append(
            {
                "given_name": person.given_name,
                "given_size": _size_class(person.given_name, (10, 14, 20)),
                "family_name": person.family_name,
                "family_size": _size_class(person.family_name, (16, 24)),
                "organisation": organisation_label(registration),
                "event_title": registration.event.title,
                "qr": _svg_data_uri(qr_svg(ticket_payload(registration), border=2)),
                "extra_lines": list(extra_lines.get(registration.pk, ()))[:6],
            }
        )
    if layout == "sheet":
        pages = [
            badges[start : start + BADGES_PER_SHEET]
            for start in range(0, len(badges), BADGES_PER_SHEET)
        ] or [[]]
    else:
        pages = [[badge] for badge in badges] or [[]]
    return render_to_string(
        "events/pdf/badges.html",
        {
            "pages": pages,
            "layout": layout,
            "badge_width": BADGE_WIDTH_MM,
            "badge_height": BADGE_HEIGHT_MM,
            # The grid is centred on the A4 page (210 x 297 mm).
            "margin_x": (210 - BADGE_WIDTH_MM * BADGE_COLUMNS) / 2,
            "margin_y": (297 - BADGE_HEIGHT_MM * BADGE_ROWS) / 2,
        },
    )


def badges_pdf(
    registrations: Iterable[Registration],
    *,
    layout: str = "sheet",
    extra_lines: Mapping[int, Sequence[str]] | None = None,
) -> bytes:
    """Name badges as a PDF, in the order given.

    ``layout="sheet"``: A4 pages of ``BADGE_COLUMNS`` x ``BADGE_ROWS`` badges of
    ``BADGE_WIDTH_MM`` x ``BADGE_HEIGHT_MM`` mm with dashed cut guides; ``"single"``: one
    badge per page of the badge's size (badge printers, label stock).

    Each badge: the given name large, the family name, the organisation, the event's title
    and the ticket's QR code (``ticket_payload``, which the check-in page scans).

    ``extra_lines`` is the hook for the B2B meetings: registration pk -> short lines printed
    at the foot of that person's badge (for example ``["10:00 · table 4 · Acme"]``); about
    six fit, more are left out. The caller passes the registrations to print (usually the
    confirmed ones) with ``select_related("event", "person", "organisation")``; titles are
    in the active language.
    """
    return _pdf(badges_html(registrations, layout=layout, extra_lines=extra_lines))
