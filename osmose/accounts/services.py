"""Every write about accounts: users, one-time login codes, API tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from osmose.accounts.models import ApiToken, LoginCode, Role, User, hash_secret
from osmose.core.audit import log_action


def _code_hash(user: User, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table does not give the six digits back.
    return salted_hmac("osmose.login-code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def create_user(
    *,
    email: str,
    role: Role = Role.MEMBER,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    actor: User | None = None,
) -> User:
    user = User.objects.create_user(
        email=email,
        password=password,
        role=role,
        first_name=first_name,
        last_name=last_name,
        language=language,
        is_staff=role in {Role.ADMIN, Role.ANIMATOR},
        is_superuser=role == Role.ADMIN,
    )
    log_action("accounts.user.created", actor=actor, target=user, data={"role": role})
    return user


def send_login_code(*, user: User) -> str:
    """Create a one-time code for ``user`` and e-mail it in the user's language.

    Earlier unused codes stop working: only the newest one is valid. Returns the code
    (for the caller's tests; it is never shown on a page).
    """
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        LoginCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        LoginCode.objects.create(
            user=user,
            code_hash=_code_hash(user, code),
            expires_at=now + timedelta(minutes=settings.LOGIN_CODE_TTL_MINUTES),
        )
        log_action("accounts.login_code.sent", actor=None, target=user)
    with translation.override(user.language):
        context = {
            "code": code,
            "user": user,
            "minutes": settings.LOGIN_CODE_TTL_MINUTES,
            "network_name": settings.OSMOSE_NETWORK_NAME,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("accounts/email/login_code_subject.txt", context).strip()
        body = render_to_string("accounts/email/login_code.txt", context)
    send_mail(subject, body, None, [user.email])
    return code


def redeem_login_code(*, email: str, code: str) -> User | None:
    """The user whose newest code is ``code``, marking it used; None when it does not match.

    The code row is locked while it is checked, so two simultaneous submissions of the same
    code cannot both log in. A wrong guess counts as an attempt; after five the code dies.
    """
    code = code.strip().replace(" ", "")
    with transaction.atomic():
        login_code = (
            LoginCode.objects.select_for_update()
            .select_related("user")
            .filter(user__email__iexact=email.strip(), used_at__isnull=True, user__is_active=True)
            .order_by("-created_at")
            .first()
        )
        if login_code is None or not login_code.usable:
            return None
        if not constant_time_compare(login_code.code_hash, _code_hash(login_code.user, code)):
            login_code.attempts += 1
            login_code.save(update_fields=["attempts"])
            return None
        login_code.used_at = timezone.now()
        login_code.save(update_fields=["used_at"])
        log_action("accounts.login_code.used", actor=login_code.user, target=login_code.user)
        return login_code.user


@transaction.atomic
def create_api_token(
    *, user: User, name: str = "", actor: User | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its clear value, which is not stored."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, token_hash=hash_secret(secret), hint=secret[:8]
    )
    log_action(
        "accounts.api_token.created",
        actor=actor or user,
        target=user,
        data={"token": token.pk, "name": name},
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    log_action(
        "accounts.api_token.revoked", actor=actor, target=token.user, data={"token": token.pk}
    )


def user_for_api_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None (unknown, revoked, inactive)."""
    if not secret.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # One write a minute at most: the API should not write on every read.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
