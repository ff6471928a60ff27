"""The whole life of an Afterwork, in French and in English.

invite a segment → the invitation e-mail → register → the confirmation e-mail and its ticket
QR → the check-in page scans that very QR through a (fake) camera → the survey.
"""

import io
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD
from osmose.accounts.models import Role
from osmose.events import emails, services
from osmose.events.models import Event, Registration, SurveyResponse
from osmose.events.tests import factories
from osmose.registry.services.segments import save_segment
from osmose.registry.tests import factories as registry_factories
from tests.e2e.conftest import SCREENSHOTS, check_accessibility, make_user

# What a person reads, per language: the test clicks what they would click.
TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "locale": "fr-FR",
        "email": "Adresse e-mail",
        "password": "Mot de passe",
        "log_in": "Se connecter",
        "count": "Compter les personnes",
        "send_one": "Envoyer 1 invitation",
        "register": "S'inscrire",
        "heard": "Comment avez-vous connu le réseau ?",
        "colleague": "Un collègue",
        "confirmed": "Confirmé",
        "camera": "Démarrer la caméra",
        "checked_in": "1 / 1 pointés",
        "satisfaction": "Excellent",
        "met": "Oui",
        "send_answers": "Envoyer mes réponses",
        "thanks": "Merci",
        "confirmation_subject": "Votre place est confirmée",
        "thanks_subject": "Merci de votre venue",
    },
    "en": {
        "locale": "en-GB",
        "email": "E-mail address",
        "password": "Password",
        "log_in": "Log in",
        "count": "Count the people",
        "send_one": "Send 1 invitation",
        "register": "Register",
        "heard": "How did you hear about the network?",
        "colleague": "A colleague",
        "confirmed": "Confirmed",
        "camera": "Start the camera",
        "checked_in": "1 / 1 checked in",
        "satisfaction": "Excellent",
        "met": "Yes",
        "send_answers": "Send my answers",
        "thanks": "Thank you",
        "confirmation_subject": "Your seat is confirmed",
        "thanks_subject": "Thank you for coming",
    },
}

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


