"""Every change to events, registrations and seats.

Seats are decided with the event's row locked (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite every write transaction is ``BEGIN IMMEDIATE``, which serialises writers), so the
capacity is never exceeded, the waiting list is first come first served, and a freed seat
goes to exactly one person. E-mails leave after the commit, never for a rolled-back change.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from osmose.core.audit import log_action
from osmose.events.models import (
    EVENT_TRANSITIONS,
    SEAT_STATUSES,
    Attendance,
    Audience,
    Event,
    EventMessage,
    EventSession,
    EventStatus,
    Invitation,
    MessageAudience,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionChoice,
    SessionChoiceStatus,
    SurveyResponse,
)
from osmose.events.signals import registration_cancelled
from osmose.registry.models import (
    ConsentChannel,
    ConsentPurpose,
    LegalBasis,
    Organisation,
    Person,
)
from osmose.registry.services import people as people_services
from osmose.registry.services.indexing import reindex_people

EVENT_FIELDS = [
    "kind", "title_fr", "title_en", "description_fr", "description_en", "starts_at", "ends_at",
    "time_zone", "venue", "street", "commune", "online_url", "capacity",
    "registration_opens_at", "registration_closes_at", "audience", "requires_approval",
    "reminder_days", "offer_hours",
]  # fmt: skip
REGISTRATION_SOURCE = "event registration"


def _notify(kind: str, registration_id: int) -> None:
    """Send ``kind`` to the registrant once the transaction has committed: through the worker
    (``OSMOSE_MAIL_IN_BACKGROUND``, the default outside tests), or at once."""
    from osmose.events import emails
    from osmose.events.tasks import send_registration_email_later

    if settings.OSMOSE_MAIL_IN_BACKGROUND:
        transaction.on_commit(
            lambda: send_registration_email_later.enqueue(
                kind=kind, registration_id=registration_id
            )
        )
    else:
        transaction.on_commit(
            lambda: emails.send_registration_email_or_queue(kind, registration_id)
        )


# --- Events -----------------------------------------------------------------------------------


def _set_event_values(event: Event, values: Mapping[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        if name not in EVENT_FIELDS:
            raise ValueError(f"{name} is not an editable event field")
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def create_event(
    *,
    actor: Any,
    values: Mapping[str, Any],
    organisers: Iterable[Organisation] = (),
    partners: Iterable[Organisation] = (),
) -> Event:
    event = Event(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _set_event_values(event, values)
    event.full_clean()
    event.save()
    event.organisers.set(list(organisers))
    event.partners.set(list(partners))
    log_action("events.event.created", actor=actor, target=event)
    return event


@transaction.atomic
def update_event(
    *,
    actor: Any,
    event: Event,
    values: Mapping[str, Any],
    organisers: Iterable[Organisation] | None = None,
    partners: Iterable[Organisation] | None = None,
) -> list[str]:
    """Change an event; a larger capacity offers the new seats to the waiting list."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    changed = _set_event_values(locked, values)
    if changed:
        locked.full_clean()
        locked.save()
    if organisers is not None:
        locked.organisers.set(list(organisers))
    if partners is not None:
        locked.partners.set(list(partners))
    if changed:
        log_action("events.event.updated", actor=actor, target=locked, data={"fields": changed})
    if "capacity" in changed:
        _promote(locked)
    for name in changed:
        setattr(event, name, getattr(locked, name))
    return changed


@transaction.atomic
def change_event_status(*, actor: Any, event: Event, status: str) -> None:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if status == locked.status:
        return
    if status not in EVENT_TRANSITIONS[locked.status]:
        raise ValidationError(
            _("An event cannot go from “%(old)s” to “%(new)s”.")
            % {"old": locked.get_status_display(), "new": EventStatus(status).label}
        )
    before = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    event.status = status
    log_action(
        "events.event.status_changed",
        actor=actor,
        target=locked,
        data={"before": before, "after": status},
    )
    if status == EventStatus.CANCELLED:
        # Everyone still registered hears it, in their language; the registrations stay as
        # they were (history), and their ticket pages say the event is cancelled.
        for registration_id in locked.registrations.filter(status__in=_active()).values_list(
            "pk", flat=True
        ):
            _notify("event_cancelled", registration_id)


