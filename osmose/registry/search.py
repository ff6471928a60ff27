"""Full-text search over organisations and people, one interface with two backends.

SQLite: an FTS5 table per kind (rowid = the object's id) and its ``fts5vocab`` for the
vocabulary. PostgreSQL: a table per kind with a ``tsvector`` and a GIN index, and a
vocabulary table with a ``pg_trgm`` index. Documents are folded (no accents, lower case) before
they are indexed and queries are folded the same way, so "therapie genique" finds "Thérapie
génique". Every query word matches as a prefix; a word that matches nothing in the vocabulary
is replaced by the nearest indexed words (Levenshtein distance 1, or 2 for long words), so
"sanofy" finds "Sanofi".
"""

import re
import time
from collections.abc import Iterable
from typing import Literal

from django.db import connection
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from osmose.core.text import fold

Kind = Literal["organisation", "person"]
TABLES: dict[str, str] = {
    "organisation": "registry_search_organisation",
    "person": "registry_search_person",
}
VOCABULARY_TABLE = "registry_search_term"
MIN_FUZZY_LENGTH = 4
# Facet values are indexed as words of their own ("zzkindstartup", "zzdep37"), so a search
# with facets is one intersection of posting lists in the full-text index.
FACET_PREFIX = "zz"
MAX_ALTERNATIVES = 4


def facet_token(param: str, value: object) -> str:
    return FACET_PREFIX + param + re.sub(r"[^0-9a-z]", "", fold(str(value)))


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Schema (called from the migration) -------------------------------------------------------


def create_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for kind, table in TABLES.items():
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5(doc, "
                "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
            )
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TABLE {table} (id bigint PRIMARY KEY, doc text NOT NULL, "
                "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED)"
            )
            schema_editor.execute(f"CREATE INDEX {table}_tsv ON {table} USING gin (tsv)")
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(vendor)
        del kind
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE TABLE {VOCABULARY_TABLE} (term text PRIMARY KEY)")
        schema_editor.execute(
            f"CREATE INDEX {VOCABULARY_TABLE}_trgm ON {VOCABULARY_TABLE} "
            "USING gin (term gin_trgm_ops)"
        )


def drop_schema(schema_editor) -> None:
    for table in TABLES.values():
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_vocab")
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {VOCABULARY_TABLE}")


# --- Writing ------------------------------------------------------------------------------------


def index_documents(
    kind: Kind, documents: Iterable[tuple[int, str]], *, fresh: bool = False
) -> None:
    """Replace the documents of these ids (texts are folded here); ``fresh``: new ids."""
    table = TABLES[kind]
    rows = [(object_id, fold(text)) for object_id, text in documents]
    if not rows:
        return
    with connection.cursor() as cursor:
        ids = [(object_id,) for object_id, _doc in rows]
        if _postgres():
            cursor.executemany(
                f"INSERT INTO {table} (id, doc) VALUES (%s, %s) "
                "ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
                rows,
            )
            words = sorted({word for _id, doc in rows for word in doc.split() if len(word) > 2})
            cursor.executemany(
                f"INSERT INTO {VOCABULARY_TABLE} (term) VALUES (%s) ON CONFLICT DO NOTHING",
                [(word,) for word in words],
            )
        else:
            if not fresh:
                cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", ids)
            cursor.executemany(f"INSERT INTO {table} (rowid, doc) VALUES (%s, %s)", rows)
    _vocabulary_cache.pop(kind, None)


def remove_documents(kind: Kind, ids: Iterable[int]) -> None:
    table = TABLES[kind]
    key = "id" if _postgres() else "rowid"
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {table} WHERE {key} = %s", [(i,) for i in ids])


# --- Reading ------------------------------------------------------------------------------------

_vocabulary_cache: dict[str, tuple[float, list[str]]] = {}
VOCABULARY_TTL = 60.0


def _sqlite_vocabulary(kind: Kind) -> list[str]:
    cached = _vocabulary_cache.get(kind)
    if cached and time.monotonic() - cached[0] < VOCABULARY_TTL:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term FROM {TABLES[kind]}_vocab WHERE length(term) > 2 AND term NOT LIKE 'zz%%'"
        )
        terms = [row[0] for row in cursor.fetchall()]
    _vocabulary_cache[kind] = (time.monotonic(), terms)
    return terms


def _has_prefix(kind: Kind, word: str) -> bool:
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                f"SELECT 1 FROM {VOCABULARY_TABLE} WHERE term >= %s AND term < %s LIMIT 1",
                [word, word + "\uffff"],
            )
        else:
            # The FTS index answers a prefix query from its own prefix index (fts5vocab would
            # scan the whole vocabulary).
            table = TABLES[kind]
            cursor.execute(f"SELECT 1 FROM {table} WHERE {table} MATCH %s LIMIT 1", [f'"{word}"*'])
        return cursor.fetchone() is not None


def _near_words(kind: Kind, word: str) -> list[str]:
    """Indexed words within a small edit distance of ``word``, nearest first."""
    if len(word) < MIN_FUZZY_LENGTH:
        return []
    limit = 1 if len(word) < 8 else 2
    if _postgres():
        with connection.cursor() as cursor:
            # Typos rarely hit the first letter; keeping it makes the trigram scan small.
            cursor.execute(
                f"SELECT term FROM {VOCABULARY_TABLE} WHERE term LIKE %s AND term %% %s "
                "ORDER BY similarity(term, %s) DESC LIMIT 50",
                [word[0] + "%", word, word],
            )
            candidates = [row[0] for row in cursor.fetchall()]
    else:
        candidates = _sqlite_vocabulary(kind)
    found = process.extract(
        word, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=MAX_ALTERNATIVES
    )
    return [term for term, _distance, _index in sorted(found, key=lambda f: (f[1], f[0]))]


def text_clauses(kind: Kind, text: str) -> list[str]:
    """One clause per word of ``text``: the word as a prefix, or the nearest indexed words."""
    clauses = []
    for word in fold(text).split()[:8]:
        alternatives = [word]
        if not _has_prefix(kind, word):
            alternatives += [near for near in _near_words(kind, word) if near != word]
        if _postgres():
            options = [f"{word}:*"] + [f"{near}" for near in alternatives[1:]]
            clauses.append("(" + " | ".join(options) + ")")
        else:
            options = [f'"{word}"*'] + [f'"{near}"' for near in alternatives[1:]]
            clauses.append("(" + " OR ".join(options) + ")")
    return clauses


def build_query(clauses: list[str], facets: list[list[str]] | None = None) -> str | None:
    """The backend's query: every text clause and, for each facet, one of its tokens."""
    clauses = list(clauses)
    for tokens in facets or []:
        if _postgres():
            clauses.append("(" + " | ".join(tokens) + ")")
        else:
            clauses.append("(" + " OR ".join(f'"{token}"' for token in tokens) + ")")
    if not clauses:
        return None
    return (" & " if _postgres() else " AND ").join(clauses)


def matching_ids_sql(
    kind: Kind, text: str | list[str], facets: list[list[str]] | None = None
) -> tuple[str, list[str]] | None:
    """SQL selecting the ids whose document matches (for ``pk__in=RawSQL(...)``).

    ``text`` is the search text, or its clauses from :func:`text_clauses` when the caller
    runs several queries for one search (the near-word look-ups are then done once).
    """
    clauses = text_clauses(kind, text) if isinstance(text, str) else text
    query = build_query(clauses, facets)
    if query is None:
        return None
    table = TABLES[kind]
    if _postgres():
        return f"SELECT id FROM {table} WHERE tsv @@ to_tsquery('simple', %s)", [query]
    return f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [query]
