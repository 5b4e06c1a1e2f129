"""`competence serve --demo`: the time from the command to its first page.

    python benchmarks/demo.py [--runs 5] [--out benchmarks/baselines/demo.json]

Each run starts `competence serve --demo --port 0` in a fresh process with its own
``XDG_DATA_HOME`` and times, from the start of the process, until ``GET /signin`` (the page a
visitor first sees) answers 200. Three cases, each the median of ``--runs`` runs:

* ``first start``: a data folder with nothing in it, so the demo database is built (and kept);
* ``later start``: the folder of a first start, so the kept database is copied (the target);
* ``floor``: `competence serve` on a database already upgraded, holding nothing: what the server
  itself costs to start and answer, in the same run.

With ``--build-once`` the demo is built in the first run only, and every run times a later start
and the floor, taking turns: many runs of the target in a few minutes (a build takes tens of
seconds on a busy machine). Each run also times, from the command's own messages on standard
error, when the demo database was ready (``ready_s``: the demo's lines are printed then).

The machine is shared: quote medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "demo.json"
TARGET_S = 2.0
SCRIPT = Path(sys.executable).parent / "competence"
TIMEOUT_S = 300


def first_page(env: dict[str, str], *args: str, ready: list[float] | None = None) -> float:
    """Seconds from starting `competence serve --port 0 ARGS` to a 200 from /signin; ``ready``
    is given the seconds to the line saying the demo's data is there, if any."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    try:
        url = ""
        for line in process.stderr:
            if ready is not None and line.startswith("Demo data:"):
                ready.append(time.perf_counter() - start)
            found = re.search(r"running at (http://\S+)/", line)
            if found:
                url = found.group(1)
                break
            if time.perf_counter() - start > TIMEOUT_S:
                break
        if not url:
            raise RuntimeError("the server did not start")
        while True:
            try:
                with urllib.request.urlopen(f"{url}/signin", timeout=30) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                if time.perf_counter() - start > TIMEOUT_S:
                    raise
                time.sleep(0.01)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
        "runs": len(values),
        "seconds": [round(v, 3) for v in values],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each case")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file for the figures")
    parser.add_argument(
        "--build-once",
        action="store_true",
        help="build the demo in the first run only; every run times a later start and the floor",
    )
    args = parser.parse_args(argv)
    base = dict(os.environ)
    for name in ("COMPETENCE_DATABASE_URL", "COMPETENCE_DEBUG", "DJANGO_SETTINGS_MODULE"):
        base.pop(name, None)
    base["COMPETENCE_SECRET_KEY"] = "a-benchmark-secret-key-" + "0123456789" * 5
    load_before = os.getloadavg()
    first: list[float] = []
    later: list[float] = []
    floor: list[float] = []
    ready: list[float] = []
    with tempfile.TemporaryDirectory(prefix="competence-demo-bench-") as tmp:
        work = Path(tmp)
        database = work / "floor.sqlite3"
        floor_env = {**base, "COMPETENCE_DATABASE_URL": f"sqlite:///{database}"}
        subprocess.run(
            [str(SCRIPT), "db", "upgrade"], env=floor_env, check=True, capture_output=True
        )
        for run in range(args.runs):
            home = work / ("home" if args.build_once else f"home-{run}")
            env = {**base, "XDG_DATA_HOME": str(home)}
            if run == 0 or not args.build_once:
                first.append(first_page(env, "--demo"))
            later.append(first_page(env, "--demo", ready=ready))
            floor.append(first_page(floor_env))
            if not args.build_once:
                shutil.rmtree(home)
            print(
                f"run {run + 1}: first start {first[-1]:.2f}s, later start {later[-1]:.2f}s "
                f"(data ready at {ready[-1]:.2f}s), floor {floor[-1]:.2f}s",
                file=sys.stderr,
                flush=True,
            )
    results = {
        "first_start": summary(first),
        "later_start": summary(later),
        "later_start_data_ready": summary(ready),
        "floor": summary(floor),
    }
    median_later = results["later_start"]["median_s"]
    checks = [
        {
            "target": f"serve --demo shows its first page within {TARGET_S:.0f} s (later start)",
            "measured": median_later,
            "pass": median_later <= TARGET_S,
        }
    ]
    for name, r in results.items():
        print(
            f"{name:<12} median {r['median_s']:.2f}s (min {r['min_s']:.2f}, max {r['max_s']:.2f})"
        )
    print(f"later start / floor: {median_later / results['floor']['median_s']:.2f}")
    print(f"load average before {load_before}, after {os.getloadavg()}")
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['target']} (measured: {c['measured']} s)")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    document = {
        "benchmark": "demo",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/demo.py", *(sys.argv[1:] if argv is None else argv)]),
        "commit": commit,
        "nproc": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "targets": checks,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
