"""Charts drawn on the server as SVG with leather: no JavaScript at all, and always shown beside a
table of the same figures."""

from __future__ import annotations

import io
import re
from datetime import datetime

import leather
from markupsafe import Markup

from notifier.rendering.london_time import to_london

GOVUK_BLUE = "#1d70b8"
CHART_BACKGROUND = "#ffffff"  # the page's own background
CHART_TEXT = "#0b0c0c"  # GOV.UK Frontend's text colour: 19.8:1 on white (leather's grey was 2.6:1)
# The text takes the page's font (its stylesheet's, whatever the brand), not leather's Monaco.
CHART_FONT = "inherit"
for _setting, _value in {
    "background_color": CHART_BACKGROUND,
    "label_color": CHART_TEXT,
    "axis_title_color": CHART_TEXT,
    "legend_color": CHART_TEXT,
    "title_color": CHART_TEXT,
    "tick_font_family": CHART_FONT,
    "axis_title_font_family": CHART_FONT,
    "legend_font_family": CHART_FONT,
    "title_font_family": CHART_FONT,
}.items():
    setattr(leather.theme, _setting, _value)  # leather's documented way to style every chart
# leather writes a whole SVG file; the page needs only the <svg> element.
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)


def _svg(chart: leather.Chart, label: str) -> Markup:
    out = io.StringIO()
    chart.to_svg(out, width=720, height=300)
    svg = _PROLOGUE.sub("", out.getvalue(), count=1)
    # One accessible image: its label says what it shows; the table after it has the figures.
    labelled = svg.replace(
        "<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" class="app-chart" ', 1
    )
    return Markup(labelled)  # noqa: S704 - leather escapes what it draws; our labels are times and counts


def trend_svg(points: list[tuple[datetime, int]], *, label: str) -> Markup:
    chart = leather.Chart()
    chart.add_columns([(moment.strftime("%d %b"), count) for moment, count in points], fill_color=GOVUK_BLUE)
    return _svg(chart, label)


def sends_per_minute_svg(per_minute: list[tuple[datetime, int]], *, label: str) -> Markup:
    chart = leather.Chart()
    chart.add_columns(
        [(to_london(minute).strftime("%H:%M"), count) for minute, count in per_minute], fill_color=GOVUK_BLUE
    )
    return _svg(chart, label)
