"""Demo step "pipeline": 25 ventures from the region's labs and platforms, at every stage.

Each venture has its dated stage history (through ``services.move_to_stage``, so the stage
rules hold), a TRL history, a team (researchers of its lab, founders), IP, support actions,
milestones; seven of them became a company within the programme period (the last three
years) — a registry organisation with its SIREN and founding date, the evidence — and one
older startup shows what came before. A regional seed fund created during the programme has
deals in every status, investments with a follow-on, and a conflict of interest to declare (a
researcher who sits on its committee is in a venture's team).

The step draws from its own generator, seeded from the shared one without consuming it, so
the steps after it build the same data with or without it. No e-mail is sent.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum import luhn

from osmose.accounts.models import Role, User
from osmose.core.demo import DemoContext
from osmose.core.models import Term
from osmose.pipeline import services
from osmose.pipeline.models import (
    Deal,
    DealStatus,
    GrantScheme,
    Instrument,
    IpKind,
    Outcome,
    Stage,
    SupportKind,
    TeamRole,
    Venture,
)
from osmose.registry.models import (
    Affiliation,
    DuplicateKind,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
    Scope,
    Sector,
)
from osmose.registry.services.indexing import unindex
from osmose.registry.services.organisations import create_organisation
from osmose.registry.services.people import add_affiliation, create_person

SOURCE = "demo-pipeline"  # the registry records this step creates (its reset deletes them)
PROGRAMME_YEARS = 3
SEED_FUND_NAME = "Fonds d'amorçage Centre-Val de Loire"

# Days before today each created startup was registered: seven in the programme period
# (spread over it, the growth ones first), then one older startup.
CREATED_AGES = {
    Stage.GROWTH: [1000, 850],
    Stage.FIRST_FUNDING: [700, 560],
    Stage.COMPANY_CREATED: [400, 230, 75],
}
OLDER_STARTUP_AGE = 2150  # about six years: before the programme


@dataclass
class Spec:
    name: str
    technology: str
    terms: tuple[str, ...]
    stage: Stage
    path: tuple[Stage, ...]  # the stages it went through, the idea first
    reason: str = ""
    platform: bool = False  # born on a technology platform rather than in a lab


ID, M, P, N = Stage.IDEA, Stage.MATURATION, Stage.PRE_INCUBATION, Stage.INCUBATION
C, F, G = Stage.COMPANY_CREATED, Stage.FIRST_FUNDING, Stage.GROWTH
L, S = Stage.LICENSED, Stage.STOPPED

SPECS = [
    # Ideas
    Spec("PhagoLoire", "Cocktails de bactériophages contre les infections à staphylocoques",
         ("bacteriophages", "antimicrobial-resistance"), ID, (ID,)),
    Spec("VectoSol", "Vecteurs AAV produits en suspension sans sérum",
         ("aav-vectors", "upstream"), ID, (ID,), platform=True),
    Spec("DermaPep", "Peptides cicatrisants pour les plaies chroniques",
         ("peptides", "dermatology"), ID, (ID,)),
    # Maturation
    Spec("NanoVax", "Nanoparticules adjuvantes pour vaccins sous-unitaires",
         ("subunit-vaccines", "formulation"), M, (ID, M)),
    Spec("OligoCible", "Oligonucléotides antisens contre une myopathie rare",
         ("antisense", "rare-diseases"), M, (ID, M)),
    Spec("LyoStab", "Lyophilisation rapide des anticorps thérapeutiques",
         ("freeze-drying", "monoclonal-antibodies"), M, (ID, M), platform=True),
    # Pre-incubation
    Spec("ImmunoTrack", "Suivi de la réponse immunitaire par spectrométrie de masse",
         ("mass-spectrometry", "immunology"), P, (ID, P)),
    Spec("MicroBiome Santé", "Consortiums bactériens pour les maladies métaboliques",
         ("microbiome", "metabolic-diseases"), P, (ID, M, P)),
    Spec("CellNK", "Cellules NK allogéniques contre les leucémies",
         ("nk-cells", "haematological-cancers"), P, (ID, P)),
    # Incubation
    Spec("VetiVax", "Vaccins vétérinaires à ARN messager pour les volailles",
         ("mrna-vaccines", "animal-health"), N, (ID, M, N)),
    Spec("ChromaFlow", "Chromatographie continue pour la purification des protéines",
         ("chromatography", "continuous-manufacturing"), N, (ID, P, N), platform=True),
    Spec("ExoCure", "Vésicules extracellulaires pour la réparation du cartilage",
         ("extracellular-vesicles", "stem-cells"), N, (ID, M, N)),
    # Companies created in the programme period
    Spec("Lentigen Bio", "Vecteurs lentiviraux de qualité clinique",
         ("lentiviral-vectors", "gene-therapy"), C, (ID, M, N, C)),
    Spec("Biopur Analytics", "Contrôle qualité microbiologique rapide en ligne",
         ("microbiological-control", "quality-control"), C, (ID, P, N, C), platform=True),
    Spec("Respira Thérapeutics", "Anticorps inhalés contre les infections respiratoires",
         ("antibody-fragments", "respiratory-infections"), C, (ID, M, P, C)),
    Spec("Onco-ADC", "Anticorps conjugués ciblant les tumeurs solides",
         ("antibody-drug-conjugates", "solid-tumours"), F, (ID, M, N, C, F)),
    Spec("FermaLoire", "Fermentation de précision pour enzymes industrielles",
         ("enzymes", "fermentation"), F, (ID, P, N, C, F)),
    Spec("Cart-In", "CAR-T produites au chevet du patient",
         ("car-t", "cell-therapy"), G, (ID, M, N, C, F, G)),
    Spec("SiRNAgen", "ARN interférents contre les maladies du foie",
         ("sirna", "rare-diseases"), G, (ID, M, N, C, F, G)),
    # An older startup, created before the programme
    Spec("Ligérienne de Bioproduction", "Lignées cellulaires à haut rendement",
         ("cell-line-development", "recombinant-proteins"), G, (ID, M, C, F, G)),
    # Licensed to an existing company
    Spec("FiltraVir", "Filtration d'élimination virale à usage unique",
         ("viral-clearance", "single-use"), L, (ID, M, L)),
    Spec("BioAssay Pro", "Essais cellulaires de puissance pour biosimilaires",
         ("bioassays", "biosimilars"), L, (ID, M, L), platform=True),
    # Stopped, with the reason
    Spec("VaxOral", "Vaccin oral inactivé contre une zoonose", ("inactivated-vaccines",),
         S, (ID, M, S), reason="Preuve de concept non obtenue chez l'animal"),
    Spec("Cryo-Cell", "Conservation des cellules sans DMSO", ("cold-chain", "stem-cells"),
         S, (ID, P, S), reason="Porteur de projet parti à l'étranger"),
    Spec("GlycoMab", "Anticorps glyco-optimisés", ("monoclonal-antibodies", "oncology"),
         S, (ID, S), reason="Liberté d'exploitation insuffisante (brevets antérieurs)"),
]  # fmt: skip

STOP_TITLES = {
    M: "Fin de la maturation",
    P: "Entrée en pré-incubation",
    N: "Entrée en incubation",
}
MILESTONES = {
    ID: ["Étude de liberté d'exploitation", "Premier rendez-vous avec la SATT"],
    M: ["Preuve de concept in vivo", "Dépôt de la demande de brevet"],
    P: ["Étude de marché", "Constitution de l'équipe dirigeante"],
    N: ["Plan d'affaires validé", "Recrutement du directeur général"],
    C: ["Premier client", "Levée d'amorçage bouclée"],
    F: ["Lot pilote BPF", "Dossier réglementaire déposé"],
    G: ["Première vente à l'international", "Série A bouclée"],
    L: ["Premier rapport de redevances"],
}
COACHING_TITLES = [
    "Coaching stratégie et modèle économique",
    "Coaching propriété industrielle",
    "Coaching levée de fonds",
    "Coaching réglementaire",
]
TRAININGS = [
    "Formation « De la recherche à l'entreprise »",
    "Formation réglementaire ATMP",
    "Bootcamp entrepreneuriat en santé",
]
PRIZES = [
    ("Concours i-Nov (lauréat)", GrantScheme.BPIFRANCE),
    ("Prix de l'innovation de la Région Centre-Val de Loire", GrantScheme.REGIONAL),
    ("Concours i-PhD (lauréat)", GrantScheme.BPIFRANCE),
]


def own_rng(context: DemoContext) -> random.Random:
    """A generator seeded from the shared one's state, leaving the shared one untouched."""
    return random.Random(f"pipeline:{hash(context.rng.getstate())}")


