"""The SVG chart helpers: well-formed, labelled, accessible, no inline styles."""

import re
from datetime import date
from xml.etree import ElementTree

import pytest
from django.utils import translation

from osmose.core import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output)
    assert root.tag == f"{SVG}svg"
    return root


def desc(root: ElementTree.Element) -> str:
    return "".join(root.find(f"{SVG}desc").itertext())  # type: ignore[union-attr]


def number(node: ElementTree.Element, name: str) -> float:
    return float(node.get(name, "nan"))


def texts(root: ElementTree.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def assert_accessible(root: ElementTree.Element, title: str) -> None:
    assert root.get("role") == "img"
    title_node = root.find(f"{SVG}title")
    desc_node = root.find(f"{SVG}desc")
    assert title_node is not None and title_node.text == title
    assert desc_node is not None and desc_node.text
    assert root.get("aria-labelledby") == f"{title_node.get('id')} {desc_node.get('id')}"
    for node in root.iter():
        assert "style" not in node.attrib, node.tag


def contrast(colour: str, other: str = "#ffffff") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(colour), luminance(other)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_palette_reads_against_white_and_carries_white_text():
    for colour in [*charts.PALETTE, *charts.SECTOR_COLOURS.values()]:
        assert contrast(colour) >= 4.5, colour
    assert contrast(charts.INK) >= 7
    assert contrast(charts.INK_SOFT) >= 4.5


def test_a_horizontal_bar_chart_labels_every_bar_with_its_value():
    svg = charts.horizontal_bar_chart(
        [("Company", 12), ("Academic lab & co <tests>", 7), ("Unknown", 0)],
        title="Kinds of organisations",
    )
    root = parse(svg)
    assert_accessible(root, "Kinds of organisations")
    shown = texts(root)
    assert "Academic lab & co <tests>" in shown
    assert {"12", "7", "0"} <= set(shown)
    widths = [number(r, "width") for r in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] == 0
    assert "Company: 12" in desc(root)


def test_a_bar_chart_draws_one_bar_per_item_on_a_round_scale():
    root = parse(
        charts.bar_chart([("1", 0), ("2", 1), ("3", 2), ("4", 5), ("5", 3)], title="Satisfaction")
    )
    assert_accessible(root, "Satisfaction")
    assert len(list(root.iter(f"{SVG}rect"))) == 5
    # The axis goes up to 5 (a round number at or above the largest value).
    assert "5" in texts(root)


def test_a_line_chart_has_a_legend_and_dashes_for_several_series():
    first = charts.Series("Confirmed", [(date(2026, 1, 8), 60), (date(2026, 3, 12), 70)])
    second = charts.Series("Attended", [(date(2026, 1, 8), 50), (date(2026, 3, 12), 61)])
    with translation.override("en"):
        root = parse(charts.line_chart([first, second], title="Attendance"))
    assert_accessible(root, "Attendance")
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
    shown = texts(root)
    assert "Confirmed" in shown and "Attended" in shown
    assert "01/08/2026" in shown
    assert "Attended" in desc(root)


def test_a_share_bar_chart_adds_up_to_the_full_width():
    root = parse(
        charts.share_bar_chart(
            [("", [6, 3, 1, 0])],
            categories=[
                ("Private", charts.SECTOR_COLOURS["private"]),
                ("Public", charts.SECTOR_COLOURS["public"]),
                ("Non-profit", charts.SECTOR_COLOURS["non_profit"]),
                ("Unknown", charts.SECTOR_COLOURS["unknown"]),
            ],
            title="Mix",
            width=500,
        )
    )
    assert_accessible(root, "Mix")
    segments = [r for r in root.iter(f"{SVG}rect") if number(r, "y") > 20]
    assert [s.get("fill") for s in segments] == ["#a8520b", "#0b6e69", "#3b5ba5"]
    assert sum(number(s, "width") for s in segments) == pytest.approx(498, abs=0.5)
    description = desc(root)
    assert "Private 60" in description and "Unknown 0" in description


def test_several_share_rows_compare_events():
    root = parse(
        charts.share_bar_chart(
            [("Afterwork 1", [1, 1]), ("Afterwork 2", [0, 4]), ("Nobody yet", [0, 0])],
            categories=[("A", charts.PALETTE[0]), ("B", charts.PALETTE[1])],
            title="Over time",
        )
    )
    assert {"Afterwork 1", "Afterwork 2", "Nobody yet"} <= set(texts(root))


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.horizontal_bar_chart([], title="Empty"),
        lambda: charts.bar_chart([], title="Empty"),
        lambda: charts.line_chart([charts.Series("x", [])], title="Empty"),
        lambda: charts.share_bar_chart(
            [("", [0, 0])], categories=[("a", "#000000")] * 2, title="Empty"
        ),
    ],
)
def test_a_chart_without_data_says_so(draw):
    root = parse(draw())
    assert_accessible(root, "Empty")
    assert texts(root)


def test_ids_are_stable_and_can_be_chosen():
    items = [("a", 1)]
    assert charts.bar_chart(items, title="T") == charts.bar_chart(items, title="T")
    svg = charts.bar_chart(items, title="T", chart_id="chart-mine")
    assert re.search(r'aria-labelledby="chart-mine-title chart-mine-desc"', svg)


def test_long_labels_are_shortened_in_the_drawing_but_kept_in_the_tooltip():
    label = "Institut national de recherche pour l'agriculture, l'alimentation et l'environnement"
    root = parse(charts.horizontal_bar_chart([(label, 3)], title="Long", width=400))
    assert label not in texts(root)
    assert any(t.endswith("…") for t in texts(root))
    assert any(label in "".join(n.itertext()) for n in root.iter(f"{SVG}title"))
