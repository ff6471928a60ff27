"""Attendance figures of events: pure queries, no writes, a handful of queries per page.

Definitions (the pages, the exports and the tests share them):

- **registrations**: every registration made for the event, whatever became of it;
  **confirmed**: those holding a confirmed seat now; **attended**: confirmed and marked
  present (checked in, or marked when attendance was closed).
- An event **has attendance data** once one of its registrations is marked attended or
  no-show. Its **attendees** are then the confirmed registrations marked attended; before
  that (an upcoming event, or one nobody checked in at), they are the confirmed
  registrations — who is expected. Cancelled events have no attendees.
- **show-up rate** = attended / confirmed, only for an event with attendance data.
- An attendee's **organisation** is the one on the registration, else the person's primary
  organisation; a merged organisation counts as the one it was merged into. Its ``sector``
  gives the private / public / non-profit mix ("unknown" when there is no organisation).
- A **newcomer** is an attendee who was an attendee of no earlier event (an event that
  started strictly before); the others are **returning**.
- A **first-time private–public encounter** is an unordered pair of distinct organisations,
  both with attendees at the event, one private and the other public or non-profit, that
  never both had attendees at one same earlier event. Public–non-profit pairs are not
  counted: the programme's indicator is about companies meeting the public side.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from osmose.core.charts import format_percent
from osmose.events.models import (
    Attendance,
    Event,
    EventStatus,
    MetSomeone,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Satisfaction,
    SurveyResponse,
)
from osmose.registry.models import Organisation, OrganisationKind, Sector

UNKNOWN = "unknown"
SECTORS = [Sector.PRIVATE, Sector.PUBLIC, Sector.NON_PROFIT]
PUBLIC_SIDE = {Sector.PUBLIC.value, Sector.NON_PROFIT.value}
ENCOUNTER_SAMPLE = 20


@dataclass(frozen=True)
class Bucket:
    """One category of a breakdown: its key, label, count and share of the total."""

    key: str
    label: str
    count: int
    share: float

    @property
    def percent(self) -> str:
        return format_percent(self.share)


@dataclass(frozen=True)
class Encounter:
    private: str
    public: str
    public_sector: str


@dataclass
class SurveySummary:
    responses: int = 0
    response_rate: float | None = None
    average: float | None = None
    satisfaction: list[Bucket] = field(default_factory=list)
    met_someone: list[Bucket] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class QuestionSummary:
    label: str
    kind: str
    answers: int
    choices: list[Bucket]


@dataclass
class EventFigures:
    event: Event
    registered: int
    confirmed: int
    attended: int
    waitlisted: int
    cancelled: int
    has_attendance: bool
    attendees: int
    show_up_rate: float | None
    registrations_over_time: list[tuple[date, int]]
    mix: list[Bucket]
    kinds: list[Bucket]
    departements: list[Bucket]
    newcomers: int
    returning: int
    encounters: int
    encounter_sample: list[Encounter]
    survey: SurveySummary
    questions: list[QuestionSummary]

    @property
    def newcomer_share(self) -> float | None:
        return self.newcomers / self.attendees if self.attendees else None


@dataclass
class OverviewRow:
    event: Event
    registered: int
    confirmed: int
    attended: int
    has_attendance: bool
    attendees: int
    show_up_rate: float | None
    mix: dict[str, int]
    newcomers: int
    encounters: int
    satisfaction_average: float | None
    survey_responses: int

    def share(self, sector: str) -> float | None:
        return self.mix.get(sector, 0) / self.attendees if self.attendees else None

    @property
    def private_share(self) -> float | None:
        return self.share(Sector.PRIVATE)

    @property
    def public_share(self) -> float | None:
        return self.share(Sector.PUBLIC)

    @property
    def non_profit_share(self) -> float | None:
        return self.share(Sector.NON_PROFIT)


# --- Building blocks --------------------------------------------------------------------------


def _with_attendance_data() -> Exists:
    return Exists(
        Registration.objects.filter(
            event=OuterRef("event_id"), attendance__in=[Attendance.ATTENDED, Attendance.NO_SHOW]
        )
    )


def attendee_registrations() -> QuerySet[Registration]:
    """Registrations that count as attendees of their event (see the module's definitions)."""
    return (
        Registration.objects.filter(status=RegistrationStatus.CONFIRMED)
        .exclude(event__status=EventStatus.CANCELLED)
        .filter(Q(attendance=Attendance.ATTENDED) | ~_with_attendance_data())
    )


def _attendee_rows(registrations: QuerySet[Registration], *extra: str) -> Any:
    """(event, person, organisation, sector, *extra) per attendee.

    A merged person or organisation counts as the record it was merged into.
    """
    return registrations.annotate(
        person_key=Coalesce("person__merged_into_id", "person_id"),
        organisation_key=Coalesce(
            "organisation__merged_into_id",
            "organisation_id",
            "person__primary_organisation__merged_into_id",
            "person__primary_organisation_id",
        ),
        sector=Coalesce(
            "organisation__merged_into__sector",
            "organisation__sector",
            "person__primary_organisation__merged_into__sector",
            "person__primary_organisation__sector",
        ),
    ).values_list("event_id", "person_key", "organisation_key", "sector", *extra)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _buckets(
    counts: Counter[str],
    labels: dict[str, str],
    *,
    order: Sequence[str] = (),
    with_unknown: bool = True,
) -> list[Bucket]:
    """Buckets in ``order`` (zeros included), else by decreasing count; "unknown" last."""
    total = sum(counts.values())
    keys = [k for k in order] or sorted(
        (k for k in counts if k != UNKNOWN), key=lambda k: (-counts[k], labels.get(k, k))
    )
    if with_unknown and (order or counts.get(UNKNOWN)):
        keys.append(UNKNOWN)
    return [
        Bucket(key, labels.get(key, key), counts.get(key, 0), _share(counts.get(key, 0), total))
        for key in keys
    ]


def sector_labels() -> dict[str, str]:
    return {**{s.value: str(s.label) for s in Sector}, UNKNOWN: _("Unknown")}


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _cross_pairs(organisations: dict[int, str]) -> set[tuple[int, int]]:
    """Private × public-side pairs among organisations (id → sector)."""
    private = [o for o, sector in organisations.items() if sector == Sector.PRIVATE]
    public = [o for o, sector in organisations.items() if sector in PUBLIC_SIDE]
    return {_pair(p, q) for p in private for q in public}


@dataclass
class _History:
    newcomers: int
    encounters: set[tuple[int, int]]


def _sweep(
    events: Sequence[tuple[int, datetime]],
    attendees: dict[int, list[tuple[int, int | None, str | None]]],
    *,
    wanted: Iterable[int] | None = None,
) -> dict[int, _History]:
    """Newcomers and first-time encounters of each event, going through events in time order.

    ``events`` are (id, starts_at); ``attendees`` maps an event to its (person, organisation,
    sector) rows. Events starting at the same moment are not "earlier" than one another.
    """
    wanted_ids = set(wanted) if wanted is not None else None
    seen_people: set[int] = set()
    met: set[tuple[int, int]] = set()
    result: dict[int, _History] = {}
    ordered = sorted(events, key=lambda e: e[1])
    for _moment, group in groupby(ordered, key=lambda e: e[1]):
        group_ids = [event_id for event_id, _starts in group]
        met_now: set[tuple[int, int]] = set()
        people_now: set[int] = set()
        for event_id in group_ids:
            rows = attendees.get(event_id, [])
            people = {person for person, _org, _sector in rows}
            organisations = {org: sector for _p, org, sector in rows if org is not None and sector}
            pairs = _cross_pairs(organisations)
            if wanted_ids is None or event_id in wanted_ids:
                result[event_id] = _History(len(people - seen_people), pairs - met)
            people_now |= people
            met_now |= pairs
        seen_people |= people_now
        met |= met_now
    return result


# --- One event --------------------------------------------------------------------------------


def _counts(event: Event) -> dict[str, int]:
    return event.registrations.aggregate(
        registered=Count("pk"),
        confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        attended=Count(
            "pk",
            filter=Q(status=RegistrationStatus.CONFIRMED, attendance=Attendance.ATTENDED),
        ),
        marked=Count("pk", filter=Q(attendance__in=[Attendance.ATTENDED, Attendance.NO_SHOW])),
        waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        cancelled=Count("pk", filter=Q(status=RegistrationStatus.CANCELLED)),
    )


def registrations_over_time(event: Event) -> list[tuple[date, int]]:
    """Cumulative registrations per day, from the first one to the event (or today, if sooner).

    Registrations recorded after the event (walk-ins, late imports) extend the line.
    """
    days = Counter(
        timezone.localtime(created).date()
        for created in event.registrations.values_list("created_at", flat=True)
    )
    if not days:
        return []
    event_day = timezone.localtime(event.starts_at).date()
    last = max(max(days), min(event_day, timezone.localdate()))
    points, total, day = [], 0, min(days)
    while day <= last:
        total += days.get(day, 0)
        points.append((day, total))
        day += timedelta(days=1)
    return points


def survey_summary(event: Event, *, attendees: int) -> SurveySummary:
    responses = list(
        SurveyResponse.objects.filter(registration__event=event)
        .order_by("-submitted_at")
        .values_list("satisfaction", "met_someone", "comment")
    )
    if not responses:
        return SurveySummary()
    stars = Counter(str(s) for s, _met, _comment in responses)
    met = Counter(m for _s, m, _comment in responses)
    return SurveySummary(
        responses=len(responses),
        response_rate=len(responses) / attendees if attendees else None,
        average=sum(s for s, _m, _c in responses) / len(responses),
        satisfaction=_buckets(
            stars,
            {str(c.value): f"{c.value} · {c.label}" for c in Satisfaction},
            order=[str(c.value) for c in Satisfaction],
            with_unknown=False,
        ),
        met_someone=_buckets(
            met,
            {c.value: str(c.label) for c in MetSomeone},
            order=[c.value for c in MetSomeone],
            with_unknown=False,
        ),
        comments=[(s, comment.strip()) for s, _m, comment in responses if comment.strip()],
    )


def question_summaries(event: Event) -> list[QuestionSummary]:
    """Answers of confirmed registrants to the event's choice and yes/no questions."""
    questions = [
        q
        for q in event.questions.all()
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.YES_NO)
    ]
    if not questions:
        return []
    answers = list(
        event.registrations.filter(status=RegistrationStatus.CONFIRMED).values_list(
            "answers", flat=True
        )
    )
    summaries = []
    for question in questions:
        key = str(question.pk)
        counts: Counter[str] = Counter()
        answered = 0
        for given in answers:
            value = (given or {}).get(key)
            if value in (None, "", []):
                continue
            answered += 1
            for item in value if isinstance(value, list) else [value]:
                counts[str(item).lower() if isinstance(item, bool) else str(item)] += 1
        if question.kind == QuestionKind.YES_NO:
            labels = {"true": _("Yes"), "false": _("No")}
        else:
            labels = {str(i): text for i, text in enumerate(question.choices)}
        # Shares are of the people who answered (a multiple choice adds up to more than 100 %).
        choices = [
            Bucket(k, label, counts.get(k, 0), _share(counts.get(k, 0), answered))
            for k, label in labels.items()
        ]
        summaries.append(QuestionSummary(question.label, question.kind, answered, choices))
    return summaries


