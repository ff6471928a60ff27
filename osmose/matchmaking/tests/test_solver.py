from osmose.matchmaking.scheduler import (
    Status,
    greedy_schedule,
    load_instance,
    parse_instance,
    solve,
    validate_result,
)
from osmose.matchmaking.scheduler.solver import Progress
from osmose.matchmaking.tests.helpers import instance_data, loose_instance_data, meeting, sample


def tiny(**changes):
    return parse_instance(instance_data(**changes))


def test_it_proves_the_optimum_of_a_small_instance():
    # a is away in slot 3, meets b first thing and c in the afternoon, b meets d in the
    # afternoon: a and b have a break each, though their available runs alone allow none.
    instance = tiny(
        participants=[{"id": p, "unavailable_slots": [3] if p == "a" else []} for p in "abcd"],
        meetings=[
            meeting("m1", "a", "b", fixed_slot=1),
            meeting("m2", "a", "c", session="afternoon"),
            meeting("m3", "c", "d"),
            meeting("m4", "b", "d", session="afternoon"),
        ],
    )
    result = solve(instance, time_limit=10)
    assert (result.status, result.total_breaks, result.lower_bound) == (Status.OPTIMAL, 2, 2)
    assert validate_result(instance, result) == []
    assert result.slots()["m1"] == 1 and result.slots()["m2"] >= 4


def test_it_reaches_the_best_known_total_on_tic_12():
    instance = load_instance(sample("tic-12.original"))
    progress = Progress()
    result = solve(instance, time_limit=30, progress=progress)
    assert (result.status, result.total_breaks) == (Status.OPTIMAL, 0)
    assert (greedy_schedule(instance).total_breaks or 0) > 0
    assert progress.time_to(0) is not None


def test_it_reports_a_fairness_it_cannot_meet_and_offers_the_schedule_without_it():
    # a's meetings are fixed in slots 1, 3 and 5 (two breaks) while b has a single meeting.
    instance = tiny(
        fairness=1,
        sessions=[],
        slot_count=5,
        meetings=[
            meeting("m1", "a", "b", fixed_slot=1),
            meeting("m2", "a", "c", fixed_slot=3),
            meeting("m3", "a", "d", fixed_slot=5),
        ],
    )
    result = solve(instance, time_limit=10)
    assert result.status == Status.INFEASIBLE
    assert result.meetings == [] and result.total_breaks is None
    assert "fairness bound 1" in result.message
    fallback = result.without_fairness
    assert fallback is not None
    assert (fallback.status, fallback.total_breaks) == (Status.OPTIMAL, 2)
    assert validate_result(instance, result) == []
    assert solve(instance, time_limit=10, fairness=2).status == Status.OPTIMAL


def test_it_places_the_most_meetings_when_not_all_fit():
    instance = tiny(
        tables=1,
        sessions=[],
        slot_count=2,
        meetings=[meeting("m1", "a", "b"), meeting("m2", "c", "d"), meeting("m3", "a", "c")],
    )
    result = solve(instance, time_limit=10)
    assert result.status == Status.PARTIAL
    assert len(result.meetings) == 2 and result.placed_upper_bound == 2
    [left] = result.unscheduled
    assert left.reason == "all 1 tables are taken in every slot it allows"
    assert validate_result(instance, result) == []


def test_two_fixed_meetings_of_one_participant_in_one_slot_leave_one_unscheduled():
    instance = tiny(
        meetings=[meeting("m1", "a", "b", fixed_slot=1), meeting("m2", "a", "c", fixed_slot=1)]
    )
    result = solve(instance, time_limit=10)
    assert result.status == Status.PARTIAL
    assert [u.reason for u in result.unscheduled] == [
        "'a' is in other meetings in every slot it allows"
    ]


def test_it_gives_an_unplaceable_meeting_its_reason():
    instance = tiny(meetings=[meeting("m1", "a", "b", fixed_slot=2), meeting("m2", "c", "d")])
    result = solve(instance, time_limit=10)
    assert [(u.id, u.reason) for u in result.unscheduled] == [
        ("m1", "no slot in its fixed slot 2 in which all its participants are available")
    ]