@transaction.atomic
def save_session(
    *, actor: Any, event: Event, values: Mapping[str, Any], session: EventSession | None = None
) -> EventSession:
    session = session or EventSession(event=event)
    for name in ("title_fr", "title_en", "starts_at", "ends_at", "capacity", "position"):
        if name in values:
            setattr(session, name, values[name])
    session.full_clean()
    session.save()
    log_action("events.session.saved", actor=actor, target=event, data={"session": session.pk})
    locked = Event.objects.select_for_update().get(pk=event.pk)
    _promote(locked)
    return session


@transaction.atomic
def delete_session(*, actor: Any, session: EventSession) -> None:
    log_action(
        "events.session.deleted", actor=actor, target=session.event, data={"title": session.title}
    )
    session.delete()


@transaction.atomic
def save_question(
    *, actor: Any, event: Event, values: Mapping[str, Any], question: Question | None = None
) -> Question:
    question = question or Question(event=event)
    for name in (
        "label_fr", "label_en", "kind", "choices_fr", "choices_en", "required", "audience",
        "position",
    ):  # fmt: skip
        if name in values:
            setattr(question, name, values[name])
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and not question.choices_fr:
        raise ValidationError({"choices_fr": _("A choice question needs at least one choice.")})
    question.full_clean()
    question.save()
    log_action("events.question.saved", actor=actor, target=event, data={"question": question.pk})
    return question


@transaction.atomic
def delete_question(*, actor: Any, question: Question) -> None:
    log_action(
        "events.question.deleted",
        actor=actor,
        target=question.event,
        data={"label": question.label},
    )
    question.delete()


# --- Registration -----------------------------------------------------------------------------


@dataclass
class Registrant:
    """Who registers, as typed on the form or sent to the API."""

    given_name: str
    family_name: str
    email: str
    organisation_name: str = ""
    organisation_id: int | None = None
    job_title: str = ""


@dataclass
class RegistrationResult:
    registration: Registration
    created: bool
    waitlist_position: int | None = None


def clean_answers(
    event: Event, answers: Mapping[str, Any], *, member: bool, require: bool = True
) -> dict[str, Any]:
    """Answers keyed by question id, checked against the event's form; raises ValidationError.

    ``require`` False lets an organiser add someone without answering the required questions.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in event.questions.all():
        if not question.asked_to(member=member):
            continue
        key = str(question.pk)
        raw = answers.get(key, answers.get(question.pk))  # type: ignore[call-overload]
        empty = raw in (None, "", [], ())
        if empty:
            if question.required and require:
                errors[f"q{question.pk}"] = [_("This question needs an answer.")]
            continue
        try:
            cleaned[key] = _clean_answer(question, raw)
        except (TypeError, ValueError):
            errors[f"q{question.pk}"] = [_("This answer is not one of the choices.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_answer(question: Question, raw: Any) -> Any:
    count = len(question.choices_fr)
    match question.kind:
        case QuestionKind.TEXT:
            return str(raw).strip()[:2000]
        case QuestionKind.YES_NO:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("yes", "true", "1", "oui", "on"):
                return True
            if str(raw).lower() in ("no", "false", "0", "non"):
                return False
            raise ValueError(raw)
        case QuestionKind.SINGLE:
            index = int(raw)
            if not 0 <= index < count:
                raise ValueError(raw)
            return index
        case QuestionKind.MULTIPLE:
            values = raw if isinstance(raw, list | tuple) else [raw]
            indexes = sorted({int(v) for v in values})
            if any(not 0 <= i < count for i in indexes):
                raise ValueError(raw)
            return indexes
        case QuestionKind.ORGANISATION:
            organisation_id = int(raw)
            if not Organisation.objects.filter(pk=organisation_id, merged_into=None).exists():
                raise ValueError(raw)
            return organisation_id
    raise ValueError(question.kind)


def _clean_registrant(registrant: Registrant) -> dict[str, Any]:
    values = {
        "given_name": registrant.given_name,
        "family_name": registrant.family_name,
        "email": registrant.email,
    }
    if registrant.job_title:
        values["job_title"] = registrant.job_title
    cleaned = people_services.clean_person_values(values)
    errors = {}
    if not cleaned.get("email"):
        errors["email"] = [_("An e-mail address is required to send the ticket.")]
    if not cleaned.get("family_name"):
        errors["family_name"] = [_("A family name is required.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _lock_email(email: str) -> None:
    """Serialise registrations of one e-mail address across events (PostgreSQL).

    Two events registering the same newcomer at the same time must not create two people.
    SQLite needs nothing: its write transactions are already serial.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [email.lower()])


