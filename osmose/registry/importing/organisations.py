"""Import organisations: match by SIRET, SIREN or RNSR; guess kind and sector from the name."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from osmose.core.geography import commune_index
from osmose.core.text import fold
from osmose.registry.dedup import (
    POSSIBLE,
    OrganisationRecord,
    find_organisation_matches,
    organisation_blocking_keys,
)
from osmose.registry.importing.engine import Importer, Row
from osmose.registry.models import (
    Affiliation,
    DuplicateKind,
    Organisation,
    OrganisationExternalId,
    OrganisationKind,
    OrganisationStatus,
    Scope,
    Sector,
)
from osmose.registry.services import organisations as organisation_services


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
        from osmose.registry.services.scan import ORGANISATION_FIELDS

        return OrganisationRecord(
            id=object_id, **{f: values.get(f, "") for f in ORGANISATION_FIELDS}
        )

    def keys(self, record: Any) -> set[str]:
        return organisation_blocking_keys(record)

    def load_records(self, ids: set[int]) -> Iterable[OrganisationRecord]:
        from osmose.registry.services.scan import organisation_records

        return organisation_records(ids)

    def find(self, record: Any, candidates: list[Any]) -> list[Any]:
        return find_organisation_matches(record, candidates, threshold=POSSIBLE)

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
