from typing import Any

from osmose.matchmaking.scheduler import (
    Placement,
    Result,
    Status,
    Unscheduled,
    compute_breaks,
    parse_instance,
    validate_result,
)
from osmose.matchmaking.tests.helpers import instance_data, meeting

INSTANCE = parse_instance(instance_data())
# a: m2 (1), m3 (2), m1 (3); b: m1 (3), m4 (4); c: m2 (1), m4 (4) → one break, c's.
GOOD = {"m1": (3, 1), "m2": (1, 1), "m3": (2, 1), "m4": (4, 1)}


def result(slots=GOOD, **fields) -> Result:
    placements = [Placement(id, slot, table) for id, (slot, table) in slots.items()]
    values: dict[str, Any] = {"instance": "tiny", "status": Status.FEASIBLE, "total_breaks": 1}
    values.update(fields)
    return Result(meetings=placements, **values)


def moved(**changes) -> dict:
    return {**GOOD, **changes}


def test_it_accepts_a_valid_schedule():
    assert validate_result(INSTANCE, result()) == []


def test_a_gap_of_three_slots_is_one_break():
    instance = parse_instance(
        instance_data(
            slot_count=8,
            sessions=[],
            meetings=[meeting("m1", "a", "b"), meeting("m2", "a", "c"), meeting("m3", "a", "d")],
        )
    )
    breaks = compute_breaks(instance, {"m1": 1, "m2": 5, "m3": 6})
    assert breaks == {"a": 1, "b": 0, "c": 0, "d": 0}
    assert compute_breaks(instance, {"m1": 1, "m2": 3, "m3": 8})["a"] == 2
    assert compute_breaks(instance, {"m1": 7, "m2": 6, "m3": 5})["a"] == 0


def test_it_catches_a_participant_in_two_meetings_at_once():
    problems = validate_result(INSTANCE, result(moved(m3=(1, 2)), total_breaks=1))
    assert any("'a' has 2 meetings in slot 1" in p for p in problems)


def test_it_catches_a_table_used_twice():
    problems = validate_result(INSTANCE, result(moved(m4=(1, 1))))
    assert any("table 1 is used twice in slot 1" in p for p in problems)


def test_it_catches_a_table_or_slot_that_does_not_exist():
    problems = validate_result(INSTANCE, result(moved(m4=(4, 3))))
    assert any("no table 3" in p for p in problems)
    problems = validate_result(INSTANCE, result(moved(m4=(7, 1))))
    assert any("no such slot" in p for p in problems)


def test_it_catches_a_meeting_outside_its_session():
    problems = validate_result(INSTANCE, result(moved(m2=(4, 2))))
    assert any("outside its session 'morning'" in p for p in problems)


def test_it_catches_an_unavailable_participant():
    problems = validate_result(INSTANCE, result(moved(m1=(2, 2))))
    assert any("'b' is unavailable then" in p for p in problems)


def test_it_catches_a_moved_fixed_meeting():
    data = instance_data()
    data["meetings"][3]["fixed_slot"] = 5
    problems = validate_result(parse_instance(data), result())
    assert any("fixed to slot 5" in p for p in problems)


def test_it_catches_a_broken_precedence():
    problems = validate_result(INSTANCE, result(moved(m2=(2, 1), m3=(1, 1))))
    assert any("must come after 'm2'" in p for p in problems)


def test_it_catches_a_wrong_total_and_an_unfair_schedule():
    problems = validate_result(INSTANCE, result(total_breaks=0))
    assert problems == ["total_breaks is 0, the schedule has 1"]
    problems = validate_result(parse_instance(instance_data(fairness=0)), result())
    assert any("fairness 0 broken: 'c' has 1 breaks" in p for p in problems)
    assert validate_result(parse_instance(instance_data(fairness=0)), result(), fairness=None) == []


def test_it_catches_missing_duplicated_and_unknown_meetings():
    slots = {k: v for k, v in GOOD.items() if k != "m4"}
    problems = validate_result(INSTANCE, result(slots, total_breaks=0))
    assert any("neither placed nor unscheduled: m4" in p for p in problems)
    twice = result()
    twice.meetings.append(Placement("m4", 5, 1))
    assert any("placed twice" in p for p in validate_result(INSTANCE, twice))
    assert any(
        "not in the instance" in p for p in validate_result(INSTANCE, result(moved(m9=(5, 1))))
    )


def test_it_checks_the_status_against_the_unscheduled_meetings():
    slots = {k: v for k, v in GOOD.items() if k != "m4"}
    partial = result(slots, total_breaks=0, unscheduled=[Unscheduled("m4", "no room")])
    assert validate_result(INSTANCE, partial) == ["status feasible but 1 meetings unscheduled"]
    partial.status = Status.PARTIAL
    assert validate_result(INSTANCE, partial) == []
    assert validate_result(INSTANCE, result(status=Status.PARTIAL)) == [
        "status partial but every meeting is placed"
    ]
    assert validate_result(INSTANCE, result(status=Status.OPTIMAL, lower_bound=0)) == [
        "an optimal result's lower bound must equal its total"
    ]


def test_an_infeasible_result_places_nothing_and_its_fallback_is_checked():
    empty = Result("tiny", Status.INFEASIBLE, None)
    assert validate_result(INSTANCE, empty) == []
    empty.without_fairness = result(moved(m4=(1, 1)))
    assert any(p.startswith("without_fairness: table 1") for p in validate_result(INSTANCE, empty))
