"""Candidate pairs for the batch scan: multi-pass blocking plus sorted neighbourhood.

Each record carries a few blocking keys (one per pass: same e-mail, same postcode and name
initial, same phonetic names…). Two records are compared when they share a key, so a pair
missed by one pass (a typo'd postcode) is caught by another (same phonetic names). Blocks
larger than ``max_block`` (a very common name in a big city) are not compared all-to-all:
their members are sorted and each is compared with its ``window`` next neighbours
(sorted-neighbourhood, Hernández & Stolfo 1995), which keeps the number of pairs linear.
Last, sorted-neighbourhood passes over every record (by family then given name, and by given
then family name) catch name typos that no key survives.

Each unordered pair is produced once without remembering every pair: a pair from a complete
block is produced only by the smallest complete block key the two records share; only pairs
from windows (at most ``window`` per record and pass) go through a "seen" set.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(slots=True)
class BlockingStats:
    records: int = 0
    keys: int = 0
    largest_block: int = 0
    windowed_blocks: int = 0
    candidate_pairs: int = 0


def candidate_pairs(
    keys: Sequence[tuple[str, ...]],
    orderings: Sequence[Sequence[str]],
    *,
    max_block: int = 60,
    window: int = 8,
    neighbourhood_window: int = 4,
    stats: BlockingStats | None = None,
) -> Iterator[tuple[int, int]]:
    """Yield (i, j) with i < j, indices into ``keys``, each unordered pair once.

    ``keys[i]`` holds record i's blocking keys (interned strings make this cheaper);
    ``orderings`` are sort keys by record (``orderings[k][i]``): the first orders the members
    of windowed blocks; each is one sorted-neighbourhood pass over all the records.
    """
    stats = stats if stats is not None else BlockingStats()
    index: dict[str, list[int]] = {}
    for position, record_keys in enumerate(keys):
        for key in record_keys:
            index.setdefault(key, []).append(position)
    stats.records, stats.keys = len(keys), len(index)
    complete = {key for key, members in index.items() if 2 <= len(members) <= max_block}

    def covered(i: int, j: int) -> bool:
        # The pair shares a complete block, where it is (or was) compared.
        keys_j = keys[j]
        return any(key in complete and key in keys_j for key in keys[i])

    seen: set[tuple[int, int]] = set()
    for key, members in index.items():
        size = len(members)
        if size < 2:
            continue
        stats.largest_block = max(stats.largest_block, size)
        if key in complete:
            for i, j in combinations(members, 2):
                shared = [k for k in keys[i] if k in complete and k in keys[j]]
                if len(shared) == 1 or min(shared) == key:
                    stats.candidate_pairs += 1
                    yield i, j  # members are appended in index order, so i < j
            continue
        stats.windowed_blocks += 1
        ordered = sorted(members, key=orderings[0].__getitem__)
        for pair in _windows(ordered, window):
            if pair not in seen and not covered(*pair):
                seen.add(pair)
                stats.candidate_pairs += 1
                yield pair
    del index
    for sort_keys in orderings if neighbourhood_window else ():
        ordered = sorted(range(len(keys)), key=sort_keys.__getitem__)
        for pair in _windows(ordered, neighbourhood_window):
            if pair not in seen and not covered(*pair):
                seen.add(pair)
                stats.candidate_pairs += 1
                yield pair


def _windows(ordered: list[int], window: int) -> Iterator[tuple[int, int]]:
    for position, i in enumerate(ordered):
        for j in ordered[position + 1 : position + 1 + window]:
            yield (i, j) if i < j else (j, i)
