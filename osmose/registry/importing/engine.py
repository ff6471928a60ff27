"""The import engine shared by the wizard, the command line and the registry importers.

Rows go through in chunks: each row is validated, matched to an existing record (the source's
external id, then identifiers: e-mail for people; SIRET, SIREN, RNSR for organisations), else
compared with the duplicate engine (existing records and earlier rows of the same file), then
created, updated or left unchanged. Every row ends as one :class:`ImportRow`: nothing is
dropped silently, and undo uses what the rows remember. A dry run does everything but write.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from osmose.registry.dedup import LIKELY, POSSIBLE, Match, forget_cached_comparisons
from osmose.registry.importing.candidates import RegistryCandidates
from osmose.registry.importing.columns import REQUIRED
from osmose.registry.importing.inserts import insert_objects
from osmose.registry.models import ImportBatch, ImportRow

Action = ImportRow.Action
CHUNK = 1000
# Blocking keys shared by more records than this are not used to find candidates.
MAX_BUCKET = 100
# At most this many candidates (those sharing the most keys) are scored for one row.
MAX_CANDIDATES = 20
Progress = Callable[[int, Counter[str]], None]


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    extra: dict[str, str]
    external_id: str = ""
    action: str = ""
    object_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    before: dict[str, Any] | None = None
    changed: list[str] = field(default_factory=list)
    linked: bool = False  # this run attached the external id (undo detaches it)
    keys: set[str] = field(default_factory=set)  # blocking keys of a new row's record


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class Importer:
    """Import one file's rows for ``target`` ("people" or "organisations")."""

    kind: str
    model: Any
    external_model: Any

    def __init__(
        self,
        *,
        source: str,
        mapping: dict[str, str],
        actor: Any = None,
        dry_run: bool = False,
        batch: ImportBatch | None = None,
        progress: Progress | None = None,
        chunk_size: int = CHUNK,
    ) -> None:
        self.source = source
        self.mapping = {f: c for f, c in mapping.items() if c}
        self.actor = actor
        self.dry_run = dry_run
        self.batch = batch
        self.progress = progress
        self.chunk_size = chunk_size
        self.counts: Counter[str] = Counter()
        # Records of this run (new and matched), by blocking key: duplicates within the file.
        self.run_keys: dict[str, list[Any]] = defaultdict(list)
        self.next_temp_id = -1
        self.seen_external_ids: dict[str, int | None] = {}
        self.temp_lines: dict[int, int] = {}  # temporary ids of this file's rows -> line
        self.registry = RegistryCandidates(
            kind=self.kind,
            load=self.load_records,
            max_bucket=MAX_BUCKET,
            max_candidates=MAX_CANDIDATES,
        )

    # --- Parsing ---------------------------------------------------------------------------

    def parse(self, line: int, header: list[str], cells: list[str]) -> Row:
        by_column = {
            name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)
        }
        mapped_columns = set(self.mapping.values())
        values = {f: by_column.get(c, "") for f, c in self.mapping.items()}
        extra = {c: v for c, v in by_column.items() if c not in mapped_columns and v}
        return Row(
            line=line, values=values, extra=extra, external_id=values.pop("external_id", "")[:200]
        )

    # --- The run ---------------------------------------------------------------------------

    def run(self, header: list[str], rows: Iterable[list[str]]) -> Counter[str]:
        missing = [f for f in REQUIRED[self.target] if f not in self.mapping]
        if missing:
            raise ValidationError(
                f"No column is mapped to the required field(s) {', '.join(missing)}."
            )
        chunk: list[Row] = []
        started = time.monotonic()
        try:
            for index, cells in enumerate(rows):
                chunk.append(self.parse(index + 2, header, cells))  # line 1 is the header
                if len(chunk) >= self.chunk_size:
                    self._process(chunk)
                    chunk = []
            if chunk:
                self._process(chunk)
        finally:
            forget_cached_comparisons()
        self.counts["seconds"] = round(time.monotonic() - started, 3)  # type: ignore[assignment]
        return self.counts

    def _process(self, chunk: list[Row]) -> None:
        with transaction.atomic():
            valid = [row for row in chunk if self._validate(row)]
            self._match_existing(valid)
            self._match_duplicates([r for r in valid if not r.action])
            if not self.dry_run:
                self._write(valid)
                self._record(chunk)
        for row in chunk:
            self.counts[row.action] += 1
        self.counts["rows"] += len(chunk)
        if self.progress:
            self.progress(self.counts["rows"], self.counts)

    def _record(self, chunk: list[Row]) -> None:
        if self.batch is None:
            return
        insert_objects(
            [
                ImportRow(
                    batch=self.batch,
                    line=r.line,
                    action=r.action,
                    object_id=r.object_id,
                    reasons=r.reasons,
                    before=r.before,
                    data={
                        **({"external_id": r.external_id} if r.external_id else {}),
                        **({"linked": True} if r.linked else {}),
                        **{k: _jsonable(v) for k, v in r.values.items()},
                        **({"extra": r.extra} if r.extra else {}),
                    },
                )
                for r in chunk
            ]
        )

    def _reject(self, row: Row, reasons: list[str]) -> bool:
        row.action = Action.REJECTED
        row.reasons = reasons
        return False

    def _validate(self, row: Row) -> bool:
        if self.target == "people":
            if not (row.values.get("family_name") or row.values.get("given_name")):
                return self._reject(row, ["family_name: a given name or a family name is required"])
        elif not row.values.get("name"):
            return self._reject(row, ["name: required"])
        if row.external_id:
            if row.external_id in self.seen_external_ids:
                return self._reject(
                    row, [f"external_id: repeated from an earlier line ({row.external_id})"]
                )
            self.seen_external_ids[row.external_id] = None
        try:
            row.values = self.clean(row.values)
        except ValidationError as error:
            return self._reject(row, [f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()])
        return True

    def _match_existing(self, rows: list[Row]) -> None:
        external = {r.external_id for r in rows if r.external_id}
        by_external = (
            dict(
                self.external_model.objects.filter(
                    source=self.source, value__in=external
                ).values_list("value", self.owner_column)
            )
            if external
            else {}
        )
        identified = self.identify(rows)
        matched: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            object_id = by_external.get(row.external_id) or identified.get(row.line)
            if object_id:
                row.object_id = object_id
                matched[object_id].append(row)
        if not matched:
            return
        existing = self.model.objects.in_bulk(list(matched))
        for object_id, same in matched.items():
            obj = existing.get(object_id)
            for position, row in enumerate(same):
                if obj is None or position > 0:
                    # Two lines of the file name the same record: the first one wins.
                    if position > 0:
                        self._reject(row, [f"same record as line {same[0].line}"])
                    continue
                self._compare(row, obj)

    def _compare(self, row: Row, obj: Any) -> None:
        """Fill the row's outcome for an existing record: empty cells never erase data."""
        # Only what the file says: a value the importer guessed (a kind from the name) or a
        # default never overwrites the record.
        changes = {
            f: v
            for f, v in row.values.items()
            if f in self.editable
            and f in self.mapping
            and v not in ("", None, [])
            and getattr(obj, f) != v
        }
        row.before = {f: _jsonable(getattr(obj, f)) for f in changes}
        row.changed = list(changes)
        row.action = Action.UPDATED if changes else Action.UNCHANGED
        row.object_id = obj.pk
        row.values["__object__"] = obj
        self._remember(row, obj.pk)

    def _remember(self, row: Row, object_id: int) -> None:
        record = self.record(object_id, row.values)
        for key in self.keys(record):
            self.run_keys[key].append(record)

    def _match_duplicates(self, rows: list[Row]) -> None:
        """Compare each new row with the records and earlier rows that share blocking keys.

        A key shared by very many records (a common name in a big town) says little and is
        left out; the candidates sharing the most keys with the row are compared first, and at
        most MAX_CANDIDATES of them, so a row costs the same whatever the registry's size.
        """
        if not rows:
            return
        records = {}
        for row in rows:
            records[row.line] = self.record(self.next_temp_id, row.values)
            self.temp_lines[self.next_temp_id] = row.line
            self.next_temp_id -= 1
        keys_by_line = {
            line: {k[:80] for k in self.keys(record)} for line, record in records.items()
        }
        for row in rows:
            row.keys = keys_by_line[row.line]
        self.registry.read({k for keys in keys_by_line.values() for k in keys})
        shortlists = {line: self.registry.shortlist(keys) for line, keys in keys_by_line.items()}
        existing = self.registry.records({i for ids in shortlists.values() for i in ids})

        def candidates_of(row: Row) -> dict[int, Any]:
            found = {i: existing[i] for i in shortlists[row.line] if i in existing}
            found.update(self._earlier_rows(keys_by_line[row.line]))
            return found

        # The candidates of every row, assuming each row is compared with the later ones (it
        # is, unless found unchanged), so that all the pairs are bounded at once.
        lengths = {key: len(self.run_keys[key]) for key in set().union(*keys_by_line.values())}
        planned = []
        for row in rows:
            planned.append(candidates_of(row))
            for key in keys_by_line[row.line]:
                self.run_keys[key].append(records[row.line])
        for key, length in lengths.items():
            del self.run_keys[key][length:]
        bounds = self.bounds(
            [
                (records[row.line], other)
                for row, found in zip(rows, planned, strict=True)
                for other in found.values()
            ]
        )
        start, as_planned = 0, True
        for row, found in zip(rows, planned, strict=True):
            record = records[row.line]
            row_bounds = bounds[start : start + len(found)] if bounds is not None else None
            start += len(found)
            if not as_planned:
                found, row_bounds = candidates_of(row), None
            self._decide(row, record, found, row_bounds)
            if row.action == Action.UNCHANGED:
                as_planned = False  # later rows are not compared with this one
                continue
            # Later rows of the file are compared with this one.
            for key in keys_by_line[row.line]:
                self.run_keys[key].append(record)
            row.values["__record__"] = record

    def _earlier_rows(self, keys: set[str]) -> dict[int, Any]:
        """The records of this file's earlier rows sharing the most keys with ``keys``."""
        shared: Counter[int] = Counter()
        by_id: dict[int, Any] = {}
        for key in keys:
            bucket = self.run_keys.get(key, ())
            if len(bucket) <= MAX_BUCKET:
                for earlier in bucket:
                    shared[earlier.id] += 1
                    by_id[earlier.id] = earlier
        return {i: by_id[i] for i, _n in shared.most_common(MAX_CANDIDATES)}

    def _decide(
        self, row: Row, record: Any, candidates: dict[int, Any], bounds: list[float] | None
    ) -> None:
        """Unchanged (the same data again), a possible duplicate, or a new record.

        ``bounds``, if given, holds an upper bound of each candidate's score (see
        :meth:`bounds`), in the order of ``candidates``.
        """
        best = self.best_match(record, list(candidates.values()), bounds) if candidates else None
        other = (best.b_id if best.a_id == record.id else best.a_id) if best else None
        if (
            best
            and not row.external_id  # a new id from the source is a record of its own
            and best.score >= LIKELY
            and other is not None
            and other > 0
            and self.identical(row.values, candidates[other])
        ):
            # The same data again (a re-import without ids): nothing to do.
            row.action, row.object_id = Action.UNCHANGED, other
            return
        row.action = Action.CREATED
        if best and best.score >= POSSIBLE and other is not None:
            # A negative id is a row of this file not written yet; positive, a record.
            who = f"line {self.temp_lines[other]}" if other in self.temp_lines else f"#{other}"
            row.reasons = [
                f"possible duplicate of {who} ({best.score:.2f}): " + ", ".join(best.reasons)
            ]
            row.action = Action.DUPLICATE

    def _write(self, rows: list[Row]) -> None:
        new = [r for r in rows if r.action in (Action.CREATED, Action.DUPLICATE)]
        objects = self.build(new)
        insert_objects(objects, returning_ids=True)
        for row, obj in zip(new, objects, strict=True):
            row.object_id = obj.pk
            record = row.values.pop("__record__")
            record.id = obj.pk  # later rows that matched this record now see its real id
        updated = [r for r in rows if r.action == Action.UPDATED]
        for row in updated:
            obj = row.values["__object__"]
            for name in row.changed:
                setattr(obj, name, row.values[name])
                obj.field_sources[name] = {"source": self.source, "at": self.now}
        if updated:
            changed_fields = sorted({f for r in updated for f in r.changed} | {"field_sources"})
            self.model.objects.bulk_update(
                [r.values["__object__"] for r in updated], changed_fields, batch_size=500
            )
            self.registry.forget(r.object_id for r in updated if r.object_id)
        for row in rows:
            row.values.pop("__object__", None)
        self.after_write(
            [
                r
                for r in rows
                if r.action in (Action.CREATED, Action.DUPLICATE, Action.UPDATED, Action.UNCHANGED)
            ]
        )
        links = [r for r in rows if r.external_id and r.object_id and r.action != Action.REJECTED]
        existing_links = set(
            self.external_model.objects.filter(
                source=self.source, value__in=[r.external_id for r in links]
            ).values_list("value", flat=True)
        )
        new_links = [r for r in links if r.external_id not in existing_links]
        insert_objects(
            [
                self.external_model(
                    source=self.source, value=r.external_id, **{self.owner_column: r.object_id}
                )
                for r in new_links
            ]
        )
        for row in new_links:
            row.linked = True
        self.index(
            created=list(zip(new, objects, strict=True)),
            updated=[r.object_id for r in updated if r.object_id],
        )

    @property
    def now(self) -> str:
        if not hasattr(self, "_now"):
            self._now = timezone.now().isoformat()
        return self._now

    # --- What each target defines ------------------------------------------------------------
    target: str
    owner_column: str
    editable: set[str]

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def identify(self, rows: list[Row]) -> dict[int, int]:
        raise NotImplementedError

    def record(self, object_id: int, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def keys(self, record: Any) -> set[str]:
        raise NotImplementedError

    def load_records(self, ids: set[int]) -> Iterable[Any]:
        raise NotImplementedError

    def find(self, record: Any, candidates: list[Any]) -> list[Any]:
        raise NotImplementedError

    def bounds(self, pairs: list[tuple[Any, Any]]) -> list[float] | None:
        """Upper bounds of the pairs' scores, to score only the candidates that could win
        (``None``: every candidate is scored)."""
        return None

    def best_match(
        self, record: Any, candidates: list[Any], bounds: list[float] | None
    ) -> Match | None:
        """The best-scoring candidate at or above POSSIBLE (ties: lower ids), or None."""
        matches = self.find(record, candidates)
        return matches[0] if matches else None

    def identical(self, values: dict[str, Any], record: Any) -> bool:
        """The row says nothing the record does not already say (for the mapped fields)."""
        fields = _record_fields(record)
        return all(values[k] == v for k, v in fields.items() if k in values)

    def build(self, rows: list[Row]) -> list[Any]:
        raise NotImplementedError

    def after_write(self, rows: list[Row]) -> None:
        pass

    def index(self, *, created: list[tuple[Row, Any]], updated: list[int]) -> None:
        """Refresh the search index and duplicate keys of the records written."""
        self.reindex([obj.pk for _row, obj in created] + updated)

    def reindex(self, ids: list[int]) -> None:
        raise NotImplementedError


def _record_fields(record: Any) -> dict[str, str]:
    return {name: getattr(record, name) for name in record.__slots__}


# The importers and undo live in their own modules, which import the base above: they come last.
from osmose.registry.importing.organisations import OrganisationsImporter  # noqa: E402
from osmose.registry.importing.people import PeopleImporter  # noqa: E402
from osmose.registry.importing.undo import undo_batch as undo_batch  # noqa: E402

IMPORTERS: dict[str, type[Importer]] = {
    "people": PeopleImporter,
    "organisations": OrganisationsImporter,
}
