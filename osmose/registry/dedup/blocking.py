"""Candidate pairs for the batch scan: multi-pass blocking plus sorted neighbourhood.

Each record carries a few blocking keys (one per pass: same e-mail, same postcode and name
initial, same phonetic names…). Two records are compared when they share a key, so a pair
missed by one pass (a typo'd postcode) is caught by another (same phonetic names). Blocks
larger than ``max_block`` (a very common name in a big city) are not compared all-to-all:
their members are sorted and each is compared with its ``window`` next neighbours
(sorted-neighbourhood, Hernández & Stolfo 1995), which keeps the number of pairs linear.
Last, sorted-neighbourhood passes over every record (by family then given name, and by given
then family name) catch name typos that no key survives.

Everything is arrays, so that a million records fit in memory: a key is kept as its 64-bit
hash (two different keys sharing one only add a comparison), a record as its position, an
ordering as each record's rank, and a pair (i, j), i < j, as the number ``i * n + j``. The
pairs of every pass are gathered and deduplicated at once (``numpy.unique``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Codes = NDArray[np.int64]


@dataclass(slots=True)
class BlockingStats:
    records: int = 0
    keys: int = 0
    largest_block: int = 0
    windowed_blocks: int = 0
    candidate_pairs: int = 0


def ranks(sort_keys: Sequence[str]) -> NDArray[np.int64]:
    """Each record's position once the records are sorted by ``sort_keys`` (stable)."""
    order = sorted(range(len(sort_keys)), key=sort_keys.__getitem__)
    rank = np.empty(len(order), dtype=np.int64)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    return rank


def candidate_pair_codes(
    keys: Iterable[Iterable[str]],
    orderings: Sequence[NDArray[np.int64]],
    *,
    max_block: int = 60,
    window: int = 8,
    neighbourhood_window: int = 4,
    stats: BlockingStats | None = None,
) -> Codes:
    """Every candidate pair once, as sorted codes ``i * n + j`` with i < j.

    ``keys`` yields each record's blocking keys, in record order; ``orderings`` are ranks
    (from :func:`ranks`): the first orders the members of windowed blocks; each is one
    sorted-neighbourhood pass over all the records.
    """
    stats = stats if stats is not None else BlockingStats()
    owners: list[int] = []
    hashes: list[int] = []
    count = 0
    for position, record_keys in enumerate(keys):
        count = position + 1
        for key in record_keys:
            hashes.append(hash(key))
            owners.append(position)
    n = count
    key_hash = np.array(hashes, dtype=np.int64)
    owner = np.array(owners, dtype=np.int64)
    del hashes, owners
    order = np.lexsort((owner, key_hash))  # by key, then record
    key_hash, owner = key_hash[order], owner[order]
    del order
    starts = (
        np.flatnonzero(np.r_[True, key_hash[1:] != key_hash[:-1]])
        if len(key_hash)
        else np.array([], np.int64)
    )
    sizes = np.diff(np.r_[starts, len(key_hash)])
    del key_hash
    stats.records, stats.keys = n, len(starts)
    stats.largest_block = int(sizes.max()) if len(sizes) else 0
    parts: list[Codes] = []
    # Complete blocks: every pair of members (members are in record order, so i < j).
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_block)]).tolist():
        group_starts = starts[sizes == size]
        members = owner[group_starts[:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        parts.append((members[:, first] * n + members[:, second]).ravel())
    # Windowed blocks: members sorted by the first ordering, each with its next neighbours.
    big = np.flatnonzero(sizes > max_block)
    stats.windowed_blocks = len(big)
    for start, size in zip(starts[big].tolist(), sizes[big].tolist(), strict=True):
        members = owner[start : start + size]
        parts.append(
            _window_codes(members[np.argsort(orderings[0][members], kind="stable")], window, n)
        )
    del owner
    for rank in orderings if neighbourhood_window else ():
        ordered = np.argsort(rank, kind="stable")
        parts.append(_window_codes(ordered, neighbourhood_window, n))
    codes = np.unique(np.concatenate(parts)) if parts else np.array([], dtype=np.int64)
    stats.candidate_pairs = len(codes)
    return codes


def _window_codes(ordered: NDArray[np.int64], window: int, n: int) -> Codes:
    pieces = []
    for distance in range(1, min(window, len(ordered) - 1) + 1):
        left, right = ordered[:-distance], ordered[distance:]
        pieces.append(np.minimum(left, right) * n + np.maximum(left, right))
    return np.concatenate(pieces) if pieces else np.array([], dtype=np.int64)


def split(codes: Codes, n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (i, j) positions of pair codes."""
    return codes // n, codes % n
