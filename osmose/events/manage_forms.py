"""Forms of the organiser's pages: the event, its sessions and questions, manual adds,
invitations and messages. The participant's forms live in ``forms.py``.

Dates are typed as wall-clock times (``datetime-local``) in the *event's* time zone, whatever
the organiser's own: a congress in Tours starts at 9:00 Paris time for everyone.
"""

import re
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Commune
from osmose.events.models import (
    Event,
    EventSession,
    MessageAudience,
    Question,
    QuestionAudience,
    QuestionKind,
)
from osmose.registry.forms import OrganisationLookupField
from osmose.registry.models import Organisation, Person, Segment

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
COMMON_TIME_ZONES = [
    "Europe/Paris", "Europe/London", "Europe/Brussels", "Europe/Berlin", "Europe/Madrid",
    "Europe/Rome", "Europe/Lisbon", "Europe/Zurich", "Europe/Amsterdam", "Europe/Warsaw",
    "America/Guadeloupe", "America/Martinique", "America/Cayenne", "Indian/Reunion",
    "Indian/Mayotte", "Pacific/Noumea", "Pacific/Tahiti", "America/Montreal",
    "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo",
    "Asia/Tokyo", "Asia/Shanghai", "Asia/Singapore", "Asia/Kolkata", "Asia/Dubai",
    "Australia/Sydney", "UTC",
]  # fmt: skip


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock date and time (naive); the form makes it aware in the event's zone."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
        )
        kwargs.setdefault("input_formats", [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)  # aware in the current zone: back to the wall clock
        return timezone.make_naive(result) if result is not None else None


def wall_clock(value: datetime | None, zone_name: str) -> datetime | None:
    """``value`` as the naive local time of ``zone_name``, for a ``datetime-local`` input."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def in_zone(value: datetime | None, zone_name: str) -> datetime | None:
    return value.replace(tzinfo=ZoneInfo(zone_name)) if value is not None else None


def parse_reminder_days(text: str) -> list[int]:
    """ "7, 1" → [7, 1]: days before the event, largest first, each once."""
    days: set[int] = set()
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) <= 365:
            raise ValidationError(
                _("Write numbers of days between 1 and 365, separated by commas (e.g. 7, 1).")
            )
        days.add(int(part))
    return sorted(days, reverse=True)


class CommuneField(forms.CharField):
    """A commune typed by postcode and name ("37000 Tours") or picked among the suggestions."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Postcode and name (e.g. 37000 Tours): pick one of the suggestions.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({
            "list": "commune-suggestions", "autocomplete": "off",
            "hx-get": reverse_lazy("events:commune_lookup"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#commune-suggestions", "hx-swap": "innerHTML",
        })  # fmt: skip

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Commune):
            return commune_label(value)
        if isinstance(value, int):
            commune = Commune.objects.filter(pk=value).first()
            return commune_label(commune) if commune else ""
        return value

    def clean(self, value: Any) -> Commune | None:
        text = " ".join(str(super().clean(value) or "").split())
        if not text:
            return None
        candidates = find_communes(text)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValidationError(_("No commune matches “%(text)s”.") % {"text": text})
        raise ValidationError(
            _("Several communes match: %(names)s. Add the postcode or pick a suggestion.")
            % {"names": ", ".join(commune_label(c) for c in candidates[:5])}
        )


def commune_label(commune: Commune) -> str:
    postcode = commune.postcodes[0] if commune.postcodes else commune.insee_code
    return f"{postcode} {commune.name} (#{commune.insee_code})"


def find_communes(text: str, *, limit: int = 10) -> list[Commune]:
    """Communes for "37000 Tours", "Tours", "37000" or a suggestion's "… (#37261)"."""
    code = re.search(r"#(\w{5})\)?\s*$", text)
    if code:
        return list(Commune.objects.filter(insee_code=code.group(1)))
    postcode_match = re.search(r"\b(\d{5})\b", text)
    name = re.sub(r"\b\d{5}\b", " ", text).strip(" -,")
    communes = Commune.objects.all()
    if postcode_match:
        # JSON text search, then an exact check: "37000" must be one of the postcodes.
        communes = communes.filter(postcodes__icontains=postcode_match.group(1))
    if name:
        exact = communes.filter(name__iexact=name)
        communes = exact if exact.exists() else communes.filter(name__istartswith=name)
    elif not postcode_match:
        return []
    found = list(communes.order_by("-population", "name")[: limit * 3])
    if postcode_match:
        found = [c for c in found if postcode_match.group(1) in c.postcodes]
    return found[:limit]


def time_zone_choices(current: str = "") -> list[tuple[str, str]]:
    zones = list(COMMON_TIME_ZONES)
    if current and current not in zones:
        zones.insert(0, current)
    return [(zone, zone.replace("_", " ")) for zone in zones]


def _organisation_options(ids: list[Any]) -> list[tuple[int, str]]:
    wanted = [int(i) for i in ids if str(i).isdigit()]
    return [(o.pk, o.name) for o in Organisation.objects.filter(pk__in=wanted).order_by("name")]


