from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from osmose.events.models import Event, EventKind, EventStatus
from osmose.network.models import Task
from osmose.registry.models import Organisation, OrganisationKind, Person, Scope, Sector


def _ecosystem(animator):
    now = timezone.now()
    Organisation.objects.create(
        name="BioProcédés Loire", kind=OrganisationKind.COMPANY, sector=Sector.PRIVATE
    )
    Organisation.objects.create(
        name="Unité Glycobiologie", kind=OrganisationKind.ACADEMIC_LAB, sector=Sector.PUBLIC
    )
    Organisation.objects.create(
        name="Pool Lyon", kind=OrganisationKind.STARTUP, sector=Sector.PRIVATE, scope=Scope.NATIONAL
    )
    Person.objects.create(given_name="Inès", family_name="Martin")
    Event.objects.create(
        kind=EventKind.AFTERWORK,
        title_fr="Afterwork de printemps",
        title_en="Spring Afterwork",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=3),
        status=EventStatus.PUBLISHED,
    )
    Event.objects.create(
        kind=EventKind.CONGRESS,
        title_fr="Congrès en préparation",
        starts_at=now + timedelta(days=90),
        ends_at=now + timedelta(days=91),
    )
    Event.objects.create(
        kind=EventKind.TRAINING,
        title_fr="Formation passée",
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30),
    )
    Task.objects.create(
        title="Relancer la plateforme",
        assignee=animator,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    Task.objects.create(title="Tâche close", assignee=animator, done_at=now)


def test_the_animator_dashboard_shows_figures_from_the_database(animator_client, animator):
    _ecosystem(animator)
    response = animator_client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures == {
        "organisations": 3,
        "regional_organisations": 2,
        "national_organisations": 1,
        "people": 1,
    }
    assert response.context["upcoming_count"] == 2
    assert response.context["open_task_count"] == 1
    page = response.content.decode()
    assert "Afterwork de printemps" in page
    assert "Congrès en préparation" in page  # drafts are visible to the animator
    assert "Formation passée" not in page
    assert "Relancer la plateforme" in page
    assert "Tâche close" not in page


def test_the_dashboard_speaks_english_when_asked(animator_client, animator):
    _ecosystem(animator)
    animator_client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    page = animator_client.get(reverse("portal:dashboard")).content.decode()
    assert "Spring Afterwork" in page
    assert "Open tasks" in page


def test_the_dashboard_is_in_french_by_default(animator_client):
    page = animator_client.get(reverse("portal:dashboard")).content.decode()
    assert '<html lang="fr">' in page
    assert "Tableau de bord" in page


def test_a_member_sees_their_space_and_no_animator_figures(member_client, animator):
    _ecosystem(animator)
    response = member_client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Relancer la plateforme" not in page
    assert "Congrès en préparation" not in page  # a draft is not shown to members
    assert "Afterwork de printemps" in page


def test_a_funder_sees_the_programme_overview(funder_client, animator):
    _ecosystem(animator)
    response = funder_client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert "Relancer la plateforme" not in response.content.decode()
    assert response.context["figures"]["organisations"] == 3


def test_an_outsider_is_sent_to_the_login_page(outsider_client):
    response = outsider_client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_landing_page_is_public_and_hides_drafts(outsider_client, animator):
    _ecosystem(animator)
    response = outsider_client.get(reverse("portal:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Afterwork de printemps" in page
    assert "Congrès en préparation" not in page
    assert response.context["figures"]["regional_organisations"] == 2


def test_the_dashboard_query_count_does_not_grow_with_data(
    animator_client, animator, django_assert_max_num_queries
):
    _ecosystem(animator)
    for index in range(20):
        Task.objects.create(
            title=f"Tâche {index}", assignee=animator, organisation=Organisation.objects.first()
        )
    with django_assert_max_num_queries(14):
        animator_client.get(reverse("portal:dashboard"))


def test_a_linked_member_reaches_their_profile_from_their_space(member_client, member):
    from osmose.registry.tests import factories

    person = factories.person(family_name="Membre")
    person.user = member
    person.save()
    page = member_client.get(reverse("portal:dashboard")).content.decode()
    assert reverse("registry:person_edit", args=[person.pk]) in page
    assert reverse("registry:person_data", args=[person.pk]) in page
