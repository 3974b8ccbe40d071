"""An import file is read within its limits, whatever its kind: a file over its size, more rows than
allowed (blank rows count, a repeated blank row is not expanded), a field over the csv module's own
limit or a cell over ours, a spreadsheet that unpacks to too much, and a damaged or unknown file are
each refused with a line saying which, never an error. Excel and OpenDocument files are made here with
openpyxl and odfpy, and read as a person typed them."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from notifier.db.models import Network
from notifier.services.subscribers import import_files
from notifier.services.subscribers.import_files import MAX_IMPORT_BYTES, FileKind, ImportFileError, read_rows
from notifier.services.subscribers.importing import parse_csv, parse_file, read_import_file

NETWORK = Network(id=1, slug="alpha", name="Alpha Network", allowed_email_domains=["*.gov.uk"], settings={})
PEOPLE = [
    ["email", "name", "department"],
    ["pat.one@hmrc.gov.uk", "Pat One", "HMRC"],
    ["sam@dwp.gov.uk", "Sam", ""],
]


def _rows(count: int) -> str:
    return "email,name\n" + "".join(f"p{n}@dept.gov.uk,Person {n}\n" for n in range(count))


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods(rows: list[list[str]], *, blank_rows_repeated: int = 0, repeated_row: int = 1) -> bytes:
    document = OpenDocumentSpreadsheet()
    table = Table(name="People")
    for index, row in enumerate(rows):
        attributes = (
            {"numberrowsrepeated": repeated_row} if index == len(rows) - 1 and repeated_row > 1 else {}
        )
        line = TableRow(**attributes)
        for value in row:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            line.addElement(cell)
        line.addElement(TableCell(numbercolumnsrepeated=16000))  # a sheet's empty columns to its edge
        table.addElement(line)
    if blank_rows_repeated:
        blank = TableRow(numberrowsrepeated=blank_rows_repeated)
        blank.addElement(TableCell(numbercolumnsrepeated=16000))
        table.addElement(blank)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def test_csv_excel_and_opendocument_files_read_alike() -> None:
    text = "".join(",".join(row) + "\n" for row in PEOPLE)
    for raw, kind in (
        (text.encode(), FileKind.CSV),
        (xlsx(PEOPLE), FileKind.XLSX),
        (ods(PEOPLE), FileKind.ODS),
    ):
        assert read_rows(raw)[0] is kind
        parsed = parse_file(NETWORK, raw)
        assert parsed.problems == [], kind
        assert [(r.line, r.email, r.name, r.department) for r in parsed.rows] == [
            (2, "pat.one@hmrc.gov.uk", "Pat One", "HMRC"),
            (3, "sam@dwp.gov.uk", "Sam", ""),
        ], kind


def test_numbers_and_empty_cells_in_a_spreadsheet_come_out_as_a_person_typed_them() -> None:
    parsed = parse_file(
        NETWORK, xlsx([["name", "email", "department"], ["Pat", "pat@hmrc.gov.uk", 42.0], [None, None]])
    )
    assert parsed.problems == [] and parsed.rows[0].department == "42"


def test_a_file_with_more_rows_than_the_limit_is_refused_at_the_first_row_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(import_files, "MAX_IMPORT_ROWS", 3)  # the real limit is 50,000 rows
    assert len(parse_csv(NETWORK, _rows(3)).rows) == 3
    parsed = parse_csv(NETWORK, _rows(4))
    assert parsed.problems == [(5, "the file has more than 3 rows (the limit): split it")]
    too_many = [["email", "name"]] + [[f"p{n}@dept.gov.uk", f"P {n}"] for n in range(4)]
    assert parse_file(NETWORK, xlsx(too_many)).problems[-1] == (
        5, "the file has more than 3 rows (the limit): split it",
    )  # fmt: skip
    # A row repeated a million times is counted, never expanded past the limit.
    repeated = parse_file(NETWORK, ods(PEOPLE[:2], repeated_row=1_000_000)).problems
    assert repeated == [(5, "the file has more than 3 rows (the limit): split it")]


def test_blank_rows_to_the_end_of_an_opendocument_sheet_are_not_rows_to_import() -> None:
    parsed = parse_file(NETWORK, ods(PEOPLE, blank_rows_repeated=1_048_000))
    assert parsed.problems == [] and len(parsed.rows) == 2


def test_a_field_over_the_csv_limit_or_a_cell_over_ours_is_a_problem_on_its_line() -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    parsed = parse_csv(NETWORK, f'email,name\np@dept.gov.uk,"{huge}"\n')
    assert len(parsed.problems) == 1
    line, reason = parsed.problems[0]
    assert line == 2 and reason.startswith("the file cannot be read as CSV (field larger than field limit")
    long_cell = "y" * (import_files.MAX_CELL_CHARS + 1)
    for raw in (
        xlsx([["email", "name"], ["p@dept.gov.uk", long_cell]]),
        ods([["email", "name"], ["p@dept.gov.uk", long_cell]]),
    ):
        assert parse_file(NETWORK, raw).problems == [(2, "a cell is over 1000 characters (the limit)")]


def test_a_spreadsheet_that_unpacks_to_too_much_is_not_opened() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b" " * (import_files.MAX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < 100_000  # a small file that would unpack to megabytes
    with pytest.raises(ImportFileError, match="MB once unpacked"):
        parse_file(NETWORK, out.getvalue())


def test_a_damaged_or_unknown_file_is_refused_whole() -> None:
    with pytest.raises(ImportFileError, match="not a CSV file, an Excel"):
        parse_file(NETWORK, _zip({"word/document.xml": "<w/>"}))
    with pytest.raises(ImportFileError, match="Excel file is damaged"):
        parse_file(NETWORK, _zip({"xl/workbook.xml": "<not-a-workbook"}))
    with pytest.raises(ImportFileError, match="OpenDocument file is damaged"):
        parse_file(
            NETWORK, _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<"})
        )
    entity = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(ImportFileError, match="OpenDocument file is damaged"):
        parse_file(
            NETWORK,
            _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": entity}),
        )


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "people.csv"
    big.write_bytes(b"email,name\n" + b"x" * MAX_IMPORT_BYTES)
    with pytest.raises(ImportFileError, match=f"over {MAX_IMPORT_BYTES} bytes"):
        read_import_file(big)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("email,name\np@dept.gov.uk,Zoë\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="saved as UTF-8"):
        parse_file(NETWORK, read_import_file(latin))
    good = tmp_path / "good.csv"
    good.write_text("\ufeffemail,name\np@dept.gov.uk,Zoë\n", encoding="utf-8")
    assert parse_file(NETWORK, read_import_file(good)).rows[0].name == "Zoë"
