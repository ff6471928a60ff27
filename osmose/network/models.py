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