def _organisation_for(registrant: Registrant) -> Organisation | None:
    if registrant.organisation_id:
        return Organisation.objects.filter(pk=registrant.organisation_id, merged_into=None).first()
    name = " ".join(registrant.organisation_name.split())
    if not name:
        return None
    return (
        Organisation.objects.filter(merged_into=None)
        .filter(Q(name__iexact=name) | Q(acronym__iexact=name))
        .order_by("pk")
        .first()
    )


def _person_by_email(email: str) -> Person | None:
    """The live person with this e-mail, following merges: a merged record's address leads
    to its survivor, so registering with either address of a merged pair finds one person."""
    if not email:
        return None
    found = list(Person.objects.filter(email__iexact=email, erased_at=None).order_by("pk")[:10])
    person = next((p for p in found if p.merged_into_id is None), found[0] if found else None)
    seen: set[int] = set()
    while person is not None and person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.filter(pk=person.merged_into_id).first()
    if person is None or person.merged_into_id is not None or person.erased_at is not None:
        return None
    return person


def match_person(
    values: Mapping[str, Any], organisation: Organisation | None = None
) -> Person | None:
    """The registry's person for these details: by e-mail, then by the duplicate engine.

    The engine's match is taken only for a person with no e-mail on record (someone imported
    from a lab's staff list, say): a namesake with another address is a different person until
    an animator merges them, so they get their own record, which the duplicate review lists.
    A registration must never land on someone else's ticket. A possible (not likely) match
    is taken when the registrant names the person's own organisation.
    """
    from osmose.registry.dedup import LIKELY, POSSIBLE, PersonRecord
    from osmose.registry.services.duplicates import person_duplicates

    email = values.get("email", "")
    person = _person_by_email(email)
    if person is not None:
        return person
    record = PersonRecord(
        id=0,
        given_name=values.get("given_name", ""),
        family_name=values.get("family_name", ""),
        email=email,
    )
    candidates = sorted(
        person_duplicates(record, threshold=POSSIBLE), key=lambda c: c.score, reverse=True
    )
    without_email = Person.objects.filter(
        pk__in=[c.object_id for c in candidates], erased_at=None, merged_into=None, email=""
    ).in_bulk()
    for candidate in candidates:
        person = without_email.get(candidate.object_id)
        same_organisation = (
            person is not None
            and organisation is not None
            and person.primary_organisation_id == organisation.pk
        )
        if person is not None and (candidate.score >= LIKELY or same_organisation):
            return person
    return None


def _record_consent(*, actor: Any, person: Person, event: Event) -> None:
    """The consent ticked on the registration form: the network's news, given on the web."""
    people_services.record_consent(
        actor=actor,
        person=person,
        purpose=ConsentPurpose.NETWORK,
        legal_basis=LegalBasis.CONSENT,
        channel=ConsentChannel.FORM,
        source=f"{REGISTRATION_SOURCE}: {event.title_fr}"[:150],
    )


def _new_person(
    *, actor: Any, cleaned: Mapping[str, Any], organisation: Organisation | None, event: Event
) -> Person:
    """A newcomer, affiliated to the organisation they named if the directory knows it,
    indexed once (search document and duplicate keys) when both are written."""
    person = people_services.create_person(
        actor=actor,
        values=cleaned,
        source=REGISTRATION_SOURCE,
        source_data={"event": event.pk},
        reindex=False,
    )
    if organisation is not None:
        people_services.add_affiliation(
            actor=actor, person=person, organisation=organisation, reindex=False
        )
    reindex_people([person.pk])
    return person


def _person_for(
    *,
    actor: Any,
    cleaned: Mapping[str, Any],
    organisation: Organisation | None,
    consent: bool,
    event: Event,
    user_person: Person | None = None,
) -> Person:
    person = user_person if user_person is not None else match_person(cleaned, organisation)
    if person is not None and not person.email:
        people_services.update_person(
            actor=actor,
            person=person,
            values={"email": cleaned["email"]},
            source=REGISTRATION_SOURCE,
        )
    if person is None:
        person = _new_person(actor=actor, cleaned=cleaned, organisation=organisation, event=event)
    if consent:
        _record_consent(actor=actor, person=person, event=event)
    people_services.record_contact(person=person)
    return person


