"""A fast first schedule for loose events: meetings laid side by side, then a local search.

On a loose event (most people have a few meetings, the tables are not all taken) a schedule
with no break or almost none usually exists, and CP-SAT's first solutions are far from it.
Two steps, in pure Python:

1. :func:`consecutive_schedule` takes the participants by number of meetings (most first) and
   puts each of their meetings in the allowed slot that adds the fewest breaks and idle slots
   for its participants, where they are all free and a table is left.
2. :func:`reduce_breaks` is a simulated annealing over slots: move a meeting to another slot
   or swap it with the meeting that blocks it there (a slot next to another meeting of one of
   its participants, more often than not). The cost: a break weighs eight idle slots inside a
   participant's day (those lead two blocks towards each other), each break over the
   fairness bound fifty. It cools from hot to cold in rounds of at most ``_ROUND`` seconds.

Both keep every hard rule (allowed slots, one meeting per participant per slot, tables,
precedences); fairness only through the cost, so the caller checks it.
"""

import math
import random
import time

from osmose.matchmaking.scheduler.instance import Instance

_BREAK = 8  # cost of a break, in idle slots
_UNFAIR = 50  # cost of each break over the fairness bound
_HOT, _COLD = 8.0, 0.5  # annealing temperatures, first and last (in idle slots)
_ROUND = 3.0  # seconds, at most, from hot to cold
_ADJACENT = 0.6  # how often a meeting is tried next to another of one of its participants


def _cost(mask: int) -> tuple[int, int]:
    """(breaks, idle slots) of a participant busy in the slots set in ``mask``."""
    if not mask:
        return 0, 0
    blocks = (mask & ~(mask << 1)).bit_count()
    span = mask.bit_length() - (mask & -mask).bit_length() + 1
    return blocks - 1, span - mask.bit_count()


