from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from osmose.events.models import (
    EventSession,
    MetSomeone,
    Question,
    QuestionKind,
    Satisfaction,
)
from osmose.events.services import Registrant
from osmose.registry.models import Organisation

# Participant forms


def _suggestions_attrs(datalist_id: str) -> dict[str, Any]:
    """An input that asks the public lookup for organisation names (htmx fills a datalist)."""
    return {
        "list": datalist_id, "autocomplete": "off",
        "hx-get": reverse_lazy("events:organisation_suggestions"),
        "hx-trigger": "input changed delay:250ms",
        "hx-target": f"#{datalist_id}", "hx-swap": "innerHTML",
    }  # fmt: skip


def session_label(session: EventSession, seats_left: int | None) -> str:
    """ "Workshop · 14:00–15:30 · 3 places left", in the active language and time zone."""
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    when = f"{date_format(starts, 'D j M, H:i')}–{time_format(ends, 'H:i')}"
    if seats_left is None:
        seats = ""
    elif seats_left <= 0:
        seats = str(_("full: waiting list"))
    else:
        seats = ngettext("%(n)d place left", "%(n)d places left", seats_left) % {"n": seats_left}
    return " · ".join(part for part in (session.title, when, seats) if part)


def find_organisation(text: str) -> Organisation | None:
    """The registry's organisation with this exact name or acronym (suggestions give names)."""
    name = " ".join(text.split())
    if not name:
        return None
    return (
        Organisation.objects.filter(merged_into=None)
        .filter(Q(name__iexact=name) | Q(acronym__iexact=name))
        .order_by("pk")
        .first()
    )


class RegistrationForm(forms.Form):
    """The public registration form: who you are, the event's questions, sessions, consent.

    Questions become fields named ``q<id>`` — the keys the registration service uses in its
    errors — so a service error lands next to its field.
    """

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("Your ticket is sent to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("Your company, laboratory or institution."),
        widget=forms.TextInput(attrs=_suggestions_attrs("organisation-suggestions")),
    )
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)

    def __init__(
        self,
        *args: Any,
        questions: Sequence[Question] = (),
        sessions: Sequence[tuple[EventSession, int | None]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["job_title"].widget.attrs["autocomplete"] = "organization-title"
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = self._question_field(question)
        if sessions:
            self.fields["sessions"] = forms.TypedMultipleChoiceField(
                label=_("Sessions"),
                coerce=int,
                required=False,
                choices=[(s.pk, session_label(s, left)) for s, left in sessions],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("A full session puts you on its own waiting list."),
            )
        self.fields["consent"] = forms.BooleanField(
            label=_("Keep me informed of the network's events"), required=False
        )

    @staticmethod
    def _question_field(question: Question) -> forms.Field:
        common: dict[str, Any] = {"label": question.label, "required": question.required}
        choices = list(enumerate(question.choices))
        match question.kind:
            case QuestionKind.SINGLE:
                return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
            case QuestionKind.MULTIPLE:
                return forms.MultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple, **common
                )
            case QuestionKind.YES_NO:
                return forms.ChoiceField(
                    choices=[("yes", _("Yes")), ("no", _("No"))],
                    widget=forms.RadioSelect,
                    **common,
                )
            case QuestionKind.ORGANISATION:
                return forms.CharField(
                    max_length=200,
                    help_text=_("Type a few letters and pick a suggestion."),
                    widget=forms.TextInput(attrs=_suggestions_attrs(f"q{question.pk}-suggestions")),
                    **common,
                )
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind != QuestionKind.ORGANISATION or not cleaned.get(name):
                continue
            organisation = find_organisation(cleaned[name])
            if organisation is None:
                self.add_error(
                    name, _("This organisation is not in the directory: pick a suggestion.")
                )
            else:
                cleaned[name] = organisation.pk
        return cleaned

    @property
    def session_fields(self) -> bool:
        return "sessions" in self.fields

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q{question.pk}"] for question in self.questions]

    def registrant(self) -> Registrant:
        data = self.cleaned_data
        return Registrant(
            given_name=data["given_name"],
            family_name=data["family_name"],
            email=data["email"],
            organisation_name=data.get("organisation", ""),
            job_title=data.get("job_title", ""),
        )

    def answers(self) -> dict[str, Any]:
        return {
            str(question.pk): self.cleaned_data.get(f"q{question.pk}")
            for question in self.questions
        }


class SurveyForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you with the event?"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    met_someone = forms.ChoiceField(
        label=_("Did you meet someone you will work with?"),
        choices=MetSomeone.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What worked, what we should change, whom you would like to meet next time."),
    )