def seats_taken(event: Event) -> int:
    return event.registrations.filter(status__in=SEAT_STATUSES).count()


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next person to get a seat; None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=RegistrationStatus.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=registration.waitlisted_at)
        | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def _check_can_register(
    event: Event, *, user: Any, invitation: Invitation | None, organiser: bool
) -> None:
    if organiser:
        return
    if not event.registration_is_open():
        raise ValidationError(_("Registration for this event is not open."))
    if event.audience == Audience.MEMBERS and not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("This event is open to members only: please log in first."))
    if event.audience == Audience.INVITATION and (
        invitation is None or invitation.event_id != event.pk
    ):
        raise PermissionDenied(_("This event is by invitation only."))


@transaction.atomic
def register(
    *,
    event: Event,
    registrant: Registrant,
    answers: Mapping[str, Any] | None = None,
    session_ids: Sequence[int] = (),
    user: Any = None,
    language: str = "fr",
    source: str = RegistrationSource.FORM,
    consent: bool = False,
    invitation: Invitation | None = None,
    actor: Any = None,
    organiser: bool = False,
    notify: bool = True,
) -> RegistrationResult:
    """Register someone the way the public form does; return the registration and its status.

    The person is found in the registry (same e-mail, else the duplicate engine) or created
    with the provenance "event registration". A person already registered gets their live
    registration back (``created`` is False): retries and double clicks change nothing.
    ``organiser`` skips the registration window and audience (manual adds by an animator).
    """
    member = bool(getattr(user, "is_authenticated", False))
    _check_can_register(event, user=user, invitation=invitation, organiser=organiser)
    cleaned = _clean_registrant(registrant)
    cleaned_answers = clean_answers(event, answers or {}, member=member, require=not organiser)
    session_ids = sorted({int(s) for s in session_ids})
    sessions = list(event.sessions.filter(pk__in=session_ids))
    if len(sessions) != len(session_ids):
        raise ValidationError({"sessions": [_("One of the chosen sessions is not in this event.")]})
    organisation = _organisation_for(registrant)

    locked = Event.objects.select_for_update().get(pk=event.pk)
    _lock_email(cleaned["email"])
    if not organiser and not locked.registration_is_open():
        raise ValidationError(_("Registration for this event is not open."))
    user_person = Person.objects.filter(user=user, erased_at=None).first() if member else None
    person = _person_for(
        actor=actor,
        cleaned=cleaned,
        organisation=organisation,
        consent=consent,
        event=locked,
        user_person=user_person,
    )
    existing = (
        Registration.objects.filter(event=locked, person=person, status__in=_active())
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return RegistrationResult(existing, False, waitlist_position(existing))

    now = timezone.now()
    registration = Registration(
        event=locked,
        person=person,
        user=user if member else None,
        organisation_name=registrant.organisation_name.strip()[:200]
        or (organisation.name if organisation else ""),
        organisation=organisation or person.primary_organisation,
        source=source,
        language=language[:8] or "fr",
        answers=cleaned_answers,
    )
    if locked.requires_approval and not organiser:
        registration.status = RegistrationStatus.PENDING
    elif locked.capacity is None or seats_taken(locked) < locked.capacity:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
    registration.save()
    _choose_sessions(registration, sessions, now=now)
    if invitation is not None and invitation.registration_id is None:
        Invitation.objects.filter(pk=invitation.pk).update(registration=registration)
    log_action(
        "events.registration.created",
        actor=actor,
        target=registration,
        data={"event": locked.pk, "status": registration.status, "source": source},
    )
    if notify:
        _notify(registration.status, registration.pk)
    return RegistrationResult(registration, True, waitlist_position(registration))


def _active() -> list[str]:
    return [
        RegistrationStatus.PENDING,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.OFFERED,
    ]


def _choose_sessions(
    registration: Registration, sessions: Iterable[EventSession], *, now: datetime
) -> None:
    """Give each chosen session a seat or a place on its own waiting list (event locked)."""
    for session in sessions:
        taken = session.choices.filter(status=SessionChoiceStatus.CONFIRMED).count()
        full = session.capacity is not None and taken >= session.capacity
        SessionChoice.objects.create(
            registration=registration,
            session=session,
            status=SessionChoiceStatus.WAITLISTED if full else SessionChoiceStatus.CONFIRMED,
            waitlisted_at=now if full else None,
        )


@transaction.atomic
def approve(*, actor: Any, registration: Registration) -> Registration:
    """A pending registration gets a seat if one is free, otherwise joins the waiting list."""
    locked_event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.status != RegistrationStatus.PENDING:
        raise ValidationError(_("Only a registration waiting for approval can be approved."))
    now = timezone.now()
    if locked_event.capacity is None or seats_taken(locked_event) < locked_event.capacity:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
    registration.save(update_fields=["status", "confirmed_at", "waitlisted_at", "updated_at"])
    log_action(
        "events.registration.approved",
        actor=actor,
        target=registration,
        data={"status": registration.status},
    )
    _notify(registration.status, registration.pk)
    return registration


@transaction.atomic
def reject(*, actor: Any, registration: Registration, reason: str = "") -> Registration:
    Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.status != RegistrationStatus.PENDING:
        raise ValidationError(_("Only a registration waiting for approval can be rejected."))
    registration.status = RegistrationStatus.REJECTED
    registration.cancel_reason = reason[:200]
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    log_action("events.registration.rejected", actor=actor, target=registration)
    _notify("rejected", registration.pk)
    return registration


@transaction.atomic
def cancel(
    *, actor: Any, registration: Registration, reason: str = "", notify: bool = True
) -> Registration:
    """Cancel; a freed seat goes to the first person on the waiting list (exactly one)."""
    locked_event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if not registration.is_active:
        return registration
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.cancel_reason = reason[:200]
    registration.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    freed_sessions = list(
        registration.session_choices.filter(status=SessionChoiceStatus.CONFIRMED).values_list(
            "session_id", flat=True
        )
    )
    registration.session_choices.update(status=SessionChoiceStatus.CANCELLED)
    log_action(
        "events.registration.cancelled",
        actor=actor,
        target=registration,
        data={"reason": reason},
    )
    registration_cancelled.send(sender=Registration, registration=registration)
    if notify:
        _notify("cancelled", registration.pk)
    _promote(locked_event)
    _promote_sessions(freed_sessions)
    return registration


def _expire_offers(event: Event, now: datetime) -> int:
    expired = list(
        event.registrations.filter(
            status=RegistrationStatus.OFFERED, offer_expires_at__lt=now
        ).select_for_update()
    )
    for registration in expired:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = "offer expired"
        registration.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        registration.session_choices.update(status=SessionChoiceStatus.CANCELLED)
        log_action("events.registration.offer_expired", target=registration)
        _notify("offer_expired", registration.pk)
    return len(expired)


def _promote(event: Event) -> list[Registration]:
    """Offer free seats to the waiting list, first come first served (event row locked)."""
    now = timezone.now()
    _expire_offers(event, now)
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - seats_taken(event)
        if free <= 0:
            return []
    queue = event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )
    promoted = list(queue if free is None else queue[:free])
    for registration in promoted:
        registration.status = RegistrationStatus.OFFERED
        registration.offer_expires_at = now + timedelta(hours=event.offer_hours)
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        log_action("events.registration.offered", target=registration)
        _notify("offered", registration.pk)
    return promoted


