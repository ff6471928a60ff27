"""Demo step "events": a year of Afterworks, last year's congress, trainings, what comes next.

Dates are relative to ``context.now``: the calendar always shows past events with their
history and a few upcoming ones open for registration.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from osmose.core.demo import DemoContext
from osmose.core.models import Commune
from osmose.events.models import Event, EventKind, EventStatus

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


def run(context: DemoContext) -> None:
    communes = communes_by_code()
    events = [
        *afterworks(context, communes),
        *congresses(context, communes),
        *trainings(context, communes),
        site_visit(context, communes),
    ]
    events = Event.objects.bulk_create(sorted(events, key=lambda event: event.starts_at))
    context.shared["events"] = events
    context.log(f"Events: {len(events)}.")


def reset() -> None:
    """Delete every event (``demo --reset`` rebuilds them)."""
    Event.objects.all().delete()