def _encounter(a: Mapping[str, Any], b: Mapping[str, Any]) -> Encounter:
    private, public = (a, b) if a["sector"] == Sector.PRIVATE else (b, a)
    return Encounter(private["name"], public["name"], public["sector"])


def event_figures(event: Event) -> EventFigures:
    """Every figure of the event's analytics page (about ten queries, whatever its size)."""
    counts = _counts(event)
    has_attendance = counts["marked"] > 0
    rows = _attendee_rows(
        attendee_registrations().filter(Q(event=event) | Q(event__starts_at__lt=event.starts_at)),
        "event__starts_at",
    )
    by_event: dict[int, list[tuple[int, int | None, str | None]]] = defaultdict(list)
    starts: dict[int, datetime] = {event.pk: event.starts_at}
    for event_id, person, organisation, sector, starts_at in rows:
        by_event[event_id].append((person, organisation, sector))
        starts[event_id] = starts_at
    mine = by_event.get(event.pk, [])
    # Earlier events matter only through this event's people and organisations.
    my_people = {person for person, _o, _s in mine}
    my_organisations = {org for _p, org, _s in mine if org is not None}
    relevant = {
        event_id: [
            (p, o if o in my_organisations else None, s)
            for p, o, s in event_rows
            if p in my_people or o in my_organisations
        ]
        for event_id, event_rows in by_event.items()
    }
    history = _sweep(list(starts.items()), relevant, wanted=[event.pk])[event.pk]

    organisations = {
        o["pk"]: o
        for o in Organisation.objects.filter(pk__in=my_organisations).values(
            "pk", "name", "kind", "sector", "departement__code", "departement__name"
        )
    }
    sector_counts: Counter[str] = Counter()
    kind_counts: Counter[str] = Counter()
    departement_counts: Counter[str] = Counter()
    departement_labels = {UNKNOWN: _("Unknown")}
    for _person, org_id, sector in mine:
        organisation = organisations.get(org_id) if org_id is not None else None
        sector_counts[sector or UNKNOWN] += 1
        kind_counts[organisation["kind"] if organisation else UNKNOWN] += 1
        code = organisation["departement__code"] if organisation else None
        departement_counts[code or UNKNOWN] += 1
        if organisation and code:
            departement_labels[code] = f"{organisation['departement__name']} ({code})"
    encounters = sorted(
        (
            _encounter(organisations[a], organisations[b])
            for a, b in history.encounters
            if a in organisations and b in organisations
        ),
        key=lambda e: (e.private.lower(), e.public.lower()),
    )
    kind_labels = {k.value: str(k.label) for k in OrganisationKind}
    attendees = len(mine)
    confirmed, attended = counts["confirmed"], counts["attended"]
    return EventFigures(
        event=event,
        registered=counts["registered"],
        confirmed=confirmed,
        attended=attended,
        waitlisted=counts["waitlisted"],
        cancelled=counts["cancelled"],
        has_attendance=has_attendance,
        attendees=attendees,
        show_up_rate=attended / confirmed if has_attendance and confirmed else None,
        registrations_over_time=registrations_over_time(event),
        mix=_buckets(sector_counts, sector_labels(), order=[s.value for s in SECTORS]),
        kinds=_buckets(kind_counts, {**kind_labels, UNKNOWN: _("Unknown")}),
        departements=_buckets(departement_counts, departement_labels),
        newcomers=history.newcomers,
        returning=attendees - history.newcomers,
        encounters=len(history.encounters),
        encounter_sample=encounters[:ENCOUNTER_SAMPLE],
        survey=survey_summary(event, attendees=attendees),
        questions=question_summaries(event),
    )