class EventForm(forms.ModelForm):
    """The event's fields; dates are wall-clock times in the chosen time zone."""

    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    registration_opens_at = LocalDateTimeField(label=_("Registration opens"), required=False)
    registration_closes_at = LocalDateTimeField(
        label=_("Registration closes"),
        required=False,
        help_text=_("Empty: registration stays open until the event ends."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))
    commune = CommuneField(label=_("Commune"))
    reminder_days_text = forms.CharField(
        label=_("Reminders (days before)"),
        required=False,
        help_text=_("Separated by commas, e.g. 7, 1. Empty: no reminder."),
    )
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organisers"),
        queryset=Organisation.objects.filter(merged_into=None),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick to remove."),
    )
    organisers_add = OrganisationLookupField(label=_("Add an organiser"), required=False)
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        queryset=Organisation.objects.filter(merged_into=None),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick to remove."),
    )
    partners_add = OrganisationLookupField(label=_("Add a partner"), required=False)

    DATETIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    SECTIONS = [
        (_("What"), ["kind", "title_fr", "title_en", "description_fr", "description_en"]),
        (_("When"), ["starts_at", "ends_at", "time_zone"]),
        (_("Where"), ["venue", "street", "commune", "online_url"]),
        (_("Organisers and partners"), [
            "organisers", "organisers_add", "partners", "partners_add",
        ]),
        (_("Registration"), [
            "capacity", "registration_opens_at", "registration_closes_at", "audience",
            "requires_approval", "offer_hours", "reminder_days_text",
        ]),
    ]  # fmt: skip

    class Meta:
        model = Event
        fields = [
            "kind", "title_fr", "title_en", "description_fr", "description_en", "starts_at",
            "ends_at", "time_zone", "venue", "street", "commune", "online_url", "capacity",
            "registration_opens_at", "registration_closes_at", "audience", "requires_approval",
            "offer_hours",
        ]  # fmt: skip
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
            "online_url": forms.URLInput(attrs={"placeholder": "https://"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event: Event = self.instance
        zone = event.time_zone or settings.TIME_ZONE
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = time_zone_choices(zone)
        self.fields["time_zone"].initial = zone
        self.fields["commune"].initial = event.commune
        self.fields["reminder_days_text"].initial = ", ".join(
            str(d) for d in (event.reminder_days or [])
        )
        for name in self.DATETIME_FIELDS:
            self.initial[name] = wall_clock(getattr(event, name), zone)
        for name in ("organisers", "partners"):
            current = list(getattr(event, name).values_list("pk", flat=True)) if event.pk else []
            self.initial[name] = current
            posted = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            # Only the chosen organisations are listed, not the whole registry.
            self.fields[name].widget.choices = _organisation_options(current + posted)

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.SECTIONS]

    def clean_reminder_days_text(self) -> list[int]:
        return parse_reminder_days(self.cleaned_data.get("reminder_days_text", ""))

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"]
        if zone not in available_timezones():
            raise ValidationError(_("Unknown time zone."))
        return zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        zone = cleaned.get("time_zone") or self.instance.time_zone or settings.TIME_ZONE
        for name in self.DATETIME_FIELDS:
            if cleaned.get(name) is not None:
                cleaned[name] = in_zone(cleaned[name], zone)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The event cannot end before it starts."))
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes < opens:
            self.add_error(
                "registration_closes_at", _("Registration cannot close before it opens.")
            )
        return cleaned

    @property
    def service_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["reminder_days"] = self.cleaned_data["reminder_days_text"]
        return values

    def chosen(self, name: str) -> list[Organisation]:
        """The ticked organisations plus the one typed in the lookup."""
        chosen = list(self.cleaned_data.get(name) or [])
        added = self.cleaned_data.get(f"{name}_add")
        if added is not None and added not in chosen:
            chosen.append(added)
        return chosen


class SessionForm(forms.Form):
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, required=False, help_text=_("Empty: no limit.")
    )

    def __init__(self, *args: Any, event: Event, session: EventSession | None = None, **kwargs):
        self.event = event
        if session is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title_fr": session.title_fr,
                    "title_en": session.title_en,
                    "starts_at": wall_clock(session.starts_at, event.time_zone),
                    "ends_at": wall_clock(session.ends_at, event.time_zone),
                    "capacity": session.capacity,
                },
            )
        else:
            kwargs.setdefault(
                "initial",
                {
                    "starts_at": wall_clock(event.starts_at, event.time_zone),
                    "ends_at": wall_clock(event.ends_at, event.time_zone),
                },
            )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name) is not None:
                cleaned[name] = in_zone(cleaned[name], self.event.time_zone)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The session cannot end before it starts."))
        return cleaned


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    label_fr = forms.CharField(label=_("Question (French)"), max_length=300)
    label_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    choices_fr = forms.CharField(
        label=_("Choices (French)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, for single and multiple choice questions."),
    )
    choices_en = forms.CharField(
        label=_("Choices (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, in the same order; empty lines fall back to French."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    audience = forms.ChoiceField(
        label=_("Asked to"), choices=QuestionAudience.choices, initial=QuestionAudience.EVERYONE
    )

    def __init__(self, *args: Any, question: Question | None = None, **kwargs: Any) -> None:
        if question is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": question.kind,
                    "label_fr": question.label_fr,
                    "label_en": question.label_en,
                    "choices_fr": "\n".join(question.choices_fr),
                    "choices_en": "\n".join(question.choices_en),
                    "required": question.required,
                    "audience": question.audience,
                },
            )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choices_fr = _lines(cleaned.get("choices_fr", ""))
        # English choices follow the French ones line by line; blank lines are kept as "".
        raw_en = [line.strip() for line in cleaned.get("choices_en", "").splitlines()]
        choices_en = (raw_en + [""] * len(choices_fr))[: len(choices_fr)]
        if cleaned.get("kind") in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if not choices_fr:
                self.add_error("choices_fr", _("A choice question needs at least one choice."))
        else:
            choices_fr, choices_en = [], []
        cleaned["choices_fr"], cleaned["choices_en"] = choices_fr, choices_en
        return cleaned

    @property
    def service_values(self) -> dict[str, Any]:
        names = ("kind", "label_fr", "label_en", "choices_fr", "choices_en", "required", "audience")
        return {name: self.cleaned_data[name] for name in names}


