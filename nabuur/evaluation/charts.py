"""Plain SVG bar charts for the evaluation's page, its PDF and the zone overview.

No script and no style attribute (the site's CSP allows neither inline): presentation attributes
only. A chart is drawn 360 units wide, the width of a phone, with one row per category: its
label on a line of its own, then one bar per series with its value written at the end, so
that long names never squeeze the bars and nothing depends on colour alone. Several series get
a legend and a fill pattern each. The pages show the chart in `evaluation/_chart.html` with its
title as a caption and the same numbers as a table; a PDF shows `{{ chart }}`, the SVG with
its title drawn in.
"""

import textwrap
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nabuur.lib import typography
from nabuur.messaging.models import MessageKind

WIDTH = 360
LEFT = 4
# Room right of the longest bar for its value ("12.345").
VALUE_ROOM = 64
BAR_LENGTH = WIDTH - LEFT - VALUE_ROOM
BAR_HEIGHT = 16
LINE = 18
WRAP = 42  # characters of a label per line at 15 units
INK = "#1b2430"
MUTED = "#4a5563"
# Every colour has at least 6:1 against white; the second and third series are also hatched
# and dotted, so that the bars stay apart in grey print and for people who do not see colour.
SERIES_STYLES = [
    ("#1d4f91", None),
    ("#a34700", "hatch"),
    ("#2e6b30", "dots"),
]


def _number(value):
    return number_format(value, force_grouping=True)


@dataclass
class Chart:
    chart_id: str
    title: str
    categories: list  # the row labels
    series: list  # [(name, [value per category])]
    category_label: str = ""
    value_label: str = ""

    @property
    def rows(self):
        """[(category, [value of each series])] for the table."""
        return [
            (category, [values[index] for _, values in self.series])
            for index, category in enumerate(self.categories)
        ]

    @property
    def series_names(self):
        return [name for name, _ in self.series]

    @property
    def category_heading(self):
        return self.category_label or _("Figure")

    def description(self):
        """The numbers in words, for the SVG's <desc>."""
        colon, separator = typography.colon(), _("; ")
        if len(self.series) == 1:
            return separator.join(
                f"{category}{colon} {_number(values[0])}" for category, values in self.rows
            )
        names = self.series_names
        return separator.join(
            f"{category}{colon} "
            + ", ".join(
                f"{name} {_number(value)}" for name, value in zip(names, values, strict=True)
            )
            for category, values in self.rows
        )

    def svg(self, draw_title=True, labelledby=None):
        """The chart as safe SVG markup. On a page the figure's caption names the chart
        (`labelledby`); on its own (a PDF) the title is drawn in and names it."""
        cid = self.chart_id
        body, defs = [], []
        y = 0

        def text(x, baseline, content, size=15, fill=INK, **extra):
            attributes = "".join(
                f' {key.replace("_", "-")}="{value}"' for key, value in extra.items()
            )
            body.append(
                f'<text x="{x}" y="{baseline}" font-size="{size}" fill="{fill}"{attributes}>'
                f"{escape(content)}</text>"
            )

        if draw_title:
            text(LEFT, y + 18, self.title, size=16, font_weight="bold")
            y += 30
        fills = []
        for index, _name in enumerate(self.series):
            colour, pattern = SERIES_STYLES[index % len(SERIES_STYLES)]
            if pattern is None:
                fills.append(colour)
                continue
            pattern_id = f"{cid}-pattern-{index}"
            fills.append(f"url(#{pattern_id})")
            if pattern == "hatch":
                shape = (
                    f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{colour}" '
                    'stroke-width="2.5"/>'
                )
            else:
                shape = f'<circle cx="3" cy="3" r="1.8" fill="{colour}"/>'
            defs.append(
                f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse">'
                f'<rect width="6" height="6" fill="#ffffff"/>{shape}</pattern>'
            )
        strokes = [SERIES_STYLES[i % len(SERIES_STYLES)][0] for i in range(len(self.series))]
        if len(self.series) > 1:
            for name, fill, stroke in zip(self.series_names, fills, strokes, strict=True):
                body.append(
                    f'<rect x="{LEFT + 1}" y="{y + 3}" width="14" height="14" fill="{fill}" '
                    f'stroke="{stroke}" stroke-width="1.5"/>'
                )
                text(LEFT + 22, y + 15, name, size=14)
                y += 22
            y += 4
        if self.category_label:
            text(LEFT, y + 14, self.category_label, size=13, fill=MUTED, font_weight="bold")
            y += 22
        biggest = max((value for _, values in self.series for value in values), default=0) or 1
        for category, values in self.rows:
            for line in textwrap.wrap(str(category), WRAP) or [""]:
                y += LINE
                text(LEFT, y - 4, line)
            for value, fill, stroke in zip(values, fills, strokes, strict=True):
                length = round(BAR_LENGTH * (value or 0) / biggest)
                if length:
                    body.append(
                        f'<rect x="{LEFT}" y="{y + 2}" width="{length}" height="{BAR_HEIGHT}" '
                        f'fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
                    )
                text(LEFT + length + 6, y + 15, _number(value or 0), size=14)
                y += BAR_HEIGHT + 4
            y += 8
        # The value axis: a line under the bars and what they count.
        body.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + BAR_LENGTH}" y2="{y}" stroke="{MUTED}" '
            f'stroke-width="1"/>'
        )
        if self.value_label:
            text(LEFT, y + 18, self.value_label, size=13, fill=MUTED, font_weight="bold")
            y += 18
        height = y + 8
        name = f'aria-labelledby="{labelledby}"' if labelledby else f'aria-labelledby="{cid}-title"'
        markup = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
            f'{name} aria-describedby="{cid}-desc">'
            f'<title id="{cid}-title">{escape(self.title)}</title>'
            f'<desc id="{cid}-desc">{escape(self.description())}</desc>'
            + (f"<defs>{''.join(defs)}</defs>" if defs else "")
            + "".join(body)
            + "</svg>"
        )
        return mark_safe(markup)  # noqa: S308 - every text part is escaped above

    @property
    def page_svg(self):
        """The SVG for a page, where the figure's caption shows and names the chart."""
        return self.svg(draw_title=False, labelledby=f"{self.chart_id}-caption")

    def __html__(self):
        return self.svg()

    def __str__(self):
        return self.svg()


