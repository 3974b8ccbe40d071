"""Importing subscribers from a CSV file (`email,name,department`): all rows or none.

Every bad row is reported with its line number and reason before anything is stored. A file is read
within limits (`MAX_IMPORT_BYTES`, `MAX_IMPORT_ROWS`, and the csv module's limit on one field); a
file over one is refused whole, saying which. Repeated
addresses are merged. Suppressed addresses are never brought back by assumption: they are skipped,
unless the import sends confirmation emails, in which case confirming is their fresh consent.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from notifier.db.models import Network, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email
from notifier.services.subscribers.signup_form import MAX_DEPARTMENT, MAX_NAME, CheckedSignup
from notifier.services.subscribers.signups import SignupContext, request_signup
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber

REQUIRED_COLUMNS = ("email", "name")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000


class ImportFileError(ValueError):
    """The file cannot be imported at all (too large, not UTF-8); the message says why."""


def read_csv_file(path: Path) -> str:
    """The CSV file's text, reading no more than `MAX_IMPORT_BYTES` of it."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"the file is over {MAX_IMPORT_BYTES} bytes (the limit): split it")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("the file must be a CSV file saved as UTF-8") from exc


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    name: str
    department: str


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0


@dataclass
class ImportReport:
    added: int = 0
    confirmations_sent: int = 0
    suppressed_skipped: int = 0
    duplicates: int = 0


def parse_csv(network: Network, text: str) -> ParsedFile:
    """Check every row; the result has the good rows and a (line, reason) for each bad one."""
    parsed = ParsedFile()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        parsed.problems.append((1, f"the header needs the column(s) {', '.join(missing)}"))
        return parsed
    reader.fieldnames = columns
    try:
        _check_rows(network, reader, parsed)
    except csv.Error as exc:  # e.g. a field over the csv module's limit, or a NUL
        parsed.problems.append((reader.reader.line_num, f"the file cannot be read as CSV ({exc})"))
    if not parsed.rows and not parsed.problems:
        parsed.problems.append((1, "the file has no rows to import"))
    return parsed


def _check_rows(network: Network, reader: csv.DictReader[str], parsed: ParsedFile) -> None:
    seen: set[str] = set()
    for count, record in enumerate(reader, start=1):
        line = reader.line_num
        if count > MAX_IMPORT_ROWS:
            too_many = f"the file has more than {MAX_IMPORT_ROWS} rows (the limit): split it"
            parsed.problems.append((line, too_many))
            return
        row, problem = _check_row(network, line, record)
        if problem:
            parsed.problems.append((line, problem))
        elif row is not None and row.email in seen:
            parsed.duplicates += 1
        elif row is not None:
            seen.add(row.email)
            parsed.rows.append(row)


def _check_row(network: Network, line: int, record: dict[str, str | None]) -> tuple[ImportRow | None, str]:
    if None in record:
        return None, "the row has more fields than the header"
    name = " ".join((record.get("name") or "").split())
    department = " ".join((record.get("department") or "").split())
    try:
        email = checked_work_email(network, record.get("email") or "")
    except AddressRejected as exc:
        return None, f"email: {exc}"
    if not name:
        return None, "name: the name is empty"
    if len(name) > MAX_NAME or len(department) > MAX_DEPARTMENT:
        return None, f"name and department must be {MAX_NAME} characters or fewer"
    return ImportRow(line, email, name, department), ""


def import_rows(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    topic: Topic,
    parsed: ParsedFile,
    ctx: SignupContext,
    *,
    frequency: Frequency,
    send_confirmations: bool,
) -> ImportReport:
    """Store the rows (the caller's unit of work commits all of them or none)."""
    if parsed.problems:
        raise ValueError("a file with bad rows is not imported")
    report = ImportReport(duplicates=parsed.duplicates)
    for row in parsed.rows:
        if send_confirmations:
            signup = CheckedSignup(row.name, row.email, row.department, [topic], frequency)
            request_signup(uow, queue, network, signup, ctx, source=ConsentSource.IMPORT)
            report.confirmations_sent += 1
            continue
        if subscriber_repo.is_suppressed(uow.session, network.id, keyed_email_hash(ctx.hash_key, row.email)):
            report.suppressed_skipped += 1
            continue
        add_confirmed_subscriber(
            uow.session,
            network,
            email=row.email,
            name=row.name,
            department=row.department,
            topics=[topic],
            frequency=frequency,
            source=ConsentSource.IMPORT,
            hash_key=ctx.hash_key,
            now=ctx.now,
        )
        report.added += 1
    return report
