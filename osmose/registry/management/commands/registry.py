import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.registry.importing.sirene import (
    DEFAULT_NAF_CODES,
    ReadStats,
    RegistryFileError,
    import_sirene,
)


def _codes(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class Command(BaseCommand):
    help = (
        "Import organisations from official registries. `import-sirene FILE` reads the INSEE "
        "SIRENE establishment stock (StockEtablissement CSV, or the zip holding it) and keeps "
        "the establishments of the given NAF codes in the given départements; "
        "`import-rnsr FILE` reads the RNSR export of public research structures "
        "(fr-esr-structures-recherche-publiques-actives, ';'-separated). Both record an import "
        "that can be undone, and importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sirene = actions.add_parser(
            "import-sirene",
            help="Import establishments from the SIRENE stock file.",
        )
        sirene.add_argument("file", type=Path)
        sirene.add_argument(
            "--naf",
            default=",".join(DEFAULT_NAF_CODES),
            help="NAF codes to keep, comma-separated (default: %(default)s).",
        )
        self._departement_options(sirene)
        sirene.add_argument(
            "--unites-legales",
            type=Path,
            metavar="FILE",
            help="The StockUniteLegale file, for the legal names (read for the SIRENs kept).",
        )
        sirene.add_argument("--dry-run", action="store_true", help="Report without writing.")
        rnsr = actions.add_parser(
            "import-rnsr",
            help="Import research structures from the RNSR export.",
        )
        rnsr.add_argument("file", type=Path)
        self._departement_options(rnsr)
        rnsr.add_argument("--dry-run", action="store_true", help="Report without writing.")

    def _departement_options(self, parser: CommandParser) -> None:
        # Also accepted after the action ("import-sirene FILE -v2"); absent, the command's stays.
        parser.add_argument(
            "-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=argparse.SUPPRESS
        )
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--departements",
            default="",
            help="Départements to keep, comma-separated (default: the network's, "
            f"{','.join(settings.OSMOSE_DEPARTEMENTS)}).",
        )
        where.add_argument(
            "--all-departements", action="store_true", help="Keep every département."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        departements = None if options["all_departements"] else _codes(options["departements"])
        verbosity = options["verbosity"]

        def progress(rows: int, counts: Any) -> None:
            if verbosity > 1:
                self.stderr.write(f"{rows} rows…")

        def on_read(stats: ReadStats) -> None:
            if verbosity > 1:
                self.stderr.write(f"{stats.lines} lines read, {stats.kept} kept.")

        try:
            if options["action"] == "import-sirene":
                legal_units = options["unites_legales"]
                if legal_units is not None and not legal_units.is_file():
                    raise CommandError(f"No file at {legal_units}.")
                result: Any = import_sirene(
                    path=path,
                    naf_codes=_codes(options["naf"]),
                    departements=departements,
                    legal_units_path=legal_units,
                    dry_run=options["dry_run"],
                    progress=progress,
                    on_read=on_read,
                )
                extra = ""
            else:
                from osmose.registry.importing.rnsr import import_rnsr

                result = import_rnsr(
                    path=path,
                    departements=departements,
                    dry_run=options["dry_run"],
                    progress=progress,
                )
                extra = f", tutelle relations added: {result.relations}"
        except (RegistryFileError, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(result.counts.items()))
        batch = result.batch
        prefix = "Dry run — " if options["dry_run"] else f"Import #{batch.pk if batch else '-'} — "
        self.stdout.write(
            f"{prefix}lines read: {result.read.lines}, kept: {result.read.kept}; {summary}{extra}"
        )
