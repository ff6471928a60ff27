"""Background tasks of events (run by `osmose worker`): invitations and messages by e-mail."""

import logging
from typing import Any

from django.tasks import TaskContext, task
from django.utils.translation import gettext as _

from osmose.core.jobs import report
from osmose.core.models import JobProgress
from osmose.events.models import EventMessage, Invitation

logger = logging.getLogger(__name__)
REPORT_EVERY = 20


@task(takes_context=True)
def send_invitations(context: TaskContext, invitation_ids: list[int]) -> dict[str, Any]:
    """Send each invitation; one address that fails does not stop the others."""
    from osmose.events import emails

    invitations = list(
        Invitation.objects.select_related("event", "person")
        .filter(pk__in=invitation_ids)
        .order_by("pk")
    )
    total = len(invitations)
    sent = failed = 0
    for done, invitation in enumerate(invitations, start=1):
        try:
            # False: nothing to send (the address was removed or the person erased since).
            sent += bool(emails.send_invitation(invitation))
        except Exception:
            failed += 1
            logger.exception("Invitation %s could not be sent", invitation.pk)
        if done % REPORT_EVERY == 0:
            report(context, done=done, total=total, message=_failures(failed))
    report(
        context,
        done=total,
        total=total,
        message=_failures(failed),
        status=JobProgress.Status.DONE,
    )
    return {"sent": sent, "failed": failed}


@task(takes_context=True)
def send_event_message(context: TaskContext, message_id: int) -> dict[str, Any]:
    """Send an organiser's message to its audience."""
    from osmose.events import emails

    message = EventMessage.objects.select_related("event", "sent_by").get(pk=message_id)
    report(context, done=0, total=message.recipients)
    try:
        sent = emails.send_message(message)
    except Exception as error:
        report(context, done=0, total=0, message=str(error)[:300], status=JobProgress.Status.FAILED)
        raise
    count = int(sent)
    report(
        context,
        done=count,
        total=max(count, message.recipients),
        status=JobProgress.Status.DONE,
    )
    return {"sent": count}


def _failures(failed: int) -> str:
    return _("%(count)d could not be sent") % {"count": failed} if failed else ""


@task()
def send_registration_email_later(kind: str, registration_id: int) -> None:
    """A registration e-mail that failed during the request, tried again by the worker."""
    from osmose.events import emails

    emails.send_registration_email(kind, registration_id)
