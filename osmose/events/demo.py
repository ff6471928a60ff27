"""Demo step "events": a year of Afterworks, last year's congress, trainings, what comes next.

Dates are relative to ``context.now``: the calendar always shows past events with their
history and a few upcoming ones open for registration.

Past events get their history in bulk, as an import would bring it (registrations from the
registry's people with the network's private / public mix, check-ins, no-shows, a few
cancellations, survey answers); the upcoming ones are filled through the services, as the
public form would (seats, a waiting list, approvals, invitations to a segment). No e-mail
leaves: every service is called with ``notify=False``.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from django.conf import settings
from django.utils import timezone

from osmose.accounts.models import Role, User
from osmose.core.demo import DemoContext
from osmose.core.models import Commune
from osmose.events import services
from osmose.events.models import (
    Attendance,
    Event,
    EventKind,
    EventSession,
    EventStatus,
    Invitation,
    MetSomeone,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionChoice,
    SessionChoiceStatus,
    SurveyResponse,
)
from osmose.registry.models import (
    Organisation,
    OrganisationKind,
    Person,
    Scope,
    Sector,
    Segment,
)

AFTERWORK_CAPACITY = 70
CONGRESS_CAPACITY = 160
TRAINING_CAPACITY = 16

# The prefecture towns take turns hosting; the venues are invented.
VENUES = [
    ("37261", "Espace ligérien de l'innovation"),
    ("45234", "Auditorium du campus Centre-Loire"),
    ("18033", "Halle des Bioprocédés"),
    ("41018", "Salle des Mariniers"),
    ("28085", "Maison des entreprises de Beauce"),
    ("36044", "Pavillon de l'innovation du Berry"),
]
CONGRESS_VENUE = ("37261", "Centre de congrès des Bords de Loire")
TRAINING_VENUE = ("45234", "Plateforme de formation Centre-Loire")

# (French, English) themes of the Afterworks, oldest first.
AFTERWORK_THEMES = [
    ("Bioproduction et thérapies cellulaires", "Bioproduction and cell therapies"),
    ("Financer sa startup en santé", "Funding a health startup"),
    ("Les métiers de la bioproduction", "Bioproduction careers"),
    ("Vaccins : de la recherche à l'usine", "Vaccines: from the lab to the plant"),
    ("Qualité et affaires réglementaires", "Quality and regulatory affairs"),
    ("Le numérique au service des procédés", "Digital tools for bioprocesses"),
    ("Santé animale et One Health", "Animal health and One Health"),
]
TRAININGS = [
    ("Bonnes pratiques de fabrication en bioproduction", "GMP in bioproduction"),
    ("Changement d'échelle des procédés de culture cellulaire", "Scaling up cell culture"),
    ("Sécurisation virale des biomédicaments", "Viral clearance for biologics"),
]
PAST_AFTERWORKS = 6


def local_datetime(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def next_thursday(day: date) -> date:
    # Afterworks are on Thursday evenings.
    return day + timedelta(days=(3 - day.weekday()) % 7)


def outside_holidays(day: date) -> date:
    """The day, or the first Thursday after 7 January when it falls in the year-end break."""
    if (day.month == 12 and day.day >= 18) or (day.month == 1 and day.day < 7):
        return next_thursday(date(day.year + (day.month == 12), 1, 7))
    return day


def past_status(starts_at: datetime, now: datetime) -> str:
    return (
        EventStatus.REGISTRATION_CLOSED
        if now - starts_at < timedelta(days=60)
        else (EventStatus.ARCHIVED)
    )


def communes_by_code() -> dict[str, Commune]:
    codes = {code for code, _ in [*VENUES, CONGRESS_VENUE, TRAINING_VENUE]}
    return {commune.insee_code: commune for commune in Commune.objects.filter(insee_code__in=codes)}


def afterworks(context: DemoContext, communes: dict[str, Commune]) -> list[Event]:
    """Every two months or so for a year, plus the next one, open for registration."""
    today, events = context.now.date(), []
    for number in range(1, PAST_AFTERWORKS + 2):
        months_ago = PAST_AFTERWORKS + 1 - number  # 0 is the upcoming one
        offset = -61 * months_ago if months_ago else 35
        day = next_thursday(today + timedelta(days=offset + context.rng.randint(-6, 6)))
        day = outside_holidays(day)
        starts_at = local_datetime(day, 18, 30)
        code, venue = VENUES[(number - 1) % len(VENUES)]
        theme_fr, theme_en = AFTERWORK_THEMES[(number - 1) % len(AFTERWORK_THEMES)]
        upcoming = starts_at > context.now
        events.append(
            Event(
                kind=EventKind.AFTERWORK,
                title_fr=f"Afterwork Osmose n° {number} — {theme_fr}",
                title_en=f"Osmose Afterwork #{number} — {theme_en}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2, minutes=30),
                venue=venue,
                commune=communes.get(code),
                capacity=AFTERWORK_CAPACITY,
                status=EventStatus.PUBLISHED if upcoming else past_status(starts_at, context.now),
            )
        )
    return events


def congresses(context: DemoContext, communes: dict[str, Commune]) -> list[Event]:
    """Last year's congress and the next one, each over two days."""
    code, venue = CONGRESS_VENUE
    events = []
    for offset in (-240, 125):
        day = context.now.date() + timedelta(days=offset)
        day += timedelta(days=(1 - day.weekday()) % 7)  # Tuesday and Wednesday
        starts_at = local_datetime(day, 9)
        upcoming = starts_at > context.now
        events.append(
            Event(
                kind=EventKind.CONGRESS,
                title_fr=f"Congrès régional des biomédicaments {day.year}",
                title_en=f"Regional Biopharmaceuticals Congress {day.year}",
                starts_at=starts_at,
                ends_at=local_datetime(day + timedelta(days=1), 17, 30),
                venue=venue,
                commune=communes.get(code),
                capacity=CONGRESS_CAPACITY,
                status=EventStatus.PUBLISHED if upcoming else past_status(starts_at, context.now),
            )
        )
    return events


