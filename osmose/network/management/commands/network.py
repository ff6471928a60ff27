from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from osmose.network import followups


class Command(BaseCommand):
    help = (
        "Periodic work on the network, meant for cron. `follow-ups` asks the people who met "
        "at B2B meetings whether it led somewhere, 30 and 90 days after the event (once "
        "each; running it twice sends nothing twice). Prints how many were sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("follow-ups", help="Send the follow-ups that are due.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "follow-ups":
            self.stdout.write(f"follow-ups sent: {followups.send_due()}")
