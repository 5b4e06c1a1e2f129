"""Benchmark bulk import and export on SQLite against a plain ``csv`` + ``sqlite3`` baseline.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/import_export.py --sizes 1000,10000,100000

For each size it generates a deterministic synthetic organisation (N people, 29 ratings each),
then, in a fresh SQLite file and a fresh child process per stage:

* ``people``  - ``competence db upgrade`` and the people import (timed, for information);
* ``ratings`` - the ratings import through ``competence.services.imports.import_file`` (timed;
  the peak RSS of this process is the memory figure), then ``write_csv_cells(export_cells())``;
* ``json``    - ``write_export_json()``, as ``competence export --format json`` writes it.

The baselines run in this (parent) process, which never imports Django: the same ratings CSV read
with ``csv`` and inserted with one ``sqlite3.executemany`` in one transaction into an equivalent
table, without validation; and a plain SELECT of the same rows written with ``csv.writer``.

Timings are the median of ``--repeats`` runs (default 3) for sizes up to 10,000 people and a
single run above that. Results go to stdout and to a JSON file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "import_export.json"
SEED = 20260101
COMPETENCES = 29
CYCLE = "benchmark"
ACTOR = "benchmark"
IMPORT_RATIO_TARGET = 0.5
IMPORT_RATIO_TARGETS = {10_000: 0.7, 100_000: 0.8}  # issue 15, at these sizes
CSV_EXPORT_RATIO_TARGET = 0.8  # issue 15
MEMORY_TARGET_MB = 400.0
MEMORY_TARGET_PEOPLE = 100_000
MAX_REPEATED_SIZE = 10_000
CHILD_TIMEOUT = 3 * 3600
PEOPLE_COLUMNS = ("name", "email", "team", "context", "profile", "employee_id")
RATINGS_COLUMNS = ("person", "competence", "knowledge", "application", "evidence")
CONTEXTS = ("project", "programme", "portfolio")
PROFILES = ("pmo-officer", "pmo-specialist")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
PLAIN_EVIDENCE = (
    "Ran the stage-gate review",
    "Built the RAID log, kept it current",
    'Coached two officers on "earned value"',
    "Led the lessons-learned workshop; wrote the report",
    "'tis documented in the PMO handbook",
)
# Values a spreadsheet would run as formulas: the export must escape them, and import undo it.
FORMULA_EVIDENCE = (
    '=HYPERLINK("http://example.org","proof")',
    "=1+1",
    "-3 days late on the baseline",
    "- see the portfolio dashboard",
    "+44 20 7946 0000",
    "@mention in the steering group",
)


# -- the synthetic organisation ----------------------------------------------------------------


def email_of(i: int) -> str:
    return f"person{i:06d}@example.org"


def generate(people: int, folder: Path) -> tuple[Path, Path]:
    """Write ``people-N.csv`` and ``ratings-N.csv``; the same N always gives the same bytes."""
    rng = random.Random(SEED + people)
    teams = max(1, people // 25)
    departments = max(1, teams // 20)
    people_path = folder / f"people-{people}.csv"
    ratings_path = folder / f"ratings-{people}.csv"
    with (
        people_path.open("w", encoding="utf-8", newline="") as pf,
        ratings_path.open("w", encoding="utf-8", newline="") as rf,
    ):
        pw = csv.writer(pf, lineterminator="\n")
        rw = csv.writer(rf, lineterminator="\n")
        pw.writerow(PEOPLE_COLUMNS)
        rw.writerow(RATINGS_COLUMNS)
        for i in range(people):
            team = rng.randrange(teams)
            pw.writerow(
                (
                    f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                    email_of(i),
                    f"Department {team % departments + 1} / Team {team + 1}",
                    rng.choice(CONTEXTS),
                    rng.choice(PROFILES),
                    f"E{i:07d}" if rng.random() < 0.9 else "",
                )
            )
            for competence in range(1, COMPETENCES + 1):
                knowledge = "" if rng.random() < 0.05 else rng.randint(0, 5)
                application = "" if rng.random() < 0.10 else rng.randint(0, 5)
                roll = rng.random()
                if roll < 0.5:
                    evidence = ""
                elif roll < 0.9:
                    evidence = rng.choice(PLAIN_EVIDENCE)
                else:
                    evidence = rng.choice(FORMULA_EVIDENCE)
                rw.writerow((email_of(i), competence, knowledge, application, evidence))
    return people_path, ratings_path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- the child processes (Django lives only here) ----------------------------------------------


def peak_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def child(stage: str, args: argparse.Namespace) -> dict[str, Any]:
    # COMPETENCE_DATABASE_URL is set by the parent before this process started.
    from competence.store import setup

    setup()
    from competence.formats import exports
    from competence.services.export import export_cells, write_export_json
    from competence.services.imports import import_file
    from competence.store import audit

    result: dict[str, Any] = {"stage": stage, "peak_mb_after_setup": peak_mb()}
    with audit.acting_as(ACTOR):
        if stage == "people":
            start = time.perf_counter()
            report = import_file(args.people)
            result["people_import_s"] = time.perf_counter() - start
            result["people_counts"] = report.counts
        elif stage == "ratings":
            start = time.perf_counter()
            report = import_file(args.ratings, cycle=CYCLE)
            result["import_s"] = time.perf_counter() - start
            result["import_counts"] = report.counts
            result["peak_mb_import"] = peak_mb()
            start = time.perf_counter()
            with Path(args.csv_out).open("w", encoding="utf-8", newline="") as f:
                result["csv_rows"] = exports.write_csv_cells(export_cells(), f)
            result["csv_export_s"] = time.perf_counter() - start
            result["peak_mb_csv_export"] = peak_mb()
        elif stage == "json":
            start = time.perf_counter()
            try:
                with Path(args.json_out).open("w", encoding="utf-8") as f:
                    write_export_json(f)
            except MemoryError:
                result["json_error"] = f"MemoryError (address-space limit {args.memory_limit} MB)"
            else:
                result["json_export_s"] = time.perf_counter() - start
                people_n, ratings_n = _count_json(Path(args.json_out))
                result["json_people"] = people_n
                result["json_ratings"] = ratings_n
            result["peak_mb_json_export"] = peak_mb()
        else:
            raise SystemExit(f"unknown stage {stage!r}")
    return result


def _count_json(path: Path) -> tuple[int, int]:
    """People and ratings in a JSON export, counted line by line (one record a line)."""
    people = ratings = 0
    section = ""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith('  "'):
                section = line.split('"')[1]
            elif line.startswith("    {"):
                if section == "people":
                    people += 1
                elif section == "assessments":
                    ratings += line.count('"rated_at"')
    return people, ratings


def competence_command() -> list[str]:
    script = Path(sys.executable).parent / "competence"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from competence.cli import run; run()"]


def child_env(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["COMPETENCE_DATABASE_URL"] = f"sqlite:///{database.resolve()}"
    env.pop("COMPETENCE_DEBUG", None)  # DEBUG keeps every query in memory
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def run_commands(database: Path, commands: list[list[str]], timeout: float = 3600) -> None:
    """Run ``competence`` commands one after another on the SQLite file ``database`` (the
    set-up of the benchmarks that build an organisation), stopping at the first that fails."""
    env, competence = child_env(database), competence_command()
    for command in commands:
        done = subprocess.run(
            [*competence, *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"competence {' '.join(command)} failed:\n{done.stderr[-4000:]}")


def run_child(stage: str, database: Path, paths: dict[str, Path], memory_limit: int) -> Any:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        stage,
        "--people",
        str(paths["people"]),
        "--ratings",
        str(paths["ratings"]),
        "--csv-out",
        str(paths["csv_out"]),
        "--json-out",
        str(paths["json_out"]),
        "--memory-limit",
        str(memory_limit),
    ]
    done = subprocess.run(
        command,
        env=child_env(database),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 and stage == "json":  # an export that runs out of memory: say so
        tail = done.stderr.strip().splitlines()[-1:] or [""]
        error = f"exit code {done.returncode}: {tail[0]}"
        return {"json_error": error, "peak_mb_json_export": None}
    if done.returncode != 0:
        raise RuntimeError(
            f"child {stage} failed with exit code {done.returncode}:\n{done.stderr[-4000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def db_upgrade(database: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*competence_command(), "db", "upgrade"],
        env=child_env(database),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return time.perf_counter() - start


# -- the baselines (no Django) -----------------------------------------------------------------


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # the same pragmas as competence's SQLite settings
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def baseline_import(ratings: Path, database: Path, product: Path) -> tuple[float, int]:
    """``csv`` + one ``executemany`` in one transaction into an equivalent table: the product's
    own ``competence_rating`` schema (its columns, unique index and checks), read from the
    product's database. No validation: a person's first appearance numbers their assessment,
    and empty levels become NULL (SQLite's checks would refuse an empty string)."""
    with sqlite3.connect(product) as source:
        ddl = source.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'competence_rating'"
        ).fetchone()[0]
    conn = connect(database)
    conn.execute(ddl)
    start = time.perf_counter()
    ids: dict[str, int] = {}
    with ratings.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO competence_rating (assessment_id, competence, knowledge, application, "
            "evidence, evidence_links, rated_by, rated_at) "
            "VALUES (?, ?, ?, ?, ?, '[]', 'baseline', '2026-11-28 00:00:00')",
            (
                (ids.setdefault(p, len(ids) + 1), c, k or None, a or None, e)
                for p, c, k, a, e in reader
            ),
        )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    rows = conn.execute("SELECT count(*) FROM competence_rating").fetchone()[0]
    conn.close()
    return seconds, rows


BASELINE_EXPORT_SQL = """
SELECT p.email, p.name, coalesce(p.employee_id, ''),
       CASE WHEN d.name IS NULL THEN coalesce(t.name, '') ELSE d.name || ' / ' || t.name END,
       p.context, p.profile, c.name, a.kind, a.status, a.assessed_on, r.competence,
       r.knowledge, r.application, r.evidence
FROM competence_rating r
JOIN competence_assessment a ON a.id = r.assessment_id
JOIN competence_person p ON p.id = a.person_id
JOIN competence_cycle c ON c.id = a.cycle_id
LEFT JOIN competence_team t ON t.id = p.team_id
LEFT JOIN competence_team d ON d.id = t.parent_id
ORDER BY p.email, r.competence
"""


BASELINE_EXPORT_COLUMNS = (
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
    "knowledge",
    "application",
    "evidence",
)


def baseline_export(database: Path, out: Path) -> tuple[float, int]:
    """A plain SELECT of the exported rows (same columns, same order) through ``csv.writer``."""
    conn = sqlite3.connect(database)
    start = time.perf_counter()
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(BASELINE_EXPORT_COLUMNS)
        for row in conn.execute(BASELINE_EXPORT_SQL):
            writer.writerow(row)
            n += 1
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, n


# -- checking what came out --------------------------------------------------------------------


