"""The people-and-ratings export as CSV or XLSX: one row per rating, every text cell escaped by
:func:`~competence.formats.tables.escape_cell`, so that no spreadsheet runs it as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from competence.formats.tables import escape_cell

EXPORT_COLUMNS = (
    "person",
    "name",
    "employee_id",
    "team",
    "context",
    "profile",
    "cycle",
    "kind",
    "status",
    "assessed_on",
    "competence",
    "slug",
    "knowledge",
    "application",
    "evidence",
    "confidence",
    "evidence_links",
)
ESCAPE_CACHE = 4096
"""How many distinct cell values the CSV writer keeps the escaped form of."""


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Lines end in CRLF (RFC 4180), so that the csv module quotes a field holding a carriage
    return: an unquoted one would start a new row in a spreadsheet. Open ``out`` with
    ``newline=""``."""
    writer = _csv_writer(out)
    # Most cells repeat from row to row (a person's columns on each of their ratings, levels,
    # slugs), so a small cache of escape_cell's answers serves most of them without a call.
    escape = lru_cache(maxsize=ESCAPE_CACHE, typed=True)(escape_cell)
    cells = itemgetter(*EXPORT_COLUMNS)
    writerow = writer.writerow
    writerow(map(escape, EXPORT_COLUMNS))
    n = 0
    for row in rows:
        writerow(map(escape, cells(row)))
        n += 1
    return n


def _csv_writer(out: Any) -> Any:
    """The product's CSV dialect: the csv module's, with lines ending in CRLF."""
    return csv.writer(out, lineterminator="\r\n")


class _Line:
    """A file that keeps only what was last written to it (one CSV line)."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row as one CSV line (CRLF), every cell escaped: for a CSV streamed a line at a time."""
    line = _Line()
    writer = _csv_writer(line)
    for row in rows:
        writer.writerow(escape_cell(c) for c in row)
        yield line.text


def write_xlsx(rows: Iterable[dict[str, Any]], path: str | Path | IO[bytes]) -> int:
    """A write-only workbook; every text cell is escaped and stored as text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    if isinstance(path, str | Path):  # fail on an unwritable path before building anything
        with open(path, "wb") as out:
            return write_xlsx(rows, out)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ratings")
    sheet.append([escape_cell(c) for c in EXPORT_COLUMNS])
    n = 0
    for row in rows:
        cells = []
        for column in EXPORT_COLUMNS:
            value = escape_cell(row[column])
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        n += 1
    book.save(path)
    return n
