import pytest
from django.urls import reverse

from conftest import PASSWORD
from osmose.core.models import AuditLogEntry


def test_it_logs_in_with_email_and_password(client, animator):
    response = client.post(
        reverse("accounts:login"), {"email": "ANIMATOR@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_it_refuses_a_wrong_password_without_saying_which_part_is_wrong(client, animator):
    response = client.post(reverse("accounts:login"), {"email": animator.email, "password": "x"})
    assert response.status_code == 200
    assert (
        "ne correspondent pas" in response.content.decode()
        or "do not match" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_it_follows_a_safe_next_url_only(client, animator):
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"email": animator.email, "password": PASSWORD},
    )
    assert response["Location"] == reverse("portal:dashboard")
    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {"email": animator.email, "password": PASSWORD, "next": "/account/"},
    )
    assert response["Location"] == "/account/"


@pytest.mark.django_db
def test_it_throttles_failed_logins_even_with_the_right_password_afterwards(client, animator):
    for _ in range(10):
        client.post(reverse("accounts:login"), {"email": animator.email, "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"email": animator.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_logs_out_on_post_only(animator_client):
    assert animator_client.get(reverse("accounts:logout")).status_code == 405
    response = animator_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert animator_client.get(reverse("portal:dashboard")).status_code == 302


def test_it_sends_a_password_reset_link_that_works(client, animator, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": animator.email})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "Une-nouvelle-phrase-42", "new_password2": "Une-nouvelle-phrase-42"},
    )
    assert response.status_code == 302
    animator.refresh_from_db()
    assert animator.check_password("Une-nouvelle-phrase-42")


def test_it_records_user_creation_in_the_audit_log(animator):
    assert AuditLogEntry.objects.filter(
        action="accounts.user.created", target_id=str(animator.pk)
    ).exists()
