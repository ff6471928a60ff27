"""E-mails to registrants and invited people, each in the person's language.

Templates live in ``events/email/<kind>.txt``: the first line is the subject, the rest the
body; dates are shown in the event's time zone. Only links to our own pages are tracked
(no pixels).

The periodic e-mails (reminders, thanks) are recorded through a service *before* they are
sent, under a lock: a run that crashes or overlaps another never sends one twice (at most
once, by design: a lost reminder is better than two).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import MIMEPart

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from osmose.events import documents
from osmose.events.models import (
    Attendance,
    Event,
    EventMessage,
    EventStatus,
    Invitation,
    Registration,
    RegistrationStatus,
)

logger = logging.getLogger(__name__)

KINDS = {
    "confirmed", "waitlisted", "pending", "offered", "offer_expired", "cancelled", "rejected",
    "reminder", "thanks", "event_cancelled",
}  # fmt: skip


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def render_email(
    template: str, context: dict, language: str, *, time_zone: str | None = None
) -> tuple[str, str]:
    """(subject, body) of ``template`` rendered in ``language`` and ``time_zone``."""
    with (
        translation.override(language),
        timezone.override(time_zone or settings.TIME_ZONE),
    ):
        text = render_to_string(template, context).strip()
    subject, _sep, body = text.partition("\n")
    return " ".join(subject.split()), body.strip() + "\n"


def registration_context(registration: Registration) -> dict:
    from osmose.events.services import waitlist_position

    return {
        "registration": registration,
        "event": registration.event,
        "person": registration.person,
        "location": documents.event_location(registration.event),
        "ticket_url": absolute(reverse("events:ticket", args=[registration.token])),
        "survey_url": absolute(reverse("events:survey", args=[registration.token])),
        "position": waitlist_position(registration),
        "network_name": settings.OSMOSE_NETWORK_NAME,
    }


def calendar_filename(event: Event) -> str:
    """``<event title>.ics`` as a file name (ASCII, hyphens), in the active language."""
    return f"{slugify(event.title)[:60].strip('-') or 'event'}.ics"


def _calendar_part(registration: Registration) -> MIMEPart:
    """The registrant's .ics as ``text/calendar; method=PUBLISH`` (Django's ``attach`` cannot
    put a parameter on the type)."""
    part = MIMEPart()
    with translation.override(registration.language or settings.LANGUAGE_CODE):
        filename = calendar_filename(registration.event)
    part.set_content(
        documents.registration_ics(registration).decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": "PUBLISH"},
        disposition="attachment",
        filename=filename,
    )
    return part


def registration_message(kind: str, registration: Registration) -> EmailMessage | None:
    """The e-mail of ``kind`` for ``registration`` (None without an address), unsent.

    A confirmation carries the ticket's QR code (``ticket-qr.png``) and the calendar file.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    if not registration.person.email:
        return None
    language = registration.language or settings.LANGUAGE_CODE
    subject, body = render_email(
        f"events/email/{kind}.txt",
        registration_context(registration),
        language,
        time_zone=registration.event.time_zone,
    )
    message = EmailMessage(subject=subject, body=body, to=[registration.person.email])
    if kind == "confirmed":
        message.attach(
            "ticket-qr.png", documents.qr_png(documents.ticket_payload(registration)), "image/png"
        )
        message.attach(_calendar_part(registration))
    return message


