"""Demo step "matchmaking": B2B meetings on the next congress, from offers to a published grid.

The upcoming congress of the events step gets a brokerage on its second day (two sessions,
20-minute slots, twenty tables). About a hundred registrants join: academic labs offer
expertise and technology, companies offer services or look for technologies, startups look
for manufacturing and investors, investors offer investment — each with taxonomy terms, so
that the recommendations have reasons to give. Requests go out with mixed priorities; most
are accepted, some declined (one pointing to someone else), some still wait; the organiser
adds a few meetings; then the scheduler runs (a short time limit) and the schedule is
published. Everything goes through the services, inside ``without_emails``: nothing is sent.

The step draws from its own generator, seeded from the shared one without consuming it, so
the steps after it build the same data with or without it.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from osmose.accounts.models import Role, User
from osmose.core.demo import DemoContext
from osmose.core.models import Term
from osmose.events import demo as events_demo
from osmose.events import services as events_services
from osmose.events.models import Event, EventKind, EventStatus, Registration, RegistrationStatus
from osmose.matchmaking import scheduling, services
from osmose.matchmaking.models import (
    Brokerage,
    MeetingRequest,
    OfferCategory,
    OfferKind,
    Participant,
    Priority,
    ScheduleRun,
)

CONFIRMED_TARGET = 120  # confirmed registrations of the congress once topped up
PARTICIPANTS = 100
REQUESTS = 250
TABLE_NAMES = ["Salon Loire", "Salon Cher", "Salon Indre", "Salon Vienne"]
SCHEDULER_SECONDS = 10

# Outcome of a request, by share (an acceptance over the limit becomes a "calendar full").
OUTCOMES = [("accept", 70), ("decline", 12), ("pending", 13), ("withdraw", 5)]

# The broad terms that requests name; an organisation's own terms add precision to offers.
MODALITIES = [
    "monoclonal-antibodies", "vaccines", "recombinant-proteins", "cell-therapy", "gene-therapy",
    "oligonucleotides", "microbiome",
]  # fmt: skip
PROCESS = ["upstream", "downstream", "formulation", "fill-finish", "quality-control", "scale-up"]
AREAS = ["oncology", "infectious-diseases", "immunology", "rare-diseases", "animal-health"]
STARTUP_NEEDS = ["cdmo", "cro", "preclinical-studies", "regulatory-affairs", "clinical-trials"]

HEADLINES = {
    "academic_lab": "Laboratoire de recherche en {focus} : nous cherchons des partenaires "
    "industriels.",
    "startup": "Startup en {focus} : nous préparons nos premiers lots cliniques et une levée.",
    "company": "Industriel de la filière : services et technologies pour la {focus}.",
    "investor": "Nous investissons dans les biotechs en amorçage et série A ({focus}).",
    "platform": "Plateforme technologique : analyses et lots pilotes en {focus}.",
    "hospital": "Centre hospitalier : essais cliniques et besoins médicaux en {focus}.",
    "tech_transfer": "Valorisation de la recherche publique : brevets et licences en {focus}.",
}
DEFAULT_HEADLINE = "Accompagnement des projets de la filière ({focus})."

# (kind, category, title) by kind of organisation; {term} is the offer's main term.
OFFERS: dict[str, list[tuple[str, str, str]]] = {
    "academic_lab": [
        (OfferKind.OFFER, OfferCategory.EXPERTISE, "Expertise académique en {term}"),
        (OfferKind.OFFER, OfferCategory.TECHNOLOGY, "Technologie à transférer : {term}"),
        (OfferKind.REQUEST, OfferCategory.PARTNERSHIP, "Partenaire industriel en {term}"),
    ],
    "startup": [
        (OfferKind.REQUEST, OfferCategory.SERVICE, "Sous-traitant pour nos lots : {term}"),
        (OfferKind.REQUEST, OfferCategory.INVESTMENT, "Levée de fonds en {term}"),
        (OfferKind.OFFER, OfferCategory.LICENSING, "Licence sur notre plateforme en {term}"),
    ],
    "company": [
        (OfferKind.OFFER, OfferCategory.SERVICE, "Services de {term}"),
        (OfferKind.REQUEST, OfferCategory.TECHNOLOGY, "Nous cherchons une technologie en {term}"),
        (OfferKind.REQUEST, OfferCategory.EXPERTISE, "Expertise académique recherchée : {term}"),
    ],
    "investor": [
        (OfferKind.OFFER, OfferCategory.INVESTMENT, "Financement d'amorçage en {term}"),
        (OfferKind.REQUEST, OfferCategory.PARTNERSHIP, "Dossiers de startups en {term}"),
    ],
    "platform": [
        (OfferKind.OFFER, OfferCategory.SERVICE, "Prestations de plateforme : {term}"),
        (OfferKind.OFFER, OfferCategory.EXPERTISE, "Accompagnement technique en {term}"),
    ],
    "hospital": [
        (OfferKind.OFFER, OfferCategory.SERVICE, "Essais cliniques en {term}"),
        (OfferKind.REQUEST, OfferCategory.PARTNERSHIP, "Innovations pour nos patients : {term}"),
    ],
    "tech_transfer": [
        (OfferKind.OFFER, OfferCategory.LICENSING, "Brevets à licencier en {term}"),
        (OfferKind.REQUEST, OfferCategory.PARTNERSHIP, "Industriels pour maturer : {term}"),
    ],
    "other": [
        (OfferKind.OFFER, OfferCategory.SERVICE, "Accompagnement et mise en relation : {term}"),
        (OfferKind.REQUEST, OfferCategory.PARTNERSHIP, "Porteurs de projets en {term}"),
    ],
}  # fmt: skip
MESSAGES = [
    "Bonjour, votre offre correspond à ce que nous cherchons : pouvons-nous en parler ?",
    "Nous aimerions vous présenter notre projet et voir comment travailler ensemble.",
    "Votre expertise nous intéresse pour notre prochaine étape de développement.",
    "Hello, we would like to discuss a possible collaboration.",
    "",
]
REPLIES_ACCEPT = ["Avec plaisir, à bientôt !", "Bien volontiers.", ""]
REPLIES_DECLINE = [
    "Merci, mais ce n'est pas notre priorité cette année.",
    "Nous ne travaillons pas sur ce sujet, désolé.",
]
FULL_CALENDAR = "Mon agenda est complet, désolé."


@dataclass
class Profile:
    """What the step made a participant offer and look for (for choosing whom they ask)."""

    participant: Participant
    organisation_id: int | None
    kind: str
    offer_terms: set[int] = field(default_factory=set)
    request_terms: set[int] = field(default_factory=set)
    offer_categories: set[str] = field(default_factory=set)
    request_categories: set[str] = field(default_factory=set)


def own_rng(context: DemoContext) -> random.Random:
    """A generator seeded from the shared one's state, leaving the shared one untouched."""
    return random.Random(hash(context.rng.getstate()))


