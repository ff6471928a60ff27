"""The demo ecosystem (`osmose demo`): shape, realism guards and determinism.

The demo is built once for the module inside a transaction rolled back at the end (loading
the geography alone takes seconds); each test runs in a savepoint of its own within it.
"""

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q

from osmose.accounts.demo import DEMO_ACCOUNTS
from osmose.accounts.models import User
from osmose.core.demo import DEMO_SEED, DemoContext, build_demo, reset_demo, steps
from osmose.core.models import Term
from osmose.core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
from osmose.events.models import Event, EventKind, EventStatus
from osmose.network.models import Task
from osmose.registry.models import Affiliation, Organisation, Person, Scope

REGION = {"18", "28", "36", "37", "41", "45"}


def silent(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoContext]:
    with django_db_blocker.unblock(), transaction.atomic():
        context = build_demo(seed=DEMO_SEED, log=silent)
        yield context
        transaction.set_rollback(True)


def luhn_is_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def test_luhn_helper_refuses_a_wrong_check_digit() -> None:
    # Guards the guard: the SIREN test below is only as good as this helper.
    assert luhn_is_valid("732829320")
    assert not luhn_is_valid("732829321")


def test_it_registers_every_demo_step_in_dependency_order() -> None:
    names = [step.name for step in steps()]
    assert names[:7] == [
        "accounts", "core", "registry", "events", "matchmaking", "pipeline", "network",
    ]  # fmt: skip


@pytest.mark.django_db
def test_it_builds_about_400_organisations_in_the_region_and_a_national_pool(
    demo: DemoContext,
) -> None:
    total = Organisation.objects.count()
    assert 350 <= total <= 450
    regional = Organisation.objects.filter(scope=Scope.REGIONAL)
    national = Organisation.objects.filter(scope=Scope.NATIONAL)
    assert set(regional.values_list("departement__code", flat=True)) == REGION
    assert not national.filter(departement__code__in=REGION).exists()
    assert 0.2 <= national.count() / total <= 0.3
    assert not Organisation.objects.filter(Q(commune=None) | Q(departement=None)).exists()
    busiest = Counter(regional.values_list("commune__name", flat=True)).most_common(3)
    assert {"Tours", "Orléans"} <= {name for name, _ in busiest}


@pytest.mark.django_db
def test_it_mixes_every_kind_and_sector_of_organisation(demo: DemoContext) -> None:
    kinds = Counter(Organisation.objects.values_list("kind", flat=True))
    assert len(kinds) == 11
    sectors = Counter(Organisation.objects.values_list("sector", flat=True))
    assert sectors["private"] > 150 and sectors["public"] > 80
    assert not Organisation.objects.filter(kind="startup").exclude(sector="private").exists()
    assert Organisation.objects.filter(is_jei=True).exists()
    assert Organisation.objects.exclude(status="active").count() >= 3


@pytest.mark.django_db
def test_it_tags_each_organisation_with_one_to_five_terms(demo: DemoContext) -> None:
    counts = Organisation.objects.annotate(n=Count("terms")).values_list("n", flat=True)
    assert min(counts) >= 1 and max(counts) <= 5


@pytest.mark.django_db
def test_it_gives_only_unique_luhn_valid_sirens(demo: DemoContext) -> None:
    sirens = list(Organisation.objects.exclude(siren="").values_list("siren", flat=True))
    assert len(sirens) > 250
    assert len(set(sirens)) == len(sirens)
    invalid = [s for s in sirens if not (re.fullmatch(r"\d{9}", s) and luhn_is_valid(s))]
    assert invalid == []


@pytest.mark.django_db
def test_it_builds_about_2000_people_with_exactly_one_primary_affiliation(
    demo: DemoContext,
) -> None:
    assert 1900 <= Person.objects.count() <= 2100
    primaries = Person.objects.annotate(
        n=Count("affiliations", filter=Q(affiliations__is_primary=True))
    )
    assert set(primaries.values_list("n", flat=True)) == {1}
    ended = Affiliation.objects.exclude(ended_on=None)
    assert ended.count() > 50
    assert not ended.filter(is_primary=True).exists()
    spans = ended.values_list("started_on", "ended_on")
    assert all(start is not None and end is not None and end >= start for start, end in spans)


