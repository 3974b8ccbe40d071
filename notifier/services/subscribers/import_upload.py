"""An import as the admin web takes it: the uploaded file (CSV, Excel or OpenDocument), the chosen topic
and frequency, and how consent is given (each person asked by email, by default; or recorded for a
stated reason), all checked before anything is stored; then every row or none, audited with counts."""

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
from notifier.services.subscribers.consent_choice import ConsentChoice, ConsentRefused
from notifier.services.subscribers.import_files import MAX_IMPORT_BYTES, ImportFileError
from notifier.services.subscribers.importing import ImportReport, ParsedFile, import_rows, parse_file
from notifier.services.subscribers.signup_pages import confirm_links
from notifier.services.subscribers.signups import SignupContext

MAX_BYTES = MAX_IMPORT_BYTES
CHOOSE_FILE = (
    "Choose a CSV, Excel (.xlsx) or OpenDocument (.ods) file with the columns email, name and department"
)


@dataclass(frozen=True)
class Upload:
    raw: bytes
    topic_slug: str
    frequency: str
    consent: str = "ask"  # "ask" (email each person) or "record" (with a reason)
    reason: str = ""


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


def _checked(scope: NetworkScope, upload: Upload) -> tuple[Topic, ConsentChoice, ParsedFile]:
    errors: dict[str, str] = {}
    topic = scope.topic_by_slug(upload.topic_slug)
    if topic is None:
        errors["topic"] = "Select the topic to subscribe them to"
    if upload.frequency not in {f.value for f in Frequency}:
        errors["frequency"] = "Select how often they get email"
    choice = ConsentChoice()
    try:
        choice = ConsentChoice.parse(upload.consent, upload.reason)
    except ConsentRefused as exc:
        errors.update(exc.errors)
    parsed = ParsedFile()
    if not upload.raw:
        errors["file"] = CHOOSE_FILE
    else:
        try:
            parsed = parse_file(scope.network, upload.raw)
        except ImportFileError as exc:
            errors["file"] = f"The file cannot be imported: {exc}"
    if errors or topic is None:
        raise ImportRefused(errors)
    return topic, choice, parsed


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
    topic, choice, parsed = _checked(scope, upload)
    network = scope.network
    if parsed.problems:
        audit.record(
            uow.session, network.id, actor, "import_refused", "network", network.id,
            bad_rows=len(parsed.problems), good_rows=len(parsed.rows),
        )  # fmt: skip
        raise ImportRefused(problems=parsed.problems)
    context = SignupContext(
        links=confirm_links(settings),
        hash_key=settings.hash_key,
        expiry_days=settings.import_confirm_days,
        now=now,
    )
    report = import_rows(
        uow, queue, network, topic, parsed, context, frequency=Frequency(upload.frequency), choice=choice
    )
    audit.record(
        uow.session, network.id, actor, "people_imported", "topic", topic.id,
        added=report.added, confirmations=report.confirmations_sent,
        suppressed_skipped=report.suppressed_skipped, duplicates=report.duplicates,
        already=report.already, consent_recorded=not choice.ask,
    )  # fmt: skip
    return ImportDone(report, len(parsed.rows), topic)
