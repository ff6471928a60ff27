"""The network demo step: interactions, introductions with answered follow-ups, collaborations
attributed to events, B2B meetings and introductions, and figures worth reading.

Every step but the matchmaking one (its scheduler takes seconds; this step brings the past
congress's meetings itself), once for the module inside a transaction rolled back at the end.
"""

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from osmose.accounts.models import Role
from osmose.core.demo import DEMO_SEED, DemoContext, steps
from osmose.matchmaking.models import Brokerage, Meeting
from osmose.network import demo, graph
from osmose.network.models import (
    Collaboration,
    CollaborationKind,
    CollaborationStatus,
    FollowUp,
    FollowUpAnswer,
    Interaction,
    InteractionKind,
    Introduction,
    Task,
)


def silent(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoContext]:
    with django_db_blocker.unblock(), transaction.atomic():
        context = DemoContext(rng=random.Random(DEMO_SEED), now=timezone.now(), log=silent)
        for step in steps():
            if step.name != "matchmaking":
                step.run(context)
        yield context
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_it_runs_after_the_meetings_and_the_ventures() -> None:
    names = [step.name for step in steps()]
    assert names.index("matchmaking") < names.index("network")
    assert names.index("pipeline") < names.index("network")


def test_about_eighty_interactions_of_every_kind_over_the_last_year(built: DemoContext) -> None:
    today = built.now.date()
    interactions = Interaction.objects.all()
    assert 70 <= interactions.count() <= 90
    assert set(interactions.values_list("kind", flat=True)) == set(InteractionKind.values)
    assert not interactions.filter(on__lt=today - timedelta(days=366)).exists()
    assert not interactions.filter(on__gt=today).exists()
    assert interactions.filter(kind=InteractionKind.EVENT, event__isnull=False).exists()
    follow_ups = Task.objects.filter(interaction__isnull=False)
    assert follow_ups.count() >= 10
    assert follow_ups.exclude(done_at=None).exists() and follow_ups.filter(done_at=None).exists()
    # The registry demo's guard: every task is the animator's, about an organisation.
    assert not Task.objects.filter(organisation=None).exists()
    assert not Task.objects.exclude(assignee__role=Role.ANIMATOR).exists()


def test_introductions_have_follow_ups_answered_all_three_ways(built: DemoContext) -> None:
    introductions = Introduction.objects.all()
    assert 15 <= introductions.count() <= 25
    answered = FollowUp.objects.filter(introduction__isnull=False, answered_at__isnull=False)
    assert set(answered.values_list("answer", flat=True)) == set(FollowUpAnswer.values)
    assert all(f.answered_at and f.answered_at >= f.due_at and f.sent_at for f in answered)
    assert answered.filter(round_days=90).exists()
    yes = answered.filter(answer=FollowUpAnswer.COLLABORATION)
    assert yes.exists() and not yes.filter(collaboration=None).exists()
    # Reported from the introduction it answers about.
    assert all(
        f.collaboration and f.collaboration.origin_introduction_id == f.introduction_id for f in yes
    )
    # Nothing was left to send: the due follow-ups are marked sent.
    assert not FollowUp.objects.filter(sent_at=None).exists()


def test_collaborations_of_every_kind_status_and_origin(built: DemoContext) -> None:
    collaborations = Collaboration.objects.all()
    assert 20 <= collaborations.count() <= 32
    assert set(collaborations.values_list("kind", flat=True)) == set(CollaborationKind.values)
    assert set(collaborations.values_list("status", flat=True)) == set(CollaborationStatus.values)
    meeting = collaborations.exclude(origin_meeting=None)
    assert meeting.exists()
    for collaboration in meeting:
        assert collaboration.origin_meeting is not None
        event = collaboration.origin_meeting.brokerage.event
        assert collaboration.origin_event_id == event.pk and event.ends_at < built.now
    assert collaborations.exclude(origin_introduction=None).exists()
    assert collaborations.filter(
        origin_meeting=None, origin_introduction=None, origin_event__isnull=False
    ).exists()
    assert collaborations.filter(
        origin_meeting=None, origin_introduction=None, origin_event=None
    ).exists()
    assert collaborations.exclude(venture=None).exists()
    assert all(c.organisations.exists() for c in collaborations)


def test_the_past_congress_had_its_b2b_meetings(built: DemoContext) -> None:
    brokerage = Brokerage.objects.get(event__ends_at__lt=built.now)
    meetings = Meeting.objects.filter(brokerage=brokerage)
    assert meetings.count() >= 20 and not meetings.filter(slot=None).exists()
    placed = list(meetings.values_list("slot", "table"))
    assert len(placed) == len(set(placed))  # one meeting per table and slot
    for meeting in meetings:
        organisations = {p.registration.organisation_id for p in meeting.participants.all()}
        assert len(organisations) == 2


def test_the_figures_of_the_last_twelve_months_are_meaningful(built: DemoContext) -> None:
    today = built.now.date()
    figures = graph.metrics(today - timedelta(days=365), today)
    assert figures.osmosis_index is not None and 0.2 < figures.osmosis_index < 0.8
    assert all(figures.ties_by_kind[kind] > 0 for kind in graph.KINDS)
    assert figures.new_cross_ties > 0 and figures.bridging
    assert figures.trend[-1]["osmosis_index"] is not None


def test_reset_deletes_what_it_made(built: DemoContext) -> None:
    demo.reset()
    for model in (Interaction, Introduction, FollowUp, Collaboration, Task):
        assert not model.objects.exists(), model
    assert not Brokerage.objects.filter(event__ends_at__lt=built.now).exists()
