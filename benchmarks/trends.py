"""Benchmark capability over time (``services.trends.figures``) and the /team/trends page.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/trends.py --sizes 1000,10000

For each size it generates the synthetic organisation of ``benchmarks/import_export.py`` (N
people, 29 ratings each) into a fresh SQLite file: ``competence db upgrade``, the people import,
then ``--cycles`` cycles (default 3, created with a week between their opening days), each
imported in bulk from its own ratings file: the generated one for the first cycle, and for each
later one the same rows with every level moved by −1, 0 or +1 (seeded), so that people move up
and down. Then, in a fresh child process (``COMPETENCE_DATABASE_URL`` set before Django starts):

* ``trend cold`` - ``trends.figures`` for the command line's operator over everyone and every
  cycle, with the kept figures cleared first: what the first request after a change pays;
* ``trend warm`` - the same call again: what every later request pays until anything changes;
* ``page cold`` / ``page warm`` (sizes up to ``--page-max``, default 1,000) - GET /team/trends
  through Django's test client, signed in as a staff user, rendered in full.

Timings are the median of ``--repeats`` runs (default 5). Results go to stdout and to a JSON
file (default benchmarks/baselines/trends.json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_export  # the synthetic organisation, child environment, machine description

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "trends.json"
SETUP_TIMEOUT = 3600
SEED = 14


def moved(ratings: Path, out: Path, seed: int) -> Path:
    """The ratings file with every level moved by −1, 0 or +1 (kept within 0–5)."""
    rng = random.Random(seed)
    with (
        ratings.open(encoding="utf-8", newline="") as f,
        out.open("w", encoding="utf-8", newline="") as g,
    ):
        reader, writer = csv.reader(f), csv.writer(g, lineterminator="\n")
        writer.writerow(next(reader))
        for person, competence, knowledge, application, evidence in reader:
            levels = [
                "" if v == "" else str(max(0, min(5, int(v) + rng.choice((-1, 0, 1)))))
                for v in (knowledge, application)
            ]
            writer.writerow((person, competence, *levels, evidence))
    return out


def build_org(people: int, cycles: int, folder: Path) -> tuple[Path, float]:
    start = time.perf_counter()
    people_csv, ratings_csv = import_export.generate(people, folder)
    database = folder / "competence.sqlite3"
    commands = [["db", "upgrade"], ["import", str(people_csv)]]
    for i in range(cycles):
        name = f"cycle-{i + 1}"
        opens = (dt.date(2024, 1, 1) + dt.timedelta(weeks=i)).isoformat()
        source = ratings_csv if i == 0 else moved(ratings_csv, folder / f"{name}.csv", SEED + i)
        commands += [
            ["cycle", "create", name, "--opens", opens],
            ["import", str(source), "--cycle", name],
        ]
    import_export.run_commands(database, commands, SETUP_TIMEOUT)
    return database, time.perf_counter() - start


def child(args: argparse.Namespace) -> dict[str, Any]:
    from competence.store import setup

    setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import setup_test_environment

    from competence.services import results, team_view, trends
    from competence.services.policy import OPERATOR
    from competence.store import audit
    from competence.store.models import Person

    choice = team_view.choose(OPERATOR)
    found = trends.figures(choice)  # warm-up, untimed: imports, the catalogue, the compiler
    cold, warm = [], []
    for _ in range(args.repeats):
        results._FIGURES.clear()
        start = time.perf_counter()
        trends.figures(choice)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        trends.figures(choice)
        warm.append(time.perf_counter() - start)
    out: dict[str, Any] = {
        "people": Person.objects.count(),
        "cycles": found["chosen"],
        "movers": {k: found["movers"][k] for k in ("people", "up", "down", "mixed")},
        "trend_cold_s": round(statistics.median(cold), 4),
        "trend_cold_runs": [round(t, 4) for t in cold],
        "trend_warm_s": round(statistics.median(warm), 6),
    }
    if out["people"] <= args.page_max:
        setup_test_environment()
        with audit.acting_as("benchmark"):
            lead, _ = User.objects.get_or_create(username="bench-lead", defaults={"is_staff": True})
        client = Client()
        client.force_login(lead)
        assert client.get("/team/trends").status_code == 200
        page_cold, page_warm = [], []
        for _ in range(args.repeats):
            results._FIGURES.clear()
            start = time.perf_counter()
            response = client.get("/team/trends")
            page_cold.append(time.perf_counter() - start)
            assert response.status_code == 200
            start = time.perf_counter()
            client.get("/team/trends")
            page_warm.append(time.perf_counter() - start)
        out["page_cold_s"] = round(statistics.median(page_cold), 4)
        out["page_warm_s"] = round(statistics.median(page_warm), 4)
        out["page_bytes"] = len(response.content)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--page-max", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return 0
    measured = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"trends-{size}-") as tmp:
            database, setup_s = build_org(size, args.cycles, Path(tmp))
            env = import_export.child_env(database)
            env["COMPETENCE_ALLOWED_HOSTS"] = "testserver"
            env["COMPETENCE_SECRET_KEY"] = "benchmark-only"
            done = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child",
                 "--repeats", str(args.repeats), "--page-max", str(args.page_max)],
                env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"child failed:\n{done.stderr[-4000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["setup_s"] = round(setup_s, 1)
            measured.append(result)
            print(json.dumps(result), flush=True)
    document = {
        "benchmark": "trends",
        "measured_on": dt.date.today().isoformat(),
        "machine": import_export.machine(),
        "repeats": args.repeats,
        "cycles": args.cycles,
        "results": measured,
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
