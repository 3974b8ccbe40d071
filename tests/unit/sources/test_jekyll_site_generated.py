"""Generated sites read by notifier and by Jekyll itself agree on every document.

Hypothesis writes file names (spaces, en dashes, curly quotes, accents, punctuation, dated or not)
and front matter (dates in the forms Ruby accepts, `category`/`categories` as text or lists,
`tags`, `published`, relative and absolute permalinks with placeholders, tabs, repeated keys) into
a site with a random permalink style; the two readings must be identical.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.unit.sources.test_jekyll_site import jekyll_reading, notifier_reading

pytestmark = pytest.mark.dates

WORDS = st.sampled_from(
    [
        "forum",
        "Pride",
        "café",
        "what’s on",
        "AGM 2025",
        "a–b",
        "Q&A",
        "50%",
        "(draft)",
        "naïve",
        "x.y",
        "#tag",
    ]
)
NAME_WORDS = st.lists(WORDS, min_size=1, max_size=3).map(" ".join).filter(lambda n: "/" not in n)
DATES = st.builds(
    lambda y, m, d: f"{y}-{m:02d}-{d:02d}", st.integers(2000, 2025), st.integers(1, 12), st.integers(1, 28)
)
FRONT_DATES = st.one_of(
    DATES,
    DATES.map(lambda d: f"{d} 18:30:00"),
    DATES.map(lambda d: f"'{d} 18:30'"),
    DATES.map(lambda d: f"{d}T09:05:00Z"),
    DATES.map(lambda d: f"{d} 23:30:00 +01:00"),
    st.sampled_from(["5 March 2024", "'March 5, 2024 6pm'", "2022-07-07T00:00:00.00ZT16:12:42.537Z"]),
)
CATEGORY_TEXT = st.sampled_from(["News", "Staff News", "Pride & Allies", "events", "2025", "Ünïcode"])
PERMALINKS = st.sampled_from(
    [
        "/:categories/:title/",
        "news/:year/:slug.html",
        "/:collection/:name:output_ext",
        "/fixed/path/",
        ":path/",
        "/:year/:i_month/:title",
    ]
)


@st.composite
def document(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(NAME_WORDS)
    if draw(st.booleans()):
        name = f"{draw(DATES)}-{name}"
    lines = [f"title: {draw(st.sampled_from(['Hello', 'A: b', 'Café', 'x']))!r}"]
    sep = draw(st.sampled_from([" ", "\t", "  "]))
    if draw(st.booleans()):
        lines.append(f"date:{sep}{draw(FRONT_DATES)}")
    if draw(st.booleans()):
        lines.append(f"category: {draw(CATEGORY_TEXT)}")
    choice = draw(st.integers(0, 2))
    if choice == 1:
        lines.append(f"categories: {draw(CATEGORY_TEXT)}")
    elif choice == 2:
        lines.append(f"categories: [{', '.join(draw(st.lists(CATEGORY_TEXT, max_size=3)))}]")
    if draw(st.booleans()):
        lines.append(f"tags: {draw(st.sampled_from(['a b', '[x, y]', 'solo']))}")
    if draw(st.booleans()):
        lines += [f"published: {draw(st.sampled_from(['true', 'false', 'yes', 'no']))}"] * draw(
            st.integers(1, 2)
        )
        lines.append(f"published: {draw(st.sampled_from(['true', 'false']))}")
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"permalink: {draw(PERMALINKS)}")
    ext = draw(st.sampled_from([".md", ".md", ".markdown", ".html"]))
    return name + ext, "---\n" + "\n".join(lines) + "\n---\nBody.\n"


@st.composite
def site(draw: st.DrawFn) -> tuple[str, dict[str, list[tuple[str, str]]]]:
    permalink = draw(
        st.sampled_from(["date", "pretty", "ordinal", "none", "weekdate", "/:categories/:title/"])
    )
    collections = {
        folder: draw(st.lists(document(), min_size=1, max_size=8, unique_by=lambda d: d[0].lower()))
        for folder in ("_posts", "_news", "_events")
    }
    return permalink, collections


# Each example runs Jekyll once (about two seconds); a failure prints the whole generated site.
@settings(
    max_examples=8,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
@given(generated=site())
def test_generated_sites_read_as_jekyll_reads_them(
    generated: tuple[str, dict[str, list[tuple[str, str]]]],
) -> None:
    permalink, collections = generated
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "_config.yml").write_text(
            "url: https://gen.example.gov.uk\ntimezone: Europe/London\n"
            f"permalink: '{permalink}'\n"
            "collections:\n  news:\n    output: true\n    permalink: /news/:categories/:year/:title/\n"
            "  events:\n    output: true\n"
            "defaults:\n  - scope: {path: _events}\n    values: {category: Events}\n",
            encoding="utf-8",
        )
        for directory, docs in collections.items():
            (root / directory).mkdir()
            for name, text in docs:
                (root / directory / name).write_text(text, encoding="utf-8")
        ours, theirs = notifier_reading(root), jekyll_reading(root)
        assert ours == theirs
