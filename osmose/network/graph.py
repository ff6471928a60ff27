"""The stakeholder graph and its "osmosis" measures (networkx).

Ties between organisations come from what their people did together, each dated:
- co-attendance: two organisations whose people attended the same event;
- a B2B meeting between their people;
- an introduction between their people (their current affiliations);
- a collaboration between them.
People are linked to their organisation by their registration (events, meetings) or their
current affiliation (introductions); ``person_graph`` also keeps the people as nodes.

The osmosis index of a period is the share of the ties active in it that cross the public /
private line (one end public, the other private; non-profits cross nothing). A tie is *new*
in a period when its first date falls in it.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import combinations

import networkx as nx
from django.db.models import Q
from django.utils import timezone

from osmose.events.models import Attendance, Registration, RegistrationStatus
from osmose.matchmaking.models import Meeting, MeetingStatus
from osmose.network.models import Collaboration, Introduction
from osmose.registry.models import Affiliation, Organisation, Scope, Sector

KINDS = ("event", "meeting", "introduction", "collaboration")


@dataclass(frozen=True)
class Tie:
    a: int  # organisation pks, a < b
    b: int
    on: date
    kind: str  # one of KINDS


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def _day(value: datetime) -> date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_current_timezone()
    low = datetime.combine(start, time.min, tz) if start else None
    high = datetime.combine(end, time.max, tz) if end else None
    return low, high


def ties(
    start: date | None = None, end: date | None = None, *, around: int | None = None
) -> Iterator[Tie]:
    """Every dated tie between two organisations in [start, end] (both optional); with
    ``around`` (an organisation pk), only that organisation's ties, read from its own rows."""
    low, high = _bounds(start, end)
    for tie in _all_ties(low, high, start, end, around):
        if around is None or around in (tie.a, tie.b):
            yield tie


def _all_ties(
    low: datetime | None,
    high: datetime | None,
    start: date | None,
    end: date | None,
    around: int | None,
) -> Iterator[Tie]:
    yield from _co_attendance(low, high, around)
    yield from _meetings(low, high, around)
    yield from _introductions(start, end)
    yield from _collaborations(start, end, around)


def _co_attendance(
    low: datetime | None, high: datetime | None, around: int | None = None
) -> Iterator[Tie]:
    now = timezone.now()
    rows = Registration.objects.filter(
        Q(attendance=Attendance.ATTENDED)
        | Q(status=RegistrationStatus.CONFIRMED, attendance=Attendance.UNKNOWN),
        organisation__isnull=False,
        event__ends_at__lt=now,
    )
    if low:
        rows = rows.filter(event__starts_at__gte=low)
    if high:
        rows = rows.filter(event__starts_at__lte=high)
    if around is not None:
        rows = rows.filter(
            event__in=Registration.objects.filter(organisation_id=around).values("event")
        )
    by_event: dict[int, tuple[date, set[int]]] = {}
    for event_id, starts_at, organisation_id in rows.values_list(
        "event_id", "event__starts_at", "organisation_id"
    ):
        by_event.setdefault(event_id, (_day(starts_at), set()))[1].add(organisation_id)
    for on, organisations in by_event.values():
        for a, b in combinations(sorted(organisations), 2):
            yield Tie(a, b, on, "event")


def _meetings(
    low: datetime | None, high: datetime | None, around: int | None = None
) -> Iterator[Tie]:
    meetings = Meeting.objects.filter(status=MeetingStatus.PLANNED, slot__isnull=False)
    if around is not None:
        # A subquery, not a join: the join would keep only this organisation's participants.
        meetings = meetings.filter(
            pk__in=Meeting.objects.filter(
                participants__registration__organisation_id=around
            ).values("pk")
        )
    if low:
        meetings = meetings.filter(brokerage__event__starts_at__gte=low)
    if high:
        meetings = meetings.filter(brokerage__event__starts_at__lte=high)
    rows = meetings.values_list(
        "pk", "brokerage__event__starts_at", "participants__registration__organisation_id"
    )
    grouped: dict[int, tuple[date, set[int]]] = {}
    for pk, starts_at, organisation_id in rows:
        if organisation_id:
            grouped.setdefault(pk, (_day(starts_at), set()))[1].add(organisation_id)
    for on, organisations in grouped.values():
        for a, b in combinations(sorted(organisations), 2):
            yield Tie(a, b, on, "meeting")