# --- Across events ----------------------------------------------------------------------------


def overview_events(
    *, kind: str = "", start: date | None = None, end: date | None = None
) -> QuerySet[Event]:
    """Events that happened or are planned (not drafts, not cancelled), filtered."""
    events = Event.objects.exclude(status__in=[EventStatus.DRAFT, EventStatus.CANCELLED])
    if kind:
        events = events.filter(kind=kind)
    if start:
        events = events.filter(starts_at__date__gte=start)
    if end:
        events = events.filter(starts_at__date__lte=end)
    return events.order_by("-starts_at", "-pk")


def overview_rows(events: QuerySet[Event]) -> list[OverviewRow]:
    """One row per event (newest first), in four queries whatever the number of events."""
    events_list = list(events)
    if not events_list:
        return []
    ids = [e.pk for e in events_list]
    counts = {
        row["event_id"]: row
        for row in Registration.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(
            registered=Count("pk"),
            confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
            attended=Count(
                "pk",
                filter=Q(status=RegistrationStatus.CONFIRMED, attendance=Attendance.ATTENDED),
            ),
            marked=Count("pk", filter=Q(attendance__in=[Attendance.ATTENDED, Attendance.NO_SHOW])),
        )
        .order_by()
    }
    # Newcomers and encounters need every earlier event, of any kind, not only those shown.
    latest = max(e.starts_at for e in events_list)
    by_event: dict[int, list[tuple[int, int | None, str | None]]] = defaultdict(list)
    starts: dict[int, datetime] = {}
    for event_id, person, organisation, sector, starts_at in _attendee_rows(
        attendee_registrations().filter(event__starts_at__lte=latest), "event__starts_at"
    ):
        by_event[event_id].append((person, organisation, sector))
        starts[event_id] = starts_at
    for event in events_list:
        starts.setdefault(event.pk, event.starts_at)
    history = _sweep(list(starts.items()), by_event, wanted=ids)
    surveys = {
        row["registration__event_id"]: row
        for row in SurveyResponse.objects.filter(registration__event_id__in=ids)
        .values("registration__event_id")
        .annotate(average=Avg("satisfaction"), responses=Count("pk"))
        .order_by()
    }
    rows = []
    for event in events_list:
        count: Mapping[str, Any] = counts.get(event.pk, {})
        confirmed, attended = count.get("confirmed", 0), count.get("attended", 0)
        has_attendance = count.get("marked", 0) > 0
        attendees = by_event.get(event.pk, [])
        survey: Mapping[str, Any] = surveys.get(event.pk, {})
        rows.append(
            OverviewRow(
                event=event,
                registered=count.get("registered", 0),
                confirmed=confirmed,
                attended=attended,
                has_attendance=has_attendance,
                attendees=len(attendees),
                show_up_rate=attended / confirmed if has_attendance and confirmed else None,
                mix=dict(Counter(sector or UNKNOWN for _p, _o, sector in attendees)),
                newcomers=history[event.pk].newcomers,
                encounters=len(history[event.pk].encounters),
                satisfaction_average=survey.get("average"),
                survey_responses=survey.get("responses", 0),
            )
        )
    return rows