class _State:
    """A complete assignment of the meetings to place, with the per-slot and per-person views."""

    def __init__(
        self,
        instance: Instance,
        allowed: list[list[int]],
        todo: list[int],
        fairness: int | None,
    ) -> None:
        self.tables = instance.tables
        self.fairness = fairness
        person = {p.id: k for k, p in enumerate(instance.participants)}
        index = {m.id: i for i, m in enumerate(instance.meetings)}
        self.todo = todo
        placed = set(todo)
        self.parts = {i: [person[p] for p in instance.meetings[i].participants] for i in todo}
        self.allowed = {i: allowed[i] for i in todo}
        self.allowed_set = {i: set(allowed[i]) for i in todo}
        self.before: dict[int, list[int]] = {i: [] for i in todo}
        self.after: dict[int, list[int]] = {i: [] for i in todo}
        for i in todo:
            for b in instance.meetings[i].after:
                if index[b] in placed:
                    self.before[i].append(index[b])
                    self.after[index[b]].append(i)
        people = len(instance.participants)
        self.meetings_of: list[list[int]] = [[] for _ in range(people)]
        for i in todo:
            for q in self.parts[i]:
                self.meetings_of[q].append(i)
        self.slot: dict[int, int] = {}
        self.mask = [0] * people
        self.at: list[dict[int, int]] = [{} for _ in range(people)]
        self.in_slot: list[set[int]] = [set() for _ in range(instance.slot_count + 1)]
        self.breaks = [0] * people
        self.idle = [0] * people
        self.histogram: dict[int, int] = {0: people}
        self.total = 0  # breaks

    def free(self, i: int, t: int, ignore: int = -1) -> bool:
        """Every participant of ``i`` is free in ``t`` (but for meeting ``ignore``)."""
        return all(self.at[q].get(t, ignore) == ignore for q in self.parts[i])

    def in_order(self, i: int, t: int, moved: dict[int, int]) -> bool:
        """``i`` in ``t`` respects its placed precedences, ``moved`` overriding slots."""
        for b in self.before[i]:
            s = moved.get(b, self.slot.get(b))
            if s is not None and s >= t:
                return False
        for f in self.after[i]:
            s = moved.get(f, self.slot.get(f))
            if s is not None and s <= t:
                return False
        return True

    def place(self, i: int, t: int) -> None:
        self.slot[i] = t
        self.in_slot[t].add(i)
        for q in self.parts[i]:
            self.at[q][t] = i
            self._set_mask(q, self.mask[q] | (1 << t))

    def delta(self, moved: dict[int, int]) -> tuple[int, dict[int, int]]:
        """The cost change of sending each meeting of ``moved`` to its slot, and the new masks
        of the participants it touches (nothing is changed)."""
        masks: dict[int, int] = {}
        for j in moved:
            bit = 1 << self.slot[j]
            for q in self.parts[j]:
                masks[q] = masks.get(q, self.mask[q]) & ~bit
        for j, t in moved.items():
            for q in self.parts[j]:
                masks[q] |= 1 << t
        delta = 0
        changes = []
        for q, mask in masks.items():
            breaks, idle = _cost(mask)
            delta += _BREAK * (breaks - self.breaks[q]) + idle - self.idle[q]
            if breaks != self.breaks[q]:
                changes.append((self.breaks[q], breaks))
        if changes and self.fairness is not None:
            histogram = dict(self.histogram)
            for old, new in changes:
                histogram[old] -= 1
                histogram[new] = histogram.get(new, 0) + 1
            delta += _UNFAIR * (self._unfairness(histogram) - self.unfairness())
        return delta, masks

    def apply(self, moved: dict[int, int], masks: dict[int, int]) -> None:
        for j in moved:
            s = self.slot[j]
            self.in_slot[s].discard(j)
            for q in self.parts[j]:
                del self.at[q][s]
        for j, t in moved.items():
            self.slot[j] = t
            self.in_slot[t].add(j)
            for q in self.parts[j]:
                self.at[q][t] = j
        for q, mask in masks.items():
            self._set_mask(q, mask)

    def _set_mask(self, q: int, mask: int) -> None:
        self.mask[q] = mask
        breaks, self.idle[q] = _cost(mask)
        if breaks != self.breaks[q]:
            self.histogram[self.breaks[q]] -= 1
            self.histogram[breaks] = self.histogram.get(breaks, 0) + 1
            self.total += breaks - self.breaks[q]
            self.breaks[q] = breaks

    def unfairness(self) -> int:
        return self._unfairness(self.histogram)

    def _unfairness(self, histogram: dict[int, int]) -> int:
        if self.fairness is None:
            return 0
        used = [b for b, n in histogram.items() if n]
        return max(0, max(used) - min(used) - self.fairness)

    def cost(self) -> int:
        return _BREAK * self.total + sum(self.idle) + _UNFAIR * self.unfairness()


def consecutive_schedule(
    instance: Instance,
    allowed: list[list[int]],
    todo: list[int],
    fairness: int | None = None,
    seed: int = 0,
) -> dict[int, int] | None:
    """Slots for every meeting of ``todo`` (indexes), each person's meetings side by side where
    it can; None when some meeting finds no free slot."""
    rng = random.Random(seed)
    state = _State(instance, allowed, todo, fairness)
    order = sorted(
        range(len(state.meetings_of)), key=lambda q: (-len(state.meetings_of[q]), rng.random())
    )
    for p in order:
        mine = [i for i in state.meetings_of[p] if i not in state.slot]
        # Meetings with few allowed slots first (fixed ones), then with the busiest partners.
        mine.sort(
            key=lambda i: (
                len(state.allowed[i]),
                -sum(len(state.meetings_of[q]) for q in state.parts[i]),
            )
        )
        for i in mine:
            best, best_key = None, None
            for t in state.allowed[i]:
                if len(state.in_slot[t]) >= state.tables or not state.free(i, t):
                    continue
                if not state.in_order(i, t, {}):
                    continue
                added = 0
                for q in state.parts[i]:
                    breaks, idle = _cost(state.mask[q] | (1 << t))
                    added += _BREAK * (breaks - state.breaks[q]) + idle - state.idle[q]
                key = (added, len(state.in_slot[t]) + rng.random())
                if best_key is None or key < best_key:
                    best, best_key = t, key
            if best is None:
                return None
            state.place(i, best)
    return dict(state.slot)