def _promote_sessions(session_ids: Iterable[int]) -> None:
    for session in EventSession.objects.filter(pk__in=list(session_ids)):
        taken = session.choices.filter(status=SessionChoiceStatus.CONFIRMED).count()
        free = None if session.capacity is None else session.capacity - taken
        if free is not None and free <= 0:
            continue
        queue = session.choices.filter(
            status=SessionChoiceStatus.WAITLISTED,
            registration__status__in=_active(),
        ).order_by("waitlisted_at", "pk")
        for choice in queue if free is None else queue[:free]:
            choice.status = SessionChoiceStatus.CONFIRMED
            choice.save(update_fields=["status"])
            log_action(
                "events.session.promoted",
                target=choice.registration,
                data={"session": session.pk},
            )


@transaction.atomic
def promote_waitlist(*, actor: Any, event: Event) -> list[Registration]:
    """Offer every free seat now (after a capacity change, or by hand)."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    promoted = _promote(locked)
    if promoted:
        log_action(
            "events.waitlist.promoted",
            actor=actor,
            target=locked,
            data={"registrations": [r.pk for r in promoted]},
        )
    return promoted


@transaction.atomic
def promote_registration(*, actor: Any, registration: Registration) -> Registration:
    """An organiser gives a waitlisted person a confirmed seat, if one is free."""
    locked = Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.status not in (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED):
        raise ValidationError(_("Only someone on the waiting list can be promoted."))
    if (
        registration.status == RegistrationStatus.WAITLISTED
        and locked.capacity is not None
        and seats_taken(locked) >= locked.capacity
    ):
        raise ValidationError(_("The event is full: raise its capacity or cancel a seat first."))
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = timezone.now()
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "confirmed_at", "offer_expires_at", "updated_at"])
    log_action("events.registration.promoted", actor=actor, target=registration)
    _notify("confirmed", registration.pk)
    return registration


@transaction.atomic
def confirm_offer(*, registration: Registration) -> Registration:
    """The person accepts the seat offered from the waiting list, before the offer expires.

    Too late, the offer is cancelled and the seat offered to the next person; the returned
    registration's status (``cancelled``) tells the caller.
    """
    locked_event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.status == RegistrationStatus.CONFIRMED:
        return registration
    now = timezone.now()
    if registration.status != RegistrationStatus.OFFERED:
        raise ValidationError(_("There is no seat waiting for your confirmation."))
    if registration.offer_expires_at and registration.offer_expires_at < now:
        # Not an exception: the expiry and the next offer must be committed.
        _expire_offers(locked_event, now)
        _promote(locked_event)
        registration.refresh_from_db()
        return registration
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.save(update_fields=["status", "confirmed_at", "updated_at"])
    log_action("events.registration.offer_confirmed", target=registration)
    _notify("confirmed", registration.pk)
    return registration


@transaction.atomic
def expire_offers(*, now: datetime | None = None) -> int:
    """Periodic: cancel offers not confirmed in time and offer their seats to the next ones."""
    now = now or timezone.now()
    count = 0
    event_ids = (
        Registration.objects.filter(status=RegistrationStatus.OFFERED, offer_expires_at__lt=now)
        .values_list("event_id", flat=True)
        .distinct()
    )
    for event_id in list(event_ids):
        locked = Event.objects.select_for_update().get(pk=event_id)
        count += _expire_offers(locked, now)
        _promote(locked)
    return count


# --- Check-in and attendance ------------------------------------------------------------------


@dataclass
class CheckInResult:
    registration: Registration
    already: bool


@transaction.atomic
def check_in(
    *, actor: Any, registration: Registration, at: datetime | None = None
) -> CheckInResult:
    """Mark someone present; checking in twice is harmless (``already`` says so).

    ``at`` is when the scan happened — a phone that was offline syncs its queue later.
    """
    Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.checked_in_at is not None:
        return CheckInResult(registration, True)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(
            _("%(name)s has no confirmed seat (%(status)s).")
            % {"name": registration.person, "status": registration.get_status_display()}
        )
    registration.checked_in_at = at or timezone.now()
    registration.attendance = Attendance.ATTENDED
    registration.save(update_fields=["checked_in_at", "attendance", "updated_at"])
    log_action("events.registration.checked_in", actor=actor, target=registration)
    return CheckInResult(registration, False)


@transaction.atomic
def undo_check_in(*, actor: Any, registration: Registration) -> None:
    Registration.objects.filter(pk=registration.pk).update(
        checked_in_at=None, attendance=Attendance.UNKNOWN, updated_at=timezone.now()
    )
    registration.refresh_from_db()
    log_action("events.registration.check_in_undone", actor=actor, target=registration)


def walk_in(
    *, actor: Any, event: Event, registrant: Registrant, language: str = "fr"
) -> Registration:
    """Someone at the door: registered, confirmed (if a seat is free) and checked in at once."""
    with transaction.atomic():
        result = register(
            event=event,
            registrant=registrant,
            source=RegistrationSource.WALK_IN,
            actor=actor,
            language=language,
            organiser=True,
            notify=False,
        )
        registration = result.registration
        if not result.created and registration.status in (
            RegistrationStatus.WAITLISTED,
            RegistrationStatus.OFFERED,
            RegistrationStatus.PENDING,
        ):
            # Registered already, without a seat: at the door, a free seat is theirs.
            locked = Event.objects.select_for_update().get(pk=event.pk)
            if locked.capacity is None or seats_taken(locked) < locked.capacity:
                registration.status = RegistrationStatus.CONFIRMED
                registration.confirmed_at = timezone.now()
                registration.offer_expires_at = None
                registration.save(
                    update_fields=["status", "confirmed_at", "offer_expires_at", "updated_at"]
                )
                log_action("events.registration.promoted", actor=actor, target=registration)
            else:
                raise ValidationError(
                    _(
                        "%(name)s is already registered (%(status)s) and the event is full: "
                        "raise its capacity to let them in."
                    )
                    % {"name": registration.person, "status": registration.get_status_display()}
                )
        if registration.status != RegistrationStatus.CONFIRMED:
            raise ValidationError(
                _("The event is full: raise its capacity to let %(name)s in.")
                % {"name": registration.person}
            )
        check_in(actor=actor, registration=registration)
    return registration


@transaction.atomic
def close_attendance(*, actor: Any, event: Event) -> dict[str, int]:
    """After the event: confirmed people who were not checked in are no-shows."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    confirmed = locked.registrations.filter(status=RegistrationStatus.CONFIRMED)
    attended = confirmed.filter(checked_in_at__isnull=False).update(attendance=Attendance.ATTENDED)
    no_shows = confirmed.filter(checked_in_at__isnull=True).update(attendance=Attendance.NO_SHOW)
    log_action(
        "events.attendance.closed",
        actor=actor,
        target=locked,
        data={"attended": attended, "no_shows": no_shows},
    )
    return {"attended": attended, "no_shows": no_shows}


