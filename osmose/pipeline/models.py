"""Ventures: startup and technology-transfer projects from the lab to a company and its money.

A venture moves through ``Stage`` along ``STAGE_TRANSITIONS`` (``services.move_to_stage``
refuses the others and checks each stage's evidence: a created company is a registry
organisation with its SIREN and creation date — what counts as "startup created"). Every
move is kept in ``StageChange`` with its date, so the funnel can be drawn for any period.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from osmose.core.models import Term, TimeStampedModel
from osmose.registry.models import Organisation, Person


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    MATURATION = "maturation", _("Maturation")
    PRE_INCUBATION = "pre_incubation", _("Pre-incubation")
    INCUBATION = "incubation", _("Incubation")
    COMPANY_CREATED = "company_created", _("Company created")
    FIRST_FUNDING = "first_funding", _("First funding")
    GROWTH = "growth", _("Growth")
    LICENSED = "licensed", _("Licensed to a company")
    STOPPED = "stopped", _("Stopped")


# The pipeline in order (the kanban's columns, the funnel's steps); then the two other ends.
PIPELINE = [
    Stage.IDEA, Stage.MATURATION, Stage.PRE_INCUBATION, Stage.INCUBATION,
    Stage.COMPANY_CREATED, Stage.FIRST_FUNDING, Stage.GROWTH,
]  # fmt: skip
ENDS = [Stage.LICENSED, Stage.STOPPED]
CREATED_STAGES = {Stage.COMPANY_CREATED, Stage.FIRST_FUNDING, Stage.GROWTH}
STAGE_TRANSITIONS: dict[str, set[str]] = {
    Stage.IDEA: {Stage.MATURATION, Stage.PRE_INCUBATION, Stage.STOPPED},
    Stage.MATURATION: {
        Stage.PRE_INCUBATION, Stage.INCUBATION, Stage.COMPANY_CREATED, Stage.LICENSED,
        Stage.STOPPED,
    },
    Stage.PRE_INCUBATION: {
        Stage.MATURATION, Stage.INCUBATION, Stage.COMPANY_CREATED, Stage.LICENSED, Stage.STOPPED,
    },
    Stage.INCUBATION: {Stage.COMPANY_CREATED, Stage.LICENSED, Stage.STOPPED},
    Stage.COMPANY_CREATED: {Stage.FIRST_FUNDING, Stage.GROWTH, Stage.STOPPED},
    Stage.FIRST_FUNDING: {Stage.GROWTH, Stage.STOPPED},
    Stage.GROWTH: {Stage.STOPPED},
    Stage.LICENSED: {Stage.STOPPED},
    Stage.STOPPED: {Stage.IDEA, Stage.MATURATION},  # a project can be taken up again
}  # fmt: skip


class Venture(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    technology = models.TextField(_("technology"), blank=True)
    terms = models.ManyToManyField(
        Term, verbose_name=_("taxonomy terms"), blank=True, related_name="ventures"
    )
    origin = models.ForeignKey(
        Organisation,
        verbose_name=_("origin (research unit or organisation)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ventures_originated",
    )
    tech_transfer_office = models.ForeignKey(
        Organisation,
        verbose_name=_("tech-transfer office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ventures_transferred",
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA, db_index=True
    )
    stage_since = models.DateField(_("in this stage since"), null=True, blank=True)
    stopped_reason = models.CharField(_("why it stopped"), max_length=300, blank=True)
    trl = models.PositiveSmallIntegerField(
        _("TRL"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("Technology readiness level, 1 to 9 (the latest recorded)."),
    )
    company = models.ForeignKey(
        Organisation,
        verbose_name=_("company it became"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ventures",
    )
    licensee = models.ForeignKey(
        Organisation,
        verbose_name=_("licensed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ventures_licensed",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("venture")
        verbose_name_plural = _("ventures")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_created(self) -> bool:
        """A startup created: its company exists in the registry (the evidence)."""
        return self.stage in CREATED_STAGES and self.company_id is not None


class StageChange(models.Model):
    """One move of a venture, dated (``on``: when it happened, not when it was typed)."""

    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["to_stage", "on"])]

    def __str__(self) -> str:
        return f"{self.venture} → {self.to_stage} ({self.on})"


class TrlRecord(models.Model):
    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="trl_records")
    level = models.PositiveSmallIntegerField(
        _("TRL"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=9), name="trl_between_1_and_9"
            )
        ]

    def __str__(self) -> str:
        return f"TRL {self.level} ({self.on})"


class TeamRole(models.TextChoices):
    FOUNDER = "founder", _("Founder")
    RESEARCHER = "researcher", _("Researcher")
    CEO = "ceo", _("CEO")
    CTO = "cto", _("CTO")
    EMPLOYEE = "employee", _("Team member")
    MENTOR = "mentor", _("Mentor")


class TeamMember(models.Model):
    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="team")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ventures")
    role = models.CharField(_("role"), max_length=12, choices=TeamRole.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["venture", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["venture", "person", "role"], name="one_team_role_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class IpKind(models.TextChoices):
    PATENT_APPLICATION = "patent_application", _("Patent application")
    PATENT = "patent", _("Granted patent")
    LICENCE = "licence", _("Licence")
    SOFTWARE = "software", _("Software")
    KNOW_HOW = "know_how", _("Know-how")


class IpAsset(models.Model):
    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="ip_assets")
    kind = models.CharField(_("kind"), max_length=20, choices=IpKind.choices)
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    on = models.DateField(_("date"), null=True, blank=True)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    licensee = models.ForeignKey(
        Organisation,
        verbose_name=_("licensee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("intellectual property")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return self.title


class SupportKind(models.TextChoices):
    COACHING = "coaching", _("Coaching")
    INCUBATOR = "incubator", _("Incubator entry")
    TRAINING = "training", _("Training")
    INTRODUCTION = "introduction", _("Expert introduction")
    PRIZE = "prize", _("Prize")
    GRANT_APPLICATION = "grant_application", _("Grant application")


class GrantScheme(models.TextChoices):
    BPIFRANCE = "bpifrance", _("Bpifrance")
    REGIONAL = "regional", _("Regional")
    EUROPEAN = "european", _("European")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("outcome", "Pending")
    WON = "won", _("Won")
    LOST = "lost", _("Not obtained")
    DONE = "done", _("Done")


class SupportAction(models.Model):
    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="support")
    kind = models.CharField(_("kind"), max_length=20, choices=SupportKind.choices)
    title = models.CharField(_("title"), max_length=200)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scheme = models.CharField(_("scheme"), max_length=10, choices=GrantScheme.choices, blank=True)
    amount_requested = models.DecimalField(
        _("amount requested (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_obtained = models.DecimalField(
        _("amount obtained (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.DONE
    )

    class Meta:
        verbose_name = _("support action")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return self.title


class Instrument(models.TextChoices):
    GRANT = "grant", _("Grant")
    LOAN = "loan", _("Loan")
    EQUITY = "equity", _("Equity")
    CONVERTIBLE = "convertible", _("Convertible")


class FundingRound(models.Model):
    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="rounds")
    on = models.DateField(_("date"))
    instrument = models.CharField(_("instrument"), max_length=12, choices=Instrument.choices)
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
    investors = models.ManyToManyField(
        Organisation, verbose_name=_("investors"), blank=True, related_name="rounds_invested"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("funding round")
        ordering = ["on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="round_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.venture} {self.on} {self.amount} €"


class DealStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    UNDER_REVIEW = "under_review", _("Under review")
    COMMITTEE = "committee", _("Investment committee")
    INVESTED = "invested", _("Invested")
    DECLINED = "declined", _("Declined")


DEAL_TRANSITIONS: dict[str, set[str]] = {
    DealStatus.PROPOSED: {DealStatus.UNDER_REVIEW, DealStatus.DECLINED},
    DealStatus.UNDER_REVIEW: {DealStatus.COMMITTEE, DealStatus.DECLINED},
    DealStatus.COMMITTEE: {DealStatus.INVESTED, DealStatus.DECLINED},
    DealStatus.INVESTED: set(),
    DealStatus.DECLINED: {DealStatus.PROPOSED},
}


class Deal(TimeStampedModel):
    """A venture in a seed fund's deal flow; an investment is a deal that reached "invested"
    (with its funding round); a follow-on is a later deal of the same fund and venture."""

    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="deals")
    fund = models.ForeignKey(
        Organisation, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="deals"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DealStatus.choices, default=DealStatus.PROPOSED
    )
    proposed_on = models.DateField(_("proposed on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    follow_on_of = models.ForeignKey(
        "self",
        verbose_name=_("follow-on of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ons",
    )
    funding_round = models.OneToOneField(
        FundingRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="deal"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("seed-fund deal")
        ordering = ["-proposed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.fund} — {self.venture}"


class Milestone(models.Model):
    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"), db_index=True)
    done_on = models.DateField(pgettext_lazy("milestone", "done"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title