def programme_start(today: date) -> date:
    """The first day of the programme period: three years ago today."""
    try:
        return today.replace(year=today.year - PROGRAMME_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - PROGRAMME_YEARS, day=28)


def animator(context: DemoContext) -> User | None:
    users = context.shared.get("users") or {}
    return users.get(Role.ANIMATOR) or User.objects.filter(role=Role.ANIMATOR).first()


class Builder:
    """What the step needs while it builds: the generator, today, the actor, the registry."""

    def __init__(self, context: DemoContext) -> None:
        self.context = context
        self.rng = own_rng(context)
        self.today = context.now.date()
        self.actor = animator(context)
        regional = Organisation.objects.filter(
            scope=Scope.REGIONAL, status=OrganisationStatus.ACTIVE, merged_into=None
        ).order_by("pk")
        self.labs = list(regional.filter(kind=OrganisationKind.ACADEMIC_LAB))
        self.platforms = list(regional.filter(kind=OrganisationKind.PLATFORM))
        self.incubators = list(regional.filter(kind=OrganisationKind.INCUBATOR))
        self.tech_transfer = list(regional.filter(kind=OrganisationKind.TECH_TRANSFER))
        self.companies = list(regional.filter(kind=OrganisationKind.COMPANY, sector=Sector.PRIVATE))
        investors = Organisation.objects.filter(
            kind=OrganisationKind.INVESTOR, status=OrganisationStatus.ACTIVE, merged_into=None
        ).order_by("pk")
        self.angels = [o for o in investors if "angel" in o.name.lower()]
        self.venture_capital = [
            o for o in investors if o.sector == Sector.PRIVATE and o not in self.angels
        ]
        self.terms = {t.slug: t for t in Term.objects.all()}
        self.sirens = set(Organisation.objects.exclude(siren="").values_list("siren", flat=True))
        self.emails = set(Person.objects.values_list("email", flat=True))
        self.created: list[Organisation] = []
        self.new_people: list[Person] = []
        self.used_people: set[int] = set()

    # -- helpers --------------------------------------------------------------------------

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def people_of(self, organisation: Organisation | None, count: int) -> list[Person]:
        """Current members of ``organisation`` not yet in a team, in a stable order."""
        if organisation is None:
            return []
        candidates = [
            person
            for person in Person.objects.filter(
                affiliations__organisation=organisation, affiliations__ended_on__isnull=True
            )
            .distinct()
            .order_by("pk")
            if person.pk not in self.used_people
        ]
        chosen = self.rng.sample(candidates, min(count, len(candidates)))
        self.used_people.update(p.pk for p in chosen)
        return chosen

    def siren(self, sector: str) -> str:
        first = self.rng.choice("12" if sector == Sector.PUBLIC else "3456789")
        while True:
            base = first + "".join(self.rng.choice("0123456789") for _ in range(7))
            number = base + luhn.calc_check_digit(base)
            if number not in self.sirens:
                self.sirens.add(number)
                return number

    def organisation(
        self,
        *,
        name: str,
        kind: str,
        sector: str,
        founded_on: date,
        near: Organisation | None,
        terms: list[Term],
        is_jei: bool = False,
        headcount: str = "1-9",
        description: str = "",
        domain: str,
    ) -> Organisation:
        postcode = near.postcode if near and near.postcode else "45000"
        city = near.city if near and near.city else "Orléans"
        organisation = create_organisation(
            actor=self.actor,
            values={
                "name": name,
                "kind": kind,
                "sector": sector,
                "scope": Scope.REGIONAL,
                "status": OrganisationStatus.ACTIVE,
                "siren": self.siren(sector),
                "founded_on": founded_on,
                "is_jei": is_jei,
                "headcount": headcount,
                "description_fr": description,
                "website": f"https://www.{domain}.example",
                "street": f"{self.rng.randint(1, 80)} rue de l'Innovation",
                "postcode": postcode,
                "city": city,
                "public_fields": ["description", "website", "address", "terms"],
            },
            terms=terms[:5] or list(self.terms.values())[:1],
            source=SOURCE,
        )
        self.created.append(organisation)
        return organisation

    def person(
        self, *, given: str, family: str, organisation: Organisation, role: str, domain: str
    ) -> Person:
        local = f"{given}.{family}".lower().replace(" ", "-").replace("é", "e").replace("è", "e")
        email, number = f"{local}@{domain}.example", 2
        while email in self.emails:
            email, number = f"{local}{number}@{domain}.example", number + 1
        self.emails.add(email)
        digits = "".join(self.rng.choice("0123456789") for _ in range(4))
        person = create_person(
            actor=self.actor,
            values={
                "given_name": given,
                "family_name": family,
                "email": email,
                "phone": f"+3326191{digits}",
                "job_title": role,
            },
            source=SOURCE,
        )
        add_affiliation(
            actor=self.actor,
            person=person,
            organisation=organisation,
            role=role,
            started_on=organisation.founded_on,
        )
        self.new_people.append(person)
        return person


