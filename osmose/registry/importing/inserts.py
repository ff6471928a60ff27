"""Plain multi-row INSERTs for the rows an import writes.

They write what ``bulk_create`` would (every concrete field, ``auto_now``/``auto_now_add``
stamped, values adapted by the database's own adapters), without its cost per value (field
lookups and conversions through the compiler), which exceeded the database's own work.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Rows per statement: well under the databases' limits on query parameters.
ROWS_PER_STATEMENT = 400


def insert_objects(objects: Sequence[models.Model], *, returning_ids: bool = False) -> None:
    """INSERT ``objects`` (unsaved instances of one model) and mark them saved.

    With ``returning_ids``, each object's primary key is set from the database (``RETURNING``,
    which SQLite 3.35+ and PostgreSQL give in the order of the VALUES list).
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [
        f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    adapters = [_adapter(field) for field in fields]
    attnames = [field.attname for field in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model, values go through parameters.
    columns = ", ".join(quote(str(f.column)) for f in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608
    row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(str(pk.column))}" if returning_ids else ""
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            part = objects[start : start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for obj in part:
                values = obj.__dict__
                params.extend(
                    adapt(values[name]) if adapt else values[name]
                    for name, adapt in zip(attnames, adapters, strict=True)
                )
            cursor.execute(head + ", ".join([row_placeholder] * len(part)) + tail, params)
            if returning_ids:
                for obj, (object_id,) in zip(part, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, object_id)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


# Fields whose Python values the database drivers take as they are.
_PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField",
    "ForeignKey", "IntegerField", "OneToOneField", "PositiveBigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField",
    "TextField", "URLField",
}  # fmt: skip


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is handed to the driver: ``None`` for as it is."""
    internal = field.get_internal_type()
    if internal in _PLAIN:
        return None
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
    if internal == "DateTimeField":
        return ops.adapt_datetimefield_value
    if internal == "DateField":
        return ops.adapt_datefield_value
    return lambda value: field.get_db_prep_save(value, connection)