def test_a_meeting_that_cannot_be_placed_does_not_stop_the_others_being_optimised():
    # m1 is fixed in slot 2, where b is away: the three others still go side by side, and
    # both the bounds (breaks, placed priority) leave m1 out.
    instance = tiny(
        meetings=[
            meeting("m1", "a", "b", fixed_slot=2, priority=5),
            meeting("m2", "a", "c"),
            meeting("m3", "a", "d"),
            meeting("m4", "b", "c"),
        ]
    )
    result = solve(instance, time_limit=10)
    assert result.status == Status.PARTIAL and [u.id for u in result.unscheduled] == ["m1"]
    assert (result.total_breaks, result.lower_bound, result.placed_upper_bound) == (0, 0, 3)
    assert validate_result(instance, result) == []


def test_it_schedules_a_loose_event_without_a_break_and_proves_it():
    # 60 people with 1 to 8 meetings in 12 slots: CP-SAT's first schedules have dozens of
    # breaks (18 after 4 s before the heuristic); the side-by-side construction and the
    # annealing find none in a second or two.
    instance = parse_instance(loose_instance_data(1, participants=60, slots=12))
    result = solve(instance, time_limit=6)
    assert (result.status, result.total_breaks, result.lower_bound) == (Status.OPTIMAL, 0, 0)
    assert validate_result(instance, result) == []
    assert (greedy_schedule(instance).total_breaks or 0) > 20


def test_it_places_the_higher_priority_first():
    instance = tiny(
        tables=1,
        sessions=[],
        slot_count=1,
        participants=[{"id": p} for p in "abcd"],
        meetings=[meeting("m1", "a", "b"), meeting("m2", "c", "d", priority=5)],
    )
    result = solve(instance, time_limit=10)
    assert [p.id for p in result.meetings] == ["m2"]
    assert [u.id for u in result.unscheduled] == ["m1"]


def test_it_respects_precedences_and_sessions():
    instance = tiny()
    result = solve(instance, time_limit=10, seed=3)
    slots = result.slots()
    assert slots["m3"] > slots["m2"] and slots["m2"] <= 3
    assert (result.status, result.total_breaks) == (Status.OPTIMAL, 0)
    assert solve(instance, time_limit=10, seed=3).slots() == slots


def test_the_greedy_takes_the_first_free_slot():
    result = greedy_schedule(tiny())
    assert result.slots() == {"m1": 1, "m2": 2, "m3": 3, "m4": 3}
    assert [(p.id, p.table) for p in result.meetings][:2] == [("m1", 1), ("m2", 1)]
    assert validate_result(tiny(), result, fairness=None) == []


def test_the_neighbourhood_search_improves_a_first_schedule():
    import time

    from osmose.matchmaking.scheduler.solver import _break_model, _first_then_lns, _Problem
    from osmose.matchmaking.scheduler.validate import compute_breaks

    instance = tiny(
        participants=[{"id": p, "unavailable_slots": [3] if p == "a" else []} for p in "abcd"],
        meetings=[
            meeting("m1", "a", "b", fixed_slot=1),
            meeting("m2", "a", "c", session="afternoon"),
            meeting("m3", "c", "d"),
            meeting("m4", "b", "d", session="afternoon"),
        ],
    )
    problem = _Problem(instance)
    built = _break_model(problem, 2, None, {})
    started = time.monotonic()
    # An understated bound (0, the optimum is 2) keeps the search going until the deadline.
    slots = _first_then_lns(
        problem,
        built,
        0,
        started + 2,
        started,
        0,
        2,
        lambda s: sum(compute_breaks(instance, s).values()),
    )
    assert slots is not None and len(slots) == 4
    assert validate_result(instance, _as_result_of(instance, slots)) == []
    assert sum(compute_breaks(instance, slots).values()) == 2


def _as_result_of(instance, slots):
    from osmose.matchmaking.scheduler.solver import _as_result, _Problem

    return _as_result(_Problem(instance), slots, 2, None, 0.0, False)