FOUNDERS = [
    ("Claire", "Morvan"),
    ("Julien", "Texier"),
    ("Inès", "Belkacem"),
    ("Hugo", "Lemaire"),
    ("Sarah", "Nguyen"),
    ("Thomas", "Girardot"),
    ("Léa", "Fontaine"),
    ("Karim", "Haddad"),
]
FUND_PEOPLE = [
    ("Nathalie", "Perrin", "Directrice d'investissement"),
    ("Antoine", "Delorme", "Chargé d'affaires"),
]


# --- the step ---------------------------------------------------------------------------------


def run(context: DemoContext) -> None:
    b = Builder(context)
    fund = seed_fund(b)
    ventures: dict[str, Venture] = {}
    created_ages = {stage: list(ages) for stage, ages in CREATED_AGES.items()}
    founders = list(FOUNDERS)
    for spec in SPECS:
        older = spec.name == "Ligérienne de Bioproduction"
        age = None
        if spec.stage in (C, F, G):
            age = OLDER_STARTUP_AGE if older else created_ages[spec.stage].pop(0)
        ventures[spec.name] = build_venture(b, spec, age, founders)
    deals = seed_fund_deals(b, fund, ventures)
    context.shared["ventures"] = list(ventures.values())
    context.shared["seed_fund"] = fund
    context.shared.setdefault("organisations", []).extend(b.created)
    context.shared.setdefault("people", []).extend(b.new_people)
    start = programme_start(b.today)
    created = sum(
        1
        for v in ventures.values()
        if v.company_id and v.stage_changes.filter(to_stage=C, on__gte=start).exists()
    )
    context.log(
        f"Ventures: {len(ventures)} ({created} startups created in the programme period), "
        f"{len(deals)} seed-fund deals."
    )


