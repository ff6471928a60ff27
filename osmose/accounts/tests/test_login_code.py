import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from osmose.accounts.models import LoginCode
from osmose.accounts.services import redeem_login_code, send_login_code


def _request_code(client, email):
    return client.post(reverse("accounts:code_request"), {"email": email})


def _code_from(mail) -> str:
    match = re.search(r"\b(\d{6})\b", mail.body)
    assert match, mail.body
    return match.group(1)


def test_it_logs_a_member_in_with_the_emailed_code(client, member, mailoutbox):
    response = _request_code(client, member.email)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    code = _code_from(mailoutbox[0])
    response = client.post(reverse("accounts:code_login"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_it_writes_the_email_in_the_members_language(client, member, mailoutbox):
    member.language = "en"
    member.save()
    _request_code(client, member.email)
    assert "login code" in mailoutbox[0].subject
    member.language = "fr"
    member.save()
    _request_code(client, member.email)
    assert "code de connexion" in mailoutbox[1].subject


def test_a_code_works_only_once(client, member, mailoutbox):
    _request_code(client, member.email)
    code = _code_from(mailoutbox[0])
    assert redeem_login_code(email=member.email, code=code) == member
    assert redeem_login_code(email=member.email, code=code) is None


def test_a_code_expires_after_15_minutes(member):
    code = send_login_code(user=member)
    LoginCode.objects.filter(user=member).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert redeem_login_code(email=member.email, code=code) is None


def test_a_new_code_cancels_the_previous_one(member):
    send_login_code(user=member)
    second = send_login_code(user=member)
    # The earlier code is closed (the two codes may, rarely, be the same six digits).
    older, newer = LoginCode.objects.filter(user=member).order_by("created_at", "pk")
    assert older.used_at is not None and newer.used_at is None
    assert redeem_login_code(email=member.email, code=second) == member


def test_a_code_dies_after_five_wrong_guesses(member):
    code = send_login_code(user=member)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert redeem_login_code(email=member.email, code=wrong) is None
    assert redeem_login_code(email=member.email, code=code) is None


def test_it_does_not_send_codes_to_staff_nor_reveal_who_has_an_account(
    client, animator, mailoutbox
):
    staff = _request_code(client, animator.email)
    nobody = _request_code(client, "nobody@example.test")
    assert staff.status_code == nobody.status_code == 302
    assert mailoutbox == []


def test_it_rate_limits_code_requests(client, member, mailoutbox):
    for _ in range(5):
        assert _request_code(client, member.email).status_code == 302
    assert _request_code(client, member.email).status_code == 429
    assert len(mailoutbox) == 5


def test_a_wrong_code_is_refused_with_a_message(client, member, mailoutbox):
    _request_code(client, member.email)
    code = _code_from(mailoutbox[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:code_login"), {"code": wrong})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