def the_congress(context: DemoContext) -> Event | None:
    return (
        Event.objects.filter(
            kind=EventKind.CONGRESS, status=EventStatus.PUBLISHED, starts_at__gt=context.now
        )
        .order_by("starts_at")
        .first()
    )


def local(day: Any, hour: int, minute: int = 0) -> Any:
    return events_demo.local_datetime(day, hour, minute)


def top_up(
    context: DemoContext, rng: random.Random, event: Event, member_user: User | None
) -> None:
    """Registrations through the form until the congress has its confirmed crowd; the demo
    member registers too (signed in), so that the B2B pages can be shown as them."""
    users = {Role.MEMBER: member_user} if member_user else {}
    community = events_demo.Community.from_registry(rng, users)  # type: ignore[arg-type]
    registered = set(event.registrations.values_list("person_id", flat=True))
    community.used[event.pk] = set(registered)
    programme = events_demo.Programme(
        sessions=list(event.sessions.order_by("position", "pk")),
        questions=list(event.questions.order_by("position", "pk")),
    )
    confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    people = community.pick(rng, event, max(0, CONFIRMED_TARGET - confirmed - 1))
    added = events_demo.register_all(rng, event, people, programme=programme)
    b2b_question = programme.questions[1] if len(programme.questions) > 1 else None
    member = community.reserve(event, community.member)
    if member is not None and member_user is not None:
        answers = events_demo.congress_answers(rng, programme)
        if b2b_question is not None:
            answers[str(b2b_question.pk)] = True
        added.append(
            events_services.register(
                event=event,
                registrant=events_demo.registrant_for(member),
                answers=answers,
                session_ids=[s.pk for s in events_demo.chosen_sessions(rng, programme)],
                user=member_user,
                language="fr",
                notify=False,
            ).registration
        )
    if b2b_question is not None:  # most came for the meetings
        key = str(b2b_question.pk)
        for registration in added:
            if rng.random() < 0.85 and registration.answers.get(key) is not True:
                registration.answers = {**registration.answers, key: True}
                Registration.objects.filter(pk=registration.pk).update(answers=registration.answers)
    events_demo.backdate(rng, event, added, context.now)


