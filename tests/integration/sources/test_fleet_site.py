"""A site page whose file name has a space, end to end on a real fleet (PostgreSQL, Redis, web,
worker, beat, the Notify sandbox): the site is connected, a page is added, `notifier hook post`
reads the site, the URL is the one Jekyll makes (percent-encoded), and the email reaches each reader
once, with no delivery left `sending`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from notifier.db.models import Delivery, Event, Message
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus
from tests.integration.sources.test_fleet_sources import ANN, BEN, World, readable, world  # noqa: F401

PAGE = "---\ntitle: AGM 2025 – social\n---\nCome along after the AGM.\n"


def test_a_page_with_a_space_in_its_file_name_reaches_its_readers(world: World, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "site"
    (root / "_events").mkdir(parents=True)
    (root / "_config.yml").write_text(
        "url: https://alpha.example.gov.uk\ncollections:\n  events:\n    output: true\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env |= {"NOTIFIER_HOOK_ENDPOINT": world.fleet.web_url, "NOTIFIER_HOOK_SECRET": world.secret}
    connect = [sys.executable, "-m", "notifier", "hook", "connect", "--root", str(root), "--network", "alpha"]
    connected = subprocess.run(connect, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert connected.returncode == 0, connected.stdout + connected.stderr
    (root / "_events" / "AGM 2025 social.md").write_text(PAGE, encoding="utf-8")
    command = [sys.executable, "-m", "notifier", "hook", "post", "--root", str(root), "--network", "alpha"]
    posted = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert posted.returncode == 0, posted.stdout + posted.stderr
    url = "https://alpha.example.gov.uk/events/AGM%202025%20social.html"  # Jekyll: /:collection/:path.html
    assert f"send      {url}" in posted.stdout, posted.stdout
    emails = world.wait_for("AGM 2025 – social", {ANN, BEN})
    assert url in readable(emails[BEN]) and "Come along after the AGM." in readable(emails[BEN])
    deadline = time.monotonic() + 30
    while True:
        with unit_of_work(world.sessions) as uow:
            statuses = uow.session.scalars(
                select(Delivery.status)
                .join(Message, Message.id == Delivery.message_id)
                .join(Event, Event.id == Message.event_id)
                .where(Event.title == "AGM 2025 – social")
            ).all()
        if statuses and DeliveryStatus.SENDING not in statuses and DeliveryStatus.QUEUED not in statuses:
            break
        assert time.monotonic() < deadline, statuses
        time.sleep(0.3)
    assert set(statuses) <= {DeliveryStatus.ACCEPTED, DeliveryStatus.DELIVERED}
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert again.returncode == 0 and "1 pages: 1 unchanged" in again.stdout, again.stdout
