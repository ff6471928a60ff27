"""Events: Afterworks, congresses, trainings — sessions, registrations, invitations, surveys.

Seats are the contended resource. A registration holds a seat while it is ``confirmed`` or
``offered`` (promoted from the waiting list, waiting for the person to confirm before the
offer expires). Every decision about seats is taken in ``services`` with the event's row
locked, never by a check-then-insert.
"""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Commune, TimeStampedModel


def _english() -> bool:
    return (get_language() or "").startswith("en")


def new_token() -> str:
    """An unguessable token for links sent by e-mail (ticket, invitation)."""
    return secrets.token_urlsafe(18)


def default_reminder_days() -> list[int]:
    return [7, 1]


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


# Which status may follow which; ``services.change_event_status`` refuses anything else.
EVENT_TRANSITIONS: dict[str, set[str]] = {
    EventStatus.DRAFT: {EventStatus.PUBLISHED, EventStatus.CANCELLED},
    EventStatus.PUBLISHED: {
        EventStatus.DRAFT,
        EventStatus.REGISTRATION_CLOSED,
        EventStatus.CANCELLED,
        EventStatus.ARCHIVED,
    },
    EventStatus.REGISTRATION_CLOSED: {
        EventStatus.PUBLISHED,
        EventStatus.CANCELLED,
        EventStatus.ARCHIVED,
    },
    EventStatus.CANCELLED: {EventStatus.ARCHIVED},
    EventStatus.ARCHIVED: set(),
}


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")
    INVITATION = "invitation", _("Invitation only")


class Event(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    street = models.CharField(_("address"), max_length=200, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    online_url = models.URLField(_("online link"), blank=True)
    organisers = models.ManyToManyField(
        "registry.Organisation",
        verbose_name=_("organisers"),
        blank=True,
        related_name="events_organised",
    )
    partners = models.ManyToManyField(
        "registry.Organisation",
        verbose_name=_("partners"),
        blank=True,
        related_name="events_partnered",
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC
    )
    requires_approval = models.BooleanField(
        _("registrations need approval"),
        default=False,
        help_text=_("Each registration waits for an organiser's approval before it holds a seat."),
    )
    reminder_days = models.JSONField(
        _("reminders (days before)"), default=default_reminder_days, blank=True
    )
    offer_hours = models.PositiveIntegerField(
        _("hours to confirm a seat offered from the waiting list"), default=48
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
        return (self.title_en if _english() else "") or self.title_fr

    @property
    def description(self) -> str:
        return (self.description_en if _english() else "") or self.description_fr

    @property
    def is_public(self) -> bool:
        """Shown in the public calendar (drafts and archives are not)."""
        return self.status in (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED)

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    def registration_is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        if self.status != EventStatus.PUBLISHED or self.ends_at < now:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return not (self.registration_closes_at and now > self.registration_closes_at)


class EventSession(models.Model):
    """A track, workshop or visit inside an event, with its own time and capacity."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("session")
        ordering = ["starts_at", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="session_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return (self.title_en if _english() else "") or self.title_fr


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    ORGANISATION = "organisation", _("Organisation (from the directory)")


class QuestionAudience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    MEMBERS = "members", _("Members (with an account)")
    GUESTS = "guests", _("Guests (without an account)")


class Question(models.Model):
    """A question of an event's registration form.

    Choices are stored as two parallel lists (French and English); an answer to a choice
    question stores the choice's index, so renaming a choice keeps the answers.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label_fr = models.CharField(_("question (French)"), max_length=300)
    label_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices)
    choices_fr = models.JSONField(_("choices (French)"), default=list, blank=True)
    choices_en = models.JSONField(_("choices (English)"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    audience = models.CharField(
        _("asked to"), max_length=10, choices=QuestionAudience.choices, default="everyone"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return (self.label_en if _english() else "") or self.label_fr

    @property
    def choices(self) -> list[str]:
        english = self.choices_en if _english() else []
        return [
            (english[i] if i < len(english) and english[i] else text)
            for i, text in enumerate(self.choices_fr)
        ]

    def asked_to(self, *, member: bool) -> bool:
        return self.audience == QuestionAudience.EVERYONE or (
            self.audience == (QuestionAudience.MEMBERS if member else QuestionAudience.GUESTS)
        )


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# Statuses that hold a seat, and statuses that are still "alive" (one per person and event).
SEAT_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet known")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")


class RegistrationSource(models.TextChoices):
    FORM = "form", _("Registration form")
    API = "api", _("API")
    MANUAL = "manual", _("Added by an organiser")
    WALK_IN = "walk_in", _("Walk-in")
    INVITATION = "invitation", _("Invitation")
    IMPORT = "import", _("Import")


class Registration(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    # What the person typed, kept as given; ``organisation`` is the registry match.
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=10, choices=RegistrationSource.choices, default="form"
    )
    language = models.CharField(_("language"), max_length=8, default="fr")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    # First come, first served: the waiting list is ordered by (waitlisted_at, pk).
    waitlisted_at = models.DateTimeField(_("waitlisted"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=8, choices=Attendance.choices, default="unknown"
    )
    reminders_sent = models.JSONField(default=list, blank=True)
    thanked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        ordering = ["pk"]
        constraints = [
            # One live registration per person and event: a retry or a double click returns it.
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted", "offered"]),
                name="one_active_registration_per_person",
            )
        ]
        indexes = [models.Index(fields=["event", "status", "waitlisted_at"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.event}"

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class SessionChoiceStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class SessionChoice(models.Model):
    """A registrant's place in a session; each session has its own seats and waiting list."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="session_choices"
    )
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE, related_name="choices")
    status = models.CharField(max_length=10, choices=SessionChoiceStatus.choices)
    waitlisted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="one_choice_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} — {self.session}"


class Invitation(TimeStampedModel):
    """A personal invitation; we track clicks on our own links only (no tracking pixels)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("link opened"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="one_invitation_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.event}"


class Satisfaction(models.IntegerChoices):
    VERY_POOR = 1, _("Very poor")
    POOR = 2, _("Poor")
    FAIR = 3, _("Fair")
    GOOD = 4, _("Good")
    EXCELLENT = 5, _("Excellent")


class MetSomeone(models.TextChoices):
    YES = "yes", _("Yes")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("No")


class SurveyResponse(models.Model):
    """The after-event survey: one answer per registration, editable until archived."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="survey"
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("overall satisfaction"), choices=Satisfaction.choices
    )
    met_someone = models.CharField(
        _("did you meet someone you will work with?"), max_length=5, choices=MetSomeone.choices
    )
    comment = models.TextField(_("comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("survey response")

    def __str__(self) -> str:
        return str(self.registration)


class MessageAudience(models.TextChoices):
    CONFIRMED = "confirmed", _("Everyone confirmed")
    ATTENDEES = "attendees", _("Attendees only")
    NO_SHOWS = "no_shows", _("No-shows only")
    WAITLISTED = "waitlisted", _("The waiting list")


class EventMessage(TimeStampedModel):
    """A message an organiser sent to part of an event's registrants."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages")
    audience = models.CharField(_("to"), max_length=10, choices=MessageAudience.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("message")
        ordering = ["-created_at"]
