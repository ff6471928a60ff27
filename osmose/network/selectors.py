from typing import Any

from django.db.models import QuerySet

from osmose.network.models import Task


def open_tasks(*, assignee: Any = None, limit: int | None = 10) -> QuerySet[Task]:
    """Tasks not done yet, the most urgent first (no due date last)."""
    tasks = Task.objects.filter(done_at__isnull=True)
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    tasks = tasks.select_related("organisation", "person").order_by("due_on", "id")
    return tasks[:limit] if limit else tasks


def open_task_count() -> int:
    return Task.objects.filter(done_at__isnull=True).count()
