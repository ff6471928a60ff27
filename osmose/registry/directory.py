"""The directory: one search box, facets that combine and show counts, sorting, pages.

A :class:`DirectoryQuery` is what the directory URL says (``?q=…&kind=startup&dep=37``);
segments store it and stay live because they are run again each time.
"""

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from osmose.core.models import Departement, Term
from osmose.registry import search
from osmose.registry.models import (
    Headcount,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
    Scope,
    Sector,
)

Target = Literal["organisations", "people"]
PAGE_SIZE = 25
FRESHNESS_CHOICES = [
    ("fresh", _("Verified less than a year ago")),
    ("aging", _("Verified 1 to 3 years ago")),
    ("stale", _("Not verified for 3 years or never")),
]
CONTACT_CHOICES = [
    ("recent", _("Contact less than a year ago")),
    ("older", _("Contact 1 to 3 years ago")),
    ("expired", _("No contact for 3 years (re-consent)")),
]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _freshness_q(value: str, field_name: str) -> Q:
    now = timezone.now()
    year, three_years = now - timedelta(days=365), now - timedelta(days=3 * 365)
    if value in ("fresh", "recent"):
        return Q(**{f"{field_name}__gte": year})
    if value in ("aging", "older"):
        return Q(**{f"{field_name}__lt": year, f"{field_name}__gte": three_years})
    return Q(**{f"{field_name}__lt": three_years}) | Q(**{f"{field_name}__isnull": True})


@dataclass(frozen=True)
class Facet:
    """A filter of the directory: values within a facet are OR-ed, facets are AND-ed."""

    param: str
    label: Any
    field_name: str = ""
    choices: Callable[[], list[tuple[str, Any]]] | None = None
    kind: Literal["field", "m2m", "freshness", "boolean"] = "field"
    m2m: Any = None  # the through model and its two columns, for "m2m" facets

    def q(self, values: list[str]) -> Q:
        if self.kind == "field":
            return Q(**{f"{self.field_name}__in": values})
        if self.kind == "boolean":
            wanted = {v == "yes" for v in values}
            return Q(**{f"{self.field_name}__in": list(wanted)})
        if self.kind == "freshness":
            combined = Q()
            for value in values:
                combined |= _freshness_q(value, self.field_name)
            return combined
        through, owner_column, term_column = self.m2m
        ids = [int(v) for v in values if v.isdigit()]
        return Q(
            Exists(
                through.objects.filter(**{owner_column: OuterRef("pk"), f"{term_column}__in": ids})
            )
        )


def _departement_choices() -> list[tuple[str, Any]]:
    return list(Departement.objects.values_list("code", "name"))


def _term_choices() -> list[tuple[str, Any]]:
    return [(str(t.pk), t.name) for t in Term.objects.all()]


ORGANISATION_FACETS = [
    Facet("kind", _("Kind"), "kind", lambda: list(OrganisationKind.choices)),
    Facet("sector", _("Sector"), "sector", lambda: list(Sector.choices)),
    Facet("dep", _("Département"), "departement__code", _departement_choices),
    Facet("scope", _("Scope"), "scope", lambda: list(Scope.choices)),
    Facet("term", _("Expertise"), choices=_term_choices, kind="m2m",
          m2m=(Organisation.terms.through, "organisation_id", "term_id")),
    Facet("headcount", _("Headcount"), "headcount", lambda: list(Headcount.choices)),
    Facet("jei", _("JEI"), "is_jei", lambda: YES_NO, kind="boolean"),
    Facet("status", _("Status"), "status", lambda: list(OrganisationStatus.choices)),
    Facet("fresh", _("Freshness"), "last_verified_at", lambda: FRESHNESS_CHOICES,
          kind="freshness"),
]  # fmt: skip
PEOPLE_FACETS = [
    Facet("kind", _("Organisation kind"), "primary_organisation__kind",
          lambda: list(OrganisationKind.choices)),
    Facet("sector", _("Sector"), "primary_organisation__sector", lambda: list(Sector.choices)),
    Facet("dep", _("Département"), "primary_organisation__departement__code",
          _departement_choices),
    Facet("term", _("Expertise"), choices=_term_choices, kind="m2m",
          m2m=(Person.expertise.through, "person_id", "term_id")),
    Facet("contact", _("Last contact"), "last_contact_at", lambda: CONTACT_CHOICES,
          kind="freshness"),
]  # fmt: skip
FACETS: dict[str, list[Facet]] = {"organisations": ORGANISATION_FACETS, "people": PEOPLE_FACETS}
SORTS: dict[str, dict[str, tuple[Any, list[str]]]] = {
    "organisations": {
        "name": (_("Name"), ["name", "pk"]),
        "-updated": (_("Recently updated"), ["-updated_at", "-pk"]),
        "verified": (_("Least recently verified"), ["last_verified_at", "pk"]),
    },
    "people": {
        "name": (_("Name"), ["family_name", "given_name", "pk"]),
        "-updated": (_("Recently updated"), ["-updated_at", "-pk"]),
        "contact": (_("Oldest contact"), ["last_contact_at", "pk"]),
    },
}


