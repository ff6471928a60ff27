import copy
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from osmose.accounts.access import animator_required, login_required
from osmose.core.audit import history_of
from osmose.registry.access import can_manage_registry, get_person_for_user
from osmose.registry.forms import AffiliationForm, PersonForm
from osmose.registry.models import (
    Affiliation,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    LegalBasis,
    Person,
)
from osmose.registry.quality import person_quality
from osmose.registry.services import people as services
from osmose.registry.services import privacy
from osmose.registry.services.duplicates import person_duplicates
from osmose.registry.services.indexing import person_record
from osmose.registry.timeline import timeline_for_person


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    quality = person_quality(person) if can_manage_registry(request.user) else None
    duplicates = {}
    if quality:
        duplicates = {
            p.pk: p for p in Person.objects.filter(pk__in=[d.object_id for d in quality.duplicates])
        }
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "affiliations": person.affiliations.select_related("organisation").order_by(
                "ended_on", "-is_primary"
            ),
            "consents": person.consents.all(),
            "expertise": person.expertise.select_related("vocabulary"),
            "quality": quality,
            "duplicates": [(d, duplicates.get(d.object_id)) for d in quality.duplicates]
            if quality
            else [],
            "history": history_of(person)[:20] if can_manage_registry(request.user) else [],
            "affiliation_form": AffiliationForm(),
            "consent_purposes": ConsentPurpose.choices,
            "legal_bases": LegalBasis.choices,
            "channels": ConsentChannel.choices,
            "can_manage": can_manage_registry(request.user),
            "field_sources": sorted(person.field_sources.items()),
            "timeline": timeline_for_person(person),
        },
    )


def _save_person(request: HttpRequest, person: Person | None) -> HttpResponse:
    # A copy: the ModelForm writes into its instance; the service compares with the original.
    form = PersonForm(request.POST or None, instance=copy.copy(person))
    duplicates: list = []
    if request.method == "POST" and form.is_valid():
        values = {**form.service_values, "public_fields": form.cleaned_data["public_fields"]}
        candidates = person_duplicates(
            person_record(Person(pk=person.pk if person else 0, **form.service_values))
        )
        duplicates = [(c, Person.objects.filter(pk=c.object_id).first()) for c in candidates]
        if person is None and candidates and not form.cleaned_data["confirm_duplicate"]:
            form.add_error("confirm_duplicate", _("Check the possible duplicates first."))
        else:
            try:
                if person is None:
                    person = services.create_person(
                        actor=request.user, values=values, expertise=form.cleaned_data["expertise"]
                    )
                    messages.success(request, _("Person created."))
                else:
                    services.update_person(
                        actor=request.user,
                        person=person,
                        values=values,
                        expertise=form.cleaned_data["expertise"],
                    )
                    messages.success(request, _("Changes saved."))
                return redirect("registry:person", person.pk)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "person": person, "duplicates": duplicates},
        status=400 if form.errors else 200,
    )


@animator_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    return _save_person(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_person(request, get_person_for_user(request.user, pk, write=True))


@animator_required
@require_POST
def affiliation_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    form = AffiliationForm(request.POST)
    if form.is_valid():
        services.add_affiliation(
            actor=request.user,
            person=person,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
            started_on=form.cleaned_data["started_on"],
            primary=form.cleaned_data["primary"] or None,
        )
        messages.success(request, _("Affiliation saved."))
    else:
        messages.error(
            request,
            _("The affiliation was not saved: %(errors)s")
            % {"errors": " ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    return redirect("registry:person", pk)


@animator_required
@require_POST
def affiliation_end(request: HttpRequest, pk: int, affiliation_pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    affiliation = get_object_or_404(Affiliation, pk=affiliation_pk, person=person, ended_on=None)
    services.end_affiliation(actor=request.user, affiliation=affiliation)
    messages.success(request, _("Affiliation ended."))
    return redirect("registry:person", pk)


@animator_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    purpose, basis, channel = (
        request.POST.get(k, "") for k in ("purpose", "legal_basis", "channel")
    )
    if (
        purpose not in ConsentPurpose.values
        or basis not in LegalBasis.values
        or channel not in ConsentChannel.values
    ):
        messages.error(request, _("Choose a purpose, a legal basis and a channel."))
    else:
        services.record_consent(
            actor=request.user,
            person=person,
            purpose=ConsentPurpose(purpose),
            legal_basis=LegalBasis(basis),
            channel=ConsentChannel(channel),
            source=request.POST.get("source", "")[:150],
        )
        messages.success(request, _("Consent recorded."))
    return redirect("registry:person", pk)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    consent = get_object_or_404(ConsentRecord, pk=consent_pk, person=person)
    services.withdraw_consent(actor=request.user, consent=consent)
    messages.success(request, _("Consent withdrawn."))
    return redirect("registry:person", pk)


@login_required
@require_GET
def person_data(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything Osmose holds about a person: a readable page, or JSON with ?format=json."""
    person = get_person_for_user(request.user, pk)
    data = privacy.export_person_data(person=person, actor=request.user)
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="osmose-person-{pk}.json"'
        return response
    return render(
        request,
        "registry/person_data.html",
        {"person": person, "data": data, "pretty": json.dumps(data, ensure_ascii=False, indent=2)},
    )


@animator_required
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Tick the box to confirm the erasure."))
        else:
            privacy.erase_person(
                person=person, actor=request.user, reason=request.POST.get("reason", "")[:300]
            )
            messages.success(request, _("The person's data is erased."))
            return redirect("registry:people")
    return render(request, "registry/person_erase.html", {"person": person})


@animator_required
@require_GET
def reconsent_list(request: HttpRequest) -> HttpResponse:
    """People with no contact from them for 3 years: ask again for consent, or erase."""
    from django.core.paginator import Paginator

    people = (
        privacy.people_to_reconsent()
        .select_related("primary_organisation")
        .order_by("last_contact_at", "pk")
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "registry/reconsent.html", {"page": page})
