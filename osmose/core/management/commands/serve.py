import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Osmose: the web server (granian) and, unless --no-worker, the task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("OSMOSE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1))),
            help="Web worker processes (default: one per core, plus one).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            # Measured with `osmose bench registration` on 2 cores: 3 workers x 2 threads
            # served more registrations per second, with a lower p99, than 2 x 8.
            default=int(os.environ.get("OSMOSE_THREADS", "2")),
            help="Request threads per web worker.",
        )
        parser.add_argument("--no-worker", action="store_true", help="Do not start the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = Path(sys.executable).parent
        children: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            children.append(subprocess.Popen([bin_dir / "osmose", "worker", "-v", "0"]))
        host, port = options["host"], options["port"]
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"\nOsmose is serving on http://{shown_host}:{port}"))
        if settings.DEMO_ACCOUNTS_ALLOWED:
            from osmose.accounts.demo import DEMO_ACCOUNTS

            self.stdout.write("Demo logins (e-mail / password):")
            for email, password, role in DEMO_ACCOUNTS:
                self.stdout.write(f"  {role:<9} {email} / {password}")
        self.stdout.write("Stop with Ctrl+C.\n")
        web = subprocess.Popen(
            [
                bin_dir / "granian",
                "--interface", "wsgi",
                "--host", host,
                "--port", str(port),
                "--workers", str(options["workers"]),
                "--blocking-threads", str(options["threads"]),
                "--backpressure", str(options["threads"] * 4),
                "--log-level", "warning",
                "osmose.wsgi:application",
            ]
        )  # fmt: skip
        children.append(web)
        # A TERM signal (a process manager, `kill`) stops the children too, like Ctrl+C.
        signal.signal(
            signal.SIGTERM, lambda _signum, _frame: (_ for _ in ()).throw(KeyboardInterrupt)
        )
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
