"""The optimiser: place every meeting (or the most), then minimise breaks under fairness.

Method (chosen by measuring, see README "B2B meeting scheduler"): an OR-Tools CP-SAT model
over booleans only.
- ``x[m, t]``: meeting m is in slot t, for the slots m allows (its session, its fixed slot,
  every participant available, and the earliest/latest slot its precedences leave).
- ``busy[p, t]`` = the sum of p's ``x`` in slot t (a boolean, so at most one meeting at once);
  at most ``tables`` meetings per slot. Tables are given afterwards (any order works within a
  slot, as tables are alike), which removes a whole layer of symmetric variables.
- ``start[p, t]`` ⇔ busy in t and not in t-1: p's number of blocks. Breaks of p = blocks - 1
  (for a participant with a meeting), so the objective is the sum of the blocks. ``start`` is
  exact (both directions), so the fairness bound ``max - min ≤ d`` cannot be met by padding.
- Implied constraints: each participant has at least the number of blocks its available runs
  of slots force (k meetings and runs of 5, 4, 3 available slots need ⌈…⌉ blocks); a
  precedence ``a before b`` is posted slot by slot (b in t ⇒ a in some slot < t), which is
  as tight as it gets for the LP relaxation.
- First solution: each person's meetings laid side by side and annealed (``heuristic.py``);
  on a loose event that alone reaches the bound (no break). Else it is CP-SAT's hint (the
  first-free-slot greedy's when the construction cannot place every meeting).
- Meetings with no allowed slot at all are left out of the models: the others are optimised
  as if they were the whole event (the result is still ``partial``).

When not every meeting fits, a first model maximises the placed priority (the count when no
priorities are given), then the break model keeps at least that much placed.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from osmose.matchmaking.scheduler.greedy import (
    assign_tables,
    greedy_schedule,
    precedence_order,
    unscheduled_reason,
)
from osmose.matchmaking.scheduler.heuristic import consecutive_schedule, reduce_breaks
from osmose.matchmaking.scheduler.instance import Instance
from osmose.matchmaking.scheduler.result import Result, Status, Unscheduled
from osmose.matchmaking.scheduler.validate import compute_breaks, validate_result

Log = Callable[[str], object]
_FIRST_SECONDS = 3.0  # at most, for the annealing before CP-SAT's first decision
_INSTANCE = "instance"


@dataclass
class Progress:
    """Timings of one solve: when each improving schedule was found (seconds, breaks)."""

    improvements: list[tuple[float, int]] = field(default_factory=list)
    placement_seconds: float = 0.0

    def time_to(self, breaks: int) -> float | None:
        return next((s for s, b in self.improvements if b <= breaks), None)


class _Recorder(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, offset: int, progress: Progress, log: Log | None) -> None:
        super().__init__()
        self.started, self.offset, self.progress, self.log = started, offset, progress, log

    def on_solution_callback(self) -> None:
        breaks = round(self.ObjectiveValue()) - self.offset
        seconds = time.monotonic() - self.started
        self.progress.improvements.append((seconds, breaks))
        if self.log:
            self.log(f"{seconds:6.1f} s  {breaks} breaks")


class _Problem:
    """Allowed slots per meeting, with precedence windows, and who meets in which meetings."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        meetings = instance.meetings
        self.index = {m.id: i for i, m in enumerate(meetings)}
        allowed = [set(instance.allowed_slots(m)) for m in meetings]
        order = precedence_order(instance)
        for i in order:  # earliest slot: after the earliest possible slot of each predecessor
            for before in meetings[i].after:
                b = self.index[before]
                floor = min(allowed[b], default=instance.slot_count + 1)
                allowed[i] = {t for t in allowed[i] if t > floor}
        for i in reversed(order):  # latest slot: before the latest possible slot of followers
            for before in meetings[i].after:
                b = self.index[before]
                ceiling = max(allowed[i], default=0)
                allowed[b] = {t for t in allowed[b] if t < ceiling}
        self.allowed = [sorted(a) for a in allowed]
        # Meetings with no allowed slot are left out of every model (they cannot be placed).
        self.placeable = [i for i, a in enumerate(self.allowed) if a]
        self.placeable_priority = sum(meetings[i].priority for i in self.placeable)
        self.of_participant: dict[str, list[int]] = {p.id: [] for p in instance.participants}
        for i in self.placeable:
            for p in meetings[i].participants:
                self.of_participant[p].append(i)

    def min_blocks(self, participant_id: str, count: int) -> int:
        """Fewest blocks that ``count`` meetings need given the participant's available runs."""
        if count == 0:
            return 0
        usable = set()
        for i in self.of_participant[participant_id]:
            usable.update(self.allowed[i])
        runs, length = [], 0
        for t in range(1, self.instance.slot_count + 2):
            if t in usable:
                length += 1
            elif length:
                runs.append(length)
                length = 0
        runs.sort(reverse=True)
        covered = blocks = 0
        for run in runs:
            if covered >= count:
                break
            covered += run
            blocks += 1
        return max(blocks, 1)


