"""The admin charts' text is readable: every label in the SVG reaches WCAG's 4.5:1 against the
chart's own background (computed from the colours the SVG really carries) and takes the page's font."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from defusedxml import ElementTree
from markupsafe import Markup

from notifier.domain.branding import contrast
from notifier.web.routes.admin_web.charts import sends_per_minute_svg, trend_svg

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _charts() -> list[Markup]:
    weeks = [(START + timedelta(weeks=n), 10 * n) for n in range(8)]
    minutes = [(START + timedelta(minutes=n), n % 5) for n in range(30)]
    return [trend_svg(weeks, label="Subscriptions"), sends_per_minute_svg(minutes, label="Sends")]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@pytest.mark.parametrize("svg", _charts(), ids=["trend", "sends-per-minute"])
def test_axis_text_reaches_4_5_to_1_in_the_pages_font(svg: Markup) -> None:
    root = ElementTree.fromstring(str(svg))
    elements = list(root.iter())
    background = next(e.get("fill") for e in elements if _local(e.tag) == "rect")
    texts = [e for e in elements if _local(e.tag) == "text"]
    assert background is not None and len(texts) >= 4  # both axes' tick labels
    for text in texts:
        fill = text.get("fill")
        assert fill is not None and contrast(fill, background) >= 4.5, (text.text, fill, background)
        assert text.get("font-family") == "inherit", text.text


def test_contrast_is_wcags_ratio_either_way_round() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#9c9c9c", "#f9f9f9") == pytest.approx(contrast("#f9f9f9", "#9c9c9c"))
    assert contrast("#9c9c9c", "#f9f9f9") < 3  # leather's own grey, the 2.6:1
