"""Open a CSV file or a workbook as a stream of rows under a checked header.

Rows are read lazily, so a file of millions of rows is never held in memory. Every row carries
``where`` (``FILE, line N`` or ``FILE, sheet S, row N``) for error messages.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from competence.errors import InputError, Problems
from competence.formats.limits import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_JSON_BYTES,
    MAX_SHARED_STRINGS_BYTES,
    MAX_UNPACKED_BYTES,
    size,
)

if TYPE_CHECKING:
    import zipfile

HEADER_SEARCH_ROWS = 10
TEMPLATE_SHEET = "Self-assessment"
SNIFF_BYTES = 65536
FORMULA_START = "=+-@\t\r\n"
"""What a spreadsheet may take as the start of a formula: OWASP's ``=``, ``+``, ``-``, ``@``, tab
and carriage return, and the line feed that a carriage return becomes in a workbook (XML)."""
NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r\n]")
ESCAPED = re.compile(r"'+[=+\-@\t\r\n]")
_QUOTED = methodcaller("startswith", "'")
_T = TypeVar("_T")


def escape_cell(value: _T) -> _T:
    """The one escape for every cell and CSV field the product writes, in every writer (the CSV
    and XLSX exports, the team workbook, the template, the Moodle CSV).

    A text that starts with a character of :data:`FORMULA_START`, after none or some ``'``, gets
    one more ``'`` in front: ``=SUM(A1)`` becomes ``'=SUM(A1)``, ``-3 days`` becomes ``'-3 days``
    and ``'=x`` becomes ``''=x``. Nothing else changes, so :func:`unescape_cell` gives the text
    back exactly. Workbooks get the same ``'`` as CSV files (and store text cells as text), so a
    workbook saved again as CSV stays safe and reads back the same. A value that is not text (a
    number, even a negative one, a date, None) is returned as it is: it is written as a number,
    never run as a formula; ``"-1"`` as text becomes ``'-1`` and reads back as ``"-1"``.
    """
    if isinstance(value, str) and NEEDS_ESCAPE.match(value):
        return cast(_T, "'" + value)
    return value


def unescape_cell(value: _T) -> _T:
    """Undo :func:`escape_cell` on a cell as read (CSV or workbook): a text that starts with
    ``'`` and then, after none or more ``'``, a character of :data:`FORMULA_START` loses its first
    ``'``. Every reader undoes the escape first, then trims the cell as it trims every cell."""
    if isinstance(value, str) and value[:1] == "'" and ESCAPED.match(value):
        return cast(_T, value[1:])
    return value


class Row(NamedTuple):
    """One row, before it is checked. ``values`` maps normalised column names to cells.

    (A named tuple, immutable and made at a quarter of a frozen dataclass's cost: a file gives
    one for every row.)"""

    where: str
    values: Mapping[str, Any]
    problem: str | None = None
    """Set when the row could not be read at all (broken quoting, say)."""


@dataclass(frozen=True)
class Label:
    """A value written beside a label above a workbook's header (``Profile``, ``Context``)."""

    value: Any
    where: str


RawRow = tuple[int, list[Any], str | None]
"""(line or row number, cells, the reason when the row could not be read at all)."""


@dataclass
class Table:
    source: str
    kind: str  # csv | xlsx
    columns: list[str]
    index: dict[str, int]
    raw: Iterator[RawRow]
    """Rows as read: text cells are still escaped (see :func:`escape_cell`)."""
    where_prefix: str
    labels: dict[str, Label] = field(default_factory=dict)
    close: Callable[[], None] = lambda: None
    header_where: str = ""
    """Where the header row is: ``FILE, line 1`` or ``FILE, sheet S, row N``."""

    def where(self, number: int) -> str:
        """``FILE, line N`` or ``FILE, sheet S, row N``."""
        return f"{self.where_prefix}{number}"

    @property
    def rows(self) -> Iterator[Row]:
        """Rows as :class:`Row` objects, cells by column name, text cells unescaped."""
        if self.kind != "csv":
            for number, cells, problem in self.raw:
                if problem:
                    yield Row(self.where(number), {}, problem)
                else:
                    yield Row(
                        self.where(number), _pick(self.index, list(map(unescape_cell, cells)))
                    )
            return
        # A CSV row read without a problem is as wide as its header, and every cell is text.
        names = tuple(self.index)
        positions = tuple(self.index.values())
        pick = (
            itemgetter(*positions) if len(positions) > 1 else lambda cells: (cells[positions[0]],)
        )
        prefix = self.where_prefix
        for number, cells, problem in self.raw:
            if problem:
                yield Row(f"{prefix}{number}", {}, problem)
                continue
            picked = pick(cells)
            if any(map(_QUOTED, picked)):
                picked = map(unescape_cell, picked)
            yield Row(f"{prefix}{number}", dict(zip(names, picked, strict=True)))

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_path(path: Path) -> None:
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a folder, not a file")
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
            length = f.seek(0, 2)
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if not head.removeprefix(b"\xef\xbb\xbf").strip():
        raise InputError(f"{name}: the file is empty")
    if length > MAX_FILE_BYTES:
        raise InputError(
            f"{name}: the file is too large ({size(length)}): an import takes at most "
            f"{size(MAX_FILE_BYTES)}; split it into smaller files"
        )


