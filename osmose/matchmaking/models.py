"""B2B meetings of an event: the brokerage settings, participants' offers and requests,
meeting requests, meetings and the scheduler's runs.

A participant is a confirmed registration of the event that joined its B2B meetings. Slots
are numbered from 1 across the meeting sessions in time order, as in the ``osmose-b2b/1``
format (``Brokerage.slots``); a
meeting's ``slot`` and ``table`` (1-based) are what the scheduler decided, or what the
organiser fixed. Decisions about meetings are taken in ``services`` with the brokerage row
locked, never by a check-then-insert.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from osmose.core.models import Term, TimeStampedModel
from osmose.registry.models import Person


class Mode(models.TextChoices):
    REQUESTS = "requests", _("Participants request meetings, the other side accepts")
    ORGANISER = "organiser", _("The organiser makes the meetings")


@dataclass(frozen=True)
class Slot:
    number: int
    session: "MeetingSession"
    starts_at: datetime
    ends_at: datetime


class Brokerage(TimeStampedModel):
    """The B2B meetings of one event and their rules."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="brokerage")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REQUESTS)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=20)
    table_count = models.PositiveSmallIntegerField(_("number of tables"), default=20)
    table_names = models.JSONField(
        _("table names"),
        default=list,
        blank=True,
        help_text=_("One name per table, in order; tables without a name are numbered."),
    )
    max_meetings = models.PositiveSmallIntegerField(
        _("maximum meetings per participant"), default=8
    )
    requests_close_at = models.DateTimeField(_("meeting requests close"), null=True, blank=True)
    schedule_deadline = models.DateTimeField(_("schedule published by"), null=True, blank=True)
    fairness = models.PositiveSmallIntegerField(
        _("fairness bound"),
        null=True,
        blank=True,
        default=2,
        help_text=_(
            "No participant has more than this many breaks more than another. "
            "Leave empty for no bound."
        ),
    )
    schedule_published = models.BooleanField(_("schedule published"), default=False)

    class Meta:
        verbose_name = _("B2B meetings")
        verbose_name_plural = _("B2B meetings")

    def __str__(self) -> str:
        return str(self.event)

    def table_name(self, table: int | None) -> str:
        if table is None:
            return ""
        names = self.table_names or []
        if 0 < table <= len(names) and str(names[table - 1]).strip():
            return str(names[table - 1]).strip()
        return str(_("Table %(number)s") % {"number": table})

    def slots(self) -> list[Slot]:
        """Every slot of every session, numbered from 1 in time order."""
        result: list[Slot] = []
        step = timedelta(minutes=self.slot_minutes)
        for session in self.sessions.order_by("starts_at", "pk"):
            start = session.starts_at
            while start + step <= session.ends_at:
                result.append(Slot(len(result) + 1, session, start, start + step))
                start += step
        return result


class MeetingSession(models.Model):
    """A block of time given to meetings (e.g. 9:00–12:15)."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="sessions")
    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("meeting session")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="meeting_session_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Participant(TimeStampedModel):
    """A confirmed registrant who takes part in the B2B meetings."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="participants")
    registration = models.OneToOneField(
        "events.Registration", on_delete=models.CASCADE, related_name="b2b"
    )
    headline = models.CharField(
        _("headline"),
        max_length=200,
        blank=True,
        help_text=_("One sentence on what you do and whom you want to meet."),
    )
    unavailable_slots = models.JSONField(_("unavailable slots"), default=list, blank=True)
    max_meetings = models.PositiveSmallIntegerField(_("maximum meetings"), null=True, blank=True)
    active = models.BooleanField(_("takes part"), default=True)

    class Meta:
        verbose_name = _("B2B participant")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.registration.person)

    @property
    def person(self) -> "Person":
        return self.registration.person

    @property
    def organisation_id(self) -> int | None:
        return self.registration.organisation_id

    @property
    def meeting_limit(self) -> int:
        return self.max_meetings or self.brokerage.max_meetings


class OfferKind(models.TextChoices):
    OFFER = "offer", _("Offer")
    REQUEST = "request", _("Request")


class OfferCategory(models.TextChoices):
    EXPERTISE = "expertise", _("Expertise")
    TECHNOLOGY = "technology", _("Technology")
    SERVICE = "service", _("Service")
    PARTNERSHIP = "partnership", _("Partnership")
    LICENSING = "licensing", _("Licensing")
    INVESTMENT = "investment", _("Investment")


