import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from osmose.registry.dedup import LIKELY
from osmose.registry.models import DuplicateKind
from osmose.registry.services.scan import scan


class Command(BaseCommand):
    help = (
        "Print the pairs of likely duplicates as external_id_a,external_id_b,score (the "
        "import's external ids, or internal ids when there are none). Pairs declared "
        "different are left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["people", "organisations"])
        parser.add_argument("--format", choices=["csv", "text"], default="csv")
        parser.add_argument("--threshold", type=float, default=LIKELY)

    def handle(self, *args: Any, **options: Any) -> None:
        kind = DuplicateKind.PERSON if options["target"] == "people" else DuplicateKind.ORGANISATION
        matches, external = scan(kind, threshold=options["threshold"])
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["external_id_a", "external_id_b", "score"])
            for m in matches:
                writer.writerow([external[m.a_id], external[m.b_id], f"{m.score:.3f}"])
        else:
            for m in matches:
                self.stdout.write(
                    f"{external[m.a_id]}\t{external[m.b_id]}\t{m.score:.3f}\t"
                    + ", ".join(m.reasons)
                )
        sys.stdout.flush()