def file_kind(path: Path) -> str:
    """``csv``, ``json`` or ``xlsx``: by the file's extension, or else by its first bytes."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".json", ".gz"):
        return "json"
    if suffix in (".csv", ".txt"):
        return "csv"
    with path.open("rb") as f:
        head = f.read(64)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    return "json" if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "csv"


def normalise(header: Iterable[Any]) -> list[str]:
    return [str(h).strip().lower() if h is not None else "" for h in header]


def column_index(
    where: str,
    names: list[str],
    required: tuple[str, ...],
    aliases: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Map column names to positions; raise naming every missing column."""
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        if n and n not in index:
            index[n] = i
    for alias, name in (aliases or {}).items():
        if alias in index:
            index[name] = index[alias]
    missing = [c for c in required if c not in index]
    if missing:
        has = ", ".join(n for n in names if n) or "nothing"
        cols = ", ".join(f'"{m}"' for m in missing)
        raise InputError(
            f"{where}: missing column{'s' if len(missing) > 1 else ''} {cols} "
            f"(the header has: {has}; needed: {', '.join(required)})"
        )
    return index


def _pick(index: Mapping[str, int], cells: list[Any]) -> dict[str, Any]:
    return {name: (cells[i] if i < len(cells) else None) for name, i in index.items()}


def open_table(
    path: str | Path,
    required: tuple[str, ...],
    aliases: Mapping[str, str] | None = None,
    is_header: Callable[[set[str]], bool] | None = None,
) -> Table:
    """Open a CSV file or workbook whose header holds ``required`` (after ``aliases``)."""
    path = Path(path)
    check_path(path)
    if file_kind(path) == "xlsx":
        return _open_xlsx(path, required, aliases, is_header)
    return _open_csv(path, required, aliases)


def _open_csv(path: Path, required: tuple[str, ...], aliases: Mapping[str, str] | None) -> Table:
    name = str(path)
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise InputError(f"{name}: not a text file (save it as CSV UTF-8, or use .xlsx or .json)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) < SNIFF_BYTES or exc.start < len(head) - 3:  # not a cut at the sample's end
            raise InputError(_not_utf8(name, head[: exc.start].count(b"\n") + 1)) from None
    stream = path.open(encoding="utf-8-sig", newline="")
    try:
        first = stream.readline()
        if not first.strip():
            raise InputError(f"{name}, line 1: is empty; the first line must be the header")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter), [])
        index = column_index(f"{name}, line 1", normalise(header), required, aliases)
    except UnicodeDecodeError:
        stream.close()
        raise InputError(_not_utf8(name, _bad_line(path))) from None
    except InputError:
        stream.close()
        raise
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    width = len(header)

    def rows() -> Iterator[RawRow]:
        line = 1  # lines consumed so far (the header)
        limit = MAX_CELL_CHARS
        while True:  # a for loop over the reader, begun again after a row that is not CSV
            try:
                for cells in reader:
                    start, line = line + 1, reader.line_num + 1
                    if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):
                        continue
                    if len(cells) != width:
                        yield start, [], wrong_width(len(cells), width)
                        continue
                    # No cell is longer than the row's text: one join answers for most rows.
                    if len("".join(cells)) > limit and max(map(len, cells)) > limit:
                        yield start, [], too_long(cells)
                        continue
                    yield start, cells, None
                return
            except UnicodeDecodeError:
                raise InputError(_not_utf8(name, _bad_line(path))) from None
            except csv.Error as exc:
                start, line = line + 1, reader.line_num + 1
                yield start, [], f"not valid CSV: {exc}"

    return Table(
        name,
        "csv",
        normalise(header),
        index,
        rows(),
        f"{name}, line ",
        close=stream.close,
        header_where=f"{name}, line 1",
    )


