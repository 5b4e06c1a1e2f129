"""Start-up and `competence gap` against floors measured in the same run, with PASS or FAIL.

    python benchmarks/cli.py [--runs 10] [--people 10000 100000] [--table-people 10000]

``--people --table-people 0`` measures the start-up alone (a minute); the figures it does not
measure are kept from the --out file.
Each figure is the median wall time of several runs of a fresh process, with its CPU time (user
and system, from wait4: less moved by other work on a shared machine than the wall time) and the
peak RSS of the largest. Floors: `python -c pass`, and a plain-Python `gap --json` that parses
the CSV, compares each rating with the profile's targets and writes the same JSON one person at
a time (json_floor below). A product run and its floor's alternate, so that other work on the
machine weighs on both alike. The machine is shared: quote medians and ratios, not single runs.
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

TARGETS = {
    "help_s": 0.100,
    "gap_one_person_s": 0.150,
    "gap_json_ratio_to_floor": 1.3,
    "gap_json_peak_rss_mb": 150,
    "table_ms_per_person": 2.0,
}
"""Issue 15's targets: medians for the start-up, the wall-time ratio to the floor of the same
run for gap --json (and its peak RSS at every size), the table's wall time a person."""


def timed(argv: list[str]) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak RSS (MB) of one run, output discarded."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def summary(results: list[tuple[float, float, float]]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(r[0] for r in results), 4),
        "min_s": round(min(r[0] for r in results), 4),
        "max_s": round(max(r[0] for r in results), 4),
        "cpu_median_s": round(statistics.median(r[1] for r in results), 4),
        "peak_rss_mb": round(max(r[2] for r in results), 1),
        "runs": len(results),
    }


def measure(*argvs: list[str], runs: int) -> list[dict[str, float]]:
    """Each command ``runs`` times, the commands taking turns."""
    results: list[list[tuple[float, float, float]]] = [[] for _ in argvs]
    for _ in range(runs):
        for argv, found in zip(argvs, results, strict=True):
            found.append(timed(argv))
    return [summary(r) for r in results]


def startup(figures: dict[str, float], floor: dict[str, float]) -> str:
    """A start-up's median wall and CPU time, and each as a multiple of the floor's."""
    wall, cpu = figures["median_s"], figures["cpu_median_s"]
    return (
        f"{wall * 1000:7.0f} ms ({wall / floor['median_s']:.1f} x pass), CPU {cpu * 1000:.0f} ms "
        f"({cpu / floor['cpu_median_s']:.1f} x pass)"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


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
    parser.add_argument("--big-runs", type=int, default=3, help="Runs at each --people size.")
    parser.add_argument("--huge-runs", type=int, default=1, help="Runs at 100,000 people or more.")
    parser.add_argument("--people", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--table-people", type=int, default=10_000, help="People for the table (0: none)."
    )
    parser.add_argument("--table-runs", type=int, default=1)
    parser.add_argument("--src", type=Path, help="Measure the package in this src folder.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/baselines/cli.json")
    args = parser.parse_args()
    if args.src:
        ENV["PYTHONPATH"] = str(args.src.resolve())
    # As an installed package starts: from its compiled bytecode (pip compiles a wheel's modules
    # as it installs them; a checkout's are compiled here first), not compiling each module anew.
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    src = args.src.resolve() if args.src else ROOT / "src"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], env=ENV, check=True)
    ada = str(ROOT / "examples" / "ada.csv")
    load_before = os.getloadavg()
    python_pass, help_, one, one_json = measure(
        [sys.executable, "-c", "pass"],
        [*COMPETENCE, "--help"],
        [*COMPETENCE, "gap", ada, *GAP],
        [*COMPETENCE, "gap", ada, *GAP, "--json"],
        runs=args.runs,
    )
    report: dict[str, object] = {
        "python_pass": python_pass,
        "help": help_,
        "gap_one_person": one,
        "gap_one_person_json": one_json,
    }
    lines = [
        f"python -c pass      {python_pass['median_s'] * 1000:7.0f} ms "
        f"(CPU {python_pass['cpu_median_s'] * 1000:.0f} ms)",
        f"--help              {startup(help_, python_pass)}  target <= "
        f"{TARGETS['help_s'] * 1000:.0f} ms  {verdict(help_['median_s'] <= TARGETS['help_s'])}",
        f"gap one person      {startup(one, python_pass)}  target <= "
        f"{TARGETS['gap_one_person_s'] * 1000:.0f} ms  "
        f"{verdict(one['median_s'] <= TARGETS['gap_one_person_s'])}",
        f"gap one person json {startup(one_json, python_pass)}  target <= "
        f"{TARGETS['gap_one_person_s'] * 1000:.0f} ms  "
        f"{verdict(one_json['median_s'] <= TARGETS['gap_one_person_s'])}",
    ]
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for people in sorted({*args.people, *([args.table_people] if args.table_people else [])}):
            files[people] = generate(people, Path(folder))[1]
        for people in args.people:
            ratings = str(files[people])
            floor, product = measure(
                [sys.executable, __file__, "--floor", ratings],
                [*COMPETENCE, "gap", ratings, *GAP, "--json"],
                runs=args.big_runs if people < 100_000 else args.huge_runs,
            )
            ratio = product["median_s"] / floor["median_s"]
            cpu_ratio = product["cpu_median_s"] / floor["cpu_median_s"]
            report[f"gap_json_{people}"] = {
                "floor": floor,
                "product": product,
                "ratio_to_floor": round(ratio, 2),
                "cpu_ratio_to_floor": round(cpu_ratio, 2),
            }
            rss_ok = product["peak_rss_mb"] < TARGETS["gap_json_peak_rss_mb"]
            lines.append(
                f"gap --json {people:>7,}  {product['median_s']:7.1f} s against the floor's "
                f"{floor['median_s']:.1f} s: {ratio:.2f} x (CPU {cpu_ratio:.2f} x), target <= "
                f"{TARGETS['gap_json_ratio_to_floor']} x  "
                f"{verdict(ratio <= TARGETS['gap_json_ratio_to_floor'])}; peak RSS "
                f"{product['peak_rss_mb']:.0f} MB, target < {TARGETS['gap_json_peak_rss_mb']} MB"
                f"  {verdict(rss_ok)}"
            )
        if args.table_people:
            ratings = str(files[args.table_people])
            (table,) = measure([*COMPETENCE, "gap", ratings, *GAP], runs=args.table_runs)
            per_person = table["median_s"] * 1000 / args.table_people
            report[f"gap_table_{args.table_people}"] = {
                "product": table,
                "ms_per_person": round(per_person, 3),
            }
            lines.append(
                f"gap table  {args.table_people:>7,}  {table['median_s']:7.1f} s: "
                f"{per_person:.2f} ms a person, target <= {TARGETS['table_ms_per_person']} ms  "
                f"{verdict(per_person <= TARGETS['table_ms_per_person'])}"
            )
    report["targets"] = TARGETS
    report["load_average"] = {"before": load_before, "after": os.getloadavg()}
    kept = json.loads(args.out.read_text("utf-8")) if args.out.is_file() else {}
    args.out.write_text(json.dumps({**kept, **report}, indent=2) + "\n", "utf-8")
    lines.append(f"load average before {load_before}, after {report['load_average']['after']}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
