"""Reads for the organiser's pages: counts per event, the filtered registration list and its
export, the answers charted per question, and who an invitation would reach."""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from osmose.events.models import (
    ACTIVE_STATUSES,
    Event,
    EventSession,
    Invitation,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    SessionChoice,
    SessionChoiceStatus,
)
from osmose.registry.directory import DirectoryQuery
from osmose.registry.exports import safe_cell
from osmose.registry.models import Organisation, Person, Segment


def _count(status: str) -> Count:
    return Count("registrations", filter=Q(registrations__status=status))


def with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    """Each event with ``n_confirmed``, ``n_offered``, ``n_waitlisted`` and ``n_pending``."""
    return events.annotate(
        n_confirmed=_count(RegistrationStatus.CONFIRMED),
        n_offered=_count(RegistrationStatus.OFFERED),
        n_waitlisted=_count(RegistrationStatus.WAITLISTED),
        n_pending=_count(RegistrationStatus.PENDING),
    )


def event_with_counts(event: Event) -> Event:
    return with_counts(Event.objects.filter(pk=event.pk)).select_related("commune").get()


def sessions_with_counts(event: Event) -> QuerySet[EventSession]:
    active = Q(choices__registration__status__in=ACTIVE_STATUSES)
    return event.sessions.annotate(
        n_confirmed=Count(
            "choices", filter=active & Q(choices__status=SessionChoiceStatus.CONFIRMED)
        ),
        n_waitlisted=Count(
            "choices", filter=active & Q(choices__status=SessionChoiceStatus.WAITLISTED)
        ),
    )


# --- The registration list ----------------------------------------------------------------

SORTS = {
    "date": ("created_at", "pk"),
    "-date": ("-created_at", "-pk"),
    "name": ("person__family_name", "person__given_name", "pk"),
}


@dataclass
class RegistrationFilter:
    """What the registration list's URL asks for (``?status=…&attendance=…&session=…&q=…``)."""

    status: str = ""
    attendance: str = ""
    session: int | None = None
    q: str = ""
    sort: str = "date"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "RegistrationFilter":
        session = str(params.get("session", ""))
        sort = str(params.get("sort", "date"))
        return cls(
            status=str(params.get("status", "")),
            attendance=str(params.get("attendance", "")),
            session=int(session) if session.isdigit() else None,
            q=" ".join(str(params.get("q", "")).split())[:100],
            sort=sort if sort in SORTS else "date",
        )

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "status": self.status,
            "attendance": self.attendance,
            "session": self.session or "",
            "q": self.q,
            "sort": "" if self.sort == "date" else self.sort,
        }
        return {k: v for k, v in params.items() if v}

    def apply(self, event: Event) -> QuerySet[Registration]:
        registrations = event.registrations.all()
        if self.status == "active":
            registrations = registrations.filter(status__in=ACTIVE_STATUSES)
        elif self.status:
            registrations = registrations.filter(status=self.status)
        if self.attendance:
            registrations = registrations.filter(attendance=self.attendance)
        if self.session:
            registrations = registrations.filter(
                session_choices__session_id=self.session,
                session_choices__status__in=[
                    SessionChoiceStatus.CONFIRMED,
                    SessionChoiceStatus.WAITLISTED,
                ],
            )
        for word in self.q.split():
            registrations = registrations.filter(
                Q(person__given_name__icontains=word)
                | Q(person__family_name__icontains=word)
                | Q(person__email__icontains=word)
                | Q(organisation_name__icontains=word)
                | Q(organisation__name__icontains=word)
            )
        return (
            registrations.select_related("person", "organisation")
            .prefetch_related(
                Prefetch(
                    "session_choices",
                    queryset=SessionChoice.objects.select_related("session").exclude(
                        status=SessionChoiceStatus.CANCELLED
                    ),
                )
            )
            .order_by(*SORTS[self.sort])
        )


def waitlist_positions(event: Event) -> dict[int, int]:
    """Registration id → place on the waiting list (1 = next), in one query."""
    queue = event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )
    return {pk: index for index, pk in enumerate(queue.values_list("pk", flat=True), start=1)}


def format_answer(question: Question, value: Any, organisations: Mapping[int, str]) -> str:
    """An answer as people read it: choice labels, yes/no, the organisation's name."""
    if value is None or value == "" or value == []:
        return ""
    choices = question.choices
    try:
        match question.kind:
            case QuestionKind.SINGLE:
                return choices[int(value)]
            case QuestionKind.MULTIPLE:
                return "; ".join(choices[int(i)] for i in value)
            case QuestionKind.YES_NO:
                return _("Yes") if value else _("No")
            case QuestionKind.ORGANISATION:
                return organisations.get(int(value), str(value))
    except (IndexError, TypeError, ValueError):
        return str(value)
    return str(value)


def _answer_organisations(
    questions: list[Question], registrations: Iterable[Registration]
) -> dict[int, str]:
    keys = [str(q.pk) for q in questions if q.kind == QuestionKind.ORGANISATION]
    if not keys:
        return {}
    ids = {
        int(r.answers[k])
        for r in registrations
        for k in keys
        if str(r.answers.get(k, "")).isdigit()
    }
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


