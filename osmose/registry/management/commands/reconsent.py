from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from osmose.registry.services.privacy import people_to_reconsent


class Command(BaseCommand):
    help = (
        "For cron: count (or list) the people with no contact from them for three years, who "
        "must be asked again for consent or erased (the directory's re-consent page lists them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="Print one id and name a line.")

    def handle(self, *args: Any, **options: Any) -> None:
        people = people_to_reconsent()
        if options["list"]:
            for pk, given, family in people.values_list("pk", "given_name", "family_name"):
                self.stdout.write(f"{pk}\t{given} {family}")
        self.stdout.write(f"{people.count()} people to ask again for consent or to erase.")
