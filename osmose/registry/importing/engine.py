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

from osmose.core.audit import log_action
from osmose.core.geography import commune_index
from osmose.core.text import fold
from osmose.registry import search
from osmose.registry.dedup import (
    LIKELY,
    POSSIBLE,
    OrganisationRecord,
    PersonRecord,
    find_organisation_matches,
    find_person_matches,
    normalise_organisation_name,
    organisation_blocking_keys,
    person_blocking_keys,
)
from osmose.registry.importing.columns import REQUIRED
from osmose.registry.models import (
    Affiliation,
    DuplicateKey,
    DuplicateKind,
    ImportBatch,
    ImportRow,
    Organisation,
    OrganisationExternalId,
    OrganisationKind,
    OrganisationStatus,
    Person,
    PersonExternalId,
    Scope,
    Sector,
)
from osmose.registry.services import organisations as organisation_services
from osmose.registry.services import people as people_services

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
        for index, cells in enumerate(rows):
            chunk.append(self.parse(index + 2, header, cells))  # line 1 is the header
            if len(chunk) >= self.chunk_size:
                self._process(chunk)
                chunk = []
        if chunk:
            self._process(chunk)
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
        ImportRow.objects.bulk_create(
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
            ],
            batch_size=1000,
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
        all_keys = {k for keys in keys_by_line.values() for k in keys}
        db_ids: dict[str, list[int]] = defaultdict(list)
        for key, object_id in DuplicateKey.objects.filter(
            kind=self.kind, key__in=all_keys
        ).values_list("key", "object_id"):
            db_ids[key].append(object_id)
        shortlists: dict[int, list[int]] = {}
        for line, keys in keys_by_line.items():
            shared: Counter[int] = Counter()
            for key in keys:
                ids = db_ids.get(key, ())
                if len(ids) <= MAX_BUCKET:
                    shared.update(ids)
            shortlists[line] = [i for i, _n in shared.most_common(MAX_CANDIDATES)]
        wanted = {i for ids in shortlists.values() for i in ids}
        existing = {r.id: r for r in self.load_records(wanted)} if wanted else {}
        for row in rows:
            record = records[row.line]
            candidates: dict[int, Any] = {
                i: existing[i] for i in shortlists[row.line] if i in existing
            }
            earlier_shared: Counter[int] = Counter()
            earlier_records: dict[int, Any] = {}
            for key in keys_by_line[row.line]:
                bucket = self.run_keys.get(key, ())
                if len(bucket) <= MAX_BUCKET:
                    for earlier in bucket:
                        earlier_shared[earlier.id] += 1
                        earlier_records[earlier.id] = earlier
            for earlier_id, _n in earlier_shared.most_common(MAX_CANDIDATES):
                candidates[earlier_id] = earlier_records[earlier_id]
            matches = self.find(record, list(candidates.values())) if candidates else []
            best = matches[0] if matches else None
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
                continue
            row.action = Action.CREATED
            if best and best.score >= POSSIBLE and other is not None:
                # A negative id is a row of this file not written yet; positive, a record.
                who = f"line {self.temp_lines[other]}" if other in self.temp_lines else f"#{other}"
                row.reasons = [
                    f"possible duplicate of {who} ({best.score:.2f}): " + ", ".join(best.reasons)
                ]
                row.action = Action.DUPLICATE
            # Later rows of the file are compared with this one.
            for key in keys_by_line[row.line]:
                self.run_keys[key].append(record)
            row.values["__record__"] = record

    def _write(self, rows: list[Row]) -> None:
        new = [r for r in rows if r.action in (Action.CREATED, Action.DUPLICATE)]
        objects = self.build(new)
        self.model.objects.bulk_create(objects, batch_size=500)
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
        self.external_model.objects.bulk_create(
            [
                self.external_model(
                    source=self.source, value=r.external_id, **{self.owner_column: r.object_id}
                )
                for r in new_links
            ],
            batch_size=1000,
        )
        for row in new_links:
            row.linked = True
        touched = [
            r.object_id
            for r in rows
            if r.action in (Action.CREATED, Action.DUPLICATE, Action.UPDATED) and r.object_id
        ]
        self.reindex(touched)

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

    def identical(self, values: dict[str, Any], record: Any) -> bool:
        raise NotImplementedError

    def build(self, rows: list[Row]) -> list[Any]:
        raise NotImplementedError

    def after_write(self, rows: list[Row]) -> None:
        pass

    def reindex(self, ids: list[int]) -> None:
        raise NotImplementedError


def _record_fields(record: Any) -> dict[str, str]:
    return {name: getattr(record, name) for name in record.__slots__}


