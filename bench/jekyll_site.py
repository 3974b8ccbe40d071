"""Reading a 1,000-page Jekyll site: notifier beside Jekyll itself, and how many pages agree.

`python -m bench.jekyll_site [PAGES]` writes a site like a staff network's (`_news`, `_archives`
and `_events` with their own permalinks, defaults by path and type, messy file names and front
matter taken from tests/fixtures/jekyll_sites/messy), reads it with notifier and with Jekyll (the
`jekyll` gem, via tests/support/jekyll/oracle.rb), and prints both times and the agreement.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.support.jekyll import jekyll_documents
from tests.unit.sources.test_jekyll_site import MESSY, jekyll_reading, notifier_reading

NAMES = ["spring forum", "pride–month", "what’s on", "AGM 2025", "café & tea", "Q&A (draft)", "naïve x.y"]
FRONT = [
    "title: A\ncategories: Staff News\n",
    "title: B\ncategory: Leadership Team\ntags: [a, b]\n",
    "title:\tC\ndate:\t2024-05-06 10:00:00\n",
    "title: D\npublished: true\npublished: false\n",
    "title: E\ndate: 2022-07-07T00:00:00.00ZT16:12:42.537Z\n",
    "title: F\npermalink: news/:title/\n",
    "title: G\ndate: '5 March 2024 6pm'\n",
]


def build(root: Path, pages: int) -> None:
    shutil.copytree(MESSY, root)
    folders = ["_news", "_archives/2019", "_events", "_posts"]
    for i in range(pages - 27):
        folder = root / folders[i % len(folders)]
        name = f"{NAMES[i % len(NAMES)]} {i}.md"
        if folder.name == "_posts" or i % 3 == 0:
            name = f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}-{name}"
        (folder / name).write_text(f"---\n{FRONT[i % len(FRONT)]}---\nBody {i}.\n", encoding="utf-8")


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        build(root, pages)
        started = time.perf_counter()
        ours = notifier_reading(root)
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        jekyll_documents(root)
        theirs_s = time.perf_counter() - started
        theirs = jekyll_reading(root)
    same = sum(1 for path, doc in ours.items() if theirs.get(path) == doc)
    print(f"documents: notifier {len(ours)}, Jekyll {len(theirs)}; identical (url, date, published,")
    print(f"categories, tags): {same} of {len(theirs)}")
    print(f"reading time: notifier {ours_s:.2f} s, Jekyll (a Ruby process, site.read) {theirs_s:.2f} s")


if __name__ == "__main__":
    main()
