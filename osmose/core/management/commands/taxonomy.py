from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.core.taxonomy import DEFAULT_TAXONOMY, TaxonomyFileInvalid, load_taxonomy


class Command(BaseCommand):
    help = "Load a taxonomy file (vocabularies and their terms); running it again is harmless."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument(
            "file",
            nargs="?",
            default=str(DEFAULT_TAXONOMY),
            help=f"A taxonomy JSON file (default: {DEFAULT_TAXONOMY.name}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_taxonomy(options["file"])
        except TaxonomyFileInvalid as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            "Taxonomy: {vocabularies} vocabularies, {terms} terms "
            "({created} created, {updated} updated).".format(**counts)
        )
