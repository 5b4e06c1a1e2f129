"""Benchmark ``competence backup`` and ``competence restore`` on SQLite against the import's floor.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/backup.py --sizes 10000
    .venv/bin/python benchmarks/backup.py --sizes 10000 --src /tmp/old/src --out /tmp/old.json

For each size it writes the synthetic organisation of ``import_export.py`` (the same files) and
imports it into a fresh SQLite file (``competence db upgrade`` and ``competence import``: people,
then ratings). Then, each run:

* ``backup``  - a child process writes the backup (``backup.write_backup``), timed;
* ``restore`` - a fresh SQLite file made by ``competence db upgrade``, then a child process that
  restores the backup into it (``backup.restore`` inside ``audit.acting_as``), timed, with its
  peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``): **the memory figure**;
* the **floor**: ``import_export.baseline_import``, ``csv`` and one ``sqlite3.executemany`` of the
  ratings file into the product's own ratings table, the floor of the import's ratio, measured
  in the same run.

The restore's rate is quoted two ways: all rows restored (every table, from the counts restore
returns) per second, and the ratings rows per second, each against the floor's ratings rows per
second. ``--src`` runs the children on another checkout's ``src`` folder (the figures before).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_export  # the synthetic organisation, the floor and the machine description

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "backup.json"
RATIO_TARGET = 0.7  # issue 15: the import's rate, which is >= 0.7 x its floor at 10,000 people
MEMORY_TARGET_MB = 200.0
CHILD_TIMEOUT = 3600


def child(stage: str, backup_file: Path) -> dict[str, Any]:
    # COMPETENCE_DATABASE_URL is set by the parent before this process started.
    from competence.store import setup

    setup()
    from competence.services import backup
    from competence.store import audit

    result: dict[str, Any] = {"stage": stage, "peak_mb_after_setup": import_export.peak_mb()}
    start = time.perf_counter()
    if stage == "backup":
        counts = backup.write_backup(backup_file)
    elif stage == "restore":
        with audit.acting_as(import_export.ACTOR):
            counts = backup.restore(backup_file)
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    result["seconds"] = time.perf_counter() - start
    result["counts"] = counts
    result["peak_mb"] = import_export.peak_mb()
    return result


def env_for(database: Path, src: Path | None) -> dict[str, str]:
    env = import_export.child_env(database)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done


def run_child(stage: str, database: Path, backup_file: Path, src: Path | None) -> Any:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", stage]
    done = run([*command, "--backup", str(backup_file)], env_for(database, src))
    return json.loads(done.stdout.strip().splitlines()[-1])


def competence(src: Path | None) -> list[str]:
    if src is None:
        return import_export.competence_command()
    return [sys.executable, "-c", "from competence.cli import run; run()"]


def measure(people: int, work: Path, repeats: int, src: Path | None) -> dict[str, Any]:
    folder = work / f"size-{people}"
    folder.mkdir()
    people_csv, ratings_csv = import_export.generate(people, folder)
    source = folder / "source.sqlite3"
    env = env_for(source, src)
    start = time.perf_counter()
    run([*competence(src), "db", "upgrade"], env)
    run([*competence(src), "import", str(people_csv)], env)
    run([*competence(src), "import", str(ratings_csv), "--cycle", import_export.CYCLE], env)
    print(
        f"[{people} people] imported in {time.perf_counter() - start:.1f}s; {repeats} run(s)",
        file=sys.stderr,
        flush=True,
    )
    backup_file = folder / "backup.json.gz"
    samples: dict[str, list[float]] = {
        k: [] for k in ("backup_s", "restore_s", "floor_s", "peak_mb_restore", "peak_mb_backup")
    }
    counts: dict[str, int] = {}
    for n in range(repeats):
        result = run_child("backup", source, backup_file, src)
        samples["backup_s"].append(result["seconds"])
        samples["peak_mb_backup"].append(result["peak_mb"])
        target = folder / f"restored-{n}.sqlite3"
        run([*competence(src), "db", "upgrade"], env_for(target, src))
        result = run_child("restore", target, backup_file, src)
        samples["restore_s"].append(result["seconds"])
        samples["peak_mb_restore"].append(result["peak_mb"])
        counts = result["counts"]
        floor_db = folder / f"floor-{n}.sqlite3"
        seconds, rows = import_export.baseline_import(ratings_csv, floor_db, source)
        if rows != people * import_export.COMPETENCES:
            raise RuntimeError(f"the floor inserted {rows} rows")
        samples["floor_s"].append(seconds)
        print(
            f"[{people} people] run {n + 1}: backup {samples['backup_s'][-1]:.1f}s, restore "
            f"{samples['restore_s'][-1]:.1f}s (floor {seconds:.2f}s), peak "
            f"{samples['peak_mb_restore'][-1]:.0f} MB; load {os.getloadavg()[0]:.2f}",
            file=sys.stderr,
            flush=True,
        )
        for leftover in folder.glob(f"*-{n}.sqlite3*"):
            leftover.unlink()
    ratings = people * import_export.COMPETENCES
    total = sum(counts.values())
    floor_rps = [ratings / s for s in samples["floor_s"]]
    all_ratios = [total / r / f for r, f in zip(samples["restore_s"], floor_rps, strict=True)]
    ratings_ratios = [ratings / r / f for r, f in zip(samples["restore_s"], floor_rps, strict=True)]
    return {
        "people": people,
        "rating_rows": ratings,
        "rows_restored": total,
        "counts": counts,
        "backup_bytes": backup_file.stat().st_size,
        "runs": repeats,
        "backup_s": round(statistics.median(samples["backup_s"]), 2),
        "restore_s": round(statistics.median(samples["restore_s"]), 2),
        "restore_rows_per_s": round(total / statistics.median(samples["restore_s"])),
        "floor_rows_per_s": round(statistics.median(floor_rps)),
        "ratio_all_rows": round(statistics.median(all_ratios), 3),
        "ratio_ratings_rows": round(statistics.median(ratings_ratios), 3),
        "peak_mb_restore": round(max(samples["peak_mb_restore"]), 1),
        "peak_mb_backup": round(max(samples["peak_mb_backup"]), 1),
        "samples": {k: [round(x, 3) for x in v] for k, v in samples.items()},
        "ratios_all_rows": [round(x, 3) for x in all_ratios],
        "ratios_ratings_rows": [round(x, 3) for x in ratings_ratios],
    }


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for r in results:
        checks.append(
            {
                "target": f"restore >= {RATIO_TARGET} x the import's floor (all rows) at "
                f"{r['people']:,} (issue 15)",
                "measured": r["ratio_all_rows"],
                "pass": r["ratio_all_rows"] >= RATIO_TARGET,
            }
        )
        checks.append(
            {
                "target": f"restore peak RSS < {MEMORY_TARGET_MB:.0f} MB at {r['people']:,}",
                "measured": r["peak_mb_restore"],
                "pass": r["peak_mb_restore"] < MEMORY_TARGET_MB,
            }
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="people per run, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file for the figures")
    parser.add_argument("--src", type=Path, help="measure the package in this src folder")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--backup", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.backup)))
        return 0
    info = import_export.machine()
    if args.src is not None:
        info["measured_src"] = str(args.src.resolve())
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="competence-backup-", dir=args.workdir) as tmp:
        for people in (int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()):
            results.append(measure(people, Path(tmp), args.repeats, args.src))
    load_after = os.getloadavg()
    checks = targets(results)
    for r in results:
        print(
            f"{r['people']:>7,} people, {r['rows_restored']:,} rows ({r['rating_rows']:,} "
            f"ratings), {r['runs']} run(s): backup {r['backup_s']:.1f}s, restore "
            f"{r['restore_s']:.1f}s = {r['restore_rows_per_s']:,} rows/s; floor "
            f"{r['floor_rows_per_s']:,} rows/s; ratio {r['ratio_all_rows']:.2f} (all rows), "
            f"{r['ratio_ratings_rows']:.2f} (ratings rows); peak {r['peak_mb_restore']:.0f} MB"
        )
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['target']} (measured: {c['measured']})")
    print(f"load average before {load_before}, after {load_after}")
    document = {
        "benchmark": "backup",
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "command": " ".join(["benchmarks/backup.py", *(sys.argv[1:] if argv is None else argv)]),
        "machine": info,
        "load_average": {"before": load_before, "after": load_after},
        "targets": checks,
        "results": results,
    }
    import_export.write_document(args.out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