def trainings(context: DemoContext, communes: dict[str, Commune]) -> list[Event]:
    """Two past trainings and a draft one the animator is still preparing."""
    code, venue = TRAINING_VENUE
    events = []
    for (title_fr, title_en), offset in zip(TRAININGS, (-150, -45, 70), strict=True):
        day = context.now.date() + timedelta(days=offset)
        day += timedelta(days=(0 - day.weekday()) % 7)  # a Monday
        starts_at = local_datetime(day, 9)
        upcoming = starts_at > context.now
        events.append(
            Event(
                kind=EventKind.TRAINING,
                title_fr=f"Formation : {title_fr}",
                title_en=f"Training: {title_en}",
                starts_at=starts_at,
                ends_at=local_datetime(day + timedelta(days=1), 17),
                venue=venue,
                commune=communes.get(code),
                capacity=TRAINING_CAPACITY,
                status=EventStatus.DRAFT if upcoming else past_status(starts_at, context.now),
            )
        )
    return events


def site_visit(context: DemoContext, communes: dict[str, Commune]) -> Event:
    day = context.now.date() - timedelta(days=100)
    starts_at = local_datetime(day, 14)
    return Event(
        kind=EventKind.SITE_VISIT,
        title_fr="Visite d'un site de production de vaccins vétérinaires",
        title_en="Visit of a veterinary vaccine plant",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        venue="Site industriel (adresse communiquée aux inscrits)",
        commune=communes.get("18033"),
        capacity=25,
        status=past_status(starts_at, context.now),
    )


def upcoming_site_visit(context: DemoContext, communes: dict[str, Commune]) -> Event:
    """A small visit, soon: its twelve seats are gone and people wait for one."""
    day = context.now.date() + timedelta(days=18)
    starts_at = local_datetime(day, 14)
    return Event(
        kind=EventKind.SITE_VISIT,
        title_fr="Visite d'une plateforme de production de lots cliniques",
        title_en="Visit of a clinical-batch manufacturing platform",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2, minutes=30),
        venue="Plateforme de bioproduction (adresse communiquée aux inscrits)",
        commune=communes.get("45234"),
        capacity=UPCOMING_VISIT_CAPACITY,
        status=EventStatus.PUBLISHED,
    )


def approval_training(context: DemoContext, communes: dict[str, Commune]) -> Event:
    """A training whose organisers choose the participants (approval on)."""
    day = context.now.date() + timedelta(days=40)
    day += timedelta(days=(0 - day.weekday()) % 7)  # a Monday
    starts_at = local_datetime(day, 9)
    code, venue = TRAINING_VENUE
    return Event(
        kind=EventKind.TRAINING,
        title_fr="Formation : Réglementation des biomédicaments pour les startups",
        title_en="Training: Biologics regulation for startups",
        starts_at=starts_at,
        ends_at=local_datetime(day, 17, 30),
        venue=venue,
        commune=communes.get(code),
        capacity=APPROVAL_TRAINING_CAPACITY,
        requires_approval=True,
        status=EventStatus.PUBLISHED,
    )


