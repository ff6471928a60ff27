"""A background job runs in the worker and reports progress that the page shows."""

from django.core.management import call_command
from django.tasks import TaskContext, task
from django.urls import reverse

from osmose.core.jobs import report, start_job
from osmose.core.models import JobProgress


@task(takes_context=True)
def count_to(context: TaskContext, n: int) -> int:
    for i in range(1, n + 1):
        report(context, done=i, total=n, message=f"{i}")
    report(context, done=n, total=n, status=JobProgress.Status.DONE, result_url="/done/")
    return n


def test_a_job_runs_in_the_worker_and_its_page_shows_the_progress(
    transactional_db, member_client, member
):
    job = start_job(count_to, title="Compter", owner=member, n=3)
    url = reverse("core:job", args=[job.task_id])
    before = member_client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in before.content.decode()

    call_command("worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 3, 3, 100)
    after = member_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in after  # finished: the page stops polling
    assert 'href="/done/"' in after


def test_a_job_page_is_private_to_its_owner(
    transactional_db, member, animator_client, outsider_client
):
    job = start_job(count_to, title="Compter", owner=member, n=1)
    url = reverse("core:job", args=[job.task_id])
    assert animator_client.get(url).status_code == 404
    assert outsider_client.get(url).status_code == 302
