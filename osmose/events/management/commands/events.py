from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from osmose.events import emails, services
from osmose.events.models import Attendance, Event, EventStatus, RegistrationStatus

THANK_WITHIN = timedelta(days=7)


class Command(BaseCommand):
    help = (
        "Periodic work on events, meant for cron. `remind` sends the reminders that are due "
        "(event.reminder_days before the start, once each); `expire-offers` cancels the seats "
        "offered from the waiting list and not confirmed in time, and offers them to the next "
        "people; `thank EVENT_ID` thanks the event's attendees with the survey link; `tick` "
        "does all three, thanking every event that ended in the last 7 days. Running any of "
        "them twice sends nothing twice. Prints the counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("remind", help="Send the reminders that are due.")
        actions.add_parser("expire-offers", help="Expire seat offers not confirmed in time.")
        thank = actions.add_parser("thank", help="Thank an event's attendees (survey link).")
        thank.add_argument("event_id", type=int, metavar="EVENT_ID")
        actions.add_parser("tick", help="remind + expire-offers + thank recent events (cron).")

    def handle(self, *args: Any, **options: Any) -> None:
        match options["action"]:
            case "remind":
                self._remind()
            case "expire-offers":
                self._expire_offers()
            case "thank":
                event = Event.objects.filter(pk=options["event_id"]).first()
                if event is None:
                    raise CommandError(f"No event with id {options['event_id']}.")
                self._thank(event)
            case "tick":
                self._remind()
                self._expire_offers()
                for event in events_to_thank():
                    self._thank(event)

    def _remind(self) -> None:
        self.stdout.write(f"reminders sent: {emails.send_reminders()}")

    def _expire_offers(self) -> None:
        self.stdout.write(f"offers expired: {services.expire_offers()}")

    def _thank(self, event: Event) -> None:
        self.stdout.write(f"event {event.pk}: thanks sent: {emails.send_thanks(event)}")


def events_to_thank() -> list[Event]:
    """Events that ended in the last ``THANK_WITHIN`` with attendees not yet thanked."""
    now = timezone.now()
    return list(
        Event.objects.filter(
            ends_at__lte=now,
            ends_at__gte=now - THANK_WITHIN,
            registrations__status=RegistrationStatus.CONFIRMED,
            registrations__attendance=Attendance.ATTENDED,
            registrations__thanked_at=None,
        )
        .exclude(status__in=(EventStatus.DRAFT, EventStatus.CANCELLED))
        .distinct()
        .order_by("ends_at", "pk")
    )
