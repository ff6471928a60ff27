"""Demo step "network": the animator's tasks, interactions, introductions and their
follow-ups, collaborations and their origin — and the B2B meetings of last year's congress.

It runs after the matchmaking and pipeline steps: collaborations refer to B2B meetings and
ventures. Every change goes through the network's services (and the follow-up answers through
``network.followups``), dated back to when it happened; nothing is sent.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from django.utils import timezone

from osmose.accounts.models import Role, User
from osmose.core.demo import DemoContext
from osmose.events.models import (
    Attendance,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from osmose.matchmaking.models import (
    Brokerage,
    Meeting,
    MeetingOrigin,
    MeetingRequest,
    MeetingSession,
    MeetingStatus,
    Participant,
    Priority,
    RequestStatus,
)
from osmose.network import followups, services
from osmose.network.models import (
    COUNTED_STATUSES,
    Collaboration,
    CollaborationKind,
    CollaborationStatus,
    FollowUp,
    FollowUpAnswer,
    Interaction,
    InteractionKind,
    Introduction,
    Task,
)
from osmose.pipeline.models import Venture
from osmose.registry.models import (
    Affiliation,
    Organisation,
    OrganisationStatus,
    Person,
    Scope,
    Sector,
)

ANIMATOR_EMAIL = "animator@demo.osmose.test"
DONE_TASKS = 6
OPEN_TASKS = 9

# Each template gets a person, their organisation and another organisation.
TASK_TEMPLATES = [
    "Relancer {person} ({organisation}) pour l'inscription au congrès",
    "Suivi à +30 jours : mise en relation entre {organisation} et {other}",
    "Suivi à +90 jours : la rencontre {organisation} / {other} a-t-elle abouti ?",
    "Vérifier la fiche « {organisation} » (effectif, adresse, contacts)",
    "Appeler {person} ({organisation}) au sujet de ses projets de financement",
    "Envoyer la présentation du réseau à {person} ({organisation})",
    "Proposer à {person} ({organisation}) d'intervenir au prochain Afterwork",
    "Mise en relation : présenter {other} à {person} ({organisation})",
]


def animator(context: DemoContext) -> User | None:
    users = context.shared.get("users") or {}
    return users.get(Role.ANIMATOR) or User.objects.filter(email=ANIMATOR_EMAIL).first()


def pick_affiliations(rng: Random, count: int) -> list[Affiliation]:
    """Current primary affiliations at active regional organisations, in a stable order."""
    candidates = list(
        Affiliation.objects.filter(
            is_primary=True,
            organisation__status=OrganisationStatus.ACTIVE,
            organisation__scope=Scope.REGIONAL,
        )
        .select_related("person", "organisation")
        .order_by("pk")
    )
    return rng.sample(candidates, min(count, len(candidates)))


def run(context: DemoContext) -> None:
    rng, now = context.rng, context.now
    assignee = animator(context)
    chosen = pick_affiliations(rng, (DONE_TASKS + OPEN_TASKS) * 2)
    pairs = list(zip(chosen[::2], chosen[1::2], strict=False))
    tasks = []
    for index, (affiliation, other) in enumerate(pairs[: DONE_TASKS + OPEN_TASKS]):
        title = TASK_TEMPLATES[index % len(TASK_TEMPLATES)].format(
            person=affiliation.person,
            organisation=affiliation.organisation.name,
            other=other.organisation.name,
        )
        if index < DONE_TASKS:
            done_at = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
            due_on = done_at.date() + timedelta(days=rng.randint(-3, 5))
        else:
            # Open tasks around today: a few late, most due within the month.
            done_at, due_on = None, now.date() + timedelta(days=rng.randint(-10, 30))
        tasks.append(
            Task(
                title=title[:200],
                due_on=due_on,
                assignee=assignee,
                organisation=affiliation.organisation,
                person=affiliation.person,
                done_at=done_at,
            )
        )
    context.shared["tasks"] = Task.objects.bulk_create(tasks)
    produced = extend(context)
    counted = Collaboration.objects.filter(status__in=COUNTED_STATUSES).count()
    context.log(
        f"Network: {len(tasks)} tasks, {produced.interactions} interactions, "
        f"{len(produced.introductions)} introductions ({produced.follow_ups} follow-ups), "
        f"{len(produced.meetings)} past B2B meetings, {len(produced.collaborations)} "
        f"collaborations ({counted} under way or done)."
    )


def reset() -> None:
    """Delete every task, interaction, introduction, follow-up and collaboration, and the
    B2B meetings of past events (``demo --reset`` rebuilds them)."""
    FollowUp.objects.all().delete()
    Collaboration.objects.all().delete()
    Introduction.objects.all().delete()
    Task.objects.all().delete()
    Interaction.objects.all().delete()
    Brokerage.objects.filter(event__ends_at__lt=timezone.now()).delete()


# --- Interactions, introductions, collaborations: what the network produced ------------------
#
# Drawn from a generator of its own, seeded from the shared one without consuming it. The
# history is the last year's: the past congress's B2B meetings (an import of what happened, as
# the events step imports past registrations), interactions, introductions and their +30/+90
# follow-ups answered through ``network.followups`` (the answers dated back), collaborations
# attributed to events, meetings and introductions — more of them, and more across the
# public / private line, in the recent quarters. Nothing is sent.

INTERACTIONS = 80
INTRODUCTIONS = 20
PAST_MEETINGS = 28
B2B_TABLES = ["Salon Loire", "Salon Cher", "Salon Indre", "Salon Vienne", "Salon Loiret"]

INTERACTION_KINDS = [
    (InteractionKind.CALL, 30),
    (InteractionKind.EMAIL, 22),
    (InteractionKind.MEETING, 16),
    (InteractionKind.VISIT, 10),
    (InteractionKind.EVENT, 12),
]
INTERACTION_SUMMARIES = {
    InteractionKind.CALL: [
        "Point téléphonique sur les besoins en bioproduction de {organisation}",
        "Appel : {person} cherche un partenaire académique pour un projet ANR",
        "Appel de qualification : {organisation} souhaite adhérer au réseau",
        "Échange sur les financements régionaux possibles pour {organisation}",
    ],
    InteractionKind.EMAIL: [
        "Envoi de la liste des plateformes analytiques de la région à {person}",
        "Réponse à {person} sur l'appel à projets régional",
        "Transmission du contact d'un expert réglementaire à {organisation}",
    ],
    InteractionKind.MEETING: [
        "Rendez-vous avec {person} : feuille de route de {organisation}",
        "Réunion de présentation du réseau chez {organisation}",
        "Réunion de préparation d'un dépôt collaboratif avec {organisation}",
    ],
    InteractionKind.VISIT: [
        "Visite du site de {organisation} avec {person}",
        "Visite des installations pilotes de {organisation}",
    ],
    InteractionKind.EVENT: [
        "Discussion avec {person} ({organisation}) pendant l'événement",
        "Rencontre avec {person} : intéressé·e par les rendez-vous d'affaires",
    ],
}
FOLLOW_UP_TITLES = [
    "Envoyer à {person} la présentation du réseau",
    "Relancer {person} ({organisation}) sur son projet",
    "Proposer un rendez-vous avec une plateforme à {organisation}",
    "Transmettre l'appel à projets à {person}",
]
WHY = [
    "{a} cherche des compétences en {topic} ; l'équipe de {b} les a.",
    "Projet de collaboration possible autour de {topic}.",
    "{b} cherche un partenaire académique pour un dépôt commun ({topic}).",
    "Besoin d'une prestation d'analyse ({topic}) : {b} peut y répondre.",
]
TOPICS = [
    "purification",
    "thérapie cellulaire",
    "vaccins",
    "contrôle qualité",
    "formulation",
    "culture cellulaire",
    "bioinformatique",
    "anticorps",
]
PUBLIC_KINDS = {"academic_lab", "platform", "hospital", "tech_transfer", "public_body"}
PRIVATE_KINDS = {"company", "startup", "investor"}


@dataclass
class Contact:
    person: Person
    organisation: Organisation


@dataclass
class Produced:
    meetings: list[Meeting] = field(default_factory=list)
    interactions: int = 0
    introductions: list[Introduction] = field(default_factory=list)
    follow_ups: int = 0
    collaborations: list[Collaboration] = field(default_factory=list)


def network_rng(context: DemoContext) -> Random:
    return Random(f"network:{hash(context.rng.getstate())}")


def contacts() -> tuple[list[Contact], list[Contact]]:
    """(public, private) people by their primary current affiliation, in a stable order."""
    public, private = [], []
    for affiliation in (
        Affiliation.objects.filter(
            is_primary=True,
            ended_on__isnull=True,
            organisation__status=OrganisationStatus.ACTIVE,
            organisation__scope=Scope.REGIONAL,
            person__erased_at=None,
            person__merged_into=None,
        )
        .select_related("person", "organisation")
        .order_by("pk")
    ):
        contact = Contact(affiliation.person, affiliation.organisation)
        if affiliation.organisation.kind in PUBLIC_KINDS:
            public.append(contact)
        elif affiliation.organisation.kind in PRIVATE_KINDS:
            private.append(contact)
    return public, private


def recent_day(rng: Random, today: date, days: int = 365) -> date:
    """A day in the last ``days``, more often recent (the network grows)."""
    return today - timedelta(days=int(days * rng.random() ** 1.6) + 1)


def extend(context: DemoContext) -> Produced:
    rng, now = network_rng(context), context.now
    today = now.date()
    actor = animator(context)
    public, private = contacts()
    produced = Produced()
    if not public or not private:
        return produced
    past = list(
        Event.objects.filter(
            ends_at__lt=now,
            status__in=[
                EventStatus.REGISTRATION_CLOSED,
                EventStatus.ARCHIVED,
                EventStatus.PUBLISHED,
            ],
        ).order_by("starts_at")
    )
    produced.meetings = past_b2b_meetings(rng, now)
    produced.interactions = interactions(rng, today, actor, public + private, past)
    produced.introductions = introductions(rng, today, actor, public, private, past)
    produced.follow_ups = answer_follow_ups(rng, now, produced)
    produced.collaborations = collaborations(rng, today, actor, public, private, past, produced)
    return produced


def past_b2b_meetings(rng: Random, now: datetime) -> list[Meeting]:
    """Last year's congress had B2B meetings too: its participants, their accepted requests
    and the published grid, imported as they happened."""
    congress = (
        Event.objects.filter(kind=EventKind.CONGRESS, ends_at__lt=now, brokerage__isnull=True)
        .order_by("-starts_at")
        .first()
    )
    if congress is None:
        return []
    day = timezone.localtime(congress.starts_at).date() + timedelta(days=1)
    tz = timezone.get_current_timezone()
    brokerage = Brokerage.objects.create(
        event=congress,
        slot_minutes=20,
        table_count=len(B2B_TABLES),
        table_names=B2B_TABLES,
        max_meetings=5,
        requests_close_at=datetime.combine(day - timedelta(days=2), time(18), tz),
        schedule_deadline=datetime.combine(day - timedelta(days=1), time(12), tz),
        schedule_published=True,
    )
    MeetingSession.objects.create(
        brokerage=brokerage,
        name="Matinée",
        starts_at=datetime.combine(day, time(9), tz),
        ends_at=datetime.combine(day, time(12, 20), tz),
    )
    registrations = list(
        Registration.objects.filter(
            event=congress,
            status=RegistrationStatus.CONFIRMED,
            attendance=Attendance.ATTENDED,
            organisation__isnull=False,
        )
        .select_related("organisation")
        .order_by("pk")
    )
    chosen = rng.sample(registrations, min(40, len(registrations)))
    participants = Participant.objects.bulk_create(
        [Participant(brokerage=brokerage, registration=r) for r in chosen]
    )
    sectors = {
        p.pk: r.organisation.sector if r.organisation else ""
        for p, r in zip(participants, chosen, strict=True)
    }
    organisations = {p.pk: r.organisation_id for p, r in zip(participants, chosen, strict=True)}
    slots = len(brokerage.slots())
    busy: dict[int, set[int]] = {p.pk: set() for p in participants}
    tables: dict[int, int] = {}
    pairs: set[frozenset[int]] = set()
    planned: list[tuple[Participant, Participant, int, int]] = []
    attempts = 0
    while len(planned) < PAST_MEETINGS and attempts < 2000:
        attempts += 1
        a, b = rng.sample(participants, 2)
        pair = frozenset((a.pk, b.pk))
        if pair in pairs or organisations[a.pk] == organisations[b.pk]:
            continue
        if sectors[a.pk] == sectors[b.pk] and rng.random() < 0.7:
            continue  # most meetings cross the public / private line
        if len(busy[a.pk]) >= 5 or len(busy[b.pk]) >= 5:
            continue
        free = [s for s in range(1, slots + 1) if s not in busy[a.pk] | busy[b.pk]]
        free = [s for s in free if tables.get(s, 0) < len(B2B_TABLES)]
        if not free:
            continue
        slot = free[0]
        tables[slot] = tables.get(slot, 0) + 1
        busy[a.pk].add(slot)
        busy[b.pk].add(slot)
        pairs.add(pair)
        planned.append((a, b, slot, tables[slot]))
    answered = now.replace(microsecond=0)
    requests = MeetingRequest.objects.bulk_create(
        [
            MeetingRequest(
                brokerage=brokerage,
                requester=a,
                recipient=b,
                priority=Priority.WOULD_LIKE,
                status=RequestStatus.ACCEPTED,
                answered_at=answered,
            )
            for a, b, _slot, _table in planned
        ]
    )
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                brokerage=brokerage,
                origin=MeetingOrigin.REQUEST,
                request=request,
                status=MeetingStatus.PLANNED,
                slot=slot,
                table=table,
            )
            for request, (_a, _b, slot, table) in zip(requests, planned, strict=True)
        ]
    )
    Through = Meeting.participants.through
    Through.objects.bulk_create(
        [
            Through(meeting_id=meeting.pk, participant_id=participant.pk)
            for meeting, (a, b, _slot, _table) in zip(meetings, planned, strict=True)
            for participant in (a, b)
        ]
    )
    # The meetings happened at the congress: their records are dated then.
    when = congress.starts_at - timedelta(days=5)
    Participant.objects.filter(brokerage=brokerage).update(created_at=when, updated_at=when)
    MeetingRequest.objects.filter(brokerage=brokerage).update(
        created_at=when, updated_at=when, answered_at=when + timedelta(days=1)
    )
    Meeting.objects.filter(brokerage=brokerage).update(created_at=when, updated_at=when)
    return list(
        Meeting.objects.filter(brokerage=brokerage)
        .select_related("brokerage__event")
        .order_by("slot", "table")
    )


def interactions(
    rng: Random, today: date, actor: Any, people: list[Contact], past: list[Event]
) -> int:
    """About eighty contacts over the year, a few with a follow-up task (most done)."""
    kinds = [kind for kind, _weight in INTERACTION_KINDS]
    weights = [weight for _kind, weight in INTERACTION_KINDS]
    made = 0
    for index in range(INTERACTIONS):
        kind = rng.choices(kinds, weights=weights)[0]
        event = None
        if kind == InteractionKind.EVENT and past:
            event = rng.choice(past[-6:])
            on = timezone.localtime(event.starts_at).date()
        else:
            on = recent_day(rng, today)
        contact = rng.choice(people)
        with_whom = [contact.person]
        if rng.random() < 0.25:
            with_whom.append(rng.choice(people).person)
        values = {"person": contact.person, "organisation": contact.organisation.name}
        summary = rng.choice(INTERACTION_SUMMARIES[kind]).format(**values)
        follow_up = index % 5 == 0
        interaction = services.log_interaction(
            actor=actor,
            kind=kind,
            on=on,
            summary=summary,
            people=list(dict.fromkeys(with_whom)),
            organisations=[contact.organisation],
            event=event,
            follow_up_on=on + timedelta(days=rng.randint(7, 30)) if follow_up else None,
            follow_up_title=rng.choice(FOLLOW_UP_TITLES).format(**values)[:200],
        )
        made += 1
        task = Task.objects.filter(interaction=interaction).first()
        if task is not None and task.due_on and task.due_on < today and rng.random() < 0.75:
            done = datetime.combine(task.due_on, time(10), timezone.get_current_timezone())
            Task.objects.filter(pk=task.pk).update(done_at=done)
    return made


def introductions(
    rng: Random,
    today: date,
    actor: Any,
    public: list[Contact],
    private: list[Contact],
    past: list[Event],
) -> list[Introduction]:
    """The animator introduced researchers and companies to each other, some at events."""
    made = []
    events_by_day: dict[date, Event] = {timezone.localtime(e.starts_at).date(): e for e in past}
    for index in range(INTRODUCTIONS):
        a, b = rng.choice(public), rng.choice(private)
        if index % 4 == 3:  # two companies, now and then
            a = rng.choice(private)
        if a.person.pk == b.person.pk:
            continue
        event: Event | None = None
        if index % 2 == 0 and past:
            event = rng.choice(past[-6:])
            on = timezone.localtime(event.starts_at).date()
        else:
            on = recent_day(rng, today, 330)
            event = events_by_day.get(on)
        why = rng.choice(WHY).format(
            a=a.organisation.name, b=b.organisation.name, topic=rng.choice(TOPICS)
        )
        made.append(
            services.introduce(
                actor=actor, person_a=a.person, person_b=b.person, why=why, on=on, event=event
            )
        )
    return made


NOTES = {
    FollowUpAnswer.COLLABORATION: [
        "Nous avons signé un accord de confidentialité et préparons un projet commun.",
        "Une première prestation est lancée.",
        "Nous montons un dossier de financement ensemble.",
    ],
    FollowUpAnswer.DISCUSSION: ["Deuxième rendez-vous prévu le mois prochain.", ""],
    FollowUpAnswer.NOTHING: ["Pas de besoin pour l'instant.", ""],
}


def _answer(rng: Random, follow_up: FollowUp, answer: str) -> None:
    """Answered through the signed link's path (``record_answer``), dated back."""
    followups.record_answer(
        followups.Link(follow_up, answer), note=rng.choice(NOTES[FollowUpAnswer(answer)])
    )
    when = follow_up.due_at + timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 9))
    FollowUp.objects.filter(pk=follow_up.pk).update(answered_at=when, updated_at=when)


