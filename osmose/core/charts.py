"""Small server-side SVG charts: the same markup goes into a page, a download and the PDF report.

Every chart is one ``<svg>`` string with ``role="img"``, a ``<title>`` and a ``<desc>`` (which
lists the figures, so a screen reader hears the data) referenced by ``aria-labelledby``. Colours
are given as presentation attributes (``fill=``), never ``style=``: the Content-Security-Policy
forbids inline styles, and WeasyPrint reads attributes too. The palette keeps a 3:1 contrast
against white for shapes and 4.5:1 for the white text written on them; text outside shapes is
dark ink. Pages still show the figures in a table next to the chart: the chart is a picture
of the table, not a replacement for it.
"""

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

INK = "#1c2430"
INK_SOFT = "#4a5568"
GRID = "#d5dbe1"
AXIS = "#8a96a3"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
FONT_SIZE = 12
# Each at least 4.5:1 against white, so white labels on them and the shapes themselves read.
PALETTE = [
    "#0b6e69",  # teal (the brand)
    "#a8520b",  # ochre
    "#3b5ba5",  # blue
    "#7a3e9d",  # purple
    "#5f6b7a",  # slate
    "#9b2c5a",  # raspberry
    "#2f6b2f",  # green
    "#7d5a00",  # bronze
]
# The private / public / non-profit mix reads the same in every chart of the product.
SECTOR_COLOURS = {
    "private": "#a8520b",
    "public": "#0b6e69",
    "non_profit": "#3b5ba5",
    "unknown": "#5f6b7a",
}
# Line series differ by dash as well as colour: colour is never the only cue.
DASHES = ["", "6 4", "2 3", "10 3 2 3"]

Number = int | float
Formatter = Callable[[Number], str]


@dataclass(frozen=True)
class Series:
    """One line of a line chart: (date or datetime, value) points in time order."""

    name: str
    points: Sequence[tuple[date | datetime, Number]]


def format_number(value: Number) -> str:
    """Localised: an integer as an integer, anything else with one decimal."""
    # Django's number_format truncates: round first (2/3 is 0.7, not 0.6).
    if float(value).is_integer():
        return number_format(int(value), 0, force_grouping=True)
    return number_format(round(value, 1), 1, force_grouping=True)


def format_percent(value: Number) -> str:
    """A share between 0 and 1 as a localised percentage."""
    # Translators: a percentage; French writes a space before the sign.
    return _("%(percent)s%%") % {"percent": number_format(round(value * 100), 0)}


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def _text(value: object) -> str:
    return escape(str(value))


def _chart_id(title: str, payload: object) -> str:
    digest = hashlib.sha1(f"{title}|{payload!r}".encode(), usedforsecurity=False).hexdigest()
    return f"chart-{digest[:10]}"


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    # An estimate (no font metrics on the server): 0.58 em per character fits system fonts.
    return len(text) * size * 0.58


def _fit(text: str, width: float, size: int = FONT_SIZE) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    if _text_width(text, size) <= width:
        return text
    keep = max(1, int(width / (size * 0.58)) - 1)
    return text[:keep].rstrip() + "…"


def _nice_ceiling(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)


def _whole_steps() -> Iterator[int]:
    """1, 2, 5, 10, 20, 50…"""
    scale = 1
    while True:
        for step in (1, 2, 5):
            yield step * scale
        scale *= 10


def _ticks(values: Sequence[Number], count: int = 4) -> list[float]:
    """Axis ticks from 0 to a round maximum; whole numbers only when the values are counts."""
    maximum = max((float(v) for v in values), default=0.0)
    if all(float(v).is_integer() for v in values):
        wanted = max(maximum, 1) / count
        step = next(s for s in _whole_steps() if s >= wanted)
        last = step * max(1, math.ceil(maximum / step))
        return [float(t) for t in range(0, last + 1, step)]
    top = _nice_ceiling(maximum)
    return [top * i / count for i in range(count + 1)]


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{_attr(FONT)}" font-size="{FONT_SIZE}" '
        f'fill="{INK}">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(description)}</desc>',
    ]


def _summary(items: Sequence[tuple[str, Number]], formatter: Formatter, limit: int = 40) -> str:
    parts = [f"{label}: {formatter(value)}" for label, value in items[:limit]]
    if len(items) > limit:
        parts.append("…")
    return "; ".join(parts) + "." if parts else _("No data.")


def _empty(chart_id: str, width: int, title: str, description: str) -> str:
    height = 60
    empty = _("No data yet.")  # outside the f-string, where xgettext finds it
    return "".join(
        [
            *_open(chart_id, width, height, title, description or _("No data.")),
            f'<text x="{width / 2:.1f}" y="{height / 2 + 4:.1f}" text-anchor="middle" '
            f'fill="{INK_SOFT}">{_text(empty)}</text>',
            "</svg>",
        ]
    )


