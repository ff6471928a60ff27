"""E-mails to registrants, each in the registrant's language.

Templates live in ``events/email/<kind>.txt``: the first line is the subject, the rest the
body. Only links to our own pages are tracked (no pixels).
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from osmose.events.models import Registration

KINDS = {
    "confirmed", "waitlisted", "pending", "offered", "offer_expired", "cancelled", "rejected",
    "reminder", "thanks",
}  # fmt: skip


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def render_email(template: str, context: dict, language: str) -> tuple[str, str]:
    with translation.override(language):
        text = render_to_string(template, context).strip()
    subject, _sep, body = text.partition("\n")
    return " ".join(subject.split()), body.strip() + "\n"


def registration_context(registration: Registration) -> dict:
    from osmose.events.services import waitlist_position

    return {
        "registration": registration,
        "event": registration.event,
        "person": registration.person,
        "ticket_url": absolute(reverse("events:ticket", args=[registration.token])),
        "position": waitlist_position(registration),
        "network_name": settings.OSMOSE_NETWORK_NAME,
    }


def send_registration_email(kind: str, registration_id: int) -> None:
    if kind not in KINDS:
        raise ValueError(kind)
    registration = (
        Registration.objects.select_related("event", "person").filter(pk=registration_id).first()
    )
    if registration is None or not registration.person.email:
        return
    language = registration.language or settings.LANGUAGE_CODE
    subject, body = render_email(
        f"events/email/{kind}.txt", registration_context(registration), language
    )
    message = EmailMessage(subject=subject, body=body, to=[registration.person.email])
    message.send()
