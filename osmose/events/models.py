"""Events: Afterworks, congresses, trainings."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Commune, TimeStampedModel


class EventKind(models.TextChoices):
    AFTERWORK = "afterwork", _("Afterwork")
    CONGRESS = "congress", _("Congress")
    TRAINING = "training", _("Training")
    WEBINAR = "webinar", _("Webinar")
    SITE_VISIT = "site_visit", _("Site visit")
    BROKERAGE = "brokerage", _("Brokerage event")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    REGISTRATION_CLOSED = "closed", _("Registration closed")
    CANCELLED = "cancelled", _("Cancelled")
    ARCHIVED = "archived", _("Archived")


class Event(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        english = (get_language() or "").startswith("en")
        return (self.title_en if english else "") or self.title_fr