# --- What each event says, who organises it ---------------------------------------------------

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    EventKind.AFTERWORK: (
        "Un Afterwork du réseau {network} sur le thème « {theme_fr} » : deux témoignages de "
        "dix minutes, puis un temps d'échanges autour d'un buffet. Chercheurs, industriels, "
        "startups, plateformes et financeurs de la filière s'y rencontrent ; l'équipe "
        "d'animation présente les nouveaux venus aux personnes qu'ils gagneraient à connaître.",
        "A {network} Afterwork on “{theme_en}”: two ten-minute talks, then time to talk over a "
        "buffet. Researchers, manufacturers, startups, platforms and investors of the sector "
        "meet there; the network's team introduces newcomers to the people worth meeting.",
    ),
    EventKind.CONGRESS: (
        "Le rendez-vous annuel de la bioproduction en Centre-Val de Loire : une séance plénière "
        "sur les capacités de production de la région, des ateliers thématiques, des "
        "rendez-vous d'affaires B2B et la visite d'une plateforme. Deux jours pour rencontrer "
        "les industriels, laboratoires, plateformes, établissements de santé et financeurs.",
        "The yearly meeting of bioproduction in Centre-Val de Loire: a plenary session on the "
        "region's manufacturing capacities, thematic workshops, B2B meetings and a platform "
        "visit. Two days to meet manufacturers, labs, platforms, hospitals and investors.",
    ),
    EventKind.TRAINING: (
        "{title_fr} : une formation animée par des praticiens de la filière, entre apports "
        "théoriques, études de cas et mises en situation. Groupe limité à {capacity} "
        "participants ; attestation de formation remise à l'issue.",
        "{title_en}: a course taught by practitioners of the sector, with theory, case studies "
        "and hands-on exercises. Limited to {capacity} participants; a certificate is given "
        "at the end.",
    ),
    EventKind.SITE_VISIT: (
        "Visite guidée du site avec ses équipes procédés et qualité : parcours de production "
        "(en tenue), questions-réponses, puis un temps d'échanges. Places limitées ; pièce "
        "d'identité demandée à l'entrée, chaussures fermées obligatoires.",
        "A guided tour with the site's process and quality teams: the production floor (gowned), "
        "questions and answers, then time to talk. Seats are limited; bring an ID and wear "
        "closed shoes.",
    ),
}


def describe(event: Event, now: datetime) -> None:
    """Descriptions in both languages and a registration window, set before the insert."""
    theme_fr = event.title_fr.split(" — ", 1)[-1]
    theme_en = event.title_en.split(" — ", 1)[-1]
    french, english = DESCRIPTIONS[event.kind]
    values = {
        "network": settings.OSMOSE_NETWORK_NAME,
        "theme_fr": theme_fr,
        "theme_en": theme_en,
        "title_fr": event.title_fr.removeprefix("Formation : "),
        "title_en": event.title_en.removeprefix("Training: "),
        "capacity": event.capacity,
    }
    event.description_fr = french.format(**values)
    event.description_en = english.format(**values)
    # Registration opens six weeks ahead (two months for the congress), closes the day before.
    lead = timedelta(days=60 if event.kind == EventKind.CONGRESS else 42)
    event.registration_opens_at = min(event.starts_at - lead, now - timedelta(days=12))
    event.registration_closes_at = event.starts_at - timedelta(days=1)


def add_organisers(events: Sequence[Event], rng: Random) -> None:
    """The network's cluster organises everything; hosts, trainers and sponsors are partners."""
    active = Organisation.objects.filter(merged_into=None, status="active").order_by("pk")
    regional = active.filter(scope=Scope.REGIONAL)
    cluster = regional.filter(kind=OrganisationKind.CLUSTER).first() or regional.first()
    if cluster is None:
        return
    by_kind: dict[str, list[Organisation]] = {}
    for organisation in regional.filter(
        kind__in=[
            OrganisationKind.PUBLIC_BODY, OrganisationKind.TRAINING, OrganisationKind.COMPANY,
            OrganisationKind.PLATFORM, OrganisationKind.HOSPITAL, OrganisationKind.INCUBATOR,
        ]
    ).only("pk", "kind"):  # fmt: skip
        by_kind.setdefault(organisation.kind, []).append(organisation)

    def some(kind: str, count: int) -> list[Organisation]:
        pool = by_kind.get(kind, [])
        return rng.sample(pool, min(count, len(pool)))

    Organisers = Event.organisers.through
    Partners = Event.partners.through
    organisers, partners = [], []
    for event in events:
        organisers.append(Organisers(event_id=event.pk, organisation_id=cluster.pk))
        match event.kind:
            case EventKind.CONGRESS:
                chosen = some(OrganisationKind.PUBLIC_BODY, 2) + some(OrganisationKind.COMPANY, 3)
                chosen += some(OrganisationKind.HOSPITAL, 1)
            case EventKind.TRAINING:
                chosen = some(OrganisationKind.TRAINING, 1) + some(OrganisationKind.PLATFORM, 1)
            case EventKind.SITE_VISIT:
                chosen = some(OrganisationKind.COMPANY, 1) + some(OrganisationKind.PLATFORM, 1)
            case _:
                chosen = some(OrganisationKind.INCUBATOR, 1) + some(OrganisationKind.COMPANY, 1)
        partners += [Partners(event_id=event.pk, organisation_id=o.pk) for o in chosen]
    Organisers.objects.bulk_create(organisers)
    Partners.objects.bulk_create(partners)


