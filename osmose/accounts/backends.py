from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from osmose.accounts.demo import is_demo_email


class EmailBackend(ModelBackend):
    """Password login by e-mail; the demo accounts are refused where demo data is not allowed."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        email = username or kwargs.get("email")
        if not email or (not settings.DEMO_ACCOUNTS_ALLOWED and is_demo_email(email)):
            return None
        return super().authenticate(request, username=email, password=password, **kwargs)

    def user_can_authenticate(self, user: Any) -> bool:
        if not settings.DEMO_ACCOUNTS_ALLOWED and is_demo_email(user.email):
            return False
        return super().user_can_authenticate(user)
