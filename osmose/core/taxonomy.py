"""Taxonomies as data: load vocabularies and their nested terms from a JSON file.

The file (``osmose-taxonomy/1``) holds ``{"vocabularies": [{"slug", "name_fr", "name_en",
"terms": [{"slug", "name_fr", "name_en", "children": [...]}]}]}``. A deployment for another
sector ships its own file; the biopharma one below is the default.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction

from osmose.core.models import Term, Vocabulary

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "data" / "taxonomy-biopharma.json"

_NAME_FIELDS = ("name_fr", "name_en")


class TaxonomyFileInvalid(ValueError):
    pass


def _require_names(item: dict[str, Any], where: str) -> None:
    for key in ("slug", *_NAME_FIELDS):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise TaxonomyFileInvalid(f"{where}: `{key}` is missing or empty.")


def _flatten(
    terms: list[dict[str, Any]], parent_slug: str | None, where: str
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Each term with its parent's slug, parents before their children."""
    for term in terms:
        _require_names(term, where)
        yield term, parent_slug
        yield from _flatten(term.get("children", []), term["slug"], f"{where} > {term['slug']}")


def read_taxonomy(path: Path | str) -> list[dict[str, Any]]:
    """The vocabularies of a taxonomy file, checked; raises TaxonomyFileInvalid."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise TaxonomyFileInvalid(f"{path}: {error}") from error
    vocabularies = data.get("vocabularies") if isinstance(data, dict) else None
    if not isinstance(vocabularies, list):
        raise TaxonomyFileInvalid(f"{path}: a `vocabularies` list is expected.")
    seen_vocabularies: set[str] = set()
    for vocabulary in vocabularies:
        _require_names(vocabulary, str(path))
        if vocabulary["slug"] in seen_vocabularies:
            raise TaxonomyFileInvalid(f"{path}: vocabulary `{vocabulary['slug']}` appears twice.")
        seen_vocabularies.add(vocabulary["slug"])
        seen_terms: set[str] = set()
        for term, _parent in _flatten(vocabulary.get("terms", []), None, vocabulary["slug"]):
            # Slugs are unique per vocabulary, whatever their depth (the database says so too).
            if term["slug"] in seen_terms:
                raise TaxonomyFileInvalid(
                    f"{path}: term `{term['slug']}` appears twice in `{vocabulary['slug']}`."
                )
            seen_terms.add(term["slug"])
    return vocabularies


def _upsert_vocabulary(item: dict[str, Any], position: int) -> tuple[Vocabulary, str]:
    """The vocabulary, saved only when the file differs from the database.

    The second value says what happened: "created", "updated" or "" (nothing).
    """
    wanted = {"name_fr": item["name_fr"], "name_en": item["name_en"], "position": position}
    vocabulary, created = Vocabulary.objects.get_or_create(slug=item["slug"], defaults=wanted)
    changed = [field for field, value in wanted.items() if getattr(vocabulary, field) != value]
    if not created and changed:
        for field in changed:
            setattr(vocabulary, field, wanted[field])
        vocabulary.save(update_fields=changed)
    return vocabulary, "created" if created else ("updated" if changed else "")


def _upsert_terms(vocabulary: Vocabulary, items: list[dict[str, Any]]) -> tuple[int, int]:
    """Create missing terms and update changed ones; returns (created, updated)."""
    existing = {term.slug: term for term in Term.objects.filter(vocabulary=vocabulary)}
    created = updated = 0
    for item, parent_slug in _flatten(items, None, vocabulary.slug):
        # Parents come first, so the parent is already in `existing`.
        parent = existing[parent_slug] if parent_slug else None
        wanted = {"name_fr": item["name_fr"], "name_en": item["name_en"], "parent": parent}
        term = existing.get(item["slug"])
        if term is None:
            existing[item["slug"]] = Term.objects.create(
                vocabulary=vocabulary, slug=item["slug"], **wanted
            )
            created += 1
            continue
        changed = [field for field in _NAME_FIELDS if getattr(term, field) != wanted[field]]
        if term.parent_id != (parent.pk if parent else None):
            changed.append("parent")
        if changed:
            for field in changed:
                setattr(term, field, wanted[field])
            term.save(update_fields=changed)
            updated += 1
    return created, updated


@transaction.atomic
def load_taxonomy(path: Path | str = DEFAULT_TAXONOMY) -> dict[str, int]:
    """Insert or update the vocabularies and terms of a taxonomy file.

    Idempotent: a second run with the same file writes nothing. Terms absent from the file
    are kept (organisations may still use them). Returns counts of what the file holds and
    of what changed.
    """
    counts = {"vocabularies": 0, "terms": 0, "created": 0, "updated": 0}
    for position, item in enumerate(read_taxonomy(path)):
        vocabulary, what = _upsert_vocabulary(item, position)
        created, updated = _upsert_terms(vocabulary, item.get("terms", []))
        counts["vocabularies"] += 1
        counts["terms"] += sum(1 for _ in _flatten(item.get("terms", []), None, item["slug"]))
        counts["created"] += created + (what == "created")
        counts["updated"] += updated + (what == "updated")
    return counts
