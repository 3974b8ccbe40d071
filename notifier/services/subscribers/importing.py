"""Importing people from a file (`email,name,department` columns; CSV, Excel or OpenDocument, read by
`import_files.py` within its limits): all rows or none.

Every bad row is reported with its line number and reason before anything is stored; a file over a
limit is refused whole, saying which. Repeated addresses are merged. Each person is then added on the
network's behalf as `consent_choice.add_on_behalf` does: asked by email to confirm (the default), or
with their consent recorded for a stated reason; a suppressed address is never brought back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from notifier.db.models import Network, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import Frequency
from notifier.services.common.ports import TaskQueue
from notifier.services.subscribers import import_files
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email
from notifier.services.subscribers.consent_choice import Added, ConsentChoice, Person, add_on_behalf
from notifier.services.subscribers.import_files import ImportFileError, Rows, UnreadableRow, read_rows
from notifier.services.subscribers.signup_form import MAX_DEPARTMENT, MAX_NAME
from notifier.services.subscribers.signups import SignupContext

REQUIRED_COLUMNS = ("email", "name")
__all__ = ["ImportFileError", "import_rows", "parse_csv", "parse_file", "read_import_file"]


def read_import_file(path: Path) -> bytes:
    """The file's bytes, reading no more than the limit of them (and one byte to know it is over)."""
    with path.open("rb") as handle:
        raw = handle.read(import_files.MAX_IMPORT_BYTES + 1)
    if len(raw) > import_files.MAX_IMPORT_BYTES:
        raise ImportFileError(f"the file is over {import_files.MAX_IMPORT_BYTES} bytes (the limit): split it")
    return raw


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
    already: int = 0
    restricted_skipped: int = 0


def parse_file(network: Network, raw: bytes) -> ParsedFile:
    """Check every row of a CSV, Excel or OpenDocument file; raises ImportFileError for the whole file."""
    _kind, rows = read_rows(raw)
    return _parse(network, rows)


def parse_csv(network: Network, text: str) -> ParsedFile:
    return parse_file(network, text.encode("utf-8"))


def _parse(network: Network, rows: Rows) -> ParsedFile:
    parsed = ParsedFile()
    try:
        _check(network, rows, parsed)
    except UnreadableRow as stopped:
        parsed.problems.append((stopped.line, stopped.reason))
    if not parsed.rows and not parsed.problems:
        parsed.problems.append((1, "the file has no rows to import"))
    return parsed


def _check(network: Network, rows: Rows, parsed: ParsedFile) -> None:
    columns: list[str] | None = None
    seen: set[str] = set()
    for line, cells in rows:
        if columns is None:
            columns = [c.strip().lower() for c in cells]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                parsed.problems.append((line, f"the header needs the column(s) {', '.join(missing)}"))
                return
            continue
        row, problem = _check_row(network, line, columns, cells)
        if problem:
            parsed.problems.append((line, problem))
        elif row is not None and row.email in seen:
            parsed.duplicates += 1
        elif row is not None:
            seen.add(row.email)
            parsed.rows.append(row)


def _check_row(
    network: Network, line: int, columns: list[str], cells: list[str]
) -> tuple[ImportRow | None, str]:
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        return None, "the row has more fields than the header"
    record = dict(zip(columns, cells, strict=False))
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


COUNTS = {
    Added.ASKED: "confirmations_sent",
    Added.SUBSCRIBED: "added",
    Added.SUPPRESSED: "suppressed_skipped",
    Added.ALREADY: "already",
    Added.RESTRICTED: "restricted_skipped",
}


def import_rows(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    topic: Topic,
    parsed: ParsedFile,
    ctx: SignupContext,
    *,
    frequency: Frequency,
    choice: ConsentChoice,
) -> ImportReport:
    """Store the rows (the caller's unit of work commits all of them or none)."""
    if parsed.problems:
        raise ValueError("a file with bad rows is not imported")
    report = ImportReport(duplicates=parsed.duplicates)
    for row in parsed.rows:
        person = Person(row.email, row.name, row.department)
        added = add_on_behalf(uow, queue, network, person, topic, frequency=frequency, choice=choice, ctx=ctx)
        setattr(report, COUNTS[added], getattr(report, COUNTS[added]) + 1)
    return report
