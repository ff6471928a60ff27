"""Interactions and their tasks, introductions, collaborations and their attribution."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from osmose.matchmaking import services as b2b
from osmose.matchmaking.tests import factories as b2b_factories
from osmose.network import services
from osmose.network.models import CollaborationStatus, Task
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_an_interaction_adds_the_peoples_organisations_and_its_follow_up_task(animator):
    company = factories.organisation(name="BioProd")
    marc = factories.person(organisation=company)
    interaction = services.log_interaction(
        actor=animator, kind="call", on=date(2026, 11, 2), summary="Besoin d'analyses",
        people=[marc], follow_up_on=date(2026, 11, 20),
    )  # fmt: skip
    assert list(interaction.organisations.all()) == [company]
    task = Task.objects.get(interaction=interaction)
    assert (task.due_on, task.person, task.assignee) == (date(2026, 11, 20), marc, animator)
    with pytest.raises(ValidationError):
        services.log_interaction(actor=animator, kind="call", on=date(2026, 11, 2), summary="?")


def test_a_collaboration_born_at_a_meeting_is_attributed_to_its_event(animator):
    brokerage = b2b_factories.brokerage()
    a, b = b2b_factories.participant(brokerage), b2b_factories.participant(brokerage)
    meeting = b2b.add_meeting(brokerage, [a, b])
    lab, company = factories.organisation(sector="public"), factories.organisation()
    collaboration = services.create_collaboration(
        actor=animator,
        values={"title": "Contrat de prestation", "kind": "service", "origin_meeting": meeting},
        organisations=[lab, company],
    )
    assert collaboration.origin_event == brokerage.event
    assert collaboration.origin_label == "B2B meeting"
    introduction = services.introduce(
        actor=animator, person_a=factories.person(), person_b=factories.person(), why="R&D"
    )
    with pytest.raises(ValidationError, match="not both"):
        services.create_collaboration(
            actor=animator,
            values={
                "title": "X",
                "kind": "rd",
                "origin_meeting": meeting,
                "origin_introduction": introduction,
            },
            organisations=[lab],
        )


def test_collaboration_status_moves_follow_the_table(animator):
    collaboration = services.create_collaboration(
        actor=animator, values={"title": "Projet", "kind": "rd"},
        organisations=[factories.organisation()],
    )  # fmt: skip
    services.move_collaboration(
        actor=animator, collaboration=collaboration, status=CollaborationStatus.ACTIVE
    )
    with pytest.raises(ValidationError, match="cannot go"):
        services.move_collaboration(
            actor=animator, collaboration=collaboration, status=CollaborationStatus.REPORTED
        )
    collaboration.refresh_from_db()
    assert collaboration.status == CollaborationStatus.ACTIVE


def test_an_introduction_needs_two_people_and_a_reason(animator):
    person = factories.person()
    with pytest.raises(ValidationError):
        services.introduce(actor=animator, person_a=person, person_b=person, why="x")
    with pytest.raises(ValidationError):
        services.introduce(actor=animator, person_a=person, person_b=factories.person(), why=" ")


def test_a_collaboration_cannot_end_before_it_starts(animator):
    with pytest.raises(ValidationError, match="end"):
        services.create_collaboration(
            actor=animator,
            values={
                "title": "X",
                "kind": "rd",
                "started_on": date(2025, 5, 1),
                "ended_on": date(2025, 4, 1),
            },
            organisations=[factories.organisation()],
        )


def test_the_trend_stops_at_the_end_of_the_period(animator):
    from osmose.network import graph

    a, b = factories.organisation(sector="public"), factories.organisation()
    services.create_collaboration(
        actor=animator,
        values={"title": "X", "kind": "rd", "started_on": date(2024, 3, 20)},
        organisations=[a, b],
    )
    [last] = graph.trend(date(2024, 2, 15), 1)
    assert (last["to"], last["ties"]) == ("2024-02-15", 0)
