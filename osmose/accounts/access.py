"""Access helpers: every view and endpoint checks roles through these."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from osmose.accounts.models import Role

View = Callable[..., HttpResponseBase]


def user_has_role(user: Any, *roles: Role) -> bool:
    """True when ``user`` is active and holds one of ``roles``; admins hold every role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == Role.ADMIN or user.role in roles


def role_required(*roles: Role) -> Callable[[View], View]:
    """Anonymous visitors go to the login page; signed-in users without the role get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


login_required = role_required()
animator_required = role_required(Role.ANIMATOR)
