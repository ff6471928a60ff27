"""Import batches: every row's outcome is kept, so a run can be reported on and undone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from osmose.core.models import TimeStampedModel


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWED = "previewed", _("Dry run done")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportMapping(models.Model):
    """The column mapping last used for a source, offered again next time."""

    source = models.CharField(max_length=100)
    target = models.CharField(max_length=15)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="import_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class ImportBatch(TimeStampedModel):
    class Target(models.TextChoices):
        ORGANISATIONS = "organisations", _("Organisations")
        PEOPLE = "people", _("People")

    target = models.CharField(_("content"), max_length=15, choices=Target.choices)
    source = models.CharField(_("source"), max_length=100)
    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    dry_run_counts = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # What an import added beside its rows, by kind ({"relations": [ids], "sites": [ids]}):
    # RNSR tutelles between existing records, SIRENE's other establishments. Undo removes them.
    added_records = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        ordering = ["-created_at"]

    def remember_added(self, kind: str, ids: list[int]) -> None:
        self.added_records = {**self.added_records, kind: [*self.added_records.get(kind, []), *ids]}
        self.save(update_fields=["added_records", "updated_at"])

    def __str__(self) -> str:
        return f"{self.filename} ({self.source})"


class ImportRow(models.Model):
    """What the import did with one row; ``before`` holds what undo restores."""

    class Action(models.TextChoices):
        CREATED = "created", pgettext_lazy("import outcome", "Created")
        UPDATED = "updated", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")
        DUPLICATE = "duplicate", _("Possible duplicate")
        REJECTED = "rejected", _("Rejected")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    object_id = models.BigIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    before = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "action"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.action}"
