import io
from itertools import islice
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.core.jobs import start_job
from osmose.core.models import JobProgress
from osmose.registry.exports import csv_lines
from osmose.registry.importing.columns import FIELDS, REQUIRED
from osmose.registry.importing.engine import IMPORTERS, undo_batch
from osmose.registry.importing.reader import UnreadableFile, read_tabular
from osmose.registry.importing.runner import remembered_mapping
from osmose.registry.models import ImportBatch, ImportRow, ImportStatus
from osmose.registry.tasks import import_file

MAX_UPLOAD_MB = getattr(settings, "IMPORT_MAX_UPLOAD_MB", 40)


class UploadForm(forms.Form):
    target = forms.ChoiceField(
        label=gettext_lazy("What the file lists"), choices=ImportBatch.Target.choices
    )
    source = forms.SlugField(
        label=gettext_lazy("Source"),
        max_length=100,
        help_text=gettext_lazy(
            "A short name for where the file comes from (e.g. "
            "salon-2026, crm-export): the column mapping is remembered "
            "for it and its ids are matched on the next import."
        ),
    )
    file = forms.FileField(label=gettext_lazy("CSV or Excel (XLSX) file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(
                _(
                    "The file is %(size)s MB; the limit is %(limit)s MB. Split it, or import it "
                    "with the command line (osmose import)."
                )
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_MB}
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        try:
            # A copy: the CSV reader's text wrapper closes the file it wraps.
            table = read_tabular(io.BytesIO(upload.read()), upload.name)
            self.preview = [table.header, *islice(table.rows, 10)]
        except UnreadableFile as error:
            raise ValidationError(str(error)) from error
        upload.seek(0)
        return upload


@animator_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related("created_by")[:50]
    return render(request, "registry/import_list.html", {"batches": batches})


@animator_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = ImportBatch(
            target=form.cleaned_data["target"],
            source=form.cleaned_data["source"],
            filename=upload.name[:255],
            columns=form.preview[0],
            created_by=request.user if request.user.is_authenticated else None,
        )
        batch.file.save(upload.name, upload, save=False)
        batch.mapping = remembered_mapping(
            source=batch.source, target=batch.target, columns=batch.columns
        )
        batch.save()
        return redirect("registry:import_mapping", batch.pk)
    return render(
        request,
        "registry/import_upload.html",
        {"form": form, "max_mb": MAX_UPLOAD_MB},
        status=400 if form.errors else 200,
    )


def _preview(batch: ImportBatch) -> list[dict[str, Any]]:
    """The first rows, each cell checked as the import would check it."""
    with batch.file.open("rb") as handle:
        table = read_tabular(handle, batch.filename)
        rows = list(islice(table.rows, 10))
    importer = IMPORTERS[batch.target](source=batch.source, mapping=batch.mapping, dry_run=True)
    preview = []
    for index, cells in enumerate(rows):
        row = importer.parse(index + 2, table.header, cells)
        errors: dict[str, str] = {}
        for name in REQUIRED[batch.target]:
            if not row.values.get(name):
                errors[name] = _("required")
        try:
            importer.clean(dict(row.values))
        except ValidationError as error:
            errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
        preview.append(
            {
                "line": index + 2,
                "cells": [
                    (
                        field,
                        row.values.get(field, row.external_id if field == "external_id" else ""),
                        errors.get(field, ""),
                    )
                    for field in FIELDS[batch.target]
                    if field in batch.mapping
                ],
            }
        )
    return preview


@animator_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        return redirect("registry:import", pk)
    if request.method == "POST":
        mapping = {f: request.POST.get(f"map_{f}", "") for f in FIELDS[batch.target]}
        mapping = {f: c for f, c in mapping.items() if c in batch.columns}
        missing = [f for f in REQUIRED[batch.target] if f not in mapping]
        if missing:
            messages.error(
                request, _("Choose the column of: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        else:
            batch.mapping = mapping
            batch.status = ImportStatus.UPLOADED
            batch.save(update_fields=["mapping", "status", "updated_at"])
            job = start_job(
                import_file,
                title=_("Dry run of %(file)s") % {"file": batch.filename},
                owner=request.user,
                batch_id=batch.pk,
                dry_run=True,
            )
            batch.task_id = job.task_id
            batch.save(update_fields=["task_id"])
            return redirect("registry:import", pk)
    return render(
        request,
        "registry/import_mapping.html",
        {
            "batch": batch,
            "fields": [
                (f, f in REQUIRED[batch.target], batch.mapping.get(f, ""))
                for f in FIELDS[batch.target]
            ],
            "preview": _preview(batch),
        },
    )


@animator_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    job = JobProgress.objects.filter(task_id=batch.task_id).first() if batch.task_id else None
    rows = batch.rows.exclude(action__in=[ImportRow.Action.CREATED, ImportRow.Action.UNCHANGED])
    return render(
        request,
        "registry/import_detail.html",
        {
            "batch": batch,
            "job": job,
            "problem_rows": rows.order_by("line")[:100],
        },
    )


@animator_required
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.status != ImportStatus.PREVIEWED:
        messages.error(request, _("Run the dry run first."))
        return redirect("registry:import", pk)
    batch.status = ImportStatus.RUNNING
    batch.counts = {"rows_in_file": batch.dry_run_counts.get("rows", 0)}
    job = start_job(
        import_file,
        title=_("Import of %(file)s") % {"file": batch.filename},
        owner=request.user,
        batch_id=batch.pk,
        dry_run=False,
    )
    batch.task_id = job.task_id
    batch.save(update_fields=["status", "counts", "task_id", "updated_at"])
    return redirect("registry:import", pk)


@animator_required
@require_POST
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk, status=ImportStatus.DONE)
    try:
        counts = undo_batch(batch=batch, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Import undone: %(deleted)s records deleted, %(restored)s restored.")
            % {"deleted": counts["deleted"], "restored": counts["restored"]},
        )
    return redirect("registry:import", pk)


@animator_required
@require_GET
def import_rejected(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The rejected rows with their reasons, as CSV (the file's own columns, then the reason)."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    fields = FIELDS[batch.target]
    rows = batch.rows.filter(action__in=[ImportRow.Action.REJECTED, ImportRow.Action.DUPLICATE])

    def lines() -> Any:
        for row in rows.order_by("line").iterator():
            data = row.data
            yield [row.line, row.action, "; ".join(row.reasons), *[data.get(f, "") for f in fields]]

    response = StreamingHttpResponse(
        csv_lines(["line", "outcome", "reasons", *fields], lines()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{pk}-report.csv"'
    return response