# --- The congress programme and its registration form -----------------------------------------

QUESTIONS = [
    (
        "Comment avez-vous connu l'événement ?",
        "How did you hear about us?",
        QuestionKind.SINGLE,
        ["Lettre du réseau", "Réseaux sociaux", "Un collègue", "Site web", "Autre"],
        ["Network newsletter", "Social media", "A colleague", "Website", "Other"],
        True,
    ),
    (
        "Souhaitez-vous des rendez-vous B2B ?",
        "Do you want B2B meetings?",
        QuestionKind.YES_NO,
        [],
        [],
        True,
    ),
    (
        "Quels thèmes vous intéressent ?",
        "Which themes interest you?",
        QuestionKind.MULTIPLE,
        [
            "Thérapies cellulaires et géniques", "Anticorps et protéines recombinantes",
            "Vaccins", "Procédés et changement d'échelle", "Qualité et réglementaire",
            "Financement et partenariats",
        ],
        [
            "Cell and gene therapies", "Antibodies and recombinant proteins", "Vaccines",
            "Processes and scale-up", "Quality and regulatory affairs",
            "Funding and partnerships",
        ],
        False,
    ),
]  # fmt: skip
# (French, English, day (0 or 1), start hour, hours, capacity)
SESSIONS = [
    ("Séance plénière : la bioproduction en région", "Plenary: bioproduction in the region",
     0, 9, 3, None),
    ("Atelier A : procédés de culture cellulaire et changement d'échelle",
     "Workshop A: cell culture processes and scale-up", 0, 14, 3, 60),
    ("Atelier B : financer et industrialiser une innovation en santé",
     "Workshop B: funding and industrialising a health innovation", 0, 14, 3, 60),
    ("Visite de la plateforme de bioproduction", "Visit of the bioproduction platform",
     1, 14, 3, 25),
]  # fmt: skip


@dataclass
class Programme:
    sessions: list[EventSession]
    questions: list[Question]


def congress_programme(event: Event, actor: Any) -> Programme:
    """Tracks, a visit with few seats and three questions, through the services."""
    day = timezone.localtime(event.starts_at).date()
    sessions = []
    for position, (title_fr, title_en, offset, hour, hours, capacity) in enumerate(SESSIONS):
        starts_at = local_datetime(day + timedelta(days=offset), hour)
        sessions.append(
            services.save_session(
                actor=actor,
                event=event,
                values={
                    "title_fr": title_fr,
                    "title_en": title_en,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=hours),
                    "capacity": capacity,
                    "position": position,
                },
            )
        )
    questions = [
        services.save_question(
            actor=actor,
            event=event,
            values={
                "label_fr": label_fr,
                "label_en": label_en,
                "kind": kind,
                "choices_fr": choices_fr,
                "choices_en": choices_en,
                "required": required,
                "position": position,
            },
        )
        for position, (label_fr, label_en, kind, choices_fr, choices_en, required) in enumerate(
            QUESTIONS
        )
    ]
    return Programme(sessions, questions)


def congress_answers(rng: Random, programme: Programme) -> dict[str, Any]:
    how, b2b, themes = programme.questions
    chosen = sorted(rng.sample(range(len(themes.choices_fr)), rng.randint(1, 3)))
    return {
        str(how.pk): rng.choices(range(5), weights=[40, 15, 25, 15, 5])[0],
        str(b2b.pk): rng.random() < 0.45,
        str(themes.pk): chosen,
    }


