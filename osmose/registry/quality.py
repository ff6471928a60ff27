"""The data-quality panel: what is missing, what is stale, what may be a duplicate."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from osmose.registry.models import Organisation, OrganisationKind, Person
from osmose.registry.services.duplicates import (
    Candidate,
    organisation_duplicates,
    person_duplicates,
)
from osmose.registry.services.indexing import organisation_record, person_record

STALE_AFTER = timedelta(days=365)
COMPANY_KINDS = {OrganisationKind.COMPANY, OrganisationKind.STARTUP}


@dataclass
class Quality:
    missing: list[str] = field(default_factory=list)
    stale: bool = False
    duplicates: list[Candidate] = field(default_factory=list)

    @property
    def score(self) -> int:
        """0–100: 100 when nothing is missing, nothing stale and no duplicate."""
        penalty = 10 * len(self.missing) + (20 if self.stale else 0) + 20 * bool(self.duplicates)
        return max(0, 100 - penalty)


def organisation_quality(organisation: Organisation) -> Quality:
    missing = []
    if organisation.kind in COMPANY_KINDS and not organisation.siren:
        missing.append(str(_("SIREN")))
    if organisation.kind == OrganisationKind.ACADEMIC_LAB and not organisation.rnsr:
        missing.append(str(_("RNSR")))
    if not organisation.website:
        missing.append(str(_("website")))
    if not organisation.description_fr:
        missing.append(str(_("description")))
    if not organisation.commune_id:
        missing.append(str(_("address (commune)")))
    if not organisation.terms.exists():
        missing.append(str(_("taxonomy terms")))
    verified = organisation.last_verified_at
    return Quality(
        missing=missing,
        stale=verified is None or timezone.now() - verified > STALE_AFTER,
        duplicates=organisation_duplicates(organisation_record(organisation)),
    )


def person_quality(person: Person) -> Quality:
    missing = []
    if not person.email:
        missing.append(str(_("e-mail")))
    if not person.primary_organisation_id:
        missing.append(str(_("organisation")))
    if not person.job_title:
        missing.append(str(_("job title")))
    if not person.consents.exists():
        missing.append(str(_("legal basis (consent record)")))
    verified = person.last_verified_at
    return Quality(
        missing=missing,
        stale=verified is None or timezone.now() - verified > STALE_AFTER,
        duplicates=person_duplicates(person_record(person)),
    )