EXPORT_COLUMNS = [
    "id", "given_name", "family_name", "email", "organisation", "status", "waitlist_position",
    "sessions", "attendance", "checked_in_at", "source", "language", "registered_at",
]  # fmt: skip


def export_table(event: Event, registrations: QuerySet[Registration]) -> tuple[list[str], Iterator]:
    """The header and rows of the registration export, answers last (one column each)."""
    questions = list(event.questions.all())
    registrations_list = list(registrations)
    organisations = _answer_organisations(questions, registrations_list)
    positions = waitlist_positions(event)
    zone = ZoneInfo(event.time_zone)
    # Question labels are typed by organisers: neutralised like every cell.
    header = [*EXPORT_COLUMNS, *[safe_cell(q.label) for q in questions]]

    def local(value: Any) -> Any:
        return value.astimezone(zone).replace(microsecond=0) if value else None

    def rows() -> Iterator[list[Any]]:
        for r in registrations_list:
            yield [
                r.pk, r.person.given_name, r.person.family_name, r.person.email,
                r.organisation.name if r.organisation else r.organisation_name,
                r.get_status_display(), positions.get(r.pk),
                "; ".join(c.session.title for c in r.session_choices.all()),
                r.get_attendance_display(), local(r.checked_in_at), r.get_source_display(),
                r.language, local(r.created_at),
                *[format_answer(q, r.answers.get(str(q.pk)), organisations) for q in questions],
            ]  # fmt: skip

    return header, rows()


# --- Answers charted ----------------------------------------------------------------------


@dataclass
class AnswerBar:
    label: str
    count: int
    percent: int


@dataclass
class AnswerChart:
    question: Question
    respondents: int
    bars: list[AnswerBar] = field(default_factory=list)


CHARTED = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.YES_NO)


def answer_charts(event: Event, questions: list[Question]) -> dict[int, AnswerChart]:
    """Question id → counts of each choice among live registrations (percent of respondents)."""
    charted = [q for q in questions if q.kind in CHARTED]
    if not charted:
        return {}
    counters: dict[int, Counter[Any]] = {q.pk: Counter() for q in charted}
    respondents: Counter[int] = Counter()
    answers = event.registrations.filter(status__in=ACTIVE_STATUSES).values_list(
        "answers", flat=True
    )
    for answer in answers:
        for question in charted:
            value = (answer or {}).get(str(question.pk))
            if value is None or value == [] or value == "":
                continue
            respondents[question.pk] += 1
            values = value if isinstance(value, list) else [value]
            counters[question.pk].update(values)
    charts = {}
    for question in charted:
        total = respondents[question.pk]
        if question.kind == QuestionKind.YES_NO:
            options: list[tuple[Any, str]] = [(True, _("Yes")), (False, _("No"))]
        else:
            options = list(enumerate(question.choices))
        bars = [
            AnswerBar(
                label=str(label),
                count=counters[question.pk][key],
                percent=round(100 * counters[question.pk][key] / total) if total else 0,
            )
            for key, label in options
        ]
        charts[question.pk] = AnswerChart(question=question, respondents=total, bars=bars)
    return charts


# --- Invitations ----------------------------------------------------------------------------


@dataclass
class InvitationAudience:
    """Who an invitation round would reach, before anything is sent."""

    people_ids: list[int]
    without_email: int
    already_invited: int
    already_registered: int = 0

    @property
    def to_invite(self) -> int:
        return len(self.people_ids)


def segment_people(segment: Segment) -> QuerySet[Person]:
    """A people segment's people; an organisations segment's current staff."""
    if segment.target == Segment.Target.PEOPLE:
        return DirectoryQuery.from_params("people", segment.query).queryset()
    organisations = DirectoryQuery.from_params("organisations", segment.query).queryset()
    return Person.objects.filter(
        merged_into=None,
        erased_at=None,
        affiliations__ended_on=None,
        affiliations__organisation__in=organisations.values("pk"),
    ).distinct()


def invitation_audience(
    event: Event, segments: Iterable[Segment], people: Iterable[Person]
) -> InvitationAudience:
    """The people to invite: each once, with an e-mail, not yet invited nor registered."""
    candidates: dict[int, str] = {p.pk: p.email for p in people}
    for segment in segments:
        candidates.update(segment_people(segment).values_list("pk", "email"))
    invited = set(
        Invitation.objects.filter(event=event, person_id__in=list(candidates)).values_list(
            "person_id", flat=True
        )
    )
    registered = (
        set(
            event.registrations.filter(
                status__in=ACTIVE_STATUSES, person_id__in=list(candidates)
            ).values_list("person_id", flat=True)
        )
        - invited
    )
    skipped = invited | registered
    without_email = sum(1 for pk, email in candidates.items() if not email and pk not in skipped)
    ids = sorted(pk for pk, email in candidates.items() if email and pk not in skipped)
    return InvitationAudience(
        people_ids=ids,
        without_email=without_email,
        already_invited=len(invited),
        already_registered=len(registered),
    )


def invitation_counts(event: Event) -> dict[str, int]:
    return event.invitations.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        registered=Count("pk", filter=Q(registration__isnull=False)),
        declined=Count("pk", filter=Q(declined_at__isnull=False)),
    )
