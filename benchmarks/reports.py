"""Benchmark the reports: an individual PDF per page, and a team XLSX, each beside a baseline.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/reports.py --sizes 100,1000,10000

For each size it generates the synthetic organisation of ``benchmarks/import_export.py`` (N
people, 29 ratings each) and imports it into a fresh SQLite file with ``competence db upgrade``
and ``competence import``. Then, in a fresh child process (``COMPETENCE_DATABASE_URL`` is set
before Django starts):

* ``pdf`` (the 100-person organisation only) - ``--pdf-people`` people (default 10, every tenth
  one) get a development plan (``plans.generate``, not timed) and their data is read
  (``person_results`` and ``plan_data``, timed for information). The time measured is
  ``render_html`` + ``write_pdf`` to memory, divided by the page count. Interleaved with each
  report, the **baseline** is WeasyPrint rendering a one-page plain HTML document (a heading,
  paragraphs and a table, with the body's font and size as ours and nothing else) holding about
  as much text as one of our pages, as ``pypdf`` extracts it from both PDFs.
* ``xlsx`` (every size) - ``team_summary(all people, per_page=all)`` as
  ``competence report --team`` calls it (its figures cache cleared first, so it computes them),
  then ``write_xlsx`` to a file. The **baseline** is openpyxl in write-only mode writing the same
  values without formats to a file: the knowledge and application sheets (people by
  competences), the coverage rows and the gap rows. The target compares ``write_xlsx`` alone
  with the baseline; the summary is reported beside it. Up to ``--verify-max`` people, our
  workbook is read back and must hold exactly the baseline's values.

Timings are the median of ``--repeats`` runs (default 3). Results go to stdout and to a JSON
file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_export  # the synthetic organisation, child environment, machine description

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "reports.json"
PDF_ORG = 100
PDF_RATIO_TARGET = 3.0
XLSX_RATIO_TARGET = 2.0
CHILD_TIMEOUT = 3 * 3600
SETUP_TIMEOUT = 3600
AXES = ("knowledge", "application")
BODY_STYLE = 'body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; }'


# -- the individual PDF (child) ----------------------------------------------------------------


def text_chars(pdf: bytes) -> list[int]:
    """Non-blank characters of text on each page of a PDF, as ``pypdf`` extracts them."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    return [len(re.sub(r"\s+", "", page.extract_text() or "")) for page in pages]


def baseline_html(rows: int) -> str:
    """A plain document: a heading, three paragraphs and a table of ``rows`` rows."""
    sentence = (
        "The assessment covers the knowledge and the application of each competence, "
        "rated by the person and reviewed by their assessor against the target profile. "
    )
    paragraphs = "".join(f"<p>{sentence * 2}</p>" for _ in range(3))
    body = "".join(
        f"<tr><td>{i}. Competence area number {i}</td><td>knowledge</td><td>3 / 4</td>"
        f"<td>Training: a course on the subject, then practice</td><td>2027-06-30</td></tr>"
        for i in range(1, rows + 1)
    )
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Baseline</title>'
        f"<style>{BODY_STYLE}</style></head><body><h1>A plain one-page document</h1>"
        f"{paragraphs}<table><thead><tr><th>Competence</th><th>Axis</th><th>Now / goal</th>"
        f"<th>Activity</th><th>By</th></tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def render_baseline(document: str) -> tuple[bytes, int]:
    from weasyprint import HTML

    buffer = io.BytesIO()
    rendered = HTML(string=document).render()
    rendered.write_pdf(buffer)
    return buffer.getvalue(), len(rendered.pages)


def fit_baseline(target_chars: int) -> tuple[str, int]:
    """The plain document with the most table rows that still fits one page, up to about
    ``target_chars`` characters of text."""
    rows, best = 0, baseline_html(0)
    chars = sum(text_chars(render_baseline(best)[0]))
    while chars < target_chars:
        candidate = baseline_html(rows + 1)
        pdf, pages = render_baseline(candidate)
        if pages > 1:
            break
        rows, best, chars = rows + 1, candidate, sum(text_chars(pdf))
    return best, chars


