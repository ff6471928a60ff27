from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from osmose.core.demo import DEMO_SEED, build_demo, reset_demo


class Command(BaseCommand):
    help = "Load the demo ecosystem (a fictional Centre-Val de Loire biopharma network)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Only when no organisation exists yet."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then rebuild it."
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_ACCOUNTS_ALLOWED:
            raise CommandError("The demo ecosystem is refused in production (OSMOSE_ENV).")
        from osmose.registry.models import Organisation

        if options["if_empty"] and Organisation.objects.exists():
            return
        if Organisation.objects.exists() and not options["reset"]:
            raise CommandError("The database already holds data: use --reset to rebuild it.")
        self.stdout.write("Building the demo ecosystem…")
        with transaction.atomic():
            if options["reset"]:
                reset_demo()
            build_demo(seed=options["seed"], log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo ecosystem ready."))
