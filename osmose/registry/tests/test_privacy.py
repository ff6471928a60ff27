import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from osmose.core.models import AuditLogEntry
from osmose.registry.models import Affiliation, ConsentChannel, ConsentPurpose, LegalBasis, Person
from osmose.registry.services.people import record_consent
from osmose.registry.services.privacy import people_to_reconsent
from osmose.registry.tests import factories


def _person():
    lab = factories.organisation(name="Labo Glyco")
    person = factories.person(
        given_name="Inès", family_name="Lefèvre", email="ines@glyco.example", organisation=lab
    )
    record_consent(
        actor=None,
        person=person,
        purpose=ConsentPurpose.NETWORK,
        legal_basis=LegalBasis.CONSENT,
        channel=ConsentChannel.FORM,
        source="Afterwork",
    )
    return person


def test_the_data_export_holds_everything_and_downloads_as_json(animator_client):
    person = _person()
    response = animator_client.get(
        reverse("registry:person_data", args=[person.pk]), {"format": "json"}
    )
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["person"]["email"] == "ines@glyco.example"
    assert data["affiliations"][0]["organisation"] == "Labo Glyco"
    assert data["consents"][0]["legal_basis"] == "consent"
    assert AuditLogEntry.objects.filter(action="registry.person.exported").count() == 1
    page = animator_client.get(reverse("registry:person_data", args=[person.pk]))
    assert "ines@glyco.example" in page.content.decode()


def test_a_member_exports_their_own_data_only(member_client, member):
    own = _person()
    own.user = member
    own.save()
    other = factories.person(family_name="Autre")
    assert member_client.get(reverse("registry:person_data", args=[own.pk])).status_code == 200
    assert member_client.get(reverse("registry:person_data", args=[other.pk])).status_code == 403


def test_erasure_anonymises_but_counts_stay_true(animator_client):
    person = _person()
    response = animator_client.post(
        reverse("registry:person_erase", args=[person.pk]),
        {"confirm": "erase", "reason": "demande du 3 mars"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.erased_at is not None
    assert (person.given_name, person.family_name, person.email) == ("", "", "")
    assert not person.consents.exists()
    # The row stays, so every count it belongs to is unchanged.
    assert Person.objects.count() == 1
    assert Affiliation.objects.filter(person=person).count() == 1
    # Earlier audit entries no longer carry the name; the erasure itself is recorded.
    assert not AuditLogEntry.objects.filter(target_repr__contains="Lefèvre").exists()
    assert AuditLogEntry.objects.filter(action="registry.person.erased").exists()
    # Nobody finds the person any more.
    listed = animator_client.get(reverse("registry:people"), {"q": "lefevre"})
    assert listed.context["page"].paginator.count == 0


def test_erasure_needs_confirmation_and_an_animator(animator_client, member_client):
    person = _person()
    animator_client.post(reverse("registry:person_erase", args=[person.pk]), {})
    person.refresh_from_db()
    assert person.erased_at is None
    assert (
        member_client.post(
            reverse("registry:person_erase", args=[person.pk]), {"confirm": "erase"}
        ).status_code
        == 403
    )


def test_people_without_contact_for_three_years_are_flagged(animator_client, db):
    old = factories.person(family_name="Ancien")
    recent = factories.person(family_name="Récent")
    Person.objects.filter(pk=old.pk).update(last_contact_at=timezone.now() - timedelta(days=1200))
    Person.objects.filter(pk=recent.pk).update(last_contact_at=timezone.now() - timedelta(days=30))
    assert list(people_to_reconsent()) == [old]
    page = animator_client.get(reverse("registry:reconsent"))
    assert [p.pk for p in page.context["page"]] == [old.pk]
    out = io.StringIO()
    call_command("reconsent", stdout=out)
    assert "1" in out.getvalue()
