"""Create and edit people, their affiliations, consents and contacts."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from osmose.core.audit import log_action
from osmose.core.models import Term
from osmose.registry import validation
from osmose.registry.directory import data_changed
from osmose.registry.models import (
    Affiliation,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    LegalBasis,
    Organisation,
    Person,
)
from osmose.registry.services.indexing import reindex_people

EDITABLE_FIELDS = [
    "given_name", "family_name", "email", "other_emails", "phone", "other_phones", "job_title",
    "languages", "orcid", "linkedin_url", "street", "postcode", "city", "country",
    "public_fields",
]  # fmt: skip
CLEANERS = {
    "email": validation.clean_email,
    "phone": validation.clean_phone,
    "orcid": validation.clean_orcid,
    "linkedin_url": validation.clean_website,
    "postcode": validation.clean_postcode,
}


def clean_person_values(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"{field} is not an editable person field")
        cleaner = CLEANERS.get(field)
        try:
            if field in ("other_emails", "other_phones"):
                single = (
                    validation.clean_email if field == "other_emails" else validation.clean_phone
                )
                cleaned[field] = [v for v in (single(x) for x in value or []) if v]
            else:
                cleaned[field] = cleaner(value) if cleaner else value
        except ValidationError as error:
            errors[field] = error.messages
    for name in ("given_name", "family_name"):
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name]).split())
    if ("given_name" in cleaned or "family_name" in cleaned) and not (
        cleaned.get("given_name") or cleaned.get("family_name")
    ):
        errors["family_name"] = [_("A given name or a family name is required.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@transaction.atomic
def create_person(
    *,
    actor: Any,
    values: Mapping[str, Any],
    expertise: Iterable[Term] = (),
    source: str = "manual",
    source_data: Mapping[str, Any] | None = None,
    reindex: bool = True,
) -> Person:
    cleaned = clean_person_values(values)
    person = Person(**cleaned, source=source, source_data=dict(source_data or {}))
    person.stamp_sources(cleaned, source)
    person.full_clean(exclude=["user", "primary_organisation"])
    person.save()
    if expertise:
        person.expertise.set(expertise)
    log_action("registry.person.created", actor=actor, target=person, data={"source": source})
    if reindex:
        reindex_people([person.pk])
    return person


@transaction.atomic
def update_person(
    *,
    actor: Any,
    person: Person,
    values: Mapping[str, Any],
    expertise: Iterable[Term] | None = None,
    source: str = "manual",
    reindex: bool = True,
) -> list[str]:
    if person.erased_at:
        raise ValidationError("An erased person cannot be edited.")
    cleaned = clean_person_values(values)
    changed = [f for f, v in cleaned.items() if getattr(person, f) != v]
    before = {f: _jsonable(getattr(person, f)) for f in changed}
    for field in changed:
        setattr(person, field, cleaned[field])
    person.stamp_sources(changed, source)
    if expertise is not None:
        wanted = {t.pk for t in expertise}
        if wanted != set(person.expertise.values_list("pk", flat=True)):
            person.expertise.set(list(wanted))
            changed.append("expertise")
    if not changed:
        return []
    person.full_clean(exclude=["user", "primary_organisation"])
    person.save()
    log_action(
        "registry.person.updated",
        actor=actor,
        target=person,
        data={
            "source": source,
            "before": before,
            "after": {f: _jsonable(getattr(person, f)) for f in before},
        },
    )
    if reindex:
        reindex_people([person.pk])
    return changed


def _sync_primary(person: Person) -> None:
    primary = (
        person.affiliations.filter(is_primary=True)
        .values_list("organisation_id", flat=True)
        .first()
    )
    if person.primary_organisation_id != primary:
        person.primary_organisation_id = primary
        person.save(update_fields=["primary_organisation", "updated_at"])


@transaction.atomic
def add_affiliation(
    *,
    actor: Any,
    person: Person,
    organisation: Organisation,
    role: str = "",
    started_on: date | None = None,
    primary: bool | None = None,
    reindex: bool = True,
) -> Affiliation:
    """Affiliate ``person``; the first current affiliation becomes primary unless told."""
    current = Affiliation.objects.select_for_update().filter(person=person, ended_on=None)
    existing = current.filter(organisation=organisation).first()
    if existing is not None:
        if role and existing.role != role:
            existing.role = role
            existing.save(update_fields=["role", "updated_at"])
        affiliation = existing
    else:
        if primary is None:
            primary = not current.filter(is_primary=True).exists()
        if primary:
            current.filter(is_primary=True).update(is_primary=False)
        affiliation = Affiliation.objects.create(
            person=person,
            organisation=organisation,
            role=role,
            started_on=started_on,
            is_primary=bool(primary),
        )
        log_action(
            "registry.affiliation.created",
            actor=actor,
            target=person,
            data={"organisation": organisation.pk, "role": role},
        )
    _sync_primary(person)
    if reindex:
        reindex_people([person.pk])
    return affiliation


@transaction.atomic
def end_affiliation(*, actor: Any, affiliation: Affiliation, ended_on: date | None = None) -> None:
    affiliation.ended_on = ended_on or timezone.localdate()
    was_primary = affiliation.is_primary
    affiliation.is_primary = False
    affiliation.save(update_fields=["ended_on", "is_primary", "updated_at"])
    if was_primary:
        successor = (
            affiliation.person.affiliations.filter(ended_on=None)
            .order_by("-started_on", "-pk")
            .first()
        )
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])
    _sync_primary(affiliation.person)
    reindex_people([affiliation.person_id])
    log_action(
        "registry.affiliation.ended",
        actor=actor,
        target=affiliation.person,
        data={"organisation": affiliation.organisation_id},
    )


@transaction.atomic
def record_consent(
    *,
    actor: Any,
    person: Person,
    purpose: ConsentPurpose,
    legal_basis: LegalBasis,
    channel: ConsentChannel,
    source: str = "",
    given_at: datetime | None = None,
) -> ConsentRecord:
    record = ConsentRecord.objects.create(
        person=person,
        purpose=purpose,
        legal_basis=legal_basis,
        channel=channel,
        source=source,
        given_at=given_at or timezone.now(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(
        "registry.consent.recorded",
        actor=actor,
        target=person,
        data={"purpose": purpose, "legal_basis": legal_basis, "channel": channel},
    )
    return record


@transaction.atomic
def withdraw_consent(*, actor: Any, consent: ConsentRecord) -> None:
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        log_action(
            "registry.consent.withdrawn",
            actor=actor,
            target=consent.person,
            data={"purpose": consent.purpose},
        )


def record_contact(*, person: Person, at: datetime | None = None) -> None:
    """A contact that came from the person (a registration, a reply): restarts the 3-year clock."""
    at = at or timezone.now()
    Person.objects.filter(pk=person.pk).exclude(last_contact_at__gt=at).update(last_contact_at=at)
    data_changed()  # the "last contact" facet counts it
