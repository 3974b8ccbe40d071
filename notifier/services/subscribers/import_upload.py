"""An import as the admin web takes it: the uploaded bytes, the chosen topic and frequency, checked
before anything is stored; then every row or none, audited with counts only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from notifier.config import Settings
from notifier.db.models import Topic
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import Frequency
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.subscribers.importing import ImportReport, import_rows, parse_csv
from notifier.services.subscribers.signup_pages import confirm_links
from notifier.services.subscribers.signups import SignupContext

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    raw: bytes
    topic_slug: str
    frequency: str
    send_confirmations: bool


class ImportRefused(ValueError):
    """Nothing was stored: the form's fields by name, or the file's bad rows by line."""

    def __init__(
        self, errors: dict[str, str] | None = None, problems: list[tuple[int, str]] | None = None
    ) -> None:
        super().__init__("the import was refused")
        self.errors = errors or {}
        self.problems = problems or []


@dataclass(frozen=True)
class ImportDone:
    report: ImportReport
    imported: int
    topic: Topic = field(compare=False)


def _checked(scope: NetworkScope, upload: Upload) -> tuple[Topic, str]:
    errors: dict[str, str] = {}
    topic = scope.topic_by_slug(upload.topic_slug)
    if topic is None:
        errors["topic"] = "Select the topic they are subscribed to"
    if upload.frequency not in {f.value for f in Frequency}:
        errors["frequency"] = "Select how often they get email"
    if not upload.raw:
        errors["file"] = "Choose a CSV file with the columns email, name and department"
    elif len(upload.raw) > MAX_BYTES:
        errors["file"] = "The file must be smaller than 5 MB"
    text = ""
    if "file" not in errors:
        try:
            text = upload.raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors["file"] = "The file must be a CSV file saved as UTF-8"
    if errors or topic is None:
        raise ImportRefused(errors)
    return topic, text


def import_upload(
    uow: UnitOfWork,
    queue: TaskQueue,
    scope: NetworkScope,
    upload: Upload,
    settings: Settings,
    *,
    actor: str,
    now: datetime,
) -> ImportDone:
    """Raises ImportRefused (and audits a refused file's counts) or stores every row."""
    topic, text = _checked(scope, upload)
    network = scope.network
    parsed = parse_csv(network, text)
    if parsed.problems:
        audit.record(
            uow.session, network.id, actor, "import_refused", "network", network.id,
            bad_rows=len(parsed.problems), good_rows=len(parsed.rows),
        )  # fmt: skip
        raise ImportRefused(problems=parsed.problems)
    context = SignupContext(
        links=confirm_links(settings),
        hash_key=settings.hash_key,
        expiry_days=settings.confirm_link_days,
        now=now,
    )
    report = import_rows(
        uow, queue, network, topic, parsed, context,
        frequency=Frequency(upload.frequency), send_confirmations=upload.send_confirmations,
    )  # fmt: skip
    audit.record(
        uow.session, network.id, actor, "people_imported", "topic", topic.id,
        added=report.added, confirmations=report.confirmations_sent,
        suppressed_skipped=report.suppressed_skipped, duplicates=report.duplicates,
    )  # fmt: skip
    return ImportDone(report, len(parsed.rows), topic)
