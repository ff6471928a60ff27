"""Follow-ups: "did it lead somewhere?" at +30 and +90 days after a B2B meeting or an
introduction, answered from e-mail.

A "yes, we are working together" answer records a collaboration to be confirmed by the
animator, attributed to the meeting or introduction it came from (one per meeting or
introduction: the second person's "yes" joins the first one's).

Each e-mail carries one link per answer. A link's token is signed (``django.core.signing``,
so nobody can forge one or point it at someone else's follow-up), expires after
``LINK_DAYS`` and, once a follow-up has its answer, no link of it changes it again.

Sending is at most once: a follow-up is marked sent (one conditional UPDATE) before its
e-mail leaves, so two overlapping cron runs never send it twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from osmose.network.models import Collaboration, FollowUp, FollowUpAnswer, Introduction

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
        FollowUp.objects.select_related(
            "person", "meeting__brokerage__event", "introduction__event"
        )
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
        follow_up = FollowUp.objects.select_related("meeting", "introduction").get(
            pk=link.follow_up.pk
        )
        if link.answer == FollowUpAnswer.COLLABORATION:
            follow_up.collaboration = _reported_collaboration(follow_up)
            follow_up.save(update_fields=["collaboration"])
        log_action(
            "network.follow_up.answered",
            target=follow_up.person,
            data={"follow_up": follow_up.pk, "answer": link.answer},
        )
        return follow_up


def _reported_collaboration(follow_up: FollowUp) -> Collaboration:
    """The collaboration a "yes" reports: the one already born from the same meeting or
    introduction, or a new one "reported, to be confirmed" between the people's
    organisations."""
    from osmose.network import services

    origin = (
        {"origin_meeting": follow_up.meeting}
        if follow_up.meeting_id
        else {"origin_introduction": follow_up.introduction}
    )
    # Lock the meeting or introduction: two people answering "yes" at once make one record.
    if follow_up.meeting_id is not None:
        Meeting.objects.select_for_update().filter(pk=follow_up.meeting_id).first()
    elif follow_up.introduction_id is not None:
        Introduction.objects.select_for_update().filter(pk=follow_up.introduction_id).first()
    existing = Collaboration.objects.filter(**origin).order_by("pk").first()
    if existing is not None:
        existing.people.add(follow_up.person)
        return existing
    return services.report_collaboration(follow_up=follow_up)


# -- planning and sending ------------------------------------------------------------------


def plan(now: datetime | None = None) -> int:
    """Create the follow-ups that are due (idempotent): for the placed meetings of past
    events and for introductions."""
    now = now or timezone.now()
    return _plan_meetings(now) + _plan_introductions(now)


def _settled() -> set[tuple[str, int | None, int]]:
    rows = FollowUp.objects.filter(answer__in=SETTLED).values_list(
        "meeting_id", "introduction_id", "person_id"
    )
    return {
        ("m", meeting, person) if meeting else ("i", introduction, person)
        for meeting, introduction, person in rows
    }


def _plan_introductions(now: datetime) -> int:
    settled = _settled()
    new = []
    introductions = Introduction.objects.filter(
        on__lte=(now - timedelta(days=ROUNDS[0])).date(),
        on__gte=(now - timedelta(days=ROUNDS[-1] + 30)).date(),
    )
    for introduction in introductions:
        start = timezone.make_aware(datetime.combine(introduction.on, datetime.min.time()))
        for person_id in (introduction.person_a_id, introduction.person_b_id):
            for days in ROUNDS:
                due = start + timedelta(days=days)
                if due > now or (
                    days != ROUNDS[0] and ("i", introduction.pk, person_id) in settled
                ):
                    continue
                new.append(
                    FollowUp(
                        introduction=introduction,
                        person_id=person_id,
                        round_days=days,
                        due_at=due,
                    )
                )
    return len(FollowUp.objects.bulk_create(new, ignore_conflicts=True))


def _plan_meetings(now: datetime) -> int:
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
    settled = _settled()
    new = []
    for meeting in meetings:
        ended = meeting.brokerage.event.ends_at
        for participant in meeting.participants.all():
            person_id = participant.registration.person_id
            for days in ROUNDS:
                due = ended + timedelta(days=days)
                if due > now or (days != ROUNDS[0] and ("m", meeting.pk, person_id) in settled):
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
    if follow_up.meeting is not None:
        language, others, event = _about_meeting(follow_up)
        template = "network/email/meeting_follow_up.txt"
    else:
        language, others, event = _about_introduction(follow_up)
        template = "network/email/introduction_follow_up.txt"
    with translation.override(language):
        links = [(label, answer_url(follow_up, value)) for value, label in _choices()]
    subject, body = render_email(
        template,
        {
            "person": person,
            "event": event,
            "others": others,
            "days": follow_up.round_days,
            "links": links,
            "network_name": settings.OSMOSE_NETWORK_NAME,
        },
        language,
        time_zone=event.time_zone if event else None,
    )
    EmailMessage(subject=subject, body=body, to=[person.email]).send()
    return True


def _about_meeting(follow_up: FollowUp) -> tuple[str, str, Any]:
    """(language, the others' names, event) for a meeting's follow-up."""
    from osmose.matchmaking.agenda import participant_label

    meeting = follow_up.meeting
    assert meeting is not None
    participants = list(
        meeting.participants.select_related("registration__person", "registration__organisation")
    )
    person_id = follow_up.person_id
    mine = next((p for p in participants if p.registration.person_id == person_id), None)
    language = (mine.registration.language if mine else "") or settings.LANGUAGE_CODE
    others = ", ".join(
        participant_label(p) for p in participants if p.registration.person_id != person_id
    )
    return language, others, meeting.brokerage.event


def _about_introduction(follow_up: FollowUp) -> tuple[str, str, Any]:
    introduction = follow_up.introduction
    assert introduction is not None
    other = (
        introduction.person_b
        if introduction.person_a_id == follow_up.person_id
        else introduction.person_a
    )
    user = getattr(follow_up.person, "user", None)
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language, str(other), introduction.event


def _choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in FollowUpAnswer.choices]
