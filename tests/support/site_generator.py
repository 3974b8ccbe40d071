"""A staff network's Jekyll site as real ones are, made from a seed relative to a given clock: years
of old posts, events that have happened (and some still to come), news pages, pages that say
`notify: false`, and bodies that open with greetings, tables of contents and headings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

CONFIG = """\
title: Big network
url: "https://big.example.gov.uk"
permalink: pretty
collections:
  events:
    output: true
  news:
    output: true
    permalink: /news/:year/:title/
defaults:
  - scope:
      path: ""
      type: posts
    values:
      layout: post
      categories: [Blog]
"""
OPENINGS = (
    "Hey!\n\n",
    "* TOC\n{:toc}\n\n",
    "Table of contents will generate here\n\n",
    "## About this\n\n",
    "Hello everyone :wave:\n\n",
    "",
)
BODY = (
    "The _network_ met on {day} to talk about **{topic}**, and {{{{ site.title }}}} agreed a plan.\n\n"
    "Here is what we heard:\n\n- more {topic}\n- fewer meetings\n- a new chair\n"
)
TOPICS = ("flexible working", "allyship", "pride month", "mentoring", "wellbeing", "the AGM")


@dataclass(frozen=True)
class GeneratedSite:
    root: Path
    live_pages: int  # pages Jekyll writes (nothing is dated after `now`)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def generate_site(
    root: Path, *, seed: int, now: datetime, posts: int = 200, events: int = 80
) -> GeneratedSite:
    """Posts dated up to 11 years before `now`, events mostly over (a fifth still to come), news."""
    rng = random.Random(seed)
    (root / "_posts").mkdir(parents=True)
    (root / "_events").mkdir()
    (root / "_news").mkdir()
    (root / "_config.yml").write_text(CONFIG, encoding="utf-8")
    for number in range(posts):
        when = now - timedelta(days=rng.randint(1, 4000), minutes=rng.randint(0, 1440))
        topic = rng.choice(TOPICS)
        extra = "notify: false\n" if number % 17 == 0 else ""
        text = f"---\ntitle: Post {number} on {topic}\ndate: {_stamp(when)}\n{extra}---\n"
        body = rng.choice(OPENINGS) + BODY.format(day=f"{when:%d %B %Y}", topic=topic)
        write_page(root / "_posts" / f"{when:%Y-%m-%d}-post-{number}.md", text + body)
    for number in range(events):
        start = now + timedelta(days=rng.randint(-1500, -1) if number % 5 else rng.randint(5, 120))
        date_only = number % 3 == 0
        start_text = f"{start:%Y-%m-%d}" if date_only else _stamp(start.replace(hour=18, minute=0, second=0))
        text = (
            f"---\ntitle: Event {number}\ndate: {_stamp(now - timedelta(days=rng.randint(200, 2000)))}\n"
            f"event:\n  start: {start_text}\n  location: Room {number}\n---\nCome along.\n"
        )
        write_page(root / "_events" / f"event-{number}.md", text)
    news = 40
    for number in range(news):
        when = now - timedelta(days=rng.randint(1, 3000))
        text = f"---\ntitle: News {number}\ndate: {_stamp(when)}\n---\nNews about {rng.choice(TOPICS)}.\n"
        write_page(root / "_news" / f"news-{number}.md", text)
    return GeneratedSite(root, posts + events + news)


def write_page(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def new_post(root: Path, name: str, title: str, when: datetime) -> Path:
    """A post dated `when` (a time with its offset), as an author adds one."""
    path = root / "_posts" / f"{when:%Y-%m-%d}-{name}.md"
    write_page(path, f"---\ntitle: {title}\ndate: {_stamp(when)}\n---\nSomething new: {title}.\n")
    return path
