import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Term
from osmose.registry.models import (
    Organisation,
    OrganisationRelation,
    Person,
)
from osmose.registry.services import organisations as organisation_services
from osmose.registry.services import people as people_services

PUBLIC_ORGANISATION_FIELDS = [
    ("description", _("Description")), ("website", _("Website")), ("address", _("Address")),
    ("people", _("People")), ("terms", _("Expertise")),
]  # fmt: skip
PUBLIC_PERSON_FIELDS = [
    ("job_title", _("Job title")), ("organisation", _("Organisation")),
    ("expertise", _("Expertise")), ("email", _("E-mail")), ("phone", _("Phone")),
]  # fmt: skip


class TermChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Term) -> str:
        prefix = "— " if obj.parent_id else ""
        return f"{prefix}{obj.name} ({obj.vocabulary.name})"


def _terms_field(label: Any) -> TermChoiceField:
    return TermChoiceField(
        queryset=Term.objects.select_related("vocabulary").order_by(
            "vocabulary__position", "name_fr"
        ),
        required=False,
        label=label,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


def _identifier(label: Any, help_text: Any = "") -> forms.CharField:
    # Longer than the stored form: people type spaces ("732 829 320"); the service compacts.
    return forms.CharField(label=label, max_length=40, required=False, help_text=help_text)


class OrganisationForm(forms.ModelForm):
    siren = _identifier("SIREN")
    siret = _identifier(_("SIRET (head office)"))
    rnsr = _identifier("RNSR")
    ror = _identifier("ROR")
    vat_number = _identifier(_("VAT number"))
    terms = _terms_field(_("Taxonomy terms"))
    tag_names = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas.")
    )
    public_fields = forms.MultipleChoiceField(
        label=_("May be published in the public directory"),
        required=False,
        choices=PUBLIC_ORGANISATION_FIELDS,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_duplicate = forms.BooleanField(
        label=_("I checked: this is not one of the possible duplicates above"), required=False
    )

    class Meta:
        model = Organisation
        fields = [
            "name", "acronym", "kind", "sector", "scope", "status", "siren", "siret", "rnsr",
            "ror", "vat_number", "naf_code", "website", "headcount", "founded_on", "is_jei",
            "street", "postcode", "city", "description_fr", "description_en",
        ]  # fmt: skip
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(t.name for t in self.instance.tags.all())
            self.fields["public_fields"].initial = self.instance.public_fields

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = {f: cleaned[f] for f in organisation_services.EDITABLE_FIELDS if f in cleaned}
        try:
            self.service_values = organisation_services.clean_organisation_values(values)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            cleaned.update(self.service_values)  # the model validates the canonical values
        return cleaned

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data.get("tag_names", "").split(",") if t.strip()]


class PersonForm(forms.ModelForm):
    expertise = _terms_field(_("Expertise"))
    other_emails_text = forms.CharField(
        label=_("Other e-mails"), required=False, help_text=_("Separated by commas.")
    )
    public_fields = forms.MultipleChoiceField(
        label=_("May be published in the public directory"),
        required=False,
        choices=PUBLIC_PERSON_FIELDS,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_duplicate = forms.BooleanField(
        label=_("I checked: this is not one of the possible duplicates above"), required=False
    )

    class Meta:
        model = Person
        fields = [
            "given_name", "family_name", "email", "phone", "job_title", "orcid", "linkedin_url",
            "street", "postcode", "city", "country",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["other_emails_text"].initial = ", ".join(self.instance.other_emails)
            self.fields["public_fields"].initial = self.instance.public_fields
            self.fields["expertise"].initial = list(self.instance.expertise.all())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = {f: cleaned[f] for f in people_services.EDITABLE_FIELDS if f in cleaned}
        values["other_emails"] = [
            e.strip() for e in cleaned.get("other_emails_text", "").split(",") if e.strip()
        ]
        try:
            self.service_values = people_services.clean_person_values(values)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = "other_emails_text" if field == "other_emails" else field
                self.add_error(target if target in self.fields else None, messages)
        else:
            cleaned.update(self.service_values)
        return cleaned


class OrganisationLookupField(forms.ModelChoiceField):
    """An organisation typed by name with suggestions ("Name (#12)"), or by its number."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Organisation.objects.filter(merged_into=None))
        kwargs.setdefault(
            "help_text", _("Type a few letters and pick a suggestion, or the number.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({
            "list": "organisation-suggestions", "autocomplete": "off",
            "hx-get": reverse_lazy("registry:organisation_lookup"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#organisation-suggestions", "hx-swap": "innerHTML",
        })  # fmt: skip

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        match = re.search(r"#(\d+)\)?\s*$", text) or re.fullmatch(r"(\d+)", text)
        if match:
            return super().to_python(match.group(1))
        if text:
            found = list(Organisation.objects.filter(merged_into=None, name__iexact=text)[:2])
            if len(found) == 1:
                return found[0]
            raise ValidationError(_("Pick the organisation among the suggestions."))
        return super().to_python(value)


class AffiliationForm(forms.Form):
    organisation = OrganisationLookupField(label=_("Organisation"))
    role = forms.CharField(label=_("Role"), max_length=150, required=False)
    started_on = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    primary = forms.BooleanField(label=_("Primary affiliation"), required=False)


class RelationForm(forms.ModelForm):
    target_organisation = OrganisationLookupField(label=_("Other organisation"))

    class Meta:
        model = OrganisationRelation
        fields = ["kind", "target_organisation", "started_on", "ended_on"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
        }
