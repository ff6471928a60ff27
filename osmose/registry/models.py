"""Organisations, people and their affiliations: the regional database and national pool."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Commune, Departement, Term, TimeStampedModel


class OrganisationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    STARTUP = "startup", _("Startup")
    ACADEMIC_LAB = "academic_lab", _("Academic lab")
    PLATFORM = "platform", _("Technology platform")
    HOSPITAL = "hospital", _("Hospital")
    INVESTOR = "investor", _("Investor")
    INCUBATOR = "incubator", _("Incubator / accelerator")
    TECH_TRANSFER = "tech_transfer", _("Tech-transfer office")
    PUBLIC_BODY = "public_body", _("Public body")
    CLUSTER = "cluster", _("Cluster / association")
    TRAINING = "training", _("Training provider")


class Sector(models.TextChoices):
    """Drives every private/public indicator."""

    PRIVATE = "private", _("Private")
    PUBLIC = "public", _("Public")
    NON_PROFIT = "non_profit", _("Non-profit")


class Scope(models.TextChoices):
    REGIONAL = "regional", _("Regional")
    NATIONAL = "national", _("National pool")
    INTERNATIONAL = "international", _("International")


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")


class Headcount(models.TextChoices):
    MICRO = "1-9", _("1–9")
    SMALL = "10-49", _("10–49")
    MEDIUM = "50-249", _("50–249")
    LARGE = "250-999", _("250–999")
    HUGE = "1000+", _("1,000 and more")


class Organisation(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    sector = models.CharField(_("sector"), max_length=12, choices=Sector.choices)
    scope = models.CharField(
        _("scope"), max_length=15, choices=Scope.choices, default=Scope.REGIONAL
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.ACTIVE,
    )
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, db_index=True)
    headcount = models.CharField(
        _("headcount"), max_length=10, choices=Headcount.choices, blank=True
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    is_jei = models.BooleanField(_("JEI status"), default=False)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    terms = models.ManyToManyField(
        Term, verbose_name=_("taxonomy terms"), blank=True, related_name="organisations"
    )
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "sector"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def description(self) -> str:
        english = (get_language() or "").startswith("en")
        return (self.description_en if english else "") or self.description_fr


class Person(TimeStampedModel):
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
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

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Affiliation(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(_("role"), max_length=150, blank=True)
    started_on = models.DateField(_("since"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
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