def bar_chart(chart_id, title, rows, *, category_label="", value_label=""):
    """A chart of one series from [(label, value)]."""
    rows = [(str(label), value or 0) for label, value in rows]
    return Chart(
        chart_id,
        str(title),
        [label for label, _ in rows],
        [(str(value_label or _("Number")), [value for _, value in rows])],
        category_label=str(category_label),
        value_label=str(value_label),
    )


def series_chart(chart_id, title, categories, series, *, category_label, value_label):
    """A chart of several series: [(name, [value per category])], with a legend."""
    return Chart(
        chart_id,
        str(title),
        [str(category) for category in categories],
        [(str(name), [value or 0 for value in values]) for name, values in series],
        category_label=str(category_label),
        value_label=str(value_label),
    )


# --- The charts of an evaluation and of the overview --------------------------------------------

KIND_KEYS = {f"messages_{kind.value}" for kind in MessageKind}
MEMBER_KEYS = ["members_start", "members_end", "joins", "leaves"]


def evaluation_charts(groups, survey):
    """The charts of one evaluation, from figures.grouped() and reports.survey_results()."""
    values = {figure.key: (figure, value) for _, rows in groups for figure, value in rows}
    charts = [
        bar_chart(
            "chart-members",
            _("Members"),
            [(values[key][0].label, values[key][1]) for key in MEMBER_KEYS],
            category_label=_("Figure"),
            value_label=_("Number of members"),
        ),
        bar_chart(
            "chart-messages",
            _("Messages by class"),
            [(figure.label, value) for figure, value in values.values() if figure.key in KIND_KEYS],
            category_label=_("Class of message"),
            value_label=_("Number of messages sent"),
        ),
    ]
    if survey["answers"]:
        charts.append(
            bar_chart(
                "chart-safety",
                _("Feeling of safety (1–5)"),
                survey["safety"],
                category_label=_("Answer: 1 is very unsafe, 5 is very safe"),
                value_label=_("Number of members who answered"),
            )
        )
    return charts


def overview_charts(rows):
    """The overview's charts of one year, BIN by BIN, from reports.overview_rows()."""
    # The row's values follow reports.OVERVIEW_COLUMNS: members at the end, messages sent.
    return [
        bar_chart(
            "chart-overview-members",
            _("Members at the end of the year"),
            [(row["network"].name, row["values"][1]) for row in rows],
            category_label=_("BIN"),
            value_label=_("Number of members"),
        ),
        bar_chart(
            "chart-overview-messages",
            _("Messages sent"),
            [(row["network"].name, row["values"][4]) for row in rows],
            category_label=_("BIN"),
            value_label=_("Number of messages sent"),
        ),
    ]


TREND_LABELS = {
    "members_end": gettext_lazy("members at the end"),
    "households": gettext_lazy("households at the end"),
    "messages": gettext_lazy("messages sent"),
    "feedback_useful": gettext_lazy("found a message useful"),
    "feedback_not_useful": gettext_lazy("found a message not useful"),
}


def trend_charts(trend):
    """The charts of the years side by side, from figures.trend()."""
    years = [row["year"] for row in trend]

    def series(*keys):
        return [(TREND_LABELS[key], [row[key] for row in trend]) for key in keys]

    return [
        series_chart(
            "chart-trend-members",
            _("Members and households per year"),
            years,
            series("members_end", "households"),
            category_label=_("Year"),
            value_label=_("Number at the end of the year"),
        ),
        series_chart(
            "chart-trend-messages",
            _("Messages sent per year"),
            years,
            series("messages"),
            category_label=_("Year"),
            value_label=_("Number of messages sent"),
        ),
        series_chart(
            "chart-trend-feedback",
            _("Feedback from members per year"),
            years,
            series("feedback_useful", "feedback_not_useful"),
            category_label=_("Year"),
            value_label=_("Number of votes"),
        ),
    ]
