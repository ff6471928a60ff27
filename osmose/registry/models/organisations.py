"""Organisations: identity, identifiers, sites, relations between them."""

from collections.abc import Iterable

from django.db import models
from django.utils import timezone
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


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProvenanceMixin(models.Model):
    """Where a record and each of its fields came from.

    ``source`` names the origin of the record ("manual", "import:<source>", "sirene",
    "event registration"…); ``field_sources`` maps a field name to
    ``{"source": …, "at": ISO datetime}`` for every field an import or a registry filled;
    ``source_data`` keeps the columns of imported rows that have no field, so nothing is lost.
    """

    source = models.CharField(_("source"), max_length=100, default="manual")
    field_sources = models.JSONField(_("field sources"), default=dict, blank=True)
    source_data = models.JSONField(_("other source data"), default=dict, blank=True)
    public_fields = models.JSONField(
        _("fields that may be published"),
        default=list,
        blank=True,
        help_text=_("Publication consent: the fields the public directory may show."),
    )

    class Meta:
        abstract = True

    def stamp_sources(self, fields: Iterable[str], source: str) -> None:
        """Record where these fields' values come from.

        A manual edit replaces an earlier source's stamp (the value is no longer the
        source's) without stamping fields that never had one.
        """
        now = timezone.now().isoformat()
        for field in fields:
            if source != "manual" or field in self.field_sources:
                self.field_sources[field] = {"source": source, "at": now}


class AddressMixin(models.Model):
    """A French address; commune, département and coordinates are derived from it."""

    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=150, blank=True)
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
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        abstract = True


class Organisation(ProvenanceMixin, AddressMixin, TimeStampedModel):
    """An organisation; its address is its head office's (other establishments are Sites)."""

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
    siret = models.CharField(_("SIRET (head office)"), max_length=14, blank=True, db_index=True)
    rnsr = models.CharField(_("RNSR"), max_length=10, blank=True, db_index=True)
    ror = models.CharField(_("ROR"), max_length=9, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    naf_code = models.CharField(_("NAF code"), max_length=6, blank=True)
    headcount = models.CharField(
        _("headcount"), max_length=10, choices=Headcount.choices, blank=True
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    is_jei = models.BooleanField(_("JEI status"), default=False)
    terms = models.ManyToManyField(
        Term, verbose_name=_("taxonomy terms"), blank=True, related_name="organisations"
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="organisations"
    )
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "sector"]),
            models.Index(fields=["departement", "kind"]),
            models.Index(fields=["scope", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def description(self) -> str:
        english = (get_language() or "").startswith("en")
        return (self.description_en if english else "") or self.description_fr


class Site(AddressMixin, TimeStampedModel):
    """An establishment of an organisation other than its head office (a plant, a lab)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    label = models.CharField(_("label"), max_length=150, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)

    class Meta:
        verbose_name = _("site")

    def __str__(self) -> str:
        return self.label or self.city or str(self.organisation)


class RelationKind(models.TextChoices):
    SUBSIDIARY_OF = "subsidiary_of", _("subsidiary of")
    SPIN_OFF_OF = "spin_off_of", _("spin-off of")
    RESEARCH_UNIT_OF = "research_unit_of", _("research unit of (tutelle)")
    MEMBER_OF = "member_of", _("member of")
    INVESTED_IN = "invested_in", _("invested in")
    PARTNER_OF = "partner_of", _("partner of")


class OrganisationRelation(TimeStampedModel):
    """A typed, dated relation: ``source`` is <kind> ``target`` (a lab is research unit of…)."""

    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="relations_out"
    )
    target_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="relations_in"
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    ended_on = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("relation between organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["source_organisation", "target_organisation", "kind"],
                name="relation_unique_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_organisation=models.F("target_organisation")),
                name="relation_not_to_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_organisation} {self.get_kind_display()} {self.target_organisation}"


class OrganisationExternalId(models.Model):
    """The id a source (an import file, SIRENE, RNSR…) gives an organisation: upsert key."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="external_ids"
    )
    source = models.CharField(max_length=100)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "value"], name="org_external_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.value}"
