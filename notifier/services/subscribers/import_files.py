"""Reading an import file: CSV (UTF-8), Excel (.xlsx, with openpyxl) or OpenDocument (.ods, with
odfpy), told apart by their content, not their name. Each is bounded before and while it is read:

- the file: at most `MAX_IMPORT_BYTES`;
- a spreadsheet (a zip): at most `MAX_ZIP_ENTRIES` entries and `MAX_UNPACKED_BYTES` once unpacked,
  checked on the archive's own sizes (zipfile never reads past them) before a library sees it, and its
  XML read through defusedxml (no entities, no DTD), which both libraries use when it is installed;
- rows: `MAX_IMPORT_ROWS` with something in them; blank rows are skipped, an OpenDocument sheet's
  repeated blank rows without being expanded, and an Excel sheet is not read past Excel's own last
  row (`MAX_SHEET_ROWS`);
- cells: the first `MAX_COLUMNS` columns, each at most `MAX_CELL_CHARS` characters (the CSV reader's
  own limit on a field applies to CSV).

Yields the header and each row as lists of text, with the line (row) number a person sees.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from odf import teletype
from odf.opendocument import load as load_ods
from odf.table import Table, TableRow
from openpyxl.utils.exceptions import InvalidFileException

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
MAX_SHEET_ROWS = 1_048_576  # Excel's last row
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1000
MAX_ZIP_ENTRIES = 1000
MAX_UNPACKED_BYTES = 24 * 1024 * 1024
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# What a damaged or hostile spreadsheet makes the libraries raise.
UNREADABLE = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
    ParseError,
    DefusedXmlException,
    InvalidFileException,
)


class ImportFileError(ValueError):
    """The file cannot be imported at all (too large, not a kind we read); the message says why."""


class UnreadableRow(Exception):
    """Reading stopped at this line: the rows before it were read."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


class FileKind(StrEnum):
    CSV = "CSV"
    XLSX = "Excel"
    ODS = "OpenDocument"


Rows = Iterator[tuple[int, list[str]]]


def file_kind(raw: bytes) -> FileKind:
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        return FileKind.CSV
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise ImportFileError(f"the spreadsheet holds more than {MAX_ZIP_ENTRIES} parts")
            if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                megabytes = MAX_UNPACKED_BYTES // (1024 * 1024)
                raise ImportFileError(f"the spreadsheet is over {megabytes} MB once unpacked: split it")
            names = {e.filename for e in entries}
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return FileKind.ODS
            if "xl/workbook.xml" in names:
                return FileKind.XLSX
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError("the file is damaged: it cannot be opened") from exc
    raise ImportFileError("the file is not a CSV file, an Excel (.xlsx) or OpenDocument (.ods) spreadsheet")


def read_rows(raw: bytes) -> tuple[FileKind, Rows]:
    """The file's kind and its rows, header first; raises ImportFileError for the file as a whole,
    and the rows raise UnreadableRow where reading had to stop."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"the file is over {MAX_IMPORT_BYTES} bytes (the limit): split it")
    kind = file_kind(raw)
    if kind is FileKind.XLSX:
        return kind, _bounded(_xlsx_rows(raw))
    if kind is FileKind.ODS:
        return kind, _bounded(_ods_rows(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("the file must be a CSV file saved as UTF-8, or a spreadsheet") from exc
    return kind, _bounded(_csv_rows(text))


def _bounded(rows: Rows) -> Rows:
    """Blank rows are dropped; more than the header and MAX_IMPORT_ROWS rows stop the reading."""
    count = 0
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS + 1:
            raise UnreadableRow(line, f"the file has more than {MAX_IMPORT_ROWS} rows (the limit): split it")
        yield line, cells


def _csv_rows(text: str) -> Rows:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:  # e.g. a field over the csv module's limit, or a NUL
        raise UnreadableRow(reader.line_num, f"the file cannot be read as CSV ({exc})") from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _checked(line: int, cells: list[str]) -> list[str]:
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        raise UnreadableRow(line, f"a cell is over {MAX_CELL_CHARS} characters (the limit)")
    return cells


def _xlsx_rows(raw: bytes) -> Rows:
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except UNREADABLE as exc:
        raise ImportFileError("the Excel file is damaged: it cannot be read") from exc
    line = 0
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        read = sheet.iter_rows(max_row=MAX_SHEET_ROWS, max_col=MAX_COLUMNS, values_only=True)
        for line, values in enumerate(read, start=1):
            yield line, _checked(line, [_cell_text(v) for v in values])
    except UNREADABLE as exc:
        raise UnreadableRow(line + 1, "the Excel file is damaged from here on: it cannot be read") from exc
    finally:
        book.close()


def _ods_rows(raw: bytes) -> Rows:
    try:
        document = load_ods(io.BytesIO(raw))
        tables = document.spreadsheet.getElementsByType(Table)
    except UNREADABLE as exc:
        raise ImportFileError("the OpenDocument file is damaged: it cannot be read") from exc
    if not tables:
        return
    line = 0
    for row in tables[0].getElementsByType(TableRow):
        cells = _ods_cells(row)
        repeat = _repeat(row, "numberrowsrepeated")
        if not any(cells):  # blank rows, often repeated to the sheet's end: skipped, not expanded
            line += repeat
            continue
        for _ in range(min(repeat, MAX_IMPORT_ROWS + 2)):
            line += 1
            yield line, _checked(line, cells)


def _repeat(element: Any, attribute: str) -> int:
    value = element.getAttribute(attribute)
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _ods_cells(row: Any) -> list[str]:
    cells: list[str] = []
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        text = "\n".join(teletype.extractText(p) for p in cell.childNodes if p.qname[1] == "p")
        if not text and cell.getAttribute("valuetype") in ("float", "percentage", "currency"):
            text = _cell_text(float(cell.getAttribute("value") or 0))
        cells.extend([text] * min(_repeat(cell, "numbercolumnsrepeated"), MAX_COLUMNS - len(cells)))
        if len(cells) >= MAX_COLUMNS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells
