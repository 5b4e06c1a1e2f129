"""The limits of what one imported file may hold, in one place: the command line and the web
import check the same numbers, and docs/cli.md states them.

Each limit is checked while reading, before the work it bounds is done: a file is measured before
it is opened, a compressed file is unpacked a piece at a time and stopped at its limit, and a
workbook's parts are measured from its directory before any of them is read.
"""

from __future__ import annotations

MB = 1024 * 1024

MAX_FILE_BYTES = 256 * MB
"""The largest file an import reads (a CSV of about 170,000 people's ratings)."""

MAX_JSON_BYTES = 64 * MB
"""The largest JSON document, after unpacking a gzip file: it is checked as a whole, in memory.
A larger database moves with a backup, which is read a piece at a time."""

MAX_UNPACKED_BYTES = 1024 * MB
"""The most that the parts of a workbook may hold, together, once unpacked."""

MAX_SHARED_STRINGS_BYTES = 64 * MB
"""The most that a workbook's table of shared texts may hold, unpacked (it is held in memory)."""

MAX_CELL_CHARS = 32_767
"""The most characters one cell or CSV field may hold (a spreadsheet's own limit)."""

MAX_JSON_DEPTH = 32
"""The deepest nesting of lists and objects a JSON document may have (an export needs 6)."""


def size(n: int) -> str:
    """A number of bytes in megabytes, for a message."""
    return f"{n / MB:g} MB"
