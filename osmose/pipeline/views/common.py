"""What the ventures pages share: access, fetching a venture, form errors, htmx."""

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest

from osmose.accounts.access import role_required, user_has_role
from osmose.accounts.models import Role
from osmose.pipeline import selectors
from osmose.pipeline.models import (
    Deal,
    IpAsset,
    StageChange,
    SupportAction,
    TeamMember,
    Venture,
)

# The funnel is the one page funders see: aggregates and the public evidence of creations.
animator_or_funder_required = role_required(Role.ANIMATOR, Role.FUNDER)


def get_venture_for_user(user: Any, pk: int) -> Venture:
    """The venture with everything its page shows; animators (and admins) only (403), 404
    when it does not exist."""
    if not user_has_role(user, Role.ANIMATOR):
        raise PermissionDenied
    venture = (
        selectors.ventures()
        .select_related("tech_transfer_office", "company")
        .prefetch_related(
            Prefetch("stage_changes", queryset=StageChange.objects.order_by("on", "pk")),
            "trl_records",
            Prefetch("team", queryset=TeamMember.objects.select_related("person")),
            Prefetch("ip_assets", queryset=IpAsset.objects.select_related("owner", "licensee")),
            Prefetch("support", queryset=SupportAction.objects.select_related("provider")),
            "rounds__investors",
            Prefetch(
                "deals",
                queryset=Deal.objects.select_related("fund", "funding_round", "follow_on_of__fund"),
            ),
            "milestones",
        )
        .filter(pk=pk)
        .first()
    )
    if venture is None:
        raise Http404
    return venture


def form_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal put back on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))