def watched(page: Page) -> list[str]:
    """Collect console errors and page errors, as the ``page`` fixture does."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.text} at {m.location}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def log_in(page: Page, base_url: str, email: str, text: dict[str, str]) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label(text["email"]).fill(email)
    page.get_by_label(text["password"]).fill(PASSWORD)
    page.get_by_role("button", name=text["log_in"]).last.click()
    page.wait_for_url(f"{base_url}/dashboard/")


def link_in(message: Any, path: str) -> str:
    match = re.search(rf"https?://\S+{path}\S*", message.body)
    assert match, message.body
    return match.group(0)


def camera_video(png: bytes, path: Path) -> None:
    """A few frames of the PNG (the QR the person received) as a Y4M video for Chromium."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width + image.width % 2 + 64
    frame = Image.new("L", (size, size), 255)
    frame.paste(image, (32, 32))
    luma = bytes(16 + (value * 219) // 255 for value in frame.tobytes())
    chroma = b"\x80" * ((size // 2) * (size // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(5):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def afterwork(transactional_db) -> Event:
    event = factories.event(
        title_fr="Afterwork Bioproduction",
        title_en="Bioproduction Afterwork",
        capacity=70,
        starts_at=timezone.now() + timedelta(hours=2),
    )
    services.save_question(
        actor=None,
        event=event,
        values={
            "label_fr": "Comment avez-vous connu le réseau ?",
            "label_en": "How did you hear about the network?",
            "kind": "single",
            "choices_fr": ["Un collègue", "Le site web"],
            "choices_en": ["A colleague", "The website"],
            "required": True,
        },
    )
    lab = registry_factories.organisation(name="Laboratoire Loire Cellules", kind="academic_lab")
    registry_factories.person(
        given_name="Claire",
        family_name="Fontaine",
        email="claire.fontaine@labo.example",
        organisation=lab,
    )
    save_segment(actor=None, name="Chercheurs Fontaine", target="people", query={"q": "Fontaine"})
    return event


@pytest.mark.parametrize("language", ["fr", "en"])
def test_invite_register_scan_and_survey(
    browser: Browser,
    playwright: Any,
    live_server,
    afterwork: Event,
    tmp_path: Path,
    settings,
    language,
):
    text = TEXT[language]
    base = live_server.url
    settings.SITE_URL = base  # the links in the e-mails point at this server
    animator = make_user(Role.ANIMATOR)

    # The animator invites a segment of the directory.
    organiser = browser.new_context(locale=text["locale"]).new_page()
    problems = watched(organiser)
    log_in(organiser, base, animator.email, text)
    organiser.goto(f"{base}/manage/events/{afterwork.pk}/invitations/")
    organiser.get_by_label("Chercheurs Fontaine").check()
    organiser.get_by_role("button", name=text["count"]).click()
    check_accessibility(organiser, f"events-invitations-{language}")
    organiser.get_by_role("button", name=text["send_one"]).click()
    call_command("worker", batch=True, verbosity=0)
    [invitation] = [m for m in mail.outbox if m.to == ["claire.fontaine@labo.example"]]
    assert "Bioproduction" in invitation.subject

    # Claire follows the link in her e-mail and registers.
    guest = browser.new_context(locale=text["locale"]).new_page()
    problems += watched(guest)
    guest.goto(link_in(invitation, "/invitations/"))
    check_accessibility(guest, f"events-invitation-{language}")
    guest.get_by_role("link", name=text["register"], exact=True).click()
    expect(guest.locator("input[type=email]")).to_have_value("claire.fontaine@labo.example")
    guest.get_by_role("radio", name=text["colleague"]).check()
    check_accessibility(guest, f"events-register-{language}")
    guest.get_by_role("button", name=text["register"], exact=True).click()
    expect(guest.get_by_text(text["confirmed"], exact=True)).to_be_visible()
    check_accessibility(guest, f"events-ticket-{language}")
    registration = Registration.objects.get(event=afterwork)
    assert registration.person.family_name == "Fontaine"  # the directory's record, not a copy
    assert registration.language == language

    # The confirmation e-mail carries the ticket's QR code and the calendar file.
    [confirmation] = [m for m in mail.outbox if text["confirmation_subject"] in m.subject]
    assert confirmation.to == ["claire.fontaine@labo.example"]
    assert link_in(confirmation, "/tickets/") == f"{base}/tickets/{registration.token}/"
    parts = {part.get_content_type(): part for part in confirmation.message().walk()}
    assert parts["text/calendar"].get_filename().endswith(".ics")
    qr_png = parts["image/png"].get_payload(decode=True)

    # At the door: the check-in page reads that QR code through the camera.
    video = tmp_path / "ticket.y4m"
    camera_video(qr_png, video)
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    door_browser = playwright.chromium.launch(
        executable_path=executable,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    door_context = door_browser.new_context(locale=text["locale"])
    door_context.grant_permissions(["camera"])
    door = door_context.new_page()
    problems += watched(door)
    log_in(door, base, animator.email, text)
    door.goto(f"{base}/manage/events/{afterwork.pk}/check-in/")
    door.get_by_role("button", name=text["camera"]).click()
    expect(door.locator("[data-checkin-feedback]")).to_contain_text(
        "Claire Fontaine", timeout=15000
    )
    expect(door.locator("[data-checkin-counter]")).to_have_text(text["checked_in"])
    SCREENSHOTS.mkdir(exist_ok=True)
    door.screenshot(path=str(SCREENSHOTS / f"events-checkin-camera-{language}.png"))
    door_browser.close()
    registration.refresh_from_db()
    assert registration.checked_in_at is not None

    # After the event: the thank-you e-mail leads to the survey.
    Event.objects.filter(pk=afterwork.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    services.close_attendance(actor=None, event=afterwork)
    assert emails.send_thanks(Event.objects.get(pk=afterwork.pk)) == 1
    thanks = mail.outbox[-1]
    assert text["thanks_subject"] in thanks.subject
    guest.goto(link_in(thanks, "/survey/"))
    check_accessibility(guest, f"events-survey-{language}")
    guest.get_by_role("radio", name=text["satisfaction"]).check()
    guest.get_by_role("radio", name=text["met"], exact=True).check()
    guest.get_by_role("button", name=text["send_answers"]).click()
    expect(guest.get_by_role("heading", level=1)).to_contain_text(text["thanks"])
    survey = SurveyResponse.objects.get(registration=registration)
    assert (survey.satisfaction, survey.met_someone) == (5, "yes")
    assert problems == [], problems
