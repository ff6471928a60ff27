"""Move what other apps link to a merged organisation or person, and move it back on undo.

The registry does not know the apps built on it (events, ventures, the network…), so it looks
their links up in Django's model registry: every foreign key to ``Organisation`` or ``Person``
outside the registry, many-to-many tables included. A new app's links are moved with no change
here.

A row that cannot move because the survivor already has its twin (a registration to the same
event, a team role in the same venture, an introduction that would link the survivor to
themself) stays with the merged record and is reported; a many-to-many row whose twin exists is
removed, since the link it made already holds. The audit entry keeps every row id, so the
undo moves exactly these rows back and recreates the removed links.
"""

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction


def _links(target: type[models.Model]) -> Iterator[tuple[type[models.Model], models.ForeignKey]]:
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label == target._meta.app_label:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.remote_field.model is target:
                yield model, field


def _key(model: type[models.Model], field: models.ForeignKey) -> str:
    return f"{model._meta.label}.{field.name}"


def _is_link_table(model: type[models.Model]) -> bool:
    return bool(model._meta.auto_created)


def move_linked(target: type[models.Model], other_id: int, survivor_id: int) -> dict[str, Any]:
    """Point every outside link from ``other_id`` to ``survivor_id``; returns the undo record."""
    record: dict[str, Any] = {}
    for model, field in _links(target):
        pks = list(
            model._base_manager.filter(**{field.attname: other_id}).values_list("pk", flat=True)
        )
        if not pks:
            continue
        moved, kept, removed = _move_rows(model, field, pks, survivor_id)
        record[_key(model, field)] = {"moved": moved, "kept": kept, "removed": removed}
    return record


def _move_rows(
    model: type[models.Model], field: models.ForeignKey, pks: list[int], survivor_id: int
) -> tuple[list[int], list[int], list[dict[str, Any]]]:
    manager = model._base_manager
    try:
        with transaction.atomic():
            manager.filter(pk__in=pks).update(**{field.attname: survivor_id})
        return pks, [], []
    except IntegrityError:
        pass
    # Some rows clash with the survivor's own: move them one by one to learn which.
    moved: list[int] = []
    kept: list[int] = []
    removed: list[dict[str, Any]] = []
    for pk in pks:
        try:
            with transaction.atomic():
                manager.filter(pk=pk).update(**{field.attname: survivor_id})
            moved.append(pk)
        except IntegrityError:
            if _is_link_table(model):
                row = manager.filter(pk=pk).values().get()
                row.pop("id", None)
                row.pop(field.attname)
                removed.append(row)
                manager.filter(pk=pk).delete()
            else:
                kept.append(pk)
    return moved, kept, removed


def restore_linked(
    target: type[models.Model], other_id: int, survivor_id: int, record: dict[str, Any]
) -> None:
    """Undo ``move_linked``: the moved rows go back to ``other_id``, removed links come back."""
    for model, field in _links(target):
        entry = record.get(_key(model, field))
        if not entry:
            continue
        manager = model._base_manager
        manager.filter(pk__in=entry["moved"], **{field.attname: survivor_id}).update(
            **{field.attname: other_id}
        )
        for row in entry["removed"]:
            manager.get_or_create(**{**row, field.attname: other_id})


def kept_count(record: dict[str, Any]) -> int:
    """How many linked rows stayed with the merged record because the survivor had their twin."""
    return sum(len(entry["kept"]) for entry in record.values())


def linked_counts(target: type[models.Model], record_id: int) -> list[tuple[str, int]]:
    """What a merge of ``record_id`` would move, as (plural name, count), for the merge page."""
    counts: dict[str, int] = {}
    for model, field in _links(target):
        count = model._base_manager.filter(**{field.attname: record_id}).count()
        if not count:
            continue
        if _is_link_table(model):
            # "Event_organisers" reads as the events the record organises: name the events.
            source = next(
                f.remote_field.model
                for f in model._meta.concrete_fields
                if isinstance(f, models.ForeignKey) and f is not field
            )
            name = str(source._meta.verbose_name_plural)
        else:
            name = str(model._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + count
    return sorted(counts.items())
