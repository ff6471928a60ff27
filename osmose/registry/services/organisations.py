"""Create, edit and verify organisations; relations between them."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from osmose.core.audit import log_action
from osmose.core.geography import resolve_commune
from osmose.core.models import Term
from osmose.registry import validation
from osmose.registry.models import (
    Organisation,
    OrganisationRelation,
    RelationKind,
    Site,
    Tag,
)
from osmose.registry.services.indexing import reindex_organisations, reindex_people

EDITABLE_FIELDS = [
    "name", "acronym", "kind", "sector", "scope", "status", "description_fr", "description_en",
    "website", "siren", "siret", "rnsr", "ror", "vat_number", "naf_code", "headcount",
    "founded_on", "is_jei", "street", "postcode", "city", "public_fields",
]  # fmt: skip
CLEANERS = {
    "siren": validation.clean_siren,
    "siret": validation.clean_siret,
    "rnsr": validation.clean_rnsr,
    "ror": validation.clean_ror,
    "vat_number": validation.clean_vat_number,
    "website": validation.clean_website,
    "postcode": validation.clean_postcode,
}


def clean_organisation_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical values; raises ValidationError naming each wrong field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"{field} is not an editable organisation field")
        cleaner = CLEANERS.get(field)
        try:
            cleaned[field] = cleaner(value) if cleaner else value
        except ValidationError as error:
            errors[field] = error.messages
    if cleaned.get("siret") and not cleaned.get("siren") and "siren" not in errors:
        cleaned["siren"] = validation.siren_of_siret(cleaned["siret"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _place(organisation: Organisation | Site) -> None:
    """Derive commune, département and coordinates from the address."""
    commune = resolve_commune(postcode=organisation.postcode, city=organisation.city)
    organisation.commune = commune
    organisation.departement = commune.departement if commune else None
    if commune is not None:
        organisation.latitude, organisation.longitude = commune.latitude, commune.longitude
        organisation.city = organisation.city or commune.name


def _snapshot(organisation: Organisation, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(organisation, f)) for f in fields}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def create_organisation(
    *,
    actor: Any,
    values: Mapping[str, Any],
    terms: Iterable[Term] = (),
    tags: Iterable[str] = (),
    source: str = "manual",
    source_data: Mapping[str, Any] | None = None,
    reindex: bool = True,
) -> Organisation:
    cleaned = clean_organisation_values(values)
    organisation = Organisation(**cleaned, source=source, source_data=dict(source_data or {}))
    _place(organisation)
    organisation.stamp_sources(cleaned, source)
    organisation.full_clean(exclude=["commune", "departement"])
    organisation.save()
    if terms:
        organisation.terms.set(terms)
    if tags:
        set_tags(organisation=organisation, names=tags)
    log_action(
        "registry.organisation.created",
        actor=actor,
        target=organisation,
        data={"source": source, "values": _snapshot(organisation, cleaned)},
    )
    if reindex:
        reindex_organisations([organisation.pk])
    return organisation


@transaction.atomic
def update_organisation(
    *,
    actor: Any,
    organisation: Organisation,
    values: Mapping[str, Any],
    terms: Iterable[Term] | None = None,
    tags: Iterable[str] | None = None,
    source: str = "manual",
    reindex: bool = True,
) -> list[str]:
    """Apply ``values``; returns the names of the fields that changed (audited with before)."""
    cleaned = clean_organisation_values(values)
    changed = [f for f, v in cleaned.items() if getattr(organisation, f) != v]
    before = _snapshot(organisation, changed)
    for field in changed:
        setattr(organisation, field, cleaned[field])
    if {"postcode", "city"} & set(changed):
        _place(organisation)
    organisation.stamp_sources(changed, source)
    if terms is not None:
        new_terms = {t.pk for t in terms}
        if new_terms != set(organisation.terms.values_list("pk", flat=True)):
            organisation.terms.set(list(new_terms))
            changed.append("terms")
    if tags is not None and set_tags(organisation=organisation, names=tags):
        changed.append("tags")
    if not changed:
        return []
    organisation.full_clean(exclude=["commune", "departement"])
    organisation.save()
    log_action(
        "registry.organisation.updated",
        actor=actor,
        target=organisation,
        data={
            "source": source,
            "before": before,
            "after": _snapshot(organisation, [c for c in changed if c not in ("terms", "tags")]),
        },
    )
    if reindex:
        reindex_organisations([organisation.pk])
        # People's documents carry the organisation's name and its facets (kind, sector…).
        if {"name", "acronym", "kind", "sector", "postcode", "city"} & set(changed):
            reindex_people(organisation.affiliations.values_list("person_id", flat=True))
    return changed


def set_tags(*, organisation: Organisation, names: Iterable[str]) -> bool:
    """Set the tags (created when new); True when they changed."""
    wanted = {n.strip()[:60] for n in names if n.strip()}
    current = set(organisation.tags.values_list("name", flat=True))
    if wanted == current:
        return False
    for name in wanted - current:
        Tag.objects.get_or_create(name=name)
    organisation.tags.set(Tag.objects.filter(name__in=wanted))
    return True


@transaction.atomic
def mark_verified(*, actor: Any, organisation: Organisation) -> None:
    organisation.last_verified_at = timezone.now()
    organisation.save(update_fields=["last_verified_at", "updated_at"])
    log_action("registry.organisation.verified", actor=actor, target=organisation)


@transaction.atomic
def add_relation(
    *,
    actor: Any,
    source: Organisation,
    target: Organisation,
    kind: RelationKind,
    started_on: Any = None,
    ended_on: Any = None,
) -> OrganisationRelation:
    if source.pk == target.pk:
        raise ValidationError({"target_organisation": "An organisation cannot relate to itself."})
    relation, _created = OrganisationRelation.objects.update_or_create(
        source_organisation=source,
        target_organisation=target,
        kind=kind,
        defaults={"started_on": started_on, "ended_on": ended_on},
    )
    log_action(
        "registry.relation.saved",
        actor=actor,
        target=source,
        data={"relation": relation.pk, "kind": kind, "target": target.pk},
    )
    return relation


@transaction.atomic
def remove_relation(*, actor: Any, relation: OrganisationRelation) -> None:
    log_action(
        "registry.relation.deleted",
        actor=actor,
        target=relation.source_organisation,
        data={"kind": relation.kind, "target": relation.target_organisation_id},
    )
    relation.delete()


@transaction.atomic
def add_site(
    *,
    actor: Any,
    organisation: Organisation,
    values: Mapping[str, Any],
    source: str = "manual",
) -> Site:
    """Add an establishment (plant, lab, office) to ``organisation``; its place is derived."""
    site = Site(organisation=organisation)
    for name in ("label", "siret", "street", "postcode", "city"):
        setattr(site, name, str(values.get(name, "") or "").strip())
    if site.siret:
        site.siret = validation.clean_siret(site.siret)
    _place(site)
    site.full_clean()
    site.save()
    log_action(
        "registry.site.created",
        actor=actor,
        target=organisation,
        data={"site": site.pk, "siret": site.siret, "source": source},
    )
    return site