def horizontal_bar_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    description: str = "",
    value_format: Formatter = format_number,
    colour: str = PALETTE[0],
    colours: Sequence[str] | None = None,
    width: int = 640,
    chart_id: str | None = None,
) -> str:
    """One bar per (label, value), largest scale first as given; for categories with long names."""
    chart_id = chart_id or _chart_id(title, items)
    description = description or _summary(items, value_format)
    if not items:
        return _empty(chart_id, width, title, description)
    row, bar, top = 28, 18, 8
    height = top * 2 + row * len(items)
    value_room = max(_text_width(value_format(v)) for _label, v in items) + 12
    label_room = min(max(_text_width(label) for label, _v in items) + 8, width * 0.4)
    left = label_room + 8
    bar_room = max(width - left - value_room - 8, 10)
    top_value = max((float(v) for _label, v in items), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    parts.append(
        f'<line x1="{left:.1f}" y1="{top}" x2="{left:.1f}" y2="{height - top}" stroke="{AXIS}"/>'
    )
    for index, (label, value) in enumerate(items):
        y = top + index * row
        length = bar_room * float(value) / top_value
        fill = colours[index % len(colours)] if colours else colour
        parts.append(f"<g><title>{_text(label)}: {_text(value_format(value))}</title>")
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + row / 2:.1f}" dy=".35em" text-anchor="end">'
            f"{_text(_fit(label, label_room))}</text>"
        )
        parts.append(
            f'<rect x="{left:.1f}" y="{y + (row - bar) / 2:.1f}" width="{length:.1f}" '
            f'height="{bar}" fill="{fill}"/>'
        )
        parts.append(
            f'<text x="{left + length + 6:.1f}" y="{y + row / 2:.1f}" dy=".35em">'
            f"{_text(value_format(value))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    description: str = "",
    value_format: Formatter = format_number,
    colour: str = PALETTE[0],
    colours: Sequence[str] | None = None,
    width: int = 640,
    height: int = 260,
    chart_id: str | None = None,
) -> str:
    """Vertical bars (a histogram when the labels are ordered values, 1 to 5 stars say)."""
    chart_id = chart_id or _chart_id(title, items)
    description = description or _summary(items, value_format)
    if not items:
        return _empty(chart_id, width, title, description)
    ticks = _ticks([v for _label, v in items])
    left = max(_text_width(value_format(t)) for t in ticks) + 14
    right, top, bottom = 8, 20, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    band = plot_w / len(items)
    bar = min(band * 0.7, 80)
    parts = _open(chart_id, width, height, title, description)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / ticks[-1]
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{left - 6:.1f}" y="{y:.1f}" dy=".35em" text-anchor="end" '
            f'fill="{INK_SOFT}">{_text(value_format(tick))}</text>'
        )
    for index, (label, value) in enumerate(items):
        x = left + band * index + (band - bar) / 2
        h = plot_h * float(value) / ticks[-1]
        fill = colours[index % len(colours)] if colours else colour
        centre = x + bar / 2
        parts.append(f"<g><title>{_text(label)}: {_text(value_format(value))}</title>")
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{fill}"/>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{top + plot_h - h - 5:.1f}" text-anchor="middle">'
            f"{_text(value_format(value))}</text>"
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{top + plot_h + 18:.1f}" text-anchor="middle">'
            f"{_text(_fit(label, band - 4))}</text></g>"
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{top + plot_h:.1f}" x2="{width - right:.1f}" '
        f'y2="{top + plot_h:.1f}" stroke="{AXIS}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _timestamp(moment: date | datetime) -> float:
    if isinstance(moment, datetime):
        return moment.timestamp()
    return datetime(moment.year, moment.month, moment.day).timestamp()


