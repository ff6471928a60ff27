"""Every change to the network: interactions (and their follow-up tasks), introductions,
collaborations and their status. Each is audited."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from osmose.core.audit import log_action
from osmose.network.models import (
    COLLABORATION_TRANSITIONS,
    Collaboration,
    CollaborationKind,
    CollaborationStatus,
    FollowUp,
    Interaction,
    Introduction,
    Task,
)
from osmose.registry.models import Organisation, Person


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# -- interactions and tasks ----------------------------------------------------------------


@transaction.atomic
def log_interaction(
    *,
    actor: Any,
    kind: str,
    on: date,
    summary: str,
    people: Iterable[Person] = (),
    organisations: Iterable[Organisation] = (),
    event: Any = None,
    meeting: Any = None,
    follow_up_on: date | None = None,
    follow_up_title: str = "",
) -> Interaction:
    """Log a contact; the organisations of the people are added for them (their current
    affiliations), and ``follow_up_on`` makes a task for the animator."""
    people = list(people)
    organisations = list(organisations)
    if not people and not organisations:
        raise ValidationError(_("Say with whom: at least one person or organisation."))
    interaction = Interaction(
        kind=kind,
        on=on,
        summary=summary,
        event=event,
        meeting=meeting,
        logged_by=_user(actor),
    )
    interaction.full_clean()
    interaction.save()
    interaction.people.set(people)
    affiliated = Organisation.objects.filter(
        affiliations__person__in=people, affiliations__ended_on__isnull=True
    )
    interaction.organisations.set({*organisations, *affiliated})
    if follow_up_on is not None:
        first = people[0] if people else None
        Task.objects.create(
            title=follow_up_title or _("Follow up: %(summary)s") % {"summary": summary[:150]},
            due_on=follow_up_on,
            assignee=_user(actor),
            person=first,
            organisation=organisations[0] if organisations else None,
            interaction=interaction,
        )
    log_action("network.interaction.logged", actor=actor, target=interaction)
    return interaction


@transaction.atomic
def complete_task(*, actor: Any, task: Task) -> Task:
    """Mark a task done (once: doing it again changes nothing)."""
    if Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now()):
        task.refresh_from_db(fields=["done_at"])
        log_action("network.task.done", actor=actor, target=task)
    return task


# -- introductions -------------------------------------------------------------------------


@transaction.atomic
def introduce(
    *,
    actor: Any,
    person_a: Person,
    person_b: Person,
    why: str,
    on: date | None = None,
    event: Any = None,
) -> Introduction:
    """The animator introduces two people; the follow-ups come at +30 and +90 days."""
    if person_a.pk == person_b.pk:
        raise ValidationError(_("An introduction needs two different people."))
    if not why.strip():
        raise ValidationError({"why": _("Say why they should meet.")})
    introduction = Introduction.objects.create(
        person_a=person_a,
        person_b=person_b,
        why=why,
        on=on or timezone.localdate(),
        event=event,
        introduced_by=_user(actor),
    )
    log_action("network.introduction.made", actor=actor, target=introduction)
    return introduction


# -- collaborations ------------------------------------------------------------------------

COLLABORATION_FIELDS = [
    "title", "kind", "status", "amount", "started_on", "ended_on", "origin_event",
    "origin_meeting", "origin_introduction", "venture", "note",
]  # fmt: skip


def _check_dates_and_meeting(values: dict[str, Any]) -> None:
    started, ended = values.get("started_on"), values.get("ended_on")
    if started and ended and ended < started:
        raise ValidationError({"ended_on": _("The end cannot come before the start.")})
    meeting = values.get("origin_meeting")
    if meeting is not None and meeting.status != "planned":
        raise ValidationError({"origin_meeting": _("This B2B meeting was cancelled.")})


def _check_origin(values: dict[str, Any]) -> None:
    origins = [values.get(f) for f in ("origin_meeting", "origin_introduction")]
    if sum(o is not None for o in origins) > 1:
        raise ValidationError(
            _("A collaboration is born from one B2B meeting or one introduction, not both.")
        )
    meeting = values.get("origin_meeting")
    if meeting is not None:  # a meeting belongs to its event: the event follows
        values["origin_event"] = meeting.brokerage.event
    introduction = values.get("origin_introduction")
    if introduction is not None and introduction.event_id and not values.get("origin_event"):
        values["origin_event"] = introduction.event


@transaction.atomic
def create_collaboration(
    *,
    actor: Any,
    values: dict[str, Any],
    organisations: Iterable[Organisation],
    people: Iterable[Person] = (),
) -> Collaboration:
    organisations = list(organisations)
    if len(organisations) < 1:
        raise ValidationError({"organisations": _("Name the organisations involved.")})
    values = dict(values)
    for name in values:
        if name not in COLLABORATION_FIELDS:
            raise ValueError(f"{name} is not a collaboration field")
    _check_dates_and_meeting(values)
    _check_origin(values)
    collaboration = Collaboration(created_by=_user(actor), **values)
    collaboration.full_clean()
    collaboration.save()
    collaboration.organisations.set(organisations)
    collaboration.people.set(list(people))
    log_action("network.collaboration.created", actor=actor, target=collaboration)
    return collaboration


@transaction.atomic
def update_collaboration(
    *,
    actor: Any,
    collaboration: Collaboration,
    values: dict[str, Any],
    organisations: Iterable[Organisation] | None = None,
    people: Iterable[Person] | None = None,
) -> Collaboration:
    locked = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    values = dict(values)
    status = values.pop("status", None)
    for name in values:
        if name not in COLLABORATION_FIELDS:
            raise ValueError(f"{name} is not a collaboration field")
    merged = {f: getattr(locked, f) for f in ("origin_meeting", "origin_introduction")}
    merged.update({k: v for k, v in values.items() if k.startswith("origin_")})
    _check_origin(merged)
    values.update({k: v for k, v in merged.items() if k in values or k == "origin_event"})
    for name, value in values.items():
        setattr(locked, name, value)
    _check_dates_and_meeting(
        {
            "started_on": locked.started_on,
            "ended_on": locked.ended_on,
            "origin_meeting": values.get("origin_meeting"),
        }
    )
    locked.full_clean()
    locked.save()
    if organisations is not None:
        locked.organisations.set(list(organisations))
    if people is not None:
        locked.people.set(list(people))
    if status is not None and status != locked.status:
        move_collaboration(actor=actor, collaboration=locked, status=status)
    log_action("network.collaboration.updated", actor=actor, target=locked)
    return locked


@transaction.atomic
def move_collaboration(*, actor: Any, collaboration: Collaboration, status: str) -> Collaboration:
    """Change the status along ``COLLABORATION_TRANSITIONS``; an illegal move raises."""
    locked = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    if status not in COLLABORATION_TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("A collaboration cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": locked.get_status_display(),
                "to": CollaborationStatus(status).label,
            }
        )
    old = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    collaboration.status = status
    log_action(
        "network.collaboration.moved",
        actor=actor,
        target=locked,
        data={"from": old, "to": status},
    )
    return locked


def report_collaboration(*, follow_up: FollowUp) -> Collaboration:
    """A follow-up answered "we are working together": a collaboration to be confirmed,
    between the organisations of the people who met, attributed to that meeting or
    introduction."""
    if follow_up.meeting is not None:
        people = [
            p.registration.person
            for p in follow_up.meeting.participants.select_related("registration__person")
        ]
        organisations = [
            p.registration.organisation
            for p in follow_up.meeting.participants.select_related("registration__organisation")
            if p.registration.organisation is not None
        ]
        origin: dict[str, Any] = {"origin_meeting": follow_up.meeting}
        title = _("Born at the B2B meetings of %(event)s") % {
            "event": follow_up.meeting.brokerage.event.title
        }
    else:
        introduction = follow_up.introduction
        assert introduction is not None
        people = [introduction.person_a, introduction.person_b]
        organisations = list(
            Organisation.objects.filter(
                affiliations__person__in=people, affiliations__ended_on__isnull=True
            ).distinct()
        )
        origin = {"origin_introduction": introduction}
        title = _("Born from the introduction of %(a)s and %(b)s") % {
            "a": introduction.person_a,
            "b": introduction.person_b,
        }
    collaboration = Collaboration(
        title=title[:200],
        kind=CollaborationKind.RD,
        status=CollaborationStatus.REPORTED,
        note=follow_up.note,
        **origin,
    )
    _check_origin(origin)
    if "origin_event" in origin:
        collaboration.origin_event = origin["origin_event"]
    collaboration.save()
    collaboration.organisations.set({o.pk: o for o in organisations}.values())
    collaboration.people.set(people)
    log_action(
        "network.collaboration.reported",
        target=collaboration,
        data={"follow_up": follow_up.pk},
    )
    return collaboration