def _digest(rows: Iterator[tuple[str, ...]]) -> tuple[int, int]:
    """An order-independent digest of rows: (count, sum of hashes mod 2**64)."""
    total, n = 0, 0
    for row in rows:
        total = (total + hash(row)) & 0xFFFFFFFFFFFFFFFF
        n += 1
    return n, total


def verify_csv_export(ratings: Path, exported: Path) -> dict[str, Any]:
    """The exported CSV holds exactly the imported ratings, and no cell is a live formula."""
    live = 0

    def source() -> Iterator[tuple[str, ...]]:
        with ratings.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            yield from (tuple(row) for row in reader)

    def export() -> Iterator[tuple[str, ...]]:
        nonlocal live
        with exported.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                evidence = row["evidence"]
                if evidence[:1] in ("=", "+", "-", "@"):
                    live += 1
                if evidence[:1] == "'" and evidence[1:2] in ("=", "+", "-", "@"):
                    evidence = evidence[1:]
                yield (
                    row["person"],
                    row["competence"],
                    row["knowledge"],
                    row["application"],
                    evidence,
                )

    expected, got = _digest(source()), _digest(export())
    return {
        "rows_expected": expected[0],
        "rows_exported": got[0],
        "same_ratings": expected == got,
        "live_formula_cells": live,
    }


