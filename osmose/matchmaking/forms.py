"""Forms of a participant's B2B space: profile, offers, the marketplace filters, requests.

Forms only validate what people type; every change goes through ``services``.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Term
from osmose.matchmaking.agenda import slot_label
from osmose.matchmaking.models import (
    Brokerage,
    OfferCategory,
    OfferKind,
    Participant,
    Priority,
    Slot,
)
from osmose.registry.models import OrganisationKind, Sector

TERMS_SIZE = 10


def slot_choice_label(slot: Slot, time_zone: str) -> str:
    """ "Morning · Tue 3 Jun · 09:00–09:20" in the event's time zone."""
    with timezone.override(time_zone):
        day = formats.date_format(timezone.localtime(slot.starts_at), "D j M")
    return f"{slot.session.name} · {day} · {slot_label(slot, time_zone)}"


def grouped_terms(terms: QuerySet[Term]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Terms as select choices grouped by vocabulary (sub-terms marked with a dash)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for term in terms.select_related("vocabulary").order_by(
        "vocabulary__position", "vocabulary__slug", "name_fr"
    ):
        group = groups.setdefault(term.vocabulary_id, (term.vocabulary.name, []))
        group[1].append((term.pk, f"— {term.name}" if term.parent_id else term.name))
    return list(groups.values())


class ProfileForm(forms.Form):
    headline = forms.CharField(
        label=_("Headline"),
        max_length=200,
        required=False,
        help_text=_("One sentence on what you do and whom you want to meet."),
    )
    unavailable_slots = forms.TypedMultipleChoiceField(
        label=_("Slots when you are not available"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("No meeting will be placed in the slots you tick."),
    )

    def __init__(self, *args: Any, brokerage: Brokerage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        time_zone = brokerage.event.time_zone
        self.fields["unavailable_slots"].choices = [  # type: ignore[attr-defined]
            (slot.number, slot_choice_label(slot, time_zone)) for slot in brokerage.slots()
        ]


class TermsField(forms.TypedMultipleChoiceField):
    """Taxonomy terms grouped by vocabulary; cleans to a list of ``Term``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.SelectMultiple(attrs={"size": TERMS_SIZE}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Term]:
        pks = super().clean(value)
        terms = list(Term.objects.filter(pk__in=pks))
        if len(terms) != len(set(pks)):
            raise ValidationError(_("Unknown taxonomy term."))
        return terms


class OfferForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Offer or request"), choices=OfferKind.choices, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("Category"), choices=OfferCategory.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    terms = TermsField(
        label=_("Taxonomy terms"),
        help_text=_(
            "They match you with the right people: pick the precise terms "
            "(Ctrl or ⌘ + click to pick several)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (OfferKind.OFFER, _("I offer it")),
            (OfferKind.REQUEST, _("I am looking for it")),
        ]
        self.fields["terms"].choices = grouped_terms(Term.objects.all())  # type: ignore[attr-defined]


class MarketplaceFilterForm(forms.Form):
    """Filters that combine; an offer filter (kind, category, term) applies to one offer."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Offers or requests")), (OfferKind.OFFER, _("Offers")),
                 (OfferKind.REQUEST, _("Requests"))],
    )  # fmt: skip
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *OfferCategory.choices]
    )
    term = forms.TypedChoiceField(
        label=_("Taxonomy term"), required=False, coerce=int, empty_value=None
    )
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[("", _("All")), *OrganisationKind.choices],
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All")), *Sector.choices]
    )

    def __init__(self, *args: Any, terms: QuerySet[Term], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *grouped_terms(terms),
        ]

    def is_filtered(self) -> bool:
        return self.is_valid() and any(
            value not in ("", None) for value in self.cleaned_data.values()
        )


class MeetingRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you would like to meet: it helps them say yes."),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=[
            (Priority.MUST_MEET, _("Must meet")),
            (Priority.WOULD_LIKE, _("Would like to meet")),
        ],
        initial=Priority.WOULD_LIKE,
        widget=forms.RadioSelect,
        help_text=_("The scheduler places the meetings you must have first."),
    )


class AnswerForm(forms.Form):
    """The recipient's answer: an optional reply and, when declining, someone else."""

    reply = forms.CharField(
        label=_("Reply (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    suggested = forms.ModelChoiceField(
        label=_("If you decline: suggest someone else (optional)"),
        queryset=Participant.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, others: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suggested"].queryset = others  # type: ignore[attr-defined]
