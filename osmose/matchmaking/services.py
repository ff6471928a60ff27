"""Every change to B2B meetings: joining, offers, "no thanks", requests, meetings.

Decisions that depend on other rows (a participant's meeting count, a colleague's meeting
with the same person, a request in the other direction) are taken with the brokerage row
locked (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every write transaction is
``BEGIN IMMEDIATE``), never by a check-then-insert. E-mails leave after the commit.

Exclusivity: two people of one organisation never have separate meetings with the same
person. When a second colleague's request is accepted, they join the existing meeting.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from osmose.core.audit import log_action
from osmose.core.models import JobProgress
from osmose.events.models import Event, Registration, RegistrationStatus
from osmose.matchmaking import reasons
from osmose.matchmaking.models import (
    Brokerage,
    Exclusion,
    ExclusionSource,
    Meeting,
    MeetingOrigin,
    MeetingRequest,
    MeetingSession,
    MeetingStatus,
    Mode,
    Offer,
    Participant,
    Priority,
    RequestStatus,
)

BROKERAGE_FIELDS = [
    "mode", "slot_minutes", "table_count", "table_names", "max_meetings", "requests_close_at",
    "schedule_deadline", "fairness",
]  # fmt: skip


def _lock(brokerage: Brokerage | int) -> Brokerage:
    pk = brokerage if isinstance(brokerage, int) else brokerage.pk
    # ``of=("self",)``: lock the brokerage row only, not the joined event row (events'
    # services lock the event first, then reach here through the cancellation signal).
    return Brokerage.objects.select_for_update(of=("self",)).select_related("event").get(pk=pk)


_silent: ContextVar[bool] = ContextVar("b2b_without_emails", default=False)


@contextmanager
def without_emails() -> Iterator[None]:
    """No e-mail leaves from the changes made inside (the demo, bulk set-ups)."""
    token = _silent.set(True)
    try:
        yield
    finally:
        _silent.reset(token)


def _notify(kind: str, **ids: Any) -> None:
    """Send the e-mail ``kind`` after the commit (``emails.send_or_queue``)."""
    from osmose.matchmaking import emails

    if not _silent.get():
        transaction.on_commit(lambda: emails.send_or_queue(kind, **ids))


# -- settings ------------------------------------------------------------------------------


@transaction.atomic
def enable(event: Event, *, actor: Any = None, **fields: Any) -> Brokerage:
    """Give ``event`` B2B meetings (idempotent), with ``fields`` from ``BROKERAGE_FIELDS``."""
    Event.objects.select_for_update().get(pk=event.pk)
    brokerage, created = Brokerage.objects.get_or_create(event=event)
    if fields:
        update(brokerage, actor=actor, **fields)
    elif created:
        log_action("matchmaking.enabled", actor=actor, target=event)
    return brokerage


@transaction.atomic
def update(brokerage: Brokerage, *, actor: Any = None, **fields: Any) -> Brokerage:
    locked = _lock(brokerage)
    for name in fields:
        if name not in BROKERAGE_FIELDS:
            raise ValueError(f"{name} is not a brokerage setting")
    placed = locked.meetings.filter(status=MeetingStatus.PLANNED, slot__isnull=False)
    new_length = fields.get("slot_minutes", locked.slot_minutes) != locked.slot_minutes
    if new_length and placed.exists():
        raise ValidationError(
            {
                "slot_minutes": _(
                    "Meetings are already scheduled: clear the schedule before changing "
                    "the slot length."
                )
            }
        )
    if "table_count" in fields:
        highest = placed.aggregate(highest=Max("table"))["highest"] or 0
        if fields["table_count"] < highest:
            raise ValidationError(
                {
                    "table_count": _(
                        "A meeting is placed at table %(table)d: clear the schedule or keep "
                        "at least %(table)d tables."
                    )
                    % {"table": highest}
                }
            )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    log_action(
        "matchmaking.updated", actor=actor, target=locked.event, data={"fields": sorted(fields)}
    )
    for name in fields:
        setattr(brokerage, name, getattr(locked, name))
    return locked


def set_sessions(
    brokerage: Brokerage, sessions: Sequence[tuple[str, Any, Any]], *, actor: Any = None
) -> list[MeetingSession]:
    """Replace the meeting sessions with ``(name, starts_at, ends_at)`` items.

    Refused once meetings are placed: slot numbers would change under them.
    """
    with transaction.atomic():
        locked = _lock(brokerage)
        if locked.meetings.filter(status=MeetingStatus.PLANNED, slot__isnull=False).exists():
            raise ValidationError(
                _("Meetings are already scheduled: clear the schedule before changing sessions.")
            )
        for _name, starts_at, ends_at in sessions:
            if ends_at <= starts_at:
                raise ValidationError(_("A session must end after it starts."))
        # Kept in place (in time order) so that meetings restricted to a session keep it.
        existing = list(locked.sessions.order_by("starts_at", "pk"))
        created = []
        for index, (name, starts_at, ends_at) in enumerate(
            sorted(sessions, key=lambda row: row[1])
        ):
            if index < len(existing):
                session = existing[index]
                session.name, session.starts_at, session.ends_at = name, starts_at, ends_at
                session.save()
            else:
                session = MeetingSession.objects.create(
                    brokerage=locked, name=name, starts_at=starts_at, ends_at=ends_at
                )
            created.append(session)
        for extra in existing[len(created) :]:
            extra.delete()
        log_action(
            "matchmaking.sessions",
            actor=actor,
            target=locked.event,
            data={"sessions": len(created)},
        )
        return created


# -- participants --------------------------------------------------------------------------


@transaction.atomic
def join(registration: Registration, *, headline: str = "") -> Participant:
    """Make a confirmed registrant a participant (idempotent; re-activates one who left)."""
    brokerage = Brokerage.objects.filter(event_id=registration.event_id).first()
    if brokerage is None:
        raise ValidationError(_("This event has no B2B meetings."))
    _lock(brokerage)
    if Registration.objects.get(pk=registration.pk).status != RegistrationStatus.CONFIRMED:
        raise ValidationError(_("Only confirmed registrants take part in the B2B meetings."))
    participant, created = Participant.objects.get_or_create(
        registration=registration, defaults={"brokerage": brokerage, "headline": headline}
    )
    if not created and not participant.active:
        participant.active = True
        participant.save(update_fields=["active", "updated_at"])
    if created:
        log_action(
            "matchmaking.joined", target=registration.event, data={"participant": participant.pk}
        )
    return participant


def update_profile(
    participant: Participant,
    *,
    headline: str | None = None,
    unavailable_slots: Iterable[int] | None = None,
) -> Participant:
    if headline is not None:
        participant.headline = headline[:200]
    if unavailable_slots is not None:
        count = len(participant.brokerage.slots())
        slots = sorted({int(s) for s in unavailable_slots})
        if any(s < 1 or s > count for s in slots):
            raise ValidationError(_("Unknown slot."))
        participant.unavailable_slots = slots
    participant.save()
    return participant


@transaction.atomic
def leave(participant: Participant, *, actor: Any = None) -> None:
    """Leave the B2B meetings: pending requests are withdrawn, meetings cancelled."""
    _lock(participant.brokerage_id)
    participant.active = False
    participant.save(update_fields=["active", "updated_at"])
    MeetingRequest.objects.filter(
        Q(requester=participant) | Q(recipient=participant), status=RequestStatus.PENDING
    ).update(status=RequestStatus.WITHDRAWN, answered_at=timezone.now())
    for meeting in participant.meetings.filter(status=MeetingStatus.PLANNED):
        _remove_from_meeting(meeting, participant, actor=actor)


def on_registration_ended(registration: Registration) -> None:
    """A cancelled (or rejected) registration leaves the B2B meetings."""
    participant = Participant.objects.filter(registration=registration, active=True).first()
    if participant is not None:
        leave(participant)


# -- offers and exclusions -----------------------------------------------------------------


def save_offer(
    participant: Participant,
    *,
    kind: str,
    category: str,
    title: str,
    description: str = "",
    terms: Iterable[Any] = (),
    offer: Offer | None = None,
) -> Offer:
    offer = offer or Offer(participant=participant)
    if offer.participant_id != participant.pk:
        raise ValidationError(_("This offer belongs to another participant."))
    offer.kind, offer.category, offer.title, offer.description = kind, category, title, description
    offer.full_clean()
    offer.save()
    offer.terms.set(list(terms))
    return offer


def delete_offer(participant: Participant, offer: Offer) -> None:
    """A participant deletes one of their own offers or requests."""
    if offer.participant_id != participant.pk:
        raise ValidationError(_("This offer belongs to another participant."))
    offer.delete()


def no_thanks(participant: Participant, other: Participant) -> None:
    """``participant`` does not want to meet ``other`` (recommendations skip them)."""
    if participant.brokerage_id != other.brokerage_id or participant.pk == other.pk:
        raise ValidationError(_("Unknown participant."))
    Exclusion.objects.get_or_create(
        brokerage_id=participant.brokerage_id,
        participant=participant,
        other=other,
        source=ExclusionSource.PARTICIPANT,
    )


def undo_no_thanks(participant: Participant, other: Participant) -> None:
    Exclusion.objects.filter(
        participant=participant, other=other, source=ExclusionSource.PARTICIPANT
    ).delete()


@transaction.atomic
def forbid(brokerage: Brokerage, a: Participant, b: Participant, *, actor: Any = None) -> None:
    """The organiser forbids a meeting between ``a`` and ``b``; a planned one is cancelled."""
    locked = _lock(brokerage)
    if a.pk == b.pk or {a.brokerage_id, b.brokerage_id} != {locked.pk}:
        raise ValidationError(_("Unknown participant."))
    Exclusion.objects.get_or_create(
        brokerage=locked, participant=a, other=b, source=ExclusionSource.ORGANISER
    )
    pending = MeetingRequest.objects.filter(
        Q(requester=a, recipient=b) | Q(requester=b, recipient=a), status=RequestStatus.PENDING
    )
    pending.update(status=RequestStatus.DECLINED, answered_at=timezone.now())
    for meeting in _meetings_with(locked, a, b):
        cancel_meeting(meeting, actor=actor, reason=reasons.FORBIDDEN)
    log_action(
        "matchmaking.forbidden",
        actor=actor,
        target=locked.event,
        data={"participants": [a.pk, b.pk]},
    )


def excluded(a: Participant, b: Participant) -> ExclusionSource | None:
    """Why ``a`` and ``b`` may not meet: the organiser's ban, either side's "no thanks"."""
    rows = Exclusion.objects.filter(
        Q(participant=a, other=b) | Q(participant=b, other=a)
    ).values_list("source", flat=True)
    sources = set(rows)
    if ExclusionSource.ORGANISER in sources:
        return ExclusionSource.ORGANISER
    return ExclusionSource.PARTICIPANT if sources else None


def are_colleagues(a: Participant, b: Participant) -> bool:
    org_a, org_b = a.registration.organisation_id, b.registration.organisation_id
    return org_a is not None and org_a == org_b


# -- requests ------------------------------------------------------------------------------


def requests_open(brokerage: Brokerage, now: Any = None) -> bool:
    now = now or timezone.now()
    if brokerage.mode != Mode.REQUESTS or brokerage.event.ends_at < now:
        return False
    return not (brokerage.requests_close_at and now > brokerage.requests_close_at)


def request_meeting(
    requester: Participant,
    recipient: Participant,
    *,
    message: str = "",
    priority: int = Priority.WOULD_LIKE,
) -> MeetingRequest:
    """Ask ``recipient`` for a meeting; returns the live request (a retry returns the first).

    A request already made the other way round is accepted instead: both want the meeting.
    """
    if priority not in (Priority.WOULD_LIKE, Priority.MUST_MEET):
        raise ValidationError(_("Unknown priority."))
    with transaction.atomic():
        brokerage = _lock(requester.brokerage_id)
        requester.refresh_from_db()
        recipient.refresh_from_db()
        _check_pair(brokerage, requester, recipient)
        if not requests_open(brokerage):
            raise ValidationError(_("Meeting requests are closed."))
        live = MeetingRequest.objects.filter(
            requester=requester, recipient=recipient, status__in=["pending", "accepted"]
        ).first()
        if live is not None:
            return live
        reverse = MeetingRequest.objects.filter(
            requester=recipient, recipient=requester, status=RequestStatus.PENDING
        ).first()
        if reverse is not None:
            _accept(brokerage, reverse, reply=message)
            return reverse
        if _meetings_with(brokerage, requester, recipient):
            raise ValidationError(_("You already have a meeting with this participant."))
        request = MeetingRequest.objects.create(
            brokerage=brokerage,
            requester=requester,
            recipient=recipient,
            message=message[:1000],
            priority=priority,
        )
        _notify("request_received", request_id=request.pk)
        return request


def answer_request(
    request: MeetingRequest,
    *,
    accept: bool,
    reply: str = "",
    suggested: Participant | None = None,
) -> MeetingRequest:
    """The recipient accepts (a meeting is made) or declines, maybe suggesting someone else."""
    with transaction.atomic():
        brokerage = _lock(request.brokerage_id)
        request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.PENDING:
            raise ValidationError(_("This request was already answered."))
        if accept:
            _check_pair(brokerage, request.requester, request.recipient)
            _accept(brokerage, request, reply=reply)
            return request
        if suggested is not None and (
            suggested.brokerage_id != brokerage.pk
            or not suggested.active
            or suggested.pk in (request.requester_id, request.recipient_id)
        ):
            raise ValidationError(_("Unknown participant."))
        request.status = RequestStatus.DECLINED
        request.reply = reply[:1000]
        request.suggested = suggested
        request.answered_at = timezone.now()
        request.save()
        _notify("request_declined", request_id=request.pk)
        return request


def withdraw_request(request: MeetingRequest) -> None:
    with transaction.atomic():
        _lock(request.brokerage_id)
        updated = MeetingRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
            status=RequestStatus.WITHDRAWN, answered_at=timezone.now()
        )
        if not updated:
            raise ValidationError(_("This request was already answered."))


def _check_pair(brokerage: Brokerage, a: Participant, b: Participant) -> None:
    if a.pk == b.pk or {a.brokerage_id, b.brokerage_id} != {brokerage.pk}:
        raise ValidationError(_("Unknown participant."))
    if not (a.active and b.active):
        raise ValidationError(_("This participant no longer takes part in the B2B meetings."))
    if are_colleagues(a, b):
        raise ValidationError(_("You work for the same organisation."))
    if excluded(a, b) is not None:
        raise ValidationError(_("This participant is not available for a meeting with you."))


def _accept(brokerage: Brokerage, request: MeetingRequest, *, reply: str) -> Meeting:
    meeting = _make_meeting(
        brokerage,
        [request.requester, request.recipient],
        origin=MeetingOrigin.REQUEST,
        priority=request.priority,
        request=request,
    )
    request.status = RequestStatus.ACCEPTED
    request.reply = reply[:1000]
    request.answered_at = timezone.now()
    request.save()
    _notify("request_accepted", request_id=request.pk)
    return meeting


# -- meetings ------------------------------------------------------------------------------


def _meetings_with(brokerage: Brokerage, a: Participant, b: Participant) -> list[Meeting]:
    return list(
        Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED)
        .filter(participants=a)
        .filter(participants=b)
    )


def _colleague_meeting(
    brokerage: Brokerage, person: Participant, other: Participant
) -> Meeting | None:
    """A planned meeting of ``other`` with a colleague of ``person`` (exclusivity)."""
    organisation = person.registration.organisation_id
    if organisation is None:
        return None
    return (
        Meeting.objects.filter(brokerage=brokerage, status=MeetingStatus.PLANNED)
        .filter(participants=other)
        .filter(participants__registration__organisation_id=organisation)
        .exclude(participants=person)
        .first()
    )


def meeting_count(participant: Participant) -> int:
    return participant.meetings.filter(status=MeetingStatus.PLANNED).count()


def _make_meeting(
    brokerage: Brokerage,
    participants: Sequence[Participant],
    *,
    origin: str,
    priority: int,
    request: MeetingRequest | None = None,
    actor: Any = None,
    force: bool = False,
    fixed_slot: int | None = None,
    session: MeetingSession | None = None,
) -> Meeting:
    """A new meeting of ``participants`` — or, for two people, the colleague's meeting they
    join. The caller holds the brokerage lock."""
    if len(participants) == 2:
        a, b = participants
        joined = _colleague_meeting(brokerage, a, b) or _colleague_meeting(brokerage, b, a)
        if joined is not None:
            if fixed_slot is not None or session is not None:
                raise ValidationError(
                    _(
                        "A colleague already meets this person: they will join that meeting. "
                        "Set the slot or the session on that meeting instead."
                    )
                )
            newcomer = a if b in joined.participants.all() else b
            _check_limit(newcomer, force=force)
            joined.participants.add(newcomer)
            joined.priority = max(joined.priority, priority)
            fields = ["priority", "updated_at"]
            if joined.slot is not None and _busy(newcomer, joined.slot, but=joined):
                # Their colleague's time does not suit them: the next run places it again.
                joined.slot = joined.table = None
                joined.unscheduled_reason = reasons.NEWCOMER_BUSY
                fields += ["slot", "table", "unscheduled_reason"]
            joined.save(update_fields=fields)
            return joined
    for participant in participants:
        _check_limit(participant, force=force)
    meeting = Meeting.objects.create(
        brokerage=brokerage,
        origin=origin,
        priority=priority,
        request=request,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        fixed_slot=fixed_slot,
        session=session,
    )
    meeting.participants.set(participants)
    return meeting


def _busy(participant: Participant, slot: int, *, but: Meeting) -> bool:
    """Is ``participant`` unavailable, or in another meeting, at ``slot``?"""
    if slot in {int(s) for s in participant.unavailable_slots}:
        return True
    return (
        participant.meetings.filter(status=MeetingStatus.PLANNED, slot=slot)
        .exclude(pk=but.pk)
        .exists()
    )


def _check_limit(participant: Participant, *, force: bool) -> None:
    if not force and meeting_count(participant) >= participant.meeting_limit:
        raise ValidationError(
            _("%(name)s already has the maximum number of meetings (%(count)d).")
            % {"name": participant.person, "count": participant.meeting_limit}
        )


def add_meeting(
    brokerage: Brokerage,
    participants: Sequence[Participant],
    *,
    actor: Any = None,
    force: bool = False,
    fixed_slot: int | None = None,
    session: MeetingSession | None = None,
) -> Meeting:
    """The organiser makes a meeting. ``force`` passes over the meeting limits and the
    participants' "no thanks" (never over the organiser's own ban)."""
    with transaction.atomic():
        locked = _lock(brokerage)
        people = list(participants)
        if len({p.pk for p in people}) != len(people) or len(people) < 2:
            raise ValidationError(_("A meeting needs at least two different participants."))
        for index, a in enumerate(people):
            if a.brokerage_id != locked.pk or not a.active:
                raise ValidationError(_("Unknown participant."))
            for b in people[index + 1 :]:
                why = excluded(a, b)
                if why == ExclusionSource.ORGANISER or (why and not force):
                    raise ValidationError(
                        _("%(a)s and %(b)s may not meet.") % {"a": a.person, "b": b.person}
                    )
        if fixed_slot is not None and not 1 <= fixed_slot <= len(locked.slots()):
            raise ValidationError(_("Unknown slot."))
        meeting = _make_meeting(
            locked,
            people,
            origin=MeetingOrigin.ORGANISER,
            priority=Priority.ORGANISER,
            actor=actor,
            force=force,
            fixed_slot=fixed_slot,
            session=session,
        )
        log_action(
            "matchmaking.meeting_added",
            actor=actor,
            target=locked.event,
            data={"meeting": meeting.pk},
        )
        for participant in people:
            _notify("meeting_added", meeting_id=meeting.pk, participant_id=participant.pk)
        return meeting


def cancel_meeting(
    meeting: Meeting, *, actor: Any = None, reason: str = reasons.BY_ORGANISER
) -> Meeting:
    """Cancel: the table and slot are freed; every participant is told."""
    with transaction.atomic():
        _lock(meeting.brokerage_id)
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status == MeetingStatus.CANCELLED:
            return meeting
        _cancel(meeting, reason=reason)
        log_action(
            "matchmaking.meeting_cancelled",
            actor=actor,
            target=meeting.brokerage.event,
            data={"meeting": meeting.pk},
        )
        return meeting


def _cancel(meeting: Meeting, *, reason: str) -> None:
    """Cancel (``reason``: a code of ``reasons``); the accepted requests behind it are
    withdrawn, so the people can ask each other again."""
    was_placed = meeting.slot is not None
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.unscheduled_reason = reason[:300]
    meeting.slot = meeting.table = None
    meeting.save()
    people = list(meeting.participants.values_list("pk", flat=True))
    _withdraw_accepted(meeting.brokerage_id, people, people)
    if was_placed or meeting.brokerage.schedule_published:
        for participant_id in people:
            _notify("meeting_cancelled", meeting_id=meeting.pk, participant_id=participant_id)


def _withdraw_accepted(brokerage_id: int, some: list[int], others: list[int]) -> None:
    MeetingRequest.objects.filter(
        brokerage_id=brokerage_id,
        status=RequestStatus.ACCEPTED,
        requester_id__in=some,
        recipient_id__in=others,
    ).update(status=RequestStatus.WITHDRAWN)
    MeetingRequest.objects.filter(
        brokerage_id=brokerage_id,
        status=RequestStatus.ACCEPTED,
        requester_id__in=others,
        recipient_id__in=some,
    ).update(status=RequestStatus.WITHDRAWN)


def _leave_meeting(meeting: Meeting, participant: Participant, *, reason: str) -> None:
    """``participant`` leaves ``meeting``. A meeting where no two remaining people are of
    different organisations (one person left, or only colleagues) is cancelled; otherwise
    the others are told that one person will not come."""
    remaining = [
        p for p in meeting.participants.select_related("registration") if p.pk != participant.pk
    ]
    organisations = {p.registration.organisation_id or -p.pk for p in remaining}
    if len(remaining) < 2 or len(organisations) < 2:
        _cancel(meeting, reason=reason)
        return
    meeting.participants.remove(participant)
    _withdraw_accepted(meeting.brokerage_id, [participant.pk], [p.pk for p in remaining])
    if meeting.slot is not None or meeting.brokerage.schedule_published:
        _notify("meeting_cancelled", meeting_id=meeting.pk, participant_id=participant.pk)
        for other in remaining:
            _notify("agenda_changed", participant_id=other.pk)


def _remove_from_meeting(meeting: Meeting, participant: Participant, *, actor: Any) -> None:
    _leave_meeting(meeting, participant, reason=reasons.LEFT)
    log_action(
        "matchmaking.meeting_left",
        actor=actor,
        target=meeting.brokerage.event,
        data={"meeting": meeting.pk, "participant": participant.pk},
    )


def cancel_my_meeting(meeting: Meeting, participant: Participant) -> None:
    """A participant cancels their meeting (they leave it; the others are told)."""
    with transaction.atomic():
        _lock(meeting.brokerage_id)
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status != MeetingStatus.PLANNED or not meeting.participants.filter(
            pk=participant.pk
        ):
            raise ValidationError(_("This meeting is not yours to cancel."))
        _leave_meeting(meeting, participant, reason=reasons.BY_PARTICIPANT)
        log_action(
            "matchmaking.meeting_left",
            target=meeting.brokerage.event,
            data={"meeting": meeting.pk, "participant": participant.pk},
        )


# -- organiser: limits and publication (added by the organiser-pages helper) ----------------


def set_max_meetings(
    participant: Participant, *, max_meetings: int | None, actor: Any = None
) -> None:
    """The organiser's own limit for one participant (``None``: the event's maximum)."""
    if max_meetings is not None and max_meetings < 1:
        raise ValidationError(_("The limit must be at least one meeting."))
    participant.max_meetings = max_meetings
    participant.save(update_fields=["max_meetings", "updated_at"])
    log_action(
        "matchmaking.participant_limit",
        actor=actor,
        target=participant.registration.event,
        data={"participant": participant.pk, "max_meetings": max_meetings},
    )


def publish(brokerage: Brokerage, *, actor: Any = None) -> JobProgress:
    """Publish the schedule (badges and pages show it) and send every agenda in the
    background; returns the job's progress row. Publishing again sends the agendas again."""
    from osmose.core.jobs import start_job
    from osmose.matchmaking import tasks

    with transaction.atomic():
        locked = _lock(brokerage)
        locked.schedule_published = True
        locked.save(update_fields=["schedule_published", "updated_at"])
        log_action("matchmaking.published", actor=actor, target=locked.event)
        brokerage.schedule_published = True
        return start_job(
            tasks.send_agendas,
            title=_("Agendas of %(event)s") % {"event": locked.event.title},
            owner=actor,
            brokerage_id=locked.pk,
        )