def _current_organisations(person_ids: set[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = defaultdict(set)
    for person_id, organisation_id in Affiliation.objects.filter(
        person_id__in=person_ids, ended_on__isnull=True
    ).values_list("person_id", "organisation_id"):
        result[person_id].add(organisation_id)
    return result


def _introductions(start: date | None, end: date | None) -> Iterator[Tie]:
    introductions = Introduction.objects.all()
    if start:
        introductions = introductions.filter(on__gte=start)
    if end:
        introductions = introductions.filter(on__lte=end)
    rows = list(introductions.values_list("on", "person_a_id", "person_b_id"))
    organisations = _current_organisations({p for _on, a, b in rows for p in (a, b)})
    for on, a, b in rows:
        for x in organisations.get(a, ()):
            for y in organisations.get(b, ()):
                if x != y:
                    yield Tie(*_pair(x, y), on, "introduction")


def _collaborations(
    start: date | None, end: date | None, around: int | None = None
) -> Iterator[Tie]:
    collaborations = Collaboration.objects.exclude(status="abandoned")
    if around is not None:
        collaborations = collaborations.filter(
            pk__in=Collaboration.objects.filter(organisations=around).values("pk")
        )
    grouped: dict[int, tuple[date, set[int]]] = {}
    for pk, started_on, created_at, organisation_id in collaborations.values_list(
        "pk", "started_on", "created_at", "organisations"
    ):
        on = started_on or _day(created_at)
        if (start and on < start) or (end and on > end) or organisation_id is None:
            continue
        grouped.setdefault(pk, (on, set()))[1].add(organisation_id)
    for on, organisations in grouped.values():
        for a, b in combinations(sorted(organisations), 2):
            yield Tie(a, b, on, "collaboration")


# -- the graph -----------------------------------------------------------------------------


def organisation_graph(
    start: date | None = None, end: date | None = None, *, around: int | None = None
) -> nx.Graph:
    """Organisations as nodes (sector, kind, name, scope); an edge per pair that has a tie,
    with its first date, its kinds and how many ties it sums up (``around``: only one
    organisation's ties)."""
    graph = nx.Graph()
    for tie in ties(start, end, around=around):
        if graph.has_edge(tie.a, tie.b):
            data = graph.edges[tie.a, tie.b]
            data["first"] = min(data["first"], tie.on)
            data["kinds"].add(tie.kind)
            data["weight"] += 1
        else:
            graph.add_edge(tie.a, tie.b, first=tie.on, kinds={tie.kind}, weight=1)
    _describe_nodes(graph, list(graph.nodes))
    return graph


def _describe_nodes(graph: nx.Graph, pks: list[int]) -> None:
    for pk, name, sector, kind, scope in Organisation.objects.filter(pk__in=pks).values_list(
        "pk", "name", "sector", "kind", "scope"
    ):
        graph.add_node(pk, name=name, sector=sector, kind=kind, scope=scope)


def crosses(graph: nx.Graph, a: int, b: int) -> bool:
    """One end public, the other private."""
    sectors = {graph.nodes[a].get("sector"), graph.nodes[b].get("sector")}
    return sectors == {Sector.PUBLIC, Sector.PRIVATE}


@dataclass
class Metrics:
    start: date | None
    end: date | None
    organisations: int  # with at least one tie in the period
    ties: int
    cross_ties: int
    osmosis_index: float | None  # cross_ties / ties
    new_ties: int
    new_cross_ties: int  # new private–public ties
    ties_by_kind: dict[str, int] = field(default_factory=dict)
    bridging: list[dict] = field(default_factory=list)
    isolated: list[dict] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)


def metrics(
    start: date | None = None, end: date | None = None, *, top: int = 10, trend_periods: int = 4
) -> Metrics:
    """The period's figures; ``trend`` is the osmosis index of the quarters up to ``end``."""
    graph = organisation_graph(start, end)
    everything = organisation_graph(None, end)  # to know which ties are new
    edges = list(graph.edges(data=True))
    cross = [(a, b) for a, b, _d in edges if crosses(graph, a, b)]
    new = [
        (a, b) for a, b, _d in edges if start is None or everything.edges[a, b]["first"] >= start
    ]
    by_kind: dict[str, int] = dict.fromkeys(KINDS, 0)
    for _a, _b, data in edges:
        for kind in data["kinds"]:
            by_kind[kind] += 1
    return Metrics(
        start=start,
        end=end,
        organisations=graph.number_of_nodes(),
        ties=len(edges),
        cross_ties=len(cross),
        osmosis_index=round(len(cross) / len(edges), 3) if edges else None,
        new_ties=len(new),
        new_cross_ties=sum(1 for a, b in new if crosses(graph, a, b)),
        ties_by_kind=by_kind,
        bridging=bridging(graph, top=top),
        isolated=isolated(graph, top=top),
        trend=trend(end or timezone.localdate(), trend_periods),
    )


def bridging(graph: nx.Graph, *, top: int = 10) -> list[dict]:
    """The organisations that hold the network together: highest betweenness centrality
    (exact up to 2,000 nodes, sampled above), with their private–public ties."""
    if graph.number_of_nodes() < 3:
        return []
    sample = None if graph.number_of_nodes() <= 2000 else 500
    centrality = nx.betweenness_centrality(graph, k=sample, seed=0)
    ranked = sorted(centrality.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [
        {
            "id": pk,
            "name": graph.nodes[pk].get("name", ""),
            "sector": graph.nodes[pk].get("sector", ""),
            "betweenness": round(score, 4),
            "ties": graph.degree(pk),
            "cross_ties": sum(1 for other in graph.neighbors(pk) if crosses(graph, pk, other)),
        }
        for pk, score in ranked
        if score > 0
    ]


def isolated(graph: nx.Graph, *, top: int = 10) -> list[dict]:
    """Active regional organisations with no tie in the period: worth inviting."""
    linked = set(graph.nodes)
    candidates = (
        Organisation.objects.filter(scope=Scope.REGIONAL, status="active", merged_into=None)
        .exclude(pk__in=linked)
        .order_by("name")
        .values("pk", "name", "sector", "kind")
    )
    total = candidates.count()
    return [
        {"id": row["pk"], "name": row["name"], "sector": row["sector"], "kind": row["kind"]}
        for row in candidates[:top]
    ] + ([{"more": total - top}] if total > top else [])


def _quarter(day: date) -> tuple[date, date]:
    """The calendar quarter holding ``day``: (first day, last day)."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    after = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, date.fromordinal(after.toordinal() - 1)


def trend(end: date, periods: int) -> list[dict]:
    """The osmosis index of the last ``periods`` quarters up to ``end``, oldest first (the
    last one cut at ``end``: nothing after the period is counted)."""
    result = []
    start, stop = _quarter(end)
    stop = min(stop, end)
    for _ in range(periods):
        graph = organisation_graph(start, stop)
        edges = graph.number_of_edges()
        cross = sum(1 for a, b in graph.edges if crosses(graph, a, b))
        result.append(
            {
                "from": start.isoformat(),
                "to": stop.isoformat(),
                "ties": edges,
                "cross_ties": cross,
                "osmosis_index": round(cross / edges, 3) if edges else None,
            }
        )
        start, stop = _quarter(date.fromordinal(start.toordinal() - 1))
    return list(reversed(result))


@dataclass
class Neighbour:
    organisation: Organisation
    kinds: set[str]
    first: date
    weight: int
    crosses: bool


def neighbourhood(
    organisation: Organisation, start: date | None = None, end: date | None = None
) -> list[Neighbour]:
    """The organisation's neighbours in the graph, strongest ties first."""
    graph = organisation_graph(start, end, around=organisation.pk)
    if organisation.pk not in graph:
        return []
    graph.add_node(organisation.pk, sector=organisation.sector)
    neighbours = list(graph.neighbors(organisation.pk))
    records = Organisation.objects.in_bulk(neighbours)
    result = [
        Neighbour(
            organisation=records[pk],
            kinds=graph.edges[organisation.pk, pk]["kinds"],
            first=graph.edges[organisation.pk, pk]["first"],
            weight=graph.edges[organisation.pk, pk]["weight"],
            crosses=crosses(graph, organisation.pk, pk),
        )
        for pk in neighbours
        if pk in records
    ]
    return sorted(result, key=lambda n: (-n.weight, n.organisation.name))
