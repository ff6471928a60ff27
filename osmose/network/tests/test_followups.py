"""+30/+90-day follow-ups of B2B meetings: planned once, sent once, answered once by link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from osmose.matchmaking import scheduling, services
from osmose.matchmaking.tests import factories
from osmose.network import followups
from osmose.network.models import FollowUp, FollowUpAnswer

pytestmark = pytest.mark.django_db


@pytest.fixture
def met():
    """A past event where Alice and Bob met."""
    brokerage = factories.brokerage(slots=2, tables=1)
    alice, bob = factories.participant(brokerage), factories.participant(brokerage)
    services.answer_request(services.request_meeting(alice, bob), accept=True)
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    return brokerage, alice, bob


def _links(message):
    return [line.strip() for line in message.body.splitlines() if "/follow-up/" in line]


def test_sent_at_30_and_90_days_once_each(met):
    brokerage, alice, bob = met
    ended = brokerage.event.ends_at
    assert followups.send_due(ended + timedelta(days=29)) == 0
    assert followups.send_due(ended + timedelta(days=31)) == 2
    assert followups.send_due(ended + timedelta(days=32)) == 0  # nothing twice
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.person.email, bob.person.email])
    assert len(_links(mail.outbox[0])) == 3
    assert followups.send_due(ended + timedelta(days=91)) == 2
    assert FollowUp.objects.filter(round_days=90).count() == 2


def test_a_settled_answer_skips_the_second_round(met):
    brokerage, alice, _bob = met
    ended = brokerage.event.ends_at
    followups.send_due(ended + timedelta(days=31))
    first = FollowUp.objects.get(person=alice.person)
    followups.record_answer(followups.Link(first, FollowUpAnswer.COLLABORATION))
    followups.send_due(ended + timedelta(days=91))
    assert not FollowUp.objects.filter(person=alice.person, round_days=90).exists()
    assert FollowUp.objects.filter(round_days=90).count() == 1


def test_the_link_answers_once_and_cannot_be_forged_or_replayed(met):
    brokerage, alice, bob = met
    followups.send_due(brokerage.event.ends_at + timedelta(days=31))
    message = next(m for m in mail.outbox if m.to == [alice.person.email])
    collaboration, _discussion, nothing = _links(message)
    path = collaboration.split("testserver")[-1].split("://")[-1]
    path = path[path.index("/follow-up/") :]
    client = Client(enforce_csrf_checks=False)
    page = client.get(path)
    assert page.status_code == 200
    assert not FollowUp.objects.filter(answered_at__isnull=False).exists()  # GET answers nothing
    assert client.post(path, {"note": "Un contrat de service"}).status_code == 200
    answered = FollowUp.objects.get(person=alice.person)
    assert (answered.answer, answered.note) == ("collaboration", "Un contrat de service")
    # Replaying, or the other answer's link, changes nothing.
    other = nothing[nothing.index("/follow-up/") :]
    assert client.post(path).status_code == 409
    assert client.post(other).status_code == 409
    answered.refresh_from_db()
    assert answered.answer == "collaboration"
    # Bob's follow-up is untouched; a tampered token is refused.
    assert FollowUp.objects.get(person=bob.person).answered_at is None
    token = path.split("/")[2]
    assert client.get(f"/follow-up/{token[:-2]}xx/").status_code == 404


def test_an_expired_link_is_refused(met):
    brokerage, alice, _bob = met
    followups.send_due(brokerage.event.ends_at + timedelta(days=31))
    follow_up = FollowUp.objects.get(person=alice.person)
    token = followups.answer_token(follow_up, "nothing")
    from unittest.mock import patch

    later = timezone.now().timestamp() + (followups.LINK_DAYS + 1) * 86400
    with (
        patch("django.core.signing.time.time", return_value=later),
        translation.override("en"),
        pytest.raises(followups.LinkError, match="expired"),
    ):
        followups.read_token(token)


def test_the_command_sends_what_is_due(met):
    from io import StringIO

    out = StringIO()
    call_command("network", "follow-ups", stdout=out)
    assert "follow-ups sent: 0" in out.getvalue()  # the event is still to come


def _post_answer(message, answer_index):
    link = _links(message)[answer_index]
    path = link[link.index("/follow-up/") :]
    return Client().post(path)


def test_yes_reports_one_collaboration_attributed_to_the_meeting(met):
    from osmose.network.models import Collaboration, CollaborationStatus

    brokerage, alice, bob = met
    followups.send_due(brokerage.event.ends_at + timedelta(days=31))
    for message in mail.outbox:
        assert _post_answer(message, 0).status_code == 200  # "yes, we are working together"
    [collaboration] = Collaboration.objects.all()
    assert collaboration.status == CollaborationStatus.REPORTED
    assert collaboration.origin_meeting is not None
    assert collaboration.origin_meeting.brokerage == brokerage
    assert collaboration.origin_event == brokerage.event
    assert set(collaboration.people.all()) == {alice.person, bob.person}
    assert FollowUp.objects.filter(collaboration=collaboration).count() == 2


def test_an_introduction_is_followed_up_and_its_yes_attributed_to_it():
    from osmose.network import services as network_services
    from osmose.network.models import Collaboration
    from osmose.registry.tests import factories as registry_factories

    lab = registry_factories.organisation(name="Labo", kind="academic_lab", sector="public")
    company = registry_factories.organisation(name="Société")
    claire = registry_factories.person(email="claire@lab.example", organisation=lab)
    marc = registry_factories.person(email="marc@company.example", organisation=company)
    introduction = network_services.introduce(
        actor=None, person_a=claire, person_b=marc, why="Bioproduction",
        on=timezone.localdate() - timedelta(days=40),
    )  # fmt: skip
    assert followups.send_due() == 2
    message = next(m for m in mail.outbox if m.to == ["marc@company.example"])
    assert str(claire) in message.body
    assert _post_answer(message, 0).status_code == 200
    [collaboration] = Collaboration.objects.all()
    assert collaboration.origin_introduction == introduction
    assert set(collaboration.organisations.all()) == {lab, company}
    # Claire's link cannot be used to answer for Marc, nor Marc's twice.
    assert _post_answer(message, 2).status_code == 409
    assert FollowUp.objects.get(person=claire).answered_at is None
