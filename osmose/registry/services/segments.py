from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from osmose.core.audit import log_action
from osmose.registry.models import Segment


@transaction.atomic
def save_segment(*, actor: Any, name: str, target: str, query: dict[str, Any]) -> Segment:
    """Save (or replace, for the same name) a live directory query."""
    base = slugify(name)[:140] or "segment"
    existing = Segment.objects.filter(name=name, target=target).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query", "updated_at"])
        log_action("registry.segment.updated", actor=actor, target=existing, data={"query": query})
        return existing
    for attempt in range(50):
        slug = base if attempt == 0 else f"{base}-{attempt + 1}"
        try:
            with transaction.atomic():
                segment = Segment.objects.create(
                    name=name, slug=slug, target=target, query=query, owner=actor
                )
        except IntegrityError:
            continue
        log_action("registry.segment.created", actor=actor, target=segment, data={"query": query})
        return segment
    raise RuntimeError("No free slug for this segment name.")


@transaction.atomic
def delete_segment(*, actor: Any, segment: Segment) -> None:
    log_action(
        "registry.segment.deleted",
        actor=actor,
        target=segment,
        data={"name": segment.name, "query": segment.query},
    )
    segment.delete()
