from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from osmose.accounts.models import ApiToken
from osmose.accounts.services import create_api_token


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_createtoken_prints_a_token_that_authenticates_on_the_api(client, animator):
    out = StringIO()
    call_command("createtoken", animator.email, stdout=out)
    secret = out.getvalue().strip()
    response = client.get("/api/v1/me", **_bearer(secret))
    assert response.status_code == 200
    assert response.json()["email"] == animator.email
    assert response.json()["role"] == "animator"


def test_createtoken_refuses_an_unknown_email(db):
    with pytest.raises(CommandError):
        call_command("createtoken", "nobody@example.test")


def test_tokens_are_stored_hashed(animator):
    token, secret = create_api_token(user=animator)
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.token_hash, stored.hint)
    assert not ApiToken.objects.filter(token_hash=secret).exists()


def test_a_revoked_or_unknown_token_is_refused(client, animator, animator_client):
    token, secret = create_api_token(user=animator)
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 200
    animator_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 401
    assert client.get("/api/v1/me", **_bearer("osm_made-up")).status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(client, member):
    _token, secret = create_api_token(user=member)
    member.is_active = False
    member.save()
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 401


def test_the_account_page_creates_a_token_and_shows_it_once(member_client, member):
    response = member_client.post(reverse("accounts:token_create"), {"name": "script"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=member)
    assert token.name == "script"
    secret = response.context["secret"]
    assert secret in response.content.decode()
    page = member_client.get(reverse("accounts:account")).content.decode()
    assert token.hint in page
    assert secret not in page


def test_nobody_revokes_someone_elses_token(member_client, animator):
    token, _secret = create_api_token(user=animator)
    response = member_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_account_page_requires_login(outsider_client, animator_client, member_client):
    url = reverse("accounts:account")
    assert outsider_client.get(url).status_code == 302
    assert animator_client.get(url).status_code == 200
    assert member_client.get(url).status_code == 200
