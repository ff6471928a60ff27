from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DuplicateKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisations")
    PERSON = "person", _("People")


class DuplicateDecision(models.Model):
    """A remembered "these two are not duplicates" (ids stored low first)."""

    kind = models.CharField(max_length=12, choices=DuplicateKind.choices)
    low_id = models.BigIntegerField()
    high_id = models.BigIntegerField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("not-a-duplicate decision")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "low_id", "high_id"], name="duplicate_decision_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(low_id__lt=models.F("high_id")),
                name="duplicate_decision_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.low_id} ≠ {self.high_id}"


class DuplicateKey(models.Model):
    """A blocking key of a record: records that share a key are compared on every write."""

    kind = models.CharField(max_length=12, choices=DuplicateKind.choices)
    key = models.CharField(max_length=80)
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "key"]),
            models.Index(fields=["kind", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} → {self.object_id}"
