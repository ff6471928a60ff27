"""People, their affiliations to organisations and their consent records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Term, TimeStampedModel
from osmose.registry.models.organisations import Organisation, ProvenanceMixin


class Person(ProvenanceMixin, TimeStampedModel):
    # One of the two names may be unknown (an import, a badge with a first name only).
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    other_emails = models.JSONField(_("other e-mails"), default=list, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    other_phones = models.JSONField(_("other phones"), default=list, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    orcid = models.CharField(_("ORCID"), max_length=19, blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=150, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR", blank=True)
    expertise = models.ManyToManyField(
        Term, verbose_name=_("expertise"), blank=True, related_name="experts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    organisations = models.ManyToManyField(
        Organisation, through="Affiliation", related_name="people"
    )
    # Kept equal to the organisation of the primary affiliation by the affiliation services:
    # the directory's facets on people (kind, sector, département) read it without a join.
    primary_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_people",
    )
    # The CNIL 3-year clock for prospects runs from the last contact that came from the person.
    last_contact_at = models.DateTimeField(
        _("last contact from the person"), null=True, blank=True, db_index=True
    )
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        if self.erased_at:
            return str(_("Erased person"))
        return f"{self.given_name} {self.family_name}".strip()


class Affiliation(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(_("role"), max_length=150, blank=True)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("affiliation")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_primary=True),
                name="affiliation_one_primary_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.organisation}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class PersonExternalId(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(max_length=100)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "value"], name="person_external_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.value}"


class LegalBasis(models.TextChoices):
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
    CONSENT = "consent", _("Consent")


class ConsentPurpose(models.TextChoices):
    NETWORK = "network", _("Network communications (events, news)")
    PUBLICATION = "publication", _("Publication in the public directory")
    NEWSLETTER = "newsletter", _("Newsletter")


class ConsentChannel(models.TextChoices):
    FORM = "form", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    IMPORT = "import", _("Import")


class ConsentRecord(models.Model):
    """One consent (or legitimate-interest basis) for a purpose; withdrawal closes it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    given_at = models.DateTimeField(_("given"))
    source = models.CharField(_("source"), max_length=150, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent record")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.person} {self.purpose} {self.legal_basis}"