def set_up(event: Event, actor: Any) -> Brokerage:
    """Meetings on the congress's second day; requests close the evening before."""
    day = timezone.localtime(event.starts_at).date() + timedelta(days=1)
    brokerage = services.enable(
        event,
        actor=actor,
        slot_minutes=20,
        table_count=20,
        table_names=TABLE_NAMES,
        max_meetings=8,
        requests_close_at=local(day - timedelta(days=1), 18),
        schedule_deadline=local(day - timedelta(days=1), 20),
        fairness=2,
    )
    services.set_sessions(
        brokerage,
        [
            ("Matinée", local(day, 9), local(day, 12, 15)),
            ("Après-midi", local(day, 14), local(day, 17, 30)),
        ],
        actor=actor,
    )
    return brokerage


def joiners(rng: random.Random, event: Event, member_user: User | None) -> list[Registration]:
    """Who takes part: those who answered yes to "B2B meetings?", then others, the demo
    member always."""
    registrations = list(
        event.registrations.filter(status=RegistrationStatus.CONFIRMED)
        .select_related("person", "organisation")
        .order_by("pk")
    )
    question = event.questions.order_by("position", "pk")[1:2].first()
    key = str(question.pk) if question else ""

    def wants(registration: Registration) -> bool:
        return bool(registration.answers.get(key)) if key else True

    member = [r for r in registrations if member_user and r.person.user_id == member_user.pk]
    keen = [r for r in registrations if wants(r) and r not in member]
    others = [r for r in registrations if not wants(r) and r not in member]
    rng.shuffle(keen)
    rng.shuffle(others)
    return (member + keen + others)[:PARTICIPANTS]


class Terms:
    """Taxonomy terms by slug, and the broad term above a precise one."""

    def __init__(self) -> None:
        self.by_pk = {t.pk: t for t in Term.objects.select_related("vocabulary")}
        self.by_slug = {t.slug: t for t in self.by_pk.values()}

    def get(self, slugs: list[str]) -> list[Term]:
        return [self.by_slug[s] for s in slugs if s in self.by_slug]

    def broad(self, term: Term) -> Term:
        while term.parent_id is not None and term.parent_id in self.by_pk:
            term = self.by_pk[term.parent_id]
        return term

    def of_vocabulary(self, terms: list[Term], slug: str) -> list[Term]:
        return [t for t in terms if t.vocabulary.slug == slug]


