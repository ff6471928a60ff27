"""E-mails: the confirmation's attachments, reminders, thanks, messages and invitations."""

from datetime import timedelta
from io import StringIO

import icalendar
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from osmose.events import emails, services
from osmose.events.models import Event, Invitation, MessageAudience, Registration
from osmose.events.tests import factories
from osmose.registry.tests import factories as registry_factories

pytestmark = pytest.mark.django_db

SITE = "https://osmose.example.org"


def register(event, number=None, **kwargs):
    return services.register(event=event, registrant=factories.registrant(number), **kwargs)


def parts(message):
    """The MIME parts of a sent message, as the recipient's mail program sees them."""
    return list(message.message().walk())


def attachment(message, content_type):
    found = [p for p in parts(message) if p.get_content_type() == content_type]
    assert len(found) == 1, [p.get_content_type() for p in parts(message)]
    return found[0]


def outbox_to(email):
    return [m for m in mail.outbox if m.to == [email]]


# --- Confirmation ----------------------------------------------------------------------------


def test_the_confirmation_carries_the_qr_code_and_the_calendar_file(
    django_capture_on_commit_callbacks,
):
    event = factories.event(title_fr="Afterwork bioproduction", title_en="Bioproduction Afterwork")
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(event, 1).registration
    (message,) = mail.outbox
    png = attachment(message, "image/png")
    assert png.get_filename() == "ticket-qr.png"
    assert png.get_content().startswith(b"\x89PNG")
    ics = attachment(message, "text/calendar")
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_filename() == "afterwork-bioproduction.ics"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Afterwork bioproduction"
    assert vevent.decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert str(vevent["attendee"]) == f"mailto:{registration.person.email}"


def test_an_english_registrant_gets_english_mail_and_calendar(django_capture_on_commit_callbacks):
    event = factories.event(title_fr="Afterwork bioproduction", title_en="Bioproduction Afterwork")
    with django_capture_on_commit_callbacks(execute=True):
        register(event, 1, language="en")
    (message,) = mail.outbox
    assert message.subject == "Your seat is confirmed: Bioproduction Afterwork"
    assert "Hello Alex," in message.body
    ics = attachment(message, "text/calendar")
    assert ics.get_filename() == "bioproduction-afterwork.ics"
    assert "SUMMARY:Bioproduction Afterwork" in ics.get_content()


def test_a_french_registrant_gets_the_french_title(django_capture_on_commit_callbacks):
    event = factories.event(title_fr="Afterwork bioproduction", title_en="Bioproduction Afterwork")
    with django_capture_on_commit_callbacks(execute=True):
        register(event, 1, language="fr")
    assert mail.outbox[0].subject.endswith("Afterwork bioproduction")


def test_the_waiting_list_mail_has_no_attachment(django_capture_on_commit_callbacks):
    event = factories.event(capacity=1)
    register(event, 1)
    with django_capture_on_commit_callbacks(execute=True):
        register(event, 2, language="en")
    (message,) = mail.outbox
    assert message.subject.startswith("You are on the waiting list")
    assert message.attachments == []


# --- Reminders -------------------------------------------------------------------------------


def test_reminders_go_once_7_days_then_once_1_day_before():
    start = timezone.now() + timedelta(days=10)
    event = factories.event(starts_at=start, capacity=2, reminder_days=[7, 1])
    confirmed = [register(event, n, language="en").registration for n in (1, 2)]
    waiting = register(event, 3).registration
    assert waiting.status == "waitlisted"

    assert emails.send_reminders(now=start - timedelta(days=8)) == 0
    assert emails.send_reminders(now=start - timedelta(days=6, hours=12)) == 2
    assert emails.send_reminders(now=start - timedelta(days=6, hours=12)) == 0
    assert emails.send_reminders(now=start - timedelta(days=3)) == 0
    assert emails.send_reminders(now=start - timedelta(hours=20)) == 2
    assert emails.send_reminders(now=start - timedelta(hours=19)) == 0
    assert emails.send_reminders(now=start + timedelta(hours=1)) == 0

    assert len(mail.outbox) == 4
    assert {m.to[0] for m in mail.outbox} == {r.person.email for r in confirmed}
    assert all(m.subject == f"Reminder: {event.title_fr}" for m in mail.outbox)
    assert f"/tickets/{confirmed[0].token}/" in outbox_to(confirmed[0].person.email)[0].body
    for registration in confirmed:
        registration.refresh_from_db()
        assert registration.reminders_sent == [7, 1]