# --- Invitations, messages, survey ------------------------------------------------------------


@transaction.atomic
def invite(*, actor: Any, event: Event, people: Iterable[Person]) -> list[Invitation]:
    """Create invitations (once per person); returns the new ones, to be sent."""
    new = []
    for person in people:
        if not person.email or person.erased_at:
            continue
        invitation, created = Invitation.objects.get_or_create(
            event=event,
            person=person,
            defaults={"invited_by": actor if getattr(actor, "is_authenticated", False) else None},
        )
        if created:
            new.append(invitation)
    log_action("events.invitations.created", actor=actor, target=event, data={"count": len(new)})
    return new


def open_invitation(invitation: Invitation) -> None:
    """The person followed our link (the only tracking there is)."""
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at=None).update(opened_at=timezone.now())


@transaction.atomic
def decline_invitation(*, invitation: Invitation) -> None:
    if invitation.declined_at is None:
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at", "updated_at"])
        log_action("events.invitation.declined", target=invitation.event)


def message_recipients(event: Event, audience: str) -> Any:
    registrations = event.registrations.select_related("person")
    match audience:
        case MessageAudience.CONFIRMED:
            return registrations.filter(status=RegistrationStatus.CONFIRMED)
        case MessageAudience.ATTENDEES:
            return registrations.filter(
                status=RegistrationStatus.CONFIRMED, attendance=Attendance.ATTENDED
            )
        case MessageAudience.NO_SHOWS:
            return registrations.filter(
                status=RegistrationStatus.CONFIRMED, attendance=Attendance.NO_SHOW
            )
        case MessageAudience.WAITLISTED:
            return registrations.filter(status=RegistrationStatus.WAITLISTED)
    raise ValueError(audience)


