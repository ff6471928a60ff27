"""Follow-ups: "did this meeting lead somewhere?" at +30 and +90 days, answered from e-mail.

Each e-mail carries one link per answer. A link's token is signed (``django.core.signing``,
so nobody can forge one or point it at someone else's follow-up), expires after
``LINK_DAYS`` and, once a follow-up has its answer, no link of it changes it again.

Sending is at most once: a follow-up is marked sent (one conditional UPDATE) before its
e-mail leaves, so two overlapping cron runs never send it twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from osmose.core.audit import log_action
from osmose.events.emails import absolute, render_email
from osmose.matchmaking.models import Meeting, MeetingStatus
from osmose.network.models import FollowUp, FollowUpAnswer

logger = logging.getLogger(__name__)

ROUNDS = (30, 90)
LINK_DAYS = 60
# The second round is skipped when the first answer settled it.
SETTLED = (FollowUpAnswer.COLLABORATION, FollowUpAnswer.NOTHING)
_SALT = "osmose.network.follow-up"


# -- links ---------------------------------------------------------------------------------


def answer_token(follow_up: FollowUp, answer: str) -> str:
    return signing.dumps({"f": follow_up.pk, "a": answer}, salt=_SALT, compress=True)


def answer_url(follow_up: FollowUp, answer: str) -> str:
    return absolute(reverse("network:follow_up", args=[answer_token(follow_up, answer)]))


@dataclass(frozen=True)
class Link:
    follow_up: FollowUp
    answer: str


class LinkError(Exception):
    """A follow-up link that is forged, damaged or expired (the message says which)."""


def read_token(token: str, *, now: datetime | None = None) -> Link:
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=LINK_DAYS))
    except signing.SignatureExpired as error:
        raise LinkError(_("This link has expired.")) from error
    except signing.BadSignature as error:
        raise LinkError(_("This link is not valid.")) from error
    follow_up = (
        FollowUp.objects.select_related("person", "meeting__brokerage__event")
        .filter(pk=data.get("f"))
        .first()
    )
    if follow_up is None or data.get("a") not in FollowUpAnswer.values:
        raise LinkError(_("This link is not valid."))
    return Link(follow_up, data["a"])


def record_answer(link: Link, *, note: str = "") -> FollowUp:
    """Store the answer of ``link``; refused if the follow-up was already answered."""
    with transaction.atomic():
        now = timezone.now()
        updated = FollowUp.objects.filter(pk=link.follow_up.pk, answered_at__isnull=True).update(
            answer=link.answer, note=note[:2000], answered_at=now, updated_at=now
        )
        if not updated:
            raise ValidationError(_("This question was already answered. Thank you!"))
        follow_up = FollowUp.objects.get(pk=link.follow_up.pk)
        log_action(
            "network.follow_up.answered",
            target=follow_up.person,
            data={"follow_up": follow_up.pk, "answer": link.answer},
        )
        return follow_up


# -- planning and sending ------------------------------------------------------------------


def plan(now: datetime | None = None) -> int:
    """Create the follow-ups that are due for placed meetings of past events (idempotent)."""
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(
            status=MeetingStatus.PLANNED,
            slot__isnull=False,
            brokerage__event__ends_at__lte=now - timedelta(days=ROUNDS[0]),
            brokerage__event__ends_at__gte=now - timedelta(days=ROUNDS[-1] + 30),
        )
        .select_related("brokerage__event")
        .prefetch_related("participants__registration")
    )
    settled = set(
        FollowUp.objects.filter(answer__in=SETTLED).values_list("meeting_id", "person_id")
    )
    new = []
    for meeting in meetings:
        ended = meeting.brokerage.event.ends_at
        for participant in meeting.participants.all():
            person_id = participant.registration.person_id
            for days in ROUNDS:
                due = ended + timedelta(days=days)
                if due > now or (days != ROUNDS[0] and (meeting.pk, person_id) in settled):
                    continue
                new.append(
                    FollowUp(meeting=meeting, person_id=person_id, round_days=days, due_at=due)
                )
    created = FollowUp.objects.bulk_create(new, ignore_conflicts=True)
    return len(created)


def send_due(now: datetime | None = None) -> int:
    """Send every follow-up that is due and not yet sent nor answered; the number sent."""
    now = now or timezone.now()
    plan(now)
    due = FollowUp.objects.filter(
        sent_at__isnull=True, answered_at__isnull=True, due_at__lte=now
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        # Claim it first: at most once, even with two runs at the same time.
        if not FollowUp.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now):
            continue
        try:
            sent += send(FollowUp.objects.select_related("person").get(pk=pk))
        except Exception:
            logger.exception("Follow-up %s could not be sent", pk)
    return sent


def send(follow_up: FollowUp) -> bool:
    """The follow-up e-mail (False when the person has no address any more)."""
    person = follow_up.person
    if not person.email:
        return False
    meeting = follow_up.meeting
    participants = list(
        meeting.participants.select_related("registration__person", "registration__organisation")
    )
    mine = next((p for p in participants if p.registration.person_id == person.pk), None)
    language = (mine.registration.language if mine else "") or settings.LANGUAGE_CODE
    from osmose.matchmaking.agenda import participant_label

    others = ", ".join(
        participant_label(p) for p in participants if p.registration.person_id != person.pk
    )
    event = meeting.brokerage.event
    with translation.override(language):
        links = [(label, answer_url(follow_up, value)) for value, label in _choices()]
    subject, body = render_email(
        "network/email/meeting_follow_up.txt",
        {
            "person": person,
            "event": event,
            "others": others,
            "days": follow_up.round_days,
            "links": links,
            "network_name": settings.OSMOSE_NETWORK_NAME,
        },
        language,
        time_zone=event.time_zone,
    )
    EmailMessage(subject=subject, body=body, to=[person.email]).send()
    return True


def _choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in FollowUpAnswer.choices]