def answer_follow_ups(rng: Random, now: datetime, produced: Produced) -> int:
    """The +30/+90 follow-ups that are due, sent (their dates) and mostly answered."""
    tz = timezone.get_current_timezone()
    created = 0
    # Introductions: round 30 for both people, answered by one of them at least.
    first_round: list[tuple[Introduction, list[FollowUp]]] = []
    for introduction in produced.introductions:
        start = datetime.combine(introduction.on, time(9), tz)
        due = start + timedelta(days=30)
        if due > now:
            continue
        pair = FollowUp.objects.bulk_create(
            [
                FollowUp(
                    introduction=introduction, person=person, round_days=30, due_at=due, sent_at=due
                )
                for person in (introduction.person_a, introduction.person_b)
            ]
        )
        created += len(pair)
        first_round.append((introduction, pair))
    answers = [FollowUpAnswer.COLLABORATION, FollowUpAnswer.DISCUSSION, FollowUpAnswer.NOTHING]
    for index, (_introduction, pair) in enumerate(first_round):
        answer = answers[index % 3] if index < 12 else None
        if answer is not None:
            _answer(rng, pair[0], answer)
            if answer == FollowUpAnswer.COLLABORATION and rng.random() < 0.5:
                _answer(rng, pair[1], FollowUpAnswer.COLLABORATION)  # joins the same one
    # Round 90, unless the first answer settled it: some talks became a collaboration.
    settled = set(
        FollowUp.objects.filter(answer__in=followups.SETTLED).values_list(
            "introduction_id", "person_id"
        )
    )
    for index, (introduction, pair) in enumerate(first_round):
        due = pair[0].due_at + timedelta(days=60)
        if due > now:
            continue
        later = FollowUp.objects.bulk_create(
            [
                FollowUp(
                    introduction=introduction,
                    person=f.person,
                    round_days=90,
                    due_at=due,
                    sent_at=due,
                )
                for f in pair
                if (introduction.pk, f.person_id) not in settled
            ]
        )
        created += len(later)
        first = FollowUp.objects.get(pk=pair[0].pk)
        mine = next((f for f in later if f.person_id == first.person_id), None)
        if mine is not None and first.answer == FollowUpAnswer.DISCUSSION:
            _answer(rng, mine, FollowUpAnswer.COLLABORATION)  # the talks led somewhere
        elif mine is not None and not first.answer and index % 2:
            _answer(rng, mine, FollowUpAnswer.NOTHING)
    # The past congress's meetings: asked at +30 days, a few "yes".
    for index, meeting in enumerate(produced.meetings[:12]):
        due = meeting.brokerage.event.ends_at + timedelta(days=30)
        people = [
            p.registration.person
            for p in meeting.participants.select_related("registration__person")
        ]
        rows = FollowUp.objects.bulk_create(
            [
                FollowUp(meeting=meeting, person=p, round_days=30, due_at=due, sent_at=due)
                for p in people
            ]
        )
        created += len(rows)
        if rows:
            _answer(rng, rows[0], answers[index % 3] if index < 9 else FollowUpAnswer.DISCUSSION)
    return created


