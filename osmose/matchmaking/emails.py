"""E-mails of the B2B meetings, each in the participant's language.

Templates live in ``matchmaking/email/<kind>.txt`` (first line the subject, as in events).
Every e-mail links to the participant's B2B space (their ticket's secret token).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation

from osmose.events.emails import absolute, render_email
from osmose.matchmaking import agenda
from osmose.matchmaking.models import Meeting, MeetingRequest, Participant

logger = logging.getLogger(__name__)

KINDS = {
    "request_received", "request_accepted", "request_declined", "meeting_added",
    "meeting_cancelled", "agenda", "agenda_changed",
}  # fmt: skip


def space_url(participant: Participant, name: str = "space") -> str:
    return absolute(reverse(f"matchmaking:{name}", args=[participant.registration.token]))


def _participant(pk: int) -> Participant | None:
    return (
        Participant.objects.select_related(
            "registration__person", "registration__organisation", "brokerage__event"
        )
        .filter(pk=pk)
        .first()
    )


def _recipient_and_context(kind: str, ids: dict[str, int]) -> tuple[Participant | None, dict]:
    if kind.startswith("request_"):
        request = (
            MeetingRequest.objects.select_related("requester", "recipient", "suggested")
            .filter(pk=ids["request_id"])
            .first()
        )
        if request is None:
            return None, {}
        to = request.recipient_id if kind == "request_received" else request.requester_id
        other = request.requester_id if kind == "request_received" else request.recipient_id
        other_participant = _participant(other)
        suggested = _participant(request.suggested_id) if request.suggested_id else None
        return _participant(to), {
            "request": request,
            "other": agenda.participant_label(other_participant) if other_participant else "",
            "suggested": agenda.participant_label(suggested) if suggested else "",
        }
    participant = _participant(ids["participant_id"])
    context: dict[str, Any] = {}
    if "meeting_id" in ids:
        meeting = Meeting.objects.filter(pk=ids["meeting_id"]).first()
        if meeting is None:
            return None, {}
        others = meeting.participants.exclude(pk=ids["participant_id"]).select_related(
            "registration__person", "registration__organisation"
        )
        context["meeting"] = meeting
        context["other"] = ", ".join(agenda.participant_label(p) for p in others)
    return participant, context


def message(kind: str, **ids: int) -> EmailMessage | None:
    """The e-mail ``kind`` (None when there is nobody with an address to send it to)."""
    if kind not in KINDS:
        raise ValueError(kind)
    participant, context = _recipient_and_context(kind, ids)
    if participant is None or not participant.registration.person.email:
        return None
    registration = participant.registration
    event = participant.brokerage.event
    language = registration.language or settings.LANGUAGE_CODE
    with translation.override(language):
        items = agenda.agenda(participant) if kind.startswith("agenda") else []
    context |= {
        "participant": participant,
        "person": registration.person,
        "event": event,
        "brokerage": participant.brokerage,
        "items": items,
        "space_url": space_url(participant),
        "requests_url": space_url(participant, "requests"),
        "agenda_url": space_url(participant, "agenda"),
        "network_name": settings.OSMOSE_NETWORK_NAME,
    }
    subject, body = render_email(
        f"matchmaking/email/{kind}.txt", context, language, time_zone=event.time_zone
    )
    email = EmailMessage(subject=subject, body=body, to=[registration.person.email])
    if kind.startswith("agenda"):
        with translation.override(language):
            email.attach("b2b-meetings.ics", agenda.agenda_ics(participant), "text/calendar")
    return email


def send(kind: str, **ids: int) -> bool:
    email = message(kind, **ids)
    if email is None:
        return False
    email.send()
    return True


def send_or_queue(kind: str, **ids: int) -> None:
    """Send now; if the mail server fails, the worker tries again (nothing is lost)."""
    try:
        send(kind, **ids)
    except Exception:
        logger.exception("B2B e-mail %s %s failed; queued", kind, ids)
        from osmose.matchmaking.tasks import send_email_later

        send_email_later.enqueue(kind=kind, ids=ids)
