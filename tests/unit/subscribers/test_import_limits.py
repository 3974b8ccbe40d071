"""A CSV import is read within its limits: a file over its size, a file with more rows than allowed and
a field over the csv module's own limit are each refused with a line saying which, never an error."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from notifier.db.models import Network
from notifier.services.subscribers import importing
from notifier.services.subscribers.importing import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    parse_csv,
    read_csv_file,
)

NETWORK = Network(id=1, slug="alpha", name="Alpha Network", allowed_email_domains=["*.gov.uk"], settings={})


def _rows(count: int) -> str:
    return "email,name\n" + "".join(f"p{n}@dept.gov.uk,Person {n}\n" for n in range(count))


def test_a_file_with_more_rows_than_the_limit_is_refused_at_the_first_row_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importing, "MAX_IMPORT_ROWS", 3)  # the real limit is 50,000 rows
    assert len(parse_csv(NETWORK, _rows(3)).rows) == 3
    parsed = parse_csv(NETWORK, _rows(4))
    assert parsed.problems == [(5, "the file has more than 3 rows (the limit): split it")]


def test_a_field_over_the_csv_limit_is_a_problem_on_its_line() -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    parsed = parse_csv(NETWORK, f'email,name\np@dept.gov.uk,"{huge}"\n')
    assert len(parsed.problems) == 1
    line, reason = parsed.problems[0]
    assert line == 2 and reason.startswith("the file cannot be read as CSV (field larger than field limit")


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "people.csv"
    big.write_bytes(b"email,name\n" + b"x" * MAX_IMPORT_BYTES)
    with pytest.raises(ImportFileError, match=f"over {MAX_IMPORT_BYTES} bytes"):
        read_csv_file(big)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("email,name\np@dept.gov.uk,Zoë\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="saved as UTF-8"):
        read_csv_file(latin)
    good = tmp_path / "good.csv"
    good.write_text("\ufeffemail,name\np@dept.gov.uk,Zoë\n", encoding="utf-8")
    assert read_csv_file(good) == "email,name\np@dept.gov.uk,Zoë\n"
