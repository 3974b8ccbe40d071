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
