"""`GET /metrics`: Prometheus text with the lanes' queue depths read from the database."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.delivery.test_sending import _message_with
from tests.support.webapp import web_app


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_report_queued_per_lane(sessions: sessionmaker[Session]) -> None:
    app = web_app(sessions)
    empty = app.client.get("/metrics")
    assert empty.status_code == 200 and empty.headers["content-type"].startswith("text/plain")
    assert _samples(empty.text)[("notifier_queue_depth", (("lane", "bulk"),))] == 0
    _message_with(sessions, 3)
    samples = _samples(app.client.get("/metrics").text)
    assert samples[("notifier_queue_depth", (("lane", "bulk"),))] == 3
    assert samples[("notifier_queue_depth", (("lane", "transactional"),))] == 0
    assert samples[("notifier_deliveries_sending", ())] == 0
    assert "@" not in app.client.get("/metrics").text  # never an address