COLLABORATION_TITLES: dict[str, str] = {
    CollaborationKind.RD: "Projet de R&D commun : {topic}",
    CollaborationKind.SERVICE: "Prestation d'analyse : {topic}",
    CollaborationKind.NDA: "Accord de confidentialité : {topic}",
    CollaborationKind.LICENCE: "Licence de savoir-faire : {topic}",
    CollaborationKind.GRANT: "Dépôt commun à l'appel à projets régional : {topic}",
    CollaborationKind.STARTUP: "Création de startup : {topic}",
}


def collaborations(
    rng: Random,
    today: date,
    actor: Any,
    public: list[Contact],
    private: list[Contact],
    past: list[Event],
    produced: Produced,
) -> list[Collaboration]:
    """About twenty-five collaborations of every kind and status, attributed to the event,
    B2B meeting or introduction that seeded them — or to nothing known."""
    made: list[Collaboration] = []
    S = CollaborationStatus
    # Those reported by a "yes": the animator confirmed most of them.
    reported = list(Collaboration.objects.filter(status=S.REPORTED).order_by("pk"))
    confirm = [S.ACTIVE, S.ACTIVE, S.DISCUSSION, S.ACTIVE, S.COMPLETED, S.ABANDONED]
    for index, collaboration in enumerate(reported):
        answered = (
            FollowUp.objects.filter(collaboration=collaboration, answered_at__isnull=False)
            .order_by("answered_at")
            .values_list("answered_at", flat=True)
            .first()
        )
        started = timezone.localtime(answered).date() if answered else today
        if index >= len(confirm):
            continue  # still to be confirmed: the animator's queue
        kind = [CollaborationKind.RD, CollaborationKind.SERVICE, CollaborationKind.NDA][index % 3]
        values: dict[str, Any] = {
            "kind": kind,
            "title": COLLABORATION_TITLES[kind].format(topic=rng.choice(TOPICS)),
            "started_on": started,
        }
        status = confirm[index]
        if status == S.COMPLETED:
            services.update_collaboration(
                actor=actor, collaboration=collaboration, values={**values, "status": S.ACTIVE}
            )
            values = {"ended_on": min(started + timedelta(days=60), today)}
        if kind == CollaborationKind.SERVICE:
            values["amount"] = Decimal(rng.choice([8000, 15000, 24000]))
        services.update_collaboration(
            actor=actor, collaboration=collaboration, values={**values, "status": status}
        )
    made += reported

    def create(
        kind: str,
        status: str,
        organisations: list[Organisation],
        on: date,
        people: Sequence[Person] = (),
        **origin: Any,
    ) -> None:
        organisations = list({o.pk: o for o in organisations}.values())
        values = {
            "title": COLLABORATION_TITLES[kind].format(topic=rng.choice(TOPICS)),
            "kind": kind,
            "status": status,
            "started_on": min(on, today),
            **origin,
        }
        if status == S.COMPLETED:
            values["ended_on"] = min(on + timedelta(days=rng.randint(60, 200)), today)
        if kind in (CollaborationKind.SERVICE, CollaborationKind.RD, CollaborationKind.GRANT):
            values["amount"] = Decimal(rng.choice([12000, 35000, 80000, 150000, 420000]))
        made.append(
            services.create_collaboration(
                actor=actor, values=values, organisations=organisations, people=list(people)
            )
        )

    K = CollaborationKind
    # Born at events: two attendees of a past event who met there.
    for kind, status in [
        (K.RD, S.ACTIVE),
        (K.SERVICE, S.COMPLETED),
        (K.NDA, S.ACTIVE),
        (K.GRANT, S.DISCUSSION),
        (K.SERVICE, S.ACTIVE),
        (K.RD, S.ABANDONED),
    ]:
        if not past:
            break
        event = rng.choice(past[-6:])
        attendees = list(
            Registration.objects.filter(
                event=event, attendance=Attendance.ATTENDED, organisation__isnull=False
            )
            .select_related("organisation", "person")
            .order_by("pk")
        )
        publics = [
            (r.person, r.organisation)
            for r in attendees
            if r.organisation and r.organisation.sector == Sector.PUBLIC
        ]
        privates = [
            (r.person, r.organisation)
            for r in attendees
            if r.organisation and r.organisation.sector == Sector.PRIVATE
        ]
        if not publics or not privates:
            continue
        (person_a, lab), (person_b, company) = rng.choice(publics), rng.choice(privates)
        on = timezone.localtime(event.starts_at).date() + timedelta(days=rng.randint(30, 100))
        create(
            kind,
            status,
            [lab, company],
            on,
            [person_a, person_b],
            origin_event=event,
        )
    # Born at the past congress's B2B meetings (beyond those its follow-ups reported).
    born = set(
        Collaboration.objects.exclude(origin_meeting=None).values_list(
            "origin_meeting_id", flat=True
        )
    )
    meetings = [m for m in produced.meetings if m.pk not in born]
    for kind, status in [(K.SERVICE, S.ACTIVE), (K.RD, S.COMPLETED), (K.NDA, S.ACTIVE)]:
        if not meetings:
            break
        meeting = meetings.pop(rng.randrange(len(meetings)))
        registrations = [
            p.registration
            for p in meeting.participants.select_related(
                "registration__organisation", "registration__person"
            )
        ]
        on = timezone.localtime(meeting.brokerage.event.starts_at).date()
        create(
            kind,
            status,
            [r.organisation for r in registrations if r.organisation],
            on + timedelta(days=rng.randint(40, 150)),
            [r.person for r in registrations],
            origin_meeting=meeting,
        )
    # Born from an introduction, recorded by the animator (no "yes" answered yet).
    for introduction in produced.introductions[-2:]:
        organisations = Organisation.objects.filter(
            affiliations__person__in=[introduction.person_a, introduction.person_b],
            affiliations__ended_on__isnull=True,
        ).distinct()
        create(
            K.NDA,
            S.DISCUSSION,
            list(organisations),
            introduction.on + timedelta(days=20),
            [introduction.person_a, introduction.person_b],
            origin_introduction=introduction,
        )
    # With no known origin: the ventures' own, and a few the animator heard of.
    for venture in Venture.objects.exclude(company=None).select_related("origin", "company")[:2]:
        if venture.origin is None or venture.company is None:
            continue
        on = (
            venture.stage_changes.filter(to_stage="company_created")
            .values_list("on", flat=True)
            .first()
            or today
        )
        create(
            K.STARTUP,
            S.ACTIVE if on > today - timedelta(days=400) else S.COMPLETED,
            [venture.origin, venture.company],
            on,
            venture=venture,
        )
    for venture in Venture.objects.exclude(licensee=None).select_related("origin", "licensee")[:1]:
        if venture.origin is None or venture.licensee is None:
            continue
        on = venture.stage_since or today
        create(K.LICENCE, S.ACTIVE, [venture.origin, venture.licensee], on, venture=venture)
    for kind, status in [(K.GRANT, S.ACTIVE), (K.RD, S.DISCUSSION), (K.SERVICE, S.COMPLETED)]:
        x, y = rng.choice(public), rng.choice(private)
        create(
            kind,
            status,
            [x.organisation, y.organisation],
            recent_day(rng, today, 420),
            [x.person, y.person],
        )
    return made