def answer_field(question: Question) -> forms.Field:
    """The form field that asks ``question`` (organiser side: nothing is required)."""
    label = question.label
    choices = list(enumerate(question.choices))
    match question.kind:
        case QuestionKind.SINGLE:
            return forms.TypedChoiceField(
                label=label, choices=[("", "—"), *choices], coerce=int, required=False
            )
        case QuestionKind.MULTIPLE:
            return forms.TypedMultipleChoiceField(
                label=label,
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        case QuestionKind.YES_NO:
            return forms.ChoiceField(
                label=label,
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                required=False,
            )
        case QuestionKind.ORGANISATION:
            return OrganisationLookupField(label=label, required=False)
    return forms.CharField(label=label, required=False, max_length=2000)


class ManualRegistrationForm(forms.Form):
    """An organiser registers someone by hand (phone call, e-mail, a partner's list)."""

    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("Pick a suggestion to link the directory's record, or type a name."),
    )
    sessions = forms.ModelMultipleChoiceField(
        label=_("Sessions"),
        queryset=EventSession.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )
    notify = forms.BooleanField(
        label=_("Send the confirmation e-mail"), required=False, initial=True
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        cast(
            forms.ModelMultipleChoiceField, self.fields["sessions"]
        ).queryset = event.sessions.all()
        if not event.sessions.exists():
            del self.fields["sessions"]
        self.fields["organisation"].widget.attrs.update({
            "list": "organisation-suggestions", "autocomplete": "off",
            "hx-get": reverse_lazy("registry:organisation_lookup"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#organisation-suggestions", "hx-swap": "innerHTML",
        })  # fmt: skip
        # Guests' questions: a manual add has no account behind it.
        self.questions = [q for q in event.questions.all() if q.asked_to(member=False)]
        for question in self.questions:
            field = answer_field(question)
            field.required = False  # an organiser may not know every answer
            self.fields[f"q{question.pk}"] = field

    def clean_organisation(self) -> tuple[str, int | None]:
        text = " ".join(self.cleaned_data.get("organisation", "").split())
        match = re.search(r"^(.*?)\s*\(#(\d+)\)$", text)
        if match:
            organisation = Organisation.objects.filter(
                pk=int(match.group(2)), merged_into=None
            ).first()
            if organisation is not None:
                return organisation.name, organisation.pk
            text = match.group(1)
        return text, None

    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if isinstance(value, Organisation):
                value = value.pk
            if value not in (None, "", []):
                answers[str(question.pk)] = value
        return answers


class SegmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Segment) -> str:
        return f"{obj.name} ({obj.get_target_display()})"


class InvitationForm(forms.Form):
    segments = SegmentChoiceField(
        label=_("Directory segments"),
        queryset=Segment.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A people segment invites those people; an organisations segment invites the "
            "people currently working there."
        ),
    )
    people = forms.CharField(
        label=_("People (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E-mail addresses of people in the directory, one per line."),
    )

    def clean_people(self) -> list[Person]:
        emails = _lines(self.cleaned_data.get("people", "").replace(",", "\n"))
        if not emails:
            return []
        query = Q()
        for email in emails:
            query |= Q(email__iexact=email)
        people = list(Person.objects.filter(query, merged_into=None, erased_at=None))
        known = {p.email.lower() for p in people}
        missing = [e for e in emails if e.lower() not in known]
        if missing:
            raise ValidationError(
                _("Not in the directory: %(emails)s. Add them there first.")
                % {"emails": ", ".join(missing[:10])}
            )
        return people

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("segments") and not cleaned.get("people") and not self.errors:
            raise ValidationError(_("Choose at least one segment or person."))
        return cleaned


class MessageForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("To"), choices=MessageAudience.choices, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))