def test_reminders_due_together_make_one_mail():
    start = timezone.now() + timedelta(days=10)
    event = factories.event(starts_at=start, reminder_days=[7, 1])
    registration = register(event, 1).registration
    assert emails.send_reminders(now=start - timedelta(hours=12)) == 1
    assert emails.send_reminders(now=start - timedelta(hours=11)) == 0
    registration.refresh_from_db()
    assert registration.reminders_sent == [7, 1]


def test_someone_registered_after_the_7_day_mark_gets_only_the_1_day_reminder():
    start = timezone.now() + timedelta(days=10)
    event = factories.event(starts_at=start, reminder_days=[7, 1])
    late = register(event, 1).registration
    Registration.objects.filter(pk=late.pk).update(confirmed_at=start - timedelta(days=3))
    assert emails.send_reminders(now=start - timedelta(days=2)) == 0
    assert emails.send_reminders(now=start - timedelta(hours=12)) == 1
    late.refresh_from_db()
    assert late.reminders_sent == [1]


def test_no_reminders_for_drafts_cancelled_events_or_without_reminder_days():
    start = timezone.now() + timedelta(days=10)
    draft = factories.event(starts_at=start, status="draft")
    cancelled = factories.event(starts_at=start)
    silent = factories.event(starts_at=start, reminder_days=[])
    for number, event in enumerate((draft, cancelled, silent)):
        register(event, number, organiser=True)
    services.change_event_status(actor=None, event=cancelled, status="cancelled")
    assert Registration.objects.filter(status="confirmed").count() == 3
    assert emails.send_reminders(now=start - timedelta(hours=12)) == 0


# --- Thanks ----------------------------------------------------------------------------------


def attended_event(count=4, attended=(0, 1)):
    event = factories.event(capacity=None)
    registrations = [register(event, n, language="en").registration for n in range(count)]
    for index in attended:
        services.check_in(actor=None, registration=registrations[index])
    services.close_attendance(actor=None, event=event)
    return event, registrations


@override_settings(SITE_URL=SITE)
def test_thanks_go_to_attendees_only_once_with_the_survey_link():
    event, registrations = attended_event()
    assert emails.send_thanks(event) == 2
    assert emails.send_thanks(event) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in registrations[:2])
    message = outbox_to(registrations[0].person.email)[0]
    assert message.subject.startswith("Thank you for coming")
    assert f"{SITE}/tickets/{registrations[0].token}/survey/" in message.body
    thanked = Registration.objects.filter(event=event, thanked_at__isnull=False)
    assert set(thanked.values_list("pk", flat=True)) == {r.pk for r in registrations[:2]}


# --- Organiser's messages --------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_a_message_to_no_shows_reaches_only_no_shows(animator):
    event, registrations = attended_event(count=5, attended=(0, 2))
    Registration.objects.filter(pk=registrations[4].pk).update(language="fr")
    message = services.create_message(
        actor=animator,
        event=event,
        audience=MessageAudience.NO_SHOWS,
        subject="Les supports de la soirée",
        body="Vous n'avez pas pu venir : voici les supports.",
    )
    assert emails.send_message(message) == 3
    no_shows = [registrations[i] for i in (1, 3, 4)]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in no_shows)
    english = outbox_to(no_shows[0].person.email)[0]
    assert english.subject == "Les supports de la soirée"
    assert english.reply_to == [animator.email]
    assert "Vous n'avez pas pu venir : voici les supports." in english.body
    assert "You receive this message because you registered for" in english.body
    assert f"{SITE}/tickets/{no_shows[0].token}/" in english.body
    french = outbox_to(no_shows[2].person.email)[0]
    assert f"{SITE}/tickets/{no_shows[2].token}/" in french.body


def test_a_message_to_attendees_skips_the_no_shows():
    event, registrations = attended_event(count=3, attended=(1,))
    message = services.create_message(
        actor=None, event=event, audience=MessageAudience.ATTENDEES, subject="Merci", body="Merci !"
    )
    assert emails.send_message(message) == 1
    assert [m.to[0] for m in mail.outbox] == [registrations[1].person.email]


