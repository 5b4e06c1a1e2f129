"""Hostile files given to `competence import`, each in a real process held to resource limits: the
answer is a clear refusal (exit code 2, the file named), within a bounded memory and CPU time.

The limits are set with ``resource.setrlimit`` in the child, so a reader that holds the whole
unpacked file fails with a MemoryError (exit 1), and one that works row after row without end is
stopped by the CPU limit; the peak memory each child used is measured with ``os.wait4``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from competence.formats.limits import MAX_JSON_DEPTH

SCRIPT = Path(sys.executable).parent / "competence"
MEMORY = 1 << 30  # the address space a child may use: 1 GB
CPU_SECONDS = 30
MB = 1 << 20


@dataclass
class Outcome:
    code: int
    stderr: str
    peak_mb: float


def limited(url: str, *args: str) -> Outcome:
    """Run `competence ARGS` with at most 1 GB of address space and 30 s of CPU."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))

    env = {**os.environ, "COMPETENCE_DATABASE_URL": url}
    with subprocess.Popen(
        [str(SCRIPT), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=limit,
    ) as child:
        assert child.stderr is not None
        stderr = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    outcome = Outcome(child.returncode, stderr, usage.ru_maxrss / 1024)
    print(
        f"competence {args[0]} {Path(args[-1]).name}: exit {outcome.code}, {outcome.peak_mb:.0f} MB"
    )
    return outcome


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("bounded")
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    env = {**os.environ, "COMPETENCE_DATABASE_URL": url}
    subprocess.run([str(SCRIPT), "db", "upgrade"], env=env, check=True, capture_output=True)
    return url


def gzip_member(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    return packer.compress(data) + packer.flush()


def test_a_gzip_file_that_unpacks_to_2_gb_is_refused_in_bounded_memory(
    url: str, tmp_path: Path
) -> None:
    # A gzip file may hold several members, read one after the other: one 16 MB member of the
    # same letter, repeated, makes a 2 GB JSON text out of about 2 MB.
    bomb = tmp_path / "ratings.json.gz"
    block = gzip_member(b"a" * (16 * MB))
    with bomb.open("wb") as f:
        f.write(gzip_member(b'[{"person": "'))
        for _ in range(128):
            f.write(block)
        f.write(gzip_member(b'", "ratings": []}]'))
    assert bomb.stat().st_size < 3 * MB
    outcome = limited(url, "import", str(bomb))
    assert outcome.code == 2, outcome.stderr
    assert f"{bomb}: the JSON document unpacks to more than 64 MB" in outcome.stderr
    assert outcome.peak_mb < 400, outcome.peak_mb


def test_a_workbook_with_a_400_mb_shared_text_is_refused_before_it_is_read(
    url: str, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    plain = tmp_path / "plain.xlsx"
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["person", "competence", "knowledge", "application"])
    sheet.append(["ada@example.org", 1, 3, 3])
    book.save(plain)
    bomb = tmp_path / "ratings.xlsx"
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                out.writestr(item, source.read(item.filename))
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            part.write(b"<si><t>person</t></si><si><t>")
            for _ in range(400):
                part.write(b"x" * MB)
            part.write(b"</t></si></sst>")
    assert bomb.stat().st_size < 3 * MB
    outcome = limited(url, "import", str(bomb))
    assert outcome.code == 2, outcome.stderr
    assert "the workbook's shared texts (xl/sharedStrings.xml) unpack to 400" in outcome.stderr
    assert outcome.peak_mb < 400, outcome.peak_mb


def test_a_50_mb_file_of_bad_rows_stops_at_the_report_limit(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    row = b"Nobody,not-an-email,Delivery,team,pmo-officer\n"
    with bad.open("wb") as f:
        f.write(b"name,email,team,context,profile\n")
        f.write(row * (50 * MB // len(row)))
    outcome = limited(url, "import", str(bad))
    assert outcome.code == 2, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert lines[0] == f"{bad}, line 2: email: not an email address: 'not-an-email'"
    assert len([line for line in lines if line.startswith(f"{bad}, line ")]) == 100
    assert "more problems (the file was read no further after 10000 problems)" in lines[-1]
    assert outcome.peak_mb < 400, outcome.peak_mb


def test_a_file_larger_than_the_limit_is_refused_unread(url: str, tmp_path: Path) -> None:
    large = tmp_path / "ratings.csv"
    with large.open("wb") as f:
        f.write(b"person,competence,knowledge,application\n")
        f.truncate(257 * MB)  # a sparse file: no disk is used
    outcome = limited(url, "import", str(large))
    assert outcome.code == 2, outcome.stderr
    assert f"{large}: the file is too large (257 MB): an import takes at most 256 MB" in (
        outcome.stderr
    )


def test_a_cell_longer_than_a_spreadsheet_holds_is_an_error_naming_it(
    url: str, tmp_path: Path
) -> None:
    long = tmp_path / "ratings.csv"
    long.write_text(
        f"person,competence,knowledge,application,evidence\nada@example.org,1,3,3,{'x' * 40_000}\n"
    )
    outcome = limited(url, "import", str(long))
    assert outcome.code == 2, outcome.stderr
    assert f"{long}, line 2: column 5: a cell longer than 32767 characters" in outcome.stderr


def test_json_nested_too_deep_is_bad_input_on_the_command_line(url: str, tmp_path: Path) -> None:
    deep = tmp_path / "ratings.json"
    deep.write_text('{"ratings": ' + "[" * 100_000 + "]" * 100_000 + "}")
    outcome = limited(url, "import", str(deep))
    assert outcome.code == 2, outcome.stderr
    assert f"{deep}, line 1: nesting deeper than {MAX_JSON_DEPTH} levels" in outcome.stderr
