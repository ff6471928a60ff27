"""Undo a finished import with what its rows remember."""

from collections import Counter
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from osmose.core.audit import log_action
from osmose.registry.models import (
    DuplicateKind,
    ImportBatch,
    ImportRow,
    Organisation,
    OrganisationExternalId,
    OrganisationRelation,
    Person,
    PersonExternalId,
    Site,
)

Action = ImportRow.Action


def undo_batch(*, batch: ImportBatch, actor: Any) -> Counter[str]:
    """Undo a finished import: created records go, updated fields get their old values."""
    counts: Counter[str] = Counter()
    model: Any = Person if batch.target == "people" else Organisation
    kind = DuplicateKind.PERSON if batch.target == "people" else DuplicateKind.ORGANISATION
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.undone_at:
            raise ValidationError("This import was already undone.")
        created: list[int] = [
            object_id
            for object_id in batch.rows.filter(
                action__in=[Action.CREATED, Action.DUPLICATE]
            ).values_list("object_id", flat=True)
            if object_id is not None
        ]
        for row in batch.rows.filter(action=Action.UPDATED).exclude(before__isnull=True).iterator():
            obj = model.objects.filter(pk=row.object_id).first()
            if obj is None:
                continue
            for name, value in (row.before or {}).items():
                if name == "founded_on" and value:
                    value = date.fromisoformat(value)
                setattr(obj, name, value)
            obj.save()
            counts["restored"] += 1
        external = PersonExternalId if batch.target == "people" else OrganisationExternalId
        linked = [
            data["external_id"]
            for data in batch.rows.filter(data__linked=True).values_list("data", flat=True)
        ]
        for start in range(0, len(linked), 1000):
            external.objects.filter(
                source=batch.source, value__in=linked[start : start + 1000]
            ).delete()
        for kind_name, added_model in (("relations", OrganisationRelation), ("sites", Site)):
            ids = batch.added_records.get(kind_name, [])
            if ids:
                removed, _by_model = added_model.objects.filter(pk__in=ids).delete()
                counts[kind_name] += removed
        from osmose.registry.services.indexing import unindex

        for start in range(0, len(created), 1000):
            ids = created[start : start + 1000]
            unindex(kind, ids)
            model.objects.filter(pk__in=ids).delete()
            counts["deleted"] += len(ids)
        batch.undone_at = timezone.now()
        batch.status = "undone"
        batch.save(update_fields=["undone_at", "status", "updated_at"])
        log_action("registry.import.undone", actor=actor, target=batch, data=dict(counts))
    return counts
