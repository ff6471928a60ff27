from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.registry.importing.reader import UnreadableFile
from osmose.registry.importing.runner import run_file


class Command(BaseCommand):
    help = (
        "Import organisations or people from a CSV or XLSX file. People columns: external_id, "
        "given_name, family_name, email, phone, job_title, organisation, street, postcode, "
        "city, country (French or English column names are recognised; other columns are kept "
        "as source data). Rows are matched on the source's external id, then e-mail (people) "
        "or SIRET/SIREN/RNSR (organisations), then the duplicate engine. Importing the same "
        "file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["organisations", "people"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="Where the file comes from.")
        parser.add_argument("--dry-run", action="store_true", help="Report without writing.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="Map a column to a field (repeatable); others are guessed from their names.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        mapping = None
        if options["map"]:
            from osmose.registry.importing.columns import guess_mapping
            from osmose.registry.importing.reader import read_tabular

            with path.open("rb") as handle:
                header = read_tabular(handle, path.name).header
            mapping = guess_mapping(options["target"], header)
            for item in options["map"]:
                field, _sep, column = item.partition("=")
                if column not in header:
                    raise CommandError(f"No column named {column!r} in the file.")
                mapping[field] = column
        verbosity = options["verbosity"]

        def progress(rows: int, counts: Any) -> None:
            if verbosity > 1:
                self.stderr.write(f"{rows} rows…")

        try:
            batch, counts = run_file(
                path=path,
                target=options["target"],
                source=options["source"],
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except (UnreadableFile, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        prefix = "Dry run — " if options["dry_run"] else f"Import #{batch.pk if batch else '-'} — "
        self.stdout.write(prefix + summary)