def offer_terms(
    rng: random.Random, terms: Terms, kind: str, category: str, own: list[Term]
) -> list[Term]:
    """The terms of an offer or request: a modality (broad, and precise when the organisation
    has one), plus what the category is about."""
    modalities = terms.of_vocabulary(own, "modalities")
    chosen: list[Term] = []
    if modalities:
        precise = rng.choice(modalities)
        chosen += [precise, terms.broad(precise)]
    else:
        chosen += terms.get([rng.choice(MODALITIES)])
    match category:
        case OfferCategory.SERVICE if kind == OfferKind.REQUEST:
            chosen += terms.get(rng.sample(STARTUP_NEEDS, 2))
        case OfferCategory.SERVICE:
            services_own = terms.of_vocabulary(own, "services")
            chosen += services_own or terms.get([rng.choice(["cdmo", "cro", "quality-assurance"])])
            process = terms.of_vocabulary(own, "process-steps")
            chosen += process[:1] or terms.get([rng.choice(PROCESS)])
        case OfferCategory.INVESTMENT:
            chosen += terms.get(["financing"])
            areas = terms.of_vocabulary(own, "therapeutic-areas")
            chosen += [terms.broad(areas[0])] if areas else terms.get([rng.choice(AREAS)])
        case OfferCategory.EXPERTISE | OfferCategory.TECHNOLOGY:
            process = terms.of_vocabulary(own, "process-steps")
            chosen += [terms.broad(process[0])] if process else terms.get([rng.choice(PROCESS)])
        case OfferCategory.LICENSING:
            chosen += terms.get(["intellectual-property"])
        case _:
            areas = terms.of_vocabulary(own, "therapeutic-areas")
            chosen += [terms.broad(areas[0])] if areas else terms.get([rng.choice(AREAS)])
    return list(dict.fromkeys(chosen))


def publish_offers(
    rng: random.Random, participants: list[Participant], terms: Terms
) -> dict[int, Profile]:
    """Headline and one to three offers or requests for each participant."""
    own_terms: dict[int, list[Term]] = defaultdict(list)
    organisation_ids = {
        p.registration.organisation_id for p in participants if p.registration.organisation_id
    }
    Through = Term.organisations.through
    for organisation_id, term_id in Through.objects.filter(
        organisation_id__in=organisation_ids
    ).values_list("organisation_id", "term_id"):
        if term_id in terms.by_pk:
            own_terms[organisation_id].append(terms.by_pk[term_id])
    profiles = {}
    for participant in participants:
        organisation = participant.registration.organisation
        kind = organisation.kind if organisation else "other"
        own = sorted(own_terms.get(participant.registration.organisation_id or 0, []), key=str)
        templates = OFFERS.get(kind, OFFERS["other"])
        count = min(len(templates), rng.choice([1, 2, 2, 3]))
        chosen = [templates[0], *rng.sample(templates[1:], count - 1)]
        profile = Profile(participant, participant.registration.organisation_id, kind)
        focus = ""
        for offer_kind, category, title in chosen:
            picked = offer_terms(rng, terms, offer_kind, category, own)
            focus = focus or picked[0].name_fr.lower()
            services.save_offer(
                participant,
                kind=offer_kind,
                category=category,
                title=title.format(term=picked[0].name_fr.lower())[:200],
                description=describe_offer(offer_kind, category, picked),
                terms=picked,
            )
            target = (
                (profile.offer_terms, profile.offer_categories)
                if offer_kind == OfferKind.OFFER
                else (profile.request_terms, profile.request_categories)
            )
            target[0].update(t.pk for t in picked)
            target[1].add(category)
        headline = HEADLINES.get(kind, DEFAULT_HEADLINE).format(focus=focus)
        services.update_profile(participant, headline=headline)
        profiles[participant.pk] = profile
    return profiles


CATEGORY_FR = {
    OfferCategory.EXPERTISE: "expertise",
    OfferCategory.TECHNOLOGY: "technologie",
    OfferCategory.SERVICE: "service",
    OfferCategory.PARTNERSHIP: "partenariat",
    OfferCategory.LICENSING: "licence",
    OfferCategory.INVESTMENT: "investissement",
}


def describe_offer(kind: str, category: str, terms: list[Term]) -> str:
    names = ", ".join(t.name_fr.lower() for t in terms)
    what = "proposons" if kind == OfferKind.OFFER else "cherchons"
    return f"Ce que nous {what} ({CATEGORY_FR[OfferCategory(category)]}) : {names}."


def score(me: Profile, other: Profile) -> int:
    """How much ``me`` wants to meet ``other`` (the recommendations' idea, in memory)."""
    points = 3 * len(me.request_terms & other.offer_terms)
    points += 2 * len(me.offer_terms & other.request_terms)
    points += len(me.request_categories & other.offer_categories)
    return points


def colleagues(a: Profile, b: Profile) -> bool:
    return a.organisation_id is not None and a.organisation_id == b.organisation_id