def seed_fund(b: Builder) -> Organisation:
    """The regional seed fund, created during the programme, and its people."""
    founded = programme_start(b.today) + timedelta(days=200)
    city = next((o for o in b.labs if o.city == "Orléans"), None)
    fund = b.organisation(
        name=SEED_FUND_NAME,
        kind=OrganisationKind.INVESTOR,
        sector=Sector.PUBLIC,
        founded_on=founded,
        near=city,
        terms=[t for t in (b.terms.get("financing"), b.terms.get("business-support")) if t],
        headcount="1-9",
        description=(
            "Fonds d'amorçage régional dédié aux startups de la santé et des biotechnologies "
            "issues des laboratoires de la région (tickets de 100 k€ à 800 k€)."
        ),
        domain="amorcage-centre-val-de-loire",
    )
    for given, family, role in FUND_PEOPLE:
        b.person(
            given=given,
            family=family,
            organisation=fund,
            role=role,
            domain="amorcage-centre-val-de-loire",
        )
    return fund


def stage_ages(b: Builder, spec: Spec, created_age: int | None) -> list[int]:
    """Days before today of each step of ``spec.path`` (oldest first)."""
    rng = b.rng
    path = list(spec.path)
    if created_age is None:
        last = rng.randint(15, 120) if spec.stage != ID else rng.randint(20, 300)
        ages = [last]
        for _ in path[:-1]:
            ages.insert(0, ages[0] + rng.randint(120, 330))
        return ages
    index = path.index(C)
    ages = [created_age]
    for _ in path[:index]:
        ages.insert(0, ages[0] + rng.randint(150, 320))
    after = created_age
    for stage in path[index + 1 :]:
        gap = rng.randint(100, 180) if stage == F else rng.randint(200, 320)
        after = max(after - gap, 20)
        ages.append(after)
    return ages


