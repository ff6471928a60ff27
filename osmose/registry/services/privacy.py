"""GDPR: a person's data exported on request, erased on request, re-consent after 3 years."""

from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from osmose.core.audit import log_action
from osmose.core.models import AuditLogEntry
from osmose.registry.models import DuplicateKind, Person
from osmose.registry.services.indexing import unindex

# The CNIL's recommendation for prospects: 3 years after the last contact from the person.
PROSPECT_RETENTION = timedelta(days=3 * 365)


def export_person_data(*, person: Person, actor: Any) -> dict[str, Any]:
    """Everything about a person, as JSON-ready data (an access request, GDPR article 15)."""
    data = {
        "person": {
            "id": person.pk,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "other_emails": person.other_emails,
            "phone": person.phone,
            "other_phones": person.other_phones,
            "job_title": person.job_title,
            "languages": person.languages,
            "orcid": person.orcid,
            "linkedin_url": person.linkedin_url,
            "address": {
                "street": person.street,
                "postcode": person.postcode,
                "city": person.city,
                "country": person.country,
            },
            "expertise": [t.name_fr for t in person.expertise.all()],
            "public_fields": person.public_fields,
            "source": person.source,
            "field_sources": person.field_sources,
            "source_data": person.source_data,
            "last_contact_at": person.last_contact_at.isoformat()
            if person.last_contact_at
            else None,
            "created_at": person.created_at.isoformat(),
            "updated_at": person.updated_at.isoformat(),
        },
        "affiliations": [
            {
                "organisation": a.organisation.name,
                "role": a.role,
                "primary": a.is_primary,
                "started_on": a.started_on.isoformat() if a.started_on else None,
                "ended_on": a.ended_on.isoformat() if a.ended_on else None,
            }
            for a in person.affiliations.select_related("organisation")
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "legal_basis": c.legal_basis,
                "channel": c.channel,
                "given_at": c.given_at.isoformat(),
                "source": c.source,
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in person.consents.all()
        ],
        "external_ids": [{"source": e.source, "value": e.value} for e in person.external_ids.all()],
        "history": [
            {"at": e.created_at.isoformat(), "action": e.action}
            for e in AuditLogEntry.objects.filter(
                target_type=ContentType.objects.get_for_model(Person), target_id=str(person.pk)
            )
        ],
    }
    log_action("registry.person.exported", actor=actor, target=person)
    return data


@transaction.atomic
def erase_person(*, person: Person, actor: Any, reason: str = "") -> None:
    """Anonymise the person (GDPR article 17) while counts stay true.

    The row stays, so registrations, attendance and affiliations still count; every
    personal field is blanked, identifiers, consents and the search entry go, and earlier
    audit entries about the person lose their personal data.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.erased_at:
        return
    for name in (
        "given_name",
        "family_name",
        "email",
        "phone",
        "job_title",
        "orcid",
        "linkedin_url",
        "street",
        "postcode",
        "city",
    ):
        setattr(person, name, "")
    person.other_emails, person.other_phones, person.languages = [], [], []
    person.source_data, person.field_sources, person.public_fields = {}, {}, []
    person.erased_at = timezone.now()
    if person.user_id:
        person.user.is_active = False  # type: ignore[union-attr]
        person.user.save(update_fields=["is_active"])  # type: ignore[union-attr]
        person.user = None
    person.save()
    person.expertise.clear()
    person.external_ids.all().delete()
    person.consents.all().delete()
    unindex(DuplicateKind.PERSON, [person.pk])
    AuditLogEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Person), target_id=str(person.pk)
    ).update(target_repr="", data={})
    log_action("registry.person.erased", actor=actor, target=person, data={"reason": reason})


def people_to_reconsent(*, now: Any = None) -> QuerySet[Person]:
    """People with no contact from them for 3 years: ask again, or erase."""
    limit = (now or timezone.now()) - PROSPECT_RETENTION
    return Person.objects.filter(erased_at=None, merged_into=None).filter(
        Q(last_contact_at__lt=limit) | Q(last_contact_at__isnull=True, created_at__lt=limit)
    )