def chosen_sessions(rng: Random, programme: Programme) -> list[EventSession]:
    plenary, workshop_a, workshop_b, visit = programme.sessions
    picked = [plenary] if rng.random() < 0.9 else []
    picked.append(workshop_a if rng.random() < 0.55 else workshop_b)
    if rng.random() < 0.3:
        picked.append(visit)
    return picked


# --- Who comes: the registry's people, with the network's private / public mix ---------------

# Share of private, public and non-profit attendees per kind of event.
MIX: dict[str, dict[str, float]] = {
    EventKind.AFTERWORK: {Sector.PRIVATE: 0.55, Sector.PUBLIC: 0.35, Sector.NON_PROFIT: 0.10},
    EventKind.CONGRESS: {Sector.PRIVATE: 0.50, Sector.PUBLIC: 0.40, Sector.NON_PROFIT: 0.10},
    EventKind.TRAINING: {Sector.PRIVATE: 0.70, Sector.PUBLIC: 0.25, Sector.NON_PROFIT: 0.05},
    EventKind.SITE_VISIT: {Sector.PRIVATE: 0.60, Sector.PUBLIC: 0.30, Sector.NON_PROFIT: 0.10},
}
SHOW_UP: dict[str, float] = {
    EventKind.AFTERWORK: 0.84,
    EventKind.CONGRESS: 0.91,
    EventKind.TRAINING: 0.96,
    EventKind.SITE_VISIT: 0.9,
}
SURVEY_SHARE = 0.4
COMMENTS = {
    "fr": [
        "Très bonne organisation, merci !",
        "J'ai rencontré deux laboratoires avec qui nous allons monter un projet.",
        "Un peu court pour les échanges, mais des témoignages très concrets.",
        "Le lieu était difficile d'accès en transports en commun.",
        "Bravo pour la mise en relation avec les startups.",
        "J'aurais aimé davantage d'industriels présents.",
    ],
    "en": [
        "Very well organised, thank you!",
        "Met two labs we will start a project with.",
        "A little short for networking, but very concrete talks.",
        "Great introductions to the startups.",
    ],
}
UPCOMING_VISIT_CAPACITY = 12
APPROVAL_TRAINING_CAPACITY = 14