def build_venture(b: Builder, spec: Spec, created_age: int | None, founders: list) -> Venture:
    rng, actor = b.rng, b.actor
    origins = b.platforms if spec.platform and b.platforms else b.labs
    origin = rng.choice(origins) if origins else None
    ages = stage_ages(b, spec, created_age)
    dates = [b.ago(age) for age in ages]
    terms = [b.terms[slug] for slug in spec.terms if slug in b.terms]
    tto = rng.choice(b.tech_transfer) if b.tech_transfer and len(spec.path) > 1 else None
    origin_name = origin.name if origin else "la région"
    venture = services.create_venture(
        actor=actor,
        values={
            "name": spec.name,
            "summary": f"{spec.technology}. Projet issu de {origin_name}.",
            "technology": spec.technology,
            "origin": origin,
            "tech_transfer_office": tto,
        },
        terms=terms,
        on=dates[0],
    )
    researchers = b.people_of(origin, rng.randint(1, 3))
    for person in researchers:
        services.add_team_member(
            actor=actor, venture=venture, person=person, role=TeamRole.RESEARCHER, since=dates[0]
        )
    trl_history(b, venture, spec, dates)
    ip_assets(b, venture, spec, dates, origin, tto)
    support_actions(b, venture, spec, dates)
    company = None
    for stage, on in zip(spec.path[1:], dates[1:], strict=True):
        extra: dict[str, Any] = {}
        if stage == C:
            company = startup_company(b, venture, spec, on, origin, terms, researchers, founders)
            extra["company"] = company
        elif stage == F:
            first_rounds(b, venture, on)
        elif stage == G:
            growth_round(b, venture, on)
        elif stage == L:
            licensee = rng.choice(b.companies) if b.companies else origin
            extra["licensee"] = licensee
            services.add_ip(
                actor=actor,
                venture=venture,
                kind=IpKind.LICENCE,
                title=f"Licence exclusive d'exploitation — {spec.name}",
                on=on,
                owner=origin,
                licensee=licensee,
            )
        elif stage == S:
            extra["reason"] = spec.reason
        note = STOP_TITLES.get(stage, "") if stage in (M, P, N) else ""
        services.move_to_stage(actor=actor, venture=venture, stage=stage, on=on, note=note, **extra)
    milestones(b, venture, spec, dates)
    return venture


def trl_history(b: Builder, venture: Venture, spec: Spec, dates: list[date]) -> None:
    levels = {ID: 2, M: 3, P: 4, N: 4, C: 5, F: 6, G: 7, L: 5, S: 3}
    level = b.rng.randint(1, 2)
    for stage, on in zip(spec.path, dates, strict=True):
        level = max(level, levels[stage] + (1 if stage in (F, G) and b.rng.random() < 0.3 else 0))
        if stage == S:
            continue
        services.record_trl(actor=b.actor, venture=venture, level=min(level, 9), on=on)