def wrong_width(found: int, width: int) -> str:
    """The problem of a CSV row with more or fewer fields than its header (a cut file, say)."""
    return (
        f"has {found} field{'s' if found != 1 else ''} where the header has {width} "
        "(a row cut short or with extra fields; leave a cell empty for not rated)"
    )


def too_long(cells: list[Any]) -> str:
    """The problem of a row with a cell longer than :data:`MAX_CELL_CHARS`."""
    column = next(i for i, c in enumerate(cells) if isinstance(c, str) and len(c) > MAX_CELL_CHARS)
    return f"column {column + 1}: a cell longer than {MAX_CELL_CHARS} characters"


def _not_utf8(name: str, line: int) -> str:
    return f"{name}, line {line}: not UTF-8 text; save it as CSV UTF-8 (or use .xlsx)"


def _bad_line(path: Path) -> int:
    """The first line of a file that is not UTF-8 (read again, only when there is one)."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _open_xlsx(
    path: Path,
    required: tuple[str, ...],
    aliases: Mapping[str, str] | None,
    is_header: Callable[[set[str]], bool] | None,
) -> Table:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = str(path)
    check_workbook_sizes(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{name}: not an Excel workbook (.xlsx): {exc}") from None
    cells_iter: Iterator[tuple[Any, ...]] = iter(())

    def close() -> None:
        """Close the rows being read, then the workbook (which stays open while they are)."""
        getattr(cells_iter, "close", lambda: None)()
        book.close()

    try:
        if not book.sheetnames:
            raise InputError(f"{name}: the workbook has no sheets")
        sheet = book[TEMPLATE_SHEET] if TEMPLATE_SHEET in book.sheetnames else book.worksheets[0]
        title = sheet.title
        labels: dict[str, Label] = {}
        cells_iter = sheet.iter_rows(values_only=True)
        header_row, index, names = 0, None, []
        wanted = set(required) - set((aliases or {}).values())
        for number, cells in enumerate(cells_iter, start=1):
            names = normalise(cells)
            present = set(names) | {aliases[n] for n in names if aliases and n in aliases}
            if (is_header or (lambda s: wanted <= s))(present):
                header_row = number
                index = column_index(
                    f"{name}, sheet {title}, row {number}", names, required, aliases
                )
                break
            if cells and cells[0] is not None and len(cells) > 1:
                labels[str(cells[0]).strip().lower()] = Label(
                    unescape_cell(cells[1]), f"{name}, sheet {title}, row {number}"
                )
            if number >= HEADER_SEARCH_ROWS:
                break
        if index is None:
            raise InputError(
                f"{name}, sheet {title}: no header row with the columns "
                f"{', '.join(required)} in the first {HEADER_SEARCH_ROWS} rows"
            )
        read = {index[c]: names[index[c]] for c in required}  # the columns an import needs
        # A read-only sheet knows its part in the archive (openpyxl gives no public name for it).
        part = str(getattr(sheet, "_worksheet_path", ""))
        problems = formulas_and_merges(path, part, read, header_row, f"{name}, sheet {title}, ")
        if problems:
            raise problems.error()
    except InputError:
        close()
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many ways inside openpyxl
        close()
        raise InputError(f"{name}: not a readable workbook: {exc}") from None

    def rows() -> Iterator[RawRow]:
        try:
            for number, cells in enumerate(cells_iter, start=header_row + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells):
                    yield number, [], too_long(list(cells))
                    continue
                yield number, list(cells), None
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl parses lazily; any failure is the file's
            raise InputError(f"{name}, sheet {title}: not a readable workbook: {exc}") from None

    return Table(
        name,
        "xlsx",
        names,
        index,
        rows(),
        f"{name}, sheet {title}, row ",
        labels=labels,
        close=close,
        header_where=f"{name}, sheet {title}, row {header_row}",
    )


def check_workbook_sizes(path: Path) -> None:
    """Refuse a workbook whose parts would unpack to more than the limits, from the sizes its
    directory records (unpacking stops at a part's recorded size, so they cannot lie)."""
    import zipfile  # a workbook's: a CSV file's reading does without it

    name = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not an Excel workbook (.xlsx): {exc}") from None
    total = sum(p.file_size for p in parts)
    strings = [p for p in parts if p.filename.lower().endswith("sharedstrings.xml")]
    for part in strings:
        if part.file_size > MAX_SHARED_STRINGS_BYTES:
            raise InputError(
                f"{name}: the workbook's shared texts ({part.filename}) unpack to "
                f"{size(part.file_size)}, more than the {size(MAX_SHARED_STRINGS_BYTES)} an "
                "import takes"
            )
    if total > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{name}: the workbook unpacks to {size(total)}, more than the "
            f"{size(MAX_UNPACKED_BYTES)} an import takes; split it into smaller files"
        )


