import csv
import io

from django.core.management import call_command
from django.urls import reverse

from osmose.core.models import AuditLogEntry
from osmose.registry.models import Organisation, Person
from osmose.registry.tests import factories


def test_organisation_pages_are_for_animators(
    animator_client, member_client, funder_client, outsider_client, db
):
    organisation = factories.organisation(name="BioProd")
    for name, args in [
        ("registry:organisation", [organisation.pk]),
        ("registry:organisation_edit", [organisation.pk]),
        ("registry:organisation_create", []),
    ]:
        url = reverse(name, args=args)
        assert animator_client.get(url).status_code == 200, url
        assert member_client.get(url).status_code == 403, url
        assert funder_client.get(url).status_code == 403, url
        assert outsider_client.get(url).status_code == 302, url


def test_an_animator_creates_an_organisation_with_validated_identifiers(animator_client):
    url = reverse("registry:organisation_create")
    response = animator_client.post(
        url,
        {
            "name": "BioProd",
            "kind": "startup",
            "sector": "private",
            "scope": "regional",
            "status": "active",
            "siren": "732829321",
        },
    )
    assert response.status_code == 400
    assert "SIREN" in response.context["form"].errors["siren"][0]
    response = animator_client.post(
        url,
        {
            "name": "BioProd",
            "kind": "startup",
            "sector": "private",
            "scope": "regional",
            "status": "active",
            "siren": "732 829 320",
            "tag_names": "bioprod, cdmo",
        },
    )
    organisation = Organisation.objects.get()
    assert response["Location"] == reverse("registry:organisation", args=[organisation.pk])
    assert organisation.siren == "732829320"
    assert set(organisation.tags.values_list("name", flat=True)) == {"bioprod", "cdmo"}
    assert AuditLogEntry.objects.filter(action="registry.organisation.created").exists()


def test_creating_a_likely_duplicate_asks_for_confirmation(animator_client, db):
    factories.organisation(name="BioProd", siren="732829320")
    data = {
        "name": "BIOPROD SAS",
        "kind": "company",
        "sector": "private",
        "scope": "regional",
        "status": "active",
        "siren": "732829320",
    }
    response = animator_client.post(reverse("registry:organisation_create"), data)
    assert response.status_code == 400
    assert response.context["duplicates"][0][1].name == "BioProd"
    assert Organisation.objects.count() == 1
    response = animator_client.post(
        reverse("registry:organisation_create"), {**data, "confirm_duplicate": "on"}
    )
    assert response.status_code == 302
    assert Organisation.objects.count() == 2


def test_an_edit_records_what_changed_and_where_it_came_from(animator_client, db):
    organisation = factories.organisation(name="BioProd")
    animator_client.post(
        reverse("registry:organisation_edit", args=[organisation.pk]),
        {
            "name": "BioProd Loire",
            "kind": "company",
            "sector": "private",
            "scope": "regional",
            "status": "active",
        },
    )
    entry = AuditLogEntry.objects.get(action="registry.organisation.updated")
    assert entry.data["before"]["name"] == "BioProd"
    assert entry.data["after"]["name"] == "BioProd Loire"
    page = animator_client.get(reverse("registry:organisation", args=[organisation.pk]))
    assert "registry.organisation.updated" in page.content.decode()


def test_person_pages_for_animator_member_and_outsider(
    animator_client, member_client, member, outsider_client, db
):
    own = factories.person(family_name="Moi")
    own.user = member
    own.save()
    other = factories.person(family_name="Autre")
    assert animator_client.get(reverse("registry:person", args=[other.pk])).status_code == 200
    assert member_client.get(reverse("registry:person", args=[own.pk])).status_code == 200
    assert member_client.get(reverse("registry:person", args=[other.pk])).status_code == 403
    assert outsider_client.get(reverse("registry:person", args=[own.pk])).status_code == 302
    assert member_client.get(reverse("registry:person_create")).status_code == 403
    # A member keeps their own profile.
    response = member_client.post(
        reverse("registry:person_edit", args=[own.pk]),
        {"given_name": "Camille", "family_name": "Moi", "job_title": "Directrice", "country": "FR"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.job_title == "Directrice"
    assert (
        member_client.post(
            reverse("registry:person_edit", args=[other.pk]),
            {"given_name": "X", "family_name": "Y"},
        ).status_code
        == 403
    )


def test_affiliations_keep_one_primary_and_feed_the_facets(animator_client, db):
    lab = factories.organisation(name="Labo", kind="academic_lab", sector="public")
    company = factories.organisation(name="Entreprise")
    person = factories.person(family_name="Durand", organisation=lab)
    animator_client.post(
        reverse("registry:affiliation_add", args=[person.pk]),
        {"organisation": company.pk, "role": "CSO", "primary": "on"},
    )
    person.refresh_from_db()
    assert person.primary_organisation == company
    assert person.affiliations.filter(is_primary=True).count() == 1
    listed = animator_client.get(reverse("registry:people"), {"sector": "public"})
    assert listed.context["page"].paginator.count == 0
    ended = person.affiliations.get(organisation=company)
    animator_client.post(reverse("registry:affiliation_end", args=[person.pk, ended.pk]))
    person.refresh_from_db()
    assert person.primary_organisation == lab


def test_the_duplicates_command_prints_external_ids_and_scores(db, tmp_path):
    rows = [
        ["external_id", "given_name", "family_name", "street", "postcode", "city"],
        ["a-1", "Jean", "Martin", "3 rue des Lilas", "37000", "Tours"],
        ["a-2", "Jean", "Matrin", "3 rue des Lilas", "37000", "Tours"],
        ["a-3", "Claire", "Dubois", "8 avenue de Grammont", "45000", "Orléans"],
    ]
    path = tmp_path / "people.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    call_command("import", "people", str(path), "--source", "test", stdout=io.StringIO())
    factories.person(given_name="Sans", family_name="Identifiant")
    out = io.StringIO()
    call_command("duplicates", "people", "--format", "csv", stdout=out)
    printed = list(csv.reader(io.StringIO(out.getvalue())))
    assert printed[0] == ["external_id_a", "external_id_b", "score"]
    assert [sorted(row[:2]) for row in printed[1:]] == [["a-1", "a-2"]]
    assert 0.8 <= float(printed[1][2]) <= 1
    assert Person.objects.count() == 4


def test_an_organisation_is_picked_by_name_with_suggestions(animator_client, member_client, db):
    lab = factories.organisation(name="Laboratoire de glycobiologie", city="Tours")
    person = factories.person(family_name="Durand")
    lookup = reverse("registry:organisation_lookup")
    options = animator_client.get(lookup, {"organisation": "glyco"}).content.decode()
    assert f'value="Laboratoire de glycobiologie (#{lab.pk})"' in options
    assert member_client.get(lookup, {"organisation": "glyco"}).status_code == 403
    animator_client.post(
        reverse("registry:affiliation_add", args=[person.pk]),
        {"organisation": f"Laboratoire de glycobiologie (#{lab.pk})"},
    )
    assert person.affiliations.get().organisation == lab
    response = animator_client.post(
        reverse("registry:affiliation_add", args=[person.pk]),
        {"organisation": "Inconnue"},
        follow=True,
    )
    assert "suggestions" in response.content.decode()
    assert person.affiliations.count() == 1