def ip_assets(
    b: Builder, venture: Venture, spec: Spec, dates: list[date], origin: Any, tto: Any
) -> None:
    if len(spec.path) < 2:
        return
    filed = dates[1] - timedelta(days=b.rng.randint(20, 90))
    number = f"FR{filed.year % 100:02d}{b.rng.randint(0, 99999):05d}"
    services.add_ip(
        actor=b.actor,
        venture=venture,
        kind=IpKind.PATENT_APPLICATION,
        title=f"Demande de brevet : {spec.technology.lower()}",
        reference=number,
        on=filed,
        owner=tto or origin,
    )
    if spec.name == "Ligérienne de Bioproduction":
        services.add_ip(
            actor=b.actor,
            venture=venture,
            kind=IpKind.PATENT,
            title="Brevet délivré : lignées cellulaires à haut rendement",
            reference=f"FR3{b.rng.randint(0, 999999):06d}",
            on=filed + timedelta(days=900),
            owner=origin,
        )
    if spec.platform:
        services.add_ip(
            actor=b.actor,
            venture=venture,
            kind=IpKind.KNOW_HOW,
            title="Savoir-faire de procédé de la plateforme",
            on=dates[1],
            owner=origin,
        )


def support_actions(b: Builder, venture: Venture, spec: Spec, dates: list[date]) -> None:
    rng, actor = b.rng, b.actor
    incubator = rng.choice(b.incubators) if b.incubators else None
    stages = dict(zip(spec.path, dates, strict=True))
    if ID in stages and rng.random() < 0.6:
        services.add_support(
            actor=actor,
            venture=venture,
            kind=SupportKind.TRAINING,
            title=rng.choice(TRAININGS),
            on=stages[ID] + timedelta(days=30),
            hours=Decimal(rng.choice([7, 14, 21])),
        )
    if M in stages:
        won = rng.random() < 0.6
        services.add_support(
            actor=actor,
            venture=venture,
            kind=SupportKind.GRANT_APPLICATION,
            title="Aide régionale à la maturation (Ambition Recherche & Développement)",
            on=stages[M] + timedelta(days=20),
            scheme=GrantScheme.REGIONAL,
            amount_requested=Decimal(rng.choice([80000, 120000, 150000])),
            amount_obtained=Decimal(rng.choice([60000, 80000, 100000])) if won else None,
            outcome=Outcome.WON if won else Outcome.LOST,
        )
    for stage in (P, N):
        if stage not in stages:
            continue
        services.add_support(
            actor=actor,
            venture=venture,
            kind=SupportKind.COACHING,
            title=rng.choice(COACHING_TITLES),
            on=stages[stage] + timedelta(days=15),
            hours=Decimal(rng.randint(6, 40)),
            provider=incubator,
        )
        if stage == N:
            services.add_support(
                actor=actor,
                venture=venture,
                kind=SupportKind.INCUBATOR,
                title="Entrée à l'incubateur régional",
                on=stages[N],
                provider=incubator,
            )
            services.add_support(
                actor=actor,
                venture=venture,
                kind=SupportKind.INTRODUCTION,
                title="Mise en relation avec un expert réglementaire",
                on=stages[N] + timedelta(days=45),
            )
    if C in stages:
        on = stages[C]
        services.add_support(
            actor=actor,
            venture=venture,
            kind=SupportKind.GRANT_APPLICATION,
            title="Bourse French Tech Bpifrance",
            on=on + timedelta(days=20),
            scheme=GrantScheme.BPIFRANCE,
            amount_requested=Decimal(30000),
            amount_obtained=Decimal(30000),
            outcome=Outcome.WON,
        )
        title, scheme = rng.choice(PRIZES)
        services.add_support(
            actor=actor,
            venture=venture,
            kind=SupportKind.PRIZE,
            title=title,
            scheme=scheme,
            on=on - timedelta(days=60),
            amount_obtained=Decimal(rng.choice([20000, 50000])),
            outcome=Outcome.WON,
        )
    if F in stages or G in stages:
        on = stages.get(G) or stages[F]
        outcome = rng.choice([Outcome.LOST, Outcome.PENDING])
        services.add_support(
            actor=actor,
            venture=venture,
            kind=SupportKind.GRANT_APPLICATION,
            title="EIC Accelerator (Conseil européen de l'innovation)",
            on=min(on + timedelta(days=30), b.today),
            scheme=GrantScheme.EUROPEAN,
            amount_requested=Decimal(2500000),
            outcome=outcome,
        )