def placement_upper_bound(instance: Instance) -> int:
    """Most meetings any schedule could place, when every priority is 1 (else their sum).

    min(meetings with an allowed slot, tables × slots, ½ Σ_p min(p's meetings, p's available
    slots)) — the last one for meetings of two; a looser Σ_p over each meeting otherwise. With
    priorities: the sum of those of the meetings with an allowed slot.
    """
    placeable = [m for m in instance.meetings if instance.allowed_slots(m)]
    if any(m.priority != 1 for m in instance.meetings):
        return sum(m.priority for m in placeable)
    degree: dict[str, int] = {}
    for meeting in placeable:
        for p in meeting.participants:
            degree[p] = degree.get(p, 0) + 1
    capacity = sum(
        min(count, instance.slot_count - len(instance.participant(p).unavailable_slots))
        for p, count in degree.items()
    )
    smallest = min((len(m.participants) for m in placeable), default=2)
    return min(len(placeable), instance.tables * instance.slot_count, capacity // smallest)


def _parameters(time_limit: float, seed: int, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def _max_placement(
    problem: _Problem,
    hint: dict[str, int],
    time_limit: float,
    seed: int,
    workers: int,
) -> tuple[dict[str, int], int, int]:
    """Most priority that fits, ignoring breaks and fairness: (slots, placed, proved bound)."""
    instance, allowed = problem.instance, problem.allowed
    model = cp_model.CpModel()
    x = {(i, t): model.new_bool_var(f"x{i}_{t}") for i in range(len(allowed)) for t in allowed[i]}
    placed = []
    for i, meeting in enumerate(instance.meetings):
        model.add(sum(x[i, t] for t in allowed[i]) <= 1)
        placed.append(meeting.priority * sum(x[i, t] for t in allowed[i]))
    _common_constraints(model, problem, x)
    model.maximize(sum(placed))
    for (i, t), var in x.items():
        model.add_hint(var, hint.get(instance.meetings[i].id) == t)
    solver = _parameters(time_limit, seed, workers)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        weight = sum(m.priority for m in instance.meetings if m.id in hint)
        return hint, weight, round(solver.best_objective_bound)
    slots = {instance.meetings[i].id: t for (i, t), var in x.items() if solver.boolean_value(var)}
    return slots, round(solver.objective_value), round(solver.best_objective_bound)


def _common_constraints(
    model: cp_model.CpModel, problem: _Problem, x: dict[tuple[int, int], cp_model.IntVar]
) -> dict[tuple[str, int], cp_model.IntVar]:
    """Precedences, one meeting per participant per slot, tables; returns ``busy[p, t]``."""
    instance, allowed = problem.instance, problem.allowed
    for i, meeting in enumerate(instance.meetings):
        for before in meeting.after:
            b = problem.index[before]
            for t in allowed[i]:
                model.add(x[i, t] <= sum(x[b, s] for s in allowed[b] if s < t))
    for t in range(1, instance.slot_count + 1):
        in_slot = [x[i, t] for i in range(len(allowed)) if (i, t) in x]
        if len(in_slot) > instance.tables:
            model.add(sum(in_slot) <= instance.tables)
    busy: dict[tuple[str, int], cp_model.IntVar] = {}
    for participant_id, mine in problem.of_participant.items():
        for t in range(1, instance.slot_count + 1):
            terms = [x[i, t] for i in mine if (i, t) in x]
            if terms:
                busy[participant_id, t] = model.new_bool_var(f"b{participant_id}_{t}")
                model.add(busy[participant_id, t] == sum(terms))
    return busy


@dataclass
class _BreakModel:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    objective: cp_model.LinearExprT
    offset: int  # breaks = objective - offset
    lower: int  # proved lower bound on breaks from the participants' available runs


def _break_model(
    problem: _Problem,
    fairness: int | None,
    must_place: int | None,
    hint: dict[str, int],
) -> _BreakModel:
    """The break-minimising model (every meeting placed, or at least ``must_place`` priority)."""
    instance, allowed = problem.instance, problem.allowed
    model = cp_model.CpModel()
    x = {(i, t): model.new_bool_var(f"x{i}_{t}") for i in range(len(allowed)) for t in allowed[i]}
    for i in problem.placeable:
        terms = [x[i, t] for t in allowed[i]]
        if must_place is None:
            model.add_exactly_one(terms)
        else:
            model.add_at_most_one(terms)
    if must_place is not None:
        model.add(
            sum(m.priority * x[i, t] for i, m in enumerate(instance.meetings) for t in allowed[i])
            >= must_place
        )
    busy = _common_constraints(model, problem, x)
    objective: list[cp_model.LinearExprT] = []
    offset = lower = 0
    breaks = []
    for participant_id, mine in problem.of_participant.items():
        slots = [t for t in range(1, instance.slot_count + 1) if (participant_id, t) in busy]
        if not slots:
            continue
        starts = []
        for t in slots:
            now = busy[participant_id, t]
            previous = busy.get((participant_id, t - 1))
            if previous is None:
                starts.append(now)  # busy in t and never in t-1: a block starts iff busy
                continue
            start = model.new_bool_var(f"s{participant_id}_{t}")
            model.add(start <= now)
            model.add(start <= 1 - previous)
            model.add(start >= now - previous)
            starts.append(start)
        has: cp_model.LinearExprT
        if must_place is None:
            least = problem.min_blocks(participant_id, len(mine))
            model.add(sum(starts) >= least)
            # Implied: p is busy in exactly as many slots as p has meetings.
            model.add(sum(busy[participant_id, t] for t in slots) == len(mine))
            if least == 1:
                _one_block_channel(model, busy, participant_id, slots, len(mine), starts)
            has = 1
            offset += 1
            lower += least - 1
        else:
            has_var = model.new_bool_var(f"h{participant_id}")
            model.add_max_equality(has_var, [busy[participant_id, t] for t in slots])
            has = has_var
            objective.append(-has_var)
        objective += starts
        breaks.append(sum(starts) - has)
    if fairness is not None and breaks:
        most = max(len(m) for m in problem.of_participant.values())
        low, high = model.new_int_var(0, most, "low"), model.new_int_var(0, most, "high")
        for count in breaks:
            model.add(count >= low)
            model.add(count <= high)
        if any(len(m) <= 1 for m in problem.of_participant.values()):
            model.add(low == 0)  # someone with one meeting or none has no break
        model.add(high - low <= fairness)
    total = sum(objective)
    if must_place is None:
        model.add(total >= offset + lower)  # lets the solver stop at the bound
    model.minimize(total)
    for (i, t), var in x.items():
        model.add_hint(var, hint.get(instance.meetings[i].id) == t)
    return _BreakModel(model, x, total, offset, lower)


def _one_block_channel(
    model: cp_model.CpModel,
    busy: dict[tuple[str, int], cp_model.IntVar],
    participant_id: str,
    slots: list[int],
    count: int,
    starts: list[cp_model.IntVar],
) -> None:
    """``single`` ⇔ p's meetings form one block, channelled with the block's first slot.

    Logically implied by the starts, but it propagates much better: once the first slot of a
    contiguous participant is known, every busy slot is, and its LP relaxation is tight.
    """
    usable = set(slots)
    firsts = [s for s in slots if all(t in usable for t in range(s, s + count))]
    single = model.new_bool_var(f"z{participant_id}")
    model.add(sum(starts) >= 2 - single)
    if not firsts:
        model.add(single == 0)
        return
    first = {s: model.new_bool_var(f"f{participant_id}_{s}") for s in firsts}
    model.add(sum(first.values()) == single)
    for t in slots:
        window = [first[s] for s in range(t - count + 1, t + 1) if s in first]
        if window:
            model.add(busy[participant_id, t] >= sum(window))


def solve(
    instance: Instance,
    *,
    time_limit: float = 60.0,
    fairness: int | str | None = _INSTANCE,
    seed: int = 0,
    workers: int = 2,
    log: Log | None = None,
    progress: Progress | None = None,
) -> Result:
    """Schedule ``instance`` within ``time_limit`` seconds (wall clock, everything included).

    ``fairness`` overrides the instance's bound (``None``: no bound). The returned result has
    passed :func:`validate_result`; its status says what was proved (see ``result.py``).
    """
    started = time.monotonic()
    deadline = started + time_limit
    bound = instance.fairness if fairness == _INSTANCE else fairness
    assert bound is None or isinstance(bound, int)
    progress = progress if progress is not None else Progress()
    problem = _Problem(instance)
    greedy = greedy_schedule(instance)
    hint = greedy.slots()
    total_priority = problem.placeable_priority
    must_place: int | None = None  # None: every meeting that has an allowed slot is placed
    placed_bound: int | None = total_priority
    greedy_placed = sum(m.priority for m in instance.meetings if m.id in hint)
    simple_bound = placement_upper_bound(instance)
    laid = _laid_out(problem, bound, hint, seed) if greedy_placed < total_priority else None
    if greedy_placed >= total_priority:
        pass  # the greedy places every placeable meeting: no placement model
    elif laid is not None:
        hint = laid  # so does the side-by-side construction
    elif greedy.unscheduled and greedy_placed >= simple_bound:
        # The greedy already places as many as can be (all priorities 1): no placement model.
        must_place, placed_bound = greedy_placed, simple_bound
    else:
        budget = max(0.5, 0.3 * (deadline - time.monotonic()))
        placement, placed, placed_bound = _max_placement(problem, hint, budget, seed, workers)
        placed_bound = min(placed_bound, simple_bound)
        if placed > greedy_placed:  # else the greedy's schedule is the better start for breaks
            hint = placement
        progress.placement_seconds = time.monotonic() - started
        if log:
            log(f"placement: {placed} of {total_priority} placeable (bound {placed_bound})")
        if placed < total_priority:
            must_place = placed
    result = _minimise_breaks(
        problem, bound, must_place, hint, deadline, started, seed, workers, log, progress
    )
    if result.status == Status.INFEASIBLE and bound is not None:
        result.message = (
            f"no schedule meets the fairness bound {bound}; "
            "without_fairness is the best schedule without it"
        )
    elif result.status == Status.UNKNOWN and bound is not None:
        result.message = (
            f"no schedule meeting the fairness bound {bound} was found in time; "
            "without_fairness is the best schedule found without it"
        )
    if result.status in (Status.INFEASIBLE, Status.UNKNOWN) and bound is not None:
        result.without_fairness = _minimise_breaks(
            problem, None, must_place, hint, deadline, started, seed, workers, log, Progress()
        )
        if result.without_fairness.status == Status.UNKNOWN:  # out of time: the first schedule
            result.without_fairness = _as_result(problem, hint, None, None, started, False)
    if result.status == Status.PARTIAL:
        result.placed_upper_bound = placed_bound
    result.seconds = time.monotonic() - started
    problems = validate_result(instance, result, fairness=bound)
    if problems:  # a solver bug: never hand out an invalid schedule
        raise AssertionError("invalid schedule: " + "; ".join(problems[:5]))
    return result


def _minimise_breaks(
    problem: _Problem,
    fairness: int | None,
    must_place: int | None,
    hint: dict[str, int],
    deadline: float,
    started: float,
    seed: int,
    workers: int,
    log: Log | None,
    progress: Progress,
) -> Result:
    """Lower bound first (as core-guided MaxSAT does), then optimisation from the best found.

    0. When every placeable meeting is to be placed: lay each person's meetings side by side
       and anneal (``heuristic.py``) for a fifth of the time, at most ``_FIRST_SECONDS``. On a
       loose event it often reaches the bound L below (0) in a second or two: optimal. Else
       its schedule is the hint (on the samples CP-SAT then proves 0 sooner than from the
       greedy's). (Annealing in a thread beside step 1 — CP-SAT releases the GIL — was tried:
       with a third thread on two cores step 1 lost too much.)
    1. Ask for a schedule with at most L breaks, L being the proved lower bound: found, it is
       optimal; proved impossible, the bound rises by one. A tight L makes most participants
       single-block, which propagates far better than the objective does.
    2. When such a step times out, CP-SAT minimises for the remaining time (``objective ≥ L``).
    The first step may take half the time left, later ones 40 % of it and at most 10 % of
    the whole limit (then a first schedule and our own LNS, see ``_first_then_lns``). (Probing
    upwards, L + 1, + 2, + 4…, for a first schedule was tried and lost time on every sample.)
    When step 0 gave a fair schedule and step 1 found none at L, the annealing goes on from it
    for the time left instead (on loose events it does far better than CP-SAT and our LNS;
    on the samples it also takes forum-14 from 25–30 breaks to about 10).
    """
    built = _break_model(problem, fairness, must_place, hint)
    instance = problem.instance
    lower = built.lower
    limit = deadline - time.monotonic()

    def decide(at_most: int) -> tuple[object, dict[str, int] | None]:
        left = deadline - time.monotonic()
        # The first question, at the bound every participant's runs allow, is the likeliest
        # to have a yes (many events can do with no break): it may take half the time.
        budget = 0.5 * left if at_most == built.lower else min(0.4 * left, 0.1 * limit)
        if budget < 0.5:
            return cp_model.UNKNOWN, None
        decision = built.model.clone()
        decision.add(built.objective <= built.offset + at_most)
        decision.clear_objective()
        solver = _parameters(budget, seed, workers)
        status = solver.solve(decision)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, _solution_slots(problem, built.x, solver)
        return status, None

    def found(slots: dict[str, int]) -> int:
        breaks = sum(compute_breaks(instance, slots).values())
        progress.improvements.append((time.monotonic() - started, breaks))
        if log:
            log(f"{time.monotonic() - started:6.1f} s  {breaks} breaks (bound {lower})")
        return breaks

    most = sum(max(0, len(m) - 1) for m in problem.of_participant.values())
    start: dict[str, int] | None = None
    if must_place is None:
        laid = _laid_out(problem, fairness, hint, seed)
        searched = None
        if laid is not None:
            budget = min(0.2 * (deadline - time.monotonic()), _FIRST_SECONDS)
            searched = _local_search(problem, fairness, laid, lower, budget, seed)
            hint = searched  # also a better hint for CP-SAT than the greedy's
            built.model.clear_hints()
            for (i, t), var in built.x.items():
                built.model.add_hint(var, hint.get(instance.meetings[i].id) == t)
            if _fair(instance, searched, fairness):
                start = searched
                if found(searched) <= lower:
                    return _as_result(problem, searched, fairness, lower, started, True)
        while lower <= most:
            status, slots = decide(lower)
            if status == cp_model.INFEASIBLE:
                lower += 1
                if log:
                    log(f"{time.monotonic() - started:6.1f} s  proved: at least {lower} breaks")
                continue
            if slots is not None:
                found(slots)
                return _as_result(problem, slots, fairness, lower, started, True)
            break
        if lower > most:  # every break count is impossible: the rules (fairness) conflict
            return Result(instance.name, Status.INFEASIBLE, None, fairness=fairness)
    built.model.add(built.objective >= built.offset + lower)
    if start is not None:
        # The annealing's schedule is fair: go on annealing from it (on a loose event it
        # improves much faster than the neighbourhood search).
        best = sum(compute_breaks(instance, start).values())
        budget = deadline - time.monotonic() - 0.1
        slots = _local_search(problem, fairness, start, lower, budget, seed + 1)
        if (
            _fair(instance, slots, fairness)
            and sum(compute_breaks(instance, slots).values()) < best
        ):
            best, start = found(slots), slots
        return _as_result(problem, start, fairness, lower, started, best <= lower)
    if must_place is None:
        slots = _first_then_lns(problem, built, lower, deadline, started, seed, workers, found)
        if slots is not None:
            total = sum(compute_breaks(instance, slots).values())
            return _as_result(problem, slots, fairness, lower, started, total <= lower)
    if must_place is not None and hint:
        # Not every meeting fits: anneal the placed ones where they are placed, for a fair
        # hint (the greedy's seldom is) and a schedule to fall back on.
        budget = min(0.2 * (deadline - time.monotonic()), 10 * _FIRST_SECONDS)
        searched = _local_search(problem, fairness, hint, lower, budget, seed)
        built.model.clear_hints()
        for (i, t), var in built.x.items():
            built.model.add_hint(var, searched.get(instance.meetings[i].id) == t)
        if _fair(instance, searched, fairness):
            start = searched
            found(searched)
    solver = _parameters(deadline - time.monotonic(), seed, workers)
    outcome = solver.solve(built.model, _Recorder(started, built.offset, progress, log))
    if outcome == cp_model.INFEASIBLE:
        return Result(instance.name, Status.INFEASIBLE, None, fairness=fairness)
    if outcome not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if start is not None:
            return _as_result(problem, start, fairness, lower, started, False)
        return Result(instance.name, Status.UNKNOWN, None, fairness=fairness)
    slots = _solution_slots(problem, built.x, solver)
    proved = max(lower, round(solver.best_objective_bound) - built.offset)
    return _as_result(problem, slots, fairness, proved, started, outcome == cp_model.OPTIMAL)


def _first_then_lns(
    problem: _Problem,
    built: _BreakModel,
    lower: int,
    deadline: float,
    started: float,
    seed: int,
    workers: int,
    found: Callable[[dict[str, int]], int],
) -> dict[str, int] | None:
    """A first schedule from the whole model, then our own large neighbourhood search.

    Each step frees the meetings of some participants (those with breaks first, plus their
    partners) or of a window of slots, fixes every other meeting where it is, and re-solves
    that sub-problem for a few seconds from the current schedule. Returns None when no first
    schedule was found (the caller then minimises on the whole model).
    """
    instance = problem.instance
    rng = random.Random(seed)
    left = deadline - time.monotonic()
    if left < 1.0:
        return None
    solver = _parameters(min(left, max(1.0, 0.25 * left)), seed, workers)
    solver.parameters.stop_after_first_solution = True
    outcome = solver.solve(built.model)
    if outcome not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    slots = _solution_slots(problem, built.x, solver)
    best = found(slots)
    meetings = instance.meetings
    count = len(problem.placeable)
    size = min(count, max(10, count // 10))
    step = 0
    while best > lower and deadline - time.monotonic() > 0.3:
        step += 1
        per = compute_breaks(instance, slots)
        free: set[int] = set()
        kind = step % 3
        if kind == 2:
            width = max(2, round(instance.slot_count * size / count))
            first = rng.randint(1, max(1, instance.slot_count - width + 1))
            free = {i for i in problem.placeable if first <= slots[meetings[i].id] < first + width}
        else:
            with_breaks = [p for p, b in per.items() if b > 0]
            rng.shuffle(with_breaks)
            others = [p for p in problem.of_participant if per.get(p, 0) == 0]
            rng.shuffle(others)
            for p in with_breaks + others:
                if len(free) >= size:
                    break
                mine = problem.of_participant[p]
                free.update(mine)
                if kind == 1:  # and the partners' meetings
                    for i in mine:
                        for q in meetings[i].participants:
                            if len(free) < size:
                                free.update(problem.of_participant[q])
        sub = built.model.clone()
        for i in problem.placeable:
            if i not in free:
                sub.add(built.x[i, slots[meetings[i].id]] == 1)
        sub.add(built.objective <= built.offset + best)
        sub.clear_hints()
        for (i, t), var in built.x.items():
            sub.add_hint(var, slots[meetings[i].id] == t)
        budget = min(1.0, deadline - time.monotonic())
        if budget < 0.2:
            break
        solver = _parameters(budget, seed + step, workers)
        outcome = solver.solve(sub)
        if outcome in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            new = _solution_slots(problem, built.x, solver)
            total = sum(compute_breaks(instance, new).values())
            if total < best:
                best = found(new)
            if total <= best:
                slots = new
        if outcome == cp_model.OPTIMAL or outcome == cp_model.INFEASIBLE:
            size = min(count, int(size * 1.15) + 1)
        else:
            size = max(10, int(size * 0.85))
    return slots


def _laid_out(
    problem: _Problem, fairness: int | None, hint: dict[str, int], seed: int
) -> dict[str, int] | None:
    """Every placeable meeting, each person's side by side where it can (or ``hint`` when the
    construction fails and ``hint`` places them all); None when neither does."""
    instance = problem.instance
    slots = consecutive_schedule(instance, problem.allowed, problem.placeable, fairness, seed)
    if slots is not None:
        return {instance.meetings[i].id: t for i, t in slots.items()}
    if all(instance.meetings[i].id in hint for i in problem.placeable):
        return hint
    return None


def _local_search(
    problem: _Problem,
    fairness: int | None,
    start: dict[str, int],
    target: int,
    budget: float,
    seed: int,
) -> dict[str, int]:
    """The heuristic's annealing from ``start`` (every placeable meeting placed) for ``budget``
    seconds at most, or until it reaches ``target`` breaks fairly."""
    instance = problem.instance
    slots = reduce_breaks(
        instance,
        problem.allowed,
        {problem.index[m]: t for m, t in start.items()},
        fairness=fairness,
        deadline=time.monotonic() + budget,
        target=target,
        seed=seed,
    )
    return {instance.meetings[i].id: t for i, t in slots.items()}


def _fair(instance: Instance, slots: dict[str, int], fairness: int | None) -> bool:
    if fairness is None:
        return True
    breaks = compute_breaks(instance, slots).values()
    return max(breaks, default=0) - min(breaks, default=0) <= fairness


def _solution_slots(
    problem: _Problem, x: dict[tuple[int, int], cp_model.IntVar], solver: cp_model.CpSolver
) -> dict[str, int]:
    meetings = problem.instance.meetings
    return {meetings[i].id: t for (i, t), var in x.items() if solver.boolean_value(var)}


def _as_result(
    problem: _Problem,
    slots: dict[str, int],
    fairness: int | None,
    lower_bound: int | None,
    started: float,
    optimal: bool,
) -> Result:
    instance = problem.instance
    unscheduled = [
        Unscheduled(m.id, unscheduled_reason(instance, i, slots, problem.allowed[i]))
        for i, m in enumerate(instance.meetings)
        if m.id not in slots
    ]
    total = sum(compute_breaks(instance, slots).values())
    if unscheduled:
        status = Status.PARTIAL
    else:
        status = Status.OPTIMAL if optimal or lower_bound == total else Status.FEASIBLE
    return Result(
        instance=instance.name,
        status=status,
        total_breaks=total,
        meetings=assign_tables(instance, slots),
        unscheduled=unscheduled,
        seconds=time.monotonic() - started,
        lower_bound=lower_bound,
        fairness=fairness,
    )
