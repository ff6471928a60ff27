"""Reading the schedule: a participant's agenda (page, e-mail, .ics, badge) and the
organiser's grid (slots x tables, on screen and as a PDF for the room)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from osmose.events.models import Registration
from osmose.matchmaking.models import (
    Brokerage,
    Meeting,
    MeetingStatus,
    Participant,
    Slot,
)


@dataclass
class AgendaItem:
    meeting: Meeting
    slot: Slot | None
    table: str
    others: list[Participant] = field(default_factory=list)

    @property
    def with_whom(self) -> str:
        return ", ".join(participant_label(p) for p in self.others)


def participant_label(participant: Participant) -> str:
    """ "Given Family (Organisation)" as the badge and the grid show it."""
    registration = participant.registration
    organisation = (
        registration.organisation.name if registration.organisation else ""
    ) or registration.organisation_name
    name = str(registration.person)
    return f"{name} ({organisation})" if organisation else name


def _participants_query() -> QuerySet[Participant]:
    return Participant.objects.select_related("registration__person", "registration__organisation")


def agenda(participant: Participant) -> list[AgendaItem]:
    """The participant's planned meetings: placed ones in time order, then the unplaced."""
    brokerage = participant.brokerage
    slots = {slot.number: slot for slot in brokerage.slots()}
    meetings = (
        Meeting.objects.filter(participants=participant, status=MeetingStatus.PLANNED)
        .prefetch_related(
            "participants__registration__person", "participants__registration__organisation"
        )
        .order_by("slot", "pk")
    )
    items = [
        AgendaItem(
            meeting=meeting,
            slot=slots.get(meeting.slot) if meeting.slot else None,
            table=brokerage.table_name(meeting.table),
            others=[p for p in meeting.participants.all() if p.pk != participant.pk],
        )
        for meeting in meetings
    ]
    return sorted(items, key=lambda item: (item.slot is None, item.slot.number if item.slot else 0))


def agenda_ics(participant: Participant) -> bytes:
    """The participant's placed meetings as an iCalendar file (one VEVENT each)."""
    brokerage = participant.brokerage
    event = brokerage.event
    calendar = Calendar()
    calendar.add("prodid", "-//Osmose//B2B meetings//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    location = ", ".join(part for part in (event.venue, event.street) if part)
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "osmose"
    for item in agenda(participant):
        if item.slot is None:
            continue
        entry = CalendarEvent()
        entry.add("uid", f"b2b-{item.meeting.pk}-{participant.pk}@{host}")
        entry.add("dtstamp", timezone.now())
        entry.add("dtstart", item.slot.starts_at)
        entry.add("dtend", item.slot.ends_at)
        entry.add(
            "summary",
            _("B2B meeting with %(who)s") % {"who": item.with_whom},
        )
        entry.add("location", " — ".join(part for part in (item.table, location) if part))
        entry.add("description", f"{event.title} · {item.table}")
        calendar.add_component(entry)
    return calendar.to_ical()


def badge_lines(registrations: Sequence[Registration]) -> dict[int, list[str]]:
    """For the events badge: "10:00 · Table 4 · Name" per placed meeting of each registrant,
    once the schedule is published (a fixed number of queries, whatever the count)."""
    pks = [r.pk for r in registrations if r.pk is not None]
    participants = {
        p.pk: p
        for p in _participants_query()
        .filter(registration_id__in=pks, active=True, brokerage__schedule_published=True)
        .select_related("brokerage__event")
    }
    if not participants:
        return {}
    slots: dict[int, dict[int, Slot]] = {}
    for participant in participants.values():
        if participant.brokerage_id not in slots:
            slots[participant.brokerage_id] = {s.number: s for s in participant.brokerage.slots()}
    meetings = (
        Meeting.objects.filter(
            participants__in=list(participants),
            status=MeetingStatus.PLANNED,
            slot__isnull=False,
        )
        .distinct()
        .prefetch_related("participants__registration__person")
        .order_by("slot", "pk")
    )
    rows: dict[int, list[str]] = {}
    for meeting in meetings:
        people = list(meeting.participants.all())
        for participant in people:
            mine = participants.get(participant.pk)
            if mine is None or meeting.slot is None:
                continue
            slot = slots[mine.brokerage_id].get(meeting.slot)
            if slot is None:
                continue
            with timezone.override(mine.brokerage.event.time_zone):
                start = timezone.localtime(slot.starts_at).strftime("%H:%M")
            others = ", ".join(str(p.registration.person) for p in people if p.pk != mine.pk)
            table = mine.brokerage.table_name(meeting.table)
            rows.setdefault(mine.registration_id, []).append(f"{start} · {table} · {others}")
    return rows


@dataclass
class GridRow:
    slot: Slot
    cells: list[Meeting | None]


def grid(brokerage: Brokerage) -> list[GridRow]:
    """Slots x tables; a cell is the meeting at that table in that slot, or None."""
    tables = brokerage.table_count
    placed = (
        Meeting.objects.filter(
            brokerage=brokerage, status=MeetingStatus.PLANNED, slot__isnull=False
        )
        .prefetch_related(
            "participants__registration__person", "participants__registration__organisation"
        )
        .order_by("slot", "table")
    )
    by_slot: dict[int, dict[int, Meeting]] = {}
    for meeting in placed:
        if meeting.slot is not None and meeting.table is not None:
            by_slot.setdefault(meeting.slot, {})[meeting.table] = meeting
    return [
        GridRow(slot, [by_slot.get(slot.number, {}).get(t) for t in range(1, tables + 1)])
        for slot in brokerage.slots()
    ]


def grid_pdf(brokerage: Brokerage) -> bytes:
    """The grid for the room: A4 landscape pages, up to ten tables a page."""
    from weasyprint import HTML

    rows = grid(brokerage)
    per_page = 10
    table_numbers = list(range(1, brokerage.table_count + 1))
    pages = []
    for start in range(0, len(table_numbers), per_page):
        numbers = table_numbers[start : start + per_page]
        pages.append(
            {
                "tables": [brokerage.table_name(n) for n in numbers],
                "rows": [
                    {"slot": row.slot, "cells": row.cells[start : start + per_page]} for row in rows
                ],
            }
        )
    event = brokerage.event
    with timezone.override(event.time_zone):
        html = render_to_string(
            "matchmaking/pdf/grid.html",
            {
                "brokerage": brokerage,
                "event": event,
                "pages": pages,
                "generated": timezone.localtime(),
                "language": translation.get_language(),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def slot_label(slot: Slot, time_zone: str) -> str:
    with timezone.override(time_zone):
        start: datetime = timezone.localtime(slot.starts_at)
        end: datetime = timezone.localtime(slot.ends_at)
    return f"{start:%H:%M}–{end:%H:%M}"