def reduce_breaks(
    instance: Instance,
    allowed: list[list[int]],
    start: dict[int, int],
    *,
    fairness: int | None,
    deadline: float,
    target: int = 0,
    seed: int = 0,
) -> dict[int, int]:
    """The best schedule a simulated annealing finds from ``start`` (every meeting in it stays
    placed) before ``deadline``, or as soon as it has ``target`` breaks and is fair.

    The returned schedule may break the fairness bound when no fair one was found.
    """
    rng = random.Random(seed)
    todo = sorted(start)
    state = _State(instance, allowed, todo, fairness)
    for i in todo:
        state.place(i, start[i])
    movable = [i for i in todo if len(state.allowed[i]) > 1]
    if not movable:
        return dict(start)
    current = state.cost()
    best_key = (state.unfairness(), state.total, current)
    best = dict(state.slot)
    began = time.monotonic()
    span = min(max(0.1, deadline - began), _ROUND)
    temperature = _HOT
    step = 0
    while True:
        step += 1
        if step % 200 == 0:
            now = time.monotonic()
            if now >= deadline:
                break
            # Geometric cooling over the time given, in rounds of a few seconds at most.
            temperature = _HOT * (_COLD / _HOT) ** (((now - began) / span) % 1.0)
        if best_key[0] == 0 and best_key[1] <= target:
            break
        i = _pick(state, movable, rng)
        s = state.slot[i]
        t = _target(state, i, s, rng)
        if t is None:
            continue
        moved = _move(state, i, s, t, rng)
        if moved is None:
            continue
        delta, masks = state.delta(moved)
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            state.apply(moved, masks)
            current += delta
            if delta < 0:
                key = (state.unfairness(), state.total, current)
                if key < best_key:
                    best_key, best = key, dict(state.slot)
    return best


def _pick(state: _State, movable: list[int], rng: random.Random) -> int:
    """A movable meeting, most often one of a participant with a break or an idle slot."""
    for _ in range(8):
        i = rng.choice(movable)
        if any(state.breaks[q] or state.idle[q] for q in state.parts[i]):
            return i
    return rng.choice(movable)


def _target(state: _State, i: int, s: int, rng: random.Random) -> int | None:
    """A slot for ``i``: often next to another meeting of one of its participants."""
    if rng.random() < _ADJACENT:
        q = rng.choice(state.parts[i])
        others = [u for u in state.at[q] if u != s]
        if others:
            t = rng.choice(others) + rng.choice((-1, 1))
            return t if t != s and t in state.allowed_set[i] else None
    t = rng.choice(state.allowed[i])
    return t if t != s else None


def _move(state: _State, i: int, s: int, t: int, rng: random.Random) -> dict[int, int] | None:
    """New slots for ``i`` to go to ``t``: alone, or swapped with the meeting that blocks it."""
    blockers = {state.at[q][t] for q in state.parts[i] if t in state.at[q]}
    if not blockers:
        if len(state.in_slot[t]) < state.tables:
            return {i: t} if state.in_order(i, t, {}) else None
        blockers = {rng.choice(list(state.in_slot[t]))}  # tables full: swap with any
    if len(blockers) > 1:
        return None
    (j,) = blockers
    if s not in state.allowed_set[j] or not state.free(j, s, ignore=i):
        return None
    if not state.free(i, t, ignore=j):
        return None
    moved = {i: t, j: s}
    if not (state.in_order(i, t, moved) and state.in_order(j, s, moved)):
        return None
    return moved