# --- Invitations -----------------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_an_invitation_is_personal_in_the_persons_language():
    event = factories.event(title_fr="Visite de site", title_en="Site visit", kind="site_visit")
    english = registry_factories.person(
        given_name="Ada", email="ada@example.test", languages=["en", "fr"]
    )
    french = registry_factories.person(given_name="Léa", email="lea@example.test")
    invitations = services.invite(actor=None, event=event, people=[english, french])
    assert emails.send_invitations(invitations) == 2

    message = outbox_to("ada@example.test")[0]
    invitation = Invitation.objects.get(person=english)
    assert message.subject == "You are invited: Site visit"
    assert message.body.startswith("Hello Ada,")
    assert f"{SITE}/invitations/{invitation.token}/\n" in message.body
    assert f"{SITE}/invitations/{invitation.token}/decline/" in message.body
    assert invitation.sent_at is not None
    assert "Visite de site" in outbox_to("lea@example.test")[0].subject


def test_no_invitation_mail_without_an_address():
    event = factories.event()
    person = registry_factories.person(email="")
    invitation = Invitation.objects.create(event=event, person=person)
    assert emails.send_invitation(invitation) is False
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.sent_at is None


# --- The cron command ------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


def test_tick_reminds_expires_and_thanks_recent_events():
    past, _registrations = attended_event(count=2, attended=(0,))
    past_start = timezone.now() - timedelta(days=2)
    Event.objects.filter(pk=past.pk).update(
        starts_at=past_start, ends_at=past_start + timedelta(hours=2)
    )
    soon_start = timezone.now() + timedelta(hours=12)
    soon = factories.event(starts_at=soon_start, capacity=2)
    holder, leaving = register(soon, 10).registration, register(soon, 12).registration
    Registration.objects.filter(pk=holder.pk).update(confirmed_at=soon_start - timedelta(days=9))
    offered = register(soon, 11).registration
    services.cancel(actor=None, registration=leaving)
    Registration.objects.filter(pk=offered.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )

    output = run("tick")
    assert "reminders sent: 1" in output
    assert "offers expired: 1" in output
    assert f"event {past.pk}: thanks sent: 1" in output
    assert run("tick").splitlines() == ["reminders sent: 0", "offers expired: 0"]


def test_thank_names_an_event():
    event, _registrations = attended_event(count=2, attended=(0, 1))
    assert run("thank", str(event.pk)) == f"event {event.pk}: thanks sent: 2\n"
    assert run("remind") == "reminders sent: 0\n"
    with pytest.raises(CommandError, match="No event"):
        run("thank", "999999")


def test_a_mail_server_failure_queues_the_mail_and_keeps_the_registration(
    settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    # Nothing listens on port 1: a real connection failure, as when the SMTP server is down.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    event = factories.event()
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(event, 1).registration
    assert Registration.objects.filter(pk=registration.pk, status="confirmed").exists()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path.endswith("send_registration_email_later")
    assert queued.args_kwargs["kwargs"] == {"kind": "confirmed", "registration_id": registration.pk}


def test_in_background_the_worker_sends_the_confirmation(transactional_db, settings):
    from django.core.management import call_command

    settings.OSMOSE_MAIL_IN_BACKGROUND = True
    event = factories.event()
    register(event, 1, language="en")
    assert mail.outbox == []  # queued, not sent by the request
    call_command("worker", batch=True, verbosity=0)
    [message] = mail.outbox
    assert message.subject.startswith("Your seat is confirmed")


def test_cancelling_an_event_tells_everyone_still_registered(django_capture_on_commit_callbacks):
    from osmose.events import services

    event = factories.event(capacity=1, title_fr="Afterwork annulé", title_en="Cancelled afterwork")
    holder = register(event, 1, language="en").registration
    waiting = register(event, 2, language="fr").registration
    gone = register(event, 3).registration
    services.cancel(actor=None, registration=gone)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(actor=None, event=event, status="cancelled")
    by_address = {m.to[0]: m.subject for m in mail.outbox}
    assert by_address == {
        holder.person.email: "Event cancelled: Cancelled afterwork",
        waiting.person.email: "Événement annulé : Afterwork annulé",
    }
