"""The sender's own CPU per email, without Notify: `Sender.send_chunk` over every delivery of one
message on PostgreSQL, in this process, with a gateway that accepts at once and no limit.

    .venv/bin/python -m bench.sender_cpu 3000

What it isolates: the claim, re-check, compose and record work of the send path (the fleet's ceiling
in bench/ceiling.py adds the Notify client, Celery and the sandbox on the same 2 cores).
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bench.common import postgres
from notifier.config import Settings
from notifier.db.models import Delivery, Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.sending import Sender, SendingConfig
from notifier.services.sources.publishing import announce
from tests.support.bulk import seed_audience
from tests.support.fakes import RecordingQueue, ScriptedGateway, UnlimitedLimiter

CHUNK = 100


def measure(emails: int) -> dict[str, float]:
    databases = postgres()
    url = databases.create()
    try:
        sessions = sessionmaker(bind=make_engine(url), expire_on_commit=False)
        queue = RecordingQueue()
        with unit_of_work(sessions) as uow:
            audience = seed_audience(uow.session, "cpu", emails)
        with unit_of_work(sessions) as uow:
            network = uow.session.get_one(Network, audience.network_id)
            topic = uow.session.get_one(Topic, audience.topic_id)
            message_id = announce(uow, queue, network, topic, subject="Forum", body="All welcome.").id
        while not fan_out_next_batch(sessions, queue, message_id, batch_size=5000, chunk_size=CHUNK).finished:
            pass
        settings = Settings(_env_file=None, one_click_base_url="https://notifier.example.gov.uk")
        sender = Sender(
            sessions,
            ScriptedGateway(),
            UnlimitedLimiter(),
            TemplateComposer.from_settings(settings),
            SendingConfig(),
        )
        with unit_of_work(sessions) as uow:
            ids = list(uow.session.scalars(select(Delivery.id).where(Delivery.message_id == message_id)))
        ids.sort()
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, len(ids), CHUNK):
            sender.send_chunk(message_id, ids[start], ids[min(start + CHUNK, len(ids)) - 1])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        databases.drop(url)
    return {
        "emails": len(ids),
        "cpu_ms_per_email": 1000 * cpu / len(ids),
        "wall_ms_per_email": 1000 * wall / len(ids),
    }


if __name__ == "__main__":
    print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