@transaction.atomic
def create_message(
    *, actor: Any, event: Event, audience: str, subject: str, body: str
) -> EventMessage:
    if not subject.strip() or not body.strip():
        raise ValidationError(_("A message needs a subject and a text."))
    message = EventMessage.objects.create(
        event=event,
        audience=audience,
        subject=subject.strip(),
        body=body.strip(),
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
        recipients=message_recipients(event, audience).count(),
    )
    log_action(
        "events.message.created",
        actor=actor,
        target=event,
        data={"audience": audience, "recipients": message.recipients},
    )
    return message


@transaction.atomic
def submit_survey(
    *, registration: Registration, satisfaction: int, met_someone: str, comment: str = ""
) -> SurveyResponse:
    if registration.status != RegistrationStatus.CONFIRMED:
        raise PermissionDenied(_("The survey is for people who came to the event."))
    response, _created = SurveyResponse.objects.update_or_create(
        registration=registration,
        defaults={
            "satisfaction": int(satisfaction),
            "met_someone": met_someone,
            "comment": comment.strip()[:5000],
            "submitted_at": timezone.now(),
        },
    )
    response.full_clean()
    log_action("events.survey.submitted", target=registration.event)
    return response


# --- Periodic e-mails: what was sent (used by ``emails``) -------------------------------------


@transaction.atomic
def record_reminder(*, registration: Registration, days: Iterable[int]) -> bool:
    """Record the reminders for ``days`` (days before the event) as sent to ``registration``.

    Takes the registration's row lock: of two runs racing, only the one that gets True
    sends the e-mail. False when every one of ``days`` was already recorded.
    """
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    sent = [int(day) for day in locked.reminders_sent or []]
    new = sorted({int(day) for day in days} - set(sent))
    if not new:
        return False
    locked.reminders_sent = sorted(sent + new, reverse=True)
    locked.save(update_fields=["reminders_sent", "updated_at"])
    registration.reminders_sent = locked.reminders_sent
    log_action("events.registration.reminded", target=locked, data={"days": new})
    return True


