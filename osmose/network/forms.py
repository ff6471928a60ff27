"""The animator's network forms: the quick log of an interaction, introductions,
collaborations, their filters and the network page's period.

People and organisations are typed with suggestions ("Name (#12)", the registry's format) or
by their number; a list of them (``LookupListField``) posts one value per chosen record, so
the records already chosen show as checkboxes and the new one as a text box.
"""

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, Q, QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from osmose.events.models import Event
from osmose.matchmaking.agenda import participant_label
from osmose.matchmaking.models import Meeting, MeetingStatus, Participant
from osmose.network.models import (
    Collaboration,
    CollaborationKind,
    CollaborationStatus,
    InteractionKind,
    Introduction,
)
from osmose.pipeline.models import Venture
from osmose.registry.models import Organisation, Person

_NUMBER = re.compile(r"#(\d+)\)?\s*$")
DATE = {"type": "date"}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


def people() -> QuerySet[Person]:
    return Person.objects.filter(merged_into=None, erased_at=None)


def organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(merged_into=None)


def person_label(person: Person) -> str:
    """ "Camille Durand — Organisation (#12)", what the suggestions offer and the field reads."""
    organisation = person.primary_organisation
    name = f"{person} — {organisation.name}" if organisation else str(person)
    return f"{name} (#{person.pk})"


def _resolve(queryset: QuerySet, text: str, *, by_name: str) -> Model:
    """One record from "Name (#12)", "12", an exact unique name (or e-mail, for people)."""
    text = text.strip()
    match = _NUMBER.search(text) or re.fullmatch(r"(\d+)", text)
    if match:
        found = queryset.filter(pk=int(match.group(1))).first()
        if found is not None:
            return found
    elif text:
        if "@" in text and queryset.model is Person:
            candidates = list(queryset.filter(email__iexact=text)[:2])
        else:
            candidates = list(queryset.filter(**{f"{by_name}__iexact": text})[:2])
        if len(candidates) == 1:
            return candidates[0]
    raise ValidationError(
        _("“%(text)s”: pick one of the suggestions."), params={"text": text[:100]}
    )


class LookupListField(forms.Field):
    """Several people or organisations; each posted value is a number or a suggestion."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, queryset: QuerySet, by_name: str = "name", **kwargs: Any) -> None:
        self.queryset = queryset
        self.by_name = by_name
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[Model]:
        values = [str(v) for v in (value or []) if str(v).strip()]
        records: dict[int, Model] = {}
        errors = []
        for text in values:
            try:
                record = _resolve(self.queryset, text, by_name=self.by_name)
            except ValidationError as error:
                errors.append(error)
            else:
                records.setdefault(record.pk, record)
        if errors:
            raise ValidationError(errors)
        return list(records.values())

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class PersonField(forms.ModelChoiceField):
    """One person typed with suggestions, or by number."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", people().select_related("primary_organisation"))
        kwargs.setdefault("help_text", _("Type a few letters and pick a suggestion."))
        super().__init__(**kwargs)
        self.widget.attrs.update({
            "list": "person-suggestions", "autocomplete": "off",
            "hx-get": reverse_lazy("network:person_lookup"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#person-suggestions", "hx-swap": "innerHTML",
        })  # fmt: skip

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if isinstance(value, Person):
            return value
        assert self.queryset is not None
        return _resolve(self.queryset, str(value), by_name="family_name")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Person):
            return person_label(value)
        if isinstance(value, int) and self.queryset is not None:
            found = self.queryset.filter(pk=value).first()
            return person_label(found) if found else value
        return value


def _events() -> QuerySet[Event]:
    return Event.objects.order_by("-starts_at")


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.starts_at:%Y-%m-%d} · {obj.title}"


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return meeting_label(obj)


class IntroductionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.on:%Y-%m-%d} · {obj.person_a} ↔ {obj.person_b}"


def _event_field(label: Any) -> forms.ModelChoiceField:
    return EventChoiceField(queryset=_events(), label=label, required=False)


def _selected(form: forms.Form, name: str) -> list[Model]:
    """The records a lookup list holds now: cleaned, or posted numbers that resolve, or the
    initial ones."""
    field = form.fields[name]
    assert isinstance(field, LookupListField)
    if not form.is_bound:
        return list(form.initial.get(name) or [])
    cleaned = getattr(form, "cleaned_data", {}).get(name)
    if cleaned is not None:
        return list(cleaned)
    found = []
    for text in form.data.getlist(form.add_prefix(name)):  # type: ignore[attr-defined]
        try:
            found.append(_resolve(field.queryset, str(text), by_name=field.by_name))
        except ValidationError:
            continue
    return found


class ChosenMixin:
    """``chosen(name)`` for the templates of lookup lists."""

    def chosen(self, name: str) -> list[Model]:
        return _selected(self, name)  # type: ignore[arg-type]

    @property
    def chosen_people(self) -> list[Model]:
        return self.chosen("people")

    @property
    def chosen_organisations(self) -> list[Model]:
        return self.chosen("organisations")


