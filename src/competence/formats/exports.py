"""The people-and-ratings export as CSV or XLSX: one row per rating, every text cell escaped by
:func:`~competence.formats.tables.escape_cell`, so that no spreadsheet runs it as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
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


Cells = tuple[tuple[Any, ...], tuple[Any, ...]]
"""A row of the export as two tuples of cells that together follow :data:`EXPORT_COLUMNS`: those
its assessment's rows share (the same tuple on each of them, so that it is written once) and its
own."""


def write_csv(rows: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """:func:`write_csv_cells` for rows keyed by column name."""
    return write_csv_cells((((), cells(row)) for row in rows), out)


def cells(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """A row keyed by column name as its cells, in the order of :data:`EXPORT_COLUMNS`."""
    return tuple(row[column] for column in EXPORT_COLUMNS)


def write_csv_cells(rows: Iterable[Cells], out: IO[str]) -> int:
    """Write the header and ``rows``; return how many rows. Lines end in CRLF (RFC 4180), so
    that the csv module quotes a field holding a carriage return: an unquoted one would start a
    new row in a spreadsheet. Open ``out`` with ``newline=""``."""
    writer = _csv_writer(out)
    # Most cells repeat from row to row (levels, slugs, confidence words), so a small cache of
    # escape_cell's answers serves most of them without a call.
    escape = lru_cache(maxsize=ESCAPE_CACHE, typed=True)(escape_cell)
    writerow, write = writer.writerow, out.write
    writerow(map(escape, EXPORT_COLUMNS))
    line = _Line()
    shared_line = _csv_writer(line)
    last: tuple[Any, ...] | None = None
    start = ""
    n = 0
    for shared, own in rows:
        if shared is not last:  # the assessment's cells, escaped and quoted once for its rows
            last = shared
            start = ""
            if shared:
                shared_line.writerow(map(escape_cell, shared))
                start = line.text[:-2] + ","
        write(start)
        writerow(map(escape, own))
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


def write_xlsx(rows: Iterable[Mapping[str, Any]], path: str | Path | IO[bytes]) -> int:
    """:func:`write_xlsx_cells` for rows keyed by column name."""
    return write_xlsx_cells((((), cells(row)) for row in rows), path)


def write_xlsx_cells(rows: Iterable[Cells], path: str | Path | IO[bytes]) -> int:
    """A write-only workbook of ``rows`` (each the cells of :data:`EXPORT_COLUMNS`, in order);
    every text cell is escaped and stored as text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    if isinstance(path, str | Path):  # fail on an unwritable path before building anything
        with open(path, "wb") as out:
            return write_xlsx_cells(rows, out)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ratings")
    sheet.append([escape_cell(c) for c in EXPORT_COLUMNS])
    n = 0
    for shared, own in rows:
        written = []
        for cell_value in (*shared, *own):
            value = escape_cell(cell_value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            written.append(cell)
        sheet.append(written)
        n += 1
    book.save(path)
    return n
