"""Reads of the registry used by other apps' pages."""

from django.db.models import Count

from osmose.registry.models import Organisation, OrganisationStatus, Person, Scope


def registry_figures() -> dict[str, int]:
    """Counts for dashboards: active organisations by scope, and people."""
    by_scope = dict(
        Organisation.objects.filter(status=OrganisationStatus.ACTIVE)
        .values_list("scope")
        .annotate(n=Count("id"))
        .values_list("scope", "n")
    )
    return {
        "organisations": sum(by_scope.values()),
        "regional_organisations": by_scope.get(Scope.REGIONAL, 0),
        "national_organisations": by_scope.get(Scope.NATIONAL, 0),
        "people": Person.objects.count(),
    }


def organisations_by_kind() -> list[tuple[str, str, int]]:
    """(kind, label, count) of active organisations, largest first."""
    labels = dict(Organisation._meta.get_field("kind").choices or [])
    rows = (
        Organisation.objects.filter(status=OrganisationStatus.ACTIVE)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("-n", "kind")
        .values_list("kind", "n")
    )
    return [(kind, str(labels.get(kind, kind)), n) for kind, n in rows]
