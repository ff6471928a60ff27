import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.core.audit import history_of
from osmose.registry.access import get_organisation_for_user
from osmose.registry.forms import OrganisationForm, RelationForm
from osmose.registry.models import Organisation, OrganisationRelation
from osmose.registry.quality import organisation_quality
from osmose.registry.services import organisations as services
from osmose.registry.services.duplicates import organisation_duplicates
from osmose.registry.services.indexing import organisation_record
from osmose.registry.timeline import timeline_for


@animator_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, pk)
    affiliations = organisation.affiliations.select_related("person").order_by(
        "ended_on", "person__family_name"
    )
    quality = organisation_quality(organisation)
    duplicates = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=[d.object_id for d in quality.duplicates])
    }
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "organisation": organisation,
            "current": [a for a in affiliations if a.ended_on is None],
            "past": [a for a in affiliations if a.ended_on is not None],
            "relations_out": organisation.relations_out.select_related("target_organisation"),
            "relations_in": organisation.relations_in.select_related("source_organisation"),
            "sites": organisation.sites.select_related("commune"),
            "terms": organisation.terms.select_related("vocabulary"),
            "quality": quality,
            "duplicates": [(d, duplicates.get(d.object_id)) for d in quality.duplicates],
            "timeline": timeline_for(organisation),
            "history": history_of(organisation)[:20],
            "relation_form": RelationForm(),
            "field_sources": sorted(organisation.field_sources.items()),
        },
    )


def _save_organisation(request: HttpRequest, organisation: Organisation | None) -> HttpResponse:
    # The form works on a copy: a ModelForm writes its values into its instance, and the
    # service must see the record as it was to tell what changed.
    form = OrganisationForm(request.POST or None, instance=copy.copy(organisation))
    duplicates: list = []
    if request.method == "POST" and form.is_valid():
        record = organisation_record(
            Organisation(pk=organisation.pk if organisation else 0, **form.service_values)
        )
        candidates = organisation_duplicates(record)
        duplicates = [(c, Organisation.objects.filter(pk=c.object_id).first()) for c in candidates]
        if organisation is None and candidates and not form.cleaned_data["confirm_duplicate"]:
            form.add_error("confirm_duplicate", _("Check the possible duplicates first."))
        else:
            try:
                if organisation is None:
                    organisation = services.create_organisation(
                        actor=request.user,
                        values=form.service_values,
                        terms=form.cleaned_data["terms"],
                        tags=form.tag_list(),
                    )
                    messages.success(request, _("Organisation created."))
                else:
                    services.update_organisation(
                        actor=request.user,
                        organisation=organisation,
                        values=form.service_values,
                        terms=form.cleaned_data["terms"],
                        tags=form.tag_list(),
                    )
                    messages.success(request, _("Changes saved."))
                return redirect("registry:organisation", organisation.pk)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "registry/organisation_form.html",
        {"form": form, "organisation": organisation, "duplicates": duplicates},
        status=400 if form.errors else 200,
    )


@animator_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    return _save_organisation(request, None)


@animator_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_organisation(request, get_organisation_for_user(request.user, pk, write=True))


@animator_required
@require_POST
def organisation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, pk, write=True)
    services.mark_verified(actor=request.user, organisation=organisation)
    messages.success(request, _("Marked as verified today."))
    return redirect("registry:organisation", pk)


@animator_required
@require_POST
def relation_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, pk, write=True)
    form = RelationForm(request.POST)
    if form.is_valid():
        try:
            services.add_relation(
                actor=request.user,
                source=organisation,
                target=form.cleaned_data["target_organisation"],
                kind=form.cleaned_data["kind"],
                started_on=form.cleaned_data["started_on"],
                ended_on=form.cleaned_data["ended_on"],
            )
            messages.success(request, _("Relation saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(
            request,
            _("The relation was not saved: %(errors)s")
            % {"errors": " ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    return redirect("registry:organisation", pk)


@animator_required
@require_POST
def relation_delete(request: HttpRequest, pk: int, relation_pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, pk, write=True)
    relation = get_object_or_404(
        OrganisationRelation, pk=relation_pk, source_organisation=organisation
    )
    services.remove_relation(actor=request.user, relation=relation)
    messages.success(request, _("Relation deleted."))
    return redirect("registry:organisation", pk)
