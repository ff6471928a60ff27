import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from osmose.matchmaking.scheduler import load_instance, validate_result
from osmose.matchmaking.scheduler.result import load_result
from osmose.matchmaking.tests.helpers import instance_data, sample


def write(tmp_path, data) -> str:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_it_writes_a_result_that_passes_the_validator(tmp_path):
    output = tmp_path / "result.json"
    out = StringIO()
    call_command(
        "schedule-meetings", str(sample("tic-12.original")), "--time-limit", "30",
        "--output", str(output), "--seed", "1", stdout=out,
    )  # fmt: skip
    result = load_result(output)
    assert result.status == "optimal" and result.total_breaks == 0
    assert validate_result(load_instance(sample("tic-12.original")), result) == []
    assert out.getvalue().startswith("tic-12.original: optimal, 0 breaks, 125 placed")


def test_it_prints_the_result_without_output(tmp_path):
    out = StringIO()
    call_command(
        "schedule-meetings", write(tmp_path, instance_data()), stdout=out, stderr=StringIO()
    )
    data = json.loads(out.getvalue())
    assert data["format"] == "osmose-b2b-result/1"
    assert data["status"] == "optimal" and len(data["meetings"]) == 4


def test_it_reports_infeasible_fairness_with_success(tmp_path):
    data = instance_data(
        fairness=0,
        sessions=[],
        meetings=[
            {"id": "m1", "participants": ["a", "b"], "fixed_slot": 1},
            {"id": "m2", "participants": ["a", "c"], "fixed_slot": 3},
        ],
    )
    output = tmp_path / "result.json"
    call_command(
        "schedule-meetings", write(tmp_path, data), "--output", str(output), stdout=StringIO()
    )
    result = load_result(output)
    assert result.status == "infeasible" and result.without_fairness is not None
    assert result.without_fairness.total_breaks == 1
    call_command(
        "schedule-meetings", write(tmp_path, data), "--output", str(output), "--fairness", "none",
        stdout=StringIO(),
    )  # fmt: skip
    assert load_result(output).status == "optimal"


def test_a_malformed_file_stops_with_a_message_naming_the_field(tmp_path):
    data = instance_data()
    data["meetings"][1]["participants"][1] = "p99"
    with pytest.raises(
        CommandError, match=r"meetings\[1\]\.participants\[1\]: unknown participant"
    ):
        call_command("schedule-meetings", write(tmp_path, data))


def test_the_osmose_command_exits_non_zero_on_a_malformed_file(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, instance_data(format="b2b"))
    done = subprocess.run(
        [sys.executable, "-m", "osmose", "schedule-meetings", path],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "format: expected 'osmose-b2b/1', got 'b2b'" in done.stderr
    path = write(tmp_path, instance_data())
    done = subprocess.run(
        [sys.executable, "-m", "osmose", "schedule-meetings", path, "--time-limit", "5"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "optimal"


def test_an_over_subscribed_instance_places_the_most_and_lists_the_rest(tmp_path):
    # Three meetings of "a" in a two-slot day: one cannot be placed.
    data = instance_data(
        slot_count=2,
        sessions=[],
        fairness=None,
        participants=[{"id": p, "unavailable_slots": []} for p in "abcd"],
        meetings=[
            {"id": "m1", "participants": ["a", "b"]},
            {"id": "m2", "participants": ["a", "c"]},
            {"id": "m3", "participants": ["a", "d"], "priority": 3},
        ],
    )
    output = tmp_path / "result.json"
    call_command(
        "schedule-meetings", write(tmp_path, data), "--output", str(output), stdout=StringIO()
    )
    result = load_result(output)
    assert result.status == "partial"
    assert {p.id for p in result.meetings} >= {"m3"} and len(result.meetings) == 2
    assert len(result.unscheduled) == 1 and result.unscheduled[0].reason
    assert result.placed_upper_bound == 4  # priorities 3 + 1 at most
    assert validate_result(load_instance(tmp_path / "instance.json"), result) == []
