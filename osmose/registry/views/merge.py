from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from osmose.accounts.access import animator_required
from osmose.core.models import AuditLogEntry
from osmose.registry.access import get_organisation_for_user, get_person_for_user
from osmose.registry.dedup import LIKELY
from osmose.registry.models import DuplicateKind, Organisation, Person
from osmose.registry.services import duplicates as duplicate_services
from osmose.registry.services import merge as services
from osmose.registry.services.linked import kept_count, linked_counts


def _field_rows(model: Any, fields: list[str], survivor: Any, other: Any) -> list[dict[str, Any]]:
    rows = []
    for name in fields:
        field = model._meta.get_field(name)
        mine, theirs = getattr(survivor, name), getattr(other, name)
        display = getattr(survivor, f"get_{name}_display", None)
        rows.append(
            {
                "name": name,
                "label": field.verbose_name,
                "mine": display() if display else mine,
                "theirs": getattr(other, f"get_{name}_display")() if display else theirs,
                "differs": mine != theirs,
                # Default: keep the survivor's value unless it is empty and the other's is not.
                "take_other": not mine and bool(theirs),
            }
        )
    return rows


def _nonzero(*counts: tuple[str, int]) -> list[tuple[str, int]]:
    return [(name, count) for name, count in counts if count]


def _report_kept(request: HttpRequest, entry: AuditLogEntry) -> None:
    kept = kept_count(entry.data.get("linked", {}))
    if kept:
        messages.warning(
            request,
            ngettext(
                "%(count)d linked record stayed with the merged record because the survivor "
                "already had its twin (a registration to the same event, for example).",
                "%(count)d linked records stayed with the merged record because the survivor "
                "already had their twins (a registration to the same event, for example).",
                kept,
            )
            % {"count": kept},
        )


@animator_required
@require_http_methods(["GET", "POST"])
def organisation_merge(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    survivor = get_organisation_for_user(request.user, pk, write=True)
    other = get_organisation_for_user(request.user, other_pk, write=True)
    if request.method == "POST":
        choices = {f: request.POST.get(f) == "other" for f in services.ORGANISATION_MERGE_FIELDS}
        try:
            entry = services.merge_organisations(
                actor=request.user, survivor=survivor, other=other, take_from_other=choices
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("registry:organisation", pk)
        request.session["osmose.last_merge"] = entry.pk
        _report_kept(request, entry)
        messages.success(
            request, _("%(other)s is merged into this organisation.") % {"other": other.name}
        )
        return redirect("registry:organisation", survivor.pk)
    return render(
        request,
        "registry/merge.html",
        {
            "kind": "organisation",
            "survivor": survivor,
            "other": other,
            "rows": _field_rows(Organisation, services.ORGANISATION_MERGE_FIELDS, survivor, other),
            "counts": _nonzero(
                (_("people"), other.affiliations.count()),
                (_("relations"), other.relations_out.count() + other.relations_in.count()),
                (_("sites"), other.sites.count()),
                *linked_counts(Organisation, other.pk),
            ),
        },
    )


@animator_required
@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    survivor = get_person_for_user(request.user, pk, write=True)
    other = get_person_for_user(request.user, other_pk, write=True)
    if request.method == "POST":
        choices = {f: request.POST.get(f) == "other" for f in services.PERSON_MERGE_FIELDS}
        try:
            entry = services.merge_people(
                actor=request.user, survivor=survivor, other=other, take_from_other=choices
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("registry:person", pk)
        request.session["osmose.last_merge"] = entry.pk
        _report_kept(request, entry)
        messages.success(request, _("%(other)s is merged into this person.") % {"other": other})
        return redirect("registry:person", survivor.pk)
    return render(
        request,
        "registry/merge.html",
        {
            "kind": "person",
            "survivor": survivor,
            "other": other,
            "rows": _field_rows(
                Person,
                [
                    f
                    for f in services.PERSON_MERGE_FIELDS
                    if f not in ("other_emails", "other_phones", "languages")
                ],
                survivor,
                other,
            ),
            "counts": _nonzero(
                (_("affiliations"), other.affiliations.count()),
                (_("consent records"), other.consents.count()),
                *linked_counts(Person, other.pk),
            ),
        },
    )


@animator_required
@require_POST
def merge_undo(request: HttpRequest, entry_pk: int) -> HttpResponse:
    entry = get_object_or_404(
        AuditLogEntry,
        pk=entry_pk,
        action__in=["registry.organisation.merged", "registry.person.merged"],
    )
    try:
        services.undo_merge(actor=request.user, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The merge is undone: both records are back."))
    route = "registry:organisation" if "organisation" in entry.action else "registry:person"
    return redirect(route, int(entry.target_id))


@animator_required
@require_POST
def not_duplicate(request: HttpRequest, kind: str, pk: int, other_pk: int) -> HttpResponse:
    if kind == "organisation":
        get_organisation_for_user(request.user, pk)
        get_organisation_for_user(request.user, other_pk)
    elif kind == "person":
        get_person_for_user(request.user, pk)
        get_person_for_user(request.user, other_pk)
    else:
        return HttpResponse(status=404)
    duplicate_services.mark_not_duplicate(
        kind=DuplicateKind(kind), a_id=pk, b_id=other_pk, actor=request.user
    )
    messages.success(request, _("Noted: these two are different. They will not be proposed again."))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        return redirect(next_url)
    return redirect(f"registry:{kind}", pk)


@animator_required
@require_http_methods(["GET", "POST"])
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """The likely duplicates of the whole registry, from the last scan; a new scan runs with
    the worker (a registry of a million people takes minutes)."""
    from osmose.core.jobs import requested_job, start_job
    from osmose.registry.services.scan import latest_pairs
    from osmose.registry.tasks import scan_duplicates

    kind = request.GET.get("kind", request.POST.get("kind", "organisation"))
    if kind not in DuplicateKind.values:
        kind = "organisation"
    if request.method == "POST":
        started = start_job(
            scan_duplicates,
            title=_("Duplicate scan: %(kind)s") % {"kind": DuplicateKind(kind).label},
            owner=request.user,
            kind=kind,
        )
        return redirect(
            f"{reverse('registry:duplicates')}?{urlencode({'kind': kind, 'job': started.task_id})}"
        )
    latest = latest_pairs(kind=kind, limit=200)
    return render(
        request,
        "registry/duplicates.html",
        {"kind": kind, "latest": latest, "pairs": latest.pairs, "likely": LIKELY,
         "kinds": DuplicateKind.choices, "job": requested_job(request)},
    )  # fmt: skip
