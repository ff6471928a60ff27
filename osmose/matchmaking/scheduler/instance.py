"""The `osmose-b2b/1` instance: parsing with errors that name the field, and the allowed slots.

The format is described in ``shared/data/b2b/FORMAT.md``. One Osmose extension: a meeting may
carry ``"priority"`` (an integer ≥ 1, default 1); when not every meeting fits, the scheduler
maximises the sum of the priorities of the meetings it places.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "osmose-b2b/1"

_TOP_KEYS = {"format", "name", "slot_count", "sessions", "tables", "fairness", "participants"}
_TOP_KEYS |= {"meetings"}
_SESSION_KEYS = {"name", "first_slot", "last_slot"}
_PARTICIPANT_KEYS = {"id", "unavailable_slots"}
_MEETING_KEYS = {"id", "participants", "session", "fixed_slot", "after", "priority"}


class InstanceError(ValueError):
    """A malformed instance; ``path`` names the field (``meetings[12].participants[1]``)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class Session:
    name: str
    first_slot: int
    last_slot: int

    def slots(self) -> range:
        return range(self.first_slot, self.last_slot + 1)


@dataclass(frozen=True)
class Participant:
    id: str
    unavailable_slots: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Meeting:
    id: str
    participants: tuple[str, ...]
    session: str | None = None
    fixed_slot: int | None = None
    after: tuple[str, ...] = ()
    priority: int = 1


@dataclass(frozen=True)
class Instance:
    name: str
    slot_count: int
    tables: int
    participants: tuple[Participant, ...]
    meetings: tuple[Meeting, ...]
    sessions: tuple[Session, ...] = ()
    fairness: int | None = None
    _participant_index: dict[str, Participant] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._participant_index.update((p.id, p) for p in self.participants)

    def participant(self, participant_id: str) -> Participant:
        return self._participant_index[participant_id]

    def session(self, name: str) -> Session:
        return next(s for s in self.sessions if s.name == name)

    def allowed_slots(self, meeting: Meeting) -> list[int]:
        """Slots where the meeting may go: its session, its fixed slot, everyone available."""
        if meeting.session is None:
            slots = set(range(1, self.slot_count + 1))
        else:
            slots = set(self.session(meeting.session).slots())
        if meeting.fixed_slot is not None:
            slots &= {meeting.fixed_slot}
        for participant_id in meeting.participants:
            slots -= self.participant(participant_id).unavailable_slots
        return sorted(slots)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "name": self.name,
            "slot_count": self.slot_count,
            "sessions": [
                {"name": s.name, "first_slot": s.first_slot, "last_slot": s.last_slot}
                for s in self.sessions
            ],
            "tables": self.tables,
            "fairness": self.fairness,
            "participants": [
                {"id": p.id, "unavailable_slots": sorted(p.unavailable_slots)}
                for p in self.participants
            ],
            "meetings": [],
        }
        for m in self.meetings:
            meeting: dict[str, Any] = {
                "id": m.id,
                "participants": list(m.participants),
                "session": m.session,
                "fixed_slot": m.fixed_slot,
                "after": list(m.after),
            }
            if m.priority != 1:
                meeting["priority"] = m.priority
            data["meetings"].append(meeting)
        return data


