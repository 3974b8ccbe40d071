"""Hostile YAML, and a reader process to feed it to under a memory limit.

`python -m tests.support.hostile_yaml DIR` caps its own address space (`resource.setrlimit`), builds
the web app on DIR/notifier.db (a migrated, empty SQLite database the caller made: `sqlite_template`),
and then reads one JSON request per line on stdin:
`{"via": "hook" | "page" | "config", "yaml": TEXT}`. `hook` posts TEXT as a page's front matter
through the signed publish hook; `page` puts it in a post's front matter in a Jekyll site and reads
the site as `notifier hook post` does (`read_config`, `read_documents`, `site_publish.plan`); `config`
makes it the site's `_config.yml`. Each answer is one JSON line: the outcome, the seconds it took,
the rows stored, and the process's resident memory now and at its peak (MiB).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from notifier.db.models import ContentPage, Event, Message
from notifier.db.session import make_engine, unit_of_work
from notifier.services.sources import site_publish, webhooks
from notifier.services.sources.jekyll.config import SiteConfigError, read_config
from notifier.services.sources.jekyll.documents import read_documents
from tests.support.seeding import network_with_topics
from tests.support.webapp import web_app

ADDRESS_SPACE_LIMIT = 1024 * 1024 * 1024  # a bomb that got through fails here, not on the host
SITE = "https://alpha.example.gov.uk"


def alias_bomb(levels: int = 10, width: int = 10) -> str:
    """The report's bomb: each level lists the one before `width` times (10^10 values at ten deep)."""
    lines = ["title: Bomb", 'a0: &a0 ["lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    lines.append(f"tags: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 10, width: int = 10) -> str:
    """The same with mappings and merge keys."""
    lines = ["title: Bomb", "m0: &m0 {x: lol}"]
    for level in range(1, levels):
        keys = ", ".join(f"k{i}: *m{level - 1}" for i in range(width))
        lines.append(f"m{level}: &m{level} {{<<: *m{level - 1}, {keys}}}")
    lines.append(f"event: *m{levels - 1}")
    return "\n".join(lines) + "\n"


# Name -> (YAML text, the limit its refusal names).
CLASSIC_BOMBS: dict[str, tuple[str, str]] = {
    "aliases nested ten deep": (alias_bomb(), "once its aliases are expanded"),
    "merge keys nested ten deep": (merge_bomb(), "once its aliases are expanded"),
    "one big text repeated": (
        'title: Bomb\nbig: &big "' + "x" * 50_000 + '"\nall: [' + ", ".join(["*big"] * 20) + "]\n",
        "characters of text once its aliases are expanded",
    ),
    "deep flow nesting": ("title: Bomb\nx: " + "[" * 20_000 + "]" * 20_000 + "\n", "levels deep"),
    "deep block nesting": (
        "title: Bomb\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "end\n",
        "levels deep",
    ),
    "huge scalar": ("title: " + "x" * 200_000 + "\n", "characters (the limit)"),
    "many keys": ("title: Bomb\n" + "".join(f"k{i}: {i}\n" for i in range(5_000)), "values (the limit)"),
    "recursive alias in a list": ("title: Bomb\na: &a [1, *a]\n", "a recursive alias"),
    "recursive alias in a mapping": ("title: Bomb\na: &a {b: *a}\n", "a recursive alias"),
}


def database_url(directory: Path) -> str:
    """The reader's database, in the directory it is given."""
    return f"sqlite:///{directory / 'notifier.db'}"


def memory_mib(pid: int | str = "self") -> tuple[float, float]:
    """(resident now, resident at the peak) of a process (this one by default), from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class Reader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sessions = sessionmaker(bind=make_engine(database_url(directory)), expire_on_commit=False)
        with unit_of_work(self.sessions) as uow:
            network, _ = network_with_topics(uow.session, "alpha", ("news",))
            self.secret = network.webhook_secret
        self.web = web_app(self.sessions)

    def stored(self) -> int:
        with unit_of_work(self.sessions) as uow:
            return sum(
                uow.session.scalar(select(func.count()).select_from(t)) or 0
                for t in (Event, Message, ContentPage)
            )

    def hook(self, text: str, number: int) -> dict[str, Any]:
        payload = {"url": f"{SITE}/news/{number}/", "front_matter": text, "body": "Words."}
        body = json.dumps(payload).encode()
        headers = webhooks.signed_headers(self.secret, body, now=time.time())
        answer = self.web.client.post("/hooks/alpha/content", content=body, headers=headers)
        return {"status": answer.status_code, "detail": answer.text[:2000]}

    def site(self, config: str, post: str | None) -> Path:
        root = self.directory / "site"
        shutil.rmtree(root, ignore_errors=True)
        (root / "_posts").mkdir(parents=True)
        (root / "_config.yml").write_text(config, encoding="utf-8")
        if post is not None:
            (root / "_posts" / "2025-01-01-page.md").write_text(
                f"---\n{post}\n---\nWords.\n", encoding="utf-8"
            )
        return root

    def page(self, text: str) -> dict[str, Any]:
        config = read_config(self.site(f"url: {SITE}\n", text))
        now = datetime.now(UTC)
        plans = [
            site_publish.plan(config, d, site_url=SITE, now=now) for d in read_documents(config, now=now)
        ]
        return {"actions": [p.action.value for p in plans], "detail": "; ".join(p.reason for p in plans)}

    def config(self, text: str) -> dict[str, Any]:
        try:
            read_config(self.site(text, None))
        except SiteConfigError as exc:
            return {"refused": True, "detail": str(exc)}
        return {"refused": False, "detail": ""}

    def answer(self, request: dict[str, Any], number: int) -> dict[str, Any]:
        before = self.stored() if request["via"] == "hook" else 0
        started = time.perf_counter()
        if request["via"] == "hook":
            outcome = self.hook(request["yaml"], number)
        elif request["via"] == "page":
            outcome = self.page(request["yaml"])
        else:
            outcome = self.config(request["yaml"])
        seconds = time.perf_counter() - started
        now, peak = memory_mib()
        stored = self.stored() - before if request["via"] == "hook" else 0
        return {**outcome, "seconds": seconds, "stored": stored, "rss_mib": now, "peak_mib": peak}


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    answers = os.fdopen(os.dup(1), "w")  # the answers alone; the app's logs go to stderr
    os.dup2(2, 1)
    reader = Reader(Path(sys.argv[1]))
    print(json.dumps({"ready": True, "peak_mib": memory_mib()[1]}), file=answers, flush=True)
    for number, line in enumerate(sys.stdin):
        print(json.dumps(reader.answer(json.loads(line), number)), file=answers, flush=True)


if __name__ == "__main__":
    main()
