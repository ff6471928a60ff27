"""Run an import from a file: used by `osmose import` and by the wizard's background task."""

from collections import Counter
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from osmose.core.audit import log_action
from osmose.registry.importing.columns import guess_mapping
from osmose.registry.importing.engine import IMPORTERS, Progress
from osmose.registry.importing.reader import read_tabular
from osmose.registry.models import ImportBatch, ImportMapping, ImportStatus


def remembered_mapping(*, source: str, target: str, columns: list[str]) -> dict[str, str]:
    """The mapping used last time for this source, else one guessed from the column names."""
    saved = ImportMapping.objects.filter(source=source, target=target).first()
    if saved is not None:
        kept = {f: c for f, c in saved.columns.items() if c in columns}
        if kept:
            return kept
    return guess_mapping(target, columns)


def remember_mapping(*, source: str, target: str, mapping: dict[str, str]) -> None:
    ImportMapping.objects.update_or_create(
        source=source, target=target, defaults={"columns": mapping}
    )


def run_file(
    *,
    path: Path,
    target: str,
    source: str,
    actor: Any = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    batch: ImportBatch | None = None,
    progress: Progress | None = None,
) -> tuple[ImportBatch | None, Counter[str]]:
    """Import ``path``; a real run records an :class:`ImportBatch` with every row's outcome."""
    with path.open("rb") as handle:
        table = read_tabular(handle, path.name)
        mapping = mapping or remembered_mapping(source=source, target=target, columns=table.header)
        if batch is None and not dry_run:
            batch = ImportBatch.objects.create(
                target=target,
                source=source,
                filename=path.name,
                columns=table.header,
                mapping=mapping,
                status=ImportStatus.RUNNING,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        importer = IMPORTERS[target](
            source=source,
            mapping=mapping,
            actor=actor,
            dry_run=dry_run,
            batch=None if dry_run else batch,
            progress=progress,
        )
        try:
            counts = importer.run(table.header, table.rows)
        except Exception as error:
            if batch is not None and not dry_run:
                batch.status = ImportStatus.FAILED
                batch.error = str(error)[:2000]
                batch.save(update_fields=["status", "error", "updated_at"])
            raise
    if batch is not None and not dry_run:
        with transaction.atomic():
            batch.status = ImportStatus.DONE
            batch.counts = dict(counts)
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "counts", "finished_at", "updated_at"])
            remember_mapping(source=source, target=target, mapping=mapping)
            log_action("registry.import.done", actor=actor, target=batch, data=dict(counts))
    return batch, counts
