"""The ``osmose`` command: the project's manage.py (``osmose serve``, ``osmose demo``...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osmose.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["osmose", *sys.argv[1:]])


if __name__ == "__main__":
    main()
