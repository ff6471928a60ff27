"""Export organisations and people to CSV, XLSX and vCard.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with an apostrophe: an exported name can never become a formula.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import vobject
from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook

from osmose.registry.models import Affiliation, Organisation, Person

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ORGANISATION_COLUMNS = [
    "id", "name", "acronym", "kind", "sector", "scope", "status", "siren", "siret", "rnsr",
    "ror", "vat_number", "website", "street", "postcode", "city", "departement", "headcount",
    "founded_on", "is_jei", "terms", "tags", "last_verified_at", "source",
]  # fmt: skip
PEOPLE_COLUMNS = [
    "id", "given_name", "family_name", "email", "phone", "job_title", "organisation",
    "street", "postcode", "city", "country", "orcid", "last_contact_at", "source",
]  # fmt: skip


def safe_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def organisation_rows(queryset: QuerySet[Organisation]) -> Iterator[list[Any]]:
    queryset = queryset.select_related("departement", "commune").prefetch_related("terms", "tags")
    for o in queryset.iterator(chunk_size=2000):
        yield [
            o.pk, o.name, o.acronym, o.kind, o.sector, o.scope, o.status, o.siren, o.siret,
            o.rnsr, o.ror, o.vat_number, o.website, o.street, o.postcode,
            o.city or (o.commune.name if o.commune else ""),
            o.departement.code if o.departement else "", o.headcount, o.founded_on, o.is_jei,
            "|".join(t.name_fr for t in o.terms.all()), "|".join(t.name for t in o.tags.all()),
            o.last_verified_at, o.source,
        ]  # fmt: skip


def people_rows(queryset: QuerySet[Person]) -> Iterator[list[Any]]:
    queryset = queryset.select_related("primary_organisation")
    for p in queryset.iterator(chunk_size=2000):
        yield [
            p.pk, p.given_name, p.family_name, p.email, p.phone, p.job_title,
            p.primary_organisation.name if p.primary_organisation else "", p.street,
            p.postcode, p.city, p.country, p.orcid, p.last_contact_at, p.source,
        ]  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV lines (UTF-8 with a BOM so that spreadsheets read accents right), streamable."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def xlsx_bytes(header: list[str], rows: Iterable[list[Any]], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def vcards(queryset: QuerySet[Person]) -> Iterator[str]:
    """vCard 3.0 cards, one per person (name, organisation, title, e-mails, phone, address)."""
    queryset = queryset.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation"))
    )
    for person in queryset.iterator(chunk_size=2000):
        card = vobject.vCard()
        card.add("n").value = vobject.vcard.Name(family=person.family_name, given=person.given_name)
        card.add("fn").value = f"{person.given_name} {person.family_name}".strip()
        current = [a for a in person.affiliations.all() if a.ended_on is None]
        primary = next((a for a in current if a.is_primary), current[0] if current else None)
        if primary is not None:
            card.add("org").value = [primary.organisation.name]
        if person.job_title:
            card.add("title").value = person.job_title
        for index, email in enumerate([person.email, *person.other_emails]):
            if email:
                entry = card.add("email")
                entry.value = email
                entry.type_param = "INTERNET" if index else ["INTERNET", "PREF"]
        if person.phone:
            card.add("tel").value = person.phone
        if person.street or person.city:
            card.add("adr").value = vobject.vcard.Address(
                street=person.street,
                city=person.city,
                code=person.postcode,
                country=person.country,
            )
        card.add("uid").value = f"osmose-person-{person.pk}"
        yield card.serialize()
