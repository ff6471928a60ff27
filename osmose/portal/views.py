from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from osmose.accounts.access import login_required, user_has_role
from osmose.accounts.models import Role
from osmose.core.models import AuditLogEntry
from osmose.events.selectors import upcoming_event_count, upcoming_events
from osmose.network.selectors import open_task_count, open_tasks
from osmose.registry.selectors import organisations_by_kind, registry_figures


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public landing page: what the network is, its size, what comes next."""
    return render(
        request,
        "portal/home.html",
        {"figures": registry_figures(), "events": upcoming_events(public_only=True)},
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """After login: the animator's dashboard, a member's space or a funder's overview."""
    user = request.user
    if user_has_role(user, Role.ANIMATOR):
        by_kind = organisations_by_kind()
        largest = max((n for _k, _l, n in by_kind), default=0)
        return render(
            request,
            "portal/dashboard_animator.html",
            {
                "figures": registry_figures(),
                "upcoming_count": upcoming_event_count(),
                "open_task_count": open_task_count(),
                "events": upcoming_events(public_only=False),
                "tasks": open_tasks(limit=8),
                "by_kind": [
                    (kind, label, n, round(100 * n / largest) if largest else 0)
                    for kind, label, n in by_kind
                ],
                "recent_actions": AuditLogEntry.objects.select_related("actor")[:8],
                "today": timezone.localdate(),
            },
        )
    if user_has_role(user, Role.FUNDER):
        return render(
            request,
            "portal/dashboard_funder.html",
            {"figures": registry_figures(), "upcoming_count": upcoming_event_count()},
        )
    return render(
        request,
        "portal/dashboard_member.html",
        {"person": getattr(user, "person", None), "events": upcoming_events(public_only=True)},
    )
