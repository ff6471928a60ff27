"""Forms of the ventures pages: filters, the venture itself, a stage move, and each section
of the venture page (TRL, team, IP, support, rounds, seed-fund deals, milestones).

Organisations and people are typed with suggestions from the directory ("Name (#12)"), so
no form lists the whole registry. The forms only validate input: the services apply the
rules (stage evidence, deal transitions) and their errors are put back on the fields.
"""

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from osmose.core.models import Term
from osmose.pipeline import services
from osmose.pipeline.models import (
    DEAL_TRANSITIONS,
    Deal,
    DealStatus,
    Instrument,
    IpAsset,
    Stage,
    SupportAction,
    TeamRole,
    Venture,
)
from osmose.registry.forms import OrganisationLookupField, TermChoiceField
from osmose.registry.models import Organisation, OrganisationKind, Person

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_WIDGET, **kwargs)


def lookup_label(organisation: Organisation | None) -> str:
    """How a lookup field shows a chosen organisation (what the suggestions look like)."""
    return f"{organisation.name} (#{organisation.pk})" if organisation else ""


class PersonLookupField(forms.ModelChoiceField):
    """A person typed by name with suggestions ("Name (#12)"), or by their number."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Person.objects.filter(merged_into=None, erased_at=None))
        kwargs.setdefault(
            "help_text", _("Type a few letters and pick a suggestion, or the number.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({
            "list": "person-suggestions", "autocomplete": "off",
            "hx-get": reverse_lazy("pipeline:person_lookup"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#person-suggestions", "hx-swap": "innerHTML",
        })  # fmt: skip

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        match = re.search(r"#(\d+)\)?\s*$", text) or re.fullmatch(r"(\d+)", text)
        if match:
            return super().to_python(match.group(1))
        if text:
            raise ValidationError(_("Pick the person among the suggestions."))
        return super().to_python(value)


def _investors() -> Any:
    return Organisation.objects.filter(merged_into=None, kind=OrganisationKind.INVESTOR).order_by(
        "name"
    )


def _terms_field() -> TermChoiceField:
    return TermChoiceField(
        queryset=Term.objects.select_related("vocabulary").order_by(
            "vocabulary__position", "name_fr"
        ),
        required=False,
        label=_("Taxonomy terms"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


# --- The list ---------------------------------------------------------------------------------


class VentureFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    origin = forms.CharField(label=_("Origin"), required=False, max_length=100)
    term = forms.ModelChoiceField(
        label=_("Taxonomy term"),
        required=False,
        queryset=Term.objects.order_by("name_fr"),
        empty_label=_("All terms"),
    )
    created = forms.ChoiceField(
        label=_("Startup created"),
        required=False,
        choices=[("", _("Either")), ("yes", _("Yes")), ("no", _("No"))],
    )

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is ignored, and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.fields if data.get(name)}


# --- The venture ------------------------------------------------------------------------------


class VentureForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    technology = forms.CharField(
        label=_("Technology"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    origin = OrganisationLookupField(
        label=_("Origin (research unit or organisation)"), required=False
    )
    tech_transfer_office = OrganisationLookupField(label=_("Tech-transfer office"), required=False)
    terms = _terms_field()
    on = _date(
        _("Idea recorded on"),
        required=False,
        help_text=_("When the project was first identified; empty: today."),
    )

    def __init__(self, *args: Any, venture: Venture | None = None, **kwargs: Any) -> None:
        self.venture = venture
        if venture is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": venture.name,
                    "summary": venture.summary,
                    "technology": venture.technology,
                    "origin": lookup_label(venture.origin),
                    "tech_transfer_office": lookup_label(venture.tech_transfer_office),
                    "terms": list(venture.terms.all()),
                },
            )
        super().__init__(*args, **kwargs)
        if venture is not None:
            del self.fields["on"]  # the history is changed by moves, not by editing

    @property
    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.VENTURE_FIELDS}


class MoveForm(forms.Form):
    """Move one venture to one of its allowed stages, with the evidence that stage needs."""

    stage = forms.ChoiceField(label=_("Move to"))
    on = _date(_("Date of the move"))
    company = OrganisationLookupField(
        label=_("Company it became"),
        required=False,
        help_text=_("For “company created”: from the directory, with its SIREN and creation date."),
    )
    licensee = OrganisationLookupField(
        label=_("Licensee"), required=False, help_text=_("For “licensed”: the company.")
    )
    reason = forms.CharField(
        label=_("Why it stopped"), required=False, max_length=300, help_text=_("For “stopped”.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, venture: Venture, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"move-{venture.pk}-%s")
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.venture = venture
        allowed = services.allowed_stages(venture)
        self.allowed = allowed
        # Any stage is accepted here and the service refuses an illegal move with its own
        # words (the card may be stale); the select offers only the allowed ones.
        stage = self.fields["stage"]
        assert isinstance(stage, forms.ChoiceField)
        stage.choices = Stage.choices
        stage.widget.choices = [(s, Stage(s).label) for s in allowed]
        # Only the evidence fields that one of the allowed stages can ask for.
        if Stage.COMPANY_CREATED not in allowed:
            del self.fields["company"]
        else:
            self.fields["company"].initial = lookup_label(venture.company)
        if Stage.LICENSED not in allowed:
            del self.fields["licensee"]
        if Stage.STOPPED not in allowed:
            del self.fields["reason"]

    @property
    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "stage": data["stage"],
            "on": data["on"],
            "note": data.get("note", ""),
            "company": data.get("company"),
            "licensee": data.get("licensee"),
            "reason": data.get("reason", ""),
        }


# --- Sections of the venture page -------------------------------------------------------------


class TrlForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("TRL"), coerce=int, choices=[(n, str(n)) for n in range(1, 10)]
    )
    on = _date(_("Date"), initial=date.today)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class TeamMemberForm(forms.Form):
    person = PersonLookupField(label=_("Person"))
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    since = _date(_("Since"), required=False)


class IpForm(forms.ModelForm):
    owner = OrganisationLookupField(label=_("Owner"), required=False)
    licensee = OrganisationLookupField(label=_("Licensee"), required=False)

    class Meta:
        model = IpAsset
        fields = ["kind", "title", "reference", "on", "owner", "licensee"]
        widgets = {"on": DATE_WIDGET}


class SupportForm(forms.ModelForm):
    provider = OrganisationLookupField(label=_("By"), required=False)

    class Meta:
        model = SupportAction
        fields = [
            "kind", "title", "on", "hours", "provider", "scheme", "amount_requested",
            "amount_obtained", "outcome",
        ]  # fmt: skip
        widgets = {"on": DATE_WIDGET}
        help_texts = {"hours": _("For coaching."), "scheme": _("For a grant application.")}


class RoundForm(forms.Form):
    on = _date(_("Date"))
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    amount = forms.DecimalField(label=_("Amount (€)"), max_digits=14, decimal_places=2, min_value=1)
    investors = forms.ModelMultipleChoiceField(
        label=_("Investors"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The investors of the directory; add any other organisation below."),
    )
    investor_add = OrganisationLookupField(label=_("Another investor"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["investors"].queryset = _investors()  # type: ignore[attr-defined]

    def chosen_investors(self) -> list[Organisation]:
        chosen = list(self.cleaned_data.get("investors") or [])
        added = self.cleaned_data.get("investor_add")
        if added is not None and added not in chosen:
            chosen.append(added)
        return chosen


class DealForm(forms.Form):
    fund = forms.ModelChoiceField(
        label=_("Fund"),
        queryset=Organisation.objects.none(),
        help_text=_("The investors of the directory."),
    )
    on = _date(_("Proposed on"), initial=date.today)
    amount = forms.DecimalField(
        label=_("Amount considered (€)"),
        max_digits=14,
        decimal_places=2,
        min_value=1,
        required=False,
    )
    follow_on_of = forms.ModelChoiceField(
        label=_("Follow-on of"),
        queryset=Deal.objects.none(),
        required=False,
        empty_label=_("No: a first investment"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, venture: Venture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = _investors()  # type: ignore[attr-defined]
        self.fields["follow_on_of"].queryset = Deal.objects.filter(  # type: ignore[attr-defined]
            venture=venture, status=DealStatus.INVESTED
        ).select_related("fund")


class DealMoveForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to"))
    on = _date(_("Date"))
    amount = forms.DecimalField(
        label=_("Amount invested (€)"),
        max_digits=14,
        decimal_places=2,
        min_value=1,
        required=False,
        help_text=_("For “invested”; empty: the amount considered."),
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"),
        choices=Instrument.choices,
        initial=Instrument.EQUITY,
        required=False,
        help_text=_("For “invested”; empty: equity."),
    )

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"deal-{deal.pk}-%s")
        kwargs.setdefault("initial", {"on": timezone.localdate(), "amount": deal.amount})
        super().__init__(*args, **kwargs)
        self.deal = deal
        allowed = [s for s in DealStatus.values if s in DEAL_TRANSITIONS.get(deal.status, set())]
        self.allowed = allowed
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = DealStatus.choices  # the service refuses an illegal move in words
        status.widget.choices = [(s, DealStatus(s).label) for s in allowed]
        if DealStatus.INVESTED not in allowed:
            del self.fields["amount"]
            del self.fields["instrument"]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = _date(_("Due"))


# --- The funnel -------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    # With a context: the bare "To" is already the recipients of a message.
    start = _date(pgettext_lazy("period", "From"), required=False)
    end = _date(pgettext_lazy("period", "To"), required=False)

    def period(self, default_start: date, default_end: date) -> tuple[date, date]:
        """The chosen period; the defaults while the form is empty or invalid."""
        if not self.is_bound or not self.is_valid():
            return default_start, default_end
        start = self.cleaned_data["start"] or default_start
        end = self.cleaned_data["end"] or default_end
        if start > end:
            self.add_error("end", _("The end comes before the start."))
            return default_start, default_end
        return start, end
