from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.core.geography import GeographyDataMissing, load_geography
from osmose.core.models import Commune


class Command(BaseCommand):
    help = "Load the French geography reference (régions, départements, communes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load", "outlines"])
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when communes are already loaded."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "outlines":
            from osmose.core.outlines import build_outlines

            for path in build_outlines().values():
                self.stdout.write(str(path))
            return
        if options["if_empty"] and Commune.objects.exists():
            return
        try:
            counts = load_geography()
        except GeographyDataMissing as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            "Geography: {regions} régions, {departements} départements, "
            "{communes} communes.".format(**counts)
        )
