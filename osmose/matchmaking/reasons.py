"""Why a meeting is not on the grid, in the reader's language.

``Meeting.unscheduled_reason`` keeps the reason as written: the solver's technical English
(``scheduler.greedy.unscheduled_reason``, with instance ids such as ``'p12'``) or one of the
codes below for a cancellation. :func:`explain` turns either into a sentence in the active
language, with people's names instead of ids.
"""

import re

from django.utils.translation import gettext as _

from osmose.matchmaking.models import Participant

FORBIDDEN = "cancelled:forbidden"
LEFT = "cancelled:left"
BY_PARTICIPANT = "cancelled:by-participant"
BY_ORGANISER = "cancelled:by-organiser"
NEWCOMER_BUSY = "unplaced:newcomer-busy"

_PARTICIPANT_ID = re.compile(r"'p(\d+)'")


def _name(match: re.Match[str] | None) -> str:
    if match is None:
        return _("a participant")
    participant = (
        Participant.objects.select_related("registration__person")
        .filter(pk=int(match.group(1)))
        .first()
    )
    return str(participant.registration.person) if participant else _("a participant")


def explain(reason: str) -> str:
    """A sentence for ``reason`` (empty for none)."""
    if not reason:
        return ""
    codes = {
        FORBIDDEN: _("The organisers decided these participants would not meet."),
        LEFT: _("A participant left the B2B meetings."),
        BY_PARTICIPANT: _("Cancelled by a participant."),
        BY_ORGANISER: _("Cancelled by the organisers."),
        NEWCOMER_BUSY: _(
            "A colleague joined this meeting but is busy at its time: it will be placed again."
        ),
    }
    if reason in codes:
        return codes[reason]
    if reason.startswith("no slot") and "available" in reason:
        return _("There is no slot in which all its participants are available.")
    if reason.startswith("it must follow"):
        return _("It must follow a meeting that is not scheduled.")
    if reason.startswith("no allowed slot left after"):
        return _("No slot is left after the meetings it must follow.")
    if reason.startswith("all ") and "tables are taken" in reason:
        return _("Every table is taken in every slot it could have.")
    if "is in other meetings in every slot" in reason:
        return _("%(name)s is in other meetings in every slot it could have.") % {
            "name": _name(_PARTICIPANT_ID.search(reason))
        }
    return reason
