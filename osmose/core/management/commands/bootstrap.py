from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Prepare an installation in one process: compile translations, migrate, create the "
        "cache table, load the geography when empty. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Then load the demo ecosystem if the database is empty.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("geography", "load", if_empty=True, verbosity=options["verbosity"])
        if options["demo"]:
            call_command("demo", if_empty=True)
