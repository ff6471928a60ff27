from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from osmose.accounts import services
from osmose.accounts.access import login_required
from osmose.accounts.forms import (
    ApiTokenForm,
    CodeLoginForm,
    CodeRequestForm,
    LoginForm,
    PreferencesForm,
)
from osmose.accounts.models import ApiToken, Role, User

SESSION_CODE_EMAIL = "osmose.login_code_email"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _throttled(request: HttpRequest, group: str, rate: str, *, email: str, increment: bool) -> bool:
    """Rate limit one action both per client address and per e-mail address.

    With ``increment`` the attempt is counted and refused past the limit; without, it only
    tells whether the limit is already reached (used before checking a password).
    """
    usages = [
        get_usage(request, group=f"{group}.ip", key="ip", rate=rate, increment=increment),
        get_usage(
            request,
            group=f"{group}.email",
            key=lambda _g, _r: email.lower(),
            rate=rate,
            increment=increment,
        ),
    ]
    return any(
        usage is not None
        and (usage["count"] > usage["limit"] if increment else usage["count"] >= usage["limit"])
        for usage in usages
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # Failed attempts are counted; past the limit even the right password waits.
        if _throttled(request, "login", settings.RATELIMIT_LOGIN, email=email, increment=False):
            form.add_error(None, _("Too many failed attempts. Wait 15 minutes and try again."))
            status = 429
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is None:
                _throttled(request, "login", settings.RATELIMIT_LOGIN, email=email, increment=True)
                form.add_error(None, _("This e-mail address and password do not match."))
            else:
                login(request, user)
                return HttpResponseRedirect(_next_url(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status
    )


@require_http_methods(["GET", "POST"])
def code_request(request: HttpRequest) -> HttpResponse:
    form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if _throttled(request, "code", settings.RATELIMIT_LOGIN_CODE, email=email, increment=True):
            form.add_error(None, _("Too many codes requested. Wait 15 minutes and try again."))
            return render(request, "accounts/code_request.html", {"form": form}, status=429)
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        # Codes are for members; the answer is the same either way so that the page
        # does not tell who has an account.
        if user is not None and user.role == Role.MEMBER:
            services.send_login_code(user=user)
        request.session[SESSION_CODE_EMAIL] = email
        next_url = _next_url(request)
        return redirect(f"{reverse('accounts:code_login')}?next={next_url}")
    return render(request, "accounts/code_request.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def code_login(request: HttpRequest) -> HttpResponse:
    email = request.session.get(SESSION_CODE_EMAIL)
    if not email:
        return redirect("accounts:code_request")
    form = CodeLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        user = services.redeem_login_code(email=email, code=form.cleaned_data["code"])
        if user is None:
            form.add_error("code", _("This code is incorrect, already used or expired."))
            status = 400
        else:
            login(request, user, backend="osmose.accounts.backends.EmailBackend")
            return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "accounts/code_login.html",
        {"form": form, "email": email, "next": _next_url(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    preferences = PreferencesForm(
        request.POST if "language" in request.POST else None, initial={"language": user.language}
    )
    if preferences.is_bound and preferences.is_valid():
        user.language = preferences.cleaned_data["language"]
        user.save(update_fields=["language"])
        messages.success(request, _("Your preferences are saved."))
        return redirect("accounts:account")
    tokens = user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "accounts/account.html",
        {"preferences": preferences, "token_form": ApiTokenForm(), "tokens": tokens},
    )


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return redirect("accounts:account")
    token, secret = services.create_api_token(user=user, name=form.cleaned_data["name"])
    # The clear token is shown once, on this response only.
    return render(request, "accounts/token_created.html", {"token": token, "secret": secret})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    token = get_object_or_404(ApiToken, pk=pk, user=user, revoked_at__isnull=True)
    services.revoke_api_token(token=token, actor=user)
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:account")