def child_pdf(args: argparse.Namespace) -> dict[str, Any]:
    from competence.store import setup

    setup()
    from competence.reports.individual import render_html, write_pdf
    from competence.services import plans
    from competence.services.plans import plan_data
    from competence.services.results import person_results
    from competence.store import audit
    from competence.store.models import Person

    total = Person.objects.count()
    step = max(1, total // args.pdf_people)
    emails = [import_export.email_of(i) for i in range(0, total, step)][: args.pdf_people]
    people = [Person.objects.get(email=e) for e in emails]
    with audit.acting_as("benchmark"):
        plan_items = [len(plans.generate(p)) for p in people]
    data_s, data = [], []
    for p in people:
        start = time.perf_counter()
        data.append((person_results(p), plan_data(p)))
        data_s.append(time.perf_counter() - start)
    # One report each, untimed: the warm-up, the page counts and the text per page.
    pages_of, chars_per_page, chars_of = [], [], []
    for results, plan in data:
        buffer = io.BytesIO()
        pages_of.append(write_pdf(render_html(results, plan), buffer))
        chars = text_chars(buffer.getvalue())
        chars_per_page.extend(chars)
        chars_of.append(sum(chars))
    target_chars = round(statistics.median(chars_per_page))
    document, baseline_chars = fit_baseline(target_chars)
    if render_baseline(document)[1] != 1:
        raise RuntimeError("the baseline document does not fit one page")
    samples: dict[str, list[float]] = {
        k: []
        for k in (
            "per_page_s",
            "per_text_page_s",
            "report_s",
            "render_html_s",
            "write_pdf_s",
            "baseline_s",
        )
    }
    for _ in range(args.repeats):
        for (results, plan), pages, chars in zip(data, pages_of, chars_of, strict=True):
            buffer = io.BytesIO()
            start = time.perf_counter()
            page = render_html(results, plan)
            middle = time.perf_counter()
            got = write_pdf(page, buffer)
            end = time.perf_counter()
            if got != pages:
                raise RuntimeError(f"page count changed: {pages} then {got}")
            samples["render_html_s"].append(middle - start)
            samples["write_pdf_s"].append(end - middle)
            samples["report_s"].append(end - start)
            samples["per_page_s"].append((end - start) / pages)
            # Per page-equivalent of text: as many characters as the baseline's one page.
            samples["per_text_page_s"].append((end - start) / (chars / baseline_chars))
            start = time.perf_counter()
            render_baseline(document)
            samples["baseline_s"].append(time.perf_counter() - start)
    return {
        "people": len(people),
        "plan_items": plan_items,
        "pages": pages_of,
        "text_chars": chars_of,
        "text_chars_per_page": target_chars,
        "baseline_text_chars": baseline_chars,
        "data_s": [round(x, 4) for x in data_s],
        "samples": {k: [round(x, 5) for x in v] for k, v in samples.items()},
        "peak_mb": import_export.peak_mb(),
    }


# -- the team XLSX (child) ---------------------------------------------------------------------


def baseline_rows(summary: dict[str, Any], competences: list[Any]) -> dict[str, list[list[Any]]]:
    """The values of our workbook's visible sheets, as plain rows (None for an empty cell)."""
    numbers = [c.number for c in competences]
    names = {c.number: c.name for c in competences}
    people = summary["people"]
    sheets: dict[str, list[list[Any]]] = {}
    for axis in AXES:
        rows: list[list[Any]] = [["Person", "Team", "Context", *[str(n) for n in numbers]]]
        for p in people:
            rows.append(
                [
                    p["name"],
                    p["team"] or None,
                    p["context"],
                    *[(p["ratings"].get(str(n)) or {}).get(axis) for n in numbers],
                ]
            )
        sheets[axis.capitalize()] = rows
    keys = ("number", "name", "applies_to", "rated", "meets_officer", "at_specialist", "exposure")
    sheets["Coverage"] = [
        [
            "No.",
            "Competence",
            "Applies to",
            "Rated",
            "Meet officer target",
            "At specialist level",
            "Exposure",
        ],
        *[[c[k] for k in keys] for c in summary["coverage"]],
    ]
    gaps: list[list[Any]] = [
        ["Person", "No.", "Competence", "Axis", "Rating", "Officer target", "Short by"]
    ]
    for p in people:
        for n in numbers:
            target = p["targets"].get(str(n))
            if not target:
                continue
            rating = p["ratings"].get(str(n)) or {}
            for axis in AXES:
                actual = rating.get(axis)
                short = target[axis] - (actual or 0)
                if short > 0:
                    gaps.append([p["name"], n, names[n], axis, actual, target[axis], short])
    sheets["Gaps"] = gaps
    return sheets


def write_baseline(sheets: dict[str, list[list[Any]]], out: Path | io.BytesIO) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(out)


def read_back(path: Path, titles: list[str]) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    out = {}
    for title in titles:
        rows = []
        for row in book[title].iter_rows(values_only=True):
            values = [None if v == "" else v for v in row]
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        out[title] = rows
    book.close()
    return out


def trimmed(sheets: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    out = {}
    for title, rows in sheets.items():
        fixed = []
        for row in rows:
            values = [None if v == "" else v for v in row]
            while values and values[-1] is None:
                values.pop()
            fixed.append(values)
        out[title] = fixed
    return out


def child_xlsx(args: argparse.Namespace) -> dict[str, Any]:
    from competence.store import setup

    setup()
    from competence.data import load_catalogue
    from competence.reports.team import write_xlsx
    from competence.services import results as results_service
    from competence.services.results import team_summary
    from competence.store.models import Person

    competences = list(load_catalogue().framework.competences)
    count = Person.objects.count()
    work = Path(args.workdir)
    # Warm-up, untimed: imports, the catalogue, the query compiler, both writers.
    few = Person.objects.filter(pk__in=list(Person.objects.values_list("pk", flat=True)[:10]))
    small = team_summary(few, page=1, per_page=10)
    write_xlsx(small, io.BytesIO())
    write_baseline(baseline_rows(small, competences), io.BytesIO())
    samples: dict[str, list[float]] = {
        k: [] for k in ("summary_s", "write_xlsx_s", "total_s", "baseline_s")
    }
    ours, base = work / "team.xlsx", work / "baseline.xlsx"
    cells: dict[str, int] = {}
    verification: dict[str, Any] = {"checked": False}
    for run in range(args.repeats):
        results_service._FIGURES.clear()  # the figures are cached per query: compute them
        start = time.perf_counter()
        summary = team_summary(Person.objects.all(), page=1, per_page=max(1, count))
        middle = time.perf_counter()
        write_xlsx(summary, ours)
        end = time.perf_counter()
        if len(summary["people"]) != count:
            raise RuntimeError(f"the summary holds {len(summary['people'])} of {count} people")
        sheets = baseline_rows(summary, competences)  # untimed: the values, ready to write
        start_base = time.perf_counter()
        write_baseline(sheets, base)
        end_base = time.perf_counter()
        samples["summary_s"].append(middle - start)
        samples["write_xlsx_s"].append(end - middle)
        samples["total_s"].append(end - start)
        samples["baseline_s"].append(end_base - start_base)
        if run == 0:
            cells = {t: sum(len(r) for r in rows) for t, rows in sheets.items()}
            cells["gap_rows"] = len(sheets["Gaps"]) - 1
            if count <= args.verify_max:
                got = read_back(ours, list(sheets))
                expected = trimmed(sheets)
                verification = {
                    "checked": True,
                    "same_values": got == expected,
                    "differing_sheets": [t for t in expected if got.get(t) != expected[t]],
                }
        print(
            f"[{count} people] run {run + 1}: summary {samples['summary_s'][-1]:.2f}s, "
            f"write_xlsx {samples['write_xlsx_s'][-1]:.2f}s, "
            f"baseline {samples['baseline_s'][-1]:.2f}s",
            file=sys.stderr,
            flush=True,
        )
    return {
        "people": count,
        "cells": cells,
        "bytes": {"ours": ours.stat().st_size, "baseline": base.stat().st_size},
        "verification": verification,
        "samples": {k: [round(x, 4) for x in v] for k, v in samples.items()},
        "peak_mb": import_export.peak_mb(),
    }


# -- the parent --------------------------------------------------------------------------------


def run_child(stage: str, database: Path, work: Path, args: argparse.Namespace) -> Any:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        stage,
        "--workdir",
        str(work),
        "--repeats",
        str(args.repeats),
        "--pdf-people",
        str(args.pdf_people),
        "--verify-max",
        str(args.verify_max),
    ]
    done = subprocess.run(
        command,
        env=import_export.child_env(database),
        stdout=subprocess.PIPE,
        stderr=None,  # progress lines go straight to our stderr
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {stage} failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_org(people: int, folder: Path) -> tuple[Path, float]:
    """A fresh SQLite database holding the generated organisation of ``people``."""
    start = time.perf_counter()
    people_csv, ratings_csv = import_export.generate(people, folder)
    database = folder / "competence.sqlite3"
    import_export.run_commands(
        database,
        [
            ["db", "upgrade"],
            ["import", str(people_csv)],
            ["import", str(ratings_csv), "--cycle", import_export.CYCLE],
        ],
        SETUP_TIMEOUT,
    )
    return database, time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def summarise_pdf(raw: dict[str, Any], runs: int, setup_s: float) -> dict[str, Any]:
    s = raw["samples"]
    ours, base = median(s["per_page_s"]), median(s["baseline_s"])
    return {
        "organisation": PDF_ORG,
        "people": raw["people"],
        "runs": runs,
        "statistic": (
            f"median of {len(s['per_page_s'])} reports ({runs} runs x {raw['people']} people)"
        ),
        "pages": raw["pages"],
        "plan_items": raw["plan_items"],
        "text_chars_per_page": raw["text_chars_per_page"],
        "baseline_text_chars": raw["baseline_text_chars"],
        "per_page_s": round(ours, 5),
        "baseline_page_s": round(base, 5),
        "ratio": round(ours / base, 2),
        "per_text_page_s": round(median(s["per_text_page_s"]), 5),
        "ratio_per_text_page": round(median(s["per_text_page_s"]) / base, 2),
        "text_chars": raw["text_chars"],
        "report_s": round(median(s["report_s"]), 4),
        "render_html_s": round(median(s["render_html_s"]), 4),
        "write_pdf_s": round(median(s["write_pdf_s"]), 4),
        "data_s": round(median(raw["data_s"]), 4),
        "peak_mb": round(raw["peak_mb"], 1),
        "setup_s": round(setup_s, 1),
        "samples": s,
    }


def summarise_xlsx(raw: dict[str, Any], runs: int, setup_s: float) -> dict[str, Any]:
    s = raw["samples"]
    med = {k: median(v) for k, v in s.items()}
    return {
        "people": raw["people"],
        "runs": runs,
        "statistic": "median" if runs > 1 else "single run",
        "summary_s": round(med["summary_s"], 3),
        "write_xlsx_s": round(med["write_xlsx_s"], 3),
        "total_s": round(med["total_s"], 3),
        "baseline_s": round(med["baseline_s"], 3),
        "ratio": round(med["write_xlsx_s"] / med["baseline_s"], 2),
        "ratio_with_summary": round(med["total_s"] / med["baseline_s"], 2),
        "cells": raw["cells"],
        "bytes": raw["bytes"],
        "verification": raw["verification"],
        "peak_mb": round(raw["peak_mb"], 1),
        "setup_s": round(setup_s, 1),
        "samples": s,
    }


def targets(pdf: dict[str, Any] | None, xlsx: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = [
        {
            "target": f"individual PDF per page <= {PDF_RATIO_TARGET} x the one-page baseline",
            "measured": pdf["ratio"] if pdf else None,
            "pass": pdf["ratio"] <= PDF_RATIO_TARGET if pdf else None,
        }
    ]
    for r in xlsx:
        checks.append(
            {
                "target": f"team XLSX (write_xlsx) <= {XLSX_RATIO_TARGET} x the write-only "
                f"baseline at {r['people']:,}",
                "measured": r["ratio"],
                "pass": r["ratio"] <= XLSX_RATIO_TARGET,
            }
        )
    return checks


def table(pdf: dict[str, Any] | None, xlsx: list[dict[str, Any]], checks: list[Any]) -> str:
    lines = []
    if pdf:
        pages = sorted(pdf["pages"])
        lines += [
            f"Individual PDF ({pdf['people']} people of a {pdf['organisation']}-person "
            f"organisation, {pages[0]}-{pages[-1]} pages each; "
            f"{pdf['statistic']})",
            f"  ours:     {pdf['per_page_s'] * 1000:8.1f} ms/page  (a report "
            f"{pdf['report_s'] * 1000:.0f} ms: render_html {pdf['render_html_s'] * 1000:.0f}"
            f" + write_pdf {pdf['write_pdf_s'] * 1000:.0f}; data, not counted, "
            f"{pdf['data_s'] * 1000:.0f} ms); {pdf['text_chars_per_page']} characters a page",
            f"  baseline: {pdf['baseline_page_s'] * 1000:8.1f} ms/page  (plain one-page HTML, "
            f"{pdf['baseline_text_chars']} characters)",
            f"  ratio:    {pdf['ratio']:8.2f}  (per page-equivalent of text, "
            f"{pdf['baseline_text_chars']} characters: {pdf['per_text_page_s'] * 1000:.1f} ms, "
            f"ratio {pdf['ratio_per_text_page']:.2f}; for information)",
            "",
        ]
    if xlsx:
        head = (
            f"{'people':>7} {'runs':>4} | {'summary s':>9} {'write_xlsx s':>12} {'total s':>8} | "
            f"{'baseline s':>10} | {'ratio':>5} {'w/ summ.':>8} | {'cells':>9} | "
            f"{'MB ours/base':>12} | {'values':>6}"
        )
        lines += [
            "Team XLSX (ratio: write_xlsx alone / baseline; w/ summ.: team_summary + write_xlsx)",
            head,
            "-" * len(head),
        ]
        for r in xlsx:
            cells = sum(v for k, v in r["cells"].items() if k != "gap_rows")
            v = r["verification"]
            same = ("same" if v["same_values"] else "DIFFER") if v["checked"] else "-"
            size = f"{r['bytes']['ours'] / 1e6:.1f}/{r['bytes']['baseline'] / 1e6:.1f}"
            lines.append(
                f"{r['people']:>7,} {r['runs']:>4} | {r['summary_s']:>9.2f} "
                f"{r['write_xlsx_s']:>12.2f} {r['total_s']:>8.2f} | {r['baseline_s']:>10.2f} | "
                f"{r['ratio']:>5.2f} {r['ratio_with_summary']:>8.2f} | {cells:>9,} | "
                f"{size:>12} | {same:>6}"
            )
        lines.append("Times are the median of the runs shown (runs = 1: a single run).")
        lines.append("")
    for c in checks:
        verdict = "n/a (not run)" if c["pass"] is None else ("PASS" if c["pass"] else "FAIL")
        lines.append(f"{verdict}  {c['target']} (measured: {c['measured']})")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    info = import_export.machine()
    for package in ("weasyprint", "pydyf", "openpyxl", "pypdf"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="people per team XLSX run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file for the figures")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--pdf-people", type=int, default=10, help="individual reports per run (0: no PDF)"
    )
    parser.add_argument(
        "--verify-max", type=int, default=1000, help="read our XLSX back up to this many people"
    )
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="drop the figures for other sizes already in --out (default: keep them)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = child_pdf(args) if args.child == "pdf" else child_xlsx(args)
        print(json.dumps(result))
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    info = machine()
    command = " ".join(["benchmarks/reports.py", *(sys.argv[1:] if argv is None else argv)])
    started = dt.datetime.now(dt.UTC)
    pdf: dict[str, Any] | None = None
    xlsx: list[dict[str, Any]] = []
    orgs = sorted(set(sizes) | ({PDF_ORG} if args.pdf_people else set()))
    with tempfile.TemporaryDirectory(prefix="competence-reports-", dir=args.workdir) as tmp:
        for people in orgs:
            folder = Path(tmp) / f"size-{people}"
            folder.mkdir()
            database, setup_s = build_org(people, folder)
            print(f"[{people} people] imported in {setup_s:.1f}s", file=sys.stderr, flush=True)
            if people == PDF_ORG and args.pdf_people:
                raw = run_child("pdf", database, folder, args)
                pdf = summarise_pdf(raw, args.repeats, setup_s)
                print(
                    f"[{people} people] PDF {pdf['per_page_s'] * 1000:.1f} ms/page, "
                    f"baseline {pdf['baseline_page_s'] * 1000:.1f} ms/page",
                    file=sys.stderr,
                    flush=True,
                )
            if people in sizes:
                raw = run_child("xlsx", database, folder, args)
                xlsx.append(summarise_xlsx(raw, args.repeats, setup_s))
            shutil.rmtree(folder)
    for r in [*([pdf] if pdf else []), *xlsx]:
        r["date"] = started.isoformat(timespec="seconds")
        r["command"] = command
        r["commit"] = info["commit"]
        r["src_modified"] = info["src_modified"]
    print(table(pdf, xlsx, targets(pdf, xlsx)))
    before = (
        {}
        if args.fresh
        else import_export.earlier_document(
            args.out, info, ("nproc", "cpu", "memory_mb", "python", "weasyprint", "openpyxl")
        )
    )
    measured = {r["people"] for r in xlsx}
    kept = [r for r in before.get("team_xlsx", []) if r.get("people") not in measured]
    if pdf is None and before.get("individual_pdf"):
        pdf = before["individual_pdf"]
        print(f"\nKept the PDF figures from {args.out} (same machine).", file=sys.stderr)
    if kept:
        sizes_kept = ", ".join(f"{r['people']:,}" for r in kept)
        print(
            f"\nKept the XLSX figures for {sizes_kept} people "
            f"from {args.out} (same machine; --fresh to drop them).",
            file=sys.stderr,
        )
    xlsx = sorted(kept + xlsx, key=lambda r: r["people"])
    document = {
        "benchmark": "reports",
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "seed": import_export.SEED,
        "command": command,
        "machine": info,
        "baseline_pdf_style": BODY_STYLE,
        "targets": targets(pdf, xlsx),
        "individual_pdf": pdf,
        "team_xlsx": xlsx,
    }
    import_export.write_document(args.out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