def choose_requests(
    rng: random.Random, profiles: dict[int, Profile], member_pk: int | None
) -> list[tuple[Profile, Profile]]:
    """About ``REQUESTS`` (requester, recipient) pairs, mostly towards good matches."""
    people = list(profiles.values())
    wanted: list[tuple[Profile, Profile]] = []
    pairs: set[frozenset[int]] = set()
    for me in people:
        candidates = [
            (score(me, other) + rng.random(), other)
            for other in people
            if other is not me and not colleagues(me, other)
        ]
        candidates.sort(key=lambda item: -item[0])
        how_many = rng.choice([1, 2, 2, 3, 3, 3, 4])
        if me.participant.pk == member_pk:
            how_many = 3
        # Mostly the best matches; now and then someone met by chance.
        top = candidates[:8]
        picks = rng.sample(top, min(how_many, len(top)))
        if rng.random() < 0.3 and len(candidates) > 8:
            picks[-1] = rng.choice(candidates[8:])
        for _score, other in picks:
            pair = frozenset((me.participant.pk, other.participant.pk))
            if pair not in pairs:
                pairs.add(pair)
                wanted.append((me, other))
    rng.shuffle(wanted)
    return wanted[:REQUESTS]


def make_requests(
    rng: random.Random,
    profiles: dict[int, Profile],
    member_pk: int | None,
    excluded_pairs: set[frozenset[int]],
) -> dict[str, int]:
    """Requests, then each answered (or not) by its recipient."""
    counts: dict[str, int] = defaultdict(int)
    suggested = False
    for me, other in choose_requests(rng, profiles, member_pk):
        if frozenset((me.participant.pk, other.participant.pk)) in excluded_pairs:
            continue
        priority = Priority.MUST_MEET if rng.random() < 0.3 else Priority.WOULD_LIKE
        try:
            request = services.request_meeting(
                me.participant, other.participant, message=rng.choice(MESSAGES), priority=priority
            )
        except ValidationError:
            continue
        outcome = rng.choices([o for o, _w in OUTCOMES], weights=[w for _o, w in OUTCOMES])[0]
        if me.participant.pk == member_pk:  # the demo member has meetings and a wait
            outcome = "accept" if counts["member_sent"] < 2 else "pending"
            counts["member_sent"] += 1
        elif other.participant.pk == member_pk and not counts["member_pending"]:
            outcome = "pending"  # and a request to answer
            counts["member_pending"] += 1
        if outcome == "accept":
            try:
                services.answer_request(request, accept=True, reply=rng.choice(REPLIES_ACCEPT))
            except ValidationError:  # one of them has the most meetings allowed
                outcome = "full"
        if outcome in ("decline", "full"):
            alternative = None
            if not suggested and outcome == "decline":
                alternative = suggestion(profiles, me, other)
                suggested = alternative is not None
            reply = FULL_CALENDAR if outcome == "full" else rng.choice(REPLIES_DECLINE)
            if alternative is not None:
                reply = (
                    f"Ce n'est pas mon domaine, mais {alternative.participant.person} "
                    "pourra sûrement vous aider."
                )
            services.answer_request(
                request,
                accept=False,
                reply=reply,
                suggested=alternative.participant if alternative else None,
            )
        elif outcome == "withdraw":
            services.withdraw_request(request)
        counts[outcome] += 1
    return counts


def suggestion(profiles: dict[int, Profile], me: Profile, declining: Profile) -> Profile | None:
    """Whom the recipient points to: the best match for the requester among the others."""
    others = [
        p
        for p in profiles.values()
        if p not in (me, declining) and not colleagues(me, p) and score(me, p) > 0
    ]
    return max(others, key=lambda p: (score(me, p), -p.participant.pk), default=None)


def say_no_thanks(
    rng: random.Random, participants: list[Participant], member_pk: int | None
) -> set[frozenset[int]]:
    """A few participants hide someone from their recommendations."""
    pairs: set[frozenset[int]] = set()
    pool = [p for p in participants if p.pk != member_pk]
    for participant in rng.sample(pool, min(12, len(pool))):
        other = rng.choice(pool)
        if other.pk != participant.pk:
            services.no_thanks(participant, other)
            pairs.add(frozenset((participant.pk, other.pk)))
    return pairs


