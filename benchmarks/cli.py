"""Start-up and `competence gap` against floors measured in the same run.

    python benchmarks/cli.py [--runs 10] [--people 10000 100000] [--out baselines/cli.json]

Each figure is the median wall time of several runs of a fresh process, with the peak RSS of the
largest (from wait4). Floors: `python -c pass`, and a plain-Python `gap --json` that parses the
CSV, compares each rating with the profile's targets and writes the same JSON one person at a
time (json_floor below). The machine is shared: quote medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from import_export import generate  # noqa: E402

COMPETENCE = [sys.executable, "-c", "from competence.cli import run; run()"]
"""The command as its console script runs it; with --src, from another checkout's src folder."""
ENV = dict(os.environ)
GAP = ("-p", "pmo-specialist", "-c", "programme")


def timed(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one run, output discarded."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read() if proc.stderr else ""
    return seconds, usage.ru_maxrss / 1024


def measure(argv: list[str], runs: int) -> dict[str, float]:
    results = [timed(argv) for _ in range(runs)]
    return {
        "median_s": round(statistics.median(r[0] for r in results), 4),
        "min_s": round(min(r[0] for r in results), 4),
        "max_s": round(max(r[0] for r in results), 4),
        "peak_rss_mb": round(max(r[1] for r in results), 1),
        "runs": runs,
    }


def json_floor(path: str) -> None:
    """Parse the CSV, compare each rating with the specialist targets in the programme context,
    and write each person's competences in gap --json's shape, one person at a time (no
    verdict, reasons or specialisms: those are the product's work)."""
    from competence.data import load_catalogue

    cat = load_catalogue()
    requirements = cat.profiles["pmo-specialist"].requirements
    names = {c.number: (c.slug, c.name) for c in cat.framework.competences}
    out = sys.stdout
    first, person, ratings = True, None, {}

    def flush() -> None:
        nonlocal first
        rows = []
        for number, (slug, name) in names.items():
            r = requirements[number]
            k, a = ratings.get(number, (None, None))
            gap = {
                "knowledge": max(0, r.target.knowledge - (k or 0)),
                "application": max(0, r.target.application - (a or 0)),
            }
            short = max(gap.values())
            applicable = r.applies_in("programme")
            rows.append(
                {
                    "number": number,
                    "slug": slug,
                    "name": name,
                    "applicable": applicable,
                    "target": r.target.as_dict(),
                    "actual": None
                    if k is None and a is None
                    else {"knowledge": k, "application": a},
                    "gap": gap if applicable else None,
                    "met": short == 0 if applicable else None,
                    "label": (["met", "top-up"][short] if short < 2 else "gap")
                    if applicable
                    else None,
                }
            )
        item = {
            "person": person,
            "profile": "pmo-specialist",
            "context": "programme",
            "competences": rows,
        }
        text = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        out.write(("[\n  " if first else ",\n  ") + text)
        first = False

    with open(path, encoding="utf-8", newline="") as f:
        for p, c, k, a, _ in csv.reader(f):
            if p == "person":
                continue
            if p != person and ratings:
                flush()
                ratings = {}
            person = p
            ratings[int(c)] = (int(k) if k else None, int(a) if a else None)
    if ratings:
        flush()
    out.write("\n]\n")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        json_floor(sys.argv[2])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--big-runs", type=int, default=3)
    parser.add_argument("--people", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--src", type=Path, help="Measure the package in this src folder.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/baselines/cli.json")
    args = parser.parse_args()
    if args.src:
        ENV["PYTHONPATH"] = str(args.src.resolve())
    ada = str(ROOT / "examples" / "ada.csv")
    report: dict[str, object] = {
        "python_pass": measure([sys.executable, "-c", "pass"], args.runs),
        "help": measure([*COMPETENCE, "--help"], args.runs),
        "gap_one_person": measure([*COMPETENCE, "gap", ada, *GAP], args.runs),
        "gap_one_person_json": measure([*COMPETENCE, "gap", ada, *GAP, "--json"], args.runs),
    }
    with tempfile.TemporaryDirectory() as folder:
        for people in args.people:
            _, ratings = generate(people, Path(folder))
            floor = measure([sys.executable, __file__, "--floor", str(ratings)], args.big_runs)
            product = measure([*COMPETENCE, "gap", str(ratings), *GAP, "--json"], args.big_runs)
            report[f"gap_json_{people}"] = {
                "floor": floor,
                "product": product,
                "ratio_to_floor": round(product["median_s"] / floor["median_s"], 2),
            }
    args.out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