# -- interactions ----------------------------------------------------------------------------


class InteractionForm(ChosenMixin, forms.Form):
    summary = forms.CharField(
        label=_("What was it about?"),
        max_length=4000,
        # One line, so that Enter submits the form.
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=InteractionKind.choices, widget=forms.RadioSelect
    )
    on = forms.DateField(label=_("Date"), widget=_date_input())
    people = LookupListField(
        label=_("People"), queryset=people(), by_name="family_name", required=False
    )
    organisations = LookupListField(
        label=_("Organisations"), queryset=organisations(), required=False
    )
    event = _event_field(_("At the event"))
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.all(), required=False, widget=forms.HiddenInput
    )
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=_date_input(),
        help_text=_("Optional: a task for you on that day."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.errors and not cleaned.get("people") and not cleaned.get("organisations"):
            raise ValidationError(_("Say with whom: at least one person or organisation."))
        return cleaned


def interaction_initial(params: Any) -> dict[str, Any]:
    """The quick log's defaults from ``?person=&organisation=&event=&meeting=``."""
    initial: dict[str, Any] = {"on": timezone.localdate(), "kind": InteractionKind.CALL}

    def numbers(name: str) -> list[int]:
        return [int(v) for v in params.getlist(name) if str(v).isdigit()]

    chosen_people = list(people().filter(pk__in=numbers("person")))
    chosen_organisations = list(organisations().filter(pk__in=numbers("organisation")))
    event = Event.objects.filter(pk__in=numbers("event")).first()
    meeting = (
        Meeting.objects.filter(pk__in=numbers("meeting"))
        .select_related("brokerage__event")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related(
                    "registration__person", "registration__organisation"
                ),
            )
        )
        .first()
    )
    if meeting is not None:
        initial["meeting"] = meeting
        event = meeting.brokerage.event
        for participant in meeting.participants.all():
            registration = participant.registration
            if registration.person not in chosen_people:
                chosen_people.append(registration.person)
            organisation = registration.organisation
            if organisation is not None and organisation not in chosen_organisations:
                chosen_organisations.append(organisation)
        initial["kind"] = InteractionKind.MEETING
    elif event is not None:
        initial["kind"] = InteractionKind.EVENT
    if event is not None:
        initial["event"] = event
    initial["people"] = chosen_people
    initial["organisations"] = chosen_organisations
    return initial


class InteractionFilter(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *InteractionKind.choices], required=False
    )
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    organisation = forms.IntegerField(widget=forms.HiddenInput, required=False)
    q = forms.CharField(label=_("Person, organisation or summary"), required=False, max_length=100)
    start = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=_date_input()
    )
    end = forms.DateField(label=pgettext_lazy("period", "To"), required=False, widget=_date_input())

    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in (None, "")}


# -- introductions ---------------------------------------------------------------------------


class IntroductionForm(forms.Form):
    person_a = PersonField(label=_("Introduce"))
    person_b = PersonField(label=pgettext_lazy("introduce someone to", "to"))
    why = forms.CharField(
        label=_("Why should they meet?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    on = forms.DateField(label=_("Date"), widget=_date_input())
    event = _event_field(_("At the event"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        a, b = cleaned.get("person_a"), cleaned.get("person_b")
        if a is not None and b is not None and a.pk == b.pk:
            self.add_error("person_b", _("An introduction needs two different people."))
        return cleaned


# -- collaborations --------------------------------------------------------------------------


class Origin:
    EVENT = "event"
    MEETING = "meeting"
    INTRODUCTION = "introduction"
    NONE = "none"

    choices = [
        ("", _("All origins")),
        (EVENT, _("An event")),
        (MEETING, _("A B2B meeting")),
        (INTRODUCTION, _("An introduction")),
        (NONE, _("No known origin")),
    ]


def origin_filter(origin: str) -> Q:
    """The collaborations of one origin type (an event only: not through a meeting or an
    introduction of that event)."""
    if origin == Origin.MEETING:
        return Q(origin_meeting__isnull=False)
    if origin == Origin.INTRODUCTION:
        return Q(origin_introduction__isnull=False)
    if origin == Origin.EVENT:
        return Q(
            origin_event__isnull=False,
            origin_meeting__isnull=True,
            origin_introduction__isnull=True,
        )
    if origin == Origin.NONE:
        return Q(
            origin_event__isnull=True,
            origin_meeting__isnull=True,
            origin_introduction__isnull=True,
        )
    return Q()


class CollaborationFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *CollaborationStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *CollaborationKind.choices],
        required=False,
    )
    origin = forms.ChoiceField(label=_("Born from"), choices=Origin.choices, required=False)
    start = forms.DateField(label=_("Started from"), required=False, widget=_date_input())
    end = forms.DateField(label=pgettext_lazy("period", "To"), required=False, widget=_date_input())

    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in (None, "")}


def meetings_of(event: Event | None) -> QuerySet[Meeting]:
    """The B2B meetings that may seed a collaboration: those that took place (planned), of
    ``event`` when given."""
    meetings = Meeting.objects.filter(status=MeetingStatus.PLANNED).select_related(
        "brokerage__event"
    )
    if event is not None:
        meetings = meetings.filter(brokerage__event=event)
    return meetings.prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related(
                "registration__person", "registration__organisation"
            ),
        )
    ).order_by("-brokerage__event__starts_at", "slot", "pk")


