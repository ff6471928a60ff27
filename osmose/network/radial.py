"""A static radial picture of an organisation's neighbourhood: the organisation in the
centre, its neighbours on a circle around it, coloured by sector, each with its name.

Server-side SVG in the manner of ``osmose.core.charts`` (``role="img"``, a ``<title>``, a
``<desc>`` listing the neighbours, presentation attributes only). The page shows the same
neighbours in a table: the picture is a summary, not the only way to read them.
"""

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from osmose.core import charts
from osmose.network.graph import Neighbour
from osmose.registry.models import Organisation, Sector

SIZE = 560
RADIUS = 170
LIMIT = 16  # neighbours drawn; the table lists them all


def _text(value: object) -> str:
    return escape(str(value))


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def _fit(text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to about ``width`` pixels (0.58 em a character)."""
    keep = max(1, int(width / (charts.FONT_SIZE * 0.58)))
    return text if len(text) <= keep else text[: keep - 1].rstrip() + "…"


def _colour(sector: str) -> str:
    return charts.SECTOR_COLOURS.get(sector or "unknown", charts.SECTOR_COLOURS["unknown"])


def neighbourhood_svg(organisation: Organisation, neighbours: Sequence[Neighbour]) -> str:
    no_neighbour = _("No neighbour yet.")  # outside the f-string, for xgettext
    chart_id = f"neighbourhood-{organisation.pk}"
    shown = list(neighbours[:LIMIT])
    title = _("Neighbourhood of %(name)s") % {"name": organisation.name}
    description = "; ".join(n.organisation.name for n in shown)
    if len(neighbours) > LIMIT:
        description += " " + _("and %(count)d more.") % {"count": len(neighbours) - LIMIT}
    centre = SIZE / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart neighbourhood" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" font-family="{_attr(charts.FONT)}" '
        f'font-size="{charts.FONT_SIZE}" fill="{charts.INK}">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(description or no_neighbour)}</desc>',
    ]
    points = []
    for index, neighbour in enumerate(shown):
        angle = -math.pi / 2 + 2 * math.pi * index / max(len(shown), 1)
        points.append(
            (neighbour, centre + RADIUS * math.cos(angle), centre + RADIUS * math.sin(angle), angle)
        )
    for neighbour, x, y, _angle in points:
        # A private–public tie is drawn thicker and solid; the others dashed: not by colour only.
        dash = "" if neighbour.crosses else ' stroke-dasharray="5 4"'
        width = 3 if neighbour.crosses else 1.5
        parts.append(
            f'<line x1="{centre:.1f}" y1="{centre:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{charts.AXIS}" stroke-width="{width}"{dash}/>'
        )
    for neighbour, x, y, angle in points:
        name = neighbour.organisation.name
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        label_x = x + 12 * cos
        label_y = (
            y
            + 12 * math.sin(angle)
            + (4 if abs(cos) >= 0.3 else (14 if math.sin(angle) > 0 else -8))
        )
        parts.append(
            f"<g><title>{_text(name)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" '
            f'fill="{_colour(neighbour.organisation.sector)}"/>'
            f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="{anchor}">'
            f"{_text(_fit(name, 110))}</text></g>"
        )
    parts.append(
        f'<circle cx="{centre:.1f}" cy="{centre:.1f}" r="14" '
        f'fill="{_colour(organisation.sector)}" stroke="{charts.INK}" stroke-width="2"/>'
        f'<text x="{centre:.1f}" y="{centre + 30:.1f}" text-anchor="middle" font-weight="600">'
        f"{_text(_fit(organisation.name, 160))}</text>"
    )
    parts.extend(_legend())
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> list[str]:
    """The sectors' colours and what a solid line means, along the bottom edge."""
    labels = dict(Sector.choices)
    items = [(str(labels[key]), charts.SECTOR_COLOURS[key]) for key in labels]
    parts, x, y = [], 8.0, SIZE - 14
    for label, colour in items:
        parts.append(
            f'<circle cx="{x + 6:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'
            f'<text x="{x + 16:.1f}" y="{y:.1f}" dy=".35em">{_text(label)}</text>'
        )
        x += 16 + len(label) * charts.FONT_SIZE * 0.58 + 18
    tie = _("private–public tie")
    parts.append(
        f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" '
        f'stroke="{charts.AXIS}" stroke-width="3"/>'
        f'<text x="{x + 30:.1f}" y="{y:.1f}" dy=".35em">{_text(tie)}</text>'
    )
    return parts
