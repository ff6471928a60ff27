import importlib
import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Run a benchmark from bench/<area>.py and print its figures as one JSON object on the "
        "last line. Areas: dedup, registry, registration, scheduler, … (`osmose bench AREA --help` "
        "for its "
        "options)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area")
        parser.add_argument("options", nargs="*", help="Options passed to the benchmark.")

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after AREA belongs to the benchmark, including --flags.
        if len(argv) > 2 and not argv[2].startswith("-"):
            self._bench_argv = argv[3:]
            argv = argv[:3]
        super().run_from_argv(argv)

    def handle(self, *args: Any, **options: Any) -> None:
        area = options["area"]
        sys.path.insert(0, str(settings.BASE_DIR))
        try:
            module = importlib.import_module(f"bench.{area}")
        except ModuleNotFoundError as error:
            raise CommandError(f"No benchmark named {area!r} in bench/.") from error
        figures = module.run(
            getattr(self, "_bench_argv", options["options"]), log=self.stderr.write
        )
        self.stdout.write(json.dumps(figures, ensure_ascii=False, sort_keys=True))
