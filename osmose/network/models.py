"""The animator's follow-up tasks (interactions, introductions and collaborations come later)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from osmose.core.models import TimeStampedModel
from osmose.registry.models import Organisation, Person


class Task(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["done_at", "due_on"]

    def __str__(self) -> str:
        return self.title


class FollowUpAnswer(models.TextChoices):
    COLLABORATION = "collaboration", _("Yes, we are working together")
    DISCUSSION = "discussion", _("We are still talking")
    NOTHING = "nothing", _("No, nothing came of it")


class FollowUp(TimeStampedModel):
    """ "Did it lead somewhere?", asked of one person some days after a B2B meeting.

    Asked at +30 days, and again at +90 unless the first answer settled it. The e-mail's
    links carry a signed token per answer (``network.followups``): no login, expiring, and a
    follow-up takes one answer only.
    """

    meeting = models.ForeignKey(
        "matchmaking.Meeting", on_delete=models.CASCADE, related_name="follow_ups"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_ups")
    round_days = models.PositiveSmallIntegerField(_("days after"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answer = models.CharField(
        _("answer"), max_length=14, choices=FollowUpAnswer.choices, blank=True
    )
    note = models.TextField(_("comment"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person", "round_days"], name="one_follow_up_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} +{self.round_days} d"
