from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from osmose.accounts.access import login_required
from osmose.core.models import JobProgress


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Shown when a rate limit (django-ratelimit) refuses a request."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Too many requests, try again later.")}, status=429)
    return render(request, "core/429.html", status=429)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@require_GET
def job_progress(request: HttpRequest, task_id: str) -> HttpResponse:
    """The progress of a background job; htmx polls this partial until the job ends."""
    job = get_object_or_404(JobProgress, task_id=task_id, owner=request.user)
    template = "core/_job_progress.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})
