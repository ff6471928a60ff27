"""Background jobs with progress a page can poll.

A job is a Django task (``django.tasks``, run by ``osmose worker``) that takes its context
and reports progress through :func:`report`. :func:`start_job` enqueues it and creates the
:class:`~osmose.core.models.JobProgress` row that ``/jobs/<task_id>/`` shows.
"""

from typing import Any

from django.db import transaction
from django.tasks import Task, TaskContext

from osmose.core.models import JobProgress


def start_job(task: Task, *, title: str, owner: Any = None, **kwargs: Any) -> JobProgress:
    """Enqueue ``task`` with ``kwargs`` and create its progress row.

    Both are written in one transaction, so the worker never sees the task without its row.
    """
    with transaction.atomic():
        result = task.enqueue(**kwargs)
        return JobProgress.objects.create(
            task_id=str(result.id),
            title=title,
            owner=owner if getattr(owner, "is_authenticated", False) else None,
        )


def report(
    context: TaskContext,
    *,
    done: int,
    total: int,
    message: str = "",
    status: str = JobProgress.Status.RUNNING,
    result_url: str = "",
) -> None:
    """Write the progress of the running task (one UPDATE)."""
    fields: dict[str, Any] = {"done": done, "total": total, "message": message, "status": status}
    if result_url:
        fields["result_url"] = result_url
    JobProgress.objects.filter(task_id=str(context.task_result.id)).update(**fields)


def requested_job(request: Any) -> JobProgress | None:
    """The job named by the page's ``?job=`` parameter, if the user started it."""
    task_id = request.GET.get("job", "")
    if not task_id:
        return None
    return JobProgress.objects.filter(task_id=task_id, owner_id=request.user.pk).first()