def load_instance(path: str | Path) -> Instance:
    """Read and parse an instance file; raises :class:`InstanceError` on any defect."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InstanceError("", f"cannot read {path}: {error.strerror or error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstanceError(
            "", f"not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        ) from error
    return parse_instance(data)


def _object(value: Any, path: str, keys: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InstanceError(path, f"expected an object, got {_kind(value)}")
    for key in value:
        if key not in keys:
            raise InstanceError(_join(path, key), f"unknown field (expected one of {_list(keys)})")
    for key in sorted(required):
        if key not in value:
            raise InstanceError(_join(path, key), "missing")
    return value


def _int(value: Any, path: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(path, f"expected an integer, got {_kind(value)}")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"{minimum}..{maximum}" if maximum is not None else f"≥ {minimum}"
        raise InstanceError(path, f"{value} is out of range ({bounds})")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise InstanceError(path, f"expected a non-empty string, got {_kind(value)}")
    return value


def _array(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InstanceError(path, f"expected an array, got {_kind(value)}")
    return value


def parse_instance(data: Any) -> Instance:
    """Check every field of an `osmose-b2b/1` document and build the :class:`Instance`.

    Errors name the field by its path (``meetings[3].after[0]: unknown meeting "m99"``).
    Rules that only make the problem infeasible (a fixed slot outside the meeting's session,
    more meetings than slots) are not errors: the solver reports them.
    """
    top = _object(data, "", _TOP_KEYS, _TOP_KEYS)
    if top["format"] != FORMAT:
        raise InstanceError("format", f"expected {FORMAT!r}, got {top['format']!r}")
    name = _str(top["name"], "name")
    slot_count = _int(top["slot_count"], "slot_count", 1)
    tables = _int(top["tables"], "tables", 1)
    fairness = None if top["fairness"] is None else _int(top["fairness"], "fairness", 0)

    sessions: list[Session] = []
    for index, raw in enumerate(_array(top["sessions"], "sessions")):
        path = f"sessions[{index}]"
        item = _object(raw, path, _SESSION_KEYS, _SESSION_KEYS)
        session_name = _str(item["name"], f"{path}.name")
        if any(s.name == session_name for s in sessions):
            raise InstanceError(f"{path}.name", f"duplicate session {session_name!r}")
        first = _int(item["first_slot"], f"{path}.first_slot", 1, slot_count)
        last = _int(item["last_slot"], f"{path}.last_slot", first, slot_count)
        sessions.append(Session(session_name, first, last))

    participants: list[Participant] = []
    seen_participants: set[str] = set()
    for index, raw in enumerate(_array(top["participants"], "participants")):
        path = f"participants[{index}]"
        item = _object(raw, path, _PARTICIPANT_KEYS, {"id"})
        participant_id = _str(item["id"], f"{path}.id")
        if participant_id in seen_participants:
            raise InstanceError(f"{path}.id", f"duplicate participant id {participant_id!r}")
        seen_participants.add(participant_id)
        unavailable = _array(item.get("unavailable_slots", []), f"{path}.unavailable_slots")
        slots = frozenset(
            _int(slot, f"{path}.unavailable_slots[{i}]", 1, slot_count)
            for i, slot in enumerate(unavailable)
        )
        participants.append(Participant(participant_id, slots))

    session_names = {s.name for s in sessions}
    raw_meetings = _array(top["meetings"], "meetings")
    meeting_ids: dict[str, int] = {}
    for index, raw in enumerate(raw_meetings):
        item = _object(raw, f"meetings[{index}]", _MEETING_KEYS, {"id", "participants"})
        meeting_id = _str(item["id"], f"meetings[{index}].id")
        if meeting_id in meeting_ids:
            raise InstanceError(
                f"meetings[{index}].id",
                f"duplicate meeting id {meeting_id!r} (also meetings[{meeting_ids[meeting_id]}])",
            )
        meeting_ids[meeting_id] = index

    meetings: list[Meeting] = []
    for index, item in enumerate(raw_meetings):
        path = f"meetings[{index}]"
        people = _array(item["participants"], f"{path}.participants")
        if len(people) < 2:
            raise InstanceError(f"{path}.participants", "a meeting needs at least 2 participants")
        for i, participant_id in enumerate(people):
            if participant_id not in seen_participants:
                raise InstanceError(
                    f"{path}.participants[{i}]", f"unknown participant {participant_id!r}"
                )
            if participant_id in people[:i]:
                raise InstanceError(
                    f"{path}.participants[{i}]", f"participant {participant_id!r} listed twice"
                )
        session = item.get("session")
        if session is not None and session not in session_names:
            raise InstanceError(f"{path}.session", f"unknown session {session!r}")
        fixed = item.get("fixed_slot")
        if fixed is not None:
            fixed = _int(fixed, f"{path}.fixed_slot", 1, slot_count)
        after = _array(item.get("after", []), f"{path}.after")
        for i, other in enumerate(after):
            if other not in meeting_ids:
                raise InstanceError(f"{path}.after[{i}]", f"unknown meeting {other!r}")
            if other == item["id"]:
                raise InstanceError(f"{path}.after[{i}]", "a meeting cannot follow itself")
        priority = _int(item.get("priority", 1), f"{path}.priority", 1)
        meetings.append(Meeting(item["id"], tuple(people), session, fixed, tuple(after), priority))
    _check_acyclic(meetings)
    return Instance(
        name=name,
        slot_count=slot_count,
        tables=tables,
        participants=tuple(participants),
        meetings=tuple(meetings),
        sessions=tuple(sessions),
        fairness=fairness,
    )


def _check_acyclic(meetings: list[Meeting]) -> None:
    index = {m.id: i for i, m in enumerate(meetings)}
    state = [0] * len(meetings)  # 0 new, 1 on the stack, 2 done
    for root in range(len(meetings)):
        if state[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, position = stack[-1]
            before = meetings[node].after
            if position == len(before):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, position + 1)
            nxt = index[before[position]]
            if state[nxt] == 1:
                cycle = [meetings[n].id for n, _ in stack]
                cycle = [*cycle[cycle.index(meetings[nxt].id) :], meetings[nxt].id]
                raise InstanceError(
                    f"meetings[{node}].after[{position}]",
                    "cyclic precedence: " + " → ".join(reversed(cycle)),
                )
            if state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, 0))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__
