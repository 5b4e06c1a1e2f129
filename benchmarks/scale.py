"""The deployment at scale: an organisation of N people (100,000 by default) through the job
queue, the team view and the reports for everyone, on SQLite.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/scale.py --people 100000

It generates the synthetic organisation of ``benchmarks/import_export.py`` (N people, 29 ratings
each), makes a fresh SQLite file (``competence db upgrade``) and imports the people with
``competence import``. Then, in one child process (``COMPETENCE_DATABASE_URL`` set before Django
starts):

* **import as a job**: the ratings file is handed to a job as the import page hands a large
  upload (:func:`competence.services.jobs.start`, its bytes stored in the jobs table) and run by
  :func:`competence.services.jobs.work` as ``competence worker --burst`` runs it; timed from the
  start of the job to its end, with the rows per second;
* **team view**: ``GET /team`` as an admin through Django's test client (the whole middleware),
  the first request (cold: the figures computed) and the median of 3 more (warm), with the size of
  the page;
* **team report for everyone**: the XLSX workbook of ``competence report --team ''``
  (``reports.team_report`` over everyone), once;
* **PDF reports for everyone**: ``--pdf-sample`` people's PDFs rendered as the reports job renders
  them, timed, and the time per person multiplied by N: an *estimate*, labelled as one (the whole
  run would take hours).

The figures go to stdout and to ``benchmarks/baselines/scale.json``; the machine and its load are
recorded beside them.
"""

from __future__ import annotations

import argparse
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
import import_export  # the synthetic organisation and the machine description

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "scale.json"


def child(ratings: Path, people: int, pdf_sample: int) -> dict[str, Any]:
    """Runs in a fresh process whose environment names the database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competence.web.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from competence.reports.individual import render_html, write_pdf
    from competence.services import jobs, plans, reports, results, team_view
    from competence.services.policy import OPERATOR
    from competence.store import audit
    from competence.store.models import Job, Person

    figures: dict[str, Any] = {"people": people}
    started = time.perf_counter()
    with audit.acting_as("benchmark"), ratings.open("rb") as f:
        job = jobs.start(
            "import",
            f"Import of {ratings.name}",
            options={"name": ratings.name, "cycle": "2026", "kind": "self"},
            upload=iter(lambda: f.read(1 << 20), b""),
        )
    stored = time.perf_counter() - started
    jobs.work(burst=True, schedule=False)
    elapsed = time.perf_counter() - started
    job = Job.objects.get(pk=job.pk)
    assert job.status == "done", job.problems
    assert job.result is not None
    rows = int(job.result["counts"]["rows"])
    print(f"import as a job: {elapsed:.1f} s", file=sys.stderr, flush=True)
    figures["import_job"] = {
        "rows": rows,
        "seconds": round(elapsed, 1),
        "upload_stored_seconds": round(stored, 1),
        "rows_per_second": round(rows / elapsed),
    }

    admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        t0 = time.perf_counter()
        first = client.get("/team")
        cold = time.perf_counter() - t0
        assert first.status_code == 200, first.status_code
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            again = client.get("/team")
            warm.append(time.perf_counter() - t0)
            assert again.status_code == 200
    print(f"team view: cold {cold:.1f} s", file=sys.stderr, flush=True)
    figures["team_view"] = {
        "cold_seconds": round(cold, 2),
        "warm_median_seconds": round(statistics.median(warm), 3),
        "page_bytes": len(first.content),
    }

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        count = reports.team_report(team_view.choose(OPERATOR), "xlsx", Path(tmp) / "team.xlsx")
        figures["team_report_xlsx"] = {
            "people": count,
            "seconds": round(time.perf_counter() - t0, 1),
            "bytes": (Path(tmp) / "team.xlsx").stat().st_size,
        }
        chosen = list(Person.objects.order_by("email")[:pdf_sample])
        t0 = time.perf_counter()
        for p in chosen:
            write_pdf(
                render_html(results.person_results(p), plans.plan_data(p)), Path(tmp) / "p.pdf"
            )
        each = (time.perf_counter() - t0) / len(chosen)
    figures["pdf_reports_for_everyone"] = {
        "sample": len(chosen),
        "seconds_per_person": round(each, 3),
        "estimated_hours_for_everyone_one_worker": round(each * people / 3600, 1),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--pdf-sample", type=int, default=20)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        ratings, people, sample = args.child
        print(json.dumps(child(Path(ratings), int(people), int(sample))))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="competence-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    people_file, ratings_file = import_export.generate(args.people, work)
    database = work / "scale.sqlite3"
    env = import_export.child_env(database)
    command = import_export.competence_command()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*command, "import", str(people_file)], env=env, check=True, capture_output=True)
    people_seconds = time.perf_counter() - t0
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(ratings_file),
            str(args.people),
            str(args.pdf_sample),
        ],
        env=env,
        check=True,
        stdout=subprocess.PIPE,  # the figures; its standard error (progress, a failure) shows
        text=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["people_import_with_upgrade_seconds"] = round(people_seconds, 1)
    figures["load_average_before_and_after"] = [
        [round(x, 1) for x in load_before],
        [round(x, 1) for x in os.getloadavg()],
    ]
    figures["machine"] = import_export.machine()
    print(json.dumps(figures, indent=2))
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