def startup_company(
    b: Builder,
    venture: Venture,
    spec: Spec,
    on: date,
    origin: Any,
    terms: list[Term],
    researchers: list[Person],
    founders: list,
) -> Organisation:
    """The company the venture became, in the registry with its SIREN and founding date,
    with its founders: a researcher of the lab (CTO) and a CEO."""
    founded = on - timedelta(days=b.rng.randint(3, 25))
    slug = spec.name.lower().replace(" ", "-").replace("é", "e").replace("è", "e").replace("'", "")
    company = b.organisation(
        name=spec.name if spec.name.startswith("Ligérienne") else f"{spec.name} SAS",
        kind=OrganisationKind.STARTUP,
        sector=Sector.PRIVATE,
        founded_on=founded,
        near=origin,
        terms=terms,
        is_jei=b.rng.random() < 0.6,
        headcount="10-49" if spec.stage == G else "1-9",
        description=f"Startup issue de {origin.name if origin else 'la région'} : "
        f"{spec.technology.lower()}.",
        domain=slug,
    )
    given, family = founders.pop(0)
    ceo = b.person(
        given=given,
        family=family,
        organisation=company,
        role="Président·e fondateur·rice",
        domain=slug,
    )
    services.add_team_member(
        actor=b.actor, venture=venture, person=ceo, role=TeamRole.CEO, since=founded
    )
    services.add_team_member(
        actor=b.actor, venture=venture, person=ceo, role=TeamRole.FOUNDER, since=founded
    )
    if researchers:
        scientist = researchers[0]
        services.add_team_member(
            actor=b.actor, venture=venture, person=scientist, role=TeamRole.FOUNDER, since=founded
        )
        services.add_team_member(
            actor=b.actor, venture=venture, person=scientist, role=TeamRole.CTO, since=founded
        )
        add_affiliation(
            actor=b.actor,
            person=scientist,
            organisation=company,
            role="Directeur scientifique",
            started_on=founded,
            primary=False,
        )
    return company


def first_rounds(b: Builder, venture: Venture, on: date) -> None:
    """Before "first funding": a Bpifrance loan and a business angels' round."""
    services.add_round(
        actor=b.actor,
        venture=venture,
        on=on - timedelta(days=40),
        instrument=Instrument.LOAN,
        amount=Decimal(b.rng.choice([100000, 150000, 200000])),
        note="Prêt d'amorçage Bpifrance",
    )
    angels = b.rng.sample(b.angels, min(2, len(b.angels)))
    services.add_round(
        actor=b.actor,
        venture=venture,
        on=on,
        instrument=Instrument.CONVERTIBLE,
        amount=Decimal(b.rng.choice([250000, 300000, 400000])),
        investors=angels,
        note="BSA-AIR des business angels",
    )


def growth_round(b: Builder, venture: Venture, on: date) -> None:
    investors = b.rng.sample(b.venture_capital, min(2, len(b.venture_capital)))
    services.add_round(
        actor=b.actor,
        venture=venture,
        on=on,
        instrument=Instrument.EQUITY,
        amount=Decimal(b.rng.choice([2500000, 3200000, 4800000])),
        investors=investors,
        note="Série A",
    )


def milestones(b: Builder, venture: Venture, spec: Spec, dates: list[date]) -> None:
    if spec.stage == S:
        return
    for index, title in enumerate(MILESTONES.get(spec.stage, [])):
        if index == 0 and spec.stage != ID:
            # One reached, and one overdue for some: what the animator chases.
            due = dates[-1] + timedelta(days=b.rng.randint(30, 120))
            due = min(due, b.today - timedelta(days=5))
            milestone = services.add_milestone(
                actor=b.actor, venture=venture, title=title, due_on=due
            )
            if b.rng.random() < 0.6:
                services.complete_milestone(
                    actor=b.actor, milestone=milestone, on=due - timedelta(days=b.rng.randint(0, 9))
                )
        else:
            services.add_milestone(
                actor=b.actor,
                venture=venture,
                title=title,
                due_on=b.today + timedelta(days=b.rng.randint(15, 240)),
            )