@dataclass
class Community:
    """The registry's reachable people by sector; regulars come more often (returning)."""

    by_sector: dict[str, list[Person]]
    weight: dict[int, float]
    member: Person | None = None
    member_user: User | None = None
    used: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def from_registry(cls, rng: Random, users: dict[str, User]) -> "Community":
        people = list(
            Person.objects.filter(erased_at=None, merged_into=None)
            .exclude(email="")
            .select_related("primary_organisation")
            .order_by("pk")
        )
        by_sector: dict[str, list[Person]] = {}
        weight = {}
        regulars = set(rng.sample([p.pk for p in people], len(people) // 5))
        for person in people:
            organisation = person.primary_organisation
            sector = organisation.sector if organisation else Sector.PUBLIC
            by_sector.setdefault(sector, []).append(person)
            regional = organisation is not None and organisation.scope == Scope.REGIONAL
            weight[person.pk] = (4.0 if regional else 1.0) * (6.0 if person.pk in regulars else 1.0)
        member_user = users.get(Role.MEMBER)
        member = next((p for p in people if member_user and p.user_id == member_user.pk), None)
        return cls(by_sector, weight, member, member_user)

    def pick(self, rng: Random, event: Event, count: int) -> list[Person]:
        """``count`` people not yet registered for ``event``, in the event's sector mix."""
        taken = self.used.setdefault(event.pk, set())
        chosen: list[Person] = []
        quotas = {sector: round(count * share) for sector, share in MIX[event.kind].items()}
        quotas[Sector.PRIVATE] += count - sum(quotas.values())
        for sector, wanted in quotas.items():
            pool = [p for p in self.by_sector.get(sector, []) if p.pk not in taken]
            # Weighted sampling without replacement (Efraimidis–Spirakis).
            keyed = sorted(pool, key=lambda p: -math.log(rng.random() or 1e-12) / self.weight[p.pk])
            for person in keyed[:wanted]:
                taken.add(person.pk)
                chosen.append(person)
        if len(chosen) < count:  # a small registry: fill from anyone left
            rest = [p for ps in self.by_sector.values() for p in ps if p.pk not in taken]
            for person in rng.sample(rest, min(count - len(chosen), len(rest))):
                taken.add(person.pk)
                chosen.append(person)
        rng.shuffle(chosen)
        return chosen

    def reserve(self, event: Event, person: Person | None) -> Person | None:
        """Keep ``person`` (the demo member) for ``event``; None if already taken or absent."""
        taken = self.used.setdefault(event.pk, set())
        if person is None or person.pk in taken:
            return None
        taken.add(person.pk)
        return person


def language_of(rng: Random) -> str:
    return "en" if rng.random() < 0.12 else "fr"


# --- Past events: their history in bulk -------------------------------------------------------


def past_history(
    context: DemoContext,
    events: Iterable[Event],
    community: Community,
    programmes: dict[int, Programme],
) -> dict[str, int]:
    """Registrations, check-ins, no-shows, cancellations and survey answers of past events."""
    rng = context.rng
    registrations: list[Registration] = []
    for event in events:
        registrations += past_registrations(rng, event, community, programmes.get(event.pk))
    created = Registration.objects.bulk_create(registrations, batch_size=500)
    # auto_now_add stamped "now" on insert: give each registration its real date back.
    for registration in created:
        registration.created_at = (
            registration.confirmed_at
            or registration.waitlisted_at
            or registration.cancelled_at
            or registration.event.starts_at
        )
    Registration.objects.bulk_update(created, ["created_at"], batch_size=500)
    choices: list[SessionChoice] = []
    taken: dict[int, int] = {}  # confirmed seats per session so far
    for registration in created:
        programme = programmes.get(registration.event_id)
        if programme is None or registration.status != RegistrationStatus.CONFIRMED:
            continue
        choices += past_session_choices(rng, registration, programme, taken)
    SessionChoice.objects.bulk_create(choices, batch_size=500)
    surveys = [
        survey_response(rng, registration)
        for registration in created
        if registration.attendance == Attendance.ATTENDED and rng.random() < SURVEY_SHARE
    ]
    SurveyResponse.objects.bulk_create(surveys, batch_size=500)
    return {"registrations": len(created), "surveys": len(surveys)}


def past_registrations(
    rng: Random, event: Event, community: Community, programme: Programme | None
) -> list[Registration]:
    capacity = event.capacity or 50
    if event.kind == EventKind.CONGRESS:
        confirmed, waiting = capacity, rng.randint(6, 12)  # full, a waiting list never reached
    else:
        confirmed, waiting = rng.randint(round(capacity * 0.86), capacity), 0
    cancelled = rng.randint(2, 6) if capacity >= 50 else rng.randint(0, 2)
    walk_ins = rng.randint(1, 3) if event.kind == EventKind.AFTERWORK else 0
    people = community.pick(rng, event, confirmed + waiting + cancelled)
    member = community.reserve(event, community.member) if rng.random() < 0.6 else None
    if member is not None and people:
        people[0] = member
    result = []
    for index, person in enumerate(people):
        registration = past_registration(rng, event, person, programme)
        if index < confirmed:
            walk_in = index >= confirmed - walk_ins
            attended = walk_in or rng.random() < SHOW_UP[event.kind]
            registration.status = RegistrationStatus.CONFIRMED
            registration.attendance = Attendance.ATTENDED if attended else Attendance.NO_SHOW
            registration.reminders_sent = [7, 1]
            if walk_in:  # registered at the door, checked in at once
                registration.source = RegistrationSource.WALK_IN
                registration.confirmed_at = event.starts_at + timedelta(minutes=rng.randint(5, 50))
                registration.reminders_sent = []
            if attended:
                registration.checked_in_at = (
                    registration.confirmed_at
                    if walk_in
                    else event.starts_at + timedelta(minutes=rng.randint(-10, 40))
                )
                registration.thanked_at = event.ends_at + timedelta(hours=16)
        elif index < confirmed + waiting:
            registration.status = RegistrationStatus.WAITLISTED
            registration.waitlisted_at, registration.confirmed_at = registration.confirmed_at, None
        else:
            registration.status = RegistrationStatus.CANCELLED
            confirmed_at = registration.confirmed_at or event.starts_at - timedelta(days=10)
            registration.cancelled_at = confirmed_at + (event.starts_at - confirmed_at) * 0.6
        result.append(registration)
    return result


def past_registration(
    rng: Random, event: Event, person: Person, programme: Programme | None
) -> Registration:
    # Most people register in the last two weeks, a few as soon as it opens.
    days_before = min(41, int(rng.expovariate(1 / 9)) + 1)
    when = event.starts_at - timedelta(days=days_before, minutes=rng.randint(0, 600))
    organisation = person.primary_organisation
    source = RegistrationSource.FORM
    if rng.random() < 0.08:
        source = RegistrationSource.MANUAL
    elif event.kind == EventKind.AFTERWORK and rng.random() < 0.3:
        source = RegistrationSource.INVITATION
    return Registration(
        event=event,
        person=person,
        user=person.user if person.user_id else None,
        organisation=organisation,
        organisation_name=organisation.name if organisation else "",
        source=source,
        language=language_of(rng),
        answers=congress_answers(rng, programme) if programme else {},
        confirmed_at=when,
        status=RegistrationStatus.CONFIRMED,
    )


def past_session_choices(
    rng: Random, registration: Registration, programme: Programme, taken: dict[int, int]
) -> list[SessionChoice]:
    result = []
    for session in chosen_sessions(rng, programme):
        full = session.capacity is not None and taken.get(session.pk, 0) >= session.capacity
        if not full:
            taken[session.pk] = taken.get(session.pk, 0) + 1
        result.append(
            SessionChoice(
                registration=registration,
                session=session,
                status=SessionChoiceStatus.WAITLISTED if full else SessionChoiceStatus.CONFIRMED,
                waitlisted_at=registration.confirmed_at if full else None,
            )
        )
    return result


def survey_response(rng: Random, registration: Registration) -> SurveyResponse:
    satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[45, 37, 12, 4, 2])[0]
    met = rng.choices([MetSomeone.YES, MetSomeone.MAYBE, MetSomeone.NO], weights=[38, 37, 25])[0]
    language = "en" if registration.language == "en" else "fr"
    comment = rng.choice(COMMENTS[language]) if rng.random() < 0.3 else ""
    return SurveyResponse(
        registration=registration,
        satisfaction=satisfaction,
        met_someone=met,
        comment=comment,
        submitted_at=registration.event.ends_at + timedelta(days=rng.randint(1, 9), hours=3),
    )


# --- Upcoming events: filled through the services ---------------------------------------------


def registrant_for(person: Person) -> services.Registrant:
    organisation = person.primary_organisation
    return services.Registrant(
        given_name=person.given_name,
        family_name=person.family_name,
        email=person.email,
        organisation_name=organisation.name if organisation else "",
        organisation_id=organisation.pk if organisation else None,
        job_title=person.job_title,
    )


def register_all(
    rng: Random,
    event: Event,
    people: Iterable[Person],
    *,
    programme: Programme | None = None,
    organiser: bool = False,
    actor: Any = None,
    invitations: dict[int, Invitation] | None = None,
) -> list[Registration]:
    result = []
    for person in people:
        invitation = (invitations or {}).get(person.pk)
        outcome = services.register(
            event=event,
            registrant=registrant_for(person),
            answers=congress_answers(rng, programme) if programme else None,
            session_ids=[s.pk for s in chosen_sessions(rng, programme)] if programme else (),
            language=language_of(rng),
            source=(
                RegistrationSource.MANUAL
                if organiser
                else RegistrationSource.INVITATION
                if invitation
                else RegistrationSource.FORM
            ),
            invitation=invitation,
            actor=actor if organiser else None,
            organiser=organiser,
            notify=False,
        )
        result.append(outcome.registration)
    return result


def invite_segment(
    context: DemoContext, event: Event, community: Community, actor: Any
) -> dict[int, Invitation]:
    """Invitations to the people of a saved segment (the region's bioproduction SMEs)."""
    from osmose.registry.directory import DirectoryQuery

    rng, now = context.rng, context.now
    segment = Segment.objects.filter(slug="pme-bioproduction-37-45").first()
    if segment is not None:
        organisations = DirectoryQuery.from_params("organisations", segment.query).queryset()
    else:  # a registry without the demo's segments: the companies
        organisations = Organisation.objects.filter(
            kind__in=[OrganisationKind.COMPANY, OrganisationKind.STARTUP]
        )
    people = list(
        Person.objects.filter(primary_organisation__in=organisations.values("pk"), erased_at=None)
        .exclude(email="")
        .exclude(pk__in=community.used.get(event.pk, set()))
        .order_by("pk")[:90]
    )
    invitations = services.invite(actor=actor, event=event, people=people)
    sent_at = now - timedelta(days=12)
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(sent_at=sent_at)
    opened = [i for i in invitations if rng.random() < 0.45]
    declined = [i for i in opened if rng.random() < 0.2]
    Invitation.objects.filter(pk__in=[i.pk for i in opened]).update(
        opened_at=sent_at + timedelta(days=1)
    )
    Invitation.objects.filter(pk__in=[i.pk for i in declined]).update(
        declined_at=sent_at + timedelta(days=2)
    )
    # Who followed the link and registered (handled by the caller through the services).
    refused = {i.pk for i in declined}
    return {i.person_id: i for i in opened if i.pk not in refused and rng.random() < 0.55}


def upcoming_registrations(
    context: DemoContext,
    events: Sequence[Event],
    community: Community,
    programmes: dict[int, Programme],
    actor: Any,
) -> int:
    rng, count = context.rng, 0
    for event in events:
        taken = community.used.setdefault(event.pk, set())
        if event.kind == EventKind.AFTERWORK:
            invited = invite_segment(context, event, community, actor)
            invitees = list(
                Person.objects.filter(pk__in=invited).select_related("primary_organisation")
            )
            taken.update(p.pk for p in invitees)
            walk_ups = community.pick(rng, event, 20)
            registered = register_all(rng, event, invitees, invitations=invited)
            others = register_all(rng, event, walk_ups)
            for registration in others[:2]:  # two changed their minds
                services.cancel(actor=None, registration=registration, notify=False)
            registered += others
            member = community.reserve(event, community.member)
            if member is not None and community.member_user is not None:
                registered.append(
                    services.register(
                        event=event,
                        registrant=registrant_for(member),
                        user=community.member_user,
                        language="fr",
                        notify=False,
                    ).registration
                )
        elif event.kind == EventKind.CONGRESS:
            people = community.pick(rng, event, 42)
            registered = register_all(rng, event, people, programme=programmes[event.pk])
        elif event.kind == EventKind.SITE_VISIT:
            people = community.pick(rng, event, (event.capacity or 12) + 5)
            registered = register_all(rng, event, people)  # the last five wait
        elif event.requires_approval:
            people = community.pick(rng, event, 10)
            registered = register_all(rng, event, people[:4], organiser=True, actor=actor)
            registered += register_all(rng, event, people[4:])  # waiting for approval
        else:
            continue
        backdate(rng, event, registered, context.now)
        count += len(registered)
    return count


def backdate(rng: Random, event: Event, registrations: list[Registration], now: datetime) -> None:
    """Spread registrations over the weeks since registration opened, keeping their order
    (the waiting list is first come, first served)."""
    opened = event.registration_opens_at or now - timedelta(days=20)
    span = (now - opened).total_seconds()
    moments = sorted(opened + timedelta(seconds=rng.random() * span) for _ in registrations)
    for registration, moment in zip(
        sorted(registrations, key=lambda r: r.pk), moments, strict=True
    ):
        registration.refresh_from_db(fields=["status", "cancelled_at", "waitlisted_at"])
        registration.created_at = moment
        if registration.status == RegistrationStatus.CONFIRMED:
            registration.confirmed_at = moment
        if registration.waitlisted_at is not None:
            registration.waitlisted_at = moment
        if registration.cancelled_at is not None:
            registration.cancelled_at = min(now, moment + timedelta(days=3))
    Registration.objects.bulk_update(
        registrations, ["created_at", "confirmed_at", "waitlisted_at", "cancelled_at"]
    )


# --- The step ---------------------------------------------------------------------------------


def run(context: DemoContext) -> None:
    communes = communes_by_code()
    events = [
        *afterworks(context, communes),
        *congresses(context, communes),
        *trainings(context, communes),
        site_visit(context, communes),
        upcoming_site_visit(context, communes),
        approval_training(context, communes),
    ]
    for event in events:
        describe(event, context.now)
    events = Event.objects.bulk_create(sorted(events, key=lambda event: event.starts_at))
    context.shared["events"] = events
    users = context.shared.get("users") or {}
    actor = users.get(Role.ANIMATOR) or User.objects.filter(role=Role.ANIMATOR).first()
    add_organisers(events, context.rng)
    programmes = {
        event.pk: congress_programme(event, actor)
        for event in events
        if event.kind == EventKind.CONGRESS
    }
    community = Community.from_registry(context.rng, users)
    past = [e for e in events if e.starts_at < context.now and e.status != EventStatus.DRAFT]
    history = past_history(context, past, community, programmes)
    upcoming = [
        e for e in events if e.starts_at > context.now and e.status == EventStatus.PUBLISHED
    ]
    registered = upcoming_registrations(context, upcoming, community, programmes, actor)
    context.log(
        f"Events: {len(events)} ({history['registrations']} past registrations, "
        f"{history['surveys']} survey answers, {registered} upcoming registrations)."
    )


def reset() -> None:
    """Delete every event (``demo --reset`` rebuilds them)."""
    Event.objects.all().delete()