class Offer(TimeStampedModel):
    """What a participant offers, or looks for, on the marketplace."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField(_("offer or request"), max_length=8, choices=OfferKind.choices)
    category = models.CharField(_("category"), max_length=12, choices=OfferCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    terms = models.ManyToManyField(
        Term, verbose_name=_("taxonomy terms"), blank=True, related_name="b2b_offers"
    )

    class Meta:
        verbose_name = _("offer or request")
        verbose_name_plural = _("offers and requests")
        ordering = ["participant", "kind", "pk"]

    def __str__(self) -> str:
        return self.title


class ExclusionSource(models.TextChoices):
    PARTICIPANT = "participant", _("No thanks (participant)")
    ORGANISER = "organiser", _("Forbidden by the organiser")


class Exclusion(models.Model):
    """``participant`` will not meet ``other``: their "no thanks", or the organiser's ban."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="exclusions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=12, choices=ExclusionSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "other", "source"], name="one_exclusion_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} ≠ {self.other}"


class Priority(models.IntegerChoices):
    WOULD_LIKE = 1, _("Would like to meet")
    MUST_MEET = 3, _("Must meet")
    ORGANISER = 5, _("Set by the organiser")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("meeting request", "Accepted")
    DECLINED = "declined", pgettext_lazy("meeting request", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("meeting request", "Withdrawn")


LIVE_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.ACCEPTED)


class MeetingRequest(TimeStampedModel):
    brokerage = models.ForeignKey(
        Brokerage, on_delete=models.CASCADE, related_name="meeting_requests"
    )
    requester = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="requests_sent"
    )
    recipient = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="requests_received"
    )
    message = models.TextField(_("message"), blank=True, max_length=1000)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.WOULD_LIKE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    reply = models.TextField(_("reply"), blank=True, max_length=1000)
    # "Suggest someone else": the recipient declines and points to a colleague or contact.
    suggested = models.ForeignKey(
        Participant,
        verbose_name=_("suggested participant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting request")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "recipient"],
                condition=Q(status__in=["pending", "accepted"]),
                name="one_live_request_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.recipient}"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingOrigin(models.TextChoices):
    REQUEST = "request", _("Accepted request")
    ORGANISER = "organiser", _("Made by the organiser")


class Meeting(TimeStampedModel):
    """A one-to-one meeting (colleagues of one organisation may join one side)."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="meetings")
    participants = models.ManyToManyField(Participant, related_name="meetings")
    origin = models.CharField(max_length=10, choices=MeetingOrigin.choices)
    request = models.ForeignKey(
        MeetingRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.WOULD_LIKE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    # Organiser's constraints for the scheduler.
    session = models.ForeignKey(
        MeetingSession,
        verbose_name=_("only in session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fixed_slot = models.PositiveSmallIntegerField(_("fixed slot"), null=True, blank=True)
    after = models.ManyToManyField(
        "self", verbose_name=_("after"), symmetrical=False, blank=True, related_name="+"
    )
    # What the scheduler (or the organiser) decided; empty when not placed.
    slot = models.PositiveSmallIntegerField(_("slot"), null=True, blank=True)
    table = models.PositiveSmallIntegerField(_("table"), null=True, blank=True)
    unscheduled_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("meeting")
        ordering = ["slot", "table", "pk"]
        constraints = [
            # Two planned meetings never share a table in a slot.
            models.UniqueConstraint(
                fields=["brokerage", "slot", "table"],
                condition=Q(status="planned", slot__isnull=False),
                name="one_meeting_per_table_and_slot",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    OPTIMAL = "optimal", _("Optimal (proved)")
    FEASIBLE = "feasible", _("Feasible (not proved optimal)")
    PARTIAL = "partial", _("Not every meeting fits")
    INFEASIBLE = "infeasible", _("No schedule meets the fairness bound")
    UNKNOWN = "unknown", _("No schedule found in time")
    FAILED = "failed", _("Failed")


class ScheduleRun(models.Model):
    """One run of the scheduler, with the result it stored (``osmose-b2b-result/1``)."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    time_limit = models.PositiveSmallIntegerField(default=60)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default="running")
    total_breaks = models.PositiveIntegerField(null=True, blank=True)
    lower_bound = models.PositiveIntegerField(null=True, blank=True)
    placed = models.PositiveIntegerField(default=0)
    unplaced = models.PositiveIntegerField(default=0)
    moved = models.PositiveIntegerField(default=0)
    applied = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.brokerage} — {self.started_at:%Y-%m-%d %H:%M}"
