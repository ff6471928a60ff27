"""Forms of the organiser's B2B pages: the settings, the meeting sessions, a participant's
limits, meetings added or forbidden, a scheduler run and an imported result.

Dates are typed as wall-clock times in the *event's* time zone, as on the events form.
"""

import itertools
import json
from datetime import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from osmose.events.manage_forms import LocalDateTimeField, in_zone, wall_clock
from osmose.events.models import Event
from osmose.matchmaking.agenda import participant_label, slot_label
from osmose.matchmaking.models import Brokerage, MeetingSession, Mode, Participant

RESULT_MAX_BYTES = 5 * 1024 * 1024


def slot_choices(brokerage: Brokerage, time_zone: str) -> list[tuple[int, str]]:
    """ "3 · Morning · 09:40–10:00" for each slot."""
    return [
        (slot.number, f"{slot.number} · {slot.session.name} · {slot_label(slot, time_zone)}")
        for slot in brokerage.slots()
    ]


def active_participants(brokerage: Brokerage) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(brokerage=brokerage, active=True)
        .select_related("registration__person", "registration__organisation")
        .order_by("registration__person__family_name", "registration__person__given_name", "pk")
    )


class BrokerageForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, widget=forms.RadioSelect)
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), min_value=5, max_value=240)
    table_count = forms.IntegerField(label=_("Number of tables"), min_value=1, max_value=500)
    table_names = forms.CharField(
        label=_("Table names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, in order; tables without a name are numbered."),
    )
    max_meetings = forms.IntegerField(
        label=_("Maximum meetings per participant"), min_value=1, max_value=100
    )
    requests_close_at = LocalDateTimeField(
        label=_("Meeting requests close"),
        required=False,
        help_text=_("Empty: requests stay open until the event ends."),
    )
    schedule_deadline = LocalDateTimeField(label=_("Schedule published by"), required=False)
    fairness = forms.IntegerField(
        label=_("Fairness bound"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_(
            "No participant has more than this many breaks more than another. "
            "Leave empty for no bound."
        ),
    )

    DATETIME_FIELDS = ("requests_close_at", "schedule_deadline")

    def __init__(self, *args: Any, brokerage: Brokerage, event: Event, **kwargs: Any) -> None:
        self.event = event
        kwargs.setdefault(
            "initial",
            {
                "mode": brokerage.mode,
                "slot_minutes": brokerage.slot_minutes,
                "table_count": brokerage.table_count,
                "table_names": "\n".join(str(n) for n in brokerage.table_names or []),
                "max_meetings": brokerage.max_meetings,
                "requests_close_at": wall_clock(brokerage.requests_close_at, event.time_zone),
                "schedule_deadline": wall_clock(brokerage.schedule_deadline, event.time_zone),
                "fairness": brokerage.fairness,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_table_names(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data.get("table_names", "").splitlines()]
        while names and not names[-1]:
            names.pop()
        if any(len(name) > 60 for name in names):
            raise ValidationError(_("A table name has at most 60 characters."))
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.DATETIME_FIELDS:
            if cleaned.get(name) is not None:
                cleaned[name] = in_zone(cleaned[name], self.event.time_zone)
        names, count = cleaned.get("table_names") or [], cleaned.get("table_count")
        if count is not None and len(names) > count:
            self.add_error(
                "table_names",
                _("%(names)d names for %(count)d tables: add tables or remove names.")
                % {"names": len(names), "count": count},
            )
        return cleaned

    @property
    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MeetingSessionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        self.time_zone = time_zone
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name) is not None:
                cleaned[name] = in_zone(cleaned[name], self.time_zone)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("A session must end after it starts."))
        return cleaned


class BaseMeetingSessionFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        kept = self.sessions()
        for (name, _start, end), (other, start, _end) in itertools.pairwise(kept):
            if start < end:
                raise ValidationError(
                    _("The sessions “%(a)s” and “%(b)s” overlap.") % {"a": name, "b": other}
                )

    def sessions(self) -> list[tuple[str, datetime, datetime]]:
        """``(name, starts_at, ends_at)`` of the rows kept, in time order."""
        rows = [
            (data["name"], data["starts_at"], data["ends_at"])
            for form in self.forms
            if (data := form.cleaned_data) and not data.get("DELETE")
        ]
        return sorted(rows, key=lambda row: row[1])


MeetingSessionFormSet = forms.formset_factory(
    MeetingSessionForm,
    formset=BaseMeetingSessionFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,
    max_num=20,
    validate_max=True,
)


def session_formset(data: Any, *, brokerage: Brokerage, event: Event) -> BaseMeetingSessionFormSet:
    initial = [
        {
            "name": session.name,
            "starts_at": wall_clock(session.starts_at, event.time_zone),
            "ends_at": wall_clock(session.ends_at, event.time_zone),
        }
        for session in brokerage.sessions.all()
    ]
    formset = MeetingSessionFormSet(
        data, initial=initial, prefix="sessions", form_kwargs={"time_zone": event.time_zone}
    )
    return cast(BaseMeetingSessionFormSet, formset)


class ParticipantLimitsForm(forms.Form):
    max_meetings = forms.IntegerField(
        label=_("Maximum meetings"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Empty: the event's maximum."),
    )
    unavailable_slots = forms.TypedMultipleChoiceField(
        label=_("Unavailable slots"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, participant: Participant, time_zone: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "max_meetings": participant.max_meetings,
                "unavailable_slots": [int(s) for s in participant.unavailable_slots],
            },
        )
        super().__init__(*args, **kwargs)
        field = self.fields["unavailable_slots"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = slot_choices(participant.brokerage, time_zone)


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return participant_label(obj)


class ParticipantsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return participant_label(obj)


class AddMeetingForm(forms.Form):
    participants = ParticipantsChoiceField(
        label=_("Participants"),
        queryset=Participant.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Two or more: hold Ctrl (or ⌘) to pick several."),
    )
    force = forms.BooleanField(
        label=_("Force: pass over the meeting limits and the participants' “no thanks”"),
        required=False,
    )
    fixed_slot = forms.TypedChoiceField(
        label=_("Fixed slot"), required=False, coerce=int, empty_value=None
    )
    session = forms.ModelChoiceField(
        label=_("Only in session"),
        queryset=MeetingSession.objects.none(),
        required=False,
        empty_label=_("Any session"),
    )

    def __init__(self, *args: Any, brokerage: Brokerage, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = self.fields["participants"]
        assert isinstance(people, forms.ModelMultipleChoiceField)
        people.queryset = active_participants(brokerage)
        slot = self.fields["fixed_slot"]
        assert isinstance(slot, forms.TypedChoiceField)
        slot.choices = [("", _("Any slot")), *slot_choices(brokerage, time_zone)]
        session = self.fields["session"]
        assert isinstance(session, forms.ModelChoiceField)
        session.queryset = brokerage.sessions.all()

    def clean_participants(self) -> list[Participant]:
        chosen = list(self.cleaned_data["participants"])
        if len(chosen) < 2:
            raise ValidationError(_("Pick at least two participants."))
        return chosen


class ForbidForm(forms.Form):
    first = ParticipantChoiceField(label=_("Participant"), queryset=Participant.objects.none())
    second = ParticipantChoiceField(label=_("may not meet"), queryset=Participant.objects.none())

    def __init__(self, *args: Any, brokerage: Brokerage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = active_participants(brokerage)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("first") and cleaned.get("first") == cleaned.get("second"):
            self.add_error("second", _("Pick two different participants."))
        return cleaned


class RunForm(forms.Form):
    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"),
        min_value=5,
        max_value=600,
        initial=60,
        help_text=_("The scheduler stops at this limit with the best schedule found."),
    )


class ImportResultForm(forms.Form):
    result = forms.FileField(
        label=_("Result file (osmose-b2b-result/1, JSON)"),
        help_text=_("Made by “osmose schedule-meetings” from this event's instance.json."),
    )

    def clean_result(self) -> Any:
        upload = self.cleaned_data["result"]
        if upload.size > RESULT_MAX_BYTES:
            raise ValidationError(_("The file is too large (5 MB at most)."))
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValidationError(_("The file is not JSON.")) from error