class PeopleImporter(Importer):
    target = "people"
    kind = DuplicateKind.PERSON
    model = Person
    external_model = PersonExternalId
    owner_column = "person_id"
    editable = {
        "given_name",
        "family_name",
        "email",
        "phone",
        "job_title",
        "street",
        "postcode",
        "city",
        "country",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.organisations: dict[str, int] = {}

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        organisation = values.pop("organisation", "")
        country = values.get("country", "")
        if country:
            values["country"] = _country_code(country)
        cleaned = people_services.clean_person_values(values)
        cleaned["organisation"] = organisation[:200]
        return cleaned

    def identify(self, rows: list[Row]) -> dict[int, int]:
        emails = {r.values.get("email") for r in rows if r.values.get("email")}
        if not emails:
            return {}
        by_email = dict(
            Person.objects.filter(email__in=emails, merged_into=None, erased_at=None).values_list(
                "email", "pk"
            )
        )
        return {
            r.line: by_email[r.values["email"]] for r in rows if r.values.get("email") in by_email
        }

    def record(self, object_id: int, values: dict[str, Any]) -> PersonRecord:
        return PersonRecord(
            id=object_id,
            external_id="",
            given_name=values.get("given_name", ""),
            family_name=values.get("family_name", ""),
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            street=values.get("street", ""),
            postcode=values.get("postcode", ""),
            city=values.get("city", ""),
        )

    def keys(self, record: Any) -> set[str]:
        return person_blocking_keys(record)

    def load_records(self, ids: set[int]) -> Iterable[PersonRecord]:
        rows = Person.objects.filter(pk__in=ids, merged_into=None, erased_at=None).values_list(
            "pk", "given_name", "family_name", "email", "phone", "street", "postcode", "city"
        )
        for pk, given, family, email, phone, street, postcode, city in rows:
            yield PersonRecord(
                id=pk,
                given_name=given,
                family_name=family,
                email=email,
                phone=phone,
                street=street,
                postcode=postcode,
                city=city,
            )

    def find(self, record: Any, candidates: list[Any]) -> list[Any]:
        return find_person_matches(record, candidates, threshold=POSSIBLE)

    def identical(self, values: dict[str, Any], record: Any) -> bool:
        fields = _record_fields(record)
        return all(values[k] == v for k, v in fields.items() if k in values)

    def build(self, rows: list[Row]) -> list[Person]:
        now = timezone.now()
        people = []
        for row in rows:
            values = {k: v for k, v in row.values.items() if k in self.editable}
            people.append(
                Person(
                    **values,
                    source=f"import:{self.source}",
                    source_data=row.extra,
                    field_sources={
                        k: {"source": self.source, "at": self.now} for k in values if values[k]
                    },
                    created_at=now,
                    updated_at=now,
                )
            )
        return people

    def _organisation_id(self, name: str) -> int | None:
        key = normalise_organisation_name(name) or fold(name)
        if not key:
            return None
        if key not in self.organisations:
            match = (
                Organisation.objects.filter(merged_into=None, name__iexact=name)
                .values_list("pk", flat=True)
                .first()
                or Organisation.objects.filter(merged_into=None, acronym__iexact=name)
                .values_list("pk", flat=True)
                .first()
            )
            if match is None:
                organisation = organisation_services.create_organisation(
                    actor=self.actor,
                    values={"name": name, "kind": _guess_kind(name), "sector": _guess_sector(name)},
                    source=f"import:{self.source}",
                )
                match = organisation.pk
            self.organisations[key] = match
        return self.organisations[key]

    def after_write(self, rows: list[Row]) -> None:
        wanted = [
            (r, self._organisation_id(r.values["organisation"]))
            for r in rows
            if r.values.get("organisation") and r.object_id
        ]
        wanted = [(r, org) for r, org in wanted if org]
        if not wanted:
            return
        person_ids = [r.object_id for r, _org in wanted if r.object_id is not None]
        current = set(
            Affiliation.objects.filter(person_id__in=person_ids, ended_on=None).values_list(
                "person_id", "organisation_id"
            )
        )
        has_primary = set(
            Affiliation.objects.filter(person_id__in=person_ids, is_primary=True).values_list(
                "person_id", flat=True
            )
        )
        new_affiliations = []
        for row, organisation_id in wanted:
            assert row.object_id is not None and organisation_id is not None
            if (row.object_id, organisation_id) in current:
                continue
            primary = row.object_id not in has_primary
            has_primary.add(row.object_id)
            current.add((row.object_id, organisation_id))
            new_affiliations.append(
                Affiliation(
                    person_id=row.object_id,
                    organisation_id=organisation_id,
                    role=row.values.get("job_title", ""),
                    is_primary=primary,
                )
            )
        Affiliation.objects.bulk_create(new_affiliations, batch_size=1000)
        for affiliation in new_affiliations:
            if affiliation.is_primary:
                Person.objects.filter(pk=affiliation.person_id).update(
                    primary_organisation_id=affiliation.organisation_id
                )

    def reindex(self, ids: list[int]) -> None:
        from osmose.registry.services.indexing import person_document, person_record

        if not ids:
            return
        people = list(
            Person.objects.filter(pk__in=ids)
            .select_related("primary_organisation__departement")
            .prefetch_related("affiliations__organisation", "expertise")
        )
        search.index_documents("person", [(p.pk, person_document(p)) for p in people])
        DuplicateKey.objects.filter(kind=self.kind, object_id__in=ids).delete()
        DuplicateKey.objects.bulk_create(
            [
                DuplicateKey(kind=self.kind, key=k[:80], object_id=p.pk)
                for p in people
                for k in person_blocking_keys(person_record(p))
            ],
            batch_size=2000,
        )


class OrganisationsImporter(Importer):
    target = "organisations"
    kind = DuplicateKind.ORGANISATION
    model = Organisation
    external_model = OrganisationExternalId
    owner_column = "organisation_id"
    editable = {
        "name",
        "acronym",
        "kind",
        "sector",
        "scope",
        "status",
        "siren",
        "siret",
        "rnsr",
        "ror",
        "vat_number",
        "naf_code",
        "website",
        "street",
        "postcode",
        "city",
        "headcount",
        "founded_on",
        "is_jei",
        "description_fr",
        "description_en",
    }

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        tags = values.pop("tags", "")
        values["kind"] = _choice(values.get("kind", ""), OrganisationKind) or _guess_kind(
            values["name"]
        )
        values["sector"] = _choice(values.get("sector", ""), Sector) or _guess_sector(
            values["name"], values["kind"]
        )
        if values.get("scope"):
            values["scope"] = _choice(values["scope"], Scope) or Scope.REGIONAL
        if values.get("status"):
            values["status"] = _choice(values["status"], OrganisationStatus) or (
                OrganisationStatus.CLOSED
                if fold(values["status"]) in ("f", "fermee", "ferme", "cessee")
                else OrganisationStatus.ACTIVE
            )
        if "is_jei" in values:
            values["is_jei"] = fold(str(values["is_jei"])) in (
                "1",
                "oui",
                "yes",
                "true",
                "x",
                "vrai",
            )
        if values.get("founded_on"):
            try:
                values["founded_on"] = _parse_date(values["founded_on"])
            except ValueError as error:
                raise ValidationError({"founded_on": [str(error)]}) from error
        else:
            values.pop("founded_on", None)
        cleaned = organisation_services.clean_organisation_values(values)
        if tags:
            cleaned["tags"] = [t.strip() for t in tags.replace(";", ",").split(",") if t.strip()]
        return cleaned

    def identify(self, rows: list[Row]) -> dict[int, int]:
        found: dict[int, int] = {}
        for field_name in ("siret", "siren", "rnsr"):
            values = {
                r.values.get(field_name)
                for r in rows
                if r.values.get(field_name) and r.line not in found
            }
            if not values:
                continue
            by_value = dict(
                Organisation.objects.filter(
                    merged_into=None, **{f"{field_name}__in": values}
                ).values_list(field_name, "pk")
            )
            for row in rows:
                value = row.values.get(field_name)
                if row.line not in found and value in by_value:
                    found[row.line] = by_value[value]
        return found

    def record(self, object_id: int, values: dict[str, Any]) -> OrganisationRecord:
        return OrganisationRecord(
            id=object_id,
            name=values.get("name", ""),
            acronym=values.get("acronym", ""),
            siren=values.get("siren", ""),
            siret=values.get("siret", ""),
            rnsr=values.get("rnsr", ""),
            website=values.get("website", ""),
            street=values.get("street", ""),
            postcode=values.get("postcode", ""),
            city=values.get("city", ""),
        )

    def keys(self, record: Any) -> set[str]:
        return organisation_blocking_keys(record)

    def load_records(self, ids: set[int]) -> Iterable[OrganisationRecord]:
        rows = Organisation.objects.filter(pk__in=ids, merged_into=None).values_list(
            "pk",
            "name",
            "acronym",
            "siren",
            "siret",
            "rnsr",
            "website",
            "street",
            "postcode",
            "city",
        )
        for pk, name, acronym, siren, siret, rnsr, website, street, postcode, city in rows:
            yield OrganisationRecord(
                id=pk,
                name=name,
                acronym=acronym,
                siren=siren,
                siret=siret,
                rnsr=rnsr,
                website=website,
                street=street,
                postcode=postcode,
                city=city,
            )

    def find(self, record: Any, candidates: list[Any]) -> list[Any]:
        return find_organisation_matches(record, candidates, threshold=POSSIBLE)

    def identical(self, values: dict[str, Any], record: Any) -> bool:
        fields = _record_fields(record)
        return all(values[k] == v for k, v in fields.items() if k in values)

    def build(self, rows: list[Row]) -> list[Organisation]:
        now = timezone.now()
        index = commune_index()
        built = []
        for row in rows:
            values = {k: v for k, v in row.values.items() if k in self.editable}
            organisation = Organisation(
                **values,
                source=f"import:{self.source}",
                source_data=row.extra,
                field_sources={
                    k: {"source": self.source, "at": self.now} for k in values if values[k]
                },
                created_at=now,
                updated_at=now,
            )
            commune_id = index.resolve_id(postcode=organisation.postcode, city=organisation.city)
            if commune_id is not None:
                commune = index.commune(commune_id)
                organisation.commune = commune
                organisation.departement = commune.departement
                organisation.latitude, organisation.longitude = commune.latitude, commune.longitude
                organisation.city = organisation.city or commune.name
            built.append(organisation)
        return built

    def after_write(self, rows: list[Row]) -> None:
        for row in rows:
            if row.values.get("tags") and row.object_id:
                organisation_services.set_tags(
                    organisation=Organisation.objects.get(pk=row.object_id),
                    names=row.values["tags"],
                )

    def reindex(self, ids: list[int]) -> None:
        from osmose.registry.services.indexing import reindex_organisations, reindex_people

        reindex_organisations(ids)
        # Their people's documents carry the organisation's name and facets.
        reindex_people(
            Affiliation.objects.filter(organisation_id__in=ids).values_list("person_id", flat=True)
        )


IMPORTERS: dict[str, type[Importer]] = {
    "people": PeopleImporter,
    "organisations": OrganisationsImporter,
}


def _choice(value: str, choices: Any) -> str:
    folded = fold(value)
    for member in choices:
        if folded in (fold(member.value), fold(str(member.label))):
            return str(member.value)
    return ""


def _guess_kind(name: str) -> str:
    folded = f" {fold(name)} "
    if any(
        w in folded
        for w in (
            " laboratoire ",
            " labo ",
            " unite ",
            " umr ",
            " inserm ",
            " institut ",
            " universite ",
            " cnrs ",
            " inrae ",
        )
    ):
        return OrganisationKind.ACADEMIC_LAB
    if any(
        w in folded for w in (" chu ", " chr ", " hopital ", " clinique ", " centre hospitalier ")
    ):
        return OrganisationKind.HOSPITAL
    if any(w in folded for w in (" plateforme ", " platform ")):
        return OrganisationKind.PLATFORM
    return OrganisationKind.COMPANY


def _guess_sector(name: str, kind: str = "") -> str:
    kind = kind or _guess_kind(name)
    if kind in (
        OrganisationKind.ACADEMIC_LAB,
        OrganisationKind.HOSPITAL,
        OrganisationKind.PUBLIC_BODY,
    ):
        return Sector.PUBLIC
    if kind in (OrganisationKind.CLUSTER,):
        return Sector.NON_PROFIT
    return Sector.PRIVATE


_COUNTRIES = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "allemagne": "DE",
    "germany": "DE",
    "italie": "IT",
    "italy": "IT",
    "espagne": "ES",
    "spain": "ES",
    "royaume uni": "GB",
    "united kingdom": "GB",
    "uk": "GB",
    "etats unis": "US",
    "usa": "US",
    "united states": "US",
    "australia": "AU",
    "australie": "AU",
}


def _country_code(value: str) -> str:
    folded = fold(value)
    if len(folded) == 2 and folded.isalpha():
        return folded.upper()
    code = _COUNTRIES.get(folded)
    if code is None:
        raise ValidationError({"country": [f"unknown country {value!r} (use a 2-letter code)"]})
    return code


def _parse_date(value: str) -> date:
    value = value.strip()[:10]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            from datetime import datetime

            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if value.isdigit() and len(value) == 4:
        return date(int(value), 1, 1)
    raise ValueError(f"unknown date format {value!r} (use YYYY-MM-DD or DD/MM/YYYY)")


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