_FORMULA_OR_MERGE = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)[\s/>]")
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def formulas_and_merges(
    path: Path, part: str, columns: Mapping[int, str], header_row: int, where: str
) -> Problems:
    """Formulas and merged cells below the header in the columns an import needs (0-based
    positions with their names): a formula's value is not read, and merged cells leave every
    row but the first empty, so both would import as not rated without a word. The part is
    searched for either first, at the speed of a byte search; only a sheet that has one is
    parsed."""
    import zipfile

    problems = Problems()
    with zipfile.ZipFile(path) as archive:
        if part not in archive.namelist():
            return problems
        return _formulas_and_merges(archive, part, columns, header_row, where)


def _formulas_and_merges(
    archive: zipfile.ZipFile, part: str, columns: Mapping[int, str], header_row: int, where: str
) -> Problems:
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries

    problems = Problems()
    with archive.open(part) as stream:
        tail = b""
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            if _FORMULA_OR_MERGE.search(tail + chunk):
                break
            tail = chunk[-16:]
        else:
            return problems
    with archive.open(part) as stream:
        row = column = 0
        for event, element in iterparse(stream, ("start", "end")):
            tag = element.tag.removeprefix(_SHEET_NS)
            if event == "start":
                if tag == "row":
                    row = int(element.get("r") or row + 1)
                    column = 0
                continue
            if tag == "c":
                place = element.get("r")
                column = coordinate_to_tuple(place)[1] if place else column + 1
                formula = element.find(f"{_SHEET_NS}f")
                if formula is not None and row > header_row and column - 1 in columns:
                    shown = "=" + (formula.text or "")[:40]
                    problems.add(
                        f"{where}row {row}, column {get_column_letter(column)} "
                        f"({columns[column - 1]}): holds a formula ({shown}); type the value "
                        "itself: an import does not work formulas out"
                    )
            elif tag == "row":
                element.clear()
            elif tag == "mergeCell":
                ref = element.get("ref") or ""
                try:
                    first_col, _, last_col, last_row = (int(n or 0) for n in range_boundaries(ref))
                except (TypeError, ValueError):
                    continue
                spans = range(first_col - 1, last_col)
                if last_row > header_row and any(c in columns for c in spans):
                    problems.add(
                        f"{where}cells {ref}: merged cells where an import needs values; unmerge "
                        "them and give each row its own value"
                    )
            if problems.full:
                break
    return problems


def read_json_bytes(path: Path) -> bytes:
    """A JSON file's bytes, unpacked when it is gzip-compressed, at most :data:`MAX_JSON_BYTES`
    of them: unpacking goes a piece at a time and stops at the limit."""
    import gzip
    import zlib

    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    try:
        if gzipped:
            with gzip.open(path, "rb") as stream:
                data = stream.read(MAX_JSON_BYTES + 1)
        else:
            with path.open("rb") as plain:
                data = plain.read(MAX_JSON_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: not a readable gzip file: {exc}") from None
    if len(data) > MAX_JSON_BYTES:
        what = "unpacks to" if gzipped else "holds"
        raise InputError(
            f"{path}: the JSON document {what} more than {size(MAX_JSON_BYTES)}, the most an "
            "import takes (move a whole database with backup and restore)"
        )
    return data


def read_text(path: Path) -> str:
    """A whole JSON file as text (unpacked when it is gzip-compressed), with clear errors."""
    data = read_json_bytes(path)
    if b"\x00" in data[:SNIFF_BYTES]:
        raise InputError(f"{path}: not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}, line {line}: not UTF-8 text") from None