@pytest.mark.django_db
def test_it_uses_no_e_mail_or_website_outside_reserved_domains(demo: DemoContext) -> None:
    emails = list(Person.objects.values_list("email", flat=True))
    assert all(emails)
    assert [e for e in emails if not e.endswith((".test", ".example"))] == []
    websites = Organisation.objects.exclude(website="").values_list("website", flat=True)
    assert [w for w in websites if not w.rstrip("/").endswith(".example")] == []


@pytest.mark.django_db
def test_it_gives_french_phones_in_e164(demo: DemoContext) -> None:
    phones = Person.objects.values_list("phone", flat=True)
    assert [p for p in phones if not re.fullmatch(r"\+33[1-9]\d{8}", p)] == []


@pytest.mark.django_db
def test_it_creates_the_demo_accounts_and_links_the_member_to_a_person(
    demo: DemoContext,
) -> None:
    emails = {email for email, _password, _role in DEMO_ACCOUNTS}
    assert set(User.objects.filter(email__in=emails).values_list("email", flat=True)) == emails
    person = Person.objects.get(email="member@demo.osmose.test")
    assert person.user is not None and person.user.email == "member@demo.osmose.test"
    assert person.affiliations.filter(is_primary=True).count() == 1


@pytest.mark.django_db
def test_it_plans_past_and_upcoming_events(demo: DemoContext) -> None:
    events = Event.objects.all()
    assert 10 <= events.count() <= 16
    upcoming = events.filter(starts_at__gt=demo.now, status=EventStatus.PUBLISHED)
    afterwork = upcoming.get(kind=EventKind.AFTERWORK)
    congress = upcoming.get(kind=EventKind.CONGRESS)
    assert (afterwork.capacity, congress.capacity) == (70, 160)
    assert events.filter(status=EventStatus.DRAFT).count() == 1
    assert events.filter(kind=EventKind.AFTERWORK, starts_at__lt=demo.now).count() >= 5
    assert all(event.title_en for event in events)


@pytest.mark.django_db
def test_it_gives_the_animator_open_and_done_follow_up_tasks(demo: DemoContext) -> None:
    tasks = Task.objects.filter(assignee__email="animator@demo.osmose.test")
    assert tasks.count() == Task.objects.count() >= 12
    assert tasks.exclude(done_at=None).exists()
    assert tasks.filter(done_at=None, due_on__isnull=False).count() >= 5
    assert not tasks.filter(organisation=None).exists()


@pytest.mark.django_db
def test_it_gives_the_same_names_for_the_same_seed(demo: DemoContext) -> None:
    def names() -> tuple[list[str], list[tuple[str, str, str]]]:
        return (
            list(Organisation.objects.order_by("name").values_list("name", flat=True)),
            list(
                Person.objects.order_by("email").values_list("given_name", "family_name", "email")
            ),
        )

    first = names()
    reset_demo()
    assert not Organisation.objects.exists() and not Person.objects.exists()
    build_demo(seed=DEMO_SEED, log=silent)
    assert names() == first
    reset_demo()
    build_demo(seed=DEMO_SEED + 1, log=silent)
    assert names()[0] != first[0]


@pytest.mark.django_db
def test_it_loads_the_taxonomy_idempotently(demo: DemoContext) -> None:
    before = list(Term.objects.order_by("pk").values_list("pk", "slug", "name_fr", "parent_id"))
    counts = load_taxonomy(DEFAULT_TAXONOMY)
    assert counts["created"] == counts["updated"] == 0
    assert (
        list(Term.objects.order_by("pk").values_list("pk", "slug", "name_fr", "parent_id"))
        == before
    )
    car_t = Term.objects.select_related("parent").get(slug="car-t")
    assert car_t.parent is not None and car_t.parent.slug == "cell-therapy"


@pytest.mark.django_db
def test_it_refuses_to_build_over_existing_data_without_reset(demo: DemoContext) -> None:
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo")
    call_command("demo", "--if-empty")  # a no-op, not an error
    assert Organisation.objects.count() == len(demo.shared["organisations"])


@pytest.mark.django_db
def test_it_refuses_the_demo_and_its_accounts_when_not_allowed(
    demo: DemoContext, settings: Any
) -> None:
    email, password, _role = DEMO_ACCOUNTS[2]
    assert authenticate(username=email, password=password) is not None
    settings.DEMO_ACCOUNTS_ALLOWED = False
    with pytest.raises(CommandError, match="refused"):
        call_command("demo", "--reset")
    assert authenticate(username=email, password=password) is None
    assert Organisation.objects.exists()  # the refusal deleted nothing
