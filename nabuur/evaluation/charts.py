"""Plain SVG bar charts for the evaluation's page, its PDF and the overview.

No script and no style attribute (the site's CSP allows neither inline): presentation attributes
only. Each chart has a title and a description for screen readers, and the page shows the same
numbers in a table next to it.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR_HEIGHT = 18
GAP = 8
LABEL_WIDTH = 230
BAR_WIDTH = 300
COLOUR = "#1d4f91"


def bar_chart(chart_id, title, rows):
    """A horizontal bar chart of [(label, value)] as safe SVG markup."""
    rows = [(str(label), value or 0) for label, value in rows]
    biggest = max((value for _, value in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">'
        + escape("; ".join(f"{label}: {value}" for label, value in rows))
        + "</desc>",
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / biggest)
        middle = y + BAR_HEIGHT - 5
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{middle}" text-anchor="end" font-size="12" '
            f'fill="#111">{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{COLOUR}"/>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" font-size="12" '
            f'fill="#111">{value}</text>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part is escaped above
