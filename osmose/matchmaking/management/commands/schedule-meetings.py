"""`osmose schedule-meetings INSTANCE.json`: solve an `osmose-b2b/1` instance, write the result.

(The file name has a dash so that the command does: Django imports commands by file name.)
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.matchmaking.scheduler import InstanceError, load_instance, solve, validate_result


def _fairness(value: str) -> int | str | None:
    if value in ("none", "instance"):  # "instance" is the default: the instance's own bound
        return None if value == "none" else value
    if value == "none":
        return None
    try:
        bound = int(value)
    except ValueError as error:
        raise ValueError(f"expected an integer ≥ 0 or 'none', got {value!r}") from error
    if bound < 0:
        raise ValueError(f"expected an integer ≥ 0 or 'none', got {value!r}")
    return bound


class Command(BaseCommand):
    help = (
        "Schedule B2B meetings: read an osmose-b2b/1 instance, place every meeting (or the "
        "most) at a slot and a table, minimising the participants' breaks under the fairness "
        "bound, and write an osmose-b2b-result/1 result (to stdout without --output). The "
        "status says whether the optimum is proved. Exit status 0 whenever a result is "
        "written (also partial or infeasible), 1 on a malformed instance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instance", metavar="INSTANCE.json")
        parser.add_argument(
            "--time-limit", type=float, default=60.0, metavar="S",
            help="Wall-clock seconds for the whole solve (default 60).",
        )  # fmt: skip
        parser.add_argument("--output", metavar="RESULT.json", help="Where to write the result.")
        parser.add_argument(
            "--fairness", type=_fairness, default="instance", metavar="D|none",
            help="Override the instance's fairness bound (breaks of any two participants "
            "differ by at most D); 'none' for no bound.",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument("--workers", type=int, default=2, help="Solver threads (default 2).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            instance = load_instance(options["instance"])
        except InstanceError as error:
            raise CommandError(f"{options['instance']}: {error}") from error
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit must be positive.")
        log = self.stderr.write if options["verbosity"] >= 2 else None
        result = solve(
            instance,
            time_limit=options["time_limit"],
            fairness=options["fairness"],
            seed=options["seed"],
            workers=options["workers"],
            log=log,
        )
        # solve() validates too; this check is the command's own guarantee on what it writes.
        fairness = instance.fairness if options["fairness"] == "instance" else options["fairness"]
        problems = validate_result(instance, result, fairness=fairness)
        if problems:
            raise CommandError("internal error, invalid schedule: " + "; ".join(problems[:5]))
        text = json.dumps(result.to_dict(), indent=1)
        if options["output"]:
            result.write(options["output"])
        else:
            self.stdout.write(text)
        if options["verbosity"] >= 1:
            breaks = "—" if result.total_breaks is None else result.total_breaks
            summary = (
                f"{instance.name}: {result.status}, {breaks} breaks, "
                f"{len(result.meetings)} placed, {len(result.unscheduled)} unscheduled, "
                f"{result.seconds:.1f} s"
            )
            if result.message:
                summary += f" ({result.message})"
            (self.stdout if options["output"] else self.stderr).write(summary)