# -- the parent --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    try:
        django_version: str | None = metadata.version("django")  # without importing it
    except metadata.PackageNotFoundError:
        django_version = None
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "src"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory_mb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "django": django_version,
        "commit": commit,
        "src_modified": dirty,
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def peak(values: list[float]) -> float | None:
    return round(max(values), 1) if values else None


def measure(people: int, work: Path, repeats: int, memory_limit: int) -> dict[str, Any]:
    folder = work / f"size-{people}"
    folder.mkdir()
    start = time.perf_counter()
    people_csv, ratings_csv = generate(people, folder)
    generated_s = time.perf_counter() - start
    rows = people * COMPETENCES
    print(
        f"[{people} people] generated {rows} ratings in {generated_s:.1f}s; "
        f"{repeats} run{'s' if repeats > 1 else ''}",
        file=sys.stderr,
        flush=True,
    )
    samples: dict[str, list[float]] = {
        k: []
        for k in (
            "db_upgrade_s",
            "people_import_s",
            "import_s",
            "baseline_import_s",
            "csv_export_s",
            "baseline_export_s",
            "json_export_s",
            "peak_mb_import",
            "peak_mb_csv_export",
            "peak_mb_json_export",
            "peak_mb_after_setup",
        )
    }
    verification: dict[str, Any] = {}
    json_error = None
    for run in range(repeats):
        rundir = folder / f"run-{run}"
        rundir.mkdir()
        database = rundir / "competence.sqlite3"
        paths = {
            "people": people_csv,
            "ratings": ratings_csv,
            "csv_out": rundir / "export.csv",
            "json_out": rundir / "export.json",
        }
        samples["db_upgrade_s"].append(db_upgrade(database))
        result = run_child("people", database, paths, memory_limit)
        samples["people_import_s"].append(result["people_import_s"])
        result = run_child("ratings", database, paths, memory_limit)
        if result["import_counts"]["rows"] != rows or result["csv_rows"] != rows:
            raise RuntimeError(f"expected {rows} rows, got {result}")
        for key in ("import_s", "csv_export_s", "peak_mb_import", "peak_mb_csv_export"):
            samples[key].append(result[key])
        samples["peak_mb_after_setup"].append(result["peak_mb_after_setup"])
        result = run_child("json", database, paths, memory_limit)
        if result["peak_mb_json_export"] is not None:
            samples["peak_mb_json_export"].append(result["peak_mb_json_export"])
        if "json_error" in result:
            json_error = result["json_error"]
        else:
            samples["json_export_s"].append(result["json_export_s"])
            if result["json_ratings"] != rows:
                raise RuntimeError(f"JSON export holds {result['json_ratings']} of {rows} ratings")
        seconds, n = baseline_import(ratings_csv, rundir / "baseline.sqlite3", database)
        if n != rows:
            raise RuntimeError(f"baseline inserted {n} of {rows} rows")
        samples["baseline_import_s"].append(seconds)
        seconds, n = baseline_export(database, rundir / "baseline-export.csv")
        if n != rows:
            raise RuntimeError(f"baseline export wrote {n} of {rows} rows")
        samples["baseline_export_s"].append(seconds)
        if run == 0:
            verification = verify_csv_export(ratings_csv, paths["csv_out"])
        print(
            f"[{people} people] run {run + 1}: import {samples['import_s'][-1]:.2f}s "
            f"(baseline {samples['baseline_import_s'][-1]:.2f}s), "
            f"csv export {samples['csv_export_s'][-1]:.2f}s "
            f"(baseline {samples['baseline_export_s'][-1]:.2f}s), "
            f"peak {samples['peak_mb_import'][-1]:.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        for leftover in rundir.iterdir():  # the next run starts from nothing; keep disk use low
            leftover.unlink()
        rundir.rmdir()
    med = {k: median(v) if v else None for k, v in samples.items()}
    import_rps = rows / med["import_s"]
    baseline_rps = rows / med["baseline_import_s"]
    export_rps = rows / med["csv_export_s"]
    baseline_export_rps = rows / med["baseline_export_s"]
    return {
        "people": people,
        "rating_rows": rows,
        "runs": repeats,
        "statistic": "median" if repeats > 1 else "single run",
        "files": {
            "people_sha256": sha256_of(people_csv),
            "ratings_sha256": sha256_of(ratings_csv),
            "ratings_bytes": ratings_csv.stat().st_size,
        },
        "import_rows_per_s": round(import_rps),
        "baseline_import_rows_per_s": round(baseline_rps),
        "import_ratio": round(import_rps / baseline_rps, 3),
        "csv_export_rows_per_s": round(export_rps),
        "baseline_export_rows_per_s": round(baseline_export_rps),
        "csv_export_ratio": round(export_rps / baseline_export_rps, 3),
        "json_export_s": None if med["json_export_s"] is None else round(med["json_export_s"], 2),
        "json_export_error": json_error,
        "peak_mb_import": round(max(samples["peak_mb_import"]), 1),
        "peak_mb_csv_export": round(max(samples["peak_mb_csv_export"]), 1),
        "peak_mb_json_export": peak(samples["peak_mb_json_export"]),
        "peak_mb_after_setup": round(max(samples["peak_mb_after_setup"]), 1),
        "verification": verification,
        "seconds": {k: [round(x, 3) for x in v] for k, v in samples.items() if k.endswith("_s")},
    }


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    for r in results:
        checks.append(
            {
                "target": f"import >= {IMPORT_RATIO_TARGET} x baseline rows/s at {r['people']:,}",
                "measured": r["import_ratio"],
                "pass": r["import_ratio"] >= IMPORT_RATIO_TARGET,
            }
        )
        if r["people"] in IMPORT_RATIO_TARGETS:
            target = IMPORT_RATIO_TARGETS[r["people"]]
            checks.append(
                {
                    "target": f"import >= {target} x baseline rows/s at {r['people']:,} (issue 15)",
                    "measured": r["import_ratio"],
                    "pass": r["import_ratio"] >= target,
                }
            )
        checks.append(
            {
                "target": f"CSV export >= {CSV_EXPORT_RATIO_TARGET} x baseline rows/s at "
                f"{r['people']:,} (issue 15)",
                "measured": r["csv_export_ratio"],
                "pass": r["csv_export_ratio"] >= CSV_EXPORT_RATIO_TARGET,
            }
        )
    big = [r for r in results if r["people"] == MEMORY_TARGET_PEOPLE]
    checks.append(
        {
            "target": f"import peak RSS < {MEMORY_TARGET_MB:.0f} MB at {MEMORY_TARGET_PEOPLE:,}",
            "measured": big[0]["peak_mb_import"] if big else None,
            "pass": big[0]["peak_mb_import"] < MEMORY_TARGET_MB if big else None,
        }
    )
    return checks


def table(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> str:
    head = (
        f"{'people':>8} {'rows':>9} {'runs':>4} | {'import r/s':>10} {'base r/s':>9} "
        f"{'ratio':>5} | {'csv r/s':>9} {'base r/s':>9} {'ratio':>5} | {'json s':>7} | "
        f"{'peak MB import/csv/json':>23}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        json_s = "error" if r["json_export_s"] is None else f"{r['json_export_s']:.1f}"
        peaks = f"{r['peak_mb_import']:.0f}/{r['peak_mb_csv_export']:.0f}/"
        json_peak = r["peak_mb_json_export"]
        peaks += "-" if json_peak is None else f"{json_peak:.0f}"
        lines.append(
            f"{r['people']:>8,} {r['rating_rows']:>9,} {r['runs']:>4} | "
            f"{r['import_rows_per_s']:>10,} {r['baseline_import_rows_per_s']:>9,} "
            f"{r['import_ratio']:>5.2f} | {r['csv_export_rows_per_s']:>9,} "
            f"{r['baseline_export_rows_per_s']:>9,} {r['csv_export_ratio']:>5.2f} | "
            f"{json_s:>7} | {peaks:>23}"
        )
    lines.append("")
    lines.append("Rates are the median of the runs shown (runs = 1: a single run).")
    for r in results:
        v = r["verification"]
        ok = v["same_ratings"] and v["live_formula_cells"] == 0
        lines.append(
            f"{r['people']:,} people: CSV export {'matches' if ok else 'DOES NOT MATCH'} the "
            f"imported ratings ({v['rows_exported']:,} rows, "
            f"{v['live_formula_cells']} live formula cells)"
            + (f"; JSON export failed: {r['json_export_error']}" if r["json_export_error"] else "")
        )
    lines.append("")
    for c in checks:
        verdict = "n/a (size not run)" if c["pass"] is None else ("PASS" if c["pass"] else "FAIL")
        lines.append(f"{verdict}  {c['target']} (measured: {c['measured']})")
    return "\n".join(lines)


def earlier_document(
    path: Path,
    info: dict[str, Any],
    same: tuple[str, ...] = ("nproc", "cpu", "memory_mb", "python", "sqlite"),
) -> dict[str, Any]:
    """An earlier run's document at path, if it ran on the same machine (else empty)."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if any(document.get("machine", {}).get(k) != info[k] for k in same):
        return {}
    return document


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write a run's figures as JSON and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {path}", file=sys.stderr)


def earlier_results(path: Path, sizes: set[int], info: dict[str, Any]) -> list[dict[str, Any]]:
    """Results for other sizes from an earlier run on the same machine, to merge with ours."""
    earlier = earlier_document(path, info)
    return [r for r in earlier.get("results", []) if r.get("people") not in sizes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="people per run, comma-sep.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file for the figures")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size up to 10,000")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=0,
        help="address-space limit in MB for the child processes (default: 60%% of RAM)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="drop the figures for other sizes already in --out (default: keep them)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--people", help=argparse.SUPPRESS)
    parser.add_argument("--ratings", help=argparse.SUPPRESS)
    parser.add_argument("--csv-out", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.memory_limit:  # a runaway export fails with MemoryError, not the OOM killer
            limit = args.memory_limit * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        print(json.dumps(child(args.child, args)))
        return 0
    memory_limit = args.memory_limit or int(
        os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.6 / (1024 * 1024)
    )
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    info = machine()
    command = " ".join(["benchmarks/import_export.py", *(sys.argv[1:] if argv is None else argv)])
    started = dt.datetime.now(dt.UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="competence-bench-", dir=args.workdir) as tmp:
        for people in sizes:
            repeats = args.repeats if people <= MAX_REPEATED_SIZE else 1
            results.append(measure(people, Path(tmp), repeats, memory_limit))
    for r in results:
        r["date"] = started.isoformat(timespec="seconds")
        r["command"] = command
        r["commit"] = info["commit"]
        r["src_modified"] = info["src_modified"]
    print(table(results, targets(results)))
    kept = [] if args.fresh else earlier_results(args.out, {r["people"] for r in results}, info)
    if kept:
        sizes_kept = ", ".join(f"{r['people']:,}" for r in kept)
        print(
            f"\nKept the figures for {sizes_kept} people "
            f"from {args.out} (same machine; --fresh to drop them).",
            file=sys.stderr,
        )
    results = sorted(kept + results, key=lambda r: r["people"])
    checks = targets(results)
    document = {
        "benchmark": "import_export",
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "seed": SEED,
        "command": command,
        "machine": info,
        "child_memory_limit_mb": memory_limit,
        "targets": checks,
        "results": results,
    }
    write_document(args.out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
