from django.urls import reverse

from osmose.core.models import AuditLogEntry
from osmose.registry.models import (
    Affiliation,
    Organisation,
    OrganisationRelation,
    Person,
    RelationKind,
)
from osmose.registry.services.organisations import add_relation
from osmose.registry.tests import factories


def _pair():
    survivor = factories.organisation(name="BioProd", siren="732829320", website="")
    other = factories.organisation(name="Bioprod SAS", website="https://bioprod.example")
    partner = factories.organisation(name="Partenaire")
    alice = factories.person(family_name="Alice", organisation=other)
    bob = factories.person(family_name="Bob", organisation=survivor)
    add_relation(actor=None, source=other, target=partner, kind=RelationKind.PARTNER_OF)
    return survivor, other, partner, alice, bob


def test_an_animator_merges_two_organisations_field_by_field(animator_client):
    survivor, other, partner, alice, _bob = _pair()
    page = animator_client.get(reverse("registry:organisation_merge", args=[survivor.pk, other.pk]))
    assert page.status_code == 200
    response = animator_client.post(
        reverse("registry:organisation_merge", args=[survivor.pk, other.pk]),
        {"name": "survivor", "website": "other"},
    )
    assert response.status_code == 302
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert survivor.name == "BioProd"
    assert survivor.website == "https://bioprod.example"
    assert other.merged_into == survivor and other.status == "merged"
    assert Affiliation.objects.get(person=alice).organisation == survivor
    alice.refresh_from_db()
    assert alice.primary_organisation == survivor
    assert (
        OrganisationRelation.objects.get(target_organisation=partner).source_organisation
        == survivor
    )
    # The merged record leaves the directory.
    listed = animator_client.get(reverse("registry:organisations"))
    assert other.pk not in {o.pk for o in listed.context["page"]}


def test_a_merge_is_undone_from_its_audit_entry(animator_client):
    survivor, other, partner, alice, bob = _pair()
    animator_client.post(
        reverse("registry:organisation_merge", args=[survivor.pk, other.pk]),
        {"name": "other", "website": "other"},
    )
    entry = AuditLogEntry.objects.get(action="registry.organisation.merged")
    response = animator_client.post(reverse("registry:merge_undo", args=[entry.pk]))
    assert response.status_code == 302
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert (survivor.name, survivor.website) == ("BioProd", "")
    assert other.merged_into is None and other.status == "active"
    assert Affiliation.objects.get(person=alice).organisation == other
    assert Affiliation.objects.get(person=bob).organisation == survivor
    assert (
        OrganisationRelation.objects.get(target_organisation=partner).source_organisation == other
    )
    # Undoing twice is refused, and says so.
    again = animator_client.post(reverse("registry:merge_undo", args=[entry.pk]), follow=True)
    assert "already undone" in again.content.decode()


def test_merging_people_keeps_both_emails_and_moves_affiliations(animator_client):
    lab = factories.organisation(name="Labo")
    company = factories.organisation(name="Entreprise")
    survivor = factories.person(
        given_name="Inès", family_name="Lefèvre", email="ines@labo.example", organisation=lab
    )
    other = factories.person(
        given_name="Ines",
        family_name="Lefevre",
        email="ines@entreprise.example",
        organisation=company,
    )
    animator_client.post(reverse("registry:person_merge", args=[survivor.pk, other.pk]), {})
    survivor.refresh_from_db()
    assert survivor.email == "ines@labo.example"
    assert "ines@entreprise.example" in survivor.other_emails
    assert set(survivor.affiliations.values_list("organisation__name", flat=True)) == {
        "Labo",
        "Entreprise",
    }
    assert survivor.affiliations.filter(is_primary=True).count() == 1
    entry = AuditLogEntry.objects.get(action="registry.person.merged")
    animator_client.post(reverse("registry:merge_undo", args=[entry.pk]))
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert survivor.other_emails == []
    assert other.merged_into is None
    assert list(other.affiliations.values_list("organisation__name", flat=True)) == ["Entreprise"]
    assert other.affiliations.get().is_primary


def test_only_animators_merge(member_client, outsider_client, db):
    a, b = factories.organisation(name="A"), factories.organisation(name="B")
    url = reverse("registry:organisation_merge", args=[a.pk, b.pk])
    assert member_client.post(url, {}).status_code == 403
    assert outsider_client.post(url, {}).status_code == 302
    assert not Organisation.objects.filter(merged_into__isnull=False).exists()


def test_not_a_duplicate_is_remembered(animator_client):
    a = factories.person(given_name="Jean", family_name="Martin", postcode="37000")
    b = factories.person(given_name="Jean", family_name="Martin", postcode="37000")
    detail = animator_client.get(reverse("registry:person", args=[a.pk]))
    assert b.pk in [c.object_id for c in detail.context["quality"].duplicates]
    animator_client.post(reverse("registry:not_duplicate", args=["person", a.pk, b.pk]))
    detail = animator_client.get(reverse("registry:person", args=[a.pk]))
    assert detail.context["quality"].duplicates == []
    assert Person.objects.count() == 2
