"""The duplicates page: the last scan's likely pairs, and a new scan run by the worker."""

from django.core.management import call_command
from django.urls import reverse

from osmose.core.models import JobProgress
from osmose.registry.services import scan as scan_services
from osmose.registry.tests import factories

URL = reverse("registry:duplicates")


def _twins():
    a = factories.person(given_name="Inès", family_name="Lefèvre", email="ines@labo.example")
    b = factories.person(given_name="Ines", family_name="Lefevre", email="ines@labo.example")
    return a, b


def test_the_duplicates_page_is_for_animators(
    animator_client, member_client, funder_client, outsider_client
):
    assert animator_client.get(URL).status_code == 200
    assert member_client.get(URL).status_code == 403
    assert funder_client.get(URL).status_code == 403
    assert outsider_client.get(URL).status_code == 302
    assert member_client.post(URL, {"kind": "person"}).status_code == 403
    assert outsider_client.post(URL, {"kind": "person"}).status_code == 302
    assert not JobProgress.objects.exists()


def test_a_small_registry_is_scanned_at_once_and_a_decision_removes_the_pair(animator_client):
    a, b = _twins()
    page = animator_client.get(URL, {"kind": "person"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(p.a, p.b) for p in page.context["pairs"]] == [(a, b)]
    assert "Last scan:" in page.content.decode()
    animator_client.post(reverse("registry:not_duplicate", args=["person", a.pk, b.pk]))
    page = animator_client.get(URL, {"kind": "person"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["pairs"] == []
    assert "No likely duplicate left" in page.content.decode()


def test_a_large_registry_waits_for_the_scan_the_worker_runs(
    transactional_db, animator_client, monkeypatch
):
    monkeypatch.setattr(scan_services, "INLINE_SCAN_LIMIT", 1)
    a, b = _twins()
    page = animator_client.get(URL, {"kind": "person"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["pairs"] == []
    assert "No scan of the whole registry yet" in page.content.decode()

    response = animator_client.post(URL, {"kind": "person"})
    job = JobProgress.objects.get()
    assert response["Location"] == f"{URL}?kind=person&job={job.task_id}"
    call_command("worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.message) == ("done", "1")

    page = animator_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert [(p.a, p.b) for p in page.context["pairs"]] == [(a, b)]
    assert "1 likely pair." in page.content.decode()
    assert page.context["job"] == job
