"""The network: the animator's tasks, interactions, introductions, collaborations and their
origin, and the "did it lead somewhere?" follow-ups of meetings and introductions."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    interaction = models.ForeignKey(
        "Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )

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
        "matchmaking.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    introduction = models.ForeignKey(
        "Introduction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_ups")
    collaboration = models.ForeignKey(
        "Collaboration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text=_("The collaboration this answer reported."),
    )
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
                fields=["meeting", "person", "round_days"],
                condition=Q(meeting__isnull=False),
                name="one_follow_up_per_round",
            ),
            models.UniqueConstraint(
                fields=["introduction", "person", "round_days"],
                condition=Q(introduction__isnull=False),
                name="one_introduction_follow_up_per_round",
            ),
            models.CheckConstraint(
                condition=Q(meeting__isnull=True) ^ Q(introduction__isnull=True),
                name="follow_up_of_a_meeting_or_an_introduction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} +{self.round_days} d"

    @property
    def event(self) -> Any:
        """The event where the people met (None for an introduction made elsewhere)."""
        if self.meeting is not None:
            return self.meeting.brokerage.event
        return self.introduction.event if self.introduction is not None else None


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    EVENT = "event", _("Conversation at an event")


class Interaction(TimeStampedModel):
    """A contact the animator had with people and organisations, logged in a few keystrokes."""

    kind = models.CharField(_("kind"), max_length=8, choices=InteractionKind.choices)
    on = models.DateField(_("date"), db_index=True)
    summary = models.TextField(_("summary"), max_length=4000)
    people = models.ManyToManyField(
        Person, verbose_name=_("people"), blank=True, related_name="interactions"
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), blank=True, related_name="interactions"
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "matchmaking.Meeting",
        verbose_name=_("B2B meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("interaction")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class Introduction(TimeStampedModel):
    """The animator introduces A to B: why, at which event; followed up at +30 and +90 days."""

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    why = models.TextField(_("why"), max_length=2000)
    on = models.DateField(_("date"), db_index=True)
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("at the event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introductions",
    )
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("introduction")
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person_a=models.F("person_b")), name="introduction_of_two_people"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_a} ↔ {self.person_b}"


class CollaborationKind(models.TextChoices):
    RD = "rd", _("R&D collaboration")
    SERVICE = "service", _("Service contract")
    NDA = "nda", _("Non-disclosure agreement")
    LICENCE = "licence", _("Licence")
    GRANT = "grant", _("Joint grant application")
    STARTUP = "startup", _("Startup creation")


class CollaborationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported, to be confirmed")
    DISCUSSION = "discussion", _("In discussion")
    ACTIVE = "active", _("Signed, under way")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")


COLLABORATION_TRANSITIONS: dict[str, set[str]] = {
    CollaborationStatus.REPORTED: {
        CollaborationStatus.DISCUSSION, CollaborationStatus.ACTIVE, CollaborationStatus.ABANDONED,
    },
    CollaborationStatus.DISCUSSION: {CollaborationStatus.ACTIVE, CollaborationStatus.ABANDONED},
    CollaborationStatus.ACTIVE: {CollaborationStatus.COMPLETED, CollaborationStatus.ABANDONED},
    CollaborationStatus.COMPLETED: set(),
    CollaborationStatus.ABANDONED: {CollaborationStatus.DISCUSSION},
}  # fmt: skip
# What counts as "a collaboration born from the network" in the figures.
COUNTED_STATUSES = (CollaborationStatus.ACTIVE, CollaborationStatus.COMPLETED)


class Collaboration(TimeStampedModel):
    """A project between organisations, and its origin: the event, B2B meeting or
    introduction that seeded it (at most one), so a report can say which action produced it."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=CollaborationKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CollaborationStatus.choices,
        default=CollaborationStatus.DISCUSSION,
    )
    amount = models.DecimalField(
        _("amount (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    started_on = models.DateField(_("start"), null=True, blank=True)
    ended_on = models.DateField(_("end"), null=True, blank=True)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), related_name="collaborations"
    )
    people = models.ManyToManyField(
        Person, verbose_name=_("people"), blank=True, related_name="collaborations"
    )
    origin_event = models.ForeignKey(
        "events.Event",
        verbose_name=_("born at the event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    origin_meeting = models.ForeignKey(
        "matchmaking.Meeting",
        verbose_name=_("born at the B2B meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    origin_introduction = models.ForeignKey(
        Introduction,
        verbose_name=_("born from the introduction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    venture = models.ForeignKey(
        "pipeline.Venture",
        verbose_name=_("venture"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("collaboration")
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def origin_label(self) -> str:
        if self.origin_meeting_id:
            return str(_("B2B meeting"))
        if self.origin_introduction_id:
            return str(_("Introduction"))
        if self.origin_event_id:
            return str(_("Event"))
        return ""
