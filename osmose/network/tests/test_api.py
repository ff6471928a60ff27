"""The network API: interactions, introductions and their follow-ups, collaborations and their
attribution, the graph's figures, by role.

Personas: an animator (everything), a funder (the metrics only, without names), a member
(403) and anonymous callers (401).
"""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from osmose.api.tests.client import API, bearer_client, error_locations, patch, post
from osmose.matchmaking import services as b2b
from osmose.matchmaking.tests import factories as b2b_factories
from osmose.network import followups, graph, services
from osmose.network.models import (
    Collaboration,
    CollaborationStatus,
    FollowUp,
    FollowUpAnswer,
    Interaction,
    Introduction,
    Task,
)
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(animator, member, funder) -> dict[str, Client]:
    return {
        "animator": bearer_client(animator),
        "funder": bearer_client(funder),
        "member": bearer_client(member),
        "anonymous": Client(),
    }


@pytest.fixture
def lab():
    return factories.organisation(name="Laboratoire ICOA", kind="academic_lab", sector="public")


@pytest.fixture
def company():
    return factories.organisation(name="BioProd", kind="company", sector="private")


@pytest.fixture
def people(lab, company):
    return factories.person(organisation=lab), factories.person(organisation=company)


@pytest.fixture
def collaboration(animator, lab, company) -> Collaboration:
    return services.create_collaboration(
        actor=animator,
        values={"title": "Projet R&D", "kind": "rd", "started_on": date.today()},
        organisations=[lab, company],
    )


# --- Roles on every endpoint ------------------------------------------------------------------

ANIMATOR_ONLY = [
    ("get", "/interactions", None),
    (
        "post",
        "/interactions",
        {"kind": "call", "on": "2026-01-05", "summary": "Appel", "organisation_ids": ["{lab}"]},
    ),
    ("get", "/introductions", None),
    ("post", "/introductions", {"person_a_id": "{a}", "person_b_id": "{b}", "why": "R&D"}),
    ("get", "/collaborations", None),
    ("post", "/collaborations", {"title": "NDA", "kind": "nda", "organisation_ids": ["{lab}"]}),
    ("get", "/collaborations/{collaboration}", None),
    ("patch", "/collaborations/{collaboration}", {"note": "Signé"}),
]


def call(client: Client, method: str, path: str, data: Any, ids: dict[str, int]) -> Any:
    for name, pk in ids.items():
        path = path.replace("{" + name + "}", str(pk))

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, str) and value.startswith("{") and value.strip("{}") in ids:
            return ids[value.strip("{}")]
        return value

    if method == "get":
        return client.get(f"{API}{path}")
    body = {k: fill(v) for k, v in (data or {}).items()}
    return post(client, path, body) if method == "post" else patch(client, path, body)


@pytest.mark.parametrize(("method", "path", "data"), ANIMATOR_ONLY)
def test_only_animators_reach_the_network_records(
    clients, lab, people, collaboration, method, path, data
):
    ids = {"lab": lab.pk, "a": people[0].pk, "b": people[1].pk, "collaboration": collaboration.pk}
    expected = {"anonymous": 401, "member": 403, "funder": 403}
    for persona, status in expected.items():
        response = call(clients[persona], method, path, data, ids)
        assert response.status_code == status, (persona, response.content)
    response = call(clients["animator"], method, path, data, ids)
    assert response.status_code in (200, 201), response.content


def test_the_metrics_are_for_animators_and_funders(clients):
    for persona in ("animator", "funder"):
        assert clients[persona].get(f"{API}/network/metrics").status_code == 200
    assert clients["member"].get(f"{API}/network/metrics").status_code == 403
    assert clients["anonymous"].get(f"{API}/network/metrics").status_code == 401


# --- Interactions -----------------------------------------------------------------------------


