"""The ventures API: ventures, stage moves and their evidence, TRL, rounds, the funnel, by role.

Personas: an animator (everything), a funder (the funnel only), a member (403) and anonymous
callers (401).
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from osmose.api.tests.client import API, bearer_client, error_locations, patch, post
from osmose.core.models import Term, Vocabulary
from osmose.pipeline import selectors, services
from osmose.pipeline.models import FundingRound, Stage, StageChange, TrlRecord, Venture
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
def term() -> Term:
    vocabulary = Vocabulary.objects.create(slug="modalities", name_fr="Modalités", name_en="M")
    return Term.objects.create(
        vocabulary=vocabulary, slug="vaccines", name_fr="Vaccins", name_en="Vaccines"
    )


@pytest.fixture
def venture(lab, term) -> Venture:
    venture = services.create_venture(
        actor=None, values={"name": "NanoVax", "origin": lab}, terms=[term], on=date(2025, 1, 10)
    )
    services.move_to_stage(actor=None, venture=venture, stage=Stage.MATURATION, on=date(2025, 3, 1))
    return venture


# --- Roles on every endpoint ------------------------------------------------------------------

ANIMATOR_ONLY = [
    ("get", "/ventures", None),
    ("post", "/ventures", {"name": "X"}),
    ("get", "/ventures/{id}", None),
    ("patch", "/ventures/{id}", {"summary": "S"}),
    ("get", "/ventures/{id}/stages", None),
    ("post", "/ventures/{id}/stages", {"stage": "pre_incubation", "on": "2025-04-01"}),
    ("get", "/ventures/{id}/trl", None),
    ("post", "/ventures/{id}/trl", {"level": 3, "on": "2025-04-01"}),
    ("get", "/funding-rounds", None),
    (
        "post",
        "/funding-rounds",
        {"venture_id": "{id}", "on": "2025-04-01", "instrument": "grant", "amount": "1000"},
    ),
]


def call(client: Client, method: str, path: str, data: Any, venture: Venture) -> Any:
    path = path.replace("{id}", str(venture.pk))
    if isinstance(data, dict):
        data = {k: venture.pk if v == "{id}" else v for k, v in data.items()}
    if method == "get":
        return client.get(f"{API}{path}")
    if method == "post":
        return post(client, path, data)
    return patch(client, path, data)


@pytest.mark.parametrize(("method", "path", "data"), ANIMATOR_ONLY)
def test_only_animators_reach_the_venture_records(clients, venture, method, path, data):
    expected = {"anonymous": 401, "member": 403, "funder": 403}
    for persona, status in expected.items():
        response = call(clients[persona], method, path, data, venture)
        assert response.status_code == status, (persona, response.content)
    response = call(clients["animator"], method, path, data, venture)
    assert response.status_code in (200, 201), response.content


def test_the_funnel_is_for_animators_and_funders(clients, venture):
    for persona in ("animator", "funder"):
        assert clients[persona].get(f"{API}/ventures/funnel").status_code == 200
    assert clients["member"].get(f"{API}/ventures/funnel").status_code == 403
    assert clients["anonymous"].get(f"{API}/ventures/funnel").status_code == 401


def test_the_session_works_for_reading(animator_client, venture):
    response = animator_client.get(f"{API}/ventures/{venture.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "NanoVax"


# --- Ventures ---------------------------------------------------------------------------------


def test_it_creates_lists_filters_and_changes_ventures(clients, lab, term, venture):
    api = clients["animator"]
    response = post(
        api,
        "/ventures",
        {"name": "CellBio", "origin_id": lab.pk, "terms": ["vaccines"], "on": "2025-02-01"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage"], body["stage_since"], body["origin"]["id"]) == (
        "idea",
        "2025-02-01",
        lab.pk,
    )
    assert [t["slug"] for t in body["terms"]] == ["vaccines"]
    assert set(body["allowed_stages"]) == {"maturation", "pre_incubation", "stopped"}
    listed = api.get(f"{API}/ventures?stage=idea").json()
    assert [v["name"] for v in listed["items"]] == ["CellBio"]
    assert api.get(f"{API}/ventures?term=vaccines").json()["count"] == 2
    assert api.get(f"{API}/ventures?created=true").json()["count"] == 0
    assert api.get(f"{API}/ventures?q=nano").json()["items"][0]["id"] == venture.pk
    changed = patch(api, f"/ventures/{body['id']}", {"summary": "Des cellules", "terms": []})
    assert changed.status_code == 200
    assert (changed.json()["summary"], changed.json()["terms"]) == ("Des cellules", [])


def test_it_names_the_wrong_field(clients):
    api = clients["animator"]
    assert error_locations(post(api, "/ventures", {"name": "X", "origin_id": 999999})) == [
        ["body", "payload", "origin_id"]
    ]
    assert error_locations(post(api, "/ventures", {"name": "X", "terms": ["nope"]})) == [
        ["body", "payload", "terms"]
    ]
    assert post(api, "/ventures", {"name": "X", "stage": "growth"}).status_code == 422
    assert api.get(f"{API}/ventures/999999").status_code == 404


# --- Stage rules through the API --------------------------------------------------------------


def test_the_stage_rules_hold_through_the_api(clients, venture):
    api = clients["animator"]
    path = f"/ventures/{venture.pk}/stages"
    illegal = post(api, path, {"stage": "growth", "on": "2025-04-01"})
    assert illegal.status_code == 409
    assert "cannot go from" in illegal.json()["detail"]
    company = factories.organisation(name="NanoVax SAS", kind="startup")
    missing = post(api, path, {"stage": "company_created", "on": "2025-06-01"})
    assert error_locations(missing) == [["body", "payload", "company_id"]]
    no_siren = post(
        api, path, {"stage": "company_created", "on": "2025-06-01", "company_id": company.pk}
    )
    assert error_locations(no_siren) == [["body", "payload", "company_id"]]
    assert "SIREN" in no_siren.json()["detail"][0]["msg"]
    assert Venture.objects.get(pk=venture.pk).stage == Stage.MATURATION
    company.siren, company.founded_on = "732829320", date(2025, 5, 20)
    company.save()
    moved = post(
        api,
        path,
        {"stage": "company_created", "on": "2025-06-01", "company_id": company.pk, "note": "K"},
    )
    assert moved.status_code == 201, moved.content
    body = moved.json()
    assert body["stage"] == "company_created" and body["is_created"]
    assert body["company"] == {
        "id": company.pk, "name": "NanoVax SAS", "siren": "732829320",
        "founded_on": "2025-05-20", "is_jei": False,
    }  # fmt: skip
    history = api.get(f"{API}{path}").json()
    assert [(c["from_stage"], c["to_stage"], c["on"]) for c in history] == [
        (None, "idea", "2025-01-10"),
        ("idea", "maturation", "2025-03-01"),
        ("maturation", "company_created", "2025-06-01"),
    ]
    # First funding needs a round; stopped needs a reason (both named).
    no_round = post(api, path, {"stage": "first_funding", "on": "2025-07-01"})
    assert error_locations(no_round) == [["body", "payload", "stage"]]
    no_reason = post(api, path, {"stage": "stopped", "on": "2025-07-01"})
    assert error_locations(no_reason) == [["body", "payload", "reason"]]
    assert api.get(f"{API}/ventures?created=true").json()["count"] == 1
    assert StageChange.objects.filter(venture=venture).count() == 3


def test_a_move_dated_before_the_current_stage_is_refused(clients, venture):
    response = post(
        clients["animator"], f"/ventures/{venture.pk}/stages", {"stage": "stopped",
        "on": "2025-01-01", "reason": "Trop tôt"},
    )  # fmt: skip
    assert error_locations(response) == [["body", "payload", "on"]]


def test_licensed_needs_the_licensee_by_id(clients, venture):
    api = clients["animator"]
    path = f"/ventures/{venture.pk}/stages"
    assert error_locations(post(api, path, {"stage": "licensed"})) == [
        ["body", "payload", "licensee_id"]
    ]
    pharma = factories.organisation(name="Pharma SA")
    response = post(api, path, {"stage": "licensed", "licensee_id": pharma.pk})
    assert response.status_code == 201
    assert response.json()["licensee"] == {"id": pharma.pk, "name": "Pharma SA"}


# --- TRL and rounds ---------------------------------------------------------------------------


def test_it_records_the_trl_over_time(clients, venture):
    api = clients["animator"]
    path = f"/ventures/{venture.pk}/trl"
    assert post(api, path, {"level": 2, "on": "2025-02-01"}).status_code == 201
    assert post(api, path, {"level": 4, "on": "2025-05-01", "note": "Preuve"}).status_code == 201
    assert error_locations(post(api, path, {"level": 10, "on": "2025-05-01"})) == [
        ["body", "payload", "level"]
    ]
    assert [r["level"] for r in api.get(f"{API}{path}").json()] == [2, 4]
    assert api.get(f"{API}/ventures/{venture.pk}").json()["trl"] == 4
    assert TrlRecord.objects.count() == 2


def test_it_records_and_lists_funding_rounds(clients, venture):
    api = clients["animator"]
    angel = factories.organisation(name="Loire Angels", kind="investor")
    response = post(
        api,
        "/funding-rounds",
        {
            "venture_id": venture.pk, "on": "2025-08-01", "instrument": "equity",
            "amount": "250000.00", "investor_ids": [angel.pk],
        },
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["investors"] == [{"id": angel.pk, "name": "Loire Angels"}]
    other = services.create_venture(actor=None, values={"name": "Autre"})
    services.add_round(
        actor=None, venture=other, on=date(2025, 1, 1), instrument="grant", amount=Decimal(1000)
    )
    listed = api.get(f"{API}/funding-rounds?venture={venture.pk}").json()
    assert [r["amount"] for r in listed["items"]] == ["250000.00"]
    assert api.get(f"{API}/funding-rounds?instrument=grant").json()["count"] == 1
    wrong = post(api, "/funding-rounds", {"venture_id": 999999, "on": "2025-08-01",
                 "instrument": "loan", "amount": 1, "investor_ids": [999998]})  # fmt: skip
    assert error_locations(wrong) == [["body", "payload", "venture_id"]]
    negative = post(api, "/funding-rounds", {"venture_id": venture.pk, "on": "2025-08-01",
                    "instrument": "loan", "amount": -5})  # fmt: skip
    assert negative.status_code == 422
    assert FundingRound.objects.count() == 2


# --- The funnel -------------------------------------------------------------------------------


def test_the_funnel_gives_counts_and_the_startups_created(clients, venture):
    company = factories.organisation(siren="732829320", founded_on=date(2025, 5, 1))
    services.move_to_stage(actor=None, venture=venture, stage=Stage.COMPANY_CREATED,
                           on=date(2025, 6, 1), company=company)  # fmt: skip
    services.create_venture(actor=None, values={"name": "Idée"}, on=date(2025, 2, 1))
    response = clients["funder"].get(f"{API}/ventures/funnel?from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["startups_created"]) == ("2025-01-01", "2025-12-31", 1)
    expected = selectors.funnel(date(2025, 1, 1), date(2025, 12, 31))
    assert [(s["stage"], s["count"], s["rate"]) for s in body["steps"]] == [
        (str(s.stage), s.count, s.rate) for s in expected
    ]
    assert [s["count"] for s in body["steps"]] == [2, 1, 0]
    assert "NanoVax" not in response.content.decode()  # counts only
    later = clients["funder"].get(f"{API}/ventures/funnel?from=2026-01-01").json()
    assert later["startups_created"] == 0
    wrong = clients["funder"].get(f"{API}/ventures/funnel?from=2025-12-01&to=2025-01-01")
    assert wrong.status_code == 422


def test_it_publishes_the_paths_with_pinned_operation_ids(clients):
    paths = clients["animator"].get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/ventures", "/api/v1/ventures/{venture_id}", "/api/v1/ventures/{venture_id}/stages",
        "/api/v1/ventures/{venture_id}/trl", "/api/v1/funding-rounds", "/api/v1/ventures/funnel",
    ):  # fmt: skip
        assert path in paths, path
    assert paths["/api/v1/ventures/funnel"]["get"]["operationId"] == "osmose_pipeline_api_funnel"
