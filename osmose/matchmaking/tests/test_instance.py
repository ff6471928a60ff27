import json

import pytest

from osmose.matchmaking.scheduler import InstanceError, load_instance, parse_instance
from osmose.matchmaking.tests.helpers import instance_data, meeting, sample


def error_of(data: object) -> InstanceError:
    with pytest.raises(InstanceError) as caught:
        parse_instance(data)
    return caught.value


def test_it_parses_a_well_formed_instance():
    instance = parse_instance(instance_data())
    assert instance.name == "tiny"
    assert [m.id for m in instance.meetings] == ["m1", "m2", "m3", "m4"]
    assert instance.participant("b").unavailable_slots == {2}
    assert instance.meetings[2].after == ("m2",)
    assert instance.allowed_slots(instance.meetings[0]) == [1, 3, 4, 5, 6]
    assert instance.allowed_slots(instance.meetings[1]) == [1, 2, 3]


def test_it_round_trips_through_to_dict():
    data = instance_data()
    data["meetings"][0]["priority"] = 3
    assert parse_instance(parse_instance(data).to_dict()) == parse_instance(data)


def test_it_reads_every_sample_instance():
    instance = load_instance(sample("forum-14.original"))
    assert (len(instance.participants), len(instance.meetings)) == (78, 302)


def test_it_names_a_missing_format():
    data = instance_data()
    del data["format"]
    assert str(error_of(data)) == "format: missing"


def test_it_rejects_a_wrong_format_string():
    assert str(error_of(instance_data(format="osmose-b2b/2"))) == (
        "format: expected 'osmose-b2b/1', got 'osmose-b2b/2'"
    )


def test_it_names_an_unknown_participant_by_its_path():
    data = instance_data()
    data["meetings"][1]["participants"][1] = "p99"
    assert str(error_of(data)) == "meetings[1].participants[1]: unknown participant 'p99'"


def test_it_rejects_a_slot_out_of_range():
    data = instance_data()
    data["participants"][2]["unavailable_slots"] = [7]
    assert str(error_of(data)) == "participants[2].unavailable_slots[0]: 7 is out of range (1..6)"
    data = instance_data()
    data["meetings"][3]["fixed_slot"] = 0
    assert str(error_of(data)) == "meetings[3].fixed_slot: 0 is out of range (1..6)"


def test_it_rejects_a_duplicate_meeting_id():
    data = instance_data()
    data["meetings"][3]["id"] = "m1"
    assert str(error_of(data)) == "meetings[3].id: duplicate meeting id 'm1' (also meetings[0])"


def test_it_rejects_an_unknown_session():
    data = instance_data()
    data["meetings"][0]["session"] = "evening"
    assert str(error_of(data)) == "meetings[0].session: unknown session 'evening'"


def test_it_rejects_a_cyclic_precedence():
    data = instance_data()
    data["meetings"][1]["after"] = ["m3"]
    error = error_of(data)
    assert error.path.startswith("meetings[")
    assert "cyclic precedence" in error.message
    assert "m2" in error.message and "m3" in error.message


def test_it_rejects_unknown_fields_and_wrong_types():
    data = instance_data()
    data["meetings"][0]["fixed-slot"] = 3
    assert str(error_of(data)).startswith("meetings[0].fixed-slot: unknown field")
    assert str(error_of(instance_data(tables="14"))) == (
        "tables: expected an integer, got the string '14'"
    )
    assert str(error_of(instance_data(fairness=True))) == (
        "fairness: expected an integer, got a boolean"
    )
    assert str(error_of([])) == "expected an object, got an array"


def test_it_rejects_other_defects_naming_the_field():
    data = instance_data()
    data["meetings"].append(meeting("m5", "a"))
    assert (
        str(error_of(data)) == "meetings[4].participants: a meeting needs at least 2 participants"
    )
    data = instance_data()
    data["meetings"][0]["after"] = ["m9"]
    assert str(error_of(data)) == "meetings[0].after[0]: unknown meeting 'm9'"
    data = instance_data()
    data["participants"][3]["id"] = "a"
    assert str(error_of(data)) == "participants[3].id: duplicate participant id 'a'"
    data = instance_data()
    data["sessions"][1]["first_slot"] = 7
    assert str(error_of(data)) == "sessions[1].first_slot: 7 is out of range (1..6)"


def test_it_reports_invalid_json_with_its_position(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "osmose-b2b/1",\n "name": }')
    with pytest.raises(InstanceError, match=r"not valid JSON \(line 2, column 10\)"):
        load_instance(path)
    path.write_text(json.dumps(instance_data()))
    assert load_instance(path).name == "tiny"
