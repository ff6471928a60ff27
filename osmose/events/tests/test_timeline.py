"""Events feed the registry's organisation and person timelines."""

import pytest
from django.urls import reverse

from osmose.events import services
from osmose.events.tests import factories
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db


def test_attendance_appears_on_the_organisation_and_person_pages(animator_client):
    lab = registry_factories.organisation(name="Laboratoire Loire Cellules", kind="academic_lab")
    event = factories.event(title_fr="Afterwork Thérapies géniques")
    registration = services.register(
        event=event,
        registrant=factories.registrant(organisation_name="Laboratoire Loire Cellules"),
    ).registration
    services.check_in(actor=None, registration=registration)

    page = animator_client.get(
        reverse("registry:organisation", args=[lab.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "attended Afterwork Thérapies géniques" in page.content.decode()
    page = animator_client.get(
        reverse("registry:person", args=[registration.person_id]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "attended Afterwork Thérapies géniques" in page.content.decode()