@dataclass
class DirectoryQuery:
    target: Target = "organisations"
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "name"
    page: int = 1
    _clauses: list[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_params(cls, target: Target, params: Mapping[str, Any]) -> "DirectoryQuery":
        """From a QueryDict or a stored segment query (lists or single values)."""

        def values(name: str) -> list[str]:
            if hasattr(params, "getlist"):
                raw = params.getlist(name)
            else:
                value = params.get(name, [])
                raw = value if isinstance(value, list) else [value]
            return [str(v) for v in raw if str(v).strip()][:50]

        filters = {f.param: values(f.param) for f in FACETS[target] if values(f.param)}
        sort = (values("sort") or ["name"])[0]
        page_values = values("page")
        page = int(page_values[0]) if page_values and page_values[0].isdigit() else 1
        return cls(
            target=target,
            q=(values("q") or [""])[0][:200],
            filters=filters,
            sort=sort if sort in SORTS[target] else "name",
            page=max(page, 1),
        )

    def as_params(self, *, page: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = dict(self.filters)
        if self.q:
            params["q"] = self.q
        if self.sort != "name":
            params["sort"] = self.sort
        if page and self.page > 1:
            params["page"] = self.page
        return params

    def base_queryset(self) -> QuerySet[Any]:
        if self.target == "organisations":
            return Organisation.objects.filter(merged_into=None)
        return Person.objects.filter(merged_into=None, erased_at=None)

    def queryset(self, *, except_facet: str | None = None) -> QuerySet[Any]:
        """The matching records. The text and every facet kept in the full-text index are
        matched there in one query; the time-based facets (freshness) in SQL."""
        kind: search.Kind = "organisation" if self.target == "organisations" else "person"
        queryset = self.base_queryset()
        indexed: list[list[str]] = []
        for facet in FACETS[self.target]:
            values = self.filters.get(facet.param)
            if not values or facet.param == except_facet:
                continue
            if facet.kind == "freshness":
                queryset = queryset.filter(facet.q(values))
            else:
                indexed.append([search.facet_token(facet.param, value) for value in values])
        if self._clauses is None:
            self._clauses = search.text_clauses(kind, self.q)  # once for all facet counts
        matching = search.matching_ids_sql(kind, self._clauses, indexed)
        if matching is not None:
            sql, params = matching
            queryset = queryset.filter(pk__in=RawSQL(sql, params))
        return queryset

    def results(self) -> QuerySet[Any]:
        queryset = self.queryset().order_by(*SORTS[self.target][self.sort][1])
        if self.target == "organisations":
            return queryset.select_related("departement", "commune")
        return queryset.select_related("primary_organisation")


@dataclass
class FacetCount:
    value: str
    label: Any
    count: int
    selected: bool


# Facet counts are kept this long, or until the registry changes (see data_changed): the
# unfiltered directory, the page everyone lands on, counts every organisation once per facet.
FACET_COUNTS_TTL = 300
_VERSION_KEY = "osmose.registry.version"


def data_changed() -> None:
    """Say the registry changed: cached facet counts are no longer used."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)


def _version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(_VERSION_KEY, version, None)
        version = cache.get(_VERSION_KEY, version)
    return str(version)


def facet_counts(query: DirectoryQuery, *, top: int = 12) -> list[tuple[Facet, list[FacetCount]]]:
    """For each facet, the count of each value given every *other* filter (so choices combine)."""
    signature = json.dumps([query.target, query.q, sorted(query.filters.items()), top])
    key = f"osmose.facets.{_version()}.{hashlib.sha256(signature.encode()).hexdigest()}"
    raw = cache.get(key)
    if raw is None:
        raw = _raw_counts(query, top)
        cache.set(key, raw, FACET_COUNTS_TTL)
    result = []
    for facet in FACETS[query.target]:
        selected = set(query.filters.get(facet.param, []))
        counts: list[tuple[str, int]] = raw[facet.param]
        if facet.kind == "m2m":
            wanted = {v for v, _n in counts} | selected
            labels = dict(
                (str(t.pk), t.name)
                for t in Term.objects.filter(pk__in=[int(v) for v in wanted if v.isdigit()])
            )
        else:
            labels = dict(facet.choices() if facet.choices else [])
        items = [FacetCount(v, labels.get(v, v), n, v in selected) for v, n in counts]
        if facet.kind != "freshness":
            known = {item.value for item in items}
            items += [FacetCount(v, labels.get(v, v), 0, True) for v in sorted(selected - known)]
        result.append((facet, items))
    return result


def _raw_counts(query: DirectoryQuery, top: int) -> dict[str, list[tuple[str, int]]]:
    """Each facet's (value, count) pairs, most frequent first (freshness: in its order)."""
    raw: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS[query.target]:
        queryset = query.queryset(except_facet=facet.param)
        if facet.kind == "m2m":
            through, owner_column, term_column = facet.m2m
            rows = (
                through.objects.filter(**{f"{owner_column}__in": queryset.values("pk")})
                .values_list(term_column)
                .annotate(n=Count("pk"))
                .order_by("-n")[:top]
            )
            raw[facet.param] = [(str(value), n) for value, n in rows]
        elif facet.kind == "freshness":
            raw[facet.param] = [
                (value, queryset.filter(_freshness_q(value, facet.field_name)).count())
                for value, _label in (facet.choices() if facet.choices else [])
            ]
        else:
            rows = queryset.values_list(facet.field_name).annotate(n=Count("pk")).order_by()
            if facet.kind == "boolean":
                counts = {("yes" if value else "no"): n for value, n in rows}
            else:
                counts = {str(value): n for value, n in rows if value not in (None, "")}
            raw[facet.param] = sorted(counts.items(), key=lambda item: -item[1])[:top]
    return raw
