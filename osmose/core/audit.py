"""The audit log: every service writes one entry per state change."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from osmose.core.models import AuditLogEntry


def log_action(
    code: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Record that ``actor`` did ``code`` (e.g. ``"events.registration.cancelled"``) to ``target``.

    ``actor`` is a user or None (the system, a command); anonymous users count as None.
    ``data`` must be JSON-serialisable: it is what a later reader needs to understand or
    reverse the change.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditLogEntry(action=code, actor=actor, data=data or {})
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:300]
    entry.save()
    return entry


def history_of(target: models.Model) -> models.QuerySet[AuditLogEntry]:
    """The audit entries about one object, newest first."""
    return AuditLogEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
