"""The network page's figures as rows (CSV, XLSX) and the tie list of a period.

Funders get the aggregates only: the bridging and isolated organisations (names) are left
out of their download (``with_names=False``).
"""

import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from osmose.network import graph
from osmose.network.graph import Metrics
from osmose.registry.exports import safe_cell

FIGURE_COLUMNS = ["section", "key", "label", "value", "detail"]
TIE_COLUMNS = [
    "organisation_a_id", "organisation_a", "sector_a", "organisation_b_id", "organisation_b",
    "sector_b", "first_date", "kinds", "crosses_private_public", "ties",
]  # fmt: skip


def kind_labels() -> dict[str, str]:
    return {
        "event": _("Co-attendance at an event"),
        "meeting": _("B2B meeting"),
        "introduction": _("Introduction"),
        "collaboration": _("Collaboration"),
    }


def summary(metrics: Metrics) -> list[tuple[str, str, Any]]:
    """(key, label, value) of the headline figures."""
    return [
        ("organisations", _("Organisations with a tie"), metrics.organisations),
        ("ties", _("Ties (pairs of organisations)"), metrics.ties),
        ("cross_ties", _("Private–public ties"), metrics.cross_ties),
        ("osmosis_index", _("Osmosis index"), metrics.osmosis_index),
        ("new_ties", _("New ties"), metrics.new_ties),
        ("new_cross_ties", _("New private–public ties"), metrics.new_cross_ties),
    ]


def sections(metrics: Metrics, *, with_names: bool = True) -> list[tuple[str, list[list[Any]]]]:
    """The figures as (section, rows of key, label, value, detail)."""
    labels = kind_labels()
    result: list[tuple[str, list[list[Any]]]] = [
        (
            "period",
            [
                ["from", pgettext("period", "From"), metrics.start, ""],
                ["to", pgettext("period", "To"), metrics.end, ""],
            ],
        ),
        ("summary", [[k, label, "" if v is None else v, ""] for k, label, v in summary(metrics)]),
        (
            "ties_by_kind",
            [[k, labels.get(k, k), count, ""] for k, count in metrics.ties_by_kind.items()],
        ),
        (
            "trend",
            [
                [
                    row["from"],
                    f"{row['from']} – {row['to']}",
                    "" if row["osmosis_index"] is None else row["osmosis_index"],
                    f"{row['cross_ties']}/{row['ties']}",
                ]
                for row in metrics.trend
            ],
        ),
    ]
    if with_names:
        result.append(
            (
                "bridging",
                [
                    [
                        row["id"],
                        row["name"],
                        row["betweenness"],
                        f"{row['cross_ties']}/{row['ties']}",
                    ]
                    for row in metrics.bridging
                ],
            )
        )
        result.append(
            (
                "isolated",
                [[row["id"], row["name"], row["sector"], row["kind"]] for row in listed(metrics)],
            )
        )
    return result


def listed(metrics: Metrics) -> list[dict]:
    """The isolated organisations named (the last row may only count the others)."""
    return [row for row in metrics.isolated if "id" in row]


def tie_rows(start: date | None, end: date | None) -> Iterator[list[Any]]:
    """One row per pair of organisations tied in [start, end]."""
    network = graph.organisation_graph(start, end)
    nodes = network.nodes
    for a, b, data in sorted(network.edges(data=True), key=lambda e: (e[2]["first"], e[0], e[1])):
        first, second = (a, b) if a < b else (b, a)
        yield [
            first,
            nodes[first].get("name", ""),
            nodes[first].get("sector", ""),
            second,
            nodes[second].get("name", ""),
            nodes[second].get("sector", ""),
            data["first"],
            "|".join(sorted(data["kinds"])),
            graph.crosses(network, first, second),
            data["weight"],
        ]


def xlsx_sheets(sheets: Sequence[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    """One sheet per (title, header, rows)."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
