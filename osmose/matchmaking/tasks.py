"""Background tasks of the B2B meetings (run by `osmose worker`): the scheduler, agendas."""

import logging
from typing import Any

from django.tasks import TaskContext, task
from django.urls import reverse
from django.utils.translation import gettext as _

from osmose.core.jobs import report
from osmose.core.models import JobProgress
from osmose.matchmaking.models import Participant, ScheduleRun

logger = logging.getLogger(__name__)


@task(takes_context=True)
def run_scheduler(context: TaskContext, run_id: int) -> dict[str, Any]:
    """Solve the event's meetings; the progress row says when it is done and how it went."""
    from osmose.matchmaking import scheduling

    run = ScheduleRun.objects.select_related("brokerage__event").get(pk=run_id)
    url = reverse("matchmaking:schedule", args=[run.brokerage.event_id])
    report(context, done=0, total=1, message=scheduling.describe(run))
    try:
        scheduling.execute(run)
    except Exception as error:
        report(
            context,
            done=0,
            total=1,
            message=str(error)[:300],
            status=JobProgress.Status.FAILED,
            result_url=url,
        )
        raise
    report(
        context,
        done=1,
        total=1,
        message=scheduling.describe(run),
        status=JobProgress.Status.DONE,
        result_url=url,
    )
    return {"run": run.pk, "status": run.status}


@task(takes_context=True)
def send_agendas(context: TaskContext, brokerage_id: int) -> dict[str, Any]:
    """Each participant with a meeting gets their agenda (one failure does not stop others)."""
    from osmose.matchmaking import emails

    ids = list(
        Participant.objects.filter(
            brokerage_id=brokerage_id, active=True, meetings__status="planned"
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = failed = 0
    for done, pk in enumerate(ids, start=1):
        try:
            sent += emails.send("agenda", participant_id=pk)
        except Exception:
            failed += 1
            logger.exception("Agenda for participant %s could not be sent", pk)
        if done % 20 == 0:
            report(context, done=done, total=len(ids))
    message = _("%(count)d could not be sent") % {"count": failed} if failed else ""
    report(context, done=len(ids), total=len(ids), message=message, status=JobProgress.Status.DONE)
    return {"sent": sent, "failed": failed}


@task()
def send_email_later(kind: str, ids: dict[str, int]) -> None:
    """A B2B e-mail that failed during the request, tried again by the worker."""
    from osmose.matchmaking import emails

    emails.send(kind, **ids)
