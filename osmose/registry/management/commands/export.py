import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.registry import exports
from osmose.registry.directory import SORTS, DirectoryQuery
from osmose.registry.models import Segment


class Command(BaseCommand):
    help = (
        "Export organisations or people as CSV, XLSX or vCard (people only), all of them or a "
        "saved segment's, to standard output or --output FILE. The columns are those of the "
        "directory's exports; cells that a spreadsheet would run as formulas are neutralised."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["organisations", "people"])
        parser.add_argument("--format", choices=["csv", "xlsx", "vcard"], default="csv")
        parser.add_argument("--segment", help="A segment's name or short name.")
        parser.add_argument("--output", help="A file to write (required for xlsx).")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["target"]
        params: dict[str, Any] = {}
        if options["segment"]:
            segment = (
                Segment.objects.filter(target=target, slug=options["segment"]).first()
                or Segment.objects.filter(target=target, name=options["segment"]).first()
            )
            if segment is None:
                raise CommandError(f"No {target} segment named {options['segment']!r}.")
            params = segment.query
        query = DirectoryQuery.from_params(target, params)
        queryset = query.queryset().order_by(*SORTS[target][query.sort][1])
        fmt = options["format"]
        if fmt == "vcard" and target != "people":
            raise CommandError("vCard exports people only.")
        if fmt == "xlsx" and not options["output"]:
            raise CommandError("An XLSX export needs --output FILE.")
        if target == "organisations":
            header, rows = exports.ORGANISATION_COLUMNS, exports.organisation_rows(queryset)
        else:
            header, rows = exports.PEOPLE_COLUMNS, exports.people_rows(queryset)
        if fmt == "xlsx":
            with open(options["output"], "wb") as handle:
                handle.write(exports.xlsx_bytes(header, rows, title=target))
            return
        chunks = exports.vcards(queryset) if fmt == "vcard" else exports.csv_lines(header, rows)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        else:
            for chunk in chunks:
                sys.stdout.write(chunk)
