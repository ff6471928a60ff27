"""The graph measures on a small network built by hand, with every number worked out.

In 2024: P1 (private) and U1 (public) are introduced in February; P1, P2 (private) and U2
(public) start a collaboration in May; P2 and N1 (non-profit), introduced in June 2023,
start a collaboration in August; U1 and N1 attend the same event in October. I1, a regional
company, and X1, a national one, have no tie.

    ties in 2024: P1–U1 (introduction, crosses), P1–P2, P1–U2 (crosses), P2–U2 (crosses)
    (collaboration), P2–N1 (collaboration; first tied in 2023), U1–N1 (event)
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from osmose.events import services as event_services
from osmose.events.tests import factories as event_factories
from osmose.network import graph, services
from osmose.registry.models import Organisation, Person
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db

START, END = date(2024, 1, 1), date(2024, 12, 31)


@dataclass
class SmallNetwork:
    p1: Organisation
    p2: Organisation
    u1: Organisation
    u2: Organisation
    n1: Organisation
    i1: Organisation
    x1: Organisation
    a: Person  # at P1
    b: Person  # at U1
    c: Person  # at P2
    e: Person  # at N1


def build_small_network() -> SmallNetwork:
    def org(name: str, sector: str, **values) -> Organisation:
        return factories.organisation(name=name, sector=sector, **values)

    p1, p2 = org("P1 Pharma", "private"), org("P2 Biotech", "private")
    u1, u2 = org("U1 Université", "public", kind="academic_lab"), org("U2 CHU", "public")
    n1 = org("N1 Association", "non_profit", kind="cluster")
    i1 = org("I1 Isolée", "private")
    x1 = org("X1 National", "private", scope="national")
    a = factories.person(organisation=p1, email="a@example.test")
    b = factories.person(organisation=u1, email="b@example.test")
    c = factories.person(organisation=p2, email="c@example.test")
    e = factories.person(organisation=n1, email="e@example.test")
    services.introduce(
        actor=None, person_a=a, person_b=b, why="Bioproduction", on=date(2024, 2, 10)
    )
    services.introduce(actor=None, person_a=c, person_b=e, why="Patients", on=date(2023, 6, 1))
    services.create_collaboration(
        actor=None,
        values={
            "title": "Consortium",
            "kind": "rd",
            "status": "active",
            "started_on": date(2024, 5, 1),
        },
        organisations=[p1, p2, u2],
    )
    services.create_collaboration(
        actor=None,
        values={
            "title": "Étude",
            "kind": "service",
            "status": "active",
            "started_on": date(2024, 8, 1),
        },
        organisations=[p2, n1],
    )
    paris = ZoneInfo("Europe/Paris")
    event = event_factories.event(
        starts_at=datetime(2024, 10, 15, 18, tzinfo=paris),
        ends_at=datetime(2024, 10, 15, 21, tzinfo=paris),
    )
    for number, organisation in ((901, u1), (902, n1)):
        event_services.register(
            event=event,
            registrant=event_factories.registrant(
                number, organisation_id=organisation.pk, organisation_name=organisation.name
            ),
            organiser=True,
            notify=False,
        )
    return SmallNetwork(p1, p2, u1, u2, n1, i1, x1, a, b, c, e)


@pytest.fixture
def small():
    return build_small_network()


def test_it_counts_the_ties_and_the_osmosis_index_of_the_period(small):
    metrics = graph.metrics(START, END)
    assert metrics.organisations == 5
    assert metrics.ties == 6
    assert metrics.cross_ties == 3
    assert metrics.osmosis_index == 0.5
    assert metrics.ties_by_kind == {"event": 1, "meeting": 0, "introduction": 1, "collaboration": 4}


def test_a_tie_first_made_before_the_period_is_not_new(small):
    metrics = graph.metrics(START, END)
    assert metrics.new_ties == 5  # all but P2–N1, introduced in 2023
    assert metrics.new_cross_ties == 3
    earlier = graph.metrics(date(2023, 1, 1), date(2023, 12, 31))
    assert (earlier.ties, earlier.new_ties, earlier.cross_ties, earlier.osmosis_index) == (
        1,
        1,
        0,
        0.0,
    )


def test_it_ranks_the_bridging_organisations(small):
    bridging = graph.metrics(START, END).bridging
    # The cycle P1–P2–N1–U1–P1 with U2 hanging on P1 and P2. P1 lies on the one shortest
    # path U1–U2 and on one of the two P2–U1: 1.5 of the 6 pairs of others, 0.25; P2 alike
    # (U2–N1, half of P1–N1); N1 and U1 on half a path each; U2 on none (left out). Ties
    # of the same score go in the order of the organisations' numbers.
    assert [
        (row["name"], row["betweenness"], row["ties"], row["cross_ties"]) for row in bridging
    ] == [
        ("P1 Pharma", 0.25, 3, 2),
        ("P2 Biotech", 0.25, 3, 1),
        ("U1 Université", 0.0833, 2, 1),
        ("N1 Association", 0.0833, 2, 0),
    ]


def test_isolated_means_regional_active_and_untied(small):
    isolated = graph.metrics(START, END).isolated
    assert [row["name"] for row in isolated] == ["I1 Isolée"]  # X1 is national
    earlier = graph.metrics(date(2023, 1, 1), date(2023, 12, 31), top=3)
    assert [row.get("name") for row in earlier.isolated] == [
        "I1 Isolée",
        "P1 Pharma",
        "U1 Université",
        None,
    ]
    assert earlier.isolated[-1] == {"more": 1}  # U2 CHU


def test_the_trend_gives_the_index_of_each_quarter(small):
    trend = graph.metrics(START, END).trend
    assert [
        (row["from"], row["ties"], row["cross_ties"], row["osmosis_index"]) for row in trend
    ] == [
        ("2024-01-01", 1, 1, 1.0),
        ("2024-04-01", 3, 2, 0.667),
        ("2024-07-01", 1, 0, 0.0),
        ("2024-10-01", 1, 0, 0.0),
    ]


def test_the_neighbourhood_lists_the_strongest_ties_first(small):
    neighbours = graph.neighbourhood(small.p2)
    assert [
        (n.organisation.name, sorted(n.kinds), n.first, n.weight, n.crosses) for n in neighbours
    ] == [
        ("N1 Association", ["collaboration", "introduction"], date(2023, 6, 1), 2, False),
        ("P1 Pharma", ["collaboration"], date(2024, 5, 1), 1, False),
        ("U2 CHU", ["collaboration"], date(2024, 5, 1), 1, True),
    ]
    in_2024 = graph.neighbourhood(small.n1, START, END)
    assert [(n.organisation.name, sorted(n.kinds), n.first) for n in in_2024] == [
        ("P2 Biotech", ["collaboration"], date(2024, 8, 1)),
        ("U1 Université", ["event"], date(2024, 10, 15)),
    ]
    assert graph.neighbourhood(small.i1) == []


def test_an_abandoned_collaboration_ties_nobody(small):
    from osmose.network.models import Collaboration

    collaboration = Collaboration.objects.get(title="Étude")
    services.move_collaboration(actor=None, collaboration=collaboration, status="abandoned")
    metrics = graph.metrics(START, END)
    assert (metrics.ties, metrics.ties_by_kind["collaboration"]) == (5, 3)
