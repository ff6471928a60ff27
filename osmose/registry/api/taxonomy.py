"""The taxonomy endpoint."""

from django.http import HttpRequest

from osmose.core.models import Term, Vocabulary
from osmose.registry.api.common import router
from osmose.registry.api.schemas import TermOut, VocabularyOut


@router.get(
    "/taxonomy",
    response=list[VocabularyOut],
    summary="Vocabularies and their terms, nested",
    description="Any signed-in user. Terms are the ids used by `terms`, `expertise` and `term`.",
    operation_id="osmose_registry_api_taxonomy",
)
def taxonomy(request: HttpRequest) -> list[VocabularyOut]:
    children: dict[int | None, list[Term]] = {}
    by_vocabulary: dict[int, list[Term]] = {}
    for term in Term.objects.order_by("vocabulary_id", "name_fr", "pk"):
        if term.parent_id is None:
            by_vocabulary.setdefault(term.vocabulary_id, []).append(term)
        else:
            children.setdefault(term.parent_id, []).append(term)

    def tree(term: Term) -> TermOut:
        return TermOut(
            id=term.pk,
            slug=term.slug,
            name_fr=term.name_fr,
            name_en=term.name_en,
            children=[tree(child) for child in children.get(term.pk, [])],
        )

    return [
        VocabularyOut(
            id=vocabulary.pk,
            slug=vocabulary.slug,
            name_fr=vocabulary.name_fr,
            name_en=vocabulary.name_en,
            terms=[tree(term) for term in by_vocabulary.get(vocabulary.pk, [])],
        )
        for vocabulary in Vocabulary.objects.order_by("position", "slug")
    ]