def seed_fund_deals(b: Builder, fund: Organisation, ventures: dict[str, Venture]) -> list[Deal]:
    """Deal flow in every status, investments with a follow-on, a conflict of interest."""
    actor, deals = b.actor, []

    def deal(
        name: str,
        proposed_age: int,
        steps: list[tuple[str, int]],
        amount: int,
        follow_on_of: Deal | None = None,
        note: str = "",
    ) -> Deal:
        item = services.propose_deal(
            actor=actor,
            venture=ventures[name],
            fund=fund,
            on=b.ago(proposed_age),
            amount=Decimal(amount),
            follow_on_of=follow_on_of,
            note=note,
        )
        for status, age in steps:
            services.move_deal(actor=actor, deal=item, status=status, on=b.ago(age))
        item.refresh_from_db()
        deals.append(item)
        return item

    review, committee = DealStatus.UNDER_REVIEW, DealStatus.COMMITTEE
    invested, declined = DealStatus.INVESTED, DealStatus.DECLINED

    def invested_around(name: str, stage: str) -> int:
        venture = ventures[name]
        change = venture.stage_changes.filter(to_stage=stage).order_by("on").first()
        return (b.today - change.on).days if change else 30

    # Investments (one with a follow-on at its Série A).
    cart = invested_around("Cart-In", F)
    first = deal(
        "Cart-In",
        cart + 90,
        [(review, cart + 70), (committee, cart + 30), (invested, cart - 5)],
        500000,
    )
    growth = invested_around("Cart-In", G)
    deal(
        "Cart-In",
        growth + 60,
        [(review, growth + 45), (committee, growth + 20), (invested, growth - 3)],
        800000,
        follow_on_of=first,
        note="Réinvestissement en série A",
    )
    for name in ("SiRNAgen", "Onco-ADC"):
        age = invested_around(name, F)
        deal(
            name,
            age + 100,
            [(review, age + 80), (committee, age + 40), (invested, age - 10)],
            b.rng.choice([300000, 400000]),
        )
    # Declined, in committee, under review, proposed.
    ferma = invested_around("FermaLoire", F)
    deal(
        "FermaLoire",
        ferma + 80,
        [(review, ferma + 60), (declined, ferma + 20)],
        350000,
        note="Marché jugé trop éloigné de la santé",
    )
    deal(
        "Lentigen Bio",
        60,
        [(review, 45), (committee, 10)],
        600000,
        note="Comité d'investissement du mois prochain",
    )
    deal("Respira Thérapeutics", 40, [(review, 20)], 400000)
    deal("Biopur Analytics", 12, [], 250000)
    deal("VetiVax", 25, [], 200000, note="Avant la création de la société")
    deal("ExoCure", 200, [(declined, 150)], 300000, note="Preuve de concept à consolider")
    conflict_of_interest(b, fund, ventures["Lentigen Bio"])
    return deals


def conflict_of_interest(b: Builder, fund: Organisation, venture: Venture) -> None:
    """A researcher of the venture's team also sits on the fund's investment committee:
    to be declared before the committee meets."""
    member = venture.team.filter(role=TeamRole.RESEARCHER).select_related("person").first()
    if member is None:
        return
    add_affiliation(
        actor=b.actor,
        person=member.person,
        organisation=fund,
        role="Membre du comité d'investissement (expert scientifique)",
        started_on=fund.founded_on,
        primary=False,
    )


def reset() -> None:
    """Delete every venture and deal, and the registry records this step created."""
    Deal.objects.all().delete()
    Venture.objects.all().delete()
    organisations = list(Organisation.objects.filter(source=SOURCE).values_list("pk", flat=True))
    people = list(Person.objects.filter(source=SOURCE).values_list("pk", flat=True))
    Affiliation.objects.filter(organisation_id__in=organisations).delete()
    unindex(DuplicateKind.PERSON, people)
    unindex(DuplicateKind.ORGANISATION, organisations)
    Person.objects.filter(pk__in=people).delete()
    Organisation.objects.filter(pk__in=organisations).delete()
