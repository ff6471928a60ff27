"""Background tasks of the registry (run by `osmose worker`)."""

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.tasks import TaskContext, task

from osmose.core.jobs import report
from osmose.core.models import JobProgress
from osmose.registry.importing.runner import run_file
from osmose.registry.models import ImportBatch, ImportStatus


def _batch_path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / str(batch.file.name)


@task(takes_context=True)
def import_file(context: TaskContext, batch_id: int, dry_run: bool) -> dict[str, Any]:
    """Dry-run or run an uploaded import, reporting progress every chunk."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    total = batch.counts.get("rows_in_file") or batch.dry_run_counts.get("rows", 0)

    def progress(rows: int, counts: Counter[str]) -> None:
        report(
            context,
            done=rows,
            total=max(total, rows),
            message=", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k != "rows"),
        )

    try:
        _batch, counts = run_file(
            path=_batch_path(batch),
            target=batch.target,
            source=batch.source,
            actor=batch.created_by,
            mapping=batch.mapping,
            dry_run=dry_run,
            batch=None if dry_run else batch,
            progress=progress,
        )
    except Exception as error:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportStatus.FAILED, error=str(error)[:2000]
        )
        report(context, done=0, total=0, message=str(error)[:300], status=JobProgress.Status.FAILED)
        raise
    if dry_run:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportStatus.PREVIEWED, dry_run_counts=dict(counts)
        )
    rows = counts.get("rows", 0)
    report(
        context,
        done=rows,
        total=rows,
        status=JobProgress.Status.DONE,
        result_url=f"/imports/{batch_id}/",
    )
    return dict(counts)


@task(takes_context=True)
def scan_duplicates(context: TaskContext, kind: str) -> int:
    """The batch duplicate scan of one kind of record, for the duplicates page."""
    from osmose.registry.services.scan import run_scan

    report(context, done=0, total=1, message="")
    found = run_scan(kind)
    report(
        context,
        done=1,
        total=1,
        status=JobProgress.Status.DONE,
        message=str(found),
        result_url=f"/directory/duplicates/?kind={kind}",
    )
    return found