def test_it_logs_an_interaction_with_its_follow_up_task(clients, animator, lab, people):
    api = clients["animator"]
    researcher, engineer = people
    response = post(
        api,
        "/interactions",
        {
            "kind": "visit",
            "on": "2026-01-05",
            "summary": "Visite de la plateforme",
            "person_ids": [researcher.pk],
            "follow_up_on": "2026-01-20",
            "follow_up_title": "Envoyer le devis",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [o["id"] for o in body["organisations"]] == [lab.pk]  # the person's organisation
    assert body["tasks"] == [
        {
            "id": Task.objects.get().pk,
            "title": "Envoyer le devis",
            "due_on": "2026-01-20",
            "done": False,
        },
    ]
    assert Task.objects.get().assignee == animator
    post(
        api,
        "/interactions",
        {"kind": "call", "on": "2025-06-01", "summary": "Appel", "person_ids": [engineer.pk]},
    )
    assert api.get(f"{API}/interactions").json()["count"] == 2
    assert api.get(f"{API}/interactions?kind=call").json()["items"][0]["summary"] == "Appel"
    assert api.get(f"{API}/interactions?organisation={lab.pk}").json()["count"] == 1
    assert api.get(f"{API}/interactions?from=2026-01-01").json()["count"] == 1
    nobody = post(api, "/interactions", {"kind": "call", "on": "2026-01-05", "summary": "?"})
    assert error_locations(nobody) == [["body", "payload", "person_ids"]]
    unknown = post(
        api,
        "/interactions",
        {"kind": "call", "on": "2026-01-05", "summary": "?", "person_ids": [999999]},
    )
    assert error_locations(unknown) == [["body", "payload", "person_ids"]]
    assert Interaction.objects.count() == 2


# --- Introductions and their follow-ups -------------------------------------------------------


def test_it_introduces_and_lists_the_follow_ups_with_their_answers(clients, people):
    api = clients["animator"]
    a, b = people
    on = timezone.localdate() - timedelta(days=40)
    response = post(
        api,
        "/introductions",
        {"person_a_id": a.pk, "person_b_id": b.pk, "why": "Analyses", "on": on.isoformat()},
    )
    assert response.status_code == 201, response.content
    assert response.json()["follow_ups"] == []
    followups.plan()
    first = FollowUp.objects.get(person=a, round_days=30)
    followups.record_answer(followups.Link(first, FollowUpAnswer.COLLABORATION))
    [item] = api.get(f"{API}/introductions?answered=true").json()["items"]
    answers = {(f["person"]["id"], f["round_days"]): f for f in item["follow_ups"]}
    assert answers[(a.pk, 30)]["answer"] == "collaboration"
    assert answers[(a.pk, 30)]["collaboration_id"] == item["collaborations"][0]
    assert answers[(b.pk, 30)]["answer"] is None
    assert api.get(f"{API}/introductions?answered=false").json()["count"] == 0
    assert api.get(f"{API}/introductions?person={b.pk}").json()["count"] == 1
    same = post(api, "/introductions", {"person_a_id": a.pk, "person_b_id": a.pk, "why": "?"})
    assert error_locations(same) == [["body", "payload", "person_b_id"]]
    no_why = post(api, "/introductions", {"person_a_id": a.pk, "person_b_id": b.pk, "why": " "})
    assert error_locations(no_why) == [["body", "payload", "why"]]
    assert Introduction.objects.count() == 1


# --- Collaborations ---------------------------------------------------------------------------


def test_a_collaboration_created_with_its_meeting_gets_the_meetings_event(
    clients, lab, company, people
):
    brokerage = b2b_factories.brokerage()
    x, y = b2b_factories.participant(brokerage), b2b_factories.participant(brokerage)
    meeting = b2b.add_meeting(brokerage, [x, y])
    api = clients["animator"]
    response = post(
        api,
        "/collaborations",
        {
            "title": "Contrat de prestation",
            "kind": "service",
            "status": "active",
            "amount": "45000",
            "started_on": "2026-01-10",
            "organisation_ids": [lab.pk, company.pk],
            "person_ids": [people[0].pk],
            "origin_meeting_id": meeting.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["origin"], body["origin_meeting_id"]) == ("meeting", meeting.pk)
    assert body["origin_event"]["id"] == brokerage.event.pk
    assert Collaboration.objects.get(pk=body["id"]).origin_event == brokerage.event
    assert body["status"] == "active" and body["amount"] == "45000.00"
    assert set(body["allowed_statuses"]) == {"completed", "abandoned"}


def test_it_filters_collaborations_by_status_kind_and_origin(clients, animator, lab, people):
    introduction = services.introduce(
        actor=animator, person_a=people[0], person_b=people[1], why="R&D"
    )
    from osmose.events.tests import factories as event_factories

    event = event_factories.event(kind="afterwork")
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("A", "rd", {"origin_introduction": introduction}),
        ("B", "nda", {"origin_event": event, "status": "active"}),
        ("C", "grant", {}),
    ]
    for title, kind, values in cases:
        services.create_collaboration(
            actor=animator, values={"title": title, "kind": kind, **values}, organisations=[lab]
        )
    api = clients["animator"]

    def titles(query: str) -> list[str]:
        response = api.get(f"{API}/collaborations?{query}")
        assert response.status_code == 200, response.content
        return sorted(item["title"] for item in response.json()["items"])

    assert titles("origin=introduction") == ["A"]
    assert titles("origin=event") == ["B"]
    assert titles("origin=none") == ["C"]
    assert titles("status=active") == ["B"]
    assert titles("kind=rd&kind=grant") == ["A", "C"]
    assert titles(f"organisation={lab.pk}") == ["A", "B", "C"]
    assert api.get(f"{API}/collaborations?origin=elsewhere").status_code == 422


def test_a_collaboration_moves_along_its_statuses_only(clients, collaboration):
    api = clients["animator"]
    path = f"/collaborations/{collaboration.pk}"
    illegal = patch(api, path, {"status": "completed", "note": "Fini"})
    assert illegal.status_code == 409
    assert "cannot go from" in illegal.json()["detail"]
    collaboration.refresh_from_db()
    assert (collaboration.status, collaboration.note) == (CollaborationStatus.DISCUSSION, "")
    moved = patch(api, path, {"status": "active", "amount": "12000", "title": "Projet signé"})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["status"], moved.json()["title"]) == ("active", "Projet signé")
    assert patch(api, path, {"status": "completed"}).json()["status"] == "completed"
    assert patch(api, path, {"status": "discussion"}).status_code == 409
    assert patch(api, path, {"organisation_ids": []}).status_code == 422
    assert error_locations(patch(api, path, {"venture_id": 999999})) == [
        ["body", "payload", "venture_id"]
    ]


def test_one_origin_only(clients, animator, lab, people):
    brokerage = b2b_factories.brokerage()
    x, y = b2b_factories.participant(brokerage), b2b_factories.participant(brokerage)
    meeting = b2b.add_meeting(brokerage, [x, y])
    introduction = services.introduce(
        actor=animator, person_a=people[0], person_b=people[1], why="R&D"
    )
    response = post(
        clients["animator"],
        "/collaborations",
        {
            "title": "X",
            "kind": "rd",
            "organisation_ids": [lab.pk],
            "origin_meeting_id": meeting.pk,
            "origin_introduction_id": introduction.pk,
        },
    )
    assert error_locations(response) == [["body", "payload", "origin_meeting_id"]]


# --- The graph's figures ----------------------------------------------------------------------


def test_the_metrics_equal_the_graphs_and_funders_get_no_names(clients, animator, people):
    lab2 = factories.organisation(name="Unité Vaccins", kind="academic_lab", sector="public")
    bank = factories.organisation(name="Fonds Loire", kind="investor", sector="private")
    today = timezone.localdate()
    orgs = list({o.pk: o for p in people for o in p.organisations.all()}.values())
    for organisations in ([*orgs], [orgs[0], bank], [lab2, bank]):
        services.create_collaboration(
            actor=animator,
            values={"title": "C", "kind": "rd", "started_on": today - timedelta(days=10)},
            organisations=organisations,
        )
    start, end = today - timedelta(days=365), today
    expected = graph.metrics(start, end)
    body = (
        clients["animator"]
        .get(f"{API}/network/metrics?from={start.isoformat()}&to={end.isoformat()}")
        .json()
    )
    for name in (
        "organisations",
        "ties",
        "cross_ties",
        "osmosis_index",
        "new_ties",
        "new_cross_ties",
        "ties_by_kind",
    ):
        assert body[name] == getattr(expected, name), name
    assert body["osmosis_index"] is not None
    assert [(b["id"], b["name"], b["betweenness"]) for b in body["bridging"]] == [
        (b["id"], b["name"], b["betweenness"]) for b in expected.bridging
    ]
    assert len(body["trend"]) == len(expected.trend) == 4
    assert body["trend"][-1]["osmosis_index"] == expected.trend[-1]["osmosis_index"]
    assert (body["from"], body["to"]) == (start.isoformat(), end.isoformat())
    default = clients["animator"].get(f"{API}/network/metrics").json()
    assert default["ties"] == expected.ties
    funder = clients["funder"].get(f"{API}/network/metrics")
    assert funder.status_code == 200
    data = funder.json()
    assert data["ties"] == expected.ties and data["bridging"]
    assert all(row["id"] is None and row["name"] is None for row in data["bridging"])
    assert all(row["id"] is None and row["name"] is None for row in data["isolated"])
    for name in ("Fonds Loire", "Unité Vaccins", "ICOA", "BioProd"):
        assert name not in funder.content.decode()
    wrong = clients["funder"].get(f"{API}/network/metrics?from=2026-02-01&to=2026-01-01")
    assert wrong.status_code == 422


def test_it_publishes_the_network_paths(clients):
    paths = clients["animator"].get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/interactions",
        "/api/v1/introductions",
        "/api/v1/collaborations",
        "/api/v1/collaborations/{collaboration_id}",
        "/api/v1/network/metrics",
    ):
        assert path in paths, path