@transaction.atomic
def record_thanks(*, registration: Registration) -> bool:
    """Record the thank-you e-mail as sent; False if it already was (one conditional UPDATE)."""
    updated = Registration.objects.filter(pk=registration.pk, thanked_at=None).update(
        thanked_at=timezone.now(), updated_at=timezone.now()
    )
    if not updated:
        return False
    registration.refresh_from_db(fields=["thanked_at", "updated_at"])
    log_action("events.registration.thanked", target=registration)
    return True


@transaction.atomic
def record_invitation_sent(*, invitation: Invitation) -> None:
    """The invitation e-mail left (sending again moves the date)."""
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at", "updated_at"])
    log_action(
        "events.invitation.sent", target=invitation.event, data={"invitation": invitation.pk}
    )


# --- Organiser pages (appended) ---------------------------------------------------------------


@transaction.atomic
def move_question(*, actor: Any, question: Question, offset: int) -> None:
    """Move a question up (``offset`` -1) or down (+1) the form; positions are renumbered."""
    questions = list(Question.objects.select_for_update().filter(event_id=question.event_id))
    questions.sort(key=lambda q: (q.position, q.pk))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    target = index + offset
    if not 0 <= target < len(questions):
        return
    questions[index], questions[target] = questions[target], questions[index]
    for position, item in enumerate(questions):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    log_action(
        "events.question.moved",
        actor=actor,
        target=question.event,
        data={"question": question.pk, "position": target},
    )


# --- The registrant's person, ahead of the seat decision --------------------------------------


def prepare_registrant(
    *,
    event: Event,
    registrant: Registrant,
    answers: Mapping[str, Any] | None = None,
    session_ids: Sequence[int] = (),
    user: Any = None,
    consent: bool = False,
    invitation: Invitation | None = None,
    actor: Any = None,
    organiser: bool = False,
) -> bool:
    """Find or create the registrant's person before ``register`` decides the seat.

    ``register`` matches the person with the event's row locked, so each registration of an
    event waits while the one before scores namesakes with the duplicate engine and indexes
    a newcomer. Called first with the same arguments, this does that work outside the event's
    lock: it validates as ``register`` does (a refused registration creates nobody), matches
    with reads only, then creates or completes the person and records the consent in a short
    transaction of its own, serialised per e-mail address. ``register`` then finds the person
    by e-mail in one query; pass it ``consent=False`` when this returns True (the consent is
    recorded). A signed-in member registers as their own record: nothing to prepare (False).

    Should ``register`` refuse afterwards (the window closed meanwhile), the person stays in
    the registry with the provenance "event registration", as any contact who wrote would.
    """
    if getattr(user, "is_authenticated", False):
        return False
    _check_can_register(event, user=user, invitation=invitation, organiser=organiser)
    cleaned = _clean_registrant(registrant)
    clean_answers(event, answers or {}, member=False)
    wanted = {int(s) for s in session_ids}
    if event.sessions.filter(pk__in=wanted).count() != len(wanted):
        raise ValidationError({"sessions": [_("One of the chosen sessions is not in this event.")]})
    organisation = _organisation_for(registrant)
    match = match_person(cleaned, organisation)  # reads only: nothing is locked while scoring
    if match is not None and match.email and not consent:
        return True  # on record with this address already: nothing to write
    with transaction.atomic():
        _lock_email(cleaned["email"])
        person = (
            Person.objects.filter(email__iexact=cleaned["email"], erased_at=None, merged_into=None)
            .order_by("pk")
            .first()
        )
        if person is None and match is not None:
            # The engine's match had no address: it must still have none to take this one.
            person = Person.objects.filter(pk=match.pk, email="", erased_at=None).first()
            if person is not None:
                people_services.update_person(
                    actor=actor,
                    person=person,
                    values={"email": cleaned["email"]},
                    source=REGISTRATION_SOURCE,
                )
        if person is None:
            person = _new_person(
                actor=actor, cleaned=cleaned, organisation=organisation, event=event
            )
        if consent:
            _record_consent(actor=actor, person=person, event=event)
    return True
