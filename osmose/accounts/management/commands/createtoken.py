from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from osmose.accounts.models import User
from osmose.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for the user with this e-mail and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the e-mail address {options['email']}.")
        _token, secret = create_api_token(user=user, name=options["name"])
        self.stdout.write(secret)
