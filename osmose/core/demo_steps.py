"""Demo step "core": the reference data every other step needs (geography, taxonomy)."""

from osmose.core.demo import DemoContext
from osmose.core.geography import load_geography
from osmose.core.models import Commune, Term
from osmose.core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy


def run(context: DemoContext) -> None:
    # Loading 35,000 communes takes seconds: do it once, the reference does not change.
    if not Commune.objects.exists():
        counts = load_geography()
        context.log(f"Geography: {counts['communes']} communes.")
    counts = load_taxonomy(DEFAULT_TAXONOMY)
    context.log(f"Taxonomy: {counts['terms']} terms.")
    # Ordered by slug so that random picks from these lists are the same on every run.
    terms_by_vocabulary: dict[str, list[Term]] = {}
    for term in Term.objects.select_related("vocabulary").order_by("vocabulary__slug", "slug"):
        terms_by_vocabulary.setdefault(term.vocabulary.slug, []).append(term)
    context.shared["terms"] = terms_by_vocabulary


def reset() -> None:
    """Keep the geography and the taxonomy: they are reference data, not demo data."""