def _default_date_label(moment: date | datetime) -> str:
    return date_format(moment, "SHORT_DATE_FORMAT")


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    value_format: Formatter = format_number,
    date_label: Callable[[date | datetime], str] = _default_date_label,
    colours: Sequence[str] = PALETTE,
    width: int = 640,
    height: int = 280,
    chart_id: str | None = None,
) -> str:
    """Lines over time; several series get a legend and different dashes."""
    points = [p for s in series for p in s.points]
    chart_id = chart_id or _chart_id(title, [(s.name, list(s.points)) for s in series])
    if not description:
        description = " ".join(
            f"{s.name}: "
            + _summary([(date_label(m), v) for m, v in s.points], value_format, limit=20)
            for s in series
        )
    if not points:
        return _empty(chart_id, width, title, description)
    legend = len(series) > 1
    ticks = _ticks([v for _m, v in points])
    left = max(_text_width(value_format(t)) for t in ticks) + 14
    right = 24
    top = 34 if legend else 14
    bottom = 30
    plot_w, plot_h = width - left - right, height - top - bottom
    start = min(_timestamp(m) for m, _v in points)
    end = max(_timestamp(m) for m, _v in points)
    span = (end - start) or 1

    def x_of(moment: date | datetime) -> float:
        if end == start:
            return left + plot_w / 2
        return left + plot_w * (_timestamp(moment) - start) / span

    def y_of(value: Number) -> float:
        return top + plot_h - plot_h * float(value) / ticks[-1]

    parts = _open(chart_id, width, height, title, description)
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{left - 6:.1f}" y="{y:.1f}" dy=".35em" text-anchor="end" '
            f'fill="{INK_SOFT}">{_text(value_format(tick))}</text>'
        )
    # Up to six date labels, spread evenly over the distinct moments.
    moments = sorted({m for m, _v in points}, key=_timestamp)
    step = max(1, math.ceil((len(moments) - 1) / 5)) if len(moments) > 1 else 1
    shown = moments[::step]
    if moments[-1] not in shown:
        shown = [*shown[:-1], moments[-1]] if len(shown) > 1 else [*shown, moments[-1]]
    last_right = -1e9
    for moment in shown:
        label = date_label(moment)
        x = x_of(moment)
        half = _text_width(label) / 2
        x = min(max(x, left + half), width - right - half + 16)
        if x - half < last_right + 6:
            continue
        last_right = x + half
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 20:.1f}" text-anchor="middle" '
            f'fill="{INK_SOFT}">{_text(label)}</text>'
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{top + plot_h:.1f}" x2="{width - right:.1f}" '
        f'y2="{top + plot_h:.1f}" stroke="{AXIS}"/>'
    )
    legend_x = left
    for index, line in enumerate(series):
        colour = colours[index % len(colours)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        coordinates = " ".join(f"{x_of(m):.1f},{y_of(v):.1f}" for m, v in line.points)
        parts.append(f"<g><title>{_text(line.name)}</title>")
        if len(line.points) > 1:
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>'
            )
        if len(line.points) <= 60:
            for moment, value in line.points:
                parts.append(
                    f'<circle cx="{x_of(moment):.1f}" cy="{y_of(value):.1f}" r="3.5" '
                    f'fill="{colour}"><title>{_text(line.name)}, {_text(date_label(moment))}: '
                    f"{_text(value_format(value))}</title></circle>"
                )
        parts.append("</g>")
        if legend:
            parts.append(
                f'<line x1="{legend_x:.1f}" y1="12" x2="{legend_x + 24:.1f}" y2="12" '
                f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
                f'<text x="{legend_x + 30:.1f}" y="12" dy=".35em">{_text(line.name)}</text>'
            )
            legend_x += 30 + _text_width(line.name) + 20
    parts.append("</svg>")
    return "".join(parts)


def share_bar_chart(
    rows: Sequence[tuple[str, Sequence[Number]]],
    *,
    categories: Sequence[tuple[str, str]],
    title: str,
    description: str = "",
    width: int = 640,
    chart_id: str | None = None,
) -> str:
    """Stacked 100 % bars: one row per (label, counts), counts aligned with ``categories``.

    ``categories`` are (label, colour) pairs, drawn in a legend above the bars. A single row
    with an empty label takes the whole width (the mix of one event); several rows compare
    (the mix of each event over time). Segments wide enough carry their percentage.
    """
    chart_id = chart_id or _chart_id(title, (rows, categories))
    names = [name for name, _colour in categories]

    def row_summary(label: str, counts: Sequence[Number]) -> str:
        total = sum(counts) or 1
        shares = ", ".join(
            f"{name} {format_percent(count / total)}"
            for name, count in zip(names, counts, strict=True)
        )
        return f"{label}: {shares}" if label else shares

    if not description:
        description = "; ".join(row_summary(label, counts) for label, counts in rows) + "."
    if not rows or not any(sum(counts) for _label, counts in rows):
        return _empty(chart_id, width, title, description)
    row, bar, legend_h = 30, 22, 28
    label_room = min(max(_text_width(label) for label, _c in rows) + 10, width * 0.3)
    left = label_room + 8 if any(label for label, _c in rows) else 0
    height = legend_h + row * len(rows) + 6
    parts = _open(chart_id, width, height, title, description)
    x = 0.0
    for name, colour in categories:
        parts.append(
            f'<rect x="{x:.1f}" y="4" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 20:.1f}" y="11" dy=".35em">{_text(name)}</text>'
        )
        x += 20 + _text_width(name) + 18
    plot_w = width - left - 2
    for index, (label, counts) in enumerate(rows):
        y = legend_h + index * row
        total = sum(counts)
        if label:
            parts.append(
                f'<text x="{left - 8:.1f}" y="{y + row / 2:.1f}" dy=".35em" text-anchor="end">'
                f"{_text(_fit(label, label_room))}</text>"
            )
        parts.append(f"<g><title>{_text(row_summary(label, counts))}</title>")
        if not total:
            parts.append(
                f'<rect x="{left:.1f}" y="{y + (row - bar) / 2:.1f}" width="{plot_w:.1f}" '
                f'height="{bar}" fill="none" stroke="{AXIS}"/>'
            )
        offset = float(left)
        for (_name, colour), count in zip(categories, counts, strict=True):
            if not total or not count:
                continue
            share = count / total
            w = plot_w * share
            parts.append(
                f'<rect x="{offset:.1f}" y="{y + (row - bar) / 2:.1f}" width="{w:.1f}" '
                f'height="{bar}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
            )
            text = format_percent(share)
            if w >= _text_width(text) + 8:
                parts.append(
                    f'<text x="{offset + w / 2:.1f}" y="{y + row / 2:.1f}" dy=".35em" '
                    f'text-anchor="middle" fill="#ffffff">{_text(text)}</text>'
                )
            offset += w
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