def send_registration_email(kind: str, registration_id: int) -> None:
    """Send ``kind`` (one of ``KINDS``) to the registrant; called after the commit."""
    if kind not in KINDS:
        raise ValueError(kind)
    registration = (
        Registration.objects.select_related("event", "event__commune", "person", "organisation")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return
    message = registration_message(kind, registration)
    if message is not None:
        message.send()


def _send(messages: list[EmailMessage]) -> int:
    """Send over one connection; the number sent."""
    if not messages:
        return 0
    return mailers.default.send_messages(messages) or 0


# --- Periodic e-mails -------------------------------------------------------------------------


def _reminder_days(event: Event) -> list[int]:
    days = set()
    for value in event.reminder_days or []:
        try:
            days.add(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(day for day in days if day > 0)


def send_reminders(now: datetime | None = None) -> int:
    """Send the reminders that are due; the number of e-mails sent. Meant for cron.

    For each upcoming public event and each confirmed registration, the reminder for ``d``
    days (each of ``event.reminder_days``) is due once ``now >= starts_at - d days``, unless
    the person registered after that moment (their confirmation just reached them). Several
    reminders due at once (cron was stopped) make one e-mail. Each one is recorded in
    ``registration.reminders_sent`` before it leaves: running twice sends nothing more.
    """
    from osmose.events import services

    now = now or timezone.now()
    sent = 0
    events = Event.objects.filter(
        status__in=(EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED), starts_at__gt=now
    ).select_related("commune")
    for event in events:
        due = [d for d in _reminder_days(event) if now >= event.starts_at - timedelta(days=d)]
        if not due:
            continue
        messages = []
        registrations = event.registrations.filter(
            status=RegistrationStatus.CONFIRMED
        ).select_related("person", "organisation")
        for registration in registrations:
            done = {int(day) for day in registration.reminders_sent or []}
            days = [
                d
                for d in due
                if d not in done
                and (
                    registration.confirmed_at is None
                    or registration.confirmed_at <= event.starts_at - timedelta(days=d)
                )
            ]
            if not days or not registration.person.email:
                continue
            if services.record_reminder(registration=registration, days=days):
                registration.event = event
                message = registration_message("reminder", registration)
                if message is not None:
                    messages.append(message)
        sent += _send(messages)
    return sent


def send_thanks(event: Event) -> int:
    """Thank the event's attendees (checked in) not yet thanked, with the survey link.

    Call it once the event is over; people checked in later (an offline phone syncing) are
    thanked by the next call. Each thank-you is recorded before it leaves (once only).
    """
    from osmose.events import services

    registrations = event.registrations.filter(
        status=RegistrationStatus.CONFIRMED,
        attendance=Attendance.ATTENDED,
        thanked_at=None,
    ).select_related("event", "event__commune", "person", "organisation")
    messages = []
    for registration in registrations:
        if not registration.person.email:
            continue
        if services.record_thanks(registration=registration):
            message = registration_message("thanks", registration)
            if message is not None:
                messages.append(message)
    return _send(messages)


def send_message(message: EventMessage) -> int:
    """Send an organiser's message to its audience (``services.message_recipients``).

    The organiser's subject and text are sent as written; around them, each person gets the
    greeting and the footer (why they receive it, their ticket link) in their own language.
    Replies go to the organiser who sent it. Returns the number of e-mails sent.
    """
    from osmose.events.services import message_recipients

    event = message.event
    reply_to = [message.sent_by.email] if message.sent_by and message.sent_by.email else []
    messages = []
    for registration in message_recipients(event, message.audience).select_related("organisation"):
        if not registration.person.email:
            continue
        registration.event = event
        context = {
            **registration_context(registration),
            "subject": " ".join(message.subject.split()),
            "body": message.body.strip(),
        }
        subject, body = render_email(
            "events/email/message.txt",
            context,
            registration.language or settings.LANGUAGE_CODE,
            time_zone=event.time_zone,
        )
        messages.append(
            EmailMessage(
                subject=subject, body=body, to=[registration.person.email], reply_to=reply_to
            )
        )
    return _send(messages)


# --- Invitations ------------------------------------------------------------------------------


def invitation_language(invitation: Invitation) -> str:
    """English for a person whose first language is English, French otherwise."""
    languages = invitation.person.languages or []
    first = str(languages[0]).lower() if languages else ""
    return "en" if first.startswith("en") else "fr"


def send_invitation(invitation: Invitation) -> bool:
    """E-mail a personal invitation: a registration link and a one-click "I will not come".

    Records ``sent_at`` (through ``services.record_invitation_sent``) once it left. False,
    and nothing sent, for a person without an address or erased.
    """
    from osmose.events import services

    person = invitation.person
    if not person.email or person.erased_at:
        return False
    event = invitation.event
    context = {
        "invitation": invitation,
        "event": event,
        "person": person,
        "location": documents.event_location(event),
        "invitation_url": absolute(reverse("events:invitation", args=[invitation.token])),
        "decline_url": absolute(reverse("events:invitation_decline", args=[invitation.token])),
        "network_name": settings.OSMOSE_NETWORK_NAME,
    }
    subject, body = render_email(
        "events/email/invitation.txt",
        context,
        invitation_language(invitation),
        time_zone=event.time_zone,
    )
    EmailMessage(subject=subject, body=body, to=[person.email]).send()
    services.record_invitation_sent(invitation=invitation)
    return True


def send_invitations(invitations: Iterable[Invitation]) -> int:
    """``send_invitation`` for each; the number sent."""
    return sum(1 for invitation in invitations if send_invitation(invitation))


def send_registration_email_or_queue(kind: str, registration_id: int) -> None:
    """Send now; if the mail server fails, queue it for the worker instead of failing the
    request (the registration is committed already and must not look lost)."""
    try:
        send_registration_email(kind, registration_id)
    except Exception:
        logger.exception("E-mail %s for registration %s failed; queued", kind, registration_id)
        from osmose.events.tasks import send_registration_email_later

        send_registration_email_later.enqueue(kind=kind, registration_id=registration_id)