def meeting_label(meeting: Meeting) -> str:
    people = " ↔ ".join(participant_label(p) for p in meeting.participants.all())
    return f"{meeting.brokerage.event.title}: {people}"


class CollaborationForm(ChosenMixin, forms.ModelForm):
    organisations = LookupListField(label=_("Organisations"), queryset=organisations())
    origin_event = EventChoiceField(
        label=_("Born at the event"), queryset=Event.objects.none(), required=False
    )
    origin_meeting = MeetingChoiceField(
        label=_("Born at the B2B meeting"), queryset=Meeting.objects.none(), required=False
    )
    origin_introduction = IntroductionChoiceField(
        label=_("Born from the introduction"),
        queryset=Introduction.objects.none(),
        required=False,
    )
    people = LookupListField(
        label=_("People"), queryset=people(), by_name="family_name", required=False
    )

    class Meta:
        model = Collaboration
        fields = [
            "title", "kind", "status", "amount", "started_on", "ended_on", "origin_event",
            "origin_meeting", "origin_introduction", "venture", "note",
        ]  # fmt: skip
        widgets = {
            "started_on": _date_input(),
            "ended_on": _date_input(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.initial.setdefault("organisations", list(instance.organisations.all()))
            self.initial.setdefault("people", list(instance.people.all()))
            # The status moves along its transitions only: the current one or a next one.
            allowed = {instance.status, *self._next(instance.status)}
            status_field = self.fields["status"]
            assert isinstance(status_field, forms.ChoiceField)
            status_field.choices = [
                (v, label) for v, label in CollaborationStatus.choices if v in allowed
            ]
        event_field = self.fields["origin_event"]
        assert isinstance(event_field, forms.ModelChoiceField)
        event_field.queryset = _events()
        event_field.widget.attrs.update({
            "hx-get": reverse_lazy("network:meeting_options"),
            "hx-trigger": "change", "hx-target": "#id_origin_meeting", "hx-swap": "innerHTML",
        })  # fmt: skip
        meeting_field = self.fields["origin_meeting"]
        assert isinstance(meeting_field, forms.ModelChoiceField)
        meeting_field.queryset = meetings_of(self._chosen_event())
        meeting_field.help_text = _("The meetings of the event chosen above.")
        introduction_field = self.fields["origin_introduction"]
        assert isinstance(introduction_field, forms.ModelChoiceField)
        introduction_field.queryset = Introduction.objects.select_related(
            "person_a", "person_b"
        ).order_by("-on", "-pk")
        venture_field = self.fields["venture"]
        assert isinstance(venture_field, forms.ModelChoiceField)
        venture_field.queryset = Venture.objects.order_by("name")

    @staticmethod
    def _next(status: str) -> set[str]:
        from osmose.network.models import COLLABORATION_TRANSITIONS

        return {str(s) for s in COLLABORATION_TRANSITIONS.get(status, set())}

    def _chosen_event(self) -> Event | None:
        raw = self.data.get("origin_event") if self.is_bound else None
        if raw is None and not self.is_bound:
            return self.instance.origin_event if self.instance.pk else None
        if raw and str(raw).isdigit():
            return Event.objects.filter(pk=int(raw)).first()
        return None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The end comes before the start."))
        if cleaned.get("origin_meeting") and cleaned.get("origin_introduction"):
            self.add_error(
                "origin_introduction",
                _("A collaboration is born from one B2B meeting or one introduction, not both."),
            )
        return cleaned

    def _post_clean(self) -> None:
        # The services validate and save: the model's own checks run there.
        pass

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=CollaborationStatus.choices)


# -- the network page ------------------------------------------------------------------------


def last_twelve_months(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today - timedelta(days=365)
    return start + timedelta(days=1), today


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=_date_input()
    )
    end = forms.DateField(label=pgettext_lazy("period", "To"), required=False, widget=_date_input())

    def period(self) -> tuple[date, date]:
        """The chosen period, the last 12 months by default (an invalid bound is ignored)."""
        default_start, default_end = last_twelve_months()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or default_end
        start = data.get("start") or (
            last_twelve_months(end)[0] if data.get("end") else default_start
        )
        if start > end:
            start, end = end, start
        return start, end
