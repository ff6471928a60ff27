"""The registry's side of an import's duplicate search: its records by blocking key.

An import looks up the keys of thousands of rows, and the rows of one file share many keys (a
town, a common name): each key is read from the database once per import, and each record
once, instead of once per chunk of rows. A key shared by more than ``max_bucket`` records
says little and is read as empty, without fetching its members.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count

from osmose.registry.models import DuplicateKey

# Keys per query: far below the databases' limits on query parameters.
KEYS_PER_QUERY = 2000
# Past this many remembered keys or records, the memory is started afresh.
MAX_REMEMBERED = 1_000_000


class RegistryCandidates:
    """Existing records of one kind by blocking key, read lazily and remembered.

    What the import itself writes is found through its own index of the file's rows, so the
    buckets read before need no refreshing; a record the import updates must be forgotten
    (:meth:`forget`), so that it is read again with its new values.
    """

    def __init__(
        self,
        *,
        kind: str,
        load: Callable[[set[int]], Iterable[Any]],
        max_bucket: int,
        max_candidates: int,
    ) -> None:
        self.kind = kind
        self.load = load
        self.max_bucket = max_bucket
        self.max_candidates = max_candidates
        self.buckets: dict[str, tuple[int, ...]] = {}
        self.loaded: dict[int, Any] = {}

    def read(self, keys: Iterable[str]) -> None:
        """Fetch the buckets of the keys not read yet (a query per KEYS_PER_QUERY keys)."""
        unknown = [key for key in keys if key not in self.buckets]
        if len(self.buckets) + len(unknown) > MAX_REMEMBERED:
            self.buckets.clear()
        for start in range(0, len(unknown), KEYS_PER_QUERY):
            part = unknown[start : start + KEYS_PER_QUERY]
            small = (
                DuplicateKey.objects.filter(kind=self.kind, key__in=part)
                .values("key")
                .annotate(members=Count("id"))
                .filter(members__lte=self.max_bucket)
                .values("key")
            )
            found: dict[str, list[int]] = defaultdict(list)
            rows = DuplicateKey.objects.filter(kind=self.kind, key__in=small)
            for key, object_id in rows.order_by("key", "id").values_list("key", "object_id"):
                found[key].append(object_id)
            for key in part:
                self.buckets[key] = tuple(found.get(key, ()))

    def shortlist(self, keys: Iterable[str]) -> list[int]:
        """Ids of the records sharing the most keys with ``keys`` (already read), best first."""
        shared: Counter[int] = Counter()
        for key in keys:
            shared.update(self.buckets.get(key, ()))
        return [object_id for object_id, _n in shared.most_common(self.max_candidates)]

    def records(self, ids: set[int]) -> dict[int, Any]:
        """The duplicate engine's records of these ids (merged or erased ones are left out)."""
        missing = {object_id for object_id in ids if object_id not in self.loaded}
        if len(self.loaded) + len(missing) > MAX_REMEMBERED:
            self.loaded.clear()
            missing = set(ids)
        if missing:
            self.loaded.update((record.id, record) for record in self.load(missing))
            for object_id in missing - self.loaded.keys():
                self.loaded[object_id] = None
        return {i: self.loaded[i] for i in ids if self.loaded.get(i) is not None}

    def forget(self, ids: Iterable[int]) -> None:
        """These records changed: read them again when they are next a candidate."""
        for object_id in ids:
            self.loaded.pop(object_id, None)