def organiser_meetings(
    rng: random.Random, brokerage: Brokerage, profiles: dict[int, Profile], actor: Any
) -> int:
    """The organiser introduces a few people who did not ask each other (one at 9:00)."""
    busy = {
        frozenset(pair)
        for pair in MeetingRequest.objects.filter(brokerage=brokerage).values_list(
            "requester_id", "recipient_id"
        )
    }
    people = sorted(profiles.values(), key=lambda p: p.participant.pk)
    investors = [p for p in people if p.kind == "investor"]
    others = [p for p in people if p.kind in ("startup", "academic_lab", "company")]
    made = 0
    for index in range(4):
        first = rng.choice(investors or people)
        second = rng.choice(others or people)
        pair = frozenset((first.participant.pk, second.participant.pk))
        if first is second or colleagues(first, second) or pair in busy:
            continue
        try:
            services.add_meeting(
                brokerage,
                [first.participant, second.participant],
                actor=actor,
                fixed_slot=1 if index == 0 else None,
            )
        except ValidationError:
            continue
        busy.add(pair)
        made += 1
    return made


def unavailable(rng: random.Random, brokerage: Brokerage, participants: list[Participant]) -> None:
    """A few arrive late or leave early."""
    count = len(brokerage.slots())
    for participant in rng.sample(participants, min(6, len(participants))):
        late = rng.random() < 0.5
        slots = [1, 2] if late else [count - 1, count]
        services.update_profile(participant, unavailable_slots=slots)


def schedule(brokerage: Brokerage, actor: Any) -> ScheduleRun:
    """Run the scheduler at once (a short limit) and publish its grid. On a slow machine the
    fair schedule may not be found in time: the one without the bound is applied instead."""
    run = scheduling.start_run(brokerage, actor=actor, time_limit=SCHEDULER_SECONDS)
    scheduling.execute(run)
    if not run.applied and run.result.get("without_fairness"):
        scheduling.apply(run, without_fairness=True, actor=actor)
    Brokerage.objects.filter(pk=brokerage.pk).update(schedule_published=run.applied)
    brokerage.schedule_published = run.applied
    return run


def run(context: DemoContext) -> None:
    event = the_congress(context)
    if event is None:
        return
    rng = own_rng(context)
    users = context.shared.get("users") or {}
    actor = users.get(Role.ANIMATOR) or User.objects.filter(role=Role.ANIMATOR).first()
    member_user = users.get(Role.MEMBER) or User.objects.filter(role=Role.MEMBER).first()
    with services.without_emails():
        top_up(context, rng, event, member_user)
        brokerage = set_up(event, actor)
        participants = [
            services.join(registration) for registration in joiners(rng, event, member_user)
        ]
        participants = list(
            Participant.objects.filter(pk__in=[p.pk for p in participants])
            .select_related("brokerage", "registration__person", "registration__organisation")
            .order_by("pk")
        )
        member = next(
            (p for p in participants if member_user and p.person.user_id == member_user.pk), None
        )
        member_pk = member.pk if member else None
        terms = Terms()
        profiles = publish_offers(rng, participants, terms)
        unavailable(rng, brokerage, [p for p in participants if p.pk != member_pk])
        excluded = say_no_thanks(rng, participants, member_pk)
        counts = make_requests(rng, profiles, member_pk, excluded)
        made = organiser_meetings(rng, brokerage, profiles, actor)
        run = schedule(brokerage, actor)
    context.shared["brokerage"] = brokerage
    requests = sum(v for k, v in counts.items() if not k.startswith("member_"))
    context.log(
        f"B2B meetings: {len(participants)} participants, {requests} requests, "
        f"{made} made by the organiser, {run.placed} meetings placed ({run.status})."
    )


def reset() -> None:
    """Delete every brokerage (its participants, offers, requests, meetings and runs); the
    congress registrations the step added go with the events step's reset."""
    Brokerage.objects.all().delete()
